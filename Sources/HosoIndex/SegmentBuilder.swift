import Glibc
import HosoCore
internal import CHosoDeflate

/// A growable buffer of plain values without copy-on-write. The builder's hot loop writes into
/// and appends to these millions of times per segment; an Array checks uniqueness (and retains)
/// on every write. Owned by one `Postings` value and freed by its builder: copies only alias.
struct RawVector<T: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<T>
    private(set) var count = 0
    private(set) var capacity: Int

    init(capacity: Int = 64) {
        self.capacity = max(1, capacity)
        base = .allocate(capacity: self.capacity)
    }

    init(repeating value: T, count n: Int) {
        self.init(capacity: n)
        base.initialize(repeating: value, count: n)
        count = n
    }

    /// Unchecked: callers index within `count`.
    @inline(__always) subscript(i: Int) -> T {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }

    @inline(__always) mutating func append(_ v: T) {
        if count == capacity { reserve(count + 1) }
        base[count] = v
        count &+= 1
    }

    mutating func append(_ p: UnsafePointer<T>, count n: Int) {
        reserve(count + n)
        (base + count).initialize(from: p, count: n)
        count += n
    }

    mutating func append(repeating v: T, count n: Int) {
        reserve(count + n)
        (base + count).initialize(repeating: v, count: n)
        count += n
    }

    mutating func reserve(_ n: Int) {
        guard n > capacity else { return }
        let c = max(n, capacity * 2)
        let bigger = UnsafeMutablePointer<T>.allocate(capacity: c)
        bigger.initialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = c
    }

    func buffer(_ r: Range<Int>) -> UnsafeBufferPointer<T> { UnsafeBufferPointer(start: base + r.lowerBound, count: r.count) }

    func free() { base.deallocate() }
}

/// Builds one segment in memory from documents, then writes it as an immutable file.
///
/// Terms live in an open-addressing table over one byte arena (no allocation per token), and
/// postings as varint bytes in one pool of chunks linked per term (no array per term): the hot
/// loop touches flat memory only. A term's chunks grow 8, 16 … 256 bytes, the last 4 bytes of
/// each full chunk pointing to the next: most terms (names, numbers) occur in one document, and
/// a fixed chunk size would waste most of the pool on them. Per term the stream is, per
/// document, the document delta, then for text terms each position delta (≥ 1; the first is
/// position + 1) and a 0 before the next document: frequencies are counted when reading back. Stored documents are serialized as they are added.
public final class SegmentBuilder {
    /// Chunk sizes in words, by level; the last level repeats.
    static let chunkSizes: [Int32] = [8, 16, 32, 64, 128, 256]

    /// Everything the hot loop touches, in a struct of raw vectors: one mutating call per
    /// document, no copy-on-write check per byte.
    struct Postings {
        // Terms.
        // Small to start (a builder is also made for a single document, to delete it), doubling.
        var arena = RawVector<UInt8>(capacity: 256)
        var termOffset = RawVector<UInt32>(capacity: 32)
        var termLength = RawVector<UInt16>(capacity: 32)
        var termHash = RawVector<UInt64>(capacity: 32)
        var slots = RawVector<Int32>(repeating: -1, count: 1 << 12)
        // Postings: per term, chunks of the pool.
        var pool = RawVector<UInt8>(capacity: 256)
        var head = RawVector<Int32>(capacity: 32)
        var tail = RawVector<Int32>(capacity: 32)
        var tailUsed = RawVector<Int32>(capacity: 32)
        var tailLevel = RawVector<UInt8>(capacity: 32)
        var lastDoc = RawVector<Int32>(capacity: 32)
        var docFreq = RawVector<Int32>(capacity: 32)
        var lastPosition = RawVector<UInt32>(capacity: 32)

        var termCount: Int { termOffset.count }

        func free() {
            arena.free(); termOffset.free(); termLength.free(); termHash.free(); slots.free(); pool.free()
            head.free(); tail.free(); tailUsed.free(); tailLevel.free(); lastDoc.free(); docFreq.free(); lastPosition.free()
        }

        /// The bytes of term `t`.
        func termBytes(_ t: Int) -> UnsafeBufferPointer<UInt8> {
            arena.buffer(Int(termOffset[t])..<(Int(termOffset[t]) + Int(termLength[t])))
        }

        /// The ordinal of the term in `key` (first n bytes), adding it if new.
        @inline(__always)
        mutating func ordinal(_ key: UnsafePointer<UInt8>, _ n: Int) -> Int {
            let h = SegmentBuilder.hash(key, n)
            let mask = slots.count - 1
            var i = Int(truncatingIfNeeded: h) & mask
            while true {
                let t = Int(slots[i])
                if t < 0 { break }
                if termHash[t] == h && Int(termLength[t]) == n && memcmp(arena.base + Int(termOffset[t]), key, n) == 0 { return t }
                i = (i &+ 1) & mask
            }
            let t = termOffset.count
            termOffset.append(UInt32(arena.count))
            termLength.append(UInt16(n))
            termHash.append(h)
            arena.append(key, count: n)
            slots[i] = Int32(t)
            head.append(-1); tail.append(-1); tailUsed.append(0); tailLevel.append(0); lastDoc.append(-1)
            docFreq.append(0); lastPosition.append(0)
            if termOffset.count * 10 > slots.count * 6 { grow() }
            return t
        }

        mutating func grow() {
            let bigger = RawVector<Int32>(repeating: -1, count: slots.count * 2)
            let mask = bigger.count - 1
            for t in 0..<termOffset.count {
                var i = Int(truncatingIfNeeded: termHash[t]) & mask
                while bigger[i] >= 0 { i = (i &+ 1) & mask }
                bigger[i] = Int32(t)
            }
            slots.free()
            slots = bigger
        }

        @inline(__always)
        mutating func append(_ t: Int, _ byte: UInt8) {
            let size = SegmentBuilder.chunkSizes[Int(tailLevel[t])]
            if tail[t] < 0 || tailUsed[t] == size - 4 {
                let level = tail[t] < 0 ? 0 : min(Int(tailLevel[t]) + 1, SegmentBuilder.chunkSizes.count - 1)
                let start = UInt32(pool.count)
                pool.append(repeating: 0, count: Int(SegmentBuilder.chunkSizes[level]))
                if tail[t] >= 0 {
                    let link = Int(tail[t] + size - 4)
                    pool[link] = UInt8(truncatingIfNeeded: start); pool[link + 1] = UInt8(truncatingIfNeeded: start >> 8)
                    pool[link + 2] = UInt8(truncatingIfNeeded: start >> 16); pool[link + 3] = UInt8(truncatingIfNeeded: start >> 24)
                } else {
                    head[t] = Int32(bitPattern: start)
                }
                tail[t] = Int32(bitPattern: start)
                tailLevel[t] = UInt8(level)
                tailUsed[t] = 0
            }
            pool[Int(tail[t]) + Int(tailUsed[t])] = byte
            tailUsed[t] &+= 1
        }

        @inline(__always)
        mutating func append(_ t: Int, varint value: UInt32) {
            var v = value
            while v >= 0x80 { append(t, UInt8(truncatingIfNeeded: v) | 0x80); v >>= 7 }
            append(t, UInt8(v))
        }

        @inline(__always)
        mutating func occur(_ key: UnsafePointer<UInt8>, _ n: Int, doc: Int32, position: UInt32?) {
            let t = ordinal(key, n)
            if lastDoc[t] != doc {
                if lastDoc[t] >= 0 && position != nil { append(t, 0) }     // ends the previous document's positions
                append(t, varint: UInt32(bitPattern: doc &- lastDoc[t]))
                lastDoc[t] = doc
                docFreq[t] &+= 1
                if let position { append(t, varint: position &+ 1) }
            } else if let position {
                append(t, varint: position &- lastPosition[t])
            }
            if let position { lastPosition[t] = position }
        }

        /// Indexes the text and keywords of document `doc`; writes the text fields' lengths to
        /// `lengths` (one per text field).
        mutating func add(_ d: IndexDocument, doc: Int32, analyzer: Analyzer, key: UnsafeMutablePointer<UInt8>,
                          lengths: UnsafeMutablePointer<UInt16>) {
            lengths.update(repeating: 0, count: Field.textFields.count)
            // Fields in the dictionary's order (each has its own terms, so order cannot matter):
            // no hashing to look each one up.
            for (field, values) in d.text where field.isText {
                var position = 0
                for value in values {
                    position = analyzer.tokenize(canonical: value, firstPosition: position) { t in
                        let pos = UInt32(t.position)
                        key[0] = field.rawValue; key[1] = KeyKind.exact.rawValue
                        (key + 2).update(from: t.exact.baseAddress!, count: t.exact.count)
                        occur(key, t.exact.count + 2, doc: doc, position: pos)
                        key[1] = KeyKind.folded.rawValue
                        if t.folded.count > 0 { (key + 2).update(from: t.folded.baseAddress!, count: t.folded.count) }
                        occur(key, t.folded.count + 2, doc: doc, position: pos)
                    }
                    position += SegmentFormat.valueGap
                }
                let length = values.isEmpty ? 0 : max(0, position - SegmentFormat.valueGap * values.count)
                lengths[field.textIndex] = UInt16(min(length, Int(UInt16.max)))
            }
            for (field, values) in d.keywords where !field.isText {
                for (i, v) in values.enumerated() where !v.isEmpty && !values[..<i].contains(v) {
                    let n = Term.writeKeyword(field, v, into: key, limit: 250)
                    occur(key, n, doc: doc, position: nil)
                }
            }
        }
    }

    private var postings = Postings()
    // Documents.
    private var docs = 0
    /// Stored documents: full blocks compressed as soon as they fill (raw text is most of a
    /// builder's memory otherwise), the current block raw.
    private var blocks = ByteWriter()
    private var blockTable: [(offset: UInt64, compressed: UInt32, raw: UInt32)] = []
    private var pending = ByteWriter()
    private var pendingEnds: [UInt32] = []
    private let compressor = DocCompressor()
    private var receivedDays: [Int32] = [], dueDays: [Int32] = [], completedDays: [Int32] = []
    private var years: [UInt16] = [], statuses: [UInt8] = [], timeliness: [UInt8] = []
    private var procedureCodes: [String] = [], agencyCodes: [String] = []
    private var numberBytes = ByteWriter()
    private var numberEnds: [UInt32] = []
    /// Per procedure and agency code, the document received last (`Segment.receivedLater`),
    /// which names the code.
    private var procedureLatest: [String: (doc: Int, name: String)] = [:], agencyLatest: [String: (doc: Int, name: String)] = [:]
    private var norms: [[UInt16]] = Array(repeating: [], count: Field.textFields.count)
    private let analyzer = Analyzer()
    private let key = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
    private let lengths = UnsafeMutablePointer<UInt16>.allocate(capacity: Field.textFields.count)

    public init() {}
    deinit { key.deallocate(); lengths.deallocate(); postings.free() }

    /// Whether documents are stored (their blocks compressed); off when a segment is rebuilt
    /// only to compare what is derived from its documents.
    var storesDocuments = true

    public var docCount: Int { docs }

    /// A rough figure of the memory held, to decide when to write a segment out.
    public var approximateBytes: Int { postings.pool.count * 4 + postings.arena.count + postings.termCount * 48 + blocks.count + pending.count }

    /// Every term added so far.
    func termsOfOnlyDocument() -> [[UInt8]] {
        (0..<postings.termCount).map { Array(postings.termBytes($0)) }
    }

    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        var i = 0
        while i + 8 <= n {
            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i &+= 8
        }
        var tailWord: UInt64 = 0
        var shift: UInt64 = 0
        while i < n { tailWord |= UInt64(p[i]) << shift; shift &+= 8; i &+= 1 }
        h = (h ^ tailWord) &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 29
        return h
    }

    /// Adds a document; its id in the segment is the number of documents added before it.
    public func add(_ d: IndexDocument) {
        let doc = Int32(docs)
        postings.add(d, doc: doc, analyzer: analyzer, key: key, lengths: lengths)
        for f in 0..<Field.textFields.count { norms[f].append(lengths[f]) }
        if storesDocuments {
            StoredDocument.write(d, into: &pending)
            pendingEnds.append(UInt32(pending.count))
        }
        docs += 1
        if pendingEnds.count == SegmentFormat.docsPerBlock { compressPending() }
        receivedDays.append(d.receivedDay); dueDays.append(d.dueDay); completedDays.append(d.completedDay)
        years.append(UInt16(clamping: d.year)); statuses.append(StatusCode.status(d.status)); timeliness.append(StatusCode.timeliness(d.timeliness))
        procedureCodes.append(d.procedureCode); agencyCodes.append(d.agencyCode)
        numberBytes.append(Array(d.number.utf8))
        numberEnds.append(UInt32(numberBytes.count))
        noteIfLatest(&procedureLatest, d.procedureCode, d.procedureName, doc: Int(doc))
        noteIfLatest(&agencyLatest, d.agencyCode, d.agencyName, doc: Int(doc))
    }

    /// Keeps `doc` as the latest of `code` if it was received after the one kept.
    private func noteIfLatest(_ latest: inout [String: (doc: Int, name: String)], _ code: String, _ name: String, doc: Int) {
        if let kept = latest[code] {
            let ends = numberEnds, bytes = numberBytes.bytes
            let later = bytes.withUnsafeBytes { b -> Bool in
                func number(_ i: Int) -> UnsafeRawBufferPointer {
                    let start = i == 0 ? 0 : Int(ends[i - 1])
                    return UnsafeRawBufferPointer(rebasing: b[start..<Int(ends[i])])
                }
                return Segment.receivedLater(day: receivedDays[doc], number(doc), than: receivedDays[kept.doc], number(kept.doc))
            }
            guard later else { return }
        }
        latest[code] = (doc, name)
    }

    /// Compresses the pending documents as one block: 16 u32 offsets (a short last block
    /// repeats its end), then the documents.
    private func compressPending() {
        guard !pendingEnds.isEmpty else { return }
        var raw = ByteWriter(capacity: 4 * SegmentFormat.docsPerBlock + pending.count)
        for i in 0..<SegmentFormat.docsPerBlock {
            raw.u32(i == 0 ? 0 : pendingEnds[min(i, pendingEnds.count) - 1])
        }
        raw.append(pending.bytes)
        let block = compressor.compress(raw.bytes)
        blockTable.append((UInt64(blocks.count), UInt32(block.count), UInt32(raw.count)))
        blocks.append(block)
        pending.bytes.removeAll(keepingCapacity: true)
        pendingEnds.removeAll(keepingCapacity: true)
    }

    /// Term `t`'s postings decoded: (doc, freq, positions…) per document.
    private func postingValues(_ t: Int, into values: inout [UInt32], scratch bytes: inout [UInt8]) {
        values.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        let p = postings
        let hasPositions = p.arena[Int(p.termOffset[t])] < 16       // a text field
        var c = Int(p.head[t]), level = 0
        while c >= 0 {
            let size = Int(SegmentBuilder.chunkSizes[level])
            let last = c == Int(p.tail[t])
            bytes.append(contentsOf: p.pool.buffer(c..<(c + (last ? Int(p.tailUsed[t]) : size - 4))))
            if last { break }
            c = Int(p.pool[c + size - 4]) | Int(p.pool[c + size - 3]) << 8 | Int(p.pool[c + size - 2]) << 16 | Int(p.pool[c + size - 1]) << 24
            level = min(level + 1, SegmentBuilder.chunkSizes.count - 1)
        }
        var i = 0
        func varint() -> UInt32 {
            var r: UInt32 = 0, shift: UInt32 = 0
            while true {
                let b = bytes[i]; i += 1
                r |= UInt32(b & 0x7F) << shift
                if b < 0x80 { return r }
                shift += 7
            }
        }
        var doc: Int32 = -1
        while i < bytes.count {
            doc &+= Int32(bitPattern: varint())
            values.append(UInt32(bitPattern: doc))
            guard hasPositions else { values.append(1); continue }
            let freqAt = values.count
            values.append(0)
            var position: UInt32 = 0, first = true
            while i < bytes.count {
                let delta = varint()
                if delta == 0 { break }
                position = first ? delta - 1 : position + delta
                first = false
                values.append(position)
                values[freqAt] += 1
            }
        }
    }

    /// Writes the segment to `path` (through a temp file, fsynced, renamed).
    /// - Returns: the file's size and CRC-32.
    public func write(to path: String) throws -> (bytes: Int, crc: UInt32) {
        let (bytes, crc) = encoded()
        try SystemFile.writeAtomically(bytes, to: path, mode: 0o444, likeItsFolder: true)
        return (bytes.count, crc)
    }

    /// The segment's bytes and their CRC-32 (the same documents, added in the same order, give
    /// the same bytes: what lets verify rebuild a segment to check its terms and postings).
    func encoded() -> (bytes: [UInt8], crc: UInt32) {
        var w = ByteWriter(capacity: approximateBytes)
        // Header.
        w.append(SegmentFormat.magic)
        w.u32(SegmentFormat.version)
        w.u32(UInt32(docCount))
        w.u32(UInt32(postings.termCount))
        w.u32(UInt32(Field.textFields.count))
        w.u64(0)
        var sections: [(Int, Int)] = []
        func begin() -> Int { w.align(8); return w.count }
        func end(_ start: Int) { sections.append((start, w.count - start)) }

        let p = postings
        let (arena, termOffset, termLength, docFreq) = (p.arena, p.termOffset, p.termLength, p.docFreq)
        let sorted: [Int] = (0..<termOffset.count).sorted { x, y in
            let lx = Int(termLength[x]), ly = Int(termLength[y])
            let c = memcmp(arena.base + Int(termOffset[x]), arena.base + Int(termOffset[y]), min(lx, ly))
            return c != 0 ? c < 0 : lx < ly
        }

        // 0, 1: term offsets and bytes.
        var s = begin()
        var offset: UInt32 = 0
        for t in sorted { w.u32(offset); offset += UInt32(termLength[t]) }
        w.u32(offset)
        end(s)
        s = begin()
        for t in sorted { w.append(p.termBytes(t)) }
        end(s)

        // 3, 4, 5 are written into their own buffers first, then placed; infos need their offsets.
        var postings = ByteWriter(capacity: approximateBytes / 2)
        var positions = ByteWriter(capacity: approximateBytes / 4)
        var skips = ByteWriter()
        var infos: [(docFreq: UInt32, totalFreq: UInt32, postings: Int, positions: Int, skips: Int)] = []
        infos.reserveCapacity(sorted.count)
        var values: [UInt32] = []
        var scratchBytes: [UInt8] = []
        var docs: [UInt32] = [], freqs: [UInt32] = [], gaps: [UInt32] = [], extra: [UInt32] = []
        let blockSize = SegmentFormat.blockSize
        for t in sorted {
            let hasPositions = arena[Int(termOffset[t])] < 16    // text fields; keywords have none
            let n = Int(docFreq[t])
            let blocks = (n + blockSize - 1) / blockSize
            let pStart = postings.count, qStart = positions.count, kStart = skips.count
            postingValues(t, into: &values, scratch: &scratchBytes)
            // Skip entries and packed blocks need the documents and frequencies first.
            docs.removeAll(keepingCapacity: true); freqs.removeAll(keepingCapacity: true)
            var i = 0
            while i < values.count {
                docs.append(values[i]); freqs.append(values[i + 1])
                i += 2 + (hasPositions ? Int(values[i + 1]) : 0)
            }
            var total: UInt32 = 0
            var previous: UInt32 = 0
            i = 0
            for b in 0..<blocks {
                let k0 = b * blockSize, k1 = min(n, k0 + blockSize)
                if blocks > 1 {
                    skips.u32(docs[k1 - 1])
                    skips.u32(UInt32(postings.count - pStart))
                    skips.u32(UInt32(positions.count - qStart))
                }
                if k1 - k0 == blockSize {
                    gaps.removeAll(keepingCapacity: true); extra.removeAll(keepingCapacity: true)
                    for k in (k0 + 1)..<k1 { gaps.append(docs[k] - docs[k - 1] - 1) }
                    for k in k0..<k1 { extra.append(freqs[k] - 1) }
                    let docBits = BitPacking.width(gaps[...]), freqBits = BitPacking.width(extra[...])
                    postings.u8(UInt8(docBits)); postings.u8(UInt8(freqBits))
                    postings.varint(docs[k0] - previous)
                    postings.packed(gaps[...], bits: docBits)
                    postings.packed(extra[...], bits: freqBits)
                } else {
                    var last = previous
                    for k in k0..<k1 { postings.varint(docs[k] - last); postings.varint(freqs[k]); last = docs[k] }
                }
                previous = docs[k1 - 1]
                for k in k0..<k1 {
                    if total != .max { total = freqs[k] >= .max - total ? .max : total + freqs[k] }  // max: unknown
                    i += 2
                    if hasPositions {
                        var lastPos: UInt32 = 0
                        for _ in 0..<Int(freqs[k]) { let p = values[i]; i += 1; positions.varint(p - lastPos); lastPos = p }
                    }
                }
            }
            infos.append((UInt32(n), total, pStart, hasPositions ? qStart : -1, blocks > 1 ? kStart : -1))
        }
        postings.u64(0)     // unpacking reads whole words: never past the section

        // 2: term infos, with absolute offsets computed from where 3, 4, 5 will land.
        s = begin()
        let infoStart = s
        let infoBytes = sorted.count * SegmentFormat.termInfoSize
        func aligned(_ x: Int) -> Int { (x + 7) / 8 * 8 }
        let postingsBase = aligned(infoStart + infoBytes)
        let positionsBase = aligned(postingsBase + postings.count)
        let skipsBase = aligned(positionsBase + positions.count)
        for info in infos {
            w.u32(info.docFreq)
            w.u32(info.totalFreq)
            w.u64(UInt64(postingsBase + info.postings))
            w.u64(info.positions < 0 ? 0 : UInt64(positionsBase + info.positions))
            w.u64(info.skips < 0 ? 0 : UInt64(skipsBase + info.skips))
        }
        end(s)
        s = begin(); precondition(s == postingsBase); w.append(postings.bytes); end(s)
        s = begin(); precondition(s == positionsBase); w.append(positions.bytes); end(s)
        s = begin(); precondition(s == skipsBase); w.append(skips.bytes); end(s)

        // 6: norms, then each text field's length sum (u64) for average lengths.
        s = begin()
        for f in 0..<Field.textFields.count { for v in norms[f] { w.u16(v) } }
        w.align(8)
        for f in 0..<Field.textFields.count { w.u64(UInt64(norms[f].reduce(0) { $0 + Int($1) })) }
        end(s)

        // 7, 8: columns and ordinals.
        let procedures = Array(Set(procedureCodes)).sorted()
        let agencies = Array(Set(agencyCodes)).sorted()
        let procOrd = Dictionary(uniqueKeysWithValues: procedures.enumerated().map { ($1, UInt32($0)) })
        let agencyOrd = Dictionary(uniqueKeysWithValues: agencies.enumerated().map { ($1, UInt32($0)) })
        s = begin()
        for v in receivedDays { w.i32(v) }
        for v in dueDays { w.i32(v) }
        for v in completedDays { w.i32(v) }
        for v in years { w.u16(v) }
        for v in statuses { w.u8(v) }
        for v in timeliness { w.u8(v) }
        w.align(4)
        for c in procedureCodes { w.u32(procOrd[c]!) }
        for c in agencyCodes { w.u32(agencyOrd[c]!) }
        w.u32(0)
        for e in numberEnds { w.u32(e) }
        w.append(numberBytes.bytes)
        end(s)
        s = begin()
        let procLatest = procedureLatest
        w.u32(UInt32(procedures.count))
        for p in procedures { w.string(p); w.string(procLatest[p]?.name ?? "") }
        w.u32(UInt32(agencies.count))
        for a in agencies { w.string(a); w.string(agencyLatest[a]?.name ?? "") }
        w.align(4)
        for p in procedures { w.u32(UInt32(procLatest[p]?.doc ?? 0)) }
        for a in agencies { w.u32(UInt32(agencyLatest[a]?.doc ?? 0)) }
        end(s)

        // 9, 10: stored documents, compressed in blocks.
        compressPending()
        s = begin()
        let docsBase = aligned(s + blockTable.count * 16)
        for (o, c, r) in blockTable { w.u64(UInt64(docsBase) + o); w.u32(c); w.u32(r) }
        end(s)
        s = begin(); precondition(s == docsBase); w.append(blocks.bytes); end(s)

        // Footer.
        w.align(8)
        let tableOffset = w.count
        for (o, l) in sections { w.u64(UInt64(o)); w.u64(UInt64(l)) }
        w.u64(UInt64(tableOffset))
        let crc = w.bytes.withUnsafeBytes { CRC32.update(0, $0) }
        w.u32(crc)
        w.u32(0)
        w.append(SegmentFormat.endMagic)
        return (w.bytes, crc)
    }
}

/// How a document is kept in a segment: every field, as strings.
enum StoredDocument {
    static func write(_ d: IndexDocument, into w: inout ByteWriter) {
        // One call per field: an array literal of them would be allocated for every document.
        w.string(d.number); w.string(d.manifest); w.string(d.title); w.string(d.applicant)
        w.string(d.receivedText); w.string(d.dueText); w.string(d.completedText)
        w.string(d.status); w.string(d.timeliness); w.string(d.procedureCode); w.string(d.procedureName)
        w.string(d.agencyCode); w.string(d.agencyName)
        w.i32(d.receivedDay); w.i32(d.dueDay); w.i32(d.completedDay)
        for f in Field.allCases {
            let values = (f.isText ? d.text[f] : d.keywords[f]) ?? []
            w.varint(UInt32(values.count))
            for v in values { w.string(v) }
        }
    }

    static func read(_ r: inout ByteReader, formatVersion: UInt32 = SegmentFormat.version) -> IndexDocument {
        let number = r.string(), manifest = r.string(), title = r.string(), applicant = r.string()
        let received = r.string(), due = r.string(), completed = r.string(), status = r.string(), timeliness = r.string()
        let pCode = r.string(), pName = r.string(), aCode = r.string(), aName = r.string()
        let rd = r.i32(at: r.offset), dd = r.i32(at: r.offset + 4), cd = r.i32(at: r.offset + 8)
        r.offset += 12
        var text: [Field: [String]] = [:], keywords: [Field: [String]] = [:]
        for f in Field.stored(inFormat: formatVersion) {
            let n = Int(r.varint())
            var values: [String] = []
            for _ in 0..<n { values.append(r.string()) }
            if !values.isEmpty { if f.isText { text[f] = values } else { keywords[f] = values } }
        }
        return IndexDocument(number: number, manifest: manifest, text: text, keywords: keywords, receivedDay: rd, dueDay: dd,
                             completedDay: cd, status: status, timeliness: timeliness, procedureCode: pCode, procedureName: pName,
                             agencyCode: aCode, agencyName: aName, title: title, applicant: applicant, receivedText: received,
                             dueText: due, completedText: completed)
    }
}

/// Compresses stored-document blocks (raw DEFLATE, libdeflate level 6: written once, read rarely).
final class DocCompressor {
    private let handle: OpaquePointer
    init() { handle = libdeflate_alloc_compressor(6)! }
    deinit { libdeflate_free_compressor(handle) }
    func compress(_ input: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: libdeflate_deflate_compress_bound(handle, input.count))
        let n = input.withUnsafeBytes { i in out.withUnsafeMutableBytes { o in
            libdeflate_deflate_compress(handle, i.baseAddress, i.count, o.baseAddress, o.count) } }
        out.removeLast(out.count - n)
        return out
    }
}
