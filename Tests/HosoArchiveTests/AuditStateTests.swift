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
    /// mended, an object verified twice in one list), the listing given in order and shuffled.
    @Test(arguments: [1, 2, 3, 4, 5, 6])
    func chunksMergedIntoTheListingSayWhatTheReplaySays(seed: Int) throws {
        var rng = SplitMix(seed: UInt64(seed))
        let t = TemporaryFolder()
        let archive = try Archive.create(at: t.sub("archive"))
        let log = AuditLog(archive: archive)
        let objects = (0..<200).map(Self.id)
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
            _ = try log.append(level: level, budget: level == "budget" ? "10s" : nil, ledgerHead: nil, started: "2026-12-03T00:00:00Z",
                               seconds: 1, verified: listed, bytes: 0, findings: findings, setAsideIfDamaged: false)
        }
        let (records, problems) = log.read()
        #expect(problems.isEmpty)
        #expect(records.count == 12)
        let expected = Self.replay(log, records)
        // The listing: most of the objects, some the log never named, in order and shuffled.
        var listing = Array(objects.dropFirst(3)) + (200..<210).map(Self.id)
        for names in [listing.sorted(), { listing.shuffle(using: &rng); return listing }()] {
            let (verified, damaged) = log.verificationState(records, of: names)
            #expect(verified.count == names.count)
            for (k, name) in names.enumerated() {
                #expect(verified[k] == (expected.verified[name] ?? Int64.min), "object \(name.short)")
            }
            #expect(damaged.mapValues { "\($0.code) \($0.run.sequence)" } == expected.damaged.mapValues { "\($0.code) \($0.run)" })
        }
        #expect(log.knownDamage(records).mapValues { "\($0.code) \($0.run.sequence)" } == expected.damaged.mapValues { "\($0.code) \($0.run)" })
        #expect(expected.verified.count > 50 && expected.verified.count < 200)
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
        let (records, problems) = log.read()
        #expect(problems.isEmpty)
        let names = objects.sorted()
        let times = Dictionary(uniqueKeysWithValues: objects.enumerated().map { ($1, Int64($0)) })
        let (verified, damaged) = log.verificationState(records, of: names)
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
