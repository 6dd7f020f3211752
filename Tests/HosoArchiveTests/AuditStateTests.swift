import Foundation
import Testing
@testable import HosoArchive
import HosoCore
import HosoTestSupport

/// What the audit log says of each object: read from the runs' lists a chunk at a time and
/// merged into the store's listing, it must say what a plain replay of the log, run by run,
/// says (the dictionary the log was read into before).
@Suite struct AuditStateTests {
    /// The replay, as the log defines it: a run's list sets each object's last check (the
    /// later time wins); then its findings of damage take the object's checks back and mark it
    /// damaged, by the first run that found it, until a later run verifies it again.
    static func replay(_ log: AuditLog, _ records: [AuditLog.Record]) -> (verified: [ObjectID: Int64], damaged: [ObjectID: (code: String, run: Int)]) {
        var verified: [ObjectID: Int64] = [:]
        var damaged: [ObjectID: (code: String, run: Int)] = [:]
        for r in records {
            let path = log.folder + "/" + r.list
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ")
                guard parts.count == 2, let t = Int64(parts[0]), let id = ObjectID(hex: parts[1]) else { continue }
                if t > verified[id] ?? Int64.min { verified[id] = t }
                damaged[id] = nil
            }
            let codes = (r.level == "quick" ? AuditLog.damageCodes.subtracting(["E506"]) : AuditLog.damageCodes).intersection(r.codes.keys)
            for f in log.findings(of: r).findings where codes.contains(f.code) {
                guard let id = f.subject.flatMap({ ObjectID(hex: $0) }) else { continue }
                verified[id] = nil
                if damaged[id] == nil { damaged[id] = (f.code, r.sequence) }
            }
        }
        return (verified, damaged)
    }

    static func id(_ i: Int) -> ObjectID { ObjectID.hashing(Array("object \(i)".utf8)) }

    static func damage(_ id: ObjectID, _ code: DiagnosticCode) -> Diagnostic {
        Diagnostic(code, file: "objects/x", subject: id.prefixed, message: "found so in a test", advice: "none")
    }

    /// Random runs over 200 objects (full, quick and budgeted ones, restores, damage found and
    /// mended, an object verified twice in one list), the listing given in order and shuffled;
    /// with `checkpoints`, some runs also write the state they read as a checkpoint, and the log
    /// read from the newest must say what the replay of every run says.
    @Test(arguments: [(1, false), (2, false), (3, false), (4, false), (5, false), (6, false),
                      (1, true), (2, true), (3, true), (4, true), (5, true), (6, true), (7, true), (8, true)])
    func chunksMergedIntoTheListingSayWhatTheReplaySays(seed: Int, checkpoints: Bool) throws {
        var rng = SplitMix(seed: UInt64(seed))
        let t = TemporaryFolder()
        let archive = try Archive.create(at: t.sub("archive"))
        let log = AuditLog(archive: archive)
        let objects = (0..<200).map(Self.id)
        var written = 0
        for run in 0..<12 {
            let level = ["full", "quick", "budget", "restore"][Int(rng.next() % 4)]
            let time = Int64(1_780_000_000 + Int(rng.next() % 50_000))
            var listed: [(ObjectID, Int64)] = []
            if level != "quick" {
                for o in objects where rng.next() % 3 == 0 { listed.append((o, level == "restore" ? time - Int64(rng.next() % 100) : time)) }
                if let again = listed.first { listed.append((again.0, again.1 + 7)) }
            }
            var findings: [Diagnostic] = []
            for _ in 0..<Int(rng.next() % 4) {
                let o = objects[Int(rng.next() % 200)]
                let codes: [DiagnosticCode] = [.objectMissing, .objectHashMismatch, .objectSizeMismatch, .objectTruncated]
                findings.append(Self.damage(o, codes[Int(rng.next() % 4)]))
            }
            // A damaged object also in the same run's list: the finding comes after.
            if run == 5, let first = listed.first { findings.append(Self.damage(first.0, .objectHashMismatch)) }
            var checkpoint: AuditLog.Checkpoint?
            if checkpoints, run > 0, rng.next() % 3 == 0 {
                // As a budgeted run takes it: the state read from the log (from its newest
                // checkpoint on), of every name the store lists.
                let history = log.read(.sinceCheckpoint)
                let names = (0..<210).map(Self.id).sorted()
                let (times, damaged) = log.verificationState(history, of: names)
                checkpoint = AuditLog.Checkpoint(names: names, times: times, damaged: damaged, through: history.records.last!.sequence)
                written += 1
            }
            let appended = try log.append(level: level, budget: level == "budget" ? "10s" : nil, ledgerHead: nil, started: "2026-12-03T00:00:00Z",
                                          seconds: 1, verified: listed, bytes: 0, findings: findings, setAsideIfDamaged: false,
                                          checkpoint: checkpoint)
            #expect((appended.record.state != nil) == (checkpoint != nil))
        }
        let whole = log.read()
        #expect(whole.findings.isEmpty)
        #expect(whole.records.count == 12)
        let expected = Self.replay(log, whole.records)
        #expect(expected.verified.count > 50 && expected.verified.count < 200)
        let since = log.read(.sinceCheckpoint)
        #expect(since.findings.isEmpty)
        #expect((since.checkpoint != nil) == (written > 0) && (since.start > 0) == (written > 0))
        for history in [whole, since] {
            // The listing: most of the objects, some the log never named, in order and shuffled.
            var listing = Array(objects.dropFirst(3)) + (200..<210).map(Self.id)
            for names in [listing.sorted(), { listing.shuffle(using: &rng); return listing }()] {
                let (verified, damaged) = log.verificationState(history, of: names)
                #expect(verified.count == names.count)
                for (k, name) in names.enumerated() {
                    #expect(verified[k] == (expected.verified[name] ?? Int64.min), "object \(name.short)")
                }
                #expect(damaged.mapValues { "\($0.code) \($0.run.sequence)" } == expected.damaged.mapValues { "\($0.code) \($0.run)" })
            }
            #expect(log.knownDamage(history).mapValues { "\($0.code) \($0.run.sequence)" } == expected.damaged.mapValues { "\($0.code) \($0.run)" })
        }
    }

    /// A run after a checkpoint reads the checkpoint and the lists after it: a list before it,
    /// lost, changes nothing there and is left to the runs that read the whole log (a full
    /// verify, the history), which say so. A checkpoint altered is evidence damaged too, said
    /// as such, and the runs' own lists serve again.
    @Test func theLogIsReadFromItsNewestIntactCheckpoint() throws {
        let t = TemporaryFolder()
        let archive = try Archive.create(at: t.sub("archive"))
        let log = AuditLog(archive: archive)
        let objects = (0..<10).map(Self.id).sorted()
        func run(_ listed: Range<Int>, at time: Int64, findings: [Diagnostic] = [], checkpoint: Bool = false) throws {
            var state: AuditLog.Checkpoint?
            if checkpoint {
                let h = log.read(.sinceCheckpoint)
                let (times, damaged) = log.verificationState(h, of: objects)
                state = AuditLog.Checkpoint(names: objects, times: times, damaged: damaged, through: h.records.last!.sequence)
            }
            _ = try log.append(level: "budget", budget: "5", ledgerHead: nil, started: "2026-12-03T00:00:00Z", seconds: 1,
                               verified: listed.map { (objects[$0], time) }, bytes: 0, findings: findings, setAsideIfDamaged: false,
                               checkpoint: state)
        }
        try run(0..<6, at: 100, findings: [Self.damage(objects[9], .objectMissing)])
        try run(4..<8, at: 200)
        try run(8..<9, at: 300, checkpoint: true)       // run 3: the state after runs 1 and 2
        try run(0..<1, at: 400)
        let record3 = log.read().records[2]
        #expect(record3.state == "runs/000003-state.txt" && record3.stateThrough == 2)
        let expected: [Int64] = [400, 100, 100, 100, 200, 200, 200, 200, 300, .min]
        func state(_ h: AuditLog.History) -> [Int64] { log.verificationState(h, of: objects).verified }
        // The checkpoint: entries in the lists' own form, after the damage it carries.
        let text = try String(contentsOfFile: log.folder + "/runs/000003-state.txt", encoding: .utf8)
        #expect(text.hasPrefix("damaged E501 1 \(objects[9].hex)\n"))
        #expect(text.contains("\n200 \(objects[7].hex)\n"))

        var since = log.read(.sinceCheckpoint)
        #expect(since.findings.isEmpty && since.checkpoint?.sequence == 3 && since.start == 2)
        #expect(state(since) == expected)
        #expect(log.knownDamage(since).mapValues { "\($0.code) \($0.run.sequence)" } == [objects[9]: "E501 1"])

        // Run 1's list lost: the runs that read from the checkpoint do not read it.
        try FileManager.default.removeItem(atPath: log.folder + "/runs/000001.txt")
        since = log.read(.sinceCheckpoint)
        #expect(since.findings.isEmpty)
        #expect(state(since) == expected)
        let whole = log.read(.whole)
        #expect(whole.findings.map(\.message) == ["the list of objects verified by run 1 is missing"])
        #expect(state(whole) == expected, "the checkpoint, intact, still says what run 1 verified")
        // No checkpoint is written from a log with something wrong: the run left out would be
        // left out for good.
        #expect(AuditLog.Checkpoint.isDue(since, objects: 1) && !AuditLog.Checkpoint.isDue(whole, objects: 1))

        // The checkpoint altered: said, and the lists read instead (run 1's, lost, counts for nothing).
        let path = log.folder + "/runs/000003-state.txt"
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        try (text.replacingOccurrences(of: "200 \(objects[7].hex)", with: "900 \(objects[7].hex)")).write(toFile: path, atomically: false, encoding: .utf8)
        since = log.read(.sinceCheckpoint)
        #expect(since.checkpoint == nil && since.start == 0)
        #expect(since.findings.map(\.code) == [.auditLogBroken, .auditLogBroken])
        #expect(since.findings.first?.message == "the checkpoint written by run 3 (what the runs up to 2 left verified) was altered")
        #expect(state(since) == [400, .min, .min, .min, 200, 200, 200, 200, 300, .min])

        // A full run that found every object intact: its own list is its checkpoint, and what
        // it leaves is all there is to read; unless a run was recorded after it read the log
        // (what that run found is not in its list).
        func full(at time: Int64, lastRunRead: Int?) throws -> AuditLog.Record {
            try log.append(level: "full", budget: nil, ledgerHead: nil, started: "2026-12-03T00:00:00Z", seconds: 1,
                           verified: objects.map { ($0, time) }, bytes: 0, findings: [], setAsideIfDamaged: false,
                           listIsCheckpoint: true, lastRunRead: lastRunRead).record
        }
        #expect(try full(at: 450, lastRunRead: 3).state == nil)
        #expect(try full(at: 500, lastRunRead: 5).state == "runs/000006.txt")
        try run(2..<3, at: 600)
        since = log.read(.sinceCheckpoint)
        #expect(since.checkpoint?.sequence == 6 && since.checkpoint?.state == "runs/000006.txt" && since.checkpoint?.stateThrough == 6)
        #expect(since.start == since.records.count - 1 && since.lastRun == 7)
        #expect(state(since) == [500, 500, 600, 500, 500, 500, 500, 500, 500, 500])
        #expect(log.knownDamage(since).isEmpty)
        // Only the whole log's reading still checks the older checkpoint, altered above.
        #expect(since.findings.isEmpty)
        #expect(log.read(.whole).findings.map(\.message) == ["the checkpoint written by run 3 (what the runs up to 2 left verified) was altered",
                                                              "the list of objects verified by run 1 is missing"])
    }

    /// A run's list longer than a chunk: every entry is merged, across the chunks' seams.
    @Test func aListLongerThanAChunk() throws {
        let t = TemporaryFolder()
        let archive = try Archive.create(at: t.sub("archive"))
        let log = AuditLog(archive: archive)
        let n = AuditLog.chunkSize + 1_000
        let objects = (0..<n).map(Self.id)
        _ = try log.append(level: "full", budget: nil, ledgerHead: nil, started: "2026-12-03T00:00:00Z", seconds: 1,
                           verified: objects.lazy.enumerated().map { ($1, Int64($0)) }, bytes: 0, findings: [], setAsideIfDamaged: false)
        let history = log.read()
        #expect(history.findings.isEmpty)
        let names = objects.sorted()
        let times = Dictionary(uniqueKeysWithValues: objects.enumerated().map { ($1, Int64($0)) })
        let (verified, damaged) = log.verificationState(history, of: names)
        #expect(damaged.isEmpty)
        #expect(verified == names.map { times[$0]! })
    }

    /// Times as the list writes them and reads them back, signs and extremes included; what is
    /// no entry is nil.
    @Test func listEntriesRoundTrip() {
        let id = Self.id(1)
        for t: Int64 in [0, 7, -1, 1_780_000_000, Int64.max, -Int64.max, Int64.min + 1] {
            var line = [UInt8](repeating: 0, count: 96)
            let n = line.withUnsafeMutableBufferPointer { b in
                let k = DecimalDigits.write(t, to: b.baseAddress!)
                b[k] = 0x20
                id.writeHex(to: b.baseAddress! + k + 1)
                return k + 65
            }
            #expect(String(decoding: line[0..<n], as: UTF8.self) == "\(t) \(id.hex)")
            let e = line[0..<n].withUnsafeBytes { AuditLog.entry($0) }
            #expect(e?.id == id && e?.time == t)
        }
        for bad in ["", "12", "x \(id.hex)", "12 \(id.hex.dropLast())", "12\t\(id.hex)", "9223372036854775808 \(id.hex)",
                    " \(id.hex)", "1 2 \(id.hex)", "12 \(id.hex.uppercased().dropFirst())z"] {
            #expect(Array(bad.utf8).withUnsafeBytes { AuditLog.entry($0) } == nil, "\(bad)")
        }
    }
}

/// A small deterministic generator, so that a failing seed can be run again.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
