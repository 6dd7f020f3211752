public import HosoCore
import HosoStore
import Foundation

/// The ingest ledger: entries are objects in the store, each naming the previous one; the file
/// `ledger/HEAD` names the newest, and replacing it is the single commit point of an ingest.
public struct Ledger: Sendable {
    public let archive: Archive

    public init(archive: Archive) { self.archive = archive }

    /// The newest entry, or nil for an archive where nothing was committed yet.
    /// - Throws: `HosoError` E601 when HEAD exists but does not name an object.
    public func head() throws -> ObjectID? {
        do { guard try SystemFile.existsOrFails(archive.headPath) else { return nil } } catch {
            throw HosoError(.ioFailure, file: "ledger/HEAD", message: "the ledger head cannot be looked up by this user: \(error.reason)",
                            advice: SystemFile.noPermissionAdvice)
        }
        let bytes: [UInt8]
        do { bytes = try SystemFile.readAll(archive.headPath, limit: 4096) } catch {
            if error.isPermissionDenied {
                throw HosoError(.ioFailure, file: "ledger/HEAD", message: "the ledger head cannot be read by this user: \(error.reason)",
                                advice: SystemFile.noPermissionAdvice)
            }
            throw HosoError(.ledgerHeadMissing, file: "ledger/HEAD", message: "the ledger head cannot be read: \(error.reason)",
                            advice: "Restore it with 'hoso replicate --from REPLICA' (a replica keeps the head), or from a backup, or write the hash of your last seal into it")
        }
        let text = String(decoding: bytes, as: UTF8.self).trimmingWhitespace
        guard let id = ObjectID(hex: text) else {
            throw HosoError(.ledgerHeadMissing, file: "ledger/HEAD", message: "the ledger head does not name an entry",
                            expected: "sha256:<64 hex digits>", found: String(text.prefix(80)),
                            advice: "Restore it with 'hoso replicate --from REPLICA' (a replica keeps the head), or from a backup, or write the hash of your last seal into it")
        }
        return id
    }

    /// Whether `ancestor` is on the chain from `head` back to the first entry (or is `head`).
    /// - Throws: when an entry on the way cannot be read.
    public func reaches(_ ancestor: ObjectID, from head: ObjectID) throws -> Bool {
        var current: ObjectID? = head
        while let id = current {
            if id == ancestor { return true }
            current = try entry(id).previous
        }
        return false
    }

    /// Reads and checks one entry (the read verifies the object; the JSON must be canonical).
    public func entry(_ id: ObjectID) throws -> LedgerEntry {
        let bytes: [UInt8]
        do { bytes = try archive.store.bytes(of: id, limit: 256 << 20) } catch let f as ObjectFault {
            if case .missing = f {
                throw HosoError(.ledgerEntryMissing, subject: id.prefixed, message: "ledger entry \(id.short) is missing from the store",
                                advice: "Restore the object from a replica ('hoso replicate --from REPLICA --repair') and run 'hoso verify'")
            }
            throw HosoError(Self.code(of: f, missing: .ledgerEntryMissing, damaged: .ledgerEntryMalformed), subject: id.prefixed,
                            message: "ledger entry \(id.short) \(f.isDamage ? "is damaged" : "cannot be read"): \(f)", advice: f.advice)
        }
        do {
            let e = try CanonicalJSON.decodeStrict(LedgerEntry.self, from: bytes)
            guard e.format == LedgerEntry.formatName, e.sequence >= 1 else { throw LedgerShape.badFormat }
            return e
        } catch {
            throw HosoError(.ledgerEntryMalformed, subject: id.prefixed, message: "ledger entry \(id.short) is not a well-formed entry: \(error is LedgerShape ? "it is not a ledger entry of this format" : CanonicalJSON.problem(error))",
                            advice: "The entry was not written by hoso; restore it from a replica")
        }
    }

    enum LedgerShape: Error { case badFormat }

    /// Whether `id` names an object the store holds intact that is no ledger entry (a scan, a
    /// manifest): derived data recording it as its position was edited, which says nothing of
    /// the ledger. An entry that is missing or damaged is not this: that is the ledger's loss.
    public func namesNoEntry(_ id: ObjectID) -> Bool {
        guard let bytes = try? archive.store.bytes(of: id, limit: 256 << 20) else { return false }
        guard let e = try? CanonicalJSON.decodeStrict(LedgerEntry.self, from: bytes) else { return true }
        return e.format != LedgerEntry.formatName
    }

    /// The code for a fault met reading a ledger object: a store that cannot be read or refuses
    /// access says so (E511, E513), rather than calling the object missing or damaged.
    static func code(of f: ObjectFault, missing: DiagnosticCode, damaged: DiagnosticCode) -> DiagnosticCode {
        switch f {
        case .missing: missing
        case .unreadable, .notPermitted, .accessDenied: f.code
        default: f.isDamage ? damaged : f.code
        }
    }

    /// The entries after `stop` up to `head`, oldest first (all of them when `stop` is nil).
    /// - Throws: `HosoError` when an entry is missing or malformed, the chain's sequence numbers
    ///   do not count down by one, or `stop` is never reached.
    public func chain(to head: ObjectID, after stop: ObjectID?) throws -> [(id: ObjectID, entry: LedgerEntry)] {
        var out: [(ObjectID, LedgerEntry)] = []
        var current: ObjectID? = head
        while let id = current, id != stop {
            let e = try entry(id)
            if let last = out.last, last.1.sequence != e.sequence + 1 {
                throw HosoError(.ledgerChainBroken, subject: id.prefixed,
                                message: "the ledger chain skips from entry \(last.1.sequence) to entry \(e.sequence)",
                                expected: "entry \(last.1.sequence - 1)", found: "entry \(e.sequence)",
                                advice: "An entry was removed or replaced; restore the ledger from a replica and compare with your seals")
            }
            if e.previous == nil && e.sequence != 1 {
                throw HosoError(.ledgerChainBroken, subject: id.prefixed,
                                message: "entry \(e.sequence) names no previous entry", advice: "Restore the ledger from a replica")
            }
            out.append((id, e))
            current = e.previous
        }
        if let stop, current != stop {
            throw HosoError(.catalogAhead, subject: stop.prefixed,
                            message: "entry \(stop.short) is not on the ledger's chain",
                            advice: Self.rolledBackAdvice)
        }
        return out.reversed()
    }

    /// How the search index is named in `entries(missingFrom:applied:)`.
    public static let searchIndex = "the search index"

    /// What to do when derived data (or a seal) records an entry the ledger does not reach.
    static let rolledBackAdvice = "The ledger may have been rolled back, or entries removed or replaced: compare it with your seals "
        + "('hoso verify --against SEAL'). To restore it, 'hoso replicate --from REPLICA --repair' brings back missing entries and "
        + "the head a replica keeps, where its ledger extends this one; else write the head your seal names (or the entry named above) "
        + "into ledger/HEAD. Then run 'hoso verify'. Only if the ledger is "
        + "right, 'hoso rebuild --discard-newer' recreates the catalog and index from it (the old catalog is kept aside)"

    /// The committed entries that derived data (`what`: the catalog, the search index) lacks,
    /// oldest first, given the entry it reflects (`applied`, nil: none yet), with the head.
    /// - Throws: `HosoError` E601 when `ledger/HEAD` is missing although `what` reflects an
    ///   entry (deleted, not an empty archive), E704 when that entry is not on the chain from
    ///   the head (the head moved back, or entries removed or replaced): derived data is never
    ///   rewritten to match a ledger that lost what it recorded.
    public func entries(missingFrom what: String, applied: (id: ObjectID, sequence: Int)?) throws
        -> (head: ObjectID?, entries: [(id: ObjectID, entry: LedgerEntry)]) {
        guard let head = try head() else {
            guard let applied else { return (nil, []) }
            throw HosoError(.ledgerHeadMissing, file: "ledger/HEAD",
                            message: "ledger/HEAD is missing, but \(what) reflects ledger entry \(applied.sequence) (\(applied.id.short))",
                            advice: "Restore ledger/HEAD from a replica ('hoso replicate --from REPLICA --repair' brings back the head it keeps) "
                                + "or a backup, or write the entry of your latest seal into it ('hoso seal' prints it), then run 'hoso verify'")
        }
        if applied?.id == head { return (head, []) }
        do {
            return (head, try chain(to: head, after: applied?.id))
        } catch let e as HosoError where e.code == .catalogAhead {
            let at = (try? entry(head).sequence).map { "entry \($0) (\(head.short))" } ?? head.short
            // The index's case has its own code (E705), as verify reports it.
            throw HosoError(what == Self.searchIndex ? .indexMismatch : .catalogAhead, subject: applied.map(\.id.prefixed),
                            message: "\(what) reflects ledger entry \(applied.map { "\($0.sequence) (\($0.id.short))" } ?? "?"), "
                                + "which the ledger does not reach from its head, \(at)",
                            advice: Self.rolledBackAdvice)
        }
    }

    /// Commits `entry`: stores it durably, then replaces `ledger/HEAD` atomically. After this
    /// returns, the entry and everything it references survive any crash.
    @discardableResult
    public func commit(_ entry: LedgerEntry) throws -> (id: ObjectID, size: UInt64) {
        // The entry follows the head this writer read: if the head moved meanwhile, a second
        // writer is at work (the lock file was deleted under the first), and committing would
        // drop one run's entries from the chain.
        let current = try head()
        guard current == entry.previous else {
            throw HosoError(.archiveLocked, file: archive.headPath,
                            message: "ledger/HEAD moved while this run was writing (from \(entry.previous?.short ?? "none") to \(current?.short ?? "none")): another writer is at work, though this one held the lock",
                            advice: "Something removed or replaced the archive's lock file: let the other writer finish, then run this command again (what this run committed before is kept); run 'hoso verify' after")
        }
        let bytes = try CanonicalJSON.encode(entry)
        let put = try archive.store.put(bytes: bytes, expected: nil)
        do {
            try SystemFile.writeAtomically(Array((put.id.prefixed + "\n").utf8), to: archive.headPath, likeItsFolder: true)
        } catch {
            // The entry is stored, not committed: verify will find it off the ledger (W612) for
            // as long as no later run commits the same entry. Said now, so that whoever reads
            // that warning months later can be told why.
            var d = error.diagnostic
            d.message = "ledger/HEAD could not be moved to ledger entry \(entry.sequence) (\(put.id.prefixed)), which is stored but not committed: \(d.message)"
            d.advice += "; 'hoso verify' will list that entry as W612 (in the store, not on the ledger) unless the run made again commits the same one: keep this message with the archive's records"
            throw HosoError(d)
        }
        mirrorHead(put.id)
        return (put.id, UInt64(bytes.count))
    }

    /// Copies the head to the store (S3: so the bucket alone can recover the archive). The
    /// commit has happened when this runs: a failure is a warning, and the next writer tries again.
    func mirrorHead(_ id: ObjectID) {
        do { try archive.store.mirrorHead(id) } catch {
            FileHandle.standardError.write(Data("hoso: warning: \(error)\n".utf8))
        }
    }

    /// Mirrors the head again when the store's copy is behind (called by writers at start).
    public func refreshMirroredHead() {
        guard archive.config.store != nil, let head = try? self.head() else { return }
        if (try? archive.store.mirroredHead()) != head { mirrorHead(head) }
    }

    /// The manifest stored under `id`, checked.
    public func manifest(_ id: ObjectID) throws -> Manifest { try manifestAndSize(id).manifest }

    /// The manifest stored under `id`, checked, with its size in bytes.
    public func manifestAndSize(_ id: ObjectID) throws -> (manifest: Manifest, size: Int) {
        let bytes: [UInt8]
        do { bytes = try archive.store.bytes(of: id, limit: 64 << 20) } catch let f as ObjectFault {
            throw HosoError(Self.code(of: f, missing: .manifestMissing, damaged: .manifestMalformed), file: archive.store.displayPath(of: id),
                            subject: id.prefixed, message: "manifest \(id.short): \(f)", advice: f.advice)
        }
        do {
            let m = try CanonicalJSON.decodeStrict(Manifest.self, from: bytes)
            guard m.format == Manifest.formatName, m.version >= 1 else { throw LedgerShape.badFormat }
            return (m, bytes.count)
        } catch {
            throw HosoError(.manifestMalformed, subject: id.prefixed, message: "manifest \(id.short) is not a well-formed manifest: \(CanonicalJSON.problem(error))",
                            advice: "The manifest was not written by hoso; restore it from a replica")
        }
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
