#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HosoCore
internal import CHosoDeflate

/// Why an index file cannot be used.
public struct IndexFileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
    /// What E706 asks, wherever a damaged index file is found (search, verify, index status).
    public static let advice = "Run 'hoso index rebuild' (the index is derived: it is made again from the store and the ledger; 'hoso rebuild' remakes the catalog too)"
}

/// A segment file, memory-mapped: nothing is loaded up front, pages come in as queries touch
/// them. Opening checks the header and footer (magic, version, section table); `verifyChecksum`
/// reads the whole file (used by `hoso verify` and before merging).
public final class Segment: @unchecked Sendable {
    public let path: String
    let base: UnsafeRawPointer
    let size: Int
    public let docCount: Int
    public let termCount: Int
    let sections: [(offset: Int, length: Int)]
    public let storedCRC: UInt32
    /// The segment format version of the file (see `SegmentFormat.readableVersions`).
    public let formatVersion: UInt32
    /// The format version this hoso writes.
    public static let currentFormatVersion = SegmentFormat.version

    // Section starts, cached.
    let termOffsets: Int, termBytes: Int, termInfos: Int, norms: Int, columns: Int, ordinals: Int, docBlocks: Int

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            // A file this user may not read is not a damaged one (whose advice is a rebuild).
            if errno == EACCES || errno == EPERM { throw SystemError(errno: errno, operation: "open", path: path) }
            throw IndexFileError(path: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw IndexFileError(path: path, reason: "cannot stat") }
        size = Int(st.st_size)
        let minimum = SegmentFormat.headerSize + SegmentFormat.sectionCount * 16 + SegmentFormat.footerTail
        guard size >= minimum else { throw IndexFileError(path: path, reason: "truncated (\(size) bytes)") }
        guard let m = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), m != MAP_FAILED else {
            throw IndexFileError(path: path, reason: "cannot map: \(String(cString: strerror(errno)))")
        }
        let mapped = UnsafeRawPointer(m)
        let mappedSize = size
        base = mapped
        let r = ByteReader(mapped, count: mappedSize)
        func fail(_ why: String) -> IndexFileError { munmap(m, mappedSize); return IndexFileError(path: path, reason: why) }
        var magicOK = true, endOK = true
        for i in 0..<8 {
            if r.u8(at: i) != SegmentFormat.magic[i] { magicOK = false }
            if r.u8(at: mappedSize - 8 + i) != SegmentFormat.endMagic[i] { endOK = false }
        }
        guard magicOK else { throw fail("not a hoso index segment (bad magic)") }
        let version = r.u32(at: 8)
        guard SegmentFormat.readableVersions.contains(version) else {
            throw fail("segment format version \(version) is unknown (this hoso reads \(SegmentFormat.readableVersions.lowerBound) to \(SegmentFormat.readableVersions.upperBound)); run 'hoso rebuild'")
        }
        formatVersion = version
        guard endOK else { throw fail("truncated or damaged (bad end magic)") }
        let tableOffset = Int(r.u64(at: mappedSize - SegmentFormat.footerTail))
        guard tableOffset + SegmentFormat.sectionCount * 16 + SegmentFormat.footerTail == mappedSize else { throw fail("damaged section table") }
        var secs: [(Int, Int)] = []
        for i in 0..<SegmentFormat.sectionCount {
            let o = Int(r.u64(at: tableOffset + 16 * i)), l = Int(r.u64(at: tableOffset + 16 * i + 8))
            guard o >= SegmentFormat.headerSize, o + l <= tableOffset else { throw fail("section \(i) out of bounds") }
            secs.append((o, l))
        }
        sections = secs
        docCount = Int(r.u32(at: 12))
        termCount = Int(r.u32(at: 16))
        storedCRC = r.u32(at: mappedSize - SegmentFormat.footerTail + 8)
        termOffsets = secs[SegmentFormat.Section.termOffsets.rawValue].0
        termBytes = secs[SegmentFormat.Section.termBytes.rawValue].0
        termInfos = secs[SegmentFormat.Section.termInfos.rawValue].0
        norms = secs[SegmentFormat.Section.norms.rawValue].0
        columns = secs[SegmentFormat.Section.columns.rawValue].0
        ordinals = secs[SegmentFormat.Section.ordinals.rawValue].0
        docBlocks = secs[SegmentFormat.Section.docOffsets.rawValue].0
        guard secs[SegmentFormat.Section.termOffsets.rawValue].1 == (termCount + 1) * 4,
              secs[SegmentFormat.Section.termInfos.rawValue].1 == termCount * SegmentFormat.termInfoSize,
              secs[SegmentFormat.Section.docOffsets.rawValue].1 == (docCount + SegmentFormat.docsPerBlock - 1) / SegmentFormat.docsPerBlock * 16
        else { throw fail("section sizes disagree with the header") }
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }

    /// Lets go of every page of the mapping (they stay in the page cache; a later read, on any
    /// thread, maps them again): a scan of every stored document of a large index otherwise leaves the
    /// whole index counted in the process's resident memory.
    public func releasePages() {
        _ = madvise(UnsafeMutableRawPointer(mutating: base), size, MADV_DONTNEED)
    }

    var reader: ByteReader { ByteReader(base, count: size) }

    /// Whether the segment is what its own stored documents make: its header, terms,
    /// postings, positions, skips, norms, columns and ordinals rebuilt from them, byte for byte
    /// (nil for a segment of an older format, which the current builder does not write). A
    /// term edited, or a document taken out of a posting list, with the checksum recomputed,
    /// is found here: the checksum alone can be recomputed by whoever edits the file. The
    /// stored documents themselves are the rebuild's input (checked against the ledger
    /// elsewhere), and their compressed bytes depend on the compression library's version, so
    /// they are not compared.
    ///
    /// A format 4 segment differs from one written now only in its header's version and in its
    /// stored documents (which lack the channel), which are not compared. A format 3 segment
    /// differs also in its ordinals (each code named by its document indexed last, no latest
    /// documents): it is compared byte for byte but for those, and its ordinals by their codes.
    public func matchesItsDocuments() -> Bool? {
        let current = formatVersion == SegmentFormat.version
        let sameOrdinals = formatVersion >= 4
        guard current || sameOrdinals || formatVersion == 3 else { return nil }
        let builder = SegmentBuilder()
        builder.storesDocuments = false
        for d in 0..<docCount { builder.add(document(d)) }
        let bytes = builder.encoded().bytes
        return bytes.withUnsafeBytes { rebuilt -> Bool in
            let n = rebuilt.count
            guard n >= SegmentFormat.headerSize + SegmentFormat.footerTail,
                  memcmp(rebuilt.baseAddress!, base, 8) == 0, !current || memcmp(rebuilt.baseAddress! + 8, base + 8, 4) == 0,
                  memcmp(rebuilt.baseAddress! + 12, base + 12, SegmentFormat.headerSize - 12) == 0 else { return false }
            let table = Int(rebuilt.loadUnaligned(fromByteOffset: n - SegmentFormat.footerTail, as: UInt64.self).littleEndian)
            for i in 0...SegmentFormat.Section.ordinals.rawValue {
                let o = Int(rebuilt.loadUnaligned(fromByteOffset: table + 16 * i, as: UInt64.self).littleEndian)
                let l = Int(rebuilt.loadUnaligned(fromByteOffset: table + 16 * i + 8, as: UInt64.self).littleEndian)
                if !sameOrdinals && i == SegmentFormat.Section.ordinals.rawValue {
                    var mine = ByteReader(base, count: size, offset: sections[i].offset)
                    var theirs = ByteReader(rebuilt.baseAddress!, count: n, offset: o)
                    let (p, a) = Self.codeTables(&mine), (q, b) = Self.codeTables(&theirs)
                    guard sections[i].offset == o, p.map(\.0) == q.map(\.0), a.map(\.0) == b.map(\.0) else { return false }
                    continue
                }
                guard sections[i] == (o, l), memcmp(rebuilt.baseAddress! + o, base + o, l) == 0 else { return false }
            }
            return true
        }
    }

    /// Reads the whole file and compares its CRC-32 with the footer's.
    /// - Parameter releasingPages: then lets go of the pages read (`releasePages`): a check of
    ///   every segment, not a reader about to use them.
    public func verifyChecksum(releasingPages: Bool = false) -> Bool {
        let covered = size - 16
        let matches = CRC32.update(0, UnsafeRawBufferPointer(start: base, count: covered)) == storedCRC
        if releasingPages { releasePages() }
        return matches
    }

    // MARK: terms

    @inline(__always) func termRange(_ ordinal: Int) -> (start: Int, count: Int) {
        let r = reader
        let a = Int(r.u32(at: termOffsets + 4 * ordinal)), b = Int(r.u32(at: termOffsets + 4 * ordinal + 4))
        return (termBytes + a, b - a)
    }

    /// Compares the term at `ordinal` with `key` (memcmp order).
    @inline(__always) func compare(_ ordinal: Int, _ key: UnsafeBufferPointer<UInt8>) -> Int32 {
        let (s, n) = termRange(ordinal)
        let m = min(n, key.count)
        let c = m == 0 ? 0 : memcmp(base + s, key.baseAddress!, m)
        if c != 0 { return c }
        return n == key.count ? 0 : (n < key.count ? -1 : 1)
    }

    /// The first ordinal whose term is ≥ key.
    func lowerBound(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        var lo = 0, hi = termCount
        while lo < hi {
            let mid = (lo + hi) >> 1
            if compare(mid, key) < 0 { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The ordinal of an exact term.
    public func ordinal(of term: [UInt8]) -> Int? {
        term.withUnsafeBufferPointer { k in
            let i = lowerBound(k)
            return i < termCount && compare(i, k) == 0 ? i : nil
        }
    }

    /// Ordinals of every term starting with `prefix`.
    public func ordinals(withPrefix prefix: [UInt8]) -> Range<Int> {
        prefix.withUnsafeBufferPointer { k -> Range<Int> in
            let lo = lowerBound(k)
            var hi = lo
            while hi < termCount {
                let (s, n) = termRange(hi)
                if n < k.count || memcmp(base + s, k.baseAddress!, k.count) != 0 { break }
                hi += 1
            }
            return lo..<hi
        }
    }

    /// The ordinals of the terms that begin with `prefix` and end with the byte `last`, as runs.
    func ordinals(withPrefix prefix: [UInt8], last: UInt8) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for o in ordinals(withPrefix: prefix) {
            let (s, n) = termRange(o)
            guard n > 0, base.load(fromByteOffset: s + n - 1, as: UInt8.self) == last else { continue }
            out.append(ordinal: o)
        }
        return out
    }

    /// The bytes of the term at `ordinal`.
    public func term(_ ordinal: Int) -> [UInt8] {
        let (s, n) = termRange(ordinal)
        return Array(UnsafeRawBufferPointer(start: base + s, count: n))
    }

    public func docFreq(_ ordinal: Int) -> Int { Int(reader.u32(at: termInfos + SegmentFormat.termInfoSize * ordinal)) }

    /// The sum of a term's frequencies over the segment's documents; nil when the file does not
    /// record it (format 1, or too large to count).
    public func totalFreq(_ ordinal: Int) -> Int? {
        guard formatVersion >= 2 else { return nil }
        let v = reader.u32(at: termInfos + SegmentFormat.termInfoSize * ordinal + 4)
        return v == UInt32.max ? nil : Int(v)
    }

    /// A cursor over the postings of a term.
    public func postings(_ ordinal: Int) -> PostingsCursor {
        let r = reader
        let at = termInfos + SegmentFormat.termInfoSize * ordinal
        let docFreq = Int(r.u32(at: at))
        let packed = formatVersion >= 2
        let blocks = packed ? (docFreq + SegmentFormat.blockSize - 1) / SegmentFormat.blockSize : Int(r.u32(at: at + 4))
        return PostingsCursor(base: base, size: size, docFreq: docFreq, blocks: blocks, packed: packed,
                              postings: Int(r.u64(at: at + 8)), positions: Int(r.u64(at: at + 16)), skips: Int(r.u64(at: at + 24)))
    }

    // MARK: per-document data

    /// Tokens of text field `field` in document `doc`.
    @inline(__always) public func norm(_ field: Int, _ doc: Int) -> Int {
        Int(reader.u16(at: norms + 2 * (field * docCount + doc)))
    }

    /// Sum of a text field's lengths over all documents (for average lengths).
    public func lengthSum(_ field: Int) -> Int {
        let sums = (norms + 2 * Field.textFields.count * docCount + 7) / 8 * 8
        return Int(reader.u64(at: sums + 8 * field))
    }

    @inline(__always) public func receivedDay(_ doc: Int) -> Int32 { reader.i32(at: columns + 4 * doc) }
    @inline(__always) public func dueDay(_ doc: Int) -> Int32 { reader.i32(at: columns + 4 * (docCount + doc)) }
    @inline(__always) public func completedDay(_ doc: Int) -> Int32 { reader.i32(at: columns + 4 * (2 * docCount + doc)) }
    @inline(__always) public func year(_ doc: Int) -> Int { Int(reader.u16(at: columns + 12 * docCount + 2 * doc)) }
    @inline(__always) public func status(_ doc: Int) -> UInt8 { reader.u8(at: columns + 14 * docCount + doc) }
    @inline(__always) public func timeliness(_ doc: Int) -> UInt8 { reader.u8(at: columns + 15 * docCount + doc) }
    private var ordinalColumns: Int { (columns + 16 * docCount + 3) / 4 * 4 }
    @inline(__always) public func procedureOrdinal(_ doc: Int) -> Int { Int(reader.u32(at: ordinalColumns + 4 * doc)) }
    @inline(__always) public func agencyOrdinal(_ doc: Int) -> Int { Int(reader.u32(at: ordinalColumns + 4 * (docCount + doc))) }

    /// (code, name) pairs of the procedure and agency ordinals.
    public var ordinalTables: (procedures: [(String, String)], agencies: [(String, String)]) { ordinalData.tables }

    /// Per procedure and agency ordinal, the document received last (format 4; nil before).
    public var latestOfOrdinals: (procedures: [Int], agencies: [Int])? { ordinalData.latest }

    private lazy var ordinalData: (tables: (procedures: [(String, String)], agencies: [(String, String)]),
                                   latest: (procedures: [Int], agencies: [Int])?) = {
        var r = ByteReader(base, count: size, offset: ordinals)
        let (p, a) = Self.codeTables(&r)
        guard formatVersion >= 4 else { return ((p, a), nil) }
        r.offset = (r.offset + 3) / 4 * 4
        func docs(_ n: Int) -> [Int] {
            (0..<n).map { _ in let d = Int(r.u32(at: r.offset)); r.offset += 4; return min(d, max(0, docCount - 1)) }
        }
        let lp = docs(p.count)
        let la = docs(a.count)
        return ((p, a), (lp, la))
    }()

    /// The (code, name) tables of the ordinals section read at `r`, which is left after them.
    static func codeTables(_ r: inout ByteReader) -> (procedures: [(String, String)], agencies: [(String, String)]) {
        func table() -> [(String, String)] {
            let n = Int(r.u32(at: r.offset)); r.offset += 4
            var out: [(String, String)] = []
            for _ in 0..<n { let c = r.string(); let name = r.string(); out.append((c, name)) }
            return out
        }
        let p = table()
        return (p, table())
    }

    /// The first column of `doc` that differs from its stored fields, as "name: column, stored",
    /// or nil. Filters, facets and sorting read the columns, display reads the stored fields:
    /// `hoso verify` checks they say the same (the CRC alone can be recomputed by whoever edits).
    public func columnDifference(_ doc: Int, _ d: IndexDocument) -> String? {
        if receivedDay(doc) != d.receivedDay { return "received day: \(receivedDay(doc)), stored \(d.receivedDay)" }
        if dueDay(doc) != d.dueDay { return "due day: \(dueDay(doc)), stored \(d.dueDay)" }
        if completedDay(doc) != d.completedDay { return "completed day: \(completedDay(doc)), stored \(d.completedDay)" }
        if year(doc) != d.year { return "year: \(year(doc)), stored \(d.year)" }
        if status(doc) != StatusCode.status(d.status) { return "status: \(status(doc)), stored \(d.status)" }
        if timeliness(doc) != StatusCode.timeliness(d.timeliness) { return "timeliness: \(timeliness(doc)), stored \(d.timeliness)" }
        let tables = ordinalTables
        let p = procedureOrdinal(doc), a = agencyOrdinal(doc)
        // Codes only: a segment keeps one name per code (its latest dossier's), so two spellings
        // of an agency's name under one code are not a difference.
        guard p < tables.procedures.count, tables.procedures[p].0 == d.procedureCode else { return "procedure: ordinal \(p), stored \(d.procedureCode)" }
        guard a < tables.agencies.count, tables.agencies[a].0 == d.agencyCode else { return "agency: ordinal \(a), stored \(d.agencyCode)" }
        if number(doc) != d.number { return "number: \(number(doc)), stored \(d.number)" }
        return nil
    }

    /// The UTF-8 bytes of document `doc`'s dossier number, inside the mapped file.
    @inline(__always) public func numberBytes(_ doc: Int) -> UnsafeRawBufferPointer {
        let ends = ordinalColumns + 8 * docCount
        let r = reader
        let a = Int(r.u32(at: ends + 4 * doc)), b = Int(r.u32(at: ends + 4 * doc + 4))
        return UnsafeRawBufferPointer(start: base + ends + 4 * (docCount + 1) + a, count: b - a)
    }

    /// Orders two documents' dossier numbers as bytes (UTF-8 order is code point order).
    @inline(__always) public static func compareNumbers(_ a: Segment, _ x: Int, _ b: Segment, _ y: Int) -> Int32 {
        compareNumbers(a.numberBytes(x), b.numberBytes(y))
    }

    /// The same, of two numbers' UTF-8 bytes.
    @inline(__always) public static func compareNumbers(_ p: UnsafeRawBufferPointer, _ q: UnsafeRawBufferPointer) -> Int32 {
        let m = min(p.count, q.count)
        let c = m == 0 ? 0 : memcmp(p.baseAddress!, q.baseAddress!, m)
        if c != 0 { return c }
        return p.count == q.count ? 0 : (p.count < q.count ? -1 : 1)
    }

    /// Compares the serials of two dossier numbers as numbers: what follows their last '-' (the
    /// count of dossiers an office received that day: 0007 in 000.00.21.H50-230512-0007),
    /// leading zeros aside, so that 010 follows 0007.
    public static func compareSerials(_ a: Segment, _ x: Int, _ b: Segment, _ y: Int) -> Int32 {
        func serial(_ p: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
            var start = (p.lastIndex(of: 0x2D) ?? -1) + 1
            while start < p.count - 1 && p[start] == 0x30 { start += 1 }
            return UnsafeRawBufferPointer(rebasing: p[start...])
        }
        let p = serial(a.numberBytes(x)), q = serial(b.numberBytes(y))
        if p.count != q.count { return p.count < q.count ? -1 : 1 }
        return p.count == 0 ? 0 : memcmp(p.baseAddress!, q.baseAddress!, p.count)
    }

    /// Whether a dossier received on `day` with number `p` counts as received after one received
    /// on `otherDay` with number `q`: the later day, then the greater number (within an office
    /// and a day, whose numbers share all but their serial, the one received later). The
    /// dossier that names a procedure or an agency in facets, as stats names a group.
    @inline(__always)
    public static func receivedLater(day: Int32, _ p: UnsafeRawBufferPointer, than otherDay: Int32, _ q: UnsafeRawBufferPointer) -> Bool {
        day != otherDay ? day > otherDay : compareNumbers(p, q) > 0
    }

    /// Whether document `doc`'s dossier number is `number`.
    public func hasNumber(_ doc: Int, _ number: [UInt8]) -> Bool {
        let p = numberBytes(doc)
        return p.count == number.count && number.withUnsafeBytes { p.count == 0 || memcmp(p.baseAddress!, $0.baseAddress!, p.count) == 0 }
    }

    /// The decompressed block `b` of stored documents.
    func block(_ b: Int) -> [UInt8]? {
        let r = reader
        let at = docBlocks + 16 * b
        let offset = Int(r.u64(at: at)), clen = Int(r.u32(at: at + 8)), rlen = Int(r.u32(at: at + 12))
        return blockCache.decompress(base + offset, clen, rlen)
    }

    private let blockCache = BlockDecompressor()

    /// The stored document `doc`. A block that does not decompress (a damaged file: `hoso verify`
    /// reports it) yields a placeholder that names the dossier and says what to do.
    public func document(_ doc: Int) -> IndexDocument {
        let per = SegmentFormat.docsPerBlock
        guard let raw = block(doc / per) else {
            return IndexDocument(number: number(doc), manifest: "", text: [:], keywords: [:], receivedDay: receivedDay(doc),
                                 dueDay: dueDay(doc), completedDay: completedDay(doc), status: "", timeliness: "",
                                 procedureCode: "", procedureName: "", agencyCode: "", agencyName: "",
                                 title: "(damaged index entry: run 'hoso index rebuild')", applicant: "", receivedText: "",
                                 dueText: "", completedText: "")
        }
        return raw.withUnsafeBytes { b -> IndexDocument in
            let i = doc % per
            let start = 4 * per + Int(b.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
            var r = ByteReader(b.baseAddress!, count: b.count, offset: start)
            return StoredDocument.read(&r, formatVersion: formatVersion)
        }
    }

    /// The dossier number of document `doc`.
    public func number(_ doc: Int) -> String { String(decoding: numberBytes(doc), as: UTF8.self) }
}

/// Decompresses stored-document blocks, keeping the last one (results often share a block).
final class BlockDecompressor: @unchecked Sendable {
    private let lock = NSLock()
    private var lastPointer: UnsafeRawPointer?
    private var last: [UInt8] = []
    private let d = libdeflate_alloc_decompressor()!

    deinit { libdeflate_free_decompressor(d) }

    func decompress(_ p: UnsafeRawPointer, _ clen: Int, _ rlen: Int) -> [UInt8]? {
        lock.lock(); defer { lock.unlock() }
        if lastPointer == p { return last }
        var out = [UInt8](repeating: 0, count: rlen)
        var actual = 0
        let rc = out.withUnsafeMutableBytes { o in libdeflate_deflate_decompress(d, p, clen, o.baseAddress, rlen, &actual) }
        guard rc == LIBDEFLATE_SUCCESS, actual == rlen, rlen >= 4 * SegmentFormat.docsPerBlock else { return nil }
        lastPointer = p
        last = out
        return out
    }
}

/// Walks one term's postings: documents in increasing order, with frequencies and, for text
/// terms, positions. A block of 128 (document, frequency) pairs is decoded at once into the
/// cursor; the skip table (last document and offsets of every block) lets `advance(to:)` jump
/// straight to the block that can hold the target, and positions are decoded only on demand.
public struct PostingsCursor {
    let base: UnsafeRawPointer
    let size: Int
    public let docFreq: Int
    let blocks: Int
    /// Full blocks are bit-packed (format 2).
    let packed: Bool
    let postingsStart: Int
    let positionsStart: Int
    let skipsStart: Int

    /// The current document: -1 before the first `next()`, `Int32.max` once exhausted.
    public private(set) var doc: Int32 = -1
    public private(set) var freq: Int = 0

    private var block = -1              // the block decoded into the buffers
    private var count = 0               // documents in it
    private var index = -1              // the current document's place in it
    private var docs = InlineArray<128, Int32>(repeating: 0)
    private var freqs = InlineArray<128, UInt32>(repeating: 0)
    private var positionsIndex = 0      // the first document whose positions start at…
    private var positionsOffset = 0     // …this offset
    private var lastPositionsIndex = -1 // the document whose positions were last read, from…
    private var lastPositionsOffset = 0 // …this offset

    init(base: UnsafeRawPointer, size: Int, docFreq: Int, blocks: Int, packed: Bool, postings: Int, positions: Int, skips: Int) {
        precondition(SegmentFormat.blockSize == 128, "the cursor's buffers hold one block")
        self.base = base; self.size = size; self.docFreq = docFreq; self.blocks = blocks; self.packed = packed
        postingsStart = postings; positionsStart = positions; skipsStart = skips
    }

    @inline(__always) func u32(_ o: Int) -> UInt32 { UInt32(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }

    @inline(__always)
    static func varint(_ base: UnsafeRawPointer, _ offset: inout Int) -> UInt32 {
        var result: UInt32 = 0, shift: UInt32 = 0
        while true {
            let b = base.load(fromByteOffset: offset, as: UInt8.self)
            offset &+= 1
            result |= UInt32(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift &+= 7
        }
    }

    /// The last document of block `b` (from the skip table; only when there are several blocks).
    @inline(__always) private func lastDoc(ofBlock b: Int) -> Int32 {
        Int32(bitPattern: u32(skipsStart + SegmentFormat.skipEntrySize * b))
    }

    /// Decodes block `b` into the buffers.
    private mutating func load(block b: Int) {
        var offset: Int, previous: Int32
        if b == 0 {
            offset = postingsStart; previous = 0; positionsOffset = positionsStart
        } else {
            let entry = skipsStart + SegmentFormat.skipEntrySize * b
            offset = postingsStart + Int(u32(entry + 4))
            positionsOffset = positionsStart + Int(u32(entry + 8))
            previous = lastDoc(ofBlock: b - 1)
        }
        let n = min(SegmentFormat.blockSize, docFreq - b * SegmentFormat.blockSize)
        if packed && n == SegmentFormat.blockSize {
            // At most 32 bits a value: a damaged width must not send reads far past the block
            // (`hoso verify` reports the damage through the segment's checksum).
            let docBits = min(32, Int(base.load(fromByteOffset: offset, as: UInt8.self)))
            let freqBits = min(32, Int(base.load(fromByteOffset: offset + 1, as: UInt8.self)))
            offset += 2
            previous &+= Int32(bitPattern: Self.varint(base, &offset))
            docs[unchecked: 0] = previous
            BitPacking.unpack(base, at: offset, count: n - 1, bits: docBits) { i, gap in
                previous &+= Int32(bitPattern: gap) &+ 1
                docs[unchecked: i &+ 1] = previous
            }
            offset += BitPacking.byteCount(count: n - 1, bits: docBits)
            BitPacking.unpack(base, at: offset, count: n, bits: freqBits) { i, extra in freqs[unchecked: i] = extra &+ 1 }
        } else {
            for i in 0..<n {
                previous &+= Int32(bitPattern: Self.varint(base, &offset))
                docs[i] = previous
                freqs[i] = Self.varint(base, &offset)
            }
        }
        block = b; count = n; index = -1
        positionsIndex = 0; lastPositionsIndex = -1
    }

    @inline(__always) private mutating func settle(_ i: Int) {
        index = i
        doc = docs[unchecked: i]
        freq = Int(freqs[unchecked: i])
    }

    @inline(__always) private mutating func exhaust() -> Bool {
        doc = Int32.max; freq = 0
        return false
    }

    /// Moves to the next document; false when there is none.
    @inline(__always)
    public mutating func next() -> Bool {
        if doc == Int32.max { return false }
        if index + 1 < count { settle(index + 1); return true }
        if block + 1 >= blocks { return exhaust() }
        load(block: block + 1)
        settle(0)
        return true
    }

    /// `advance(to:)` for a cursor before `target` (not exhausted), with the commonest case
    /// inlined: the next document of the decoded block is the one. Dense postings, walked in
    /// step with others, mostly move this way.
    @inline(__always)
    mutating func step(to target: Int32) {
        let i = index &+ 1
        if i < count && docs[unchecked: i] >= target { settle(i) } else { _ = advance(to: target) }
    }

    /// Moves to the first document ≥ target; false when there is none.
    public mutating func advance(to target: Int32) -> Bool {
        if doc >= target { return doc != Int32.max }
        if count == 0 || docs[count - 1] < target {
            // Not in the decoded block: find the first later block whose last document reaches
            // it, galloping then halving over the skip table (long jumps are common when a rare
            // word drives a frequent one).
            var b = block + 1
            if blocks > 1 && b < blocks - 1 && lastDoc(ofBlock: b) < target {
                var step = 1
                var lo = b          // last doc of lo is < target
                var hi = b + 1
                while hi < blocks - 1 && lastDoc(ofBlock: hi) < target { lo = hi; step &<<= 1; hi = min(blocks - 1, hi + step) }
                while lo + 1 < hi {  // last doc of hi is ≥ target, or hi is the last block
                    let mid = (lo + hi) >> 1
                    if lastDoc(ofBlock: mid) < target { lo = mid } else { hi = mid }
                }
                b = hi
            }
            if b >= blocks { return exhaust() }
            load(block: b)
            if docs[count - 1] < target { return exhaust() }
        }
        // The block's last document is ≥ target, so these scans stop inside it.
        var i = index + 1
        while i &+ 8 < count && docs[unchecked: i &+ 8] < target { i &+= 8 }
        while docs[unchecked: i] < target { i &+= 1 }
        settle(i)
        return true
    }

    /// The positions of the current document, in increasing order (may be asked again).
    public mutating func positions(into out: inout [UInt32]) {
        out.removeAll(keepingCapacity: true)
        forEachPosition { _, p in out.append(p) }
    }

    /// Writes the current document's positions to `buffer` (room for `freq` values); returns
    /// how many. (Not an overload of `positions(into:)`: `&array` would silently pick this one.)
    mutating func copyPositions(to buffer: UnsafeMutablePointer<UInt32>) -> Int {
        var n = 0
        forEachPosition { i, p in buffer[i] = p; n = i + 1 }
        return n
    }

    @inline(__always)
    private mutating func forEachPosition(_ body: (Int, UInt32) -> Void) {
        guard positionsStart > 0, index >= 0, doc != Int32.max else { return }
        var offset: Int
        if index == lastPositionsIndex {
            offset = lastPositionsOffset
        } else {
            // Skip the positions of the documents passed since the last read.
            offset = positionsOffset
            for j in positionsIndex..<index {
                for _ in 0..<Int(freqs[j]) { _ = Self.varint(base, &offset) }
            }
            lastPositionsIndex = index; lastPositionsOffset = offset
        }
        var p: UInt32 = 0
        for i in 0..<freq { p &+= Self.varint(base, &offset); body(i, p) }
        positionsIndex = index + 1
        positionsOffset = offset
    }
}

extension Array where Element == Range<Int> {
    /// Adds one ordinal, extending the last run when it follows it.
    mutating func append(ordinal o: Int) {
        if let r = last, r.upperBound == o { self[count - 1] = r.lowerBound..<(o + 1) } else { append(o..<(o + 1)) }
    }
}
