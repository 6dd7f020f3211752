import Foundation
import HosoCatalog
public import HosoCore
import HosoIndex
import HosoStore
import Synchronization

/// How much a budgeted audit may do before it stops.
public enum VerifyBudget: Sendable, Equatable, CustomStringConvertible {
    case seconds(Double)
    case bytes(UInt64)
    case objects(Int)

    /// Whether `text` is a budget of time (`30m`, `2h`).
    public static func isDuration(_ text: String) -> Bool {
        if case .seconds? = VerifyBudget(text) { return true }
        return false
    }

    /// Parses `30m`, `2h`, `90s`, `500GB`, `10MiB`, `4096B`, `1000` (objects).
    public init?(_ text: String) {
        let t = text.lowercased()
        func number(_ s: Substring) -> Double? { Double(s) }
        for (suffix, factor) in [("h", 3600.0), ("min", 60), ("m", 60), ("s", 1)] where t.hasSuffix(suffix) {
            if let v = number(t.dropLast(suffix.count)), v > 0 { self = .seconds(v * factor); return }
        }
        let sizes: [(String, Double)] = [("tib", 1_099_511_627_776), ("gib", 1_073_741_824), ("mib", 1_048_576), ("kib", 1024),
                                         ("tb", 1e12), ("gb", 1e9), ("mb", 1e6), ("kb", 1e3), ("b", 1)]
        for (suffix, factor) in sizes where t.hasSuffix(suffix) {
            if let v = number(t.dropLast(suffix.count)), v > 0 { self = .bytes(UInt64(v * factor)); return }
        }
        if let n = Int(t), n > 0 { self = .objects(n); return }
        return nil
    }

    public var description: String {
        switch self {
        case .seconds(let s): s >= 3600 ? String(format: "%.1fh", s / 3600) : String(format: "%.0fs", s)
        case .bytes(let b): "\(b) bytes"
        case .objects(let n): "\(n) objects"
        }
    }
}

public struct VerifyOptions: Sendable {
    public enum Level: String, Sendable { case quick, full }
    public var level: Level = .full
    public var budget: VerifyBudget?
    public var seal: Seal?
    /// Record the run in the audit log (impossible on read-only media).
    public var record = true
    /// Parallel workers; nil: one per processor for the XML, the store's preference for objects.
    public var workers: Int?
    /// The store checked is a replica (`verify --store`), not the archive's own.
    public var replica = false
    /// The replica as the user named it (with its endpoint), for the advice to copy it again.
    public var replicaName: String?
    /// Parse every dossier's XML again and compare row by row, even where the catalog matches
    /// the digest its ledger entry recorded.
    public var rederive = false
    public init() {}
}

public struct VerifyReport: Sendable {
    public var findings: [Diagnostic] = []
    public var objectsChecked = 0
    public var bytesChecked: UInt64 = 0
    public var entries = 0
    public var versions = 0
    /// Ledger entries whose catalog rows matched the digest the entry recorded.
    public var entriesByDigest = 0
    /// Ledger entries whose dossiers were derived again from their XML.
    public var entriesRederived = 0
    public var seconds = 0.0
    public var level = ""
    public var recorded: AuditLog.Record?
    /// When the run started (UTC), as its audit record says.
    public var startedAt = ""
    /// The name a damaged audit log was given when this run put it aside.
    public var logSetAside: String?
    /// Why the run was not recorded, when it was not.
    public var notRecorded: String?
    /// Why the run could not be recorded although it was asked to be (E406: a full disk …).
    public var recordFailure: Diagnostic?
    public var ledgerHead: String?
    public var errorCount: Int { findings.filter { $0.severity == .error }.count }
    public var warningCount: Int { findings.filter { $0.severity == .warning }.count }
}

/// `hoso verify`: checks the whole archive and keeps going after every finding. Reads everything
/// (or, quick, structure only; or, budgeted, the objects verified least recently first), never
/// writes anything but its own audit log.
public final class Verifier {
    public let archive: Archive
    public let options: VerifyOptions
    /// Why the catalog could not be opened, when it could not.
    private var catalogOpenFailure: (any Error)?
    /// The rule of the index documents whose digests the catalog records (nil: no catalog, or an empty one).
    private var catalogDerivation: Int?
    let ledger: Ledger
    var findings: [Diagnostic] = []

    public init(archive: Archive, options: VerifyOptions) {
        self.archive = archive; self.options = options
        ledger = Ledger(archive: archive)
    }

    /// What the ledger says, as far as it can be followed.
    typealias ChainEntry = (id: ObjectID, sequence: Int, previous: ObjectID?, additions: [LedgerAddition], derived: DerivedDigest?,
                            provenance: LedgerProvenance?)

    /// What the ledger says, as far as it can be followed.
    struct LedgerState {
        var chain: [ChainEntry] = []
        var head: ObjectID?
    }

    public func run(progress: (@Sendable (Int, UInt64) -> Void)? = nil) throws -> VerifyReport {
        let started = SystemFile.monotonic()
        let startedAt = CanonicalJSON.timestamp()
        var report = VerifyReport()
        report.startedAt = startedAt
        // A quick or budgeted run builds lists of every name in the archive, arrays that grow
        // by doubling (a budgeted run turns this off while it reads payloads). A full run keeps
        // malloc's own policy: it decodes every object.
        if options.level == .quick || options.budget != nil { MemoryPolicy.returnLargeBlocksAtOnce() }
        report.level = options.budget != nil ? "budget" : options.level.rawValue
        // A store this user can list but not enter would make every object "missing" and every
        // catalog row "forged": said once, as what it is.
        if let local = archive.store as? LocalObjectStore, access(local.root, R_OK | X_OK) != 0 {
            throw SystemError(errno: errno, operation: "enter", path: local.root)
        }
        // Nor is a head this user may not read a rolled-back ledger.
        do { _ = try ledger.head() } catch let e as HosoError where e.code == .ioFailure { throw e } catch {}
        let catalog = openCatalog()
        catalogDerivation = (try? catalog?.indexDerivation) ?? nil
        if let catalog, catalog.isInitialized, let differences = try? catalog.schemaDifferences(), !differences.isEmpty {
            findings.append(Diagnostic(.catalogRowAltered, file: "catalog.sqlite", subject: "schema",
                message: "the catalog's structure was changed outside hoso: " + differences.joined(separator: "; "),
                advice: "Run 'hoso rebuild' to recreate the catalog from the ledger (ingest and search may fail or mislead until then)"))
        }

        // 1. The ledger, followed from HEAD to the first entry.
        let state = followLedger(catalog: catalog)
        report.entries = state.chain.count
        report.ledgerHead = state.head?.prefixed
        if let seal = options.seal { checkSeal(seal, state) }
        checkMirroredHead(state)
        checkChainOrder(state)

        // 2. Manifests: each dossier's XML and the objects they name.
        // Every addition on the chain, read in place (a copy is 56 bytes a dossier version).
        let additions = state.chain.lazy.flatMap(\.additions)
        report.versions = state.chain.reduce(0) { $0 + $1.additions.count }
        var referenced = ObjectIDList()
        // The original size recorded for each name of `referenced`, at the same place
        // (`UInt64.max`, which no catalog row can hold: none). Only a quick run, which reads
        // headers and not payloads, compares it with the header.
        var recordedSizes: [UInt64] = []
        let headersOnly = options.level == .quick && options.budget == nil
        // Ledger entries and manifests the catalog records (a quick run): no orphans, even where
        // the chain followed from the head does not reach them (its findings say so).
        var cataloged = ObjectIDList()
        // Entries and manifests: reported by the ledger check.
        let structural = ObjectIDList(state.chain.map(\.id) + additions.map(\.manifest))
        let replaying = options.level == .full && options.budget == nil
        if !replaying {
            var named: [ObjectID] = [], structure: [ObjectID] = [], unlisted: [ObjectID] = []
            var sizes: [(ObjectID, UInt64)] = []
            if let catalog {
                // A catalog ahead of the ledger (E704: a backup that copied it after the ledger
                // and the store, or a ledger rolled back) names objects of entries the ledger does
                // not hold: what is archived is then taken from the ledger's manifests, as a full
                // run does, not from rows that would call objects never archived here missing.
                let ahead = Self.catalogIsAhead(catalog, state: state)
                try? catalog.referencedObjects { batch in
                    for (id, size, kind) in batch {
                        if ahead && (kind.hasPrefix("scan") || kind.hasPrefix("xml")) { continue }
                        if kind.hasPrefix("scan") || kind.hasPrefix("xml") {
                            named.append(id)
                            if headersOnly, let size { sizes.append((id, size)) }
                            if kind.hasSuffix("no row") { unlisted.append(id) }
                        } else {
                            structure.append(id)
                        }
                    }
                }
                // Objects the dossiers' rows name and the objects table lacks: the catalog was
                // altered (a full run names the rows by replaying the ledger).
                if let first = unlisted.first {
                    findings.append(Diagnostic(.catalogRowMissing, file: "catalog.sqlite", subject: first.prefixed,
                        message: "the catalog's objects table lacks \(unlisted.count) object\(unlisted.count == 1 ? "" : "s") its dossiers name (\(first.short)\(unlisted.count > 1 ? " and others" : "")): the catalog was altered or damaged",
                        advice: "Run a full 'hoso verify' to see every row that differs, then 'hoso rebuild' (the catalog is made again from the ledger)"))
                }
                cataloged = ObjectIDList(structure)
                // Entries the catalog has not taken in yet (an ingest stopped before it could,
                // read by a user who may not bring it up to date; W707 says so): what they
                // archived is referenced, by their manifests, not orphaned.
                // (Whatever the chain followed holds that the catalog does not: it may stop short
                // of the catalog's position, at an entry that is missing.)
                let taken = ahead ? [] : Set(((try? catalog.ledgerChain()) ?? []).map(\.id))
                for entry in state.chain where !taken.contains(entry.id.prefixed) {
                    for add in entry.additions {
                        guard let m = try? ledger.manifest(add.manifest) else { continue }
                        for (id, size) in [(m.xml.object, m.xml.size)] + m.components.map({ ($0.object, $0.size) }) {
                            named.append(id)
                            if headersOnly { sizes.append((id, size)) }
                        }
                    }
                }
            }
            referenced = ObjectIDList(consume named)
            // Aligned with the names, 8 bytes each instead of 40 for a pair: a million dossiers
            // reference about three million objects.
            sizes.sort { $0.0 < $1.0 }
            recordedSizes = [UInt64](repeating: .max, count: sizes.isEmpty ? 0 : referenced.count)
            var j = 0
            for (i, id) in referenced.ids.enumerated() where !sizes.isEmpty {
                while j < sizes.count && sizes[j].0 < id { j += 1 }
                if j < sizes.count && sizes[j].0 == id { recordedSizes[i] = sizes[j].1 }
            }
        }

        // 3. Objects; in a full run, beside them, the ledger replayed entry by entry against the
        // catalog and the index (one entry's dossiers in memory at a time).
        let verifiedAt = Int64(SystemFile.now())
        var verified: [ObjectID] = []
        let level: StoreChecker.Level = headersOnly ? .quick : .full
        var checker = StoreChecker(store: archive.store, level: level, workers: options.workers)
        if level == .quick && !recordedSizes.isEmpty {
            let sizes = recordedSizes, names = referenced
            checker.recordedSize = { id in
                guard let i = names.index(of: id), sizes[i] != .max else { return nil }
                return sizes[i]
            }
        }
        let counter = Mutex<(Int, UInt64)>((0, 0))
        // Without a meter to feed, nothing is counted: a lock taken per object by 16 readers costs.
        let tick: @Sendable (UInt64) -> Void
        if let progress {
            tick = { bytes in
                let (n, b) = counter.withLock { c -> (Int, UInt64) in c.0 += 1; c.1 += bytes; return c }
                progress(n, b)
            }
        } else {
            tick = { _ in }
        }
        let auditLog = AuditLog(archive: archive)
        // A full run checks every run's files; the others read the log from its checkpoint on.
        let history = auditLog.read(options.level == .full && options.budget == nil ? .whole : .sinceCheckpoint)
        let records = history.records
        var logFindings = history.findings
        var checkpoint: AuditLog.Checkpoint?
        var tail: [Diagnostic] = []
        if !options.replica {
            checkRecordedHeads(records, state)
            // Its newest record edited is damage as the rest of the log's (E903): kept aside.
            tail = auditLog.tailFindings()
            findings += tail.filter { $0.code != .auditLogBroken }
            logFindings += tail.filter { $0.code == .auditLogBroken }
        }
        // The log's tail when sealed: still there, as it was. (A log this user may not read
        // proves nothing either way; `read()` above says it.)
        if let seal = options.seal, let run = seal.auditRun, let sealed = seal.auditRecord, !options.replica,
           let hashes = try? auditLog.recordHashes() {
            let now = hashes.last { $0.run == run }
            // (Said once: audit.tail may have shown the same record edited.)
            if now?.hash != sealed && !tail.contains(where: { $0.code == .auditLogBroken && $0.subject == "run \(run)" }) {
                findings.append(Diagnostic(.auditLogBroken, file: "audit/log", subject: "run \(run)",
                    message: now == nil ? "audit run \(run), sealed, is no longer in the audit log" : "audit run \(run) is not the record that was sealed",
                    expected: sealed, found: now?.hash ?? "no such run",
                    advice: "The audit log was edited, cut or replaced since the seal: keep it as evidence and compare it with its copies"))
            }
        }
        var derived: [Diagnostic] = []
        // What the log says was damaged, read once (a budgeted run reads it with its order).
        var knownDamage: [ObjectID: AuditLog.Damage]?
        if let budget = options.budget {
            var stored = ObjectIDList()
            let objectReport = try budgeted(budget, checker: checker, log: auditLog, history: history, knownDamage: &knownDamage,
                                            checkpoint: &checkpoint, recording: options.record && !options.replica,
                                            referenced: referenced, stored: &stored, tick: tick)
            reportMissingManifests(additions, stored: stored, reported: [])
            findings += objectReport.findings
            verified = objectReport.verified
            report.objectsChecked = objectReport.objects
            report.bytesChecked = objectReport.storedBytes
        } else {
            var objectReport: StoreChecker.Report
            if replaying, let catalog {
                // The file's own structure: a damaged page the replay's queries do not read
                // would fail the next ingest, after its commit.
                let problems: [String]
                do { problems = try catalog.structuralProblems() } catch { problems = ["\(error)"] }
                if let first = problems.first {
                    findings.append(Diagnostic(.catalogRowAltered, file: "catalog.sqlite",
                        message: "the catalog file is damaged: \(first)" + (problems.count > 1 ? " (and \(problems.count - 1) more problems)" : ""),
                        advice: "Run 'hoso rebuild': the catalog is made again from the ledger and the store"))
                }
            }
            if replaying {
                let plan = ReplayPlan(catalog: catalogTarget(catalog, state: state), index: indexTarget(state: state),
                                      chain: state.chain, workers: options.workers ?? max(Parallel.defaultWorkers, archive.store.preferredConcurrency),
                                      rederive: options.rederive,
                                      derivation: catalogDerivation ?? Derivation.ofIndex(archive.indexFolder) ?? IndexDocument.currentDerivation)
                let ledger = self.ledger
                let replayed: Replayed
                (replayed, objectReport) = try Parallel.concurrently({ plan.run(ledger: ledger) }, { try checker.run(progress: tick) })
                referenced = ObjectIDList(replayed.referenced)
                derived = replayed.findings
                report.entriesByDigest = replayed.byDigest
                report.entriesRederived = replayed.rederived
            } else {
                objectReport = try checker.run(progress: tick)
            }
            let stored = objectReport.storedNames()
            objectReport.findings += objectReport.missing(from: referenced.subtracting(structural), stored: stored)
            reportMissingManifests(additions, stored: stored,
                                   reported: Set(derived.filter { $0.code == .manifestMissing }.compactMap(\.subject)))
            findings += objectReport.findings
            verified = objectReport.verified
            report.objectsChecked = objectReport.objects
            report.bytesChecked = objectReport.storedBytes
            // Objects nothing references: left by an interrupted ingest.
            if state.chain.count > 0 || state.head == nil {
                // An object already found damaged is reported once, not also as an orphan.
                let damaged = ObjectIDList(objectReport.findings.compactMap { $0.subject.flatMap { ObjectID(hex: $0) } })
                let present = stored.subtracting(ObjectIDList(objectReport.unreadable))
                var orphans = present.subtracting(referenced).subtracting(structural).subtracting(damaged).subtracting(cataloged)
                if options.level != .quick {
                    // Ledger entries among them are what the ledger lost: an error, with what they hold.
                    orphans = orphans.subtracting(reportLostEntries(orphans, state))
                }
                let ledgerLost = findings.contains { $0.code == .ledgerEntryLost }
                for id in orphans {
                    if options.level == .quick && catalog == nil { break }
                    findings.append(Diagnostic(.objectOrphan, file: archive.store.displayPath(of: id), subject: id.prefixed,
                        message: "no manifest or ledger entry references this object",
                        advice: ledgerLost ? "Keep it until the ledger errors above are resolved: it may belong to what the ledger lost"
                            : options.level == .quick ? Self.quickOrphanAdvice
                            : "Usually left by an interrupted ingest; it is reused if the same content is ingested again, and harmless otherwise"))
                }
            }
        }

        // Damage an earlier run found that no run has verified intact since: a quick run reads
        // no content and a budgeted one only some, so neither says "no errors" of an object the
        // archive's own record calls damaged or missing.
        // (E516, not the original code: this run did not find it, and the log must not say so.)
        if !options.replica && (options.level == .quick || options.budget != nil) {
            let reported = Set(findings.compactMap { $0.subject.flatMap { ObjectID(hex: $0) } })
            let intactNow = Set(verified)
            // Only objects the archive still references: one that no ledger entry or catalog row
            // names any more (a backup's catalog ahead of its ledger, set right by a rebuild) is
            // no archived data, and a full run, which never reads it, could never clear it.
            // (Without a catalog a quick run knows no references: every damaged object is said.)
            let knowsReferences = replaying || catalog != nil
            for (id, known) in (knownDamage ?? auditLog.knownDamage(history)).sorted(by: { $0.key < $1.key })
            where !reported.contains(id) && !intactNow.contains(id) && (!knowsReferences || referenced.contains(id) || structural.contains(id)) {
                findings.append(Diagnostic(.objectKnownDamaged, file: archive.store.displayPath(of: id), subject: id.prefixed,
                    message: "found \(known.code == DiagnosticCode.objectMissing.rawValue ? "missing" : "damaged") (\(known.code)) by audit run \(known.run.sequence) (\(known.run.level), \(known.run.finished)) and not verified intact since; this \(options.budget != nil ? "budgeted" : "quick") run did not read it",
                    advice: "Replace it from a replica ('hoso replicate --from REPLICA --repair'); a full 'hoso verify' then checks it again"))
            }
        }

        describeUses(catalog: catalog, onLedger: additions, readManifests: replaying)

        // 4. Derived data (in a full run, compared above; a budgeted run checks it as a quick
        // one does: its budget is for reading objects, and the daily run must not call an
        // archive whose index or catalog is damaged clean).
        if !replaying {
            checkCatalogKeys(catalog, state: state)
            checkIndex(state: state)
        }
        // A manifest the object check found damaged is that finding: the replay's failure to
        // read it (E606, naming the same file) would count it twice.
        let damagedFiles = Set(findings.filter { $0.severity == .error }.compactMap(\.file))
        findings += derived.filter { !($0.code == .manifestMalformed && $0.file.map(damagedFiles.contains) == true) }
        findings += logFindings
        findings += leftoversOfInterruptedWork()
        if options.level == .quick, findings.contains(where: { Self.catalogDamage.contains($0.code) }) {
            // A quick run takes what is referenced from the catalog: a damaged catalog makes
            // archived objects look unreferenced.
            for i in findings.indices where findings[i].code == .objectOrphan {
                findings[i].advice = "The catalog is damaged (see above), so this object may be archived and only missing from it: run 'hoso rebuild', then a full 'hoso verify'; delete nothing before"
            }
        }

        if options.replica {
            Self.adviseForReplica(&findings, location: options.replicaName ?? archive.store.location,
                                  tempsUnder: (archive.store as? LocalObjectStore).map { $0.displayRoot + "/" })
        }
        report.findings = findings
        report.seconds = SystemFile.monotonic() - started
        // 5. The audit log.
        if !options.record {
            report.notRecorded = options.replica ? "a replica was checked (the audit log covers the archive's own store)" : "recording was turned off"
        } else if !archive.isWritable {
            report.notRecorded = archive.owner.map { "this user is not the archive's owner (\($0.name)), who alone records runs: coverage was not recorded" }
                ?? "this user cannot write to the archive (read-only media, or no permission): coverage was not recorded"
        } else {
            // The damage was reported in this run; the damaged log is kept aside and a new
            // chain starts, so that later runs are not failed by it again.
            // A run that cannot be recorded (a full disk) still reports what it found.
            // A full run that found nothing wrong (no error: nothing damaged, missing, unlisted
            // or unreadable, in the store or in the log) verified every object the store listed.
            let ownListIsCheckpoint = options.level == .full && options.budget == nil
                && verified.count == report.objectsChecked && !findings.contains { $0.severity == .error }
            do {
                let appended = try auditLog.append(level: report.level, budget: options.budget?.description, ledgerHead: state.head?.prefixed,
                                                   started: startedAt, seconds: report.seconds, verified: verified.lazy.map { ($0, verifiedAt) },
                                                   bytes: report.bytesChecked, findings: findings, setAsideIfDamaged: logFindings.contains { $0.code == .auditLogBroken },
                                                   checkpoint: checkpoint,
                                                   listIsCheckpoint: ownListIsCheckpoint, lastRunRead: history.lastRun)
                report.recorded = appended.record
                report.logSetAside = appended.setAside
            } catch {
                var d = (error as? HosoError)?.diagnostic ?? (error as? SystemError)?.diagnostic
                    ?? Diagnostic(.ioFailure, file: "audit/log", message: "\(error)", advice: "")
                report.notRecorded = "the audit log could not be written (\(d.message))"
                d.message = "this run could not be recorded in the audit log: " + d.message
                d.advice = "Free space on the archive's disk or mend its permissions, then run 'hoso verify' again to record the archive's state"
                report.recordFailure = d
            }
        }
        return report
    }

    /// A replica is mended from the archive, not "from a replica": what it lacks is copied again,
    /// a damaged copy replaced.
    /// - Parameter tempsUnder: where the replica's own temp files are (a folder's), which the
    ///   next copy removes; nil for a bucket, whose uploads wait in a local spool.
    static func adviseForReplica(_ findings: inout [Diagnostic], location: String, tempsUnder: String?) {
        for i in findings.indices {
            switch findings[i].code {
            case .objectMissing, .ledgerEntryMissing, .manifestMissing, .manifestObjectMissing:
                findings[i].advice = "The replica lacks it: 'hoso replicate --to \(location)' copies what it lacks from the archive"
            case .objectTruncated, .objectHashMismatch, .objectCorruptStream, .objectTrailingData, .objectSizeMismatch,
                 .objectHeaderCorrupt, .objectNotRegular:
                findings[i].advice = "The replica's copy is damaged: 'hoso replicate --to \(location) --repair' replaces it with the archive's, verified on the way"
            case .objectStaleTemp where tempsUnder.map { findings[i].file?.hasPrefix($0) == true } ?? false:
                findings[i].advice = "Left by a copy interrupted part way, or a copy still running: 'hoso replicate --to \(location)' removes it once it is an hour old"
            default: break
            }
        }
    }

    /// A quick run knows what is referenced from the catalog alone (it reads no manifest).
    static let quickOrphanAdvice = "The catalog names no dossier that uses it, and a quick run reads no manifest: run a full 'hoso verify' before deleting anything. Usually left by an interrupted ingest, and reused if the same content is ingested again"

    /// Findings that say the catalog itself is wrong.
    /// (Not E704: a catalog ahead of the ledger is the witness of what the ledger lost.)
    static let catalogDamage: Set<DiagnosticCode> = [.catalogRowAltered, .catalogRowExtra, .catalogRowMissing]

    /// What a killed rebuild or writer leaves beside the store: the catalog a rebuild was
    /// making, temp files of atomic writes. Never taken for the archive's own; said, so that an
    /// auditor does not find them unexplained.
    func leftoversOfInterruptedWork() -> [Diagnostic] {
        var found: [Diagnostic] = []
        // (A verify holds the archive's lock shared: no restore is running, so a journal is one
        // a stopped restore left.)
        if SystemFile.exists(RestoreJournal(archive: archive).path) {
            found.append(Diagnostic(.objectStaleTemp, file: "audit/restore.journal",
                message: "the journal of a restore stopped before it ended: the objects it wrote back are not yet recorded in the audit log",
                advice: "Run the restore again ('hoso replicate --from REPLICA'): it first records them as a run of their own, then copies what is still missing"))
        }
        for folder in ["", "ledger", "index", "audit", "audit/runs", "spool", "spool/copies"] {
            let path = folder.isEmpty ? archive.root : archive.root + "/" + folder
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { continue }
            for name in names.sorted() {
                let shown = folder.isEmpty ? name : folder + "/" + name
                if name.hasPrefix("catalog.rebuild.sqlite") {
                    found.append(Diagnostic(.objectStaleTemp, file: shown, message: "a catalog that an interrupted 'hoso rebuild' was making",
                        advice: "Harmless: the next 'hoso rebuild' removes it (or delete it once no rebuild runs)"))
                } else if name.hasPrefix(".hoso-") {
                    found.append(Diagnostic(.objectStaleTemp, file: shown, message: "a temporary file left by an interrupted write",
                        advice: "Harmless: delete it once no hoso command runs on this archive"))
                } else if name.hasPrefix(".tmp-") {
                    let who = folder == "spool" || folder == "spool/copies" ? "the next 'hoso replicate' removes it once it is an hour old"
                        : folder.hasPrefix("audit") ? "the next recorded 'hoso verify' removes it"
                        : folder == "index" ? "the next command that writes the index removes it"
                        : "the next 'hoso ingest' removes it" + (folder.isEmpty ? " once it is an hour old" : "")
                    found.append(Diagnostic(.objectStaleTemp, file: shown, message: "a temporary file left by an interrupted write" + (folder.hasPrefix("spool") ? " (a copy on its way to or from a replica or S3)" : ""),
                        advice: "Harmless: \(who) (or delete it once no hoso command runs on this archive)"))
                }
            }
        }
        return found
    }

    // MARK: the catalog, opened without changing it

    func openCatalog() -> Catalog? {
        guard SystemFile.exists(archive.catalogPath) else { return nil }
        do { return archive.isWritable ? try Catalog.open(path: archive.catalogPath, mode: .readOnly) : try archive.openCatalogWithoutWriting() } catch {
            catalogOpenFailure = error
            return nil
        }
    }

    // MARK: ledger

    func followLedger(catalog: Catalog?) -> LedgerState {
        var state = LedgerState()
        do { state.head = try ledger.head() } catch let e as HosoError { findings.append(e.diagnostic); return state } catch {}
        guard let head = state.head else {
            // No head: an empty archive, unless derived data reflects a commit (the head was deleted).
            let positions = archive.derivedPositions(catalog: .some(catalog))
            for (what, applied) in [("the catalog", positions.catalog), (Ledger.searchIndex, positions.index)] {
                guard let applied else { continue }
                do { _ = try ledger.entries(missingFrom: what, applied: applied) } catch let e as HosoError {
                    findings.append(e.diagnostic)
                    break
                } catch {}
            }
            return state
        }
        // The catalog's record of the chain lets the walk go on past a missing or damaged entry.
        var known: [String: (Int, String?)] = [:]
        var knownAdditions: [Int: [LedgerAddition]]?    // read only if an entry cannot be
        if let catalog {
            for e in (try? catalog.ledgerChain()) ?? [] { known[e.id] = (e.sequence, e.previous) }
        }
        var current: ObjectID? = head
        var chain: [ChainEntry] = []
        var visited = Set<ObjectID>()
        while let id = current, !visited.contains(id) {
            visited.insert(id)
            do {
                let e = try ledger.entry(id)
                if let last = chain.last, last.sequence != e.sequence + 1 {
                    findings.append(Diagnostic(.ledgerChainBroken, subject: id.prefixed,
                        message: "the ledger chain goes from entry \(last.sequence) to entry \(e.sequence)",
                        expected: "entry \(last.sequence - 1)", found: "entry \(e.sequence)",
                        advice: "An entry was removed or replaced; restore the ledger from a replica and compare it with your seals"))
                }
                chain.append((id, e.sequence, e.previous, e.added, e.derived, LedgerProvenance(time: e.time, operator: e.operator, source: e.source)))
                current = e.previous
            } catch let e as HosoError {
                findings.append(e.diagnostic)
                guard let (seq, prev) = known[id.prefixed] else {
                    findings.append(Diagnostic(.ledgerChainBroken, subject: id.prefixed,
                        message: "the ledger cannot be followed past \(id.short), and the catalog does not know the entry",
                        advice: "Restore the ledger from a replica; entries older than this one were not checked"))
                    break
                }
                if knownAdditions == nil { knownAdditions = (try? catalog?.additions()) ?? [:] }
                let added = knownAdditions?[seq] ?? []
                // Whose record of archiving is lost: the catalog knows the entry's dossiers.
                if !added.isEmpty, findings.last?.subject == id.prefixed {
                    let names = added.prefix(5).map { "\($0.dossier) v\($0.version)" }.joined(separator: ", ")
                    findings[findings.count - 1].message += "; it is entry \(seq), which archived \(added.count) dossier version\(added.count == 1 ? "" : "s") by the catalog: \(names)\(added.count > 5 ? ", …" : "")"
                }
                chain.append((id, seq, prev.flatMap { ObjectID(hex: $0) }, added, nil, nil))
                current = prev.flatMap { ObjectID(hex: $0) }
            } catch { break }
        }
        if let last = chain.last, last.previous == nil, last.sequence != 1 {
            findings.append(Diagnostic(.ledgerChainBroken, subject: last.id.prefixed, message: "the oldest entry reached is entry \(last.sequence), not entry 1",
                                       advice: "Entries before it were removed; restore the ledger from a replica"))
        }
        state.chain = chain.reversed()
        return state
    }

    /// Names, in each object finding, the dossiers and files that use the object (from the
    /// catalog; in a full run, from the manifests for what the catalog does not name), and where
    /// the object is stored.
    /// - Parameter readManifests: whether to read every manifest of `onLedger` for what the
    ///   catalog does not say (a full run).
    func describeUses(catalog: Catalog?, onLedger: some Sequence<LedgerAddition>, readManifests: Bool) {
        var users: [ObjectID: [ObjectUse]] = [:]
        var unnamed = Set<ObjectID>()
        var looked = 0
        for (i, f) in findings.enumerated() where f.code.rawValue.hasPrefix("E5") || f.code == .objectOrphan {
            guard let id = f.subject.flatMap({ ObjectID(hex: $0) }) else { continue }
            if findings[i].file == nil { findings[i].file = archive.store.displayPath(of: id) }
            guard users[id] == nil, f.code != .objectOrphan else { continue }
            var named: [ObjectUse] = []
            if let catalog, looked < 1000 {
                looked += 1
                named = (try? catalog.uses(of: id)) ?? []
            }
            users[id] = named
            if named.isEmpty { unnamed.insert(id) }
        }
        if !unnamed.isEmpty {
            // A manifest or a ledger entry itself: the ledger says whose it is, without reading it.
            for a in onLedger where unnamed.contains(a.manifest) {
                users[a.manifest, default: []].append(ObjectUse(dossier: a.dossier, version: a.version, path: "manifest"))
                unnamed.remove(a.manifest)
            }
        }
        if !unnamed.isEmpty && readManifests {
            // The manifests are the authority: read them all, keep only what names these objects.
            let ledger = self.ledger, unnamed = unnamed
            let found = Parallel.map(Array(onLedger), workers: options.workers ?? Parallel.defaultWorkers) { add -> [(ObjectID, ObjectUse)] in
                guard let m = try? ledger.manifest(add.manifest) else { return [] }
                func use(_ path: String) -> ObjectUse { ObjectUse(dossier: m.dossier, version: m.version, path: path) }
                return ([(m.xml.object, use("dossier.xml"))] + m.components.map { ($0.object, use($0.file)) })
                    .filter { unnamed.contains($0.0) }
            }
            for (id, who) in found.joined() { users[id, default: []].append(who) }
        }
        for (i, f) in findings.enumerated() {
            guard let id = f.subject.flatMap({ ObjectID(hex: $0) }), let names = users[id], !names.isEmpty,
                  f.code.rawValue.hasPrefix("E5") else { continue }
            findings[i].name(users: names)
        }
    }

    /// A store outside the archive keeps a copy of the head: it must be the archive's.
    func checkMirroredHead(_ state: LedgerState) {
        // An archive's own folder store keeps no head (ledger/HEAD is beside it); a replica on
        // disk does, as a bucket does.
        let local = archive.store as? LocalObjectStore
        guard let head = state.head, local == nil || local?.headPath != nil else { return }
        let headFile = local?.headPath ?? archive.store.location + "/HEAD"
        let mirrored: ObjectID?
        do { mirrored = try archive.store.mirroredHead() } catch {
            findings.append(Diagnostic(.ledgerHeadMirror, file: headFile, message: "the ledger head kept with the objects cannot be read: \(error)",
                                       advice: options.replica ? "Run 'hoso replicate --to' this store again: it writes the head anew"
                                                               : "Check the service; the next ingest mirrors the head again"))
            return
        }
        if mirrored != head {
            findings.append(Diagnostic(.ledgerHeadMirror, file: headFile,
                message: "the ledger head kept with the objects is not the archive's",
                expected: head.prefixed, found: mirrored?.prefixed ?? "none",
                advice: options.replica ? "Run 'hoso replicate --to' this store again: it copies what is missing, then the head"
                                        : "The next ingest mirrors it again; until then a recovery from the store alone ('hoso rebuild --from') would stop at the older head"))
        }
    }

    /// Entries are written in order of time: one dated more than a day before the entry it follows
    /// was written with a wrong clock or forged (W610: a warning, as the entry cannot change). An entry without the digest of its rows
    /// after one with it was written by an older hoso or by hand (W611).
    func checkChainOrder(_ state: LedgerState) {
        var previous: ChainEntry?
        var digestSeen = false
        for e in state.chain {
            defer { previous = e }
            if let p = previous, let pt = p.provenance.flatMap({ Timestamp($0.time) }), let t = e.provenance.flatMap({ Timestamp($0.time) }),
               t.epochSeconds < pt.epochSeconds - 86_400 {
                findings.append(Diagnostic(.ledgerTimeBackwards, subject: e.id.prefixed,
                    message: "ledger entry \(e.sequence) is dated \(t.text), before entry \(p.sequence) that it follows (\(pt.text))",
                    expected: "a time on or after \(pt.text)", found: t.text + (e.provenance.map { ", by \($0.operator)" } ?? ""),
                    advice: "Entries are written in order: this one was written with a wrong clock or forged; compare the ledger with your seals, and do not rely on its time"))
            }
            if e.derived != nil { digestSeen = true } else if digestSeen, e.provenance != nil {
                findings.append(Diagnostic(.ledgerDigestAbsent, subject: e.id.prefixed,
                    message: "ledger entry \(e.sequence) records no digest of its catalog rows, though an entry before it does (its dossiers were derived again from their XML)",
                    advice: "If no older hoso wrote to this archive, the entry was rewritten: compare the ledger with your seals"))
            }
        }
    }

    /// What a run found that says the ledger it saw was not the archive's own (an entry
    /// malformed, missing or replaced, a head lost, the catalog on an entry the ledger does not
    /// reach, a seal not extended): the head such a run recorded is a weaker witness. Were it an
    /// error, a forged head seen once by the run that reported it would fail every run after the
    /// real head was written back; it is still said (W613), so nothing it saw goes unmentioned.
    static let ledgerInDoubt: Set<String> = ["E601", "E602", "E603", "E604", "E609", "E704", "E901"]

    /// Every head an earlier verify recorded must still be on the ledger: one that is not means
    /// HEAD was moved back or an entry replaced since (E609; W613 when the run that saw it
    /// itself found the ledger in doubt).
    func checkRecordedHeads(_ records: [AuditLog.Record], _ state: LedgerState) {
        let onChain = Set(state.chain.map(\.id.prefixed))
        var reported = Set<String>()
        // Clean runs first: a head both kinds of run saw is an error.
        let doubts = records.reversed().map { r in (r, r.codes.keys.filter(Self.ledgerInDoubt.contains).sorted()) }
        for (r, doubt) in doubts.filter({ $0.1.isEmpty }) + doubts.filter({ !$0.1.isEmpty }) {
            guard let head = r.ledgerHead, !onChain.contains(head), !reported.contains(head) else { continue }
            reported.insert(head)
            let id = ObjectID(hex: head)
            let entry = id.flatMap { try? ledger.entry($0) }
            if !doubt.isEmpty {
                findings.append(Diagnostic(.headSeenInDoubt, file: "audit/log", subject: head,
                    message: "audit run \(r.sequence) (\(r.finished)), which itself found the ledger in doubt (\(doubt.joined(separator: ", "))), "
                        + "saw the ledger at \(entry.map { "entry \($0.sequence) = " } ?? "")\(head), which today's ledger does not reach",
                    advice: "If that head was the one found wrong then (a forged or stray head since replaced by the right one), nothing is to be done; "
                        + "otherwise treat it as E609 and compare with your seals"))
                continue
            }
            findings.append(Diagnostic(.ledgerEntryLost, file: "audit/log", subject: head,
                message: "audit run \(r.sequence) (\(r.finished)) found the ledger at \(entry.map { "entry \($0.sequence) = " } ?? "")\(head), which today's ledger does not reach"
                    + (entry == nil ? " (that entry is no longer in the store)" : ""),
                expected: "a ledger that extends \(head)",
                found: state.head.map { "head \($0.prefixed), \(state.chain.count) entries" } ?? "no ledger head",
                advice: { () -> String in
                    let continues = id.flatMap { continuesHead($0, state) }
                    return Self.lostAdvice(newest: continues == true ? head : nil, forked: continues == false && entry != nil)
                }()))
        }
    }

    /// - Parameters:
    ///   - newest: the entry to write into HEAD, when its chain leads to today's head (writing
    ///     it loses nothing committed since).
    ///   - forked: entries were committed on today's ledger since it parted from that one.
    static func lostAdvice(newest: String?, forked: Bool = false) -> String {
        if forked {
            return "Compare with your seals ('hoso verify --against'): the ledger went back to an older entry and new entries were committed on it "
                + "since (or an entry was replaced), so neither line can simply be made the head again; keep every object and the audit log as "
                + "evidence and investigate"
        }
        return "Compare with your seals ('hoso verify --against'); if HEAD went back by mistake, "
            + (newest.map { "write \($0) into ledger/HEAD, " } ?? "restore the lost entries from a replica, ")
            + "then run 'hoso rebuild' and 'hoso verify'. If the rollback was deliberate, rename audit/log to keep it as its record. Keep the objects either way"
    }

    /// Whether following `previous` from entry `id` reaches today's head (no head: the start of
    /// the ledger): then writing `id` into HEAD gives back what was lost and loses nothing. Nil
    /// when the walk cannot be finished (an entry missing).
    func continuesHead(_ id: ObjectID, _ state: LedgerState) -> Bool? {
        let onChain = Set(state.chain.map(\.id))
        var current: ObjectID? = id
        for _ in 0..<1_000_000 {
            guard let c = current else { return state.head == nil }
            if c == state.head { return true }
            if onChain.contains(c) { return false }       // joins today's ledger below its head
            guard let e = try? ledger.entry(c) else { return nil }
            current = e.previous
        }
        return nil
    }

    /// Ledger entries among `orphans` (objects nothing on the ledger reaches): each is reported
    /// with the dossiers it archived; returns them and the objects only they reach, which are then
    /// not called harmless leftovers.
    func reportLostEntries(_ orphans: ObjectIDList, _ state: LedgerState) -> ObjectIDList {
        var lost: [(ObjectID, LedgerEntry)] = []
        for id in orphans {
            // Ledger entries are JSON that starts `{"added":`: peek at the first bytes only.
            guard let h = try? archive.store.header(id), h.originalLength < 64 << 20, h.originalLength > 10 else { continue }
            var head: [UInt8] = []
            struct Enough: Error {}
            do {
                _ = try archive.store.get(id) { chunk in
                    head += chunk.prefix(16 - head.count)
                    if head.count >= 16 { throw Enough() }
                }
            } catch {}
            guard head.starts(with: Array("{\"added\":".utf8)), let entry = try? ledger.entry(id),
                  entry.format == LedgerEntry.formatName else { continue }
            lost.append((id, entry))
        }
        guard !lost.isEmpty else { return ObjectIDList() }
        // Below a break in today's chain (an entry missing, E602/E604), the older entries are
        // unreached, not lost: the chain finding covers them; they are kept from the orphans.
        var reach: [ObjectID] = []
        func reached(_ id: ObjectID, _ entry: LedgerEntry) {
            reach.append(id)
            for a in entry.added {
                reach.append(a.manifest)
                if let m = try? ledger.manifest(a.manifest) { reach += m.objects }
            }
        }
        if let oldest = state.chain.first, oldest.sequence > 1 {
            for (id, e) in lost where e.sequence < oldest.sequence { reached(id, e) }
            lost.removeAll { $0.1.sequence < oldest.sequence }
            if lost.isEmpty { return ObjectIDList(reach) }
        }
        let bySequence = Dictionary(state.chain.map { ($0.sequence, $0.id) }, uniquingKeysWith: { a, _ in a })
        // The newest lost entry names the others it follows: it is the one to restore.
        let newestLost = lost.max { $0.1.sequence < $1.1.sequence }!
        var behindNewest = Set<ObjectID>()
        let lostByID = Dictionary(lost.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        var walk = newestLost.1.previous
        while let p = walk, let e = lostByID[p], !behindNewest.contains(p) { behindNewest.insert(p); walk = e.previous }
        for (id, entry) in lost.sorted(by: { $0.1.sequence < $1.1.sequence }) {
            reached(id, entry)
            let replaced = bySequence[entry.sequence]
            let dossiers = entry.added.map(\.dossier)
            // An entry another lost entry follows was committed once, and so was every entry
            // before the newest: lost for sure. One entry alone, just after the ledger's, is
            // also what an ingest stopped between writing its entry and moving HEAD leaves: said
            // so, as a warning.
            let certain = behindNewest.contains(id) || (id == newestLost.0 && !behindNewest.isEmpty)
            guard certain else {
                findings.append(Diagnostic(.ledgerEntryUncommitted, file: archive.store.displayPath(of: id), subject: id.prefixed,
                    message: "ledger entry \(entry.sequence) (\(entry.time), by \(entry.operator)) is in the store but not on the ledger"
                        + (replaced.map { " (the ledger's entry \(entry.sequence) is another, \($0.short))" } ?? "")
                        + "; it lists \(dossiers.count) dossier version\(dossiers.count == 1 ? "" : "s")"
                        + (dossiers.isEmpty ? "" : " (" + dossiers.prefix(3).joined(separator: ", ") + (dossiers.count > 3 ? ", …" : "") + ")"),
                    advice: "An ingest stopped just before committing it leaves this (its rerun archives those dossiers anew); "
                        + "if none was interrupted then, HEAD was moved back or the entry replaced: compare with your seals. Keep the object"))
                continue
            }
            findings.append(Diagnostic(.ledgerEntryLost, file: archive.store.displayPath(of: id), subject: id.prefixed,
                message: "ledger entry \(entry.sequence) (\(entry.time), by \(entry.operator)) is in the store but not on the ledger"
                    + (replaced.map { ": the ledger's entry \(entry.sequence) is another, \($0.short)" } ?? "")
                    + "; it archived \(dossiers.count) dossier version\(dossiers.count == 1 ? "" : "s")"
                    + (dossiers.isEmpty ? "" : " (" + dossiers.prefix(3).joined(separator: ", ") + (dossiers.count > 3 ? ", …" : "") + ")"),
                expected: "every entry on the chain from ledger/HEAD", found: "an entry the chain does not reach",
                advice: behindNewest.contains(id) ? "It comes before the lost entry \(newestLost.1.sequence) (\(newestLost.0.short)), which names it: see there"
                    : { () -> String in
                        let continues = continuesHead(id, state)
                        return Self.lostAdvice(newest: replaced == nil && continues == true ? id.prefixed : nil, forked: continues == false)
                    }()))
        }
        return ObjectIDList(reach)
    }

    func checkSeal(_ seal: Seal, _ state: LedgerState) {
        let sealed = ObjectID(hex: seal.head)
        let match = state.chain.first { $0.id == sealed }
        if let match, seal.sequence == 0 || match.sequence == seal.sequence { return }
        let atSequence = state.chain.first { $0.sequence == seal.sequence }
        findings.append(Diagnostic(.sealNotExtended, subject: seal.head,
            message: match != nil ? "the sealed entry sits at another place in today's ledger"
                : (atSequence != nil ? "today's ledger has another entry where the seal's entry was" : "today's ledger does not contain the sealed entry"),
            expected: "entry \(seal.sequence) = \(seal.head)",
            found: atSequence.map { "entry \($0.sequence) = \($0.id.prefixed)" } ?? "a ledger of \(state.chain.count) entries, head \(state.head?.prefixed ?? "none")",
            advice: "Entries committed before the seal were removed, reordered or rewritten; restore the ledger from a replica and investigate"))
    }

    /// Manifests of the ledger's additions that the store's listing lacks (a ledger finding).
    /// Manifests are checked by their names like every object, from the listing, not one
    /// look-up each: a full run that matched the digests reads no manifest, and asking for a
    /// million of them one by one (a stat each, or a request to S3) took longer than the rest
    /// of a quick run.
    /// - Parameter reported: manifests already reported missing (by the replay).
    func reportMissingManifests(_ additions: some Sequence<LedgerAddition>, stored: ObjectIDList, reported: Set<String>) {
        let gone = ObjectIDList(additions.map(\.manifest)).subtracting(stored)
        guard !gone.isEmpty else { return }
        for add in additions where gone.contains(add.manifest) && !reported.contains(add.manifest.prefixed) {
            findings.append(Diagnostic(.manifestMissing, file: archive.store.displayPath(of: add.manifest), subject: add.manifest.prefixed,
                message: "manifest \(add.manifest.short) of \(add.dossier) version \(add.version) is missing from the store",
                advice: "Restore it from a replica ('hoso replicate --from REPLICA --repair'), then run 'hoso verify'"))
        }
    }

    // MARK: objects, within a budget

    /// - Parameter stored: set to the names the store's listing holds.
    /// - Parameter knownDamage: set to what the audit log says was found damaged or missing.
    /// - Parameter checkpoint: set, when the run is to be recorded, to the state read from the
    ///   log if it is due to be written as a checkpoint (`AuditLog.Checkpoint.isDue`).
    func budgeted(_ budget: VerifyBudget, checker: StoreChecker, log: AuditLog, history: AuditLog.History,
                  knownDamage: inout [ObjectID: AuditLog.Damage]?, checkpoint: inout AuditLog.Checkpoint?, recording: Bool,
                  referenced: ObjectIDList, stored: inout ObjectIDList, tick: @escaping @Sendable (UInt64) -> Void) throws -> StoreChecker.Report {
        // The listing's objects (`listing.present`) with their sizes and when each was last
        // verified intact, side by side: 48 bytes an object, a million dossiers' four million
        // objects in under 200 MB.
        var sizes: [UInt64] = []
        var listing = StoreChecker.Report()
        try archive.store.list { entries in
            for e in entries {
                guard let o = listing.take(e) else { continue }
                sizes.append(o.storedSize)
            }
        }
        stored = listing.storedNames()
        var verifiedAt: [Int64], damaged: [ObjectID: AuditLog.Damage]
        (verifiedAt, damaged) = log.verificationState(history, of: listing.present)
        knownDamage = damaged
        // (The names are the listing's, shared; the times, 8 bytes an object, are kept.)
        if recording, AuditLog.Checkpoint.isDue(history, objects: listing.present.count), let last = history.records.last {
            checkpoint = AuditLog.Checkpoint(names: listing.present, times: verifiedAt, damaged: damaged, through: last.sequence)
        }
        // Whatever the budget, the listing shows what is missing and what does not belong.
        let store = archive.store
        let listed = listing.findings + listing.missing(from: referenced, stored: stored, path: { store.displayPath(of: $0) })
        // Least recently verified first; never verified before anything; then by name.
        let present = listing.present
        var order = Array(present.indices)
        order.sort { a, b in verifiedAt[a] != verifiedAt[b] ? verifiedAt[a] < verifiedAt[b] : present[a] < present[b] }
        verifiedAt = []
        var selected: [(id: ObjectID, storedSize: UInt64?)] = []
        switch budget {
        case .objects(let n): selected = order.prefix(n).map { (present[$0], sizes[$0]) }
        case .bytes(let b):
            var sum: UInt64 = 0
            for i in order { if sum >= b { break }; selected.append((present[i], sizes[i])); sum += sizes[i] }
        case .seconds: selected = order.map { (present[$0], sizes[$0]) }
        }
        order = []
        let deadline: Double? = { if case .seconds(let s) = budget { return SystemFile.monotonic() + s } else { return nil } }()
        var stop: (@Sendable () -> Bool)?
        if let deadline { stop = { SystemFile.monotonic() >= deadline } }
        let path: (ObjectID) -> String = { id in store.displayPath(of: id) }
        // Reading objects from here on; then the derived data's lists again.
        MemoryPolicy.reuseLargeBlocks()
        var report = checker.run(objects: selected, path: path, progress: tick, shouldStop: stop)
        MemoryPolicy.returnLargeBlocksAtOnce()
        report.findings = listed + report.findings
        return report
    }

    // MARK: derived data

    /// Whether the catalog reflects a ledger entry that the whole chain, followed from the head
    /// back to the first entry, does not hold (E704). A chain that stops short (an entry
    /// missing) tells nothing of where the catalog stands.
    static func catalogIsAhead(_ catalog: Catalog, state: LedgerState) -> Bool {
        guard let first = state.chain.first, first.previous == nil, first.sequence == 1,
              catalog.isInitialized, let applied = try? catalog.appliedHead, applied.id != state.head else { return false }
        return !state.chain.contains { $0.id == applied.id && $0.sequence == applied.sequence }
    }

    /// The catalog to compare, and up to which ledger entry; nil (with a finding when it is
    /// wrong) when there is nothing to compare.
    func catalogTarget(_ catalog: Catalog?, state: LedgerState) -> CatalogTarget? {
        guard let head = state.head else { return nil }
        guard let catalog, catalog.isInitialized else {
            if let catalog, catalog.hasNoTables {
                findings.append(Diagnostic(.catalogBehind, file: "catalog.sqlite", message: Archive.emptyCatalogMessage,
                                           advice: "It is made from the ledger the next time hoso opens it (show, stats, ingest), or by 'hoso rebuild'; back up catalog.sqlite-wal with it"))
            } else if SystemFile.exists(archive.catalogPath) {
                // There, but not a catalog hoso can read: say why (damaged, not permitted).
                findings.append(catalogOpenFailure.flatMap { Archive.diagnostic(for: $0) }
                    ?? Diagnostic(.catalogRowAltered, file: "catalog.sqlite", message: "the catalog has no tables hoso wrote",
                                  advice: "Run 'hoso rebuild' (it is derived from the store and the ledger)"))
            } else {
                // Derived, and made again from the ledger the next time hoso opens it (a standby
                // made by 'replicate --to' has none until then): behind, not damaged.
                findings.append(Diagnostic(.catalogBehind, file: "catalog.sqlite", message: "the catalog is missing",
                                           advice: "It is made from the ledger the next time hoso opens it (show, stats, ingest), or by 'hoso rebuild'; if it was deleted, find out why"))
            }
            return nil
        }
        let applied = try? catalog.appliedHead
        var upTo = state.chain.last?.sequence ?? 0
        if applied?.id != head {
            if let a = applied, let onChain = state.chain.first(where: { $0.id == a.id }), onChain.sequence == a.sequence {
                findings.append(Diagnostic(.catalogBehind, file: "catalog.sqlite",
                    message: "the catalog reflects ledger entry \(a.sequence), the ledger is at entry \(upTo)",
                    advice: "It catches up the next time hoso opens it; if an older copy was restored from a backup, find out why"))
                upTo = a.sequence
            } else if applied == nil, state.chain.first?.previous == nil, (try? catalog.totals().versions) == 0 {
                // A catalog made before the first commit (a backup taken then, a reader's copy):
                // behind by every entry, not ahead of the ledger.
                findings.append(Diagnostic(.catalogBehind, file: "catalog.sqlite",
                    message: "the catalog reflects no ledger entry yet, the ledger is at entry \(upTo)",
                    advice: "It catches up the next time hoso opens it; if an older copy was restored from a backup, find out why"))
                upTo = 0
            } else if let a = applied, ledger.namesNoEntry(a.id) {
                findings.append(Diagnostic(.catalogRowAltered, file: "catalog.sqlite", subject: "meta",
                    message: "the catalog records its ledger position as \(a.id.short), an object of the store that is no ledger entry",
                    advice: "The catalog was edited: run 'hoso rebuild' to recreate it from the ledger (leave ledger/HEAD as it is)"))
                return nil
            } else {
                findings.append(Diagnostic(.catalogAhead, file: "catalog.sqlite",
                    message: "the catalog reflects ledger entry \(applied.map { "\($0.sequence) (\($0.id.short))" } ?? "none"), "
                        + "which the ledger does not reach from its head, entry \(upTo)",
                    advice: Ledger.rolledBackAdvice))
                return nil
            }
        }
        return CatalogTarget(catalog: catalog, upTo: upTo)
    }

    /// Quick: the catalog holds a row for every version the ledger adds, and no other.
    func checkCatalogKeys(_ catalog: Catalog?, state: LedgerState) {
        guard let target = catalogTarget(catalog, state: state) else { return }
        // Sorted lists of names, not sets of strings: a million dossiers each.
        let expected = ObjectIDList(state.chain.lazy.filter { $0.sequence <= target.upTo }.flatMap { $0.additions.map(\.manifest) })
        let actual = (try? target.catalog.objectNames(of: "dossiers", key: "manifest")) ?? (names: ObjectIDList(), other: [])
        var rows = expected.subtracting(actual.names).map { RowDifference(kind: .missing, table: "dossiers", key: $0.prefixed) }
        rows += actual.names.subtracting(expected).map { RowDifference(kind: .extra, table: "dossiers", key: $0.prefixed) }
        rows += Set(actual.other).map { RowDifference(kind: .extra, table: "dossiers", key: $0) }
        findings += Self.rowFindings(rows)
    }

    static func rowFindings(_ rows: [RowDifference]) -> [Diagnostic] {
        rows.map { row in
            let what: String
            switch row.kind {
            case .missing: what = "the ledger adds it, the catalog lacks it"
            case .extra: what = "the catalog holds it, no ledger entry adds it"
            case .altered: what = "it differs from the ledger"
            }
            var d = Diagnostic(row.kind == .missing ? .catalogRowMissing : row.kind == .extra ? .catalogRowExtra : .catalogRowAltered,
                               file: "catalog.sqlite", subject: row.number.map { "\($0) (\(row.key))" } ?? row.key,
                               message: "catalog row \(row.table)[\(row.key)]: \(what)",
                               advice: "The catalog was changed outside hoso; run 'hoso rebuild' to recreate it from the ledger")
            if row.kind == .altered {
                d.message = "catalog row \(row.table)[\(row.key)] differs from what the ledger says in \(row.changed.map(\.column).joined(separator: ", "))"
                d.expected = row.changed.map { "\($0.column)=\($0.expected ?? "NULL")" }.joined(separator: "; ")
                d.found = row.changed.map { "\($0.column)=\($0.found ?? "NULL")" }.joined(separator: "; ")
            }
            return d
        }.sorted { ($0.code, $0.subject ?? "") < ($1.code, $1.subject ?? "") }
    }

    /// The index to compare, up to which ledger entry, and the current version of each number
    /// there; nil (with a finding when it is wrong) when there is nothing to compare.
    func indexTarget(state: LedgerState) -> IndexTarget? {
        guard let head = state.head else { return nil }
        let snapshot: IndexSnapshot
        do { snapshot = try IndexSnapshot.open(archive.indexFolder) } catch {
            if let e = error as? SystemError, e.isPermissionDenied {
                // Not damage: this user may not read it.
                findings.append(Diagnostic(.ioFailure, file: e.path, message: "the index cannot be read by this user (\(e.reason)): it was not checked",
                                           advice: SystemFile.noPermissionAdvice))
                return nil
            }
            findings.append(Diagnostic(.indexFileCorrupt, file: (error as? IndexFileError)?.path ?? "index/",
                                       message: "the index cannot be opened: \((error as? IndexFileError)?.reason ?? "\(error)")",
                                       advice: IndexFileError.advice))
            return nil
        }
        var upTo = state.chain.last?.sequence ?? 0
        if snapshot.manifest.ledgerHead != head.prefixed {
            if let h = snapshot.manifest.ledgerHead, let e = state.chain.first(where: { $0.id.prefixed == h }) {
                findings.append(Diagnostic(.indexBehind, file: "index/manifest.json",
                    message: "the index reflects ledger entry \(e.sequence), the ledger is at entry \(upTo)",
                    advice: "It catches up the next time hoso searches"))
                upTo = e.sequence
            } else if snapshot.manifest.ledgerHead == nil {
                findings.append(Diagnostic(.indexBehind, file: "index/", message: "the index is empty", advice: "It is built the next time hoso searches, or with 'hoso rebuild'"))
                return nil
            } else {
                findings.append(Diagnostic(.indexMismatch, file: "index/manifest.json",
                    message: "the index reflects ledger entry \(snapshot.manifest.ledgerSequence) (\(snapshot.manifest.ledgerHead ?? "")), "
                        + "which the ledger does not reach from its head, entry \(upTo)",
                    advice: Ledger.rolledBackAdvice))
                return nil
            }
        }
        // The catalog records the digest of each index document made by its rule: an index made
        // by another cannot be compared with it (a rebuild stopped between the two).
        let indexRule = snapshot.manifest.rule
        // A rule of a newer hoso: ingest refuses to write by it (E705); said here as well, so
        // that the check and the writer agree. Its documents are compared by their digests.
        if let newer = [catalogDerivation, indexRule].compactMap({ $0 }).max(), newer > IndexDocument.currentDerivation {
            findings.append(Diagnostic(.indexMismatch, file: "index/manifest.json",
                message: "the catalog and the index were made by derivation rule \(newer), of a newer hoso; this one knows rules 1 to \(IndexDocument.currentDerivation) and compared them by their recorded digests only",
                advice: "Verify with the hoso release that made them, or run 'hoso rebuild' with this one to make both anew by its rule"))
        }
        if let c = catalogDerivation, let i = indexRule, c != i {
            findings.append(Diagnostic(.indexMismatch, file: "index/manifest.json",
                message: "the index's documents follow derivation \(i) and the catalog's digests of them derivation \(c): they cannot be compared",
                advice: "Run 'hoso rebuild': it makes both anew, by one rule"))
            return nil
        }
        for (i, seg) in snapshot.segments.enumerated() where options.level == .full {
            if !seg.verifyChecksum(releasingPages: true) {
                findings.append(Diagnostic(.indexFileCorrupt, file: "index/" + snapshot.manifest.segments[i].file,
                    message: "the segment's checksum does not match", advice: IndexFileError.advice))
            }
        }
        let current = CurrentVersions(state.chain.lazy.filter { $0.sequence <= upTo }.flatMap(\.additions))
        return IndexTarget(snapshot: snapshot, upTo: upTo, current: current)
    }

    /// Quick: the index holds the current version of each number, and nothing else.
    func checkIndex(state: LedgerState) {
        guard let target = indexTarget(state: state) else { return }
        findings += target.compare(docs: nil)
    }
}

/// The catalog a full verify compares, up to which ledger entry.
struct CatalogTarget: Sendable {
    var catalog: Catalog
    var upTo: Int
}

/// The index a verify compares: up to which ledger entry, and each number's current manifest.
struct IndexTarget: Sendable {
    var snapshot: IndexSnapshot
    var upTo: Int
    var current: CurrentVersions

    /// Each segment rebuilt from its own stored documents (which `compare` checks against the
    /// ledger), byte for byte: a term or posting list edited, the checksum recomputed, is found.
    /// One segment at a time per worker, each as large in memory as a merge of it.
    func segmentsRebuilt(workers: Int?) -> [Diagnostic] {
        let segments = snapshot.segments
        let results = Parallel.map(Array(segments.indices), workers: min(workers ?? Parallel.defaultWorkers, 2)) { segments[$0].matchesItsDocuments() }
        return zip(segments, results).compactMap { seg, same in
            // A format the builder no longer writes: said, not passed in silence.
            if same == nil {
                return Diagnostic(.indexSegmentNotCompared, file: "index/" + (seg.path.split(separator: "/").last.map(String.init) ?? seg.path),
                    message: "the segment is of format \(seg.formatVersion), which cannot be made again as it was: it was not compared with its stored documents",
                    advice: "Run 'hoso index optimize' (or 'hoso index rebuild') to rewrite the index in the current format, so that verify compares all of it")
            }
            guard same == false else { return nil }
            return Diagnostic(.indexMismatch, file: "index/" + (seg.path.split(separator: "/").last.map(String.init) ?? seg.path),
                message: "the segment's terms, postings or columns are not what its stored documents make: the index was edited (a dossier may be hidden from search or shown for words it lacks)",
                advice: "Run 'hoso index rebuild'; keep the edited file aside first if it is evidence")
        }
    }

    /// Compares every live document with the current versions (and, given `docs`, the digest of
    /// the document each current version makes).
    func compare(docs: [String: ObjectID]?) -> [Diagnostic] {
        var findings: [Diagnostic] = []
        var seen = [Bool](repeating: false, count: current.count)
        snapshot.forEachLiveDocumentCheckingColumns { doc, columns in
            let at = current.index(of: doc.number)
            if let at { seen[at] = true }
            if let columns {
                findings.append(Diagnostic(.indexMismatch, file: "index/", subject: doc.number,
                    message: "the index's columns for \(doc.number) (what filters, facets and sorting read) differ from its stored fields: \(columns)",
                    advice: "The index was altered or damaged: run 'hoso index rebuild'"))
            }
            guard let at else {
                findings.append(Diagnostic(.indexMismatch, file: "index/", subject: doc.number, message: "the index holds \(doc.number), which no ledger entry adds",
                                           advice: "Run 'hoso rebuild'"))
                return
            }
            let want = current.manifest(at)
            if doc.manifest != want.prefixed {
                findings.append(Diagnostic(.indexMismatch, file: "index/", subject: doc.number,
                    message: "the index holds \(doc.number) as another version than its current one (the manifests differ)",
                    expected: want.prefixed, found: doc.manifest, advice: "Run 'hoso rebuild'"))
            } else if let digest = docs?[doc.number], digest != doc.digest {
                // The same version, another document: edited, or made by another rule than the
                // one the catalog's digest of it follows (rows written by another release).
                findings.append(Diagnostic(.indexMismatch, file: "index/", subject: doc.number,
                    message: "the index's document for \(doc.number) is not the one the catalog records for its current version (an edit, or rows written by another hoso release by another rule)",
                    expected: digest.prefixed, found: doc.digest.prefixed, advice: "Run 'hoso rebuild': it makes the catalog and the index anew from the XML"))
            }
        }
        for i in seen.indices where !seen[i] {
            let n = current.number(i)
            findings.append(Diagnostic(.indexMismatch, file: "index/", subject: n, message: "the index lacks \(n)", advice: "Run 'hoso rebuild'"))
        }
        return findings
    }
}

/// Each dossier number's current version (the manifest its latest ledger addition names), sorted
/// by the number's bytes and matched byte for byte (numbers are NFC text, in the ledger as in the
/// index; a number spelled otherwise is another number): about 60 bytes a number, where a `[String: ObjectID]` took twice that
/// and a set of the numbers seen in the index as much again, at a million dossiers.
struct CurrentVersions: Sendable {
    private let numbers: PackedStrings
    private let manifests: [ObjectID]

    /// - Parameter additions: in ledger order; a number's later addition supersedes the earlier.
    init(_ additions: some Sequence<LedgerAddition>) {
        var all = PackedStrings(), ids: [ObjectID] = []
        for a in additions { all.append(a.dossier); ids.append(a.manifest) }
        // Equal numbers stay in ledger order: the last of each run is the current version.
        let order = all.byteOrder()
        var numbers = PackedStrings(), manifests: [ObjectID] = []
        for (k, i) in order.enumerated() where k + 1 == order.count || all.compare(i, order[k + 1]) != 0 {
            all.withBytes(i) { numbers.append($0) }
            manifests.append(ids[i])
        }
        self.numbers = numbers; self.manifests = manifests
    }

    var count: Int { manifests.count }
    /// Where `number` stands (nil: no ledger entry adds it).
    func index(of number: String) -> Int? { numbers.sortedIndex(of: number) }
    func number(_ i: Int) -> String { numbers[i] }
    func manifest(_ i: Int) -> ObjectID { manifests[i] }
    subscript(number: String) -> ObjectID? { index(of: number).map { manifests[$0] } }
}

/// What a full verify learns by replaying the ledger.
struct Replayed: Sendable {
    var findings: [Diagnostic] = []
    /// Objects the manifests name (scans and XML), with repeats.
    var referenced: [ObjectID] = []
    var byDigest = 0
    var rederived = 0
}

/// A full verify's replay of the ledger, entry by entry: the catalog's rows for the entry compared
/// with the digest the entry recorded of them; where that does not match (or was not recorded),
/// the entry's manifests and dossier XML read again (in parallel) and its rows compared one by
/// one. Then what no entry adds, and the index documents against the digests of the current
/// versions. Holds one chunk of one entry's dossiers at a time.
struct ReplayPlan: Sendable {
    var catalog: CatalogTarget?
    var index: IndexTarget?
    var chain: [Verifier.ChainEntry]
    var workers: Int
    var rederive: Bool
    /// The rule index documents are made by when dossiers are derived again (the catalog's).
    var derivation: Int
    static let chunk = 256

    func run(ledger: Ledger) -> Replayed {
        var out = Replayed()
        var audit = catalog.map { CatalogAudit(catalog: $0.catalog) }
        var rows: [RowDifference] = []
        var docs: [String: ObjectID] = [:]
        var auditFailed: (any Error)?
        for e in chain {
            let compareRows = audit != nil && e.sequence <= (catalog?.upTo ?? 0) && auditFailed == nil
            if compareRows {
                do { rows += try audit!.compare(sequence: e.sequence, id: e.id, previous: e.previous, additions: e.additions.count,
                                                      provenance: e.provenance) }
                catch { auditFailed = error }
            }
            // The catalog as the entry's digest says: no XML to parse.
            if compareRows && !rederive && auditFailed == nil, let digest = e.derived {
                do {
                    if let verified = try audit!.compare(sequence: e.sequence, additions: e.additions, digest: digest) {
                        for v in verified {
                            out.referenced += v.objects
                            if let index, e.sequence <= index.upTo, index.current[v.number] == v.manifest, let d = v.indexDigest { docs[v.number] = d }
                        }
                        out.byDigest += 1
                        continue
                    }
                } catch { auditFailed = error }
            }
            out.rederived += 1
            for start in stride(from: 0, to: e.additions.count, by: Self.chunk) {
                let chunk = Array(e.additions[start..<min(start + Self.chunk, e.additions.count)])
                let results = Parallel.map(chunk, workers: workers) { add -> Result<CatalogVersion, HosoError> in
                    do { return .success(try CatalogSync.version(add, ledger: ledger, derivation: derivation)) }
                    catch let e as HosoError { return .failure(e) }
                    catch { return .failure(HosoError(.manifestMalformed, subject: add.manifest.prefixed, message: "\(error)", advice: "Restore it from a replica")) }
                }
                var versions: [CatalogVersion] = []
                for (i, r) in results.enumerated() {
                    switch r {
                    case .success(let v):
                        versions.append(v)
                        out.referenced += v.manifest.objects
                        if let index, e.sequence <= index.upTo, index.current[v.dossier.number] == v.manifestID {
                            docs[v.dossier.number] = v.indexDigest
                        }
                    case .failure(let error):
                        // A missing XML object is an object finding (E501), found beside.
                        if error.code != .manifestObjectMissing { out.findings.append(error.diagnostic) }
                        if let m = try? ledger.manifest(chunk[i].manifest) { out.referenced += m.objects }
                        else if let objects = try? audit?.catalog.objects(ofVersion: chunk[i].manifest) {
                            // The manifest is gone: what the catalog says it names is not orphaned.
                            out.referenced += objects
                        }
                    }
                }
                if compareRows && auditFailed == nil {
                    do { rows += try audit!.compare(sequence: e.sequence, additions: chunk, versions: versions) }
                    catch { auditFailed = error }
                }
            }
        }
        if let audit, auditFailed == nil {
            do { rows += try audit.finish() } catch { auditFailed = error }
        }
        if let auditFailed {
            out.findings.append(Diagnostic(.catalogRowMissing, file: "catalog.sqlite", message: "the catalog cannot be read: \(auditFailed)",
                                           advice: "Run 'hoso rebuild' (it is derived from the store and the ledger)"))
        }
        out.findings += Verifier.rowFindings(rows)
        if let index { out.findings += index.compare(docs: docs) + index.segmentsRebuilt(workers: workers) }
        return out
    }
}
