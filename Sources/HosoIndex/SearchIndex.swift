import Foundation
public import HosoCore
import Synchronization

/// A consistent view of the index: the segments and deletions one manifest names, opened once.
/// Readers never block the writer and are never blocked by it: files are immutable, and a new
/// manifest replaces the old one atomically.
public final class IndexSnapshot: @unchecked Sendable {
    public let folder: String
    public let manifest: IndexManifest
    public let segments: [Segment]
    public let deletions: [Deletions?]

    init(folder: String, manifest: IndexManifest, segments: [Segment], deletions: [Deletions?]) {
        self.folder = folder; self.manifest = manifest; self.segments = segments; self.deletions = deletions
    }

    /// Opens the newest published index in `folder` (an empty index when none was published).
    public static func open(_ folder: String) throws -> IndexSnapshot {
        // A writer may publish and remove old files between our reading the manifest and opening
        // them: read again then.
        var lastError: (any Error)?
        for _ in 0..<5 {
            let manifest = try readManifest(folder)
            do {
                var segs: [Segment] = [], dels: [Deletions?] = []
                for e in manifest.segments {
                    let seg = try Segment(path: folder + "/" + e.file)
                    guard seg.docCount == e.docs else {
                        throw IndexFileError(path: e.file, reason: "holds \(seg.docCount) documents, the manifest says \(e.docs)")
                    }
                    segs.append(seg)
                    if let d = e.deletes {
                        let bytes: [UInt8]
                        do { bytes = try SystemFile.readAll(folder + "/" + d, limit: 1 << 30) } catch {
                            if error.isPermissionDenied { throw error }
                            throw IndexFileError(path: d, reason: "cannot open: \(error.reason)")
                        }
                        dels.append(try Deletions.decode(bytes, docCount: seg.docCount, path: d))
                    } else { dels.append(nil) }
                }
                return IndexSnapshot(folder: folder, manifest: manifest, segments: segs, deletions: dels)
            } catch let e as IndexFileError where e.reason.hasPrefix("cannot open") {
                lastError = e
                continue
            }
        }
        throw lastError!
    }

    public static func readManifest(_ folder: String) throws -> IndexManifest {
        let path = folder + "/manifest.json"
        // An index this user may not read is not an empty one (which would answer "no dossier
        // matches").
        guard try SystemFile.existsOrFails(path) else { return .empty }
        let bytes = try SystemFile.readAll(path, limit: 64 << 20)
        do {
            let m = try JSONDecoder().decode(IndexManifest.self, from: Data(bytes))
            guard m.format == IndexManifest.formatName else { throw IndexFileError(path: path, reason: "unknown index format \(m.format)") }
            return m
        } catch let e as IndexFileError { throw e } catch let e as DecodingError {
            // Said in words, not as Swift's description of the decoder's state.
            let why: String
            switch e {
            case .dataCorrupted: why = "it is not valid JSON, or holds a value of no valid form"
            case let .keyNotFound(key, _): why = "it lacks '\(key.stringValue)'"
            case let .typeMismatch(_, c), let .valueNotFound(_, c): why = "'\(c.codingPath.map(\.stringValue).joined(separator: "."))' holds the wrong kind of value"
            @unknown default: why = "it cannot be read"
            }
            throw IndexFileError(path: path, reason: "the index manifest is damaged: \(why)")
        } catch {
            throw IndexFileError(path: path, reason: "the index manifest is damaged: \(error)")
        }
    }

    /// Live documents.
    public var liveDocs: Int { manifest.liveDocs }

    /// Every live document, in segment order (for comparisons and merges).
    public func forEachLiveDocument(_ body: (IndexDocument) throws -> Void) rethrows {
        for (s, seg) in segments.enumerated() {
            for d in 0..<seg.docCount where deletions[s]?.isDeleted(d) != true { try body(seg.document(d)) }
        }
    }

    /// Every live document with the first of its columns that differs from it (nil: none). Each
    /// segment's pages are let go once it is read (`Segment.releasePages`): a scan of the whole
    /// index does not stay resident.
    public func forEachLiveDocumentCheckingColumns(_ body: (IndexDocument, String?) throws -> Void) rethrows {
        for (s, seg) in segments.enumerated() {
            for d in 0..<seg.docCount where deletions[s]?.isDeleted(d) != true {
                let doc = seg.document(d)
                try body(doc, seg.columnDifference(d, doc))
            }
            seg.releasePages()      // one segment's pages at a time, not the whole index
        }
    }
}

/// Writes the index: adds documents as new segments, deletes superseded ones, merges, publishes
/// a new manifest atomically, and removes files no manifest names. The caller holds the archive's
/// writer lock.
public final class IndexWriter {
    public let folder: String
    public private(set) var manifest: IndexManifest
    /// Merge when there are more segments than this.
    public var maxSegments = 8
    /// The most live documents a merge writes into one segment, and the size of the segments
    /// a bulk build writes. Building a segment holds about 3 kB per document, so this bounds
    /// the memory of merges whatever the size of the archive; an optimized index of a million
    /// dossiers has twenty full segments, which costs a query a few binary searches more.
    public var maxMergeDocs = IndexWriter.defaultMaxMergeDocs
    public static let defaultMaxMergeDocs = 50_000
    /// Called once, before this writer first writes a file (the archive raises its format
    /// version there: the segments written are of a format older releases cannot read).
    public var beforeFirstWrite: (() throws -> Void)?

    private func willWrite() throws {
        guard let f = beforeFirstWrite else { return }
        beforeFirstWrite = nil
        try f()
    }

    /// - Parameter rebuilding: the writer will replace the whole index: a manifest that cannot
    ///   be read does not stop the one command that repairs it (the rebuild publishes a new
    ///   manifest over it; until then readers still see the damage, E706).
    public init(folder: String, rebuilding: Bool = false) throws {
        self.folder = folder
        if !SystemFile.exists(folder) {
            try SystemFile.makeDirectories(SystemFile.parentFolder(folder))
            try SystemFile.makeDirectory(folder, likeParent: true)
        }
        do {
            manifest = try IndexSnapshot.readManifest(folder)
        } catch is IndexFileError where rebuilding {
            manifest = .empty
        }
    }

    /// The rule the index's documents were made by (see `IndexManifest.rule`).
    public var derivation: Int? { manifest.rule }

    /// Indexes the documents of one ledger entry: earlier documents with the same numbers are
    /// deleted (a new version replaces the old), the new ones added as a segment, then published.
    public func apply(_ docs: [IndexDocument], ledgerHead: String, ledgerSequence: Int, derivation: Int = IndexDocument.currentDerivation, merge: Bool = true) throws {
        var next = manifest
        next.derivation = derivation
        try delete(numbers: Set(docs.map(\.number)), in: &next)
        if !docs.isEmpty {
            var start = 0
            while start < docs.count {
                let builder = SegmentBuilder()
                let end = min(docs.count, start + maxMergeDocs)
                for d in docs[start..<end] { builder.add(d) }
                next.segments.append(try writeSegment(builder, &next))
                start = end
            }
        }
        next.ledgerHead = ledgerHead
        next.ledgerSequence = ledgerSequence
        try publish(next)
        if merge { try mergeTiered() }
    }

    /// Builds a new index from scratch with every document (a rebuild), then publishes it.
    ///
    /// Documents are dealt round-robin to one builder per worker, each writing a segment every
    /// `maxMergeDocs` documents: all cores work, memory stays bounded, and the same documents
    /// always give the same files (deterministic dealing and names).
    /// - Parameter complete: called once every document is written, before the new index is
    ///   published: a throw (the documents' source failed part way) keeps the old index, whole.
    public func rebuild(_ docs: some Sequence<IndexDocument>, ledgerHead: String?, ledgerSequence: Int, derivation: Int = IndexDocument.currentDerivation,
                        workers: Int = Parallel.defaultWorkers, complete: () throws -> Void = {}) throws {
        try willWrite()
        var next = IndexManifest(generation: manifest.generation, ledgerHead: ledgerHead, ledgerSequence: ledgerSequence,
                                 segments: [], nextSegment: manifest.nextSegment, derivation: derivation)
        let w = max(1, workers)
        let base = next.nextSegment
        let perSegment = maxMergeDocs
        let folder = self.folder
        let queues = (0..<w).map { _ in DocumentQueue(capacity: 256) }
        let results = Mutex<[(Int, IndexManifest.SegmentEntry)]>([])
        let failure = Mutex<(any Error)?>(nil)
        let done = DispatchGroup()
        for k in 0..<w {
            done.enter()
            let queue = queues[k]
            let thread = Thread {
                defer { done.leave() }
                var builder = SegmentBuilder()
                var produced = 0
                func flush() {
                    guard builder.docCount > 0 else { return }
                    let number = base + k + w * produced
                    let name = String(format: "seg-%06d.hix", number)
                    do {
                        let (bytes, crc) = try builder.write(to: folder + "/" + name)
                        results.withLock { $0.append((number, IndexManifest.SegmentEntry(file: name, docs: builder.docCount, bytes: bytes, crc: crc, deletes: nil, deletedDocs: 0))) }
                    } catch { failure.withLock { $0 = $0 ?? error } }
                    produced += 1
                    builder = SegmentBuilder()
                }
                while let batch = queue.take() {
                    for i in batch.indices {
                        builder.add(batch[i])
                        if builder.docCount >= perSegment { flush() }
                    }
                }
                flush()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        var i = 0
        for d in docs {
            queues[i % w].put(d)
            i += 1
        }
        for q in queues { q.close() }
        done.wait()
        do {
            if let e = failure.withLock({ $0 }) { throw e }
            try complete()
        } catch {
            // Nothing published: the segments written so far are no one's.
            for (_, e) in results.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: folder + "/" + e.file) }
            throw error
        }
        let segments = results.withLock { $0 }.sorted { $0.0 < $1.0 }
        next.segments = segments.map(\.1)
        next.nextSegment = (segments.last?.0 ?? base - 1) + 1
        try publish(next)
    }

    /// Rewrites the index into as few segments as `maxMergeDocs` allows (one, for archives up
    /// to that size), dropping deleted documents and rewriting segments of older formats.
    ///
    /// Full segments of the current format with nothing deleted are kept as they are; all the
    /// others are repacked into full segments. Merging whole segments could not pair two that
    /// are each more than half full, and an index grown by ingests is mostly made of those (its
    /// merges leave them alone).
    /// - Parameter progress: called now and then with the documents repacked so far and their
    ///   total (from the builders' threads).
    public func optimize(workers: Int = Parallel.defaultWorkers, progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws {
        let snapshot = try IndexSnapshot.open(folder)
        guard snapshot.manifest == manifest else { throw IndexFileError(path: folder, reason: "the index changed under the writer") }
        let plan = Self.optimizePlan(manifest.segments, formats: snapshot.segments.map(\.formatVersion), limit: maxMergeDocs)
        guard !plan.rewrite.isEmpty else {
            removeUnnamedFiles()    // what an optimize stopped part way left
            return
        }
        try repack(plan.rewrite, snapshot: snapshot, workers: workers, progress: progress)
    }

    /// What `optimize` would do to segments `entries` of formats `formats`: the segments it
    /// rewrites (none when nothing is deleted, nothing is of an older format, and no fewer
    /// segments are to be had) and how many the index then has.
    public static func optimizePlan(_ entries: [IndexManifest.SegmentEntry], formats: [UInt32], limit: Int = defaultMaxMergeDocs) -> (rewrite: [Int], segments: Int) {
        func old(_ i: Int) -> Bool { formats[i] != SegmentFormat.version }
        let rewrite = entries.indices.filter { entries[$0].deletedDocs > 0 || entries[$0].docs < limit || old($0) }
        let live = rewrite.reduce(0) { $0 + entries[$1].docs - entries[$1].deletedDocs }
        let made = (live + limit - 1) / limit
        guard rewrite.contains(where: { entries[$0].deletedDocs > 0 || old($0) }) || rewrite.count > made else { return ([], entries.count) }
        return (rewrite, entries.count - rewrite.count + made)
    }

    /// Keeps the number of small segments at most `maxSegments`: merges the smallest (up to
    /// `maxSegments` at once, at most `maxMergeDocs` live documents together). Segments half
    /// full or more do not merge with them unless a fifth of their documents are deleted; two
    /// written short of full are repacked instead into a full segment and the rest. So a merge
    /// never rewrites the whole index, its memory stays bounded (one segment built at a time),
    /// and an index grown by ingests holds about as many segments as an optimize would leave:
    /// without the repacking, a million dossiers arriving 500 at a time ended in 38 segments,
    /// each mostly half full; with it in 24, for about 1.2 more writes of each document.
    func mergeTiered() throws {
        while true {
            let segs = manifest.segments, limit = maxMergeDocs
            func live(_ i: Int) -> Int { segs[i].docs - segs[i].deletedDocs }
            func wasted(_ i: Int) -> Bool { segs[i].deletedDocs * 5 >= segs[i].docs }
            let candidates = segs.indices.filter { live($0) < limit / 2 || wasted($0) }.sorted { (live($0), $0) < (live($1), $1) }
            var pick: [Int] = [], sum = 0
            if candidates.count > maxSegments {
                for i in candidates {
                    if pick.count == maxSegments || (pick.count >= 2 && sum + live(i) > limit) { break }
                    pick.append(i); sum += live(i)
                }
            }
            if pick.count < 2 {
                // (Written short of full: a full segment with a few documents deleted waits
                // for the fifth, or every new version would have two full segments rewritten.)
                let halfFull = segs.indices.filter { live($0) >= limit / 2 && segs[$0].docs < limit && !wasted($0) }.sorted { (live($0), $0) < (live($1), $1) }
                guard halfFull.count >= 2 else { return }
                pick = Array(halfFull.prefix(2))
            }
            try repack(pick.sorted())
        }
    }

    /// Rewrites the segments at `indices` (in order) as full segments of their live documents, in
    /// order, the last taking the rest: one segment when they fit in `maxMergeDocs`. The new
    /// segments take the place of the first one rewritten. Up to `workers` are built at once,
    /// each from its own run of documents (about 3 kB a document while it is built, so a merge
    /// during an ingest builds one). One manifest publishes the result: a stop part way leaves
    /// the index as it was.
    func repack(_ indices: [Int], snapshot given: IndexSnapshot? = nil, workers: Int = 1,
                progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws {
        let snapshot = try given ?? IndexSnapshot.open(folder)
        guard snapshot.manifest == manifest else { throw IndexFileError(path: folder, reason: "the index changed under the writer") }
        let entries = manifest.segments, limit = maxMergeDocs
        let live = indices.map { entries[$0].docs - entries[$0].deletedDocs }
        let total = live.reduce(0, +)
        let outputs = (total + limit - 1) / limit
        for i in indices where !snapshot.segments[i].verifyChecksum(releasingPages: true) {
            throw IndexFileError(path: snapshot.segments[i].path, reason: "checksum mismatch: the segment is damaged; run 'hoso rebuild'")
        }
        try willWrite()
        let base = manifest.nextSegment, folder = self.folder
        let written = Mutex<[Int: IndexManifest.SegmentEntry]>([:])
        let failure = Mutex<(any Error)?>(nil)
        let done = Mutex(0)
        progress?(0, total)
        Parallel.forEach(count: outputs, workers: workers) { j in
            // Output j holds the live documents numbered j·limit ..< (j+1)·limit, counted in order
            // over the segments rewritten.
            var skip = j * limit, need = min(limit, total - j * limit), r = 0
            while r < indices.count && skip >= live[r] { skip -= live[r]; r += 1 }
            let builder = SegmentBuilder()
            while need > 0 && r < indices.count {
                let seg = snapshot.segments[indices[r]], dels = snapshot.deletions[indices[r]]
                for d in 0..<seg.docCount where dels?.isDeleted(d) != true {
                    if skip > 0 { skip -= 1; continue }
                    builder.add(seg.document(d))
                    need -= 1
                    if let progress, need % 1024 == 0 { progress(done.withLock { $0 += 1024; return $0 }, total) }
                    if need == 0 { break }
                }
                r += 1
            }
            let name = String(format: "seg-%06d.hix", base + j)
            do {
                let (bytes, crc) = try builder.write(to: folder + "/" + name)
                let entry = IndexManifest.SegmentEntry(file: name, docs: builder.docCount, bytes: bytes, crc: crc, deletes: nil, deletedDocs: 0)
                written.withLock { $0[j] = entry }
            } catch { failure.withLock { $0 = $0 ?? error } }
        }
        if let e = failure.withLock({ $0 }) {
            // Nothing published: the segments written are no one's.
            for (_, entry) in written.withLock({ $0 }) { try? SystemFile.remove(folder + "/" + entry.file) }
            throw e
        }
        let made = written.withLock { $0 }, first = indices.min() ?? entries.count, rewritten = Set(indices)
        var next = manifest
        next.segments = []
        for (i, e) in entries.enumerated() {
            if i == first { next.segments += (0..<outputs).map { made[$0]! } }
            if !rewritten.contains(i) { next.segments.append(e) }
        }
        next.nextSegment = base + outputs
        try publish(next)
    }

    /// Marks deleted every live document whose number is in `numbers`.
    func delete(numbers: Set<String>, in next: inout IndexManifest) throws {
        guard !numbers.isEmpty, !next.segments.isEmpty else { return }
        let snapshot = try IndexSnapshot.open(folder)
        for (i, seg) in snapshot.segments.enumerated() {
            var dels = snapshot.deletions[i] ?? Deletions(docCount: seg.docCount)
            let before = dels.count
            for n in numbers {
                guard let ord = seg.ordinal(of: Term.keyword(.code, n)) else { continue }
                let bytes = Array(n.utf8)
                var c = seg.postings(ord)
                while c.next() {
                    let doc = Int(c.doc)
                    if !dels.isDeleted(doc) && seg.hasNumber(doc, bytes) { dels.delete(doc, in: seg) }
                }
            }
            if dels.count != before {
                let name = "seg-\(pad(i: next.segments[i].file))" + ".del-\(String(format: "%06d", next.generation + 1))"
                try SystemFile.writeAtomically(dels.encoded(docCount: seg.docCount), to: folder + "/" + name, mode: 0o444, likeItsFolder: true)
                next.segments[i].deletes = name
                next.segments[i].deletedDocs = dels.count
            }
        }
    }

    private func pad(i file: String) -> String {
        // "seg-000012.hix" -> "000012"
        String(file.dropFirst(4).prefix(while: { $0 != "." }))
    }

    private func writeSegment(_ builder: SegmentBuilder, _ next: inout IndexManifest) throws -> IndexManifest.SegmentEntry {
        try willWrite()
        let name = String(format: "seg-%06d.hix", next.nextSegment)
        next.nextSegment += 1
        let (bytes, crc) = try builder.write(to: folder + "/" + name)
        return IndexManifest.SegmentEntry(file: name, docs: builder.docCount, bytes: bytes, crc: crc, deletes: nil, deletedDocs: 0)
    }

    /// Publishes a manifest (atomic replace), then removes files it no longer names.
    func publish(_ next: IndexManifest) throws {
        try willWrite()
        var m = next
        m.generation = manifest.generation + 1
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try SystemFile.writeAtomically(Array(try encoder.encode(m)) + [0x0A], to: folder + "/manifest.json", likeItsFolder: true)
        manifest = m
        removeUnnamedFiles()
    }

    /// Removes the segment and temp files the manifest does not name: those a publish replaced
    /// (a writer stopped while removing them leaves the rest), and temp files of dead writers.
    /// Readers that opened them keep reading them until they close.
    func removeUnnamedFiles() {
        let keep = Set(manifest.segments.flatMap { [$0.file] + ($0.deletes.map { [$0] } ?? []) } + ["manifest.json"])
        for (name, _) in (try? SystemFile.listDirectory(folder)) ?? [] where !keep.contains(name) {
            if name.hasPrefix("seg-") || name.hasPrefix(".tmp-") { try? SystemFile.remove(folder + "/" + name) }
        }
    }
}

/// A bounded queue of documents from the producer to one builder thread.
final class DocumentQueue: @unchecked Sendable {
    /// Documents travel in batches: one lock and one wake-up per batch, not per document.
    static let batchSize = 64
    private let condition = NSCondition()
    private var batches: [[IndexDocument]] = []
    private var closed = false
    private let capacity: Int           // batches waiting, at most
    private var filling: [IndexDocument] = []   // the producer's side, not shared

    init(capacity: Int) { self.capacity = max(1, capacity / Self.batchSize) }

    /// Called by the one producer thread.
    func put(_ d: IndexDocument) {
        filling.append(d)
        if filling.count == Self.batchSize { send() }
    }

    private func send() {
        guard !filling.isEmpty else { return }
        condition.lock()
        while batches.count >= capacity { condition.wait() }
        batches.append(filling)
        condition.broadcast()
        condition.unlock()
        filling = []
        filling.reserveCapacity(Self.batchSize)
    }

    /// Sends what is left; takers then see the end.
    func close() {
        send()
        condition.lock(); closed = true; condition.broadcast(); condition.unlock()
    }

    /// The next batch, or nil once closed and drained.
    func take() -> [IndexDocument]? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !closed { condition.wait() }
        guard !batches.isEmpty else { return nil }
        let b = batches.removeFirst()
        condition.broadcast()
        return b
    }
}
