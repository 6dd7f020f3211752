import Testing
@testable import HosoCore

@Suite struct ObjectIDTests {
    @Test func hashesLikeSha256sum() {
        // sha256("abc") from FIPS 180-2.
        let id = ObjectID.hashing(Array("abc".utf8))
        #expect(id.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(id.prefixed == "sha256:" + id.hex)
        #expect(id.short == "ba7816bf8f01")
    }

    @Test func parsesWithAndWithoutPrefix() throws {
        let hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        let a = try ObjectID(parsing: hex)
        let b = try ObjectID(parsing: "sha256:" + hex)
        let c = try ObjectID(parsing: hex.uppercased())
        #expect(a == b && b == c)
        #expect(a.bytes.count == 32)
        #expect(ObjectID(bytes: a.bytes) == a)
    }

    @Test func refusesBadText() {
        #expect(throws: ObjectIDError.self) { try ObjectID(parsing: "abc") }
        #expect(throws: ObjectIDError.self) { try ObjectID(parsing: String(repeating: "g", count: 64)) }
        #expect(ObjectID(hex: String(repeating: "0", count: 63)) == nil)
    }

    @Test func roundTripsRandomBytes() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let id = ObjectID(bytes: bytes)
            #expect(id.bytes == bytes)
            #expect(ObjectID(hex: id.hex) == id)
        }
    }

    @Test func printsAndParsesEveryDigit() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let id = ObjectID(bytes: bytes)
            let reference = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            #expect(id.hex == reference)
            #expect(id.prefixed == "sha256:" + reference)
            // One digit that is not hex, anywhere, is refused.
            var broken = Array(reference.utf8)
            broken[Int.random(in: 0..<64, using: &rng)] = UInt8(ascii: "g")
            #expect(ObjectID(hex: String(decoding: broken, as: UTF8.self)) == nil)
            #expect(ObjectID(hex: "sha256:" + reference.uppercased()[...]) == id)
        }
    }

    @Test func ordersByBytes() {
        let a = ObjectID(bytes: [UInt8](repeating: 0, count: 31) + [1])
        let b = ObjectID(bytes: [1] + [UInt8](repeating: 0, count: 31))
        #expect(a < b)
    }

    @Test func streamingHasherEqualsOneShot() {
        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var h = ObjectHasher()
        data.withUnsafeBytes { b in
            var off = 0
            while off < b.count {
                let n = min(7919, b.count - off)
                h.update(UnsafeRawBufferPointer(rebasing: b[off..<(off + n)]))
                off += n
            }
        }
        #expect(h.finalize() == ObjectID.hashing(data))
    }

    /// The sorted list behaves as a set: repeats removed, membership, difference and union
    /// agree with Set on random names.
    @Test func objectIDListIsASet() {
        var rng = SystemRandomNumberGenerator()
        let pool = (0..<300).map { i in ObjectID.hashing([UInt8(i & 0xFF), UInt8(i >> 8)]) }
        for _ in 0..<20 {
            let a = (0..<150).map { _ in pool[Int.random(in: 0..<pool.count, using: &rng)] }
            let b = (0..<150).map { _ in pool[Int.random(in: 0..<pool.count, using: &rng)] }
            let la = ObjectIDList(a), lb = ObjectIDList(b)
            #expect(la.ids == Set(a).sorted())
            #expect(la.subtracting(lb).ids == Set(a).subtracting(b).sorted())
            #expect(la.union(lb).ids == Set(a).union(b).sorted())
            #expect(pool.allSatisfy { la.contains($0) == Set(a).contains($0) })
        }
        #expect(ObjectIDList().subtracting(ObjectIDList(pool)).isEmpty)
        #expect(ObjectIDList(pool).subtracting(ObjectIDList()).count == 300)
        // Names already in order are taken as they are; any other array is sorted, its repeats
        // removed, whether the caller gives it up or keeps it.
        let ordered = Set(pool).sorted()
        #expect(ObjectIDList(ordered).ids == ordered && ObjectIDList(ordered + [ordered[0]]).ids == ordered)
        #expect(ObjectIDList([ordered[0], ordered[0], ordered[1]]).ids == Array(ordered.prefix(2)), "repeats side by side, in order")
        let kept = Array(ordered.reversed()) + ordered.prefix(10)
        #expect(ObjectIDList(kept).ids == ordered && kept.count == 310 && kept[0] == ordered.last)
        #expect(ObjectIDList(consume kept).ids == ordered)
        let list = ObjectIDList(ordered)
        #expect(list.union(ObjectIDList()) == list && ObjectIDList().union(list) == list)
        #expect(ordered.indices.allSatisfy { list.index(of: ordered[$0]) == $0 } && ObjectIDList(ordered.dropFirst()).index(of: ordered[0]) == nil
                && ObjectIDList(ordered.dropLast()).index(of: ordered.last!) == nil)
    }
}
