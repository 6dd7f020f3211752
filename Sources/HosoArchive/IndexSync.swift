import Foundation
import Synchronization
public import HosoCatalog
public import HosoCore
public import HosoIndex

extension CatalogVersion {
    /// A version as the catalog records it, with the digest of the index document it makes by
    /// rule `derivation`.
    public static func deriving(manifestID: ObjectID, manifestSize: UInt64, manifest: Manifest, dossier: Dossier, derivation: Int) -> CatalogVersion {
        CatalogVersion(manifestID: manifestID, manifestSize: manifestSize, manifest: manifest, dossier: dossier,
                       indexDigest: IndexDocument(dossier: dossier, manifest: manifestID, derivation: derivation).digest)
    }
}

/// Which rule (`IndexDocument.currentDerivation` and before) the archive's derived data follow.
/// The catalog records the digest of every index document, so the catalog and the index keep
/// one rule between them; a newer hoso keeps an archive's rule until `hoso rebuild` makes both
/// anew by its own.
public enum Derivation {
    /// The catalog's rule, else the index's, else the current one (an archive that holds nothing).
    public static func of(catalog: Catalog?, index: IndexWriter?) throws -> Int {
        if let catalog, let d = try catalog.indexDerivation { return try known(d) }
        if let d = index?.derivation { return try known(d) }
        return IndexDocument.currentDerivation
    }

    /// `rule`, if this hoso knows how to make documents by it. A rule of a newer hoso (whose
    /// `hoso rebuild` made the archive's derived data anew) is refused: documents made here by
    /// another rule would not match the digests the catalog keeps.
    @discardableResult
    static func known(_ rule: Int) throws -> Int {
        guard rule > IndexDocument.currentDerivation else { return rule }
        throw HosoError(.indexMismatch, file: "index/manifest.json",
                        message: "the archive's catalog and search index were made by derivation rule \(rule), of a newer hoso; this one knows rules 1 to \(IndexDocument.currentDerivation)",
                        advice: "Use the newer hoso for this archive, or run 'hoso rebuild' with this one to make both anew by its rule")
    }

    /// The rule of the index in `folder`, if it can be read and holds anything.
    static func ofIndex(_ folder: String) -> Int? {
        (try? IndexSnapshot.readManifest(folder))?.rule
    }

    /// The rule of the archive's catalog, if it can be read and holds anything.
    static func ofCatalog(_ archive: Archive) -> Int? {
        guard SystemFile.exists(archive.catalogPath), let c = try? Catalog.open(path: archive.catalogPath, mode: .readOnly) else { return nil }
        return (try? c.indexDerivation) ?? nil
    }

    /// Throws when the catalog and the index follow different rules (a `hoso rebuild` stopped
    /// between the two): what either writes next would not match the other.
    static func checkAgree(catalog: Int?, index: Int?) throws {
        guard let catalog, let index, catalog != index else { return }
        throw HosoError(.indexMismatch, file: "index/manifest.json",
                        message: "the catalog's digests follow derivation \(catalog) and the search index derivation \(index): a rebuild was stopped part way",
                        advice: "Run 'hoso rebuild': it makes both anew, by one rule")
    }
}

extension IndexDocument {
    /// What the index holds of one dossier version: canonical text per field, identifiers as
    /// keywords, personal numbers as exact values only, and the columns results are filtered,
    /// counted and sorted by.
    public init(dossier d: Dossier, manifest: ObjectID, derivation: Int = IndexDocument.currentDerivation) {
        let c = VietnameseText.canonical
        func day(_ t: Timestamp?) -> Int32 {
            guard let t else { return -1 }
            let local = t.epochSeconds + 25200   // the Vietnam calendar day, whatever the offset
            return Int32(local >= 0 ? local / 86400 : (local - 86399) / 86400)
        }
        var agencies = [c(d.receivingAgency.name)]
        if d.handlingAgency.name != d.receivingAgency.name { agencies.append(c(d.handlingAgency.name)) }
        let address = d.applicant.address
        var other = d.keywords.map(c)
        if let r = d.result { other.append(c(r.documentType)); other.append(c(r.issuer)) }
        other += d.components.map { c($0.name) }
        var codes = [d.number, d.archivalCode.text]
        if let l = d.localCode { codes.append(l) }
        var agencyCodes = [d.receivingAgency.code]
        if d.handlingAgency.code != d.receivingAgency.code { agencyCodes.append(d.handlingAgency.code) }
        var keywords: [Field: [String]] = [.code: codes, .procedureCode: [d.procedure.code], .agencyCode: agencyCodes,
                                           .status: [d.status.rawValue], .timeliness: [d.timeliness.rawValue]]
        if let id = d.applicant.citizenID { keywords[.cccd] = [id] }
        if derivation >= 2, let r = d.result {
            // The number and notation as the paper gives them (171/GPXD, 15/2023/QĐ-UBND), each
            // alone and together; the signer's whole name. Found typed with or without marks (the
            // terms are folded); kept as written from rule 3, folded before.
            var values: [String] = []
            let f = { (v: String) -> String in derivation >= 3 ? c(v) : VietnameseText.foldedValue(v) }
            let number = r.number.map(f)
            if let number { values.append(number) }
            if let t = r.notation.map(f) {
                values.append(t)
                // A book's notation (Quyển số 01/2023-SCT/BS) is cited by its code alone too.
                if let code = t.split(separator: " ").last, t.contains(" "), code.contains(where: \.isNumber) { values.append(String(code)) }
                let folded = VietnameseText.foldedValue
                if let number, !folded(t).hasPrefix(folded(number) + "/") { values.append(number + "/" + t) }
            }
            var seen = Set<String>()      // one value for each term
            values = values.filter { !$0.isEmpty && seen.insert(VietnameseText.foldedValue($0)).inserted }
            if !values.isEmpty { keywords[.result] = values }
            if let s = r.signer.map(f), !s.isEmpty { keywords[.signer] = [s] }
        }
        if derivation >= 4 { keywords[.channel] = [d.submissionChannel.rawValue] }
        if let p = d.applicant.phone { keywords[.phone] = [p.hasPrefix("+84") ? "0" + p.dropFirst(3) : p] }
        self.init(number: d.number, manifest: manifest.prefixed,
                  text: [.title: [c(d.title)], .applicant: [c(d.applicant.fullName)],
                         .procedure: [c(d.procedure.name), c(d.procedure.sector)], .agency: agencies,
                         .place: [c(address.detail), c(address.commune)] + (address.district.map { [c($0)] } ?? []) + [c(address.province)],
                         .other: other],
                  keywords: keywords,
                  receivedDay: day(d.receivedAt), dueDay: day(d.dueAt), completedDay: day(d.completedAt),
                  status: d.status.rawValue, timeliness: d.timeliness.rawValue,
                  procedureCode: d.procedure.code, procedureName: c(d.procedure.name),
                  agencyCode: d.receivingAgency.code, agencyName: c(d.receivingAgency.name),
                  title: c(d.title), applicant: c(d.applicant.fullName), receivedText: d.receivedAt.text,
                  dueText: d.dueAt.text, completedText: d.completedAt?.text ?? "")
    }
}

extension Archive {
    /// The index's writer, which raises the archive's format version before it first writes
    /// (its segments are of a format releases of archive format 1 cannot read). The caller
    /// holds the writer's lock.
    public func indexWriter(rebuilding: Bool = false) throws -> IndexWriter {
        let writer = try IndexWriter(folder: indexFolder, rebuilding: rebuilding)
        writer.beforeFirstWrite = { [self] in try raiseVersionBeforeWriting() }
        return writer
    }
}

/// Keeps the search index in step with the ledger, like the catalog: each ledger entry becomes a
/// segment; what the index lacks is replayed; a rebuild indexes every current version anew.
public enum IndexSync {
    /// Applies the versions of one committed ledger entry.
    public static func apply(_ versions: [CatalogVersion], entry: ObjectID, sequence: Int, writer: IndexWriter, derivation: Int) throws {
        try apply(versions.map { IndexDocument(dossier: $0.dossier, manifest: $0.manifestID, derivation: derivation) },
                  entry: entry, sequence: sequence, writer: writer, derivation: derivation)
    }

    /// Applies the documents of one committed ledger entry's versions, already made by rule `derivation`.
    public static func apply(_ documents: [IndexDocument], entry: ObjectID, sequence: Int, writer: IndexWriter, derivation: Int) throws {
        try writer.apply(documents, ledgerHead: entry.prefixed, ledgerSequence: sequence, derivation: derivation)
    }

    /// Applies every committed entry the index lacks. The caller holds the writer lock.
    @discardableResult
    public static func catchUp(archive: Archive, progress: ((Int, Int) -> Void)? = nil) throws -> Int {
        let ledger = Ledger(archive: archive)
        let writer = try archive.indexWriter()
        let applied = writer.manifest.ledgerHead.flatMap { ObjectID(hex: $0) }
        // An index ahead of the ledger is evidence (a head moved back, entries removed): it is
        // reported, not re-indexed away; `hoso rebuild --discard-newer` is the deliberate way.
        let missing = try ledger.entries(missingFrom: Ledger.searchIndex, applied: applied.map { ($0, writer.manifest.ledgerSequence) }).entries
        if missing.isEmpty { return 0 }
        // The index's own rule; an index that holds nothing takes the catalog's (whose digests
        // of its documents must match), else the current one.
        let catalogRule = Derivation.ofCatalog(archive)
        try Derivation.checkAgree(catalog: catalogRule, index: writer.derivation)
        let derivation = try Derivation.known(writer.derivation ?? catalogRule ?? IndexDocument.currentDerivation)
        if missing.count > 20 && applied == nil {
            try rebuild(archive: archive, derivation: derivation)
            return missing.count
        }
        for (i, (id, entry)) in missing.enumerated() {
            try apply(try CatalogSync.versions(of: entry, ledger: ledger, derivation: derivation), entry: id, sequence: entry.sequence,
                      writer: writer, derivation: derivation)
            progress?(i + 1, missing.count)
        }
        return missing.count
    }

    /// Recreates the index from the ledger and the store alone: the current version of every
    /// dossier, in ledger order. Deterministic: the same ledger gives the same index. Streams:
    /// the current manifests are found first, then read (with their XML) a thousand at a time on
    /// all cores, while the segment builders index them.
    /// - Parameter derivation: the rule to make documents by; nil: the catalog's (whose digests
    ///   of them must match), else the current one. `hoso rebuild`, which makes the catalog
    ///   anew too, gives the current one.
    @discardableResult
    public static func rebuild(archive: Archive, derivation given: Int? = nil, progress: ((Int, Int) -> Void)? = nil) throws -> Int {
        let ledger = Ledger(archive: archive)
        let writer = try archive.indexWriter(rebuilding: true)
        let derivation = try Derivation.known(given ?? Derivation.ofCatalog(archive) ?? IndexDocument.currentDerivation)
        guard let head = try ledger.head() else {
            try writer.rebuild([], ledgerHead: nil, ledgerSequence: 0, derivation: derivation)
            return 0
        }
        let chain = try ledger.chain(to: head, after: nil)
        // The newest version of each number wins; documents keep the order of first archiving.
        var order: [String] = []
        var latest: [String: LedgerAddition] = [:]
        for (_, entry) in chain {
            for a in entry.added {
                if latest[a.dossier] == nil { order.append(a.dossier) }
                latest[a.dossier] = a
            }
        }
        let additions = order.map { latest[$0]! }
        let docs = ChunkedDocuments(additions: additions, ledger: ledger, derivation: derivation, progress: progress)
        // A document that cannot be made (its XML missing or damaged) ends the stream early: the
        // index it would leave is partial, so the old one stays.
        try writer.rebuild(docs, ledgerHead: head.prefixed, ledgerSequence: chain.last?.entry.sequence ?? 0, derivation: derivation) {
            if let e = docs.failure.withLock({ $0 }) { throw e }
        }
        return additions.count
    }
}

/// Index documents of ledger additions, produced a chunk at a time in parallel.
final class ChunkedDocuments: Sequence, @unchecked Sendable {
    let additions: [LedgerAddition]
    let ledger: Ledger
    let derivation: Int
    let progress: ((Int, Int) -> Void)?
    let failure = Mutex<(any Error)?>(nil)
    static let chunk = 1000

    init(additions: [LedgerAddition], ledger: Ledger, derivation: Int, progress: ((Int, Int) -> Void)?) {
        self.additions = additions; self.ledger = ledger; self.derivation = derivation; self.progress = progress
    }

    struct Iterator: IteratorProtocol {
        let owner: ChunkedDocuments
        var start = 0
        var buffer: [IndexDocument] = []
        var index = 0
        mutating func next() -> IndexDocument? {
            while index >= buffer.count {
                guard start < owner.additions.count, owner.failure.withLock({ $0 }) == nil else { return nil }
                let slice = Array(owner.additions[start..<Swift.min(owner.additions.count, start + ChunkedDocuments.chunk)])
                let ledger = owner.ledger
                let derivation = owner.derivation
                let results = Parallel.map(slice) { add -> Result<IndexDocument, any Error> in
                    Result {
                        let v = try CatalogSync.version(add, ledger: ledger, derivation: derivation)
                        return IndexDocument(dossier: v.dossier, manifest: v.manifestID, derivation: derivation)
                    }
                }
                buffer.removeAll(keepingCapacity: true)
                for r in results {
                    switch r {
                    case .success(let d): buffer.append(d)
                    case .failure(let e): owner.failure.withLock { $0 = $0 ?? e }
                    }
                }
                index = 0
                start += slice.count
                owner.progress?(start, owner.additions.count)
            }
            defer { index += 1 }
            return buffer[index]
        }
    }

    func makeIterator() -> Iterator { Iterator(owner: self) }
}

extension Archive {
    /// Opens the search index for reading, caught up with the ledger when no writer is running.
    public func openIndexForReading() throws -> IndexSnapshot {
        let head = try Ledger(archive: self).head()
        let current = try? IndexSnapshot.open(indexFolder)
        if let current, current.manifest.ledgerHead == head?.prefixed { return current }
        if isWritable, let lock = ArchiveLock.tryAcquire(archive: self, purpose: "index catch-up") {
            do { try IndexSync.catchUp(archive: self) } catch {
                guard let current, Self.isWriteFailure(error) else { throw error }
                Self.noteNotCaughtUp("search index", error)
                return current
            }
            withExtendedLifetime(lock) {}
        } else if let current, let applied = current.manifest.ledgerHead.flatMap({ ObjectID(hex: $0) }) {
            // Read-only, or a writer at work: behind is fine, but no answers from an index
            // that reflects what the ledger lost.
            let behind = try Ledger(archive: self).entries(missingFrom: Ledger.searchIndex, applied: (applied, current.manifest.ledgerSequence))
            if !isWritable && !behind.entries.isEmpty { Self.noteBehind("search index", behind.entries.count) }
        } else if !isWritable, let current, current.manifest.ledgerHead == nil, let head {
            // Never built, and this user cannot build it: "no dossier matches" would be a lie
            // without this.
            Self.noteBehind("search index", try Ledger(archive: self).entry(head).sequence)
        }
        return try IndexSnapshot.open(indexFolder)
    }
}
