import Foundation
import Testing
import HosoCore
import HosoTestSupport
@testable import HosoStore

/// Deterministic pseudo-random bytes (xorshift), compressible or not.
func makeBytes(_ count: Int, seed: UInt64, compressible: Bool) -> [UInt8] {
    var x = seed | 1
    var out = [UInt8](repeating: 0, count: count)
    for i in 0..<count {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17
        out[i] = compressible ? (x % 8 == 0 ? UInt8(truncatingIfNeeded: x >> 32) : 0xFF) : UInt8(truncatingIfNeeded: x >> 24)
    }
    return out
}

func makeStore(_ folder: TemporaryFolder) throws -> LocalObjectStore {
    try LocalObjectStore.create(at: folder.sub("objects"))
    return LocalObjectStore(root: folder.sub("objects"))
}

@Suite struct StoreRoundTripTests {
    @Test func roundTripsRandomSizesAndBothCodecs() throws {
        let folder = TemporaryFolder()
        let store = try makeStore(folder)
        var rng = SystemRandomNumberGenerator()
        var sizes = [0, 1, 31, 32, 33, 1 << 20, (1 << 20) - 1, (1 << 20) + 1, 3 << 20]
        for _ in 0..<25 { sizes.append(Int.random(in: 0...(5 << 20), using: &rng)) }
        var codecs: Set<Codec> = []
        for (i, size) in sizes.enumerated() {
            let bytes = makeBytes(size, seed: UInt64(i + 1), compressible: i % 2 == 0)
            let put = try store.put(bytes: bytes, expected: nil)
            #expect(put.id == ObjectID.hashing(bytes))
            #expect(put.originalSize == UInt64(size))
            #expect(!put.existed)
            codecs.insert(put.codec)
            var back: [UInt8] = []
            let info = try store.get(put.id) { back.append(contentsOf: $0) }
            #expect(back == bytes, "size \(size)")
            #expect(info.codec == put.codec)
            #expect(try store.storedSize(put.id) == put.storedSize)
            // The object is read-only.
            let st = try #require(SystemFile.linkStatus(store.path(of: put.id)))
            #expect(st.st_mode & 0o222 == 0)
        }
        #expect(codecs == [.raw, .gzip])
    }

    @Test func deduplicatesAndChecksExpectedNames() throws {
        let folder = TemporaryFolder()
        let store = try makeStore(folder)
        let bytes = makeBytes(100_000, seed: 7, compressible: true)
        let first = try store.put(bytes: bytes, expected: nil)
        let second = try store.put(bytes: bytes, expected: first.id)
        #expect(second.existed && second.id == first.id)
        let third = try store.put(bytes: bytes, expected: nil)
        #expect(third.existed)
        let wrong = ObjectID.hashing([1, 2, 3])
        #expect(throws: ObjectFault.hashMismatch(found: first.id)) { try store.put(bytes: bytes, expected: wrong) }
        #expect(try !store.contains(wrong))
        // No temp file is left by the refused put.
        var temps = 0
        try store.list { for e in $0 { if case .temporary = e { temps += 1 } } }
        #expect(temps == 0)
    }

    @Test func precompressedFormatsAreStoredRawAndTextCompressed() throws {
        let folder = TemporaryFolder()
        let store = try makeStore(folder)
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + [UInt8](repeating: 0, count: 50_000)
        #expect(try store.put(bytes: jpeg, expected: nil).codec == .raw)
        let text = Array(String(repeating: "Ủy ban nhân dân phường Đông Lương ", count: 2000).utf8)
        let put = try store.put(bytes: text, expected: nil)
        #expect(put.codec == .gzip)
        #expect(put.saving > 0.9)
        let noise = makeBytes(200_000, seed: 3, compressible: false)
        #expect(try store.put(bytes: noise, expected: nil).codec == .raw)
    }

    @Test func concurrentWritersOfOneObjectBothSucceed() throws {
        let folder = TemporaryFolder()
        let store = try makeStore(folder)
        let bytes = makeBytes(3 << 20, seed: 11, compressible: true)
        let results = Parallel.map(Array(0..<8), workers: 8) { _ in try? store.put(bytes: bytes, expected: nil) }
        #expect(results.allSatisfy { $0?.id == ObjectID.hashing(bytes) })
        #expect(results.filter { $0?.existed == false }.count >= 1)
        var back: [UInt8] = []
        _ = try store.get(ObjectID.hashing(bytes)) { back.append(contentsOf: $0) }
        #expect(back == bytes)
        let report = try StoreChecker(store: store).run()
        #expect(report.findings.isEmpty)
    }

    @Test func headerRoundTripAndDamage() throws {
        let h = ObjectHeader(codec: .gzip, originalLength: 123_456_789, payloadLength: 1_000_000, payloadCRC: 0xDEADBEEF)
        #expect(try ObjectHeader(parsing: h.bytes) == h)
        for bit in 0..<(ObjectHeader.size * 8) {
            var b = h.bytes
            b[bit / 8] ^= UInt8(1 << (bit % 8))
            #expect(throws: ObjectHeader.Problem.self) { try ObjectHeader(parsing: b) }
        }
    }

    @Test func decompressionBombIsRefused() throws {
        // A gzip stream of 50 MB of zeros under a header that records 1 kB.
        let zeros = [UInt8](repeating: 0, count: 50 << 20)
        var out = [UInt8](repeating: 0, count: zeros.count / 100 + 1 << 16)
        let c = GzipCompressor(level: 6)
        let n = zeros.withUnsafeBytes { z in out.withUnsafeMutableBytes { c.compress(z, into: $0) } }
        let payload = Array(out[0..<n])
        let crc = payload.withUnsafeBytes { CRC32.update(0, $0) }
        let file = ObjectHeader(codec: .gzip, originalLength: 1000, payloadLength: UInt64(payload.count), payloadCRC: crc).bytes + payload
        let decoder = ObjectDecoder(expected: nil)
        var produced = 0
        #expect(throws: ObjectFault.sizeMismatch(expected: 1000, found: 1001)) {
            try file.withUnsafeBytes { try decoder.feed($0) { produced += $0.count } }
        }
        #expect(produced <= 1000)
    }
}

/// One damage, one finding: each test damages one object and expects exactly one finding code.
@Suite struct StoreDamageTests {
    struct Fixture {
        let folder = TemporaryFolder()
        let store: LocalObjectStore
        let raw: PutResult
        let gzip: PutResult
        init() throws {
            store = try makeStore(folder)
            raw = try store.put(bytes: makeBytes(300_000, seed: 1, compressible: false), expected: nil)
            gzip = try store.put(bytes: makeBytes(2_500_000, seed: 2, compressible: true), expected: nil)
            precondition(raw.codec == .raw && gzip.codec == .gzip)
        }
        func path(_ p: PutResult) -> String { store.path(of: p.id) }
        func mutate(_ p: PutResult, _ change: (inout [UInt8]) -> Void) throws {
            let path = self.path(p)
            chmod(path, 0o644)
            var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            change(&bytes)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        func findings(_ expected: Set<ObjectID>? = nil) throws -> [DiagnosticCode] {
            try StoreChecker(store: store).run(expected: expected.map { ObjectIDList($0) }).findings.map(\.code)
        }
    }

    @Test func cleanStoreHasNoFindings() throws {
        let f = try Fixture()
        #expect(try f.findings([f.raw.id, f.gzip.id]) == [])
        #expect(try StoreChecker(store: f.store, level: .quick).run().findings.isEmpty)
    }

    @Test(arguments: [
        ("raw payload bit", true, 1000, DiagnosticCode.objectHashMismatch),
        ("raw header bit", true, 20, .objectHeaderCorrupt),
        ("raw last bit", true, -1, .objectHashMismatch),
        ("gzip header bit", false, 9, .objectHeaderCorrupt),
        ("gzip payload bit", false, 5000, .objectCorruptStream),
        ("gzip last bit", false, -1, .objectCorruptStream),
    ])
    func flippedBit(_ name: String, _ raw: Bool, _ offset: Int, _ code: DiagnosticCode) throws {
        let f = try Fixture()
        try f.mutate(raw ? f.raw : f.gzip) { b in
            let i = offset >= 0 ? offset : b.count + offset
            b[i] ^= 0x10
        }
        #expect(try f.findings() == [code], "\(name)")
    }

    /// A header that is intact (its CRC recomputed) but records another original length than
    /// the payload decodes to: shorter (a bomb: decoding stops one byte past it) or longer.
    @Test(arguments: [-1, -1_000_000, 1, 4096])
    func headerLengthDiffersFromPayload(_ delta: Int) throws {
        let f = try Fixture()
        try f.mutate(f.gzip) { b in
            let h = try! ObjectHeader(parsing: Array(b[0..<ObjectHeader.size]))
            let forged = ObjectHeader(codec: h.codec, originalLength: UInt64(Int(h.originalLength) + delta),
                                      payloadLength: h.payloadLength, payloadCRC: h.payloadCRC)
            b.replaceSubrange(0..<ObjectHeader.size, with: forged.bytes)
        }
        #expect(try f.findings() == [.objectSizeMismatch], "delta \(delta)")
    }

    @Test(arguments: [(true, 0), (true, -1), (true, 2), (false, 0), (false, -1), (false, 2), (true, 10)])
    func truncated(_ raw: Bool, _ how: Int) throws {
        // how: 0 = to zero bytes, -1 = one byte short, 2 = to half, 10 = inside the header
        let f = try Fixture()
        try f.mutate(raw ? f.raw : f.gzip) { b in
            switch how {
            case 0: b = []
            case -1: b.removeLast()
            case 2: b.removeLast(b.count / 2)
            default: b = Array(b[0..<how])
            }
        }
        #expect(try f.findings() == [.objectTruncated])
    }

    @Test(arguments: [true, false])
    func appendedBytes(_ raw: Bool) throws {
        let f = try Fixture()
        try f.mutate(raw ? f.raw : f.gzip) { $0 += [1, 2, 3] }
        #expect(try f.findings() == [.objectTrailingData])
    }

    @Test func renamedObject() throws {
        let f = try Fixture()
        let other = ObjectID.hashing([9, 9, 9])
        #expect(rename(f.path(f.raw), f.store.path(of: other)) == 0)
        #expect(try f.findings() == [.objectHashMismatch])
        #expect(try f.findings([f.raw.id]).sorted() == [.objectMissing, .objectHashMismatch].sorted())
    }

    @Test func deletedObject() throws {
        let f = try Fixture()
        #expect(unlink(f.path(f.gzip)) == 0)
        #expect(try f.findings([f.raw.id, f.gzip.id]) == [.objectMissing])
    }

    @Test func symlinkInsteadOfObject() throws {
        let f = try Fixture()
        let target = try f.folder.write("elsewhere", [1, 2, 3])
        #expect(unlink(f.path(f.raw)) == 0)
        #expect(symlink(target, f.path(f.raw)) == 0)
        #expect(try f.findings() == [.objectNotRegular])
        #expect(throws: ObjectFault.notRegular("a symbolic link")) { try f.store.get(f.raw.id) { _ in } }
    }

    @Test func flipInBitsADecompressorIgnores() throws {
        // The gzip member header's OS byte (offset 9 of the first member) does not change the
        // content; the payload checksum still catches it.
        let f = try Fixture()
        try f.mutate(f.gzip) { $0[ObjectHeader.size + 9] ^= 0x01 }
        #expect(try f.findings() == [.objectCorruptStream])
    }

    @Test func unexpectedAndTemporaryFiles() throws {
        let f = try Fixture()
        try f.folder.write("objects/ab/notes.txt", "hello")
        try f.folder.write("objects/.tmp-0123456789abcdef", "partial")
        // An object's name in capitals is not an object name (names are lowercase hex).
        let name = f.raw.id.hex
        try f.folder.write("objects/" + name.prefix(2) + "/" + name.dropFirst(2).uppercased(), "x")
        let codes = try f.findings()
        #expect(codes.sorted() == [.objectUnexpectedFile, .objectUnexpectedFile, .objectStaleTemp].sorted())
    }

    /// The listing stats its entries several at a time, in batches of several folders: every
    /// entry still comes once, in the order of the names, each classified as before.
    @Test func listingIsCompleteAndOrderedAcrossBatches() throws {
        let f = try Fixture()
        var ids: Set<ObjectID> = [f.raw.id, f.gzip.id]
        for i in 0..<3000 { ids.insert(try f.store.put(bytes: Array("đối tượng \(i)".utf8), expected: nil).id) }
        try f.folder.write("objects/7f/notes.txt", "hello")
        try f.folder.write("objects/7f/.tmp-0123456789abcdef", "partial")
        var batches = 0, objects: [ObjectID] = [], paths: [String] = [], others: [String] = []
        try f.store.list { entries in
            batches += 1
            for e in entries {
                switch e {
                case let .object(id, size, path):
                    objects.append(id); paths.append(path)
                    #expect(size == SystemFile.status(f.store.path(of: id)).map { UInt64($0.st_size) })
                case let .temporary(path, _): others.append("temporary " + path.suffix(24))
                case let .unexpected(path): others.append("unexpected " + path.suffix(12))
                default: Issue.record("unexpected entry \(e)")
                }
            }
        }
        #expect(Set(objects) == ids && objects.count == ids.count)
        #expect(objects == objects.sorted { $0.hex < $1.hex }, "in the order of the names")
        #expect(zip(objects, paths).allSatisfy { id, path in path.hasSuffix("/" + id.hex.prefix(2) + "/" + id.hex.dropFirst(2)) })
        #expect(others.sorted() == ["temporary 7f/.tmp-0123456789abcdef", "unexpected 7f/notes.txt"])
        #expect(batches > 2, "3,000 objects come in more than one batch")
    }

    @Test func everyReadVerifies() throws {
        let f = try Fixture()
        try f.mutate(f.raw) { $0[500] ^= 1 }
        #expect(throws: ObjectFault.self) { try f.store.get(f.raw.id) { _ in } }
        #expect(throws: ObjectFault.self) { try f.store.bytes(of: f.raw.id) }
    }

    @Test func thousandRandomBitFlipsAreAllDetected() throws {
        let f = try Fixture()
        let originals = [f.raw: try Data(contentsOf: URL(fileURLWithPath: f.path(f.raw))),
                         f.gzip: try Data(contentsOf: URL(fileURLWithPath: f.path(f.gzip)))]
        var rng = SystemRandomNumberGenerator()
        for i in 0..<1000 {
            let target = i % 2 == 0 ? f.raw : f.gzip
            let original = Array(originals[target]!)
            var damaged = original
            let bit = Int.random(in: 0..<(damaged.count * 8), using: &rng)
            damaged[bit / 8] ^= UInt8(1 << (bit % 8))
            let decoder = ObjectDecoder(expected: target.id)
            var detected = false
            do {
                try damaged.withUnsafeBytes { try decoder.feed($0) { _ in } }
                try decoder.finish()
            } catch { detected = true }
            #expect(detected, "bit \(bit) of \(target.codec) object not detected")
        }
    }
}


@Suite struct ZlibCompatibilityTests {
    /// The system zlib (not only libdeflate, which the read path uses) reads every gzip payload
    /// back: the format does not depend on hoso's own decoder.
    @Test func systemZlibReadsEveryCompressedObject() throws {
        let folder = TemporaryFolder()
        let store = try makeStore(folder)
        for (i, size) in [1000, (1 << 20) - 1, 1 << 20, (3 << 20) + 17].enumerated() {
            let bytes = makeBytes(size, seed: UInt64(100 + i), compressible: true)
            let put = try store.put(bytes: bytes, expected: nil)
            #expect(put.codec == .gzip)
            let file = Array(try Data(contentsOf: URL(fileURLWithPath: store.path(of: put.id))))
            let z = try Inflater()
            var out: [UInt8] = []
            var rest = Array(file[ObjectHeader.size...])
            while !rest.isEmpty {
                let (used, produced, ended) = try rest.withUnsafeBytes { try z.step($0, maxOutput: z.capacity) }
                out += Array(produced)
                rest.removeFirst(used)
                if ended { z.reset() }
                if used == 0 && produced.isEmpty && !ended { break }
            }
            #expect(out == bytes, "size \(size)")
        }
    }
}
