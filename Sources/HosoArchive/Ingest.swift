import Foundation
public import HosoCatalog
public import HosoCore
import HosoStore
import HosoIndex
import HosoXML
import Synchronization

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
    /// Asked between dossiers: true stops the run there, with what was done committed.
    public var interrupted: @Sendable () -> Bool = { false }
    /// Asked before each commit: false when the writer lock is no longer this run's (its file
    /// was removed under it), which stops the run before it writes beside another writer.
    public var stillLocked: @Sendable () -> Bool = { true }

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
    /// For a dossier already archived: false when what the batch holds is an earlier version's
    /// content, superseded since (the current version differs).
    public var isCurrent = true
}

/// What a worker prepared for one valid dossier: its outcome, and, when it is to be archived, the
/// version for the catalog, the cache records of its files, and every object its checkpoint must
/// make durable.
public struct IngestPreparation: Sendable {
    public var outcome: IngestOutcome
    public var version: CatalogVersion?
    public var cache: [Catalog.CacheRecord]
    public var objects: [ObjectID]
    /// What the index holds of the version (made once, on the worker).
    var document: IndexDocument? = nil
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
    /// Stopped on request (Ctrl-C) between two dossiers; what came before is committed.
    public var interrupted = false
    public var codes: [DiagnosticCode: Int] = [:]
    /// Findings about dossiers already reported (archived) that only a later dossier revealed: the
    /// first holder of a number used twice in the batch.
    public var laterFindings: [Diagnostic] = []
    /// Temp files left by earlier crashed writers, removed at the start.
    public var staleTempsRemoved = 0
    /// Why the search index could not follow (the dossiers are archived and cataloged).
    public var indexFailure: HosoError?

    public init() {}
}

/// Stores a component file while it is checked: hashing, compressing and writing in one pass, into
/// the checkpoint's staging area (visible only once the checkpoint commits).
struct StoringFileHandler: ComponentFileHandler {
    let store: any ObjectStore
    let staging: any StagingArea
    func handle(fd: Int32, path: String, size: UInt64, declared: ObjectID?) throws -> (ObjectID, PutResult?) {
        var source = FileSource(fd: fd, path: path, length: size)
        do {
            let put = try store.put(source: &source, expected: declared, path: path, staging: staging)
            return (put.id, put)
        } catch let e as SystemError where e.path != path {
            // Not the scan: the store refused the write.
            throw ArchiveWriteFailure(diagnostic: e.diagnostic)
        } catch let e as HosoError where ArchiveWriteFailure.storeCodes.contains(e.code) {
            throw ArchiveWriteFailure(diagnostic: e.diagnostic)     // S3: refused or unavailable
        }
    }
}

/// Writing into the archive failed: a reason to stop, not a problem of the dossier at hand.
struct ArchiveWriteFailure: Error {
    let diagnostic: Diagnostic
    /// The codes of a store that refuses writes (S3 403, an unavailable service, local I/O).
    /// An archived object that cannot be read (E511: the disk, or an S3 service down) is the
    /// archive's failure too: every later dossier would meet it.
    static let storeCodes: Set<DiagnosticCode> = [.storeAccessDenied, .storeUnavailable, .ioFailure, .objectUnreadable]

    /// The failure `error` is, when it is the archive's (nil: the dossier's).
    static func of(_ error: any Error) -> HosoError? {
        if let e = error as? SystemError { return HosoError(e.diagnostic) }
        if let e = error as? HosoError, storeCodes.contains(e.code) { return e }
        return nil
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
    /// What the run had committed at its last checkpoint: what a run that fails part way (a
    /// full disk) reports as done.
    public private(set) var committedSoFar = IngestSummary()

    public init(archive: Archive, catalog: Catalog, options: IngestOptions) {
        self.archive = archive; self.catalog = catalog; self.options = options
        ledger = Ledger(archive: archive)
    }

    /// A version waiting for its checkpoint.
    typealias Pending = IngestPreparation

    /// Removes writers' temp files: with the lock held, none belongs to a live writer.
    public func removeStaleTemps() throws -> Int { try archive.store.removeStaleTemporaries() + archive.removeLeftoverTemporaries() }

    /// Ingests every dossier under `paths`.
    /// - Parameters:
    ///   - progress: dossiers handled and bytes read so far (called from the ingesting thread).
    ///   - report: each dossier's final outcome, in batch order per checkpoint.
    public func run(_ sources: DossierSources, progress: ((Int, UInt64) -> Void)? = nil,
                    report: (IngestOutcome) -> Void) throws -> IngestSummary {
        var summary = IngestSummary()
        summary.staleTempsRemoved = try removeStaleTemps()
        ledger.refreshMirroredHead()
        try CatalogSync.catchUp(catalog, ledger: ledger)
        try IndexSync.catchUp(archive: archive)
        let indexWriter = try archive.indexWriter()
        // One rule for the documents indexed and the digests the catalog records of them.
        try Derivation.checkAgree(catalog: try catalog.indexDerivation, index: indexWriter.derivation)
        let derivation = try Derivation.of(catalog: catalog, index: indexWriter)
        // A catalog that records no rule yet gets this run's at its first commit (recorded
        // before, an ingest that archives nothing would leave a rule older releases refuse).
        var ruleToRecord = try catalog.indexDerivation == nil ? derivation : nil

        try DossierSchema.requireLibrary()
        let store = archive.store
        let staging = store.makeStagingArea()
        let validator = DossierValidator(maxXMLBytes: options.maxXMLBytes,
                                         fileHandler: StoringFileHandler(store: store, staging: staging),
                                         legacyEncoding: options.legacyEncoding)
        let catalog = self.catalog
        let ledger = self.ledger
        let newVersion = options.newVersion
        // What the catalog holds, read once, so that a new dossier needs no catalog query: loading
        // the keys of ~200 versions costs what one query per dossier does (0.1–0.2 ms each,
        // measured), so a small batch into a large archive keeps querying instead.
        let archived = try catalog.archivedKeys(limit: sources.count * 200)
        // Everything per dossier happens on the workers: validation, storing files and XML, and
        // the manifest. (Within one run a number appears once, E306, so the catalog state a
        // worker reads for it cannot change under it.)
        // The window lets the workers go on while this thread commits a checkpoint (syncfs,
        // renames, the ledger: about 0.1 s, as long as the workers take for ~80 dossiers with
        // 0.2 MB of scans). A check done holds little memory: the scans are staged on disk and
        // its XML bytes, stored as an object or not needed, are dropped (a window of 256 checks
        // holding XML of up to --max-xml-size each would not be bounded).
        let runner = BatchRunner(workers: options.workers, window: max(256, options.workers * 128)) { source in
            var check = Ingest.check(source, validator: validator, catalog: catalog, archived: archived, ledger: ledger, newVersion: newVersion)
            guard check.isValid, check.alreadyArchived == nil, check.archiveFailure == nil else {
                check.xmlBytes = nil
                return check
            }
            do {
                check.ingest = try Ingest.prepareVersion(check, store: store, staging: staging, catalog: catalog,
                                                         archived: archived, ledger: ledger, newVersion: newVersion, derivation: derivation)
            } catch where ArchiveWriteFailure.of(error) != nil {
                // Its bytes are in memory: a failure here is the archive's, not the dossier's.
                check.archiveFailure = ArchiveWriteFailure.of(error)
            } catch {
                check.diagnostics.append(Diagnostic(.ioFailure, file: source.xmlPath, message: "the dossier could not be stored: \(error)",
                                                    advice: "Check the disk and run the command again"))
            }
            check.xmlBytes = nil
            return check
        }

        var pending: [Pending] = []
        var lastCommit = SystemFile.monotonic()
        var head = try ledger.head()
        var sequence = try head.map { try ledger.entry($0).sequence } ?? 0

        let timings = PhaseTimings(enabled: ProcessInfo.processInfo.environment["HOSO_TIMINGS"] != nil)
        defer { timings.report() }
        // The catalog and the index are derived: they follow each commit on a queue of their own,
        // while the next checkpoint is prepared (at most two commits behind).
        let derived = DerivedWriter(catalog: catalog, index: indexWriter, derivation: derivation)
        func commit() throws {
            guard options.stillLocked() else {
                throw HosoError(.archiveLocked, file: archive.lockPath,
                                message: "the archive's lock file was removed or replaced while this run held it: another writer may have started",
                                advice: "Let any other writer finish, then run this command again (what this run committed before is kept); never delete the lock file of a running archive")
            }
            let archivedCount = pending.filter { $0.version != nil }.count
            if archivedCount > 0 {
                // Before the first commit: its index segment is of a format older releases cannot
                // read (a run that archives nothing leaves the archive's version as it is).
                try archive.raiseVersionBeforeWriting()
                if let rule = ruleToRecord { try catalog.setIndexDerivation(rule); ruleToRecord = nil }
                let added = pending.compactMap { p in p.version.map { LedgerAddition(dossier: $0.manifest.dossier, version: $0.manifest.version, manifest: $0.manifestID) } }
                summary.objectsWritten += try timings.time("staging commit") { try staging.commit(keeping: Set(pending.flatMap(\.objects))) }
                let versions = pending.compactMap(\.version)
                let entry = LedgerEntry(sequence: sequence + 1, previous: head, time: CanonicalJSON.timestamp(),
                                        operator: options.operatorName, source: options.source, added: added,
                                        derived: CatalogAudit.digest(of: versions, sequence: sequence + 1))
                let (id, size) = try timings.time("ledger commit") { try ledger.commit(entry) }
                head = id; sequence += 1
                if summary.firstEntry == nil { summary.firstEntry = sequence }
                summary.lastEntry = sequence
                summary.head = id
                committedSoFar = summary        // HEAD has moved: said even if what follows fails
                try timings.time("derived data (waiting)") {
                    try derived.submit(entry: entry, id: id, size: size, versions: versions, documents: pending.compactMap(\.document),
                                       cache: pending.flatMap(\.cache))
                }
            }
            else if pending.contains(where: { !$0.cache.isEmpty }) {
                // Nothing new, but files re-read: remember their identities for the next run.
                try derived.finish()
                try catalog.updateCache(pending.flatMap(\.cache))
            }
            for p in pending { report(p.outcome) }
            pending.removeAll()
            committedSoFar = summary
            lastCommit = SystemFile.monotonic()
        }

        do {
            let late = try runner.run(sources, progress: { progress?($0, $1) }) { check -> Bool in
                timings.mark("waiting for workers")
                if options.interrupted() {
                    summary.interrupted = true
                    try commit()
                    return false
                }
                if let failure = check.archiveFailure { throw failure }
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
                    outcome.isCurrent = known.isCurrent
                    item.outcome = outcome
                    summary.alreadyArchived += 1
                } else if !check.isValid {
                    for d in check.diagnostics { summary.codes[d.code, default: 0] += 1 }
                    summary.rejected += 1
                    pending.append(item)
                    if options.stopOnError {
                        summary.stoppedEarly = true
                        try commit()
                        return false
                    }
                    return true
                } else if let prepared = check.ingest {
                    item = prepared
                    // Warnings of dossiers archived count too (W301 …), as validate counts them.
                    if item.outcome.state != .rejected {
                        for d in item.outcome.diagnostics where d.severity == .warning { summary.codes[d.code, default: 0] += 1 }
                    }
                    switch item.outcome.state {
                    case .archived: summary.archived += 1
                    case .superseded: summary.superseded += 1
                    case .alreadyArchived: summary.alreadyArchived += 1
                    case .rejected:
                        summary.rejected += 1
                        for d in item.outcome.diagnostics { summary.codes[d.code, default: 0] += 1 }
                        if options.stopOnError {
                            pending.append(item); summary.stoppedEarly = true
                            try commit()
                            return false
                        }
                    }
                }
                pending.append(item)
                if item.version != nil { staging.prepareToCommit(item.objects) }
                if pending.count >= options.checkpointDossiers || SystemFile.monotonic() - lastCommit >= options.checkpointSeconds {
                    try commit()
                }
                return true
            }
            try commit()
            try timings.time("derived data (waiting)") { try derived.finish() }
            summary.indexFailure = derived.indexFailure.withLock { $0 }.map { e in
                (e as? HosoError) ?? (e as? SystemError).map { HosoError($0.diagnostic) }
                    ?? HosoError(.ioFailure, file: "index/", message: "\(e)", advice: "Check the disk and the index folder's permissions")
            }
            // Whatever is still staged belongs to no archived dossier (refused ones): drop it.
            staging.abandon()
            // A number used twice in the batch also marks its first holder; it was archived (the
            // second was refused), so this is reported, not undone.
            for d in late { summary.codes[d.code, default: 0] += 1 }
            summary.laterFindings = late
        } catch {
            try? derived.finish()
            staging.abandon()
            throw error
        }
        // Folding the log into catalog.sqlite needs room the disk may no longer have: everything
        // is committed (the log is as durable as the file), so the run is not reported stopped.
        do { try catalog.checkpoint() } catch where Archive.isWriteFailure(error) {
            FileHandle.standardError.write(Data(("hoso: note: the catalog's write-ahead log could not be folded into catalog.sqlite ("
                + (Archive.diagnostic(for: error)?.message ?? "\(error)") + "): everything above is committed and kept in it; "
                + "the next command that writes folds it in once there is room\n").utf8))
        }
        return summary
    }

    /// The work done in parallel for each dossier: recognise an archived dossier from its XML and
    /// its files' identities (no validation needed: the same bytes were validated when archived),
    /// else validate it while storing its files.
    /// - Parameter archived: what the catalog held when the run began (nil: ask it each time).
    static func check(_ source: DossierSource, validator: DossierValidator, catalog: Catalog, archived: ArchivedKeys?,
                      ledger: Ledger, newVersion: Bool = false) -> DossierCheck {
        var result = DossierCheck(source: source)
        guard let bytes = validator.readXML(source, into: &result) else {
            // An XML over this run's size limit may have been archived by a run given a higher
            // --max-xml-size: known by its digest (read in blocks, memory stays bounded), it is
            // archived, not refused, as a rerun without that option must find.
            // (Not a file of a gigabyte or more, which is no dossier's metadata at all.)
            guard let i = result.diagnostics.firstIndex(where: { $0.code == .fileTooLarge }),
                  (SystemFile.status(source.xmlPath).map { $0.st_size < 1 << 30 } ?? false),
                  let (xmlID, size) = SystemFile.digest(of: source.xmlPath), archived?.mayHoldXML(xmlID) != false else { return result }
            if let known = try? archivedUnchanged(source, xmlID: xmlID, catalog: catalog), known.isCurrent || !newVersion {
                result = DossierCheck(source: source)
                result.alreadyArchived = known
            } else if let v = (try? catalog.archivedFiles(xml: xmlID))?.first {
                // The same XML, its files copied or changed since: they can be checked only
                // against the XML read again.
                result.diagnostics[i].advice = "These XML bytes are archived already (\(v.number) version \(v.version)): run again with --max-xml-size \(size) or more, so that the dossier's files are checked against them"
            }
            return result
        }
        let xmlID = ObjectID.hashing(bytes)
        if archived?.mayHoldXML(xmlID) != false, let known = try? archivedUnchanged(source, xmlID: xmlID, catalog: catalog),
           known.isCurrent || !newVersion {
            // The content of an earlier, superseded version is archived already; with
            // --new-version it becomes current again, as a new version.
            result.alreadyArchived = known
            return result
        }
        validator.check(source, xmlBytes: bytes, into: &result)
        // These very XML bytes archived before, read from a legacy encoding (their manifest
        // says which), or read as they are by a release that did not take their text for a
        // legacy encoding: read them the same way again, so that an export of the dossier
        // ingested again is known as archived instead of refused for the encoding (E407).
        if validator.legacyEncoding == nil, result.diagnostics.contains(where: { $0.code == .legacyEncoding }),
           archived?.mayHoldXML(xmlID) != false, let versions = try? catalog.archivedFiles(xml: xmlID), !versions.isEmpty {
            let manifests = versions.compactMap { try? ledger.manifest($0.manifest) }
            var again = validator
            if let encoding = manifests.lazy.compactMap(\.textEncoding).first {
                again.legacyEncoding = encoding
            } else if manifests.count == versions.count {
                again.keepsLegacyLookingText = true
            }
            if again.legacyEncoding != nil || again.keepsLegacyLookingText {
                result = DossierCheck(source: source)
                again.check(source, xmlBytes: bytes, into: &result)
            }
        }
        return result
    }

    /// What differs between an archived version and the content at hand, in words: the XML,
    /// and each component file added, removed or with other content.
    static func differences(_ archived: Manifest, xml: ManifestFile, components: [ManifestComponent]) -> String {
        var out: [String] = []
        if archived.xml.object != xml.object { out.append("dossier.xml differs") }
        let before = Dictionary(archived.components.map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(components.map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
        for c in components {
            guard let old = before[c.file] else { out.append("\(c.file) is new"); continue }
            if old.object != c.object {
                out.append(old.size == c.size ? "\(c.file): same size, other content" : "\(c.file): \(c.size) bytes, archived \(old.size)")
            }
        }
        for c in archived.components where after[c.file] == nil { out.append("\(c.file) is gone") }
        if out.isEmpty { out.append("the components' descriptions differ") }
        return out.prefix(6).joined(separator: "; ") + (out.count > 6 ? "; and \(out.count - 6) more" : "")
    }

    static func archivedUnchanged(_ source: DossierSource, xmlID: ObjectID, catalog: Catalog) throws -> AlreadyArchived? {
        let v = try catalog.unchangedVersion(xml: xmlID, folder: source.folder) { path in
            guard let st = SystemFile.status(path), SystemFile.isRegular(st) else { return nil }
            let id = FileIdentity(st)
            return (id.device, id.inode, id.size, id.mtimeNs, id.ctimeNs)
        }
        return v.map { AlreadyArchived(number: $0.number, manifest: $0.manifest, version: $0.version, isCurrent: $0.isCurrent) }
    }

    /// Stores the XML, builds the manifest of a valid dossier and decides: new, same as archived,
    /// new version, or conflict. Runs on the workers.
    static func prepareVersion(_ check: DossierCheck, store: any ObjectStore, staging: any StagingArea, catalog: Catalog,
                               archived: ArchivedKeys?, ledger: Ledger, newVersion: Bool, derivation: Int) throws -> Pending {
        let dossier = check.dossier!
        let xml = check.xmlBytes!
        let xmlID = try store.put(bytes: xml, expected: nil, staging: staging).id
        let components = check.files.map { f in
            ManifestComponent(id: f.component.id, role: f.component.role.rawValue, copyType: f.component.copyType,
                              name: f.component.name, file: f.component.file, object: f.digest, size: f.size,
                              mediaType: f.component.mediaType, pages: f.component.pages)
        }
        let xmlFile = ManifestFile(object: xmlID, size: UInt64(xml.count))
        let cache = check.files.map { f in
            Catalog.CacheRecord(path: f.path, device: f.identity.device, inode: f.identity.inode, size: f.identity.size,
                                mtimeNs: f.identity.mtimeNs, ctimeNs: f.identity.ctimeNs, object: f.digest)
        }
        var outcome = IngestOutcome(path: check.source.xmlPath, number: dossier.number, state: .archived,
                                    diagnostics: check.diagnostics, bytesRead: check.bytesRead)

        // What is archived under this number now.
        var currentManifest: ObjectID?
        var currentVersion = 0
        var current: Manifest?
        if archived?.mayHoldNumber(dossier.number) != false, let row = try catalog.current(number: dossier.number) {
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
            // The content of an earlier version (its files re-read, so not recognised before
            // validation): say so, rather than call it a conflict whose advice, --new-version,
            // would undo the correction that superseded it.
            if !newVersion, let earlier = try catalog.archivedFiles(xml: xmlFile.object).first(where: {
                $0.number == dossier.number && $0.files.map(\.object) == components.map(\.object)
            }) {
                outcome.state = .alreadyArchived
                outcome.version = earlier.version
                outcome.manifest = earlier.manifest
                outcome.isCurrent = earlier.isCurrent
                return Pending(outcome: outcome, version: nil, cache: cache, objects: [])
            }
            guard newVersion else {
                outcome.state = .rejected
                outcome.diagnostics.append(Diagnostic(.conflictingVersion, file: check.source.xmlPath, subject: dossier.number,
                    message: "dossier \(dossier.number) is already archived (version \(currentVersion)) with different content",
                    expected: "the archived content, manifest \(currentManifest.prefixed)",
                    found: Self.differences(current, xml: xmlFile, components: components),
                    advice: "If this is a corrected dossier, ingest it with --new-version to archive it as version \(currentVersion + 1) (both versions are kept); "
                        + "if only a scan differs by a few bytes, the copy may be damaged: copy it again from the source; otherwise check that the number is right"))
                return Pending(outcome: outcome, version: nil, cache: [], objects: [])
            }
            // --new-version with the content of an earlier version: done as asked, but said, as it
            // undoes whatever superseded that version.
            if let earlier = try catalog.archivedFiles(xml: xmlFile.object).first(where: {
                $0.number == dossier.number && $0.files.map(\.object) == components.map(\.object)
            }) {
                outcome.diagnostics.append(Diagnostic(.earlierContentRestored, file: check.source.xmlPath, subject: dossier.number,
                    message: "this content is that of version \(earlier.version), superseded since (the current version is \(currentVersion)): it becomes current again as version \(currentVersion + 1)",
                    advice: "If this batch is an old copy, the correction of version \(currentVersion) is now undone: ingest the corrected dossier again with --new-version"))
            }
        }
        let manifest = Manifest(dossier: dossier.number, version: currentVersion + 1, supersedes: currentManifest,
                                xml: xmlFile, components: components, textEncoding: check.convertedFrom)
        let bytes = try CanonicalJSON.encode(manifest)
        let put = try store.put(bytes: bytes, expected: nil, staging: staging)
        outcome.state = currentManifest == nil ? .archived : .superseded
        outcome.version = manifest.version
        outcome.manifest = put.id
        outcome.supersedes = currentManifest
        let document = IndexDocument(dossier: dossier, manifest: put.id, derivation: derivation)
        let version = CatalogVersion(manifestID: put.id, manifestSize: UInt64(bytes.count), manifest: manifest, dossier: dossier,
                                     indexDigest: document.digest)
        return Pending(outcome: outcome, version: version, cache: cache, objects: manifest.objects + [put.id], document: document)
    }
}

/// Where an ingest spends its time, printed to standard error when HOSO_TIMINGS is set.
final class PhaseTimings {
    let enabled: Bool
    private var totals: [String: Double] = [:]
    private var last = SystemFile.monotonic()
    init(enabled: Bool) { self.enabled = enabled }

    func time<T>(_ phase: String, _ body: () throws -> T) rethrows -> T {
        guard enabled else { return try body() }
        let start = SystemFile.monotonic()
        defer { totals[phase, default: 0] += SystemFile.monotonic() - start; last = SystemFile.monotonic() }
        return try body()
    }

    /// Charges the time since the last phase ended to `phase`.
    func mark(_ phase: String) {
        guard enabled else { return }
        let now = SystemFile.monotonic()
        totals[phase, default: 0] += now - last
        last = now
    }

    func report() {
        guard enabled else { return }
        for (k, v) in totals.sorted(by: { $0.value > $1.value }) {
            FileHandle.standardError.write(Data(String(format: "%-22@ %8.2f s\n", k as NSString, v).utf8))
        }
    }
}

/// Applies committed entries to the catalog and the index on a serial queue of its own, so that
/// the ingest goes on with the next checkpoint meanwhile. Keeps order; at most two entries wait.
final class DerivedWriter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "hoso.derived")
    private let slots = DispatchSemaphore(value: 2)
    private let catalog: Catalog
    private let index: IndexWriter
    private let failure = Mutex<(any Error)?>(nil)
    /// The search index's first failure: the ingest goes on without it (it is derived, and
    /// catches up from the ledger once the cause is fixed).
    let indexFailure = Mutex<(any Error)?>(nil)

    let derivation: Int
    init(catalog: Catalog, index: IndexWriter, derivation: Int) { self.catalog = catalog; self.index = index; self.derivation = derivation }

    func submit(entry: LedgerEntry, id: ObjectID, size: UInt64, versions: [CatalogVersion], documents: [IndexDocument],
                cache: [Catalog.CacheRecord]) throws {
        if let e = failure.withLock({ $0 }) { throw e }
        slots.wait()
        queue.async {
            defer { self.slots.signal() }
            guard self.failure.withLock({ $0 }) == nil else { return }
            do {
                // One transaction: each commit of the catalog costs a sync of its log.
                try self.catalog.apply(entry: entry, id: id, entrySize: size, versions: versions, cache: cache)
            } catch {
                self.failure.withLock { $0 = error }
                return
            }
            guard self.indexFailure.withLock({ $0 }) == nil else { return }
            do { try IndexSync.apply(documents, entry: id, sequence: entry.sequence, writer: self.index, derivation: self.derivation) } catch {
                self.indexFailure.withLock { $0 = error }
            }
        }
    }

    /// Waits for everything submitted; throws the first failure.
    func finish() throws {
        queue.sync {}
        if let e = failure.withLock({ $0 }) { throw e }
    }
}
