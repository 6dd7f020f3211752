import HosoCore

/// Builds one segment in memory from documents, then writes it as an immutable file.
public final class SegmentBuilder {
    struct PostingList {
        var docs: [UInt32] = []
        var freqs: [UInt32] = []
        var positions: [UInt32] = []
    }

    private var termIndex: [[UInt8]: Int32] = [:]
    private var lists: [PostingList] = []
    private var scratch: [UInt8] = []
    private(set) var documents: [IndexDocument] = []
    private var norms: [[UInt16]] = Array(repeating: [], count: Field.textFields.count)
    private let analyzer = Analyzer()

    public init() { scratch.reserveCapacity(256) }

    public var docCount: Int { documents.count }

    /// Every term added so far.
    var termKeys: Dictionary<[UInt8], Int32>.Keys { termIndex.keys }

    /// A rough figure of the memory held, to decide when to write a segment out.
    public private(set) var approximateBytes = 0

    @inline(__always)
    private func occur(doc: UInt32, position: UInt32?) {
        let ordinal: Int32
        if let o = termIndex[scratch] {
            ordinal = o
        } else {
            ordinal = Int32(lists.count)
            termIndex[scratch] = ordinal
            lists.append(PostingList())
            approximateBytes += scratch.count + 96
        }
        let i = Int(ordinal)
        if lists[i].docs.last == doc {
            lists[i].freqs[lists[i].freqs.count - 1] += 1
        } else {
            lists[i].docs.append(doc)
            lists[i].freqs.append(1)
            approximateBytes += 8
        }
        if let position { lists[i].positions.append(position); approximateBytes += 4 }
    }

    /// Adds a document; its id in the segment is the number of documents added before it.
    public func add(_ d: IndexDocument) {
        let doc = UInt32(documents.count)
        for field in Field.textFields {
            var position = 0
            for value in d.text[field] ?? [] {
                position = analyzer.tokenize(canonical: value, firstPosition: position) { t in
                    scratch.removeAll(keepingCapacity: true)
                    scratch.append(field.rawValue); scratch.append(KeyKind.exact.rawValue)
                    scratch.append(contentsOf: t.exact)
                    occur(doc: doc, position: UInt32(t.position))
                    scratch.removeAll(keepingCapacity: true)
                    scratch.append(field.rawValue); scratch.append(KeyKind.folded.rawValue)
                    scratch.append(contentsOf: t.folded)
                    occur(doc: doc, position: UInt32(t.position))
                }
                position += SegmentFormat.valueGap
            }
            let length = (d.text[field] ?? []).isEmpty ? 0 : max(0, position - SegmentFormat.valueGap * ((d.text[field] ?? []).count))
            norms[field.textIndex].append(UInt16(min(length, Int(UInt16.max))))
        }
        for (field, values) in d.keywords.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            for v in Set(values) where !v.isEmpty {
                scratch = Term.keyword(field, v)
                occur(doc: doc, position: nil)
            }
        }
        documents.append(d)
        approximateBytes += 512
    }

    /// Writes the segment to `path` (through a temp file, fsynced, renamed).
    /// - Returns: the file's size and CRC-32.
    public func write(to path: String) throws -> (bytes: Int, crc: UInt32) {
        var w = ByteWriter(capacity: approximateBytes)
        // Header.
        w.append(SegmentFormat.magic)
        w.u32(SegmentFormat.version)
        w.u32(UInt32(documents.count))
        w.u32(UInt32(termIndex.count))
        w.u32(UInt32(Field.textFields.count))
        w.u64(0)
        var sections: [(Int, Int)] = []
        func begin() -> Int { w.align(8); return w.count }
        func end(_ start: Int) { sections.append((start, w.count - start)) }

        let sorted = termIndex.sorted { $0.key.lexicographicallyPrecedes($1.key) }

        // 0, 1: term offsets and bytes.
        var s = begin()
        var offset: UInt32 = 0
        for (key, _) in sorted { w.u32(offset); offset += UInt32(key.count) }
        w.u32(offset)
        end(s)
        s = begin()
        for (key, _) in sorted { w.append(key) }
        end(s)

        // 3, 4, 5 are written into their own buffers first, then placed; infos need their offsets.
        var postings = ByteWriter(capacity: approximateBytes / 2)
        var positions = ByteWriter(capacity: approximateBytes / 4)
        var skips = ByteWriter()
        var infos: [(docFreq: UInt32, blocks: UInt32, postings: Int, positions: Int, skips: Int)] = []
        infos.reserveCapacity(sorted.count)
        for (_, ordinal) in sorted {
            let list = lists[Int(ordinal)]
            let n = list.docs.count
            let blocks = (n + SegmentFormat.blockSize - 1) / SegmentFormat.blockSize
            let pStart = postings.count, qStart = positions.count, kStart = skips.count
            var previous: UInt32 = 0
            var posIndex = 0
            for b in 0..<blocks {
                let lo = b * SegmentFormat.blockSize, hi = min(n, lo + SegmentFormat.blockSize)
                if blocks > 1 {
                    skips.u32(list.docs[hi - 1])
                    skips.u32(UInt32(postings.count - pStart))
                    skips.u32(UInt32(positions.count - qStart))
                }
                for k in lo..<hi {
                    postings.varint(list.docs[k] - previous)
                    postings.varint(list.freqs[k])
                    previous = list.docs[k]
                    if !list.positions.isEmpty {
                        var last: UInt32 = 0
                        for _ in 0..<Int(list.freqs[k]) {
                            let p = list.positions[posIndex]; posIndex += 1
                            positions.varint(p - last); last = p
                        }
                    }
                }
            }
            infos.append((UInt32(n), UInt32(blocks), pStart, list.positions.isEmpty ? -1 : qStart, blocks > 1 ? kStart : -1))
        }

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
            w.u32(info.blocks)
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
        let procedures = Array(Set(documents.map(\.procedureCode))).sorted()
        let agencies = Array(Set(documents.map(\.agencyCode))).sorted()
        let procOrd = Dictionary(uniqueKeysWithValues: procedures.enumerated().map { ($1, UInt32($0)) })
        let agencyOrd = Dictionary(uniqueKeysWithValues: agencies.enumerated().map { ($1, UInt32($0)) })
        s = begin()
        for d in documents { w.i32(d.receivedDay) }
        for d in documents { w.i32(d.dueDay) }
        for d in documents { w.i32(d.completedDay) }
        for d in documents { w.u16(UInt16(clamping: d.year)) }
        for d in documents { w.u8(StatusCode.status(d.status)) }
        for d in documents { w.u8(StatusCode.timeliness(d.timeliness)) }
        w.align(4)
        for d in documents { w.u32(procOrd[d.procedureCode]!) }
        for d in documents { w.u32(agencyOrd[d.agencyCode]!) }
        end(s)
        s = begin()
        var procNames: [String: String] = [:], agencyNames: [String: String] = [:]
        for d in documents { procNames[d.procedureCode] = d.procedureName; agencyNames[d.agencyCode] = d.agencyName }
        w.u32(UInt32(procedures.count))
        for p in procedures { w.string(p); w.string(procNames[p] ?? "") }
        w.u32(UInt32(agencies.count))
        for a in agencies { w.string(a); w.string(agencyNames[a] ?? "") }
        end(s)

        // 9, 10: stored documents.
        var store = ByteWriter(capacity: documents.count * 400)
        var docOffsets: [UInt64] = []
        for d in documents {
            docOffsets.append(UInt64(store.count))
            StoredDocument.write(d, into: &store)
        }
        docOffsets.append(UInt64(store.count))
        s = begin()
        let docsBase = aligned(s + docOffsets.count * 8)
        for o in docOffsets { w.u64(UInt64(docsBase) + o) }
        end(s)
        s = begin(); precondition(s == docsBase); w.append(store.bytes); end(s)

        // Footer.
        w.align(8)
        let tableOffset = w.count
        for (o, l) in sections { w.u64(UInt64(o)); w.u64(UInt64(l)) }
        w.u64(UInt64(tableOffset))
        let crc = w.bytes.withUnsafeBytes { CRC32.update(0, $0) }
        w.u32(crc)
        w.u32(0)
        w.append(SegmentFormat.endMagic)
        try SystemFile.writeAtomically(w.bytes, to: path, mode: 0o444)
        return (w.count, crc)
    }
}

/// How a document is kept in a segment: every field, as strings.
enum StoredDocument {
    static func write(_ d: IndexDocument, into w: inout ByteWriter) {
        for s in [d.number, d.manifest, d.title, d.applicant, d.receivedText, d.dueText, d.completedText,
                  d.status, d.timeliness, d.procedureCode, d.procedureName, d.agencyCode, d.agencyName] {
            w.string(s)
        }
        w.i32(d.receivedDay); w.i32(d.dueDay); w.i32(d.completedDay)
        for f in Field.allCases {
            let values = (f.isText ? d.text[f] : d.keywords[f]) ?? []
            w.varint(UInt32(values.count))
            for v in values { w.string(v) }
        }
    }

    static func read(_ r: inout ByteReader) -> IndexDocument {
        let number = r.string(), manifest = r.string(), title = r.string(), applicant = r.string()
        let received = r.string(), due = r.string(), completed = r.string(), status = r.string(), timeliness = r.string()
        let pCode = r.string(), pName = r.string(), aCode = r.string(), aName = r.string()
        let rd = r.i32(at: r.offset), dd = r.i32(at: r.offset + 4), cd = r.i32(at: r.offset + 8)
        r.offset += 12
        var text: [Field: [String]] = [:], keywords: [Field: [String]] = [:]
        for f in Field.allCases {
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
