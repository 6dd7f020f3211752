#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
public import HosoCore
public import HosoStore
import HosoCatalog
import HosoIndex

/// What `hoso replicate` did.
public struct ReplicationReport: Sendable {
    public var objects = 0
    public var copied = 0
    public var copiedBytes: UInt64 = 0
    public var alreadyPresent = 0
    /// Damaged copies at the destination replaced with verified ones (`repair`).
    public var repaired = 0
    /// Every object written at the destination (verified on the way), and when.
    public var written: [(ObjectID, Int64)] = []
    public var findings: [Diagnostic] = []
    public var headMirrored: ObjectID?
    /// Restoring: what became of the archive's ledger head (nil: the replica keeps none).
    public var headRestore: HeadRestore?
    /// Objects that could not be copied (the findings beyond them are about the head).
    public var notCopied = 0
    public var seconds = 0.0
}

/// A restore compares the archive's ledger head with the one its replica keeps and with the heads
/// the archive's own records name (what its catalog and index reflect, what its last verify saw).
public enum HeadRestore: Sendable, Equatable {
    /// The same head: nothing to do.
    case same
    /// The archive had no readable head: the newest of the replica's and its own records' was
    /// written (`fromReplica`: the replica's).
    case restored(ObjectID, sequence: Int, fromReplica: Bool)
    /// An archive with nothing committed and no records took the replica's head: it is now a
    /// copy of the replica's archive (recovery onto a new host from a folder replica).
    case adopted(ObjectID, sequence: Int)
    /// The archive's head was moved back (its own records had gone further): moved forward.
    case movedForward(from: ObjectID, to: ObjectID, sequence: Int)
    /// The replica's ledger goes further, but the archive's records agree with its head (a
    /// rollback made on purpose?): left alone unless asked.
    case replicaAhead(ObjectID, sequence: Int)
    /// The archive's ledger extends the replica's (the replica is behind): left alone.
    case replicaBehind(ObjectID)
    /// The heads are on ledgers that went apart: left alone, reported.
    case diverged(ObjectID)
    /// No head anywhere to restore from: reported.
    case nothingToRestore
    /// The archive's head names an entry that cannot be read, and nothing extends it: left as
    /// it is, reported (never moved back).
    case headEntryLost(ObjectID)
}

/// A destination copy that could not be read to check it (not known to be damaged).
struct DestinationFault: Error { let fault: ObjectFault }

/// Copies every object of one store missing from another, verifying each on the way: the
/// source copy is read through the verifying decoder into a spool file, and the destination
/// checks the name again as it stores it. Then the ledger head is mirrored to the destination
/// (when it keeps one), so a replica in S3 can recover the archive on its own.
public enum Replicator {
    /// - Parameters:
    ///   - source: where to copy from: the archive's own store (nil), or, to restore the
    ///     archive's store, a replica.
    ///   - repair: also read every copy already at the destination, and replace a damaged one
    ///     with the verified copy of the source (without it, a copy present is trusted).
    ///   - restoreHead: restoring, move the archive's head forward to the replica's even where
    ///     the archive's own records agree with its older head (a rollback undone on purpose).
    ///   - journal: restoring, where each object written into the archive is noted as it lands.
    public static func run(archive: Archive, from source: (any ObjectStore)? = nil, to destination: any ObjectStore, repair: Bool = false,
                           restoreHead forward: Bool = false, journal: RestoreJournal? = nil,
                           workers: Int = 8, progress: (@Sendable (Int, UInt64) -> Void)? = nil) throws -> ReplicationReport {
        let started = SystemFile.monotonic()
        let source = source ?? archive.store
        let restoring = source.location != archive.store.location
        // The head first: everything it reaches was stored before it was written.
        let head = try Ledger(archive: archive).head()
        var ids: [ObjectID] = []
        var findings: [Diagnostic] = []
        var unlistedPrefixes = Set<String>(), broken = Set<ObjectID>()
        try source.list { entries in
            for e in entries {
                switch e {
                case let .object(id, _, _): ids.append(id)
                case let .notRegular(path, kind, id):
                    if let id { broken.insert(id) }     // reported here, not also as lacking
                    findings.append(Diagnostic(.objectNotRegular, file: path, message: "not copied: the store entry is \(kind)",
                                               advice: "Repair the source store, then replicate again"))
                case let .unlistable(path, prefix, reason):
                    unlistedPrefixes.insert(prefix)
                    findings.append(Diagnostic(.objectUnreadable, file: path, message: "not copied: the folder cannot be listed (\(reason))",
                                               advice: "Restore the folder's permissions or the disk under it, then replicate again"))
                default: break
                }
            }
        }
        let all = ids
        // Verified copies wait in a spool on the archive's disk (a temporary folder may be small,
        // or in memory); restoring holds the writer lock, so leftovers of a killed run are
        // removed there. Copying out of a read-only archive spools in a folder of its own in the
        // temporary folder, removed after.
        let spool: String
        let ownSpool = !restoring && !archive.isWritable
        if ownSpool {
            spool = NSTemporaryDirectory() + "hoso-replicate-" + SystemFile.randomSuffix()
        } else {
            // A folder of its own: an S3 store's uploads wait in the spool itself.
            spool = archive.spoolFolder + "/copies"
        }
        try SystemFile.makeDirectories(spool)
        // Copies of runs that died, an hour old (each is written in seconds; a copy out takes no
        // lock, so another may be at work, even beside a restore).
        _ = try? SystemFile.removeTemporaries(in: spool, olderThan: 3600)
        defer { if ownSpool { _ = rmdir(spool) } }
        // A copy killed part way leaves temp files at a local destination. Nothing there says
        // whether another copy is writing now (a replica holds no lock): an hour untouched is
        // dead (a live one is written to, or committed, within seconds).
        if let local = destination as? LocalObjectStore { _ = try? SystemFile.removeTemporaries(in: local.root, olderThan: 3600) }
        // (A journal that cannot be started does not stop the repair: only the record of a
        // restore that is then also stopped is lost, which the stop message says.)
        if restoring, let journal {
            do { try journal.start(source: source.location) } catch {
                FileHandle.standardError.write(Data("hoso: note: \(journal.path) cannot be written (\(error)): if this restore is stopped before it ends, what it wrote back is not recorded\n".utf8))
            }
        }
        let state = Mutex((copied: 0, bytes: UInt64(0), present: 0, repaired: 0, done: 0, findings: [Diagnostic](), written: [(ObjectID, Int64)]()))
        Parallel.forEach(count: all.count, workers: workers) { i in
            let id = all[i]
            var finding: Diagnostic?
            var copiedBytes: UInt64?
            var damaged = false      // the destination's copy, read by a repair
            do {
                var present = try destination.contains(id)
                if present && repair {
                    do { _ = try destination.get(id) { _ in } } catch let f as ObjectFault {
                        switch f {
                        case .missing: present = false
                        case .unreadable, .notPermitted, .accessDenied:         // not known to be damaged
                            throw DestinationFault(fault: f)
                        default: present = false; damaged = true
                        }
                    }
                }
                if present {
                    state.withLock { $0.present += 1 }
                } else {
                    // The verified copy is in hand before a damaged one is removed: a source
                    // that is damaged too leaves the destination as it was.
                    let temp = spool + "/.tmp-" + SystemFile.randomSuffix()
                    defer { unlink(temp) }
                    let fd = try SystemFile.createExclusive(temp, mode: 0o600)
                    do {
                        _ = try source.get(id) { chunk in try SystemFile.write(fd, chunk, path: temp) }
                        close(fd)
                    } catch { close(fd); throw error }
                    // Noted before it is written: a restore killed while writing it leaves the
                    // line, and the record made of the journal keeps the objects present.
                    // (A journal that cannot be written loses only the record of a restore
                    // that is then also stopped; the object goes in, verified.)
                    if restoring { try? journal?.wrote(id, at: Int64(time(nil)), replaced: damaged) }
                    if damaged { try destination.remove(id) }
                    let r = try destination.put(file: temp, expected: id, staging: nil)
                    copiedBytes = r.originalSize
                    if damaged { state.withLock { $0.repaired += 1 } }
                }
            } catch let d as DestinationFault {
                var diagnostic = d.fault.diagnostic(id: id, path: destination.displayPath(of: id))
                diagnostic.message = "not checked at the destination: " + diagnostic.message
                finding = diagnostic
            } catch let f as ObjectFault {
                var d = f.diagnostic(id: id, path: source.displayPath(of: id))
                d.message = "not copied: " + d.message
                if f.isDamage {
                    // The source's copy damaged, and the destination lacks it or holds it damaged
                    // too (else nothing was read): advice to copy from the other side would go round.
                    d.message += damaged ? "; the copy at \(destination.location) is damaged too: no store here holds it intact"
                                         : "; \(destination.location) lacks it: no store here holds it intact"
                    d.advice = "Restore it from another replica or backup that holds it intact ('hoso replicate --from OTHER --repair'), then run 'hoso verify'"
                }
                finding = d
            } catch let e as HosoError {
                finding = e.diagnostic
            } catch {
                finding = Diagnostic(.ioFailure, subject: id.prefixed, message: "not copied: \(error)",
                                     advice: "Check both stores, then replicate again: objects already copied are kept")
            }
            let (n, b) = state.withLock { s -> (Int, UInt64) in
                s.done += 1
                if let copiedBytes { s.copied += 1; s.bytes += copiedBytes; s.written.append((id, Int64(time(nil)))) }
                if let finding { s.findings.append(finding) }
                return (s.done, s.bytes)
            }
            progress?(n, b)
        }
        var report = ReplicationReport()
        state.withLock { s in
            report.copied = s.copied; report.copiedBytes = s.bytes; report.alreadyPresent = s.present; report.repaired = s.repaired
            report.written = s.written.sorted { $0.0 < $1.0 }
            findings += s.findings.sorted { ($0.subject ?? "") < ($1.subject ?? "") }
        }
        // What a damaged copy takes from the archive: the dossiers that use it, as for one lacking.
        if findings.contains(where: { $0.code.rawValue.hasPrefix("E5") }), SystemFile.exists(archive.catalogPath),
           let catalog = try? Catalog.open(path: archive.catalogPath, mode: .readOnly) {
            for i in findings.indices.prefix(1000) where findings[i].code.rawValue.hasPrefix("E5") {
                guard let id = findings[i].subject.flatMap({ ObjectID(hex: $0) }), let uses = try? catalog.uses(of: id), !uses.isEmpty else { continue }
                findings[i].name(users: uses)
            }
        }
        report.objects = ids.count
        report.findings = findings
        let ledger = Ledger(archive: archive)
        report.notCopied = findings.count
        if findings.isEmpty, !restoring, let head {
            // A head the destination keeps is only ever moved forward along this ledger; the
            // check and the write are one step under the destination's lock, if it has one.
            var kept: ObjectID?
            do {
                let written = try destination.mirrorHead(head) { existing in
                    kept = existing
                    guard let existing, existing != head else { return true }
                    return (try? ledger.reaches(existing, from: head)) ?? false
                }
                if written { report.headMirrored = head }
            } catch let e as HosoError {
                report.findings.append(e.diagnostic)
            }
            if report.headMirrored == nil, let kept, kept != head {
                report.findings.append(headNotMoved(kept, ours: head, ledger: ledger, at: destination))
            }
        }
        if findings.isEmpty, restoring {
            report.headRestore = try restoreHead(archive: archive, ledger: ledger, from: source, forward: forward, journal: journal, into: &report)
        }
        let lacking = lackingObjects(archive: archive, listed: all, broken: broken, unlisted: unlistedPrefixes,
                                     source: source, destination: destination, restoring: restoring, repair: repair)
        report.findings += lacking.findings
        report.notCopied += lacking.inNeither
        report.seconds = SystemFile.monotonic() - started
        return report
    }

    /// The objects the archive's catalog names (scans, XML, manifests, ledger entries) that the
    /// source did not list. Copying only what a store lists would make an incomplete replica, or
    /// an incomplete restore, look complete: each such object is named, with the dossiers that
    /// use it. Missing from both stores: E501. Restoring, where the archive still has it: the
    /// replica is incomplete (W515). Replicating, where only the replica has it: the archive's
    /// store lost it, and the replica can give it back (E501).
    static func lackingObjects(archive: Archive, listed: [ObjectID], broken: Set<ObjectID>, unlisted: Set<String>, source: any ObjectStore,
                               destination: any ObjectStore, restoring: Bool, repair: Bool = false) -> (findings: [Diagnostic], inNeither: Int) {
        guard SystemFile.exists(archive.catalogPath), let catalog = try? Catalog.open(path: archive.catalogPath, mode: .readOnly) else { return ([], 0) }
        var named: [ObjectID] = []
        guard (try? catalog.referencedObjects({ batch in for (id, _, _) in batch { named.append(id) } })) != nil else { return ([], 0) }
        let lacking = ObjectIDList(consume named).subtracting(ObjectIDList(listed))
        var findings: [Diagnostic] = []
        var inNeither = 0
        for id in lacking where !broken.contains(id) && !unlisted.contains(String(id.hex.prefix(2))) {
            let kind: String? = (try? catalog.objectKind(id)) ?? nil
            let what: String
            switch kind {
            case "ledger": what = "ledger entry"
            case "manifest": what = "manifest"
            default: what = "object"
            }
            var d: Diagnostic
            // A repair reads the archive's own copy of what the replica lacks: one that is
            // damaged is in no store intact, not "still there".
            let present = (try? destination.contains(id)) ?? false
            var ownFault: ObjectFault?
            if restoring && repair && present {
                do { _ = try destination.get(id) { _ in } } catch let f as ObjectFault where f.isDamage { ownFault = f } catch {}
            }
            switch (present, restoring) {
            case (true, true) where ownFault != nil:
                let fault = ownFault!
                inNeither += 1
                d = Diagnostic(fault.code, file: destination.displayPath(of: id), subject: id.prefixed,
                    message: "not restored: the archive's copy of \(what) \(id.short) is damaged (\(fault)), and \(source.location) lacks it: no store here holds it intact",
                    advice: "Restore it from another replica or backup that holds it ('hoso replicate --from OTHER --repair'), then run 'hoso verify'")
            case (true, true):
                d = Diagnostic(.replicaIncomplete, file: source.displayPath(of: id), subject: id.prefixed,
                    message: "the replica lacks \(what) \(id.short), which the archive's catalog names; the archive's own store still has it",
                    advice: "Bring the replica up to date: 'hoso replicate --to \(source.location)'")
            case (true, false):
                d = Diagnostic(.objectMissing, file: source.displayPath(of: id), subject: id.prefixed,
                    message: "\(what) \(id.short) is missing from the archive's store; \(destination.location) still holds a copy",
                    advice: "Restore it from there: 'hoso replicate --from \(destination.location)', then run 'hoso verify'")
            case (false, _):
                inNeither += 1
                d = Diagnostic(.objectMissing, file: destination.displayPath(of: id), subject: id.prefixed,
                    message: "not copied: \(what) \(id.short), which the archive's catalog names, is in neither \(source.location) nor \(destination.location)",
                    advice: "Restore it from another replica or backup that holds it ('hoso replicate --from OTHER'), then run 'hoso verify'")
            }
            if findings.count < 1000, let uses = try? catalog.uses(of: id) {
                d.name(users: uses)
            }
            findings.append(d)
        }
        return (findings, inNeither)
    }

    /// Why a replica's kept head was not replaced: it goes further than this archive's ledger
    /// (whose head was moved back), or it is another ledger's.
    static func headNotMoved(_ kept: ObjectID, ours head: ObjectID, ledger: Ledger, at destination: any ObjectStore) -> Diagnostic {
        if (try? ledger.reaches(head, from: kept)) == true {
            let n = (try? ledger.entry(kept).sequence).map { "entry \($0), " } ?? ""
            return Diagnostic(.ledgerHeadMirror, subject: kept.prefixed,
                message: "the ledger head kept at \(destination.location) (\(n)\(kept.short)) goes further than this archive's ledger, so it was left as it is: this archive's ledger/HEAD was moved back",
                expected: head.prefixed, found: kept.prefixed,
                advice: "If by mistake, 'hoso replicate --from \(destination.location) --restore-head' gives the head back; if on purpose, keep this replica as the record of the entries dropped and replicate into a new folder or bucket")
        }
        return Diagnostic(.ledgerHeadMirror, subject: kept.prefixed,
            message: "the ledger head kept at \(destination.location) (\(kept.short)) is not on this archive's ledger, so it was left as it is",
            expected: "an entry of this archive's ledger", found: kept.prefixed,
            advice: "The destination holds another archive's ledger or a fork of this one: replicate into a new folder or bucket")
    }

    /// The heads the archive's own records name: what its catalog and its index reflect, and what
    /// its last verify saw. Each was this archive's head once.
    static func recordedHeads(_ archive: Archive) -> [ObjectID] {
        var heads: [ObjectID] = []
        if SystemFile.exists(archive.catalogPath), let catalog = try? Catalog.open(path: archive.catalogPath, mode: .readOnly),
           let applied = try? catalog.appliedHead {
            heads.append(applied.id)
        }
        if let index = try? IndexSnapshot.readManifest(archive.indexFolder), let h = index.ledgerHead.flatMap({ ObjectID(hex: $0) }) {
            heads.append(h)
        }
        if let h = (try? AuditLog(archive: archive).allRecords())?.records.last(where: { $0.level != "restore" })?.ledgerHead.flatMap({ ObjectID(hex: $0) }) {
            heads.append(h)
        }
        return heads
    }

    /// After a complete restore, gives the archive back its ledger head where it was lost, or
    /// moved back while the archive's own records show it had gone further: the newest of the
    /// replica's head and those records' whose chain holds all the others. Never backwards,
    /// never onto another ledger; a forward move the archive's records do not call for (they
    /// agree with its head: a rollback on purpose?) only when asked (`forward`).
    static func restoreHead(archive: Archive, ledger: Ledger, from source: any ObjectStore, forward: Bool,
                            journal: RestoreJournal? = nil, into report: inout ReplicationReport) throws -> HeadRestore? {
        let theirs = try? source.mirroredHead()
        var ours: ObjectID?, unreadable = false
        do { ours = try ledger.head() } catch { unreadable = true }
        let recorded = recordedHeads(archive)
        // The same head on both sides, and no record of the archive's that extends it. (A head
        // put back to the replica's, where the catalog, index or audit log went further, is
        // not; a record behind it, such as the last verify's before an ingest, is no matter.)
        if let ours, ours == theirs, !recorded.contains(where: { $0 != ours && (try? ledger.reaches(ours, from: $0)) == true }) { return .same }
        // Every object was copied: the replica's entries are readable here now.
        var candidates: [ObjectID] = []
        for h in [ours, theirs].compactMap({ $0 }) + recorded where !candidates.contains(h) {
            if (try? ledger.entry(h)) != nil { candidates.append(h) }
        }
        // A head whose own entry cannot be read (lost or damaged, and reported so), which the
        // archive's records name too, is only ever replaced by one that extends it: any other
        // would take committed entries off the ledger. One that nothing else names (the HEAD
        // file's text damaged) is an unreadable head.
        if let lost = ours, !candidates.contains(lost) {
            if recorded.contains(lost) {
                candidates.removeAll { (try? ledger.reaches(lost, from: $0)) != true }
                if candidates.isEmpty {
                    report.findings.append(Diagnostic(.ledgerEntryMissing, file: "ledger/HEAD", subject: lost.prefixed,
                        message: "ledger/HEAD names entry \(lost.short), which cannot be read here (missing or damaged), and no head of the replica or of this archive's records extends it: ledger/HEAD was left as it is",
                        advice: "Restore that entry's object from another replica or a backup ('hoso replicate --from OTHER --repair'); never move the head back, which would take its dossiers off the ledger"))
                    return .headEntryLost(lost)
                }
            } else {
                ours = nil
                unreadable = true
            }
        }
        guard !candidates.isEmpty else {
            if ours == nil {
                report.findings.append(Diagnostic(.ledgerHeadMissing, file: "ledger/HEAD",
                    message: "ledger/HEAD is \(unreadable ? "unreadable" : "missing"), and neither the replica (made before replicas kept the head?) nor the catalog, index or audit log names an entry to restore",
                    advice: "Write the head of your last seal ('hoso seal' printed it) into ledger/HEAD, then run 'hoso verify'"))
                return .nothingToRestore
            }
            return nil
        }
        let best = candidates.first { c in candidates.allSatisfy { (try? ledger.reaches($0, from: c)) == true } }
        guard let best else {
            let other = theirs ?? candidates[0]
            report.findings.append(Diagnostic(.ledgerHeadMirror, subject: other.prefixed,
                message: "the replica's ledger head and this archive's \(ours == nil ? "records (catalog, index, audit log)" : "head") are on two ledgers that went apart; ledger/HEAD was \(ours == nil ? "not written" : "left as it is")",
                advice: "Compare the heads with your seals ('hoso verify --against SEAL'), then write the right one into ledger/HEAD and run 'hoso verify'"))
            return .diverged(other)
        }
        let sequence = try ledger.entry(best).sequence
        func write() throws {
            // The unreadable head is kept as found, beside the new one.
            if unreadable { try keepAside(archive.headPath, as: "unreadable") }
            // Noted first: a restore stopped right after is recorded with its head by the next.
            do { try journal?.movingHead(from: ours, to: best) } catch {
                FileHandle.standardError.write(Data("hoso: note: the head about to be written could not be noted in \(journal?.path ?? "the journal") (\(error)): if this restore is stopped before it ends, its new head is not recorded\n".utf8))
            }
            try SystemFile.writeAtomically(Array((best.prefixed + "\n").utf8), to: archive.headPath, likeItsFolder: true)
        }
        guard let ours else {
            try write()
            if !unreadable && recorded.isEmpty && best == theirs {
                // The archive took the replica's ledger: its catalog and index are built now,
                // under the lock the restore holds, so that the next command (verify first)
                // finds them. A replica whose ledger cannot be followed (an entry or a manifest
                // it lacks) is not adopted: the head is taken back and the reason said.
                do {
                    let catalog = try Catalog.open(path: archive.catalogPath, mode: .readWrite)
                    _ = try CatalogSync.catchUp(catalog, ledger: ledger)
                    _ = try IndexSync.catchUp(archive: archive)
                } catch {
                    // The archive held nothing before: what the catch-up made goes too.
                    for p in [archive.headPath, archive.catalogPath, archive.catalogPath + "-wal", archive.catalogPath + "-shm"] { unlink(p) }
                    try? FileManager.default.removeItem(atPath: archive.indexFolder)
                    var d = (error as? HosoError)?.diagnostic ?? Diagnostic(.ledgerEntryMissing, message: "\(error)", advice: "")
                    d.message = "the replica's ledger was not adopted (ledger/HEAD left unwritten): " + d.message
                    d.advice = "Restore from a complete replica; 'hoso verify --store \(source.location)' checks one"
                    report.findings.append(d)
                    return .nothingToRestore
                }
                return .adopted(best, sequence: sequence)
            }
            return .restored(best, sequence: sequence, fromReplica: best == theirs)
        }
        if best == ours { return theirs.map { .replicaBehind($0) } ?? .same }
        // The archive's own records went further than its head: it was moved back by mistake.
        let wentFurther = recorded.contains { $0 != ours && (try? ledger.reaches(ours, from: $0)) == true }
        guard wentFurther || forward else { return .replicaAhead(best, sequence: sequence) }
        try write()
        return .movedForward(from: ours, to: best, sequence: sequence)
    }
}

/// What a restore has written into the archive's store so far, one line an object, appended as
/// each lands (`audit/restore.journal`). A restore is recorded in the audit log when it ends; one
/// stopped before (killed, a power cut, Ctrl-C) leaves its journal, and the next restore, under
/// the same writer lock, records it first as a run of its own: what was mended is never left
/// out of the archive's evidence.
public final class RestoreJournal: @unchecked Sendable {
    public let path: String
    private let lock = NSLock()
    private var fd: Int32 = -1

    private let archive: Archive

    public init(archive: Archive) {
        self.archive = archive
        path = archive.auditFolder + "/restore.journal"
    }

    /// Starts the journal of a restore from `source` (the caller holds the writer lock and has
    /// recorded any journal left before).
    /// Who runs the restore, for its record.
    public var operatorName: String?
    private var lastSync = 0.0

    /// When this restore's journal was started: the start its audit record gives, by which a
    /// journal already recorded is known again (see `ReplicateCommand`).
    public private(set) var started: String?

    func start(source: String) throws {
        if !SystemFile.exists(SystemFile.parentFolder(path)) { try SystemFile.makeDirectories(SystemFile.parentFolder(path)) }
        let f = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard f >= 0 else { throw SystemError(errno: errno, operation: "open", path: path) }
        lock.lock(); fd = f; lock.unlock()
        _ = fchmod(f, SystemFile.mode(0o644, likeFolder: SystemFile.parentFolder(path)))
        let now = CanonicalJSON.timestamp()
        started = now
        try append("# restore from \(source) started \(now)" + (operatorName.map { " by \($0)" } ?? "") + "\n")
        try SystemFile.sync(f, path: path)
        try SystemFile.syncDirectory(SystemFile.parentFolder(path))
    }

    /// One object about to be written (a damaged copy replaced, or a missing one copied back).
    /// The line is in the kernel's hands when this returns (a killed process loses none), and
    /// on the disk within a second (a power cut loses at most the last second's lines).
    func wrote(_ id: ObjectID, at time: Int64, replaced: Bool) throws {
        try append("\(time) \(id.hex)\(replaced ? " replaced" : "")\n", sync: true)
    }

    /// The ledger head about to be written (nil `from`: missing or unreadable), on the disk
    /// when this returns.
    func movingHead(from: ObjectID?, to: ObjectID) throws {
        try append("head \(from?.prefixed ?? "-") \(to.prefixed)\n")
        lock.lock(); defer { lock.unlock() }
        if fd >= 0 { try SystemFile.sync(fd, path: path) }
    }

    private func append(_ line: String, sync: Bool = false) throws {
        lock.lock(); defer { lock.unlock() }
        guard fd >= 0 else { return }
        try Array(line.utf8).withUnsafeBytes { try SystemFile.write(fd, $0, path: path) }
        if sync, SystemFile.monotonic() - lastSync >= 1 {
            try SystemFile.sync(fd, path: path)
            lastSync = SystemFile.monotonic()
        }
    }

    /// Ends the journal of a restore recorded whole: removed.
    public func finish() {
        lock.lock(); defer { lock.unlock() }
        if fd >= 0 { close(fd); fd = -1 }
        unlink(path)
    }

    /// A journal left by a restore that did not end: its source, start, and the objects it wrote.
    public struct Left: Sendable {
        public var source: String
        public var started: String
        public var operatorName: String?
        public var written: [(ObjectID, Int64)]
        public var replaced: Int
        /// Their original content, in bytes.
        public var bytes: UInt64 = 0
        /// The ledger head it wrote (from nil: missing or unreadable), when the archive's head
        /// is that one now.
        public var headMoved: (from: ObjectID?, to: ObjectID)?
    }

    /// The journal a stopped restore left, if any: the objects it wrote, those of its lines
    /// that `store` holds (one being written when it stopped may not be there; a line cut short
    /// by a crash is skipped).
    public func left(in store: any ObjectStore) -> Left? {
        guard let bytes = try? SystemFile.readAll(path, limit: 1 << 30) else { return nil }
        var out = Left(source: "a replica", started: CanonicalJSON.timestamp(), operatorName: nil, written: [], replaced: 0)
        var seen = Set<ObjectID>()
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            if line.hasPrefix("# restore from ") {
                var rest = line.dropFirst("# restore from ".count)
                if let r = rest.range(of: " by ", options: .backwards), rest[..<r.lowerBound].contains(" started ") {
                    out.operatorName = String(rest[r.upperBound...]); rest = rest[..<r.lowerBound]
                }
                if let r = rest.range(of: " started ", options: .backwards) {
                    out.source = String(rest[..<r.lowerBound]); out.started = String(rest[r.upperBound...])
                }
                continue
            }
            let parts = line.split(separator: " ")
            if parts.count == 3, parts[0] == "head", parts[2].hasPrefix("sha256:"), let to = ObjectID(hex: parts[2].dropFirst(7)) {
                let from = parts[1].hasPrefix("sha256:") ? ObjectID(hex: parts[1].dropFirst(7)) : nil
                // (Or one that follows it: an ingest may have run since.)
                let ledger = Ledger(archive: archive)
                if let now = try? ledger.head(), now == to || (try? ledger.reaches(to, from: now)) == true { out.headMoved = (from, to) }
                continue
            }
            guard parts.count >= 2, let t = Int64(parts[0]), let id = ObjectID(hex: String(parts[1])), !seen.contains(id) else { continue }
            let replaced = parts.count == 3 && parts[2] == "replaced"
            // A copy in place (its name is only ever given to a whole file); one said to replace
            // a damaged copy is read whole: stopped before the damaged one was removed, it is
            // still that one, and nothing was mended.
            guard let info = replaced ? (try? store.get(id) { _ in }) .map({ ($0.originalSize) })
                                      : (try? store.header(id)).map({ $0.originalLength }) else { continue }
            seen.insert(id)
            out.written.append((id, t))
            out.bytes += info
            if replaced { out.replaced += 1 }
        }
        return out
    }
}
