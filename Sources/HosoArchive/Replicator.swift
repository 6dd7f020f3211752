#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
public import HosoCore
public import HosoStore

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
    public var seconds = 0.0
}

/// A restore compares the archive's ledger head with the one its replica keeps.
public enum HeadRestore: Sendable, Equatable {
    /// The same head: nothing to do.
    case same
    /// The archive had no head (lost): the replica's was written.
    case restored(ObjectID, sequence: Int)
    /// The replica's ledger extends the archive's (its head was moved back): moved forward.
    case movedForward(from: ObjectID, to: ObjectID, sequence: Int)
    /// The archive's ledger extends the replica's (the replica is behind): left alone.
    case replicaBehind(ObjectID)
    /// Neither extends the other: left alone, reported.
    case diverged(ObjectID)
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
    public static func run(archive: Archive, from source: (any ObjectStore)? = nil, to destination: any ObjectStore, repair: Bool = false,
                           workers: Int = 8, progress: (@Sendable (Int, UInt64) -> Void)? = nil) throws -> ReplicationReport {
        let started = SystemFile.monotonic()
        let source = source ?? archive.store
        let restoring = source.location != archive.store.location
        // The head first: everything it reaches was stored before it was written.
        let head = try Ledger(archive: archive).head()
        var ids: [ObjectID] = []
        var findings: [Diagnostic] = []
        try source.list { entries in
            for e in entries {
                switch e {
                case let .object(id, _, _): ids.append(id)
                case let .notRegular(path, kind, _):
                    findings.append(Diagnostic(.objectNotRegular, file: path, message: "not copied: the store entry is \(kind)",
                                               advice: "Repair the source store, then replicate again"))
                case let .unlistable(path, _, reason):
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
            spool = archive.root + "/spool"
        }
        try SystemFile.makeDirectories(spool)
        if restoring {
            _ = try? SystemFile.removeTemporaries(in: spool)
        }
        defer { if ownSpool { _ = rmdir(spool) } }
        let state = Mutex((copied: 0, bytes: UInt64(0), present: 0, repaired: 0, done: 0, findings: [Diagnostic](), written: [(ObjectID, Int64)]()))
        Parallel.forEach(count: all.count, workers: workers) { i in
            let id = all[i]
            var finding: Diagnostic?
            var copiedBytes: UInt64?
            do {
                var present = try destination.contains(id)
                var damaged = false
                if present && repair {
                    do { _ = try destination.get(id) { _ in } } catch let f as ObjectFault {
                        switch f {
                        case .missing: present = false
                        case .unreadable, .accessDenied:         // not known to be damaged
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
        report.objects = ids.count
        report.findings = findings
        let ledger = Ledger(archive: archive)
        if findings.isEmpty, !restoring, let head {
            // A head the destination keeps is only ever moved forward along this ledger: one
            // that is not on it belongs to another archive (or a fork) and stays.
            let existing = try? destination.mirroredHead()
            if let existing, existing != head, !((try? ledger.reaches(existing, from: head)) ?? false) {
                report.findings.append(Diagnostic(.ledgerHeadMirror, subject: existing.prefixed,
                    message: "the ledger head kept at \(destination.location) (\(existing.short)) is not on this archive's ledger, so it was left as it is",
                    expected: "an entry of this archive's ledger", found: existing.prefixed,
                    advice: "The destination holds another archive's ledger or a fork of this one: replicate into a new folder or bucket"))
            } else {
                do {
                    try destination.mirrorHead(head)
                    if (try? destination.mirroredHead()) == head { report.headMirrored = head }
                } catch let e as HosoError {
                    report.findings.append(e.diagnostic)
                }
            }
        }
        if findings.isEmpty, restoring {
            report.headRestore = try restoreHead(archive: archive, ledger: ledger, from: source, into: &report)
        }
        report.seconds = SystemFile.monotonic() - started
        return report
    }

    /// After a complete restore, gives the archive back the ledger head its replica keeps where
    /// the archive's own was lost or moved back (the replica's ledger extends it); never where
    /// the archive is ahead, nor where the two ledgers went apart.
    static func restoreHead(archive: Archive, ledger: Ledger, from source: any ObjectStore,
                            into report: inout ReplicationReport) throws -> HeadRestore? {
        guard let theirs = try? source.mirroredHead() else { return nil }
        // A head that cannot be read is a lost one (E601): the replica's replaces it.
        let ours = try? ledger.head()
        if ours == theirs { return .same }
        // Every object was copied: the replica's entries are readable here now.
        let sequence: Int
        do { sequence = try ledger.entry(theirs).sequence } catch let e as HosoError {
            report.findings.append(e.diagnostic)
            return nil
        }
        func write() throws { try SystemFile.writeAtomically(Array((theirs.prefixed + "\n").utf8), to: archive.headPath) }
        guard let ours else {
            try write()
            return .restored(theirs, sequence: sequence)
        }
        if (try? ledger.reaches(ours, from: theirs)) == true {
            try write()
            return .movedForward(from: ours, to: theirs, sequence: sequence)
        }
        if (try? ledger.reaches(theirs, from: ours)) == true { return .replicaBehind(theirs) }
        report.findings.append(Diagnostic(.ledgerHeadMirror, subject: theirs.prefixed,
            message: "the replica's ledger head (\(theirs.short), entry \(sequence)) and this archive's (\(ours.short)) are on two ledgers that went apart; ledger/HEAD was left as it is",
            advice: "Compare both with your seals ('hoso verify --against SEAL'), then write the right one into ledger/HEAD and run 'hoso verify'"))
        return .diverged(theirs)
    }
}
