import Foundation
import Testing
@testable import HosoCore

@Suite struct CanonicalJSONTests {
    static func manifest(_ name: String = "Tờ khai \"đặc biệt\" \\ tab\there") -> Manifest {
        let id = ObjectID.hashing(Array("x".utf8))
        return Manifest(dossier: "000.00.21.H50-230512-0007", version: 2, supersedes: id,
                        xml: ManifestFile(object: id, size: 3000),
                        components: [ManifestComponent(id: "c1", role: "submitted", copyType: "original", name: name,
                                                       file: "scans/ho\u{300}a.pdf", object: id, size: 12, mediaType: "application/pdf", pages: 2)],
                        textEncoding: .tcvn3)
    }

    /// The hand-written form is what JSONEncoder with sorted keys writes for ordinary text, so the
    /// format is plain JSON any tool reads; and it round-trips strictly.
    @Test func sameAsSortedJSONEncoderAndStrictRoundTrip() throws {
        let plain = Self.manifest("Tờ khai đăng ký")
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(try CanonicalJSON.encode(plain) == Array(try e.encode(plain)))
        let entry = LedgerEntry(sequence: 3, previous: ObjectID.hashing([1]), time: "2026-11-29T01:02:03Z", operator: "Nguyễn Thị Lan",
                                source: "/batch", added: [LedgerAddition(dossier: "d", version: 1, manifest: ObjectID.hashing([2]))])
        #expect(try CanonicalJSON.encode(entry) == Array(try e.encode(entry)))
        for m in [plain, Self.manifest()] {
            let bytes = try CanonicalJSON.encode(m)
            #expect(try CanonicalJSON.decodeStrict(Manifest.self, from: bytes) == m)
            #expect(try JSONSerialization.jsonObject(with: Data(bytes)) is [String: Any])
        }
        #expect(try CanonicalJSON.decodeStrict(LedgerEntry.self, from: try CanonicalJSON.encode(entry)) == entry)
        // With the digest of its catalog rows (entries written before it existed have none).
        var digested = entry
        digested.derived = DerivedDigest(rows: ObjectID.hashing([3]))
        #expect(try CanonicalJSON.encode(digested) == Array(try e.encode(digested)))
        #expect(try CanonicalJSON.decodeStrict(LedgerEntry.self, from: try CanonicalJSON.encode(digested)) == digested)
    }

    /// Field hashing keeps fields apart: moving text across a boundary, or NULL for empty,
    /// changes the digest.
    @Test func fieldHasherSeparatesFields() {
        func digest(_ fields: [String?]) -> ObjectID {
            var h = FieldHasher()
            for f in fields { h.add(f) }
            return h.finish()
        }
        #expect(digest(["ab", "c"]) != digest(["a", "bc"]))
        #expect(digest([nil]) != digest([""]))
        #expect(digest(["a", nil]) != digest(["a"]))
        #expect(digest(["Hồ sơ", "1"]) == digest(["Hồ sơ", "1"]))
        // Numbers are their decimal text; fields are buffered, so a long sequence (past the
        // buffer's size) hashes as the same fields added one by one would.
        for n in [0, 7, -7, 10, 1234567890, Int.max, Int.min] {
            var a = FieldHasher(), b = FieldHasher()
            a.add(n); b.add(String(n))
            #expect(a.finish() == b.finish(), "\(n)")
        }
        var long = FieldHasher(), encoded: [UInt8] = []
        let fields = (0..<20_000).map { "trường \($0)" }
        for f in fields { long.add(f) }
        for f in fields { var t = f; t.withUTF8 { FieldHasher.encode(UnsafeRawBufferPointer($0), into: &encoded) } }
        #expect(long.finish() == ObjectID.hashing(encoded))
    }

    @Test func nonCanonicalBytesAreRefused() throws {
        var bytes = try CanonicalJSON.encode(Self.manifest())
        bytes.insert(0x20, at: 1)
        #expect(throws: (any Error).self) { try CanonicalJSON.decodeStrict(Manifest.self, from: bytes) }
    }
}
