import Foundation
import HosoCore

/// `index/manifest.json`: which segment files (and deletion files) make up the index, and which
/// ledger entry it reflects. Replaced atomically: readers see the old or the new index, whole.
public struct IndexManifest: Codable, Sendable, Equatable {
    public static let formatName = "hoso-index/1"

    public struct SegmentEntry: Codable, Sendable, Equatable {
        public var file: String
        public var docs: Int
        public var bytes: Int
        public var crc: UInt32
        /// The deletion file in force for this segment, if any document of it was deleted.
        public var deletes: String?
        public var deletedDocs: Int
    }

    public var format: String = IndexManifest.formatName
    public var generation: Int
    /// The newest ledger entry whose dossiers are indexed (nil: none yet).
    public var ledgerHead: String?
    public var ledgerSequence: Int
    public var segments: [SegmentEntry]
    public var nextSegment: Int
    /// The rule its documents were made by (`IndexDocument.currentDerivation` when written);
    /// absent from indexes made before derivation 2: those are derivation 1.
    public var derivation: Int?

    public static let empty = IndexManifest(generation: 0, ledgerHead: nil, ledgerSequence: 0, segments: [], nextSegment: 1)

    public var liveDocs: Int { segments.reduce(0) { $0 + $1.docs - $1.deletedDocs } }

    /// The rule its documents were made by: as recorded, 1 for an index written before it was
    /// recorded, nil for an index that holds nothing yet (its first writer decides).
    public var rule: Int? { derivation ?? (ledgerHead == nil && segments.isEmpty ? nil : 1) }
}

/// A segment's deleted documents, and what they contributed to the statistics (document
/// frequencies, field lengths), so that scores do not depend on whether deleted documents are
/// still in a segment or already merged away.
public struct Deletions: Sendable {
    public var bits: [UInt8]
    public var count: Int
    public var lengthSums: [Int]
    public var termCounts: [[UInt8]: Int]

    public init(docCount: Int) {
        bits = [UInt8](repeating: 0, count: (docCount + 7) / 8)
        count = 0
        lengthSums = Array(repeating: 0, count: Field.textFields.count)
        termCounts = [:]
    }

    @inline(__always) public func isDeleted(_ doc: Int) -> Bool { bits[doc >> 3] & (1 << UInt8(doc & 7)) != 0 }

    /// Marks `doc` deleted and subtracts what it contributed (read back from its stored fields).
    public mutating func delete(_ doc: Int, in segment: Segment) {
        guard !isDeleted(doc) else { return }
        bits[doc >> 3] |= 1 << UInt8(doc & 7)
        count += 1
        for f in 0..<Field.textFields.count { lengthSums[f] += segment.norm(f, doc) }
        let builder = SegmentBuilder()
        builder.add(segment.document(doc))
        for term in builder.termsOfOnlyDocument() { termCounts[term, default: 0] += 1 }
    }

    static let magic: [UInt8] = Array("HOSODEL1".utf8)

    func encoded(docCount: Int) -> [UInt8] {
        var w = ByteWriter()
        w.append(Deletions.magic)
        w.u32(UInt32(docCount)); w.u32(UInt32(count))
        w.append(bits)
        for s in lengthSums { w.u64(UInt64(s)) }
        let sorted = termCounts.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        w.u32(UInt32(sorted.count))
        for (t, c) in sorted { w.varint(UInt32(t.count)); w.append(t); w.u32(UInt32(c)) }
        let crc = w.bytes.withUnsafeBytes { CRC32.update(0, $0) }
        w.u32(crc)
        return w.bytes
    }

    static func decode(_ bytes: [UInt8], docCount: Int, path: String) throws -> Deletions {
        guard bytes.count >= 20, Array(bytes[0..<8]) == magic else { throw IndexFileError(path: path, reason: "not a deletion file") }
        let stored = bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self)) }
        let crc = bytes.withUnsafeBytes { CRC32.update(0, UnsafeRawBufferPointer(rebasing: $0[0..<(bytes.count - 4)])) }
        guard stored == crc else { throw IndexFileError(path: path, reason: "checksum mismatch") }
        return bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw.baseAddress!, count: raw.count, offset: 8)
            var d = Deletions(docCount: docCount)
            r.offset += 4
            d.count = Int(r.u32(at: r.offset)); r.offset += 4
            for i in 0..<d.bits.count { d.bits[i] = r.u8(at: r.offset + i) }
            r.offset += d.bits.count
            for f in 0..<Field.textFields.count { d.lengthSums[f] = Int(r.u64(at: r.offset)); r.offset += 8 }
            let n = Int(r.u32(at: r.offset)); r.offset += 4
            for _ in 0..<n {
                let len = Int(r.varint())
                let t = Array(UnsafeRawBufferPointer(start: raw.baseAddress! + r.offset, count: len))
                r.offset += len
                d.termCounts[t] = Int(r.u32(at: r.offset)); r.offset += 4
            }
            return d
        }
    }
}

