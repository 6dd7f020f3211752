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
    public var seconds = 0.0
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
        if findings.isEmpty, !restoring, let head {
            try destination.mirrorHead(head)
            if !(destination is LocalObjectStore) { report.headMirrored = head }
        }
        report.seconds = SystemFile.monotonic() - started
        return report
    }
}
