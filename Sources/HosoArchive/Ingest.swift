import Foundation
public import HosoCatalog
public import HosoCore
import HosoStore
import HosoIndex
import HosoXML

/// How an ingest runs.
public struct IngestOptions: Sendable {
    public var operatorName: String
    /// Archive a dossier whose number is already archived with other content as a new version.
    public var newVersion = false
    /// Stop at the first invalid dossier (what was valid before it is still committed).
    public var stopOnError = false
    /// A checkpoint (ledger entry) every this many dossiers …
    public var checkpointDossiers = 500
    /// … or this many seconds, whichever comes first.
    public var checkpointSeconds = 5.0
    public var workers = Parallel.defaultWorkers
    public var maxXMLBytes = DossierParser.defaultMaxBytes
    /// What the ledger records as the source of this ingest.
    public var source = ""
    /// Convert legacy-encoded text from this encoding instead of refusing the dossier.
    public var legacyEncoding: LegacyEncoding?

    public init(operatorName: String) { self.operatorName = operatorName }
}

/// The final state of one dossier of an ingest.
public enum IngestState: String, Sendable, Codable {
    /// Newly archived (version 1).
    case archived
    /// Archived as a new version that supersedes the previous one.
    case superseded
    /// The same content was archived before; nothing was written.
    case alreadyArchived = "already-archived"
    /// Not archived: invalid, or in conflict with what is archived.
    case rejected
}

/// What happened to one dossier, reported once its fate is final (after the commit that archived it).
public struct IngestOutcome: Sendable {
    public var path: String
    public var number: String?
    public var state: IngestState
    public var version: Int?
    public var manifest: ObjectID?
    /// For a new version: the manifest it supersedes.
    public var supersedes: ObjectID?
    public var diagnostics: [Diagnostic]
    public var bytesRead: UInt64
}

/// Totals of a run.
public struct IngestSummary: Sendable {
    public var dossiers = 0, archived = 0, superseded = 0, alreadyArchived = 0, rejected = 0
    public var files = 0
    public var bytesRead: UInt64 = 0
    public var objectsWritten = 0
    public var bytesWritten: UInt64 = 0
    public var firstEntry: Int?
    public var lastEntry: Int?
    public var head: ObjectID?
    public var stoppedEarly = false
    public var codes: [DiagnosticCode: Int] = [:]
    /// Temp files left by earlier crashed writers, removed at the start.
    public var staleTempsRemoved = 0
}

/// Stores a component file while it is checked: hashing, compressing and writing in one pass, into
/// the checkpoint's staging area (visible only once the checkpoint commits).
struct StoringFileHandler: ComponentFileHandler {
    let store: any ObjectStore
    let staging: any StagingArea
    func handle(fd: Int32, path: String, size: UInt64, declared: ObjectID?) throws -> (ObjectID, PutResult?) {
        var source = FileSource(fd: fd, path: path, length: size)
        let put = try store.put(source: &source, expected: declared, path: path, staging: staging)
        return (put.id, put)
    }
}

/// `hoso ingest`: validates each dossier exactly as `hoso validate` does (the same validator, with
/// a file handler that stores instead of only hashing), stores its XML and scans, writes its
/// manifest, and commits ledger entries at checkpoints. The caller holds the writer lock.
///
/// Crash safety: objects of a checkpoint are staged (complete temp files), then made durable and
/// visible together, then the ledger entry is stored, then `ledger/HEAD` is replaced: the commit
/// point. The catalog is updated after it and catches up if a crash comes between.
public final class Ingest {
    public let archive: Archive
    public let catalog: Catalog
    public let options: IngestOptions
    let ledger: Ledger

    public init(archive: Archive, catalog: Catalog, options: IngestOptions) {
        self.archive = archive; self.catalog = catalog; self.options = options
        ledger = Ledger(archive: archive)
    }

    /// A version waiting for its checkpoint.
    private struct Pending {
        var outcome: IngestOutcome
        var version: CatalogVersion?
        var cache: [Catalog.CacheRecord]
        var objects: [ObjectID]
    }

    /// Removes writers' temp files: with the lock held, none belongs to a live writer.
    public func removeStaleTemps() throws -> Int {
        var removed = 0
        try archive.store.list { entries in
            for e in entries {
                if case let .temporary(path, _) = e {
                    // `path` is shown relative to the archive ("objects/…").
                    try SystemFile.remove(archive.root + "/" + path)
                    removed += 1
                }
            }
        }
        return removed
    }

    /// Ingests every dossier under `paths`.
    /// - Parameters:
    ///   - progress: dossiers handled and bytes read so far (called from the ingesting thread).
    ///   - report: each dossier's final outcome, in batch order per checkpoint.
    public func run(_ sources: [DossierSource], progress: ((Int, UInt64) -> Void)? = nil,
                    report: (IngestOutcome) -> Void) throws -> IngestSummary {
        var summary = IngestSummary()
        summary.staleTempsRemoved = try removeStaleTemps()
        try CatalogSync.catchUp(catalog, ledger: ledger)
        try IndexSync.catchUp(archive: archive)
        let indexWriter = try IndexWriter(folder: archive.indexFolder)

        let store = archive.store
        let staging = store.makeStagingArea()
        let validator = DossierValidator(maxXMLBytes: options.maxXMLBytes,
                                         fileHandler: StoringFileHandler(store: store, staging: staging),
                                         checkFilesOfInvalidDossiers: false, legacyEncoding: options.legacyEncoding)
        let catalog = self.catalog
        let runner = BatchRunner(workers: options.workers, window: max(64, options.workers * 32)) { source in
            Ingest.check(source, validator: validator, catalog: catalog)
        }

        var pending: [Pending] = []
        /// Versions pending in this checkpoint, by dossier number (they are not in the catalog yet).
        var pendingByNumber: [String: (manifest: ObjectID, version: Int, manifestValue: Manifest)] = [:]
        var lastCommit = SystemFile.monotonic()
        var head = try ledger.head()
        var sequence = try head.map { try ledger.entry($0).sequence } ?? 0

        func commit() throws {
            let archivedCount = pending.filter { $0.version != nil }.count
            if archivedCount > 0 {
                let added = pending.compactMap { p in p.version.map { LedgerAddition(dossier: $0.manifest.dossier, version: $0.manifest.version, manifest: $0.manifestID) } }
                summary.objectsWritten += try staging.commit(keeping: Set(pending.flatMap(\.objects)))
                let entry = LedgerEntry(sequence: sequence + 1, previous: head, time: CanonicalJSON.timestamp(),
                                        operator: options.operatorName, source: options.source, added: added)
                let (id, size) = try ledger.commit(entry)
                head = id; sequence += 1
                if summary.firstEntry == nil { summary.firstEntry = sequence }
                summary.lastEntry = sequence
                summary.head = id
                let versions = pending.compactMap(\.version)
                try catalog.apply(entry: entry, id: id, entrySize: size, versions: versions)
                try catalog.updateCache(pending.flatMap(\.cache))
                try IndexSync.apply(versions, entry: id, sequence: sequence, writer: indexWriter)
            }
            for p in pending { report(p.outcome) }
            pending.removeAll()
            pendingByNumber.removeAll()
            lastCommit = SystemFile.monotonic()
        }

        do {
            let late = try runner.run(sources, progress: { progress?($0, $1) }) { check -> Bool in
                summary.dossiers += 1
                summary.bytesRead += check.bytesRead
                summary.files += check.files.count
                var outcome = IngestOutcome(path: check.source.xmlPath, number: check.number, state: .rejected,
                                            diagnostics: check.diagnostics, bytesRead: check.bytesRead)
                var item = Pending(outcome: outcome, version: nil, cache: [], objects: [])
                if let known = check.alreadyArchived {
                    outcome.state = .alreadyArchived
                    outcome.version = known.version
                    outcome.manifest = known.manifest
                    item.outcome = outcome
                    summary.alreadyArchived += 1
                } else if !check.isValid {
                    for d in check.diagnostics where d.severity == .error { summary.codes[d.code, default: 0] += 1 }
                    summary.rejected += 1
                    pending.append(item)
                    if options.stopOnError {
                        summary.stoppedEarly = true
                        try commit()
                        return false
                    }
                    return true
                } else {
                    item = try self.prepareVersion(check, staging: staging, pendingByNumber: &pendingByNumber)
                    switch item.outcome.state {
                    case .archived: summary.archived += 1
                    case .superseded: summary.superseded += 1
                    case .alreadyArchived: summary.alreadyArchived += 1
                    case .rejected:
                        summary.rejected += 1
                        for d in item.outcome.diagnostics where d.severity == .error { summary.codes[d.code, default: 0] += 1 }
                        if options.stopOnError {
                            pending.append(item); summary.stoppedEarly = true
                            try commit()
                            return false
                        }
                    }
                }
                pending.append(item)
                if pending.count >= options.checkpointDossiers || SystemFile.monotonic() - lastCommit >= options.checkpointSeconds {
                    try commit()
                }
                return true
            }
            try commit()
            // Whatever is still staged belongs to no archived dossier (refused ones): drop it.
            staging.abandon()
            // A number used twice in the batch also marks its first holder; it was archived (the
            // second was refused), so this is reported, not undone.
            for d in late { summary.codes[d.code, default: 0] += 1 }
        } catch {
            staging.abandon()
            throw error
        }
        try catalog.checkpoint()
        return summary
    }

    /// The work done in parallel for each dossier: recognise an archived dossier from its XML and
    /// its files' identities (no validation needed: the same bytes were validated when archived),
    /// else validate it while storing its files.
    static func check(_ source: DossierSource, validator: DossierValidator, catalog: Catalog) -> DossierCheck {
        var result = DossierCheck(source: source)
        guard let bytes = validator.readXML(source, into: &result) else { return result }
        let xmlID = ObjectID.hashing(bytes)
        if let known = try? archivedUnchanged(source, xmlID: xmlID, catalog: catalog) {
            result.alreadyArchived = known
            return result
        }
        validator.check(source, xmlBytes: bytes, into: &result)
        return result
    }

    static func archivedUnchanged(_ source: DossierSource, xmlID: ObjectID, catalog: Catalog) throws -> AlreadyArchived? {
        for v in try catalog.versions(xml: xmlID) {
            var unchanged = true
            for c in try catalog.components(manifest: v.manifest) {
                let path = source.folder + "/" + c.file
                guard let st = SystemFile.status(path), SystemFile.isRegular(st) else { unchanged = false; break }
                let id = FileIdentity(st)
                guard let cached = try catalog.cachedDigest(path: path, device: id.device, inode: id.inode, size: id.size,
                                                            mtimeNs: id.mtimeNs, ctimeNs: id.ctimeNs),
                      cached == c.object else { unchanged = false; break }
            }
            if unchanged { return AlreadyArchived(number: v.number, manifest: v.manifest, version: v.version, isCurrent: v.isCurrent) }
        }
        return nil
    }

    /// Builds the manifest of a valid dossier and decides: new, same as archived, new version, or
    /// conflict.
    private func prepareVersion(_ check: DossierCheck, staging: any StagingArea,
                                pendingByNumber: inout [String: (manifest: ObjectID, version: Int, manifestValue: Manifest)]) throws -> Pending {
        let dossier = check.dossier!
        let xml = check.xmlBytes!
        let xmlPut = try archive.store.put(bytes: xml, expected: nil, staging: staging)
        let components = check.files.map { f in
            ManifestComponent(id: f.component.id, role: f.component.role.rawValue, copyType: f.component.copyType,
                              name: f.component.name, file: f.component.file, object: f.digest, size: f.size,
                              mediaType: f.component.mediaType, pages: f.component.pages)
        }
        let xmlFile = ManifestFile(object: xmlPut.id, size: UInt64(xml.count))
        let cache = check.files.map { f in
            Catalog.CacheRecord(path: f.path, device: f.identity.device, inode: f.identity.inode, size: f.identity.size,
                                mtimeNs: f.identity.mtimeNs, ctimeNs: f.identity.ctimeNs, object: f.digest)
        }
        var outcome = IngestOutcome(path: check.source.xmlPath, number: dossier.number, state: .archived,
                                    diagnostics: check.diagnostics, bytesRead: check.bytesRead)

        // What is archived under this number now (a version pending in this checkpoint counts).
        var currentManifest: ObjectID?
        var currentVersion = 0
        var current: Manifest?
        if let p = pendingByNumber[dossier.number] {
            currentManifest = p.manifest; currentVersion = p.version; current = p.manifestValue
        } else if let row = try catalog.current(number: dossier.number) {
            currentManifest = row.manifest; currentVersion = row.version
            current = try ledger.manifest(row.manifest)
        }
        if let current, let currentManifest {
            if current.xml.object == xmlFile.object && current.components == components {
                outcome.state = .alreadyArchived
                outcome.version = currentVersion
                outcome.manifest = currentManifest
                return Pending(outcome: outcome, version: nil, cache: cache, objects: [])
            }
            guard options.newVersion else {
                outcome.state = .rejected
                outcome.diagnostics.append(Diagnostic(.conflictingVersion, file: check.source.xmlPath, subject: dossier.number,
                    message: "dossier \(dossier.number) is already archived (version \(currentVersion)) with different content",
                    expected: "the archived content, manifest \(currentManifest.prefixed)",
                    found: "different XML or scans",
                    advice: "If this is a corrected dossier, ingest it with --new-version to archive it as version \(currentVersion + 1) (both versions are kept); otherwise check that the number is right"))
                return Pending(outcome: outcome, version: nil, cache: [], objects: [])
            }
        }
        let manifest = Manifest(dossier: dossier.number, version: currentVersion + 1, supersedes: currentManifest,
                                xml: xmlFile, components: components, textEncoding: check.convertedFrom)
        let bytes = try CanonicalJSON.encode(manifest)
        let put = try archive.store.put(bytes: bytes, expected: nil, staging: staging)
        outcome.state = currentManifest == nil ? .archived : .superseded
        outcome.version = manifest.version
        outcome.manifest = put.id
        outcome.supersedes = currentManifest
        pendingByNumber[dossier.number] = (put.id, manifest.version, manifest)
        let version = CatalogVersion(manifestID: put.id, manifestSize: UInt64(bytes.count), manifest: manifest, dossier: dossier)
        return Pending(outcome: outcome, version: version, cache: cache, objects: manifest.objects + [put.id])
    }
}
