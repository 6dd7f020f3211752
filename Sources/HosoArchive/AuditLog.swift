import Foundation
public import HosoCore
import HosoStore

/// The audit log, kept outside `objects/`: one line per verification run, each naming the hash of
/// the line before it (so removing, reordering or editing a run is detectable), and for each run a
/// list of the objects it verified and when. Verify writes here and nowhere else.
///
/// ```
/// audit/log                         JSON lines, one per run
/// audit/runs/000012.txt             "<unix seconds> <object hex>" per object the run verified cleanly
/// audit/runs/000012-findings.jsonl  what the run found, one JSON line per finding (only when
///                                   it found something): code, object or file, the dossiers and
///                                   files that use the object, what was expected and found
/// audit/runs/000012-state.txt       a checkpoint (some budgeted runs): each object's last
///                                   verification by the runs up to the one it names, as the
///                                   lists say it, after "damaged <code> <run> <hex>" lines
///                                   (a full run that found nothing wrong names its own
///                                   list as its checkpoint)
/// ```
/// A record names its files with their SHA-256, so the evidence of what was damaged and where
/// cannot be edited unseen either.
public struct AuditLog {
    public struct Record: Codable, Sendable, Equatable {
        public var format = "hoso-audit/1"
        public var sequence: Int
        public var previous: String?
        public var started: String
        public var finished: String
        public var level: String
        public var budget: String?
        public var ledgerHead: String?
        public var objects: Int
        public var bytes: UInt64
        public var errors: Int
        public var warnings: Int
        public var codes: [String: Int]
        public var list: String
        public var listDigest: String
        public var seconds: Double
        /// The run's findings file and its SHA-256 (runs that found something, from 2026-11-30).
        public var findings: String? = nil
        public var findingsDigest: String? = nil
        /// A run that wrote into the store rather than verified it ("restore": objects copied
        /// back from a replica, each verified on the way): what was done, from where, by whom.
        public var note: String? = nil
        public var `operator`: String? = nil
        /// A checkpoint (from 2026-12-03): the file that says what the runs up to and including
        /// run `stateThrough` leave verified and damaged, and its SHA-256. Runs after it read it
        /// and the lists after `stateThrough`, not the whole history.
        public var state: String? = nil
        public var stateDigest: String? = nil
        public var stateThrough: Int? = nil
    }

    /// The log as a run reads it.
    public struct History: Sendable {
        /// The runs that count, in the log's order (a run whose list was altered or lost counts
        /// for nothing).
        public var records: [Record] = []
        /// What is wrong with the log.
        public var findings: [Diagnostic] = []
        /// The newest run that wrote a checkpoint whose file is intact, if any.
        public var checkpoint: Record?
        /// `records[start...]` are the runs after the checkpoint (all of them without one).
        public var start = 0
        /// What the checkpoint names found damaged or missing: the object, the code, the run.
        var checkpointDamage: [(id: ObjectID, code: String, run: Int)] = []
        /// Every record the log holds, by run (a checkpoint's damage names its runs).
        var bySequence: [Int: Record] = [:]
        /// The run of the log's last record when it was read (nil: none).
        public var lastRun: Int?

        /// The entries of the lists to read past the checkpoint.
        public var entriesSinceCheckpoint: Int { records[start...].reduce(0) { $0 + $1.objects } }
    }

    /// How much of the log a run checks.
    public enum Depth: Sendable {
        /// Every run's list and findings (a full verify, the history an auditor reads): whatever
        /// was altered anywhere in the log is found.
        case whole
        /// The runs after the newest intact checkpoint, and the checkpoint: what a quick or
        /// budgeted run and the coverage report read. The runs before it are taken from the
        /// checkpoint, so their files are not read, and their alteration is left to full runs.
        case sinceCheckpoint
    }

    /// The verification state a budgeted run computed before reading objects: written beside
    /// its record as a checkpoint when replaying the log costs more than reading one would.
    public struct Checkpoint: Sendable {
        /// The store's names and when each was last verified intact (`Int64.min`: not), side by side.
        public var names: [ObjectID]
        public var times: [Int64]
        public var damaged: [ObjectID: Damage]
        /// The last run the state covers.
        public var through: Int

        public init(names: [ObjectID], times: [Int64], damaged: [ObjectID: Damage], through: Int) {
            self.names = names; self.times = times; self.damaged = damaged; self.through = through
        }

        /// Worth writing: the lists a run replays past the last checkpoint hold at least as many
        /// entries as the store has objects (one checkpoint costs about one full run's list), so
        /// that the log any run reads stays within about twice the archive's size, however long
        /// its history.
        ///
        /// Never from a log with something wrong (a run whose list or findings could not be
        /// read would be left out of the state for good). An object the store did not list then
        /// (a folder that could not be read) loses its times: it is verified again sooner.
        public static func isDue(_ history: History, objects: Int) -> Bool {
            objects > 0 && history.findings.isEmpty && history.records.last != nil && history.entriesSinceCheckpoint >= objects
        }
    }

    /// One finding as the audit log keeps it (the advice, the same for every finding of a
    /// code, is in docs/errors.md).
    public struct Finding: Codable, Sendable, Equatable {
        public var code: String
        public var severity: String
        public var file: String?
        public var subject: String?
        public var message: String
        public var expected: String?
        public var found: String?
        public var usedBy: [ObjectUse]?

        init(_ d: Diagnostic) {
            code = d.code.rawValue; severity = d.severity.rawValue; file = d.file; subject = d.subject
            message = d.message; expected = d.expected; found = d.found; usedBy = d.usedBy
        }
    }

    /// The findings a run recorded, or why they cannot be shown.
    public func findings(of record: Record) -> (findings: [Finding], problem: Diagnostic?) {
        guard let name = record.findings else { return ([], nil) }
        let bytes: [UInt8]
        switch runFile(name) {
        case .success(let b): bytes = b
        case .failure(let e) where e.errno == ENOENT:
            return ([], Diagnostic(.auditLogBroken, file: "audit/" + name, subject: "run \(record.sequence)",
                                   message: "the findings of run \(record.sequence) are missing",
                                   advice: "Keep the log as evidence; the findings are also in the run's --report, if one was written"))
        case .failure(let e): return ([], Self.unreadable(e, "audit/" + name, "the findings of run \(record.sequence)", run: record.sequence))
        }
        guard ObjectID.hashing(bytes).prefixed == record.findingsDigest else {
            return ([], Diagnostic(.auditLogBroken, file: "audit/" + name, subject: "run \(record.sequence)",
                                   message: "the findings of run \(record.sequence) were altered",
                                   expected: record.findingsDigest, found: ObjectID.hashing(bytes).prefixed,
                                   advice: "Keep the log as evidence; the findings are also in the run's --report, if one was written"))
        }
        var out: [Finding] = []
        for line in bytes.split(separator: 0x0A) {
            guard let f = try? JSONDecoder().decode(Finding.self, from: Data(line)) else { continue }
            out.append(f)
        }
        return (out, nil)
    }

    public let folder: String
    var logPath: String { folder + "/log" }

    public init(archive: Archive) { folder = archive.auditFolder }

    /// The last run recorded, kept beside `audit/` (not in it): a log deleted or cut with its
    /// folder is then said, not silently begun again at run 1. A seal proves more; this catches
    /// a folder cleaned away as "just logs".
    var tailPath: String { SystemFile.parentFolder(folder) + "/audit.tail" }

    /// The run and record hash `audit.tail` names, if it can be read.
    public func recordedTail() -> (run: Int, hash: String)? {
        guard let bytes = try? SystemFile.readAll(tailPath, limit: 4096) else { return nil }
        let parts = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, let run = Int(parts[0]) else { return nil }
        return (run, String(parts[1]))
    }

    /// What `audit.tail` shows of the log's end: E903 when the log holds the run it names with
    /// another record (the newest record, which the log's own chain cannot protect, was
    /// edited); W904 when the log no longer holds that run (`audit/` deleted, cut, or put back
    /// from an older backup).
    public func tailFindings() -> [Diagnostic] {
        // A log that cannot be read is said by `read()`, not taken for one cut short.
        guard let tail = recordedTail(), let all = try? recordHashes() else { return [] }
        let now = all.last { $0.run == tail.run }
        if now?.hash == tail.hash { return [] }
        if let now {
            return [Diagnostic(.auditLogBroken, file: "audit/log", subject: "run \(tail.run)",
                message: "the record of audit run \(tail.run) is not the one written when the run was recorded (audit.tail keeps its hash): it was edited since",
                expected: tail.hash, found: now.hash,
                advice: "Compare audit/log with a backup or a copy of the archive: what run \(tail.run) found may have been hidden. The next recorded verify keeps this log aside and starts a new one")]
        }
        // A set-aside cut short (the damaged log renamed, no run recorded after it): the runs are
        // in the log kept aside, not lost.
        if all.isEmpty, let aside = try? SystemFile.listDirectory(folder).map(\.name).filter({ $0.hasPrefix("log.damaged-") }).max(),
           let bytes = try? SystemFile.readAll(folder + "/" + aside, limit: 1 << 30),
           Self.hashes(bytes).contains(where: { $0.run == tail.run && $0.hash == tail.hash }) {
            return [Diagnostic(.auditLogBehind, file: "audit/log", subject: "run \(tail.run)",
                message: "audit run \(tail.run), the last recorded, is in the log kept aside as audit/\(aside) (it was found damaged), and no run has been recorded since",
                expected: tail.hash, found: "no log",
                advice: "Nothing is lost: keep audit/\(aside) as the evidence of the runs before; the next recorded verify starts the new log")]
        }
        let what = all.last.map { "the audit log ends at run \($0.run): the runs after it, and what they found, were cut from it" }
            ?? "the audit log is gone or empty: the runs up to it, and what they found, are lost to this archive"
        return [Diagnostic(.auditLogBehind, file: "audit/log", subject: "run \(tail.run)",
            message: "audit run \(tail.run) was recorded, but \(what)",
            expected: tail.hash, found: "no such run",
            advice: "Restore audit/ from a backup or a copy of the archive (it is the evidence of past checks); if it was set aside on purpose, nothing to do: the next recorded run is the new tail")]
    }

    /// The SHA-256 of the line of run `sequence` (the last such line), or nil; with no sequence,
    /// of the last line, with its run.
    public func recordHash(run sequence: Int? = nil) throws(HosoError) -> (run: Int, hash: String)? {
        let all = try recordHashes()
        return sequence.map { n in all.last { $0.run == n } } ?? all.last
    }

    /// A file of `audit/runs/`, or why it cannot be read (ENOENT: it is not there).
    func runFile(_ name: String) -> Result<[UInt8], SystemError> {
        Result { () throws(SystemError) in try SystemFile.readAll(folder + "/" + name, limit: 1 << 32) }
    }

    /// What this user may not read (or the disk would not give): said as such, not as evidence
    /// removed or altered.
    /// A file replaced by a folder (or by what cannot be a file) is evidence removed: E903.
    static func unreadable(_ error: SystemError, _ file: String, _ what: String, run: Int? = nil) -> Diagnostic {
        if [EISDIR, ENOTDIR, ELOOP, EINVAL].contains(error.errno) {     // EINVAL: a FIFO, a device
            return Diagnostic(.auditLogBroken, file: file, subject: run.map { "run \($0)" },
                              message: "\(what) is not a file (\(error.reason)): it was replaced",
                              advice: "Keep the log as evidence and compare it with its copies; the next recorded verify keeps it aside and starts a new one")
        }
        return Diagnostic(.ioFailure, file: file, subject: run.map { "run \($0)" }, message: "\(what) cannot be read: \(error.reason)",
                          advice: error.isPermissionDenied ? SystemFile.noPermissionAdvice : error.diagnostic.advice)
    }

    /// The log's bytes, or nil when there is no log. A log (or `audit/`) this user may not read
    /// throws E406: it is not an empty history, and must not be said to be one.
    func logBytes() throws(HosoError) -> [UInt8]? {
        do {
            guard try SystemFile.existsOrFails(logPath) else { return nil }
            return try SystemFile.readAll(logPath, limit: 1 << 30)
        } catch {
            throw HosoError(Self.unreadable(error, "audit/log", "the audit log"))
        }
    }

    /// Each record's run and the SHA-256 of its line, in the log's order.
    func recordHashes() throws(HosoError) -> [(run: Int, hash: String)] {
        guard let bytes = try logBytes() else { return [] }
        return Self.hashes(bytes)
    }

    /// Each record of a log's bytes: its run and the SHA-256 of its line.
    static func hashes(_ bytes: [UInt8]) -> [(run: Int, hash: String)] {
        bytes.split(separator: 0x0A).compactMap { line in
            (try? JSONDecoder().decode(Record.self, from: Data(line))).map { ($0.sequence, ObjectID.hashing(Array(line)).prefixed) }
        }
    }

    /// The log's records, with the chain checked and the runs' files checked as deep as
    /// `depth` says: a problem is returned as findings, not thrown.
    public func read(_ depth: Depth = .whole) -> History {
        var h = History()
        let bytes: [UInt8]
        do {
            guard let b = try logBytes() else { return h }
            bytes = b
        } catch { return History(findings: [error.diagnostic]) }
        // The chain first, over every line (a line a run, small whatever the history).
        var parsed: [Record] = []
        var previousHash: String?
        var lastSequence = 0
        for (i, line) in bytes.split(separator: 0x0A).enumerated() {
            let lineBytes = Array(line)
            let hash = ObjectID.hashing(lineBytes).prefixed
            defer { previousHash = hash }
            guard let r = try? JSONDecoder().decode(Record.self, from: Data(lineBytes)) else {
                h.findings.append(Diagnostic(.auditLogBroken, file: "audit/log", line: i + 1, message: "line \(i + 1) is not an audit record",
                                             advice: "Keep the log as evidence; the chain restarts with the next run"))
                continue
            }
            // The first record names no predecessor; its number is 1, or follows the runs of a
            // damaged log put aside. Every later one follows the record before it.
            let first = i == 0
            if r.previous != previousHash || (!first && r.sequence != lastSequence + 1) {
                h.findings.append(Diagnostic(.auditLogBroken, file: "audit/log", line: i + 1, subject: "run \(r.sequence)",
                    message: "the audit log's chain is broken before run \(r.sequence)",
                    expected: "previous \(previousHash ?? "none")" + (first ? "" : ", run \(lastSequence + 1)"),
                    found: "previous \(r.previous ?? "none"), run \(r.sequence)",
                    advice: "A run was removed, reordered or edited; keep the log as evidence"))
            }
            lastSequence = r.sequence
            h.lastRun = r.sequence
            parsed.append(r)
            h.bySequence[r.sequence] = r
        }
        // The newest checkpoint whose file is as its run recorded it (one altered or lost is
        // evidence damaged, and an older one serves); the whole log's reading checks the older
        // ones too.
        for r in parsed.reversed() {
            guard let name = r.state, let digest = r.stateDigest, let through = r.stateThrough, through <= r.sequence else { continue }
            // A full run's own list is checked below, as its list.
            if h.checkpoint != nil && (depth == .sinceCheckpoint || name == r.list) { continue }
            let result = Result(catching: { () throws(SystemError) in try Self.readCheckpoint(folder + "/" + name) })
            if case .success(let (found, damage)) = result, found.prefixed == digest {
                if h.checkpoint == nil {
                    h.checkpoint = r
                    h.checkpointDamage = damage
                }
                continue
            }
            // A full run's own list: the run is then read past this checkpoint, and its list's
            // check below says what is wrong with it.
            if name == r.list { continue }
            if let problem = Self.problem(result.map(\.0), of: name, digest: digest, run: r.sequence,
                                          what: "the checkpoint written by run \(r.sequence) (what the runs up to \(through) left verified)",
                                          advice: "Keep the log as evidence; the runs' own lists are read instead") {
                h.findings.append(problem)
            }
        }
        let through = h.checkpoint?.stateThrough ?? Int.min
        for r in parsed {
            // A run the checkpoint covers is not read again (its list is taken from the
            // checkpoint), unless the whole log is asked for.
            if depth == .sinceCheckpoint && r.sequence <= through {
                h.records.append(r)
                continue
            }
            // (Read in blocks: a full run's list names every object of the archive.) A list that
            // cannot be read is no evidence lost, but the run counts for nothing here either.
            let listProblem = Self.problem(Result(catching: { () throws(SystemError) in try SystemFile.digestOrFail(folder + "/" + r.list).id }),
                                           of: r.list, digest: r.listDigest, run: r.sequence,
                                           what: "the list of objects verified by run \(r.sequence)",
                                           advice: "Keep the log as evidence; the objects will be verified again")
            if let listProblem { h.findings.append(listProblem) }
            let listIntact = listProblem == nil
            // Findings altered or removed: evidence lost, reported; the run's list still counts.
            if let problem = self.findings(of: r).problem { h.findings.append(problem) }
            // A run whose list cannot be trusted counts for nothing (coverage, the budget's order).
            if listIntact { h.records.append(r) }
        }
        h.start = h.records.firstIndex { $0.sequence > through } ?? h.records.count
        return h
    }

    /// What is wrong with a file of the run `run` whose SHA-256 its record names as `digest`,
    /// given the SHA-256 read (or why it could not be): altered or missing (E903), or not
    /// readable by this user; nil when it is as recorded.
    static func problem(_ read: Result<ObjectID, SystemError>, of name: String, digest: String, run: Int,
                        what: String, advice: String) -> Diagnostic? {
        switch read {
        case .success(let found) where found.prefixed == digest: return nil
        case .success(let found):
            return Diagnostic(.auditLogBroken, file: "audit/" + name, subject: "run \(run)", message: "\(what) was altered",
                              expected: digest, found: found.prefixed, advice: advice)
        case .failure(let e) where e.errno == ENOENT:
            return Diagnostic(.auditLogBroken, file: "audit/" + name, subject: "run \(run)", message: "\(what) is missing", advice: advice)
        case .failure(let e):
            return unreadable(e, "audit/" + name, what, run: run)
        }
    }

    /// A checkpoint's SHA-256, and the damage lines at its head ("damaged <code> <run> <hex>",
    /// before the "<unix seconds> <hex>" entries), read in one pass.
    static func readCheckpoint(_ path: String) throws(SystemError) -> (ObjectID, [(id: ObjectID, code: String, run: Int)]) {
        var hasher = ObjectHasher()
        var head: [UInt8] = []          // the bytes from the start, while every line is damage
        var inHead = true
        var from = 0                    // the start of the first line not yet looked at
        try SystemFile.forEachBlock(path) { block in
            hasher.update(block)
            guard inHead else { return }
            head.append(contentsOf: block)
            // Stop at the first whole line that is not damage.
            while let nl = head[from...].firstIndex(of: 0x0A) {
                if !head[from..<nl].starts(with: Self.damagePrefix) { head.removeSubrange(from...); inHead = false; return }
                from = nl + 1
            }
        }
        var damage: [(id: ObjectID, code: String, run: Int)] = []
        for line in head.split(separator: 0x0A) where line.starts(with: Self.damagePrefix) {
            let parts = line.split(separator: 0x20)
            guard parts.count == 4, let run = Int(String(decoding: parts[2], as: UTF8.self)),
                  let id = ObjectID(hex: String(decoding: parts[3], as: UTF8.self)) else { continue }
            damage.append((id, String(decoding: parts[1], as: UTF8.self), run))
        }
        return (hasher.finalize(), damage)
    }

    static let damagePrefix = Array("damaged ".utf8)

    /// Every record that can be read, whatever the state of its files (for the history an
    /// auditor reads: a run whose list was removed still says what it found), and the logs kept
    /// aside because they were damaged (`log.damaged-…`: their runs are there).
    /// - Throws: `HosoError` (E406) when the log exists but cannot be read.
    public func allRecords() throws -> (records: [Record], setAside: [String]) {
        var records: [Record] = []
        if let bytes = try logBytes() {
            for line in bytes.split(separator: 0x0A) {
                if let r = try? JSONDecoder().decode(Record.self, from: Data(line)) { records.append(r) }
            }
        }
        let aside = try (SystemFile.existsOrFails(folder) ? SystemFile.listDirectory(folder) : []).map(\.name).filter { $0.hasPrefix("log.damaged-") }.sorted()
        return (records, aside)
    }

    /// The codes of an object found damaged or missing (the store's faults that are damage).
    static let damageCodes: Set<String> = ["E501", "E502", "E503", "E504", "E505", "E506", "E507", "E508"]

    /// An object found damaged or missing: the finding's code and the run that found it first
    /// (since it was last verified intact).
    public typealias Damage = (code: String, run: Record)

    /// When each of `names` was last verified intact (`Int64.min`: never, or found damaged or
    /// missing by a later run), side by side with `names`, and the objects whose last check
    /// found them damaged or missing, each with the first run that found it since it was last
    /// verified intact (a repair's restore verifies it again).
    ///
    /// 8 bytes a name, where a dictionary of every verified object took about 55: the
    /// checkpoint and the runs' lists after it are read in blocks, a chunk of entries at a time,
    /// sorted and merged into `names`.
    public func verificationState(_ history: History, of names: [ObjectID]) -> (verified: [Int64], damaged: [ObjectID: Damage]) {
        let damage = damageEvents(history)
        var times = [Int64](repeating: .min, count: names.count)
        // `names` in order (a store lists them so), or a permutation that orders them.
        let order: [Int]? = names.isStrictlyIncreasing ? nil : names.indices.sorted { names[$0] < names[$1] }
        var lastVerified: [ObjectID: Int] = [:]
        times.withUnsafeMutableBufferPointer { times in
            names.withUnsafeBufferPointer { names in
                // Entries of run `i` (the checkpoint's count as the run just before the first
                // after it): each object's latest time, unless damage found since took it back.
                func merge(_ chunk: inout [(id: ObjectID, time: Int64)], run i: Int) {
                    damage.noteVerified(chunk, run: i, in: &lastVerified)
                    chunk.sort { $0.id < $1.id }
                    var k = 0      // the first name, in order, not below the chunk's current entry
                    for e in chunk where !damage.cancels(e.id, verifiedIn: i) {
                        k = Self.lowerBound(e.id, in: names, order: order, from: k)
                        guard k < names.count else { break }
                        let at = order?[k] ?? k
                        if names[at] == e.id, e.time > times[at] { times[at] = e.time }
                    }
                }
                if let state = history.checkpoint?.state {
                    forEachEntry(of: state) { merge(&$0, run: history.start - 1) }
                }
                for i in history.start..<history.records.count {
                    forEachEntry(of: history.records[i].list) { merge(&$0, run: i) }
                }
            }
        }
        return (times, damage.outstanding(lastVerified: lastVerified))
    }

    /// The objects whose last check found them damaged or missing, as `verificationState`
    /// gives them; only the lists of runs from the first that found damage on (after the
    /// checkpoint) are read (a quick run, which needs nothing else).
    public func knownDamage(_ history: History) -> [ObjectID: Damage] {
        let damage = damageEvents(history)
        guard let first = damage.events.first?.run else { return [:] }
        var lastVerified: [ObjectID: Int] = [:]
        for i in max(first, history.start)..<history.records.count {
            forEachEntry(of: history.records[i].list) { chunk in damage.noteVerified(chunk, run: i, in: &lastVerified) }
        }
        return damage.outstanding(lastVerified: lastVerified)
    }

    /// What the runs found damaged or missing, in the log's order (few: damage is rare).
    struct DamageEvents {
        /// `run` is the run's place among the records read (-1: found before the checkpoint).
        var events: [(run: Int, id: ObjectID, code: String, record: Record)] = []
        /// The last run that found each object damaged or missing.
        var lastRun: [ObjectID: Int] = [:]

        /// A check of `id` in run `run` that a later finding (or one of the same run: a run's
        /// list is taken before its findings) took back.
        @inline(__always) func cancels(_ id: ObjectID, verifiedIn run: Int) -> Bool {
            guard !lastRun.isEmpty, let last = lastRun[id] else { return false }
            return run <= last
        }

        /// Keeps the last run that verified each object ever found damaged.
        func noteVerified(_ chunk: [(id: ObjectID, time: Int64)], run: Int, in last: inout [ObjectID: Int]) {
            guard !lastRun.isEmpty else { return }
            for e in chunk where lastRun[e.id] != nil { last[e.id] = run }
        }

        /// Each object's first finding after (or in) the last run that verified it intact.
        func outstanding(lastVerified: [ObjectID: Int]) -> [ObjectID: Damage] {
            var out: [ObjectID: Damage] = [:]
            for e in events where out[e.id] == nil && e.run >= lastVerified[e.id] ?? -1 {
                out[e.id] = (e.code, e.record)
            }
            return out
        }
    }

    /// The damage the checkpoint carries (outstanding when it was written: no entry of it says
    /// the object verified), then what the runs after it found.
    func damageEvents(_ history: History) -> DamageEvents {
        var d = DamageEvents()
        if let checkpoint = history.checkpoint {
            for e in history.checkpointDamage {
                d.events.append((-1, e.id, e.code, history.bySequence[e.run] ?? checkpoint))
                d.lastRun[e.id] = -1
            }
        }
        for i in history.start..<history.records.count {
            let r = history.records[i]
            for (id, code) in damage(of: r) {
                d.events.append((i, id, code, r))
                d.lastRun[id] = i
            }
        }
        return d
    }

    /// In `names` taken in order (through `order` where given), the first place from `start`
    /// whose name is not below `id`: a gallop, then a binary search (a sorted chunk's entries
    /// are near one another in a full run's list, far apart in a small one's).
    @inline(__always)
    static func lowerBound(_ id: ObjectID, in names: UnsafeBufferPointer<ObjectID>, order: [Int]?, from start: Int) -> Int {
        @inline(__always) func name(_ k: Int) -> ObjectID { names[order?[k] ?? k] }
        var low = start, high = start, step = 1
        while high < names.count && name(high) < id { low = high + 1; high += step; step <<= 1 }
        return (low..<min(high, names.count)).sortedLowerBound(id) { name($0) }
    }

    /// The objects run `r` lists (verified intact, or written back by a restore).
    public func objects(of r: Record) -> Set<ObjectID> {
        var out = Set<ObjectID>()
        forEachEntry(of: r.list) { chunk in for e in chunk { out.insert(e.id) } }
        return out
    }

    /// The entries of a run's list (objects verified intact, with when) or of a checkpoint,
    /// handed over a chunk at a time (in the file's order; the chunk may be reordered by the
    /// callee). A line that is no entry is passed over: the file's digest, checked by `read()`,
    /// says whether it was altered.
    private func forEachEntry(of name: String, _ body: (inout [(id: ObjectID, time: Int64)]) -> Void) {
        var chunk: [(id: ObjectID, time: Int64)] = []
        chunk.reserveCapacity(Self.chunkSize)
        try? SystemFile.forEachLine(folder + "/" + name) { line in
            guard let entry = Self.entry(line) else { return }
            chunk.append(entry)
            if chunk.count == Self.chunkSize { body(&chunk); chunk.removeAll(keepingCapacity: true) }
        }
        if !chunk.isEmpty { body(&chunk) }
    }

    /// Entries of a run's list handled at once: 2.5 MB.
    static let chunkSize = 1 << 16

    /// "<unix seconds> <64 hex digits>", or nil.
    static func entry(_ line: UnsafeRawBufferPointer) -> (id: ObjectID, time: Int64)? {
        guard line.count > 65, line[line.count - 65] == 0x20,
              let id = ObjectID(hexDigits: UnsafeRawBufferPointer(rebasing: line[(line.count - 64)...])) else { return nil }
        var t: Int64 = 0, negative = false, i = 0
        if line[0] == UInt8(ascii: "-") { negative = true; i = 1 }
        guard i < line.count - 65 else { return nil }
        while i < line.count - 65 {
            let c = line[i]
            guard c >= 0x30 && c <= 0x39 else { return nil }
            let (m, over) = t.multipliedReportingOverflow(by: 10)
            let (sum, over2) = m.addingReportingOverflow(Int64(c - 0x30))
            guard !over && !over2 else { return nil }
            t = sum
            i += 1
        }
        return (id, negative ? -t : t)
    }

    /// The codes of damage a run counts: not an object that could not be read (E511/E513), nor
    /// a quick run's size differing from the catalog's record, which may be the catalog's edit.
    private func damage(in r: Record) -> Set<String> {
        let codes = r.level == "quick" ? Self.damageCodes.subtracting(["E506"]) : Self.damageCodes
        return codes.intersection(r.codes.keys)
    }

    /// The objects run `r` found damaged or missing, with the code (its findings file is read
    /// only when its counts name such codes).
    private func damage(of r: Record) -> [(ObjectID, String)] {
        let codes = damage(in: r)
        guard !codes.isEmpty else { return [] }
        return findings(of: r).findings.compactMap { f in
            guard codes.contains(f.code), let id = f.subject.flatMap({ ObjectID(hex: $0) }) else { return nil }
            return (id, f.code)
        }
    }

    /// Puts a damaged log aside (`log.damaged-<time>`, kept as evidence) so that the next
    /// record starts a new chain; returns the name it was given.
    public func setAside() throws -> String {
        let aside = try keepAside(logPath, as: "damaged")
        try SystemFile.syncDirectory(folder)
        return String(aside.dropFirst(folder.count + 1))      // log.damaged-<time>
    }

    /// The sequence number and hash of the log's last line, if it is a record.
    func lastLine() throws -> (sequence: Int, hash: String)? {
        guard let bytes = try logBytes() else { return nil }
        guard let last = bytes.split(separator: 0x0A).last else { return nil }
        let hash = ObjectID.hashing(Array(last)).prefixed
        guard let r = try? JSONDecoder().decode(Record.self, from: Data(last)) else { return (0, hash) }
        return (r.sequence, hash)
    }

    /// Writes a run's list, "<unix seconds> <hex>" a line, atomically and durably, through a
    /// 1 MB buffer (a full run lists every object: 300 MB at a million dossiers, never held
    /// whole); returns its SHA-256.
    /// - Parameter head: lines written before the entries (a checkpoint's damage).
    static func writeList(_ entries: some Sequence<(ObjectID, Int64)>, head: [UInt8] = [], to path: String) throws(SystemError) -> ObjectID {
        var hasher = ObjectHasher()
        let capacity = 1 << 20
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        try SystemFile.writeAtomically(to: path, mode: 0o444, likeItsFolder: true) { (write: (UnsafeRawBufferPointer) throws(SystemError) -> Void) throws(SystemError) in
            var n = 0
            func flush() throws(SystemError) {
                let piece = UnsafeRawBufferPointer(start: buffer, count: n)
                hasher.update(piece)
                try write(piece)
                n = 0
            }
            // (Through the buffer: a closure handed to `withUnsafeBytes` cannot throw typed.)
            for byte in head {
                if n == capacity { try flush() }
                buffer[n] = byte
                n += 1
            }
            for (id, t) in entries {
                if n > capacity - 96 { try flush() }
                n += DecimalDigits.write(t, to: buffer + n)
                buffer[n] = 0x20
                id.writeHex(to: buffer + n + 1)
                buffer[n + 65] = 0x0A
                n += 66
            }
            try flush()
        }
        return hasher.finalize()
    }

    /// Appends a run: its list first (durably), then its record line (durably), one run at a time.
    /// - Parameter setAsideIfDamaged: the run found the log damaged (and reported it): unless a
    ///   run that ended meanwhile did so, the damaged log is kept aside and a new chain starts,
    ///   so that later runs are not failed by it again.
    /// - Parameter checkpoint: the state the run read, to be written as a checkpoint (only if
    ///   no run was recorded since `checkpoint.through`).
    /// - Parameter listIsCheckpoint: the run's list is the state it leaves (a full run that found
    ///   nothing wrong): so recorded only if the log's last run is still `lastRunRead`, the one
    ///   it was when the run read the log.
    /// - Returns: the record, and the name the damaged log was kept under, if this run did it.
    public func append(level: String, budget: String?, ledgerHead: String?, started: String, seconds: Double,
                       verified: some Collection<(ObjectID, Int64)>, bytes: UInt64, findings: [Diagnostic],
                       setAsideIfDamaged: Bool, note: String? = nil, operatorName: String? = nil,
                       checkpoint: Checkpoint? = nil, listIsCheckpoint: Bool = false, lastRunRead: Int? = nil) throws -> (record: Record, setAside: String?) {
        if !SystemFile.exists(folder + "/runs") {
            try SystemFile.makeDirectories(folder)
            try SystemFile.makeDirectory(folder + "/runs", likeParent: true)
        }
        // Verify takes no writer lock, so two runs may end together: they append in turn, each
        // numbering itself after the line it reads last.
        let lock = try SystemFile.lockExclusively(folder + "/.lock")
        defer { SystemFile.closeDescriptor(lock) }
        // Temp files of runs that died while writing here (only runs holding this lock write here).
        _ = try? SystemFile.removeTemporaries(in: folder + "/runs")
        _ = try? SystemFile.removeTemporaries(in: folder)
        var setAside: String?
        // Only damage (E903) is set aside; a log that cannot be read (E406) stops the recording
        // below, untouched.
        // A newest record edited since it was written is never chained onto, whoever records
        // (a restore too): that would make the forgery an ordinary record inside the chain.
        let tailEdited = tailFindings().contains { $0.code == .auditLogBroken }
        if tailEdited || (setAsideIfDamaged && read().findings.contains(where: { $0.code == .auditLogBroken })) { setAside = try self.setAside() }
        let last = try lastLine()
        // The run after the log's last line; a new log (none yet, or a damaged one set aside)
        // goes on after every list there is, so that no list is ever replaced.
        let listed = (try? SystemFile.listDirectory(folder + "/runs"))?.compactMap { Int($0.name.prefix { $0.isNumber }) }.max() ?? 0
        let sequence = (last.map(\.sequence).flatMap { $0 > 0 ? $0 : nil } ?? listed) + 1
        let listName = String(format: "runs/%06d.txt", sequence)
        // A list without its line: a run stopped between the two writes. Kept aside as it is.
        if SystemFile.exists(folder + "/" + listName) { try keepAside(folder + "/" + listName, as: "interrupted") }
        let listDigest = try Self.writeList(verified, to: folder + "/" + listName)
        var codes: [String: Int] = [:]
        for f in findings { codes[f.code.rawValue, default: 0] += 1 }
        let previous = last?.hash
        var record = Record(sequence: sequence, previous: previous, started: started, finished: CanonicalJSON.timestamp(),
                            level: level, budget: budget, ledgerHead: ledgerHead, objects: verified.count, bytes: bytes,
                            errors: findings.filter { $0.severity == .error }.count,
                            warnings: findings.filter { $0.severity == .warning }.count,
                            codes: codes, list: listName, listDigest: listDigest.prefixed,
                            seconds: (seconds * 1000).rounded() / 1000)
        record.note = note
        record.operator = operatorName
        // A full run that found nothing wrong: its list is the state it leaves (an object it did
        // not list is not in the store, and no damage is outstanding), unless a run recorded
        // since it read the log found something (or verified what was added meanwhile).
        if listIsCheckpoint, setAside == nil, last?.sequence == lastRunRead {
            record.state = listName
            record.stateDigest = listDigest.prefixed
            record.stateThrough = sequence
        }
        // Only right after the run it covers: not onto a new log (the runs it covers are in the
        // log kept aside), nor past a run recorded meanwhile (the next checkpoint will be).
        if let checkpoint, !listIsCheckpoint, setAside == nil, last?.sequence == checkpoint.through {
            let name = String(format: "runs/%06d-state.txt", sequence)
            if SystemFile.exists(folder + "/" + name) { try keepAside(folder + "/" + name, as: "interrupted") }
            var head: [UInt8] = []
            for (id, d) in checkpoint.damaged.sorted(by: { $0.key < $1.key }) {
                head += Array("damaged \(d.code) \(d.run.sequence) \(id.hex)\n".utf8)
            }
            let entries = zip(checkpoint.names, checkpoint.times).lazy.filter { $0.1 != Int64.min }
            record.state = name
            record.stateDigest = try Self.writeList(entries, head: head, to: folder + "/" + name).prefixed
            record.stateThrough = checkpoint.through
        }
        if !findings.isEmpty {
            var lines = [UInt8]()
            for f in findings { lines += try CanonicalJSON.encode(Finding(f)) + [0x0A] }
            let name = String(format: "runs/%06d-findings.jsonl", sequence)
            if SystemFile.exists(folder + "/" + name) { try keepAside(folder + "/" + name, as: "interrupted") }
            try SystemFile.writeAtomically(lines, to: folder + "/" + name, mode: 0o444, likeItsFolder: true)
            record.findings = name
            record.findingsDigest = ObjectID.hashing(lines).prefixed
        }
        let line = try CanonicalJSON.encode(record) + [0x0A]
        let isNew = !SystemFile.exists(logPath)
        let fd = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError(errno: errno, operation: "open", path: logPath) }
        defer { close(fd) }
        // Readable as the archive's folders say, whatever the umask (SystemFile.mode(_:likeFolder:)).
        if isNew { _ = fchmod(fd, SystemFile.mode(0o644, likeFolder: folder)) }
        try line.withUnsafeBytes { try SystemFile.write(fd, $0, path: logPath) }
        try SystemFile.sync(fd, path: logPath)
        try SystemFile.syncDirectory(folder)
        // The run is recorded once its line is synced; the tail beside the log only helps notice
        // a log deleted later, so failing to write it is said, not a failure of the run.
        do {
            try SystemFile.writeAtomically(Array("\(sequence) \(ObjectID.hashing(Array(line.dropLast())).prefixed)\n".utf8), to: tailPath, likeItsFolder: true)
        } catch {
            FileHandle.standardError.write(Data("hoso: warning: audit.tail could not be written (\(error)); the run is recorded in audit/log\n".utf8))
        }
        return (record, setAside)
    }
}

/// A seal: the ledger head with what it covers, printed by `hoso seal` for an auditor to keep
/// outside the archive. `hoso verify --against` proves later that the ledger extends it.
public struct Seal: Codable, Sendable, Equatable {
    public var format = "hoso-seal/1"
    public var head: String
    public var sequence: Int
    public var sealedAt: String
    public var dossiers: Int
    public var versions: Int
    public var objects: Int
    public var bytes: Int64
    /// The audit log's last run when sealed, and the SHA-256 of its line: the log's tail, which
    /// its own chain cannot protect, is anchored outside the archive with the ledger's head.
    public var auditRun: Int?
    public var auditRecord: String?
    /// The ledger entry the counts are of: the catalog's, which lags the head while a writer is
    /// at work (absent from seals made before it was recorded).
    public var countsAsOf: Int?

    public init(head: String, sequence: Int, sealedAt: String, dossiers: Int, versions: Int, objects: Int, bytes: Int64,
                auditRun: Int? = nil, auditRecord: String? = nil, countsAsOf: Int? = nil) {
        self.head = head; self.sequence = sequence; self.sealedAt = sealedAt; self.dossiers = dossiers
        self.versions = versions; self.objects = objects; self.bytes = bytes
        self.auditRun = auditRun; self.auditRecord = auditRecord; self.countsAsOf = countsAsOf
    }

    /// Reads a seal: a JSON receipt as `hoso seal --json` prints it, or its text form, or a bare
    /// `sha256:…` head.
    public static func parse(_ text: String) throws -> Seal {
        let trimmed = text.trimmingWhitespace
        if let id = ObjectID(hex: trimmed) {
            return Seal(head: id.prefixed, sequence: 0, sealedAt: "", dossiers: 0, versions: 0, objects: 0, bytes: 0)
        }
        if let s = try? JSONDecoder().decode(Seal.self, from: Data(trimmed.utf8)), s.format == "hoso-seal/1", ObjectID(hex: s.head) != nil {
            return s
        }
        // The text form: "head: sha256:…" and "entry: N" lines.
        var head: String?, sequence = 0, auditRun: Int?, auditRecord: String?
        for line in trimmed.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if parts[0] == "ledger head", ObjectID(hex: parts[1]) != nil { head = parts[1] }
            if parts[0] == "ledger entry" { sequence = Int(parts[1]) ?? 0 }
            if parts[0] == "audit run" {
                // "12 sha256:…"
                let words = parts[1].split(separator: " ")
                if words.count == 2, let n = Int(words[0]), ObjectID(hex: String(words[1])) != nil { auditRun = n; auditRecord = String(words[1]) }
            }
        }
        guard let head else {
            throw HosoError(.sealMalformed, message: "the seal cannot be read", expected: "the output of 'hoso seal' (text or --json), or a sha256:… ledger head",
                            found: String(trimmed.prefix(80)), advice: "Give the seal exactly as 'hoso seal' printed it")
        }
        return Seal(head: head, sequence: sequence, sealedAt: "", dossiers: 0, versions: 0, objects: 0, bytes: 0,
                    auditRun: auditRun, auditRecord: auditRecord)
    }
}

/// Renames `path` to `path.LABEL-<time>`, never over anything: what was found there is kept as
/// evidence beside what replaces it. Returns the new path.
@discardableResult
func keepAside(_ path: String, as label: String) throws -> String {
    let aside = path + "." + label + "-" + CanonicalJSON.timestamp().replacingOccurrences(of: ":", with: "")
    try LocalObjectStore.renameNoReplace(path, aside)
    return aside
}
