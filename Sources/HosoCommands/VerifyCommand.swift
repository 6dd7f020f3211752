import ArgumentParser
import Foundation
import HosoArchive
import HosoCatalog
import HosoCore
import HosoStore

/// `hoso verify`: the auditor's check of the whole archive.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that nothing in the archive was lost, corrupted or altered, and keep a record.",
        discussion: """
        Checks every object (read, rehashed, compared with its name), the ledger (every entry, \
        the chain from HEAD to the first entry, every manifest), and the derived data (every \
        catalog row and indexed dossier against what the ledger says: against the digest each \
        ledger entry recorded of its catalog rows, and where that does not match or was not \
        recorded, against every dossier's XML parsed again). Keeps going after every \
        finding; each has a stable code (docs/errors.md). Each run is recorded in the audit log \
        (audit/), so budgeted runs verify the objects verified least recently first and coverage \
        can be reported. Without a seal, a wholesale rewrite of the ledger (new entries that \
        chain correctly) cannot be detected: keep the receipts of 'hoso seal' outside the archive \
        and verify --against them. A writer (ingest, rebuild) and a verify do not run at once: \
        each is refused while the other runs, or waits with --wait; search, show, stats and \
        export are never held up.
        Exit status: 0 clean (warnings may be listed), 1 errors found, 2 usage error, 3 failure (also when every error is E406: parts this user may not read).
        """)

    @OptionGroup var archiveOptions: ArchiveOptions
    @Flag(name: .long, help: "Structure only: objects' presence, headers and sizes, the ledger chain, catalog rows; no content read.")
    var quick = false
    @Option(name: .long, parsing: .unconditional, help: "Verify objects, least recently verified first, until this budget is used: a duration (30m, 2h), bytes (500GB, 64MiB, 4096B) or a count of objects. With --coverage: the daily time the estimate assumes (default 1h).")
    var budget: String?
    @Option(name: .long, help: "A seal from 'hoso seal' (a file, or the sha256:… head): prove today's ledger extends it.")
    var against: String?
    @Flag(name: .long, help: "Report coverage (share of objects verified within --window) instead of verifying.")
    var coverage = false
    @Flag(name: .long, help: "List the recorded runs (the audit log) and what each found, instead of verifying.")
    var history = false
    @Option(name: .long, parsing: .unconditional, help: "The coverage window: days (90d, the default), hours (12h); with --coverage.") var window: String?
    @Flag(name: .long, help: "Parse every dossier's XML again and compare the catalog and index with it row by row, even where they match the digests the ledger recorded (slower; after upgrading hoso, or to audit the derivation itself).")
    var rederive = false
    @Flag(name: .long, help: "Comma-separated findings instead of the human report.") var csv = false
    @Option(name: .long, help: "Also write the full report (JSON: when, which archive, every finding) to this new file (never overwritten).") var report: String?
    @Flag(name: .long, help: "Do not record this run in the audit log.") var noRecord = false
    @Option(name: .long, help: ArgumentHelp("Check a replica instead of the archive's own store: an s3:// location, an archive folder or a store folder, against this archive's ledger.", valueName: "store"))
    var store: String?
    @Option(name: .long, help: ArgumentHelp("The S3 service's URL for --store (default: $HOSO_S3_ENDPOINT, else $AWS_ENDPOINT_URL).", valueName: "url"))
    var endpoint: String?
    @Option(name: .long, parsing: .unconditional, help: "Parallel workers (default: one per processor; 16 for a store in S3, and for --quick).") var jobs: Int?
    @Flag(name: .long, help: "Wait for a writer at work (ingest, rebuild) to finish instead of failing at once.") var wait = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try checkJobs(jobs)
        if let budget, VerifyBudget(budget) == nil { throw ValidationError("--budget: '\(budget)' is not a duration (30m, 2h), a size (500GB) or a count") }
        if let window, windowSeconds == nil { throw ValidationError("--window: '\(window)' is not a duration (90d, 12h)") }
        if window != nil && !coverage { throw ValidationError("--window sets the span --coverage reports on: give --coverage with it") }
        if csv && output.json { throw ValidationError("choose one of --csv and --json") }
        if quick && budget != nil { throw ValidationError("--quick reads no content; --budget reads objects: choose one") }
        if store != nil && (budget != nil || coverage) { throw ValidationError("--store checks a whole replica: without --budget or --coverage") }
        if endpoint != nil && store == nil { throw ValidationError("--endpoint goes with --store") }
        try checkEndpoint(for: store, endpoint)
        if coverage && (against != nil || quick || rederive) {
            throw ValidationError("--coverage reports past runs only: without --against, --quick or --rederive")
        }
        if coverage, let budget, !VerifyBudget.isDuration(budget) {
            throw ValidationError("with --coverage, --budget is the daily time for the estimate: a duration (30m, 2h)")
        }
        if history && (coverage || quick || rederive || budget != nil || against != nil || store != nil || report != nil || csv || noRecord) {
            throw ValidationError("--history lists past runs only: with --json at most")
        }
        if quick && rederive { throw ValidationError("--quick reads no content; --rederive derives the catalog from it: choose one") }
        // A report is evidence: never overwritten, and its folder checked before a long run.
        if let report {
            if let root = try? archiveOptions.open().root, SystemFile.isWithin(report, folder: root) {
                throw ValidationError("--report '\(report)' is inside the archive, where hoso writes only its own files: keep reports outside it")
            }
            if SystemFile.exists(report) { throw ValidationError("--report: '\(report)' exists already; reports are not overwritten, choose a new name") }
            if access(SystemFile.parentFolder(report), W_OK) != 0 {
                throw ValidationError("--report: cannot write into '\(SystemFile.parentFolder(report))' (\(String(cString: strerror(errno))))")
            }
        }
    }

    var windowSeconds: Double? {
        let t = (window ?? "90d").lowercased()
        if t.hasSuffix("d"), let v = Double(t.dropLast()), v > 0 { return v * 86400 }
        if t.hasSuffix("h"), let v = Double(t.dropLast()), v > 0 { return v * 3600 }
        return nil
    }

    func run() throws {
        var archive = try archiveOptions.open()
        if coverage { try reportCoverage(archive); return }
        if history { try listHistory(archive); return }
        var options = VerifyOptions()
        if let store {
            let replica = try StoreSpec.open(store, endpoint: endpoint, policy: archive.config.compression, create: false)
            guard !StoreSpec.isSame(replica, archive.store) else {
                throw ValidationError("--store names the archive's own store: a replica is a second copy elsewhere")
            }
            archive = archive.with(store: replica)
            options.replica = true
            options.replicaName = store + (endpoint.map { " --endpoint \($0)" } ?? "")
            options.record = false
        }
        options.level = quick ? .quick : .full
        options.budget = budget.flatMap(VerifyBudget.init)
        // The audit log covers the archive's own store: a replica's check is never recorded in it.
        options.record = !noRecord && !options.replica
        options.workers = jobs
        options.rederive = rederive
        if let against {
            let text = SystemFile.exists(against) ? String(decoding: try SystemFile.readAll(against, limit: 1 << 20), as: UTF8.self) : against
            options.seal = try Seal.parse(text)
        }
        Interruption.explainStop("the verify was cut short, before its verdict. It changes no dossier, object or ledger entry, only its own record in audit/; run it again for a verdict")
        // The ledger, the catalog, the index and the store are read at different moments: a
        // writer's commit in between would look like a rollback or a forged row.
        let lock = try ArchiveLock.forChecking(archive: archive, wait: wait, purpose: "hoso verify")
        let meter = ProgressMeter("verifying", totalItems: 0)
        let result = try Verifier(archive: archive, options: options).run { n, b in meter.update(items: n, bytes: b) }
        meter.finish()
        withExtendedLifetime(lock) {}
        let json = JSON.encode(ReportJSON(result, seal: options.seal, startedAt: result.startedAt, archive: archive.root,
                                          store: archive.store.location), pretty: true)
        if output.json {
            Console.shared.out(json)
        } else if csv {
            Console.shared.out("code,severity,title,file,subject,message,expected,found,advice")
            for f in result.findings {
                Console.shared.out(CSV().row([f.code.rawValue, f.severity.rawValue, f.code.title, f.file ?? "", f.subject ?? "", f.message,
                                              f.expected ?? "", f.found ?? "", f.advice]))
            }
        } else {
            let c = Console.shared
            Self.forEachShown(result.findings, code: \.code.rawValue, isWarning: { $0.severity == .warning }, show: { c.out(c.render($0)) }) { code, more in
                c.out("… and \(more) more \(code) (\(DiagnosticCode(rawValue: code)?.title ?? "")): listed with --json or --csv\n")
            }
            if !result.findings.isEmpty { c.out("") }
            var s = "\(result.level) verify of \(store == nil ? "" : "the replica \(archive.store.location) against ")\(archive.root): \(Format.count(result.objectsChecked, "object")) (\(Format.bytes(result.bytesChecked)) stored), \(Format.count(result.entries, "ledger entry", "ledger entries")), \(Format.count(result.versions, "dossier version")) in \(Format.duration(result.seconds))"
            if result.seconds > 0 && result.bytesChecked > 0 { s += " (\(Format.rate(result.bytesChecked, result.seconds)))" }
            c.out(s)
            if result.entriesByDigest + result.entriesRederived > 0 {
                c.out("catalog and index: \(Format.count(result.entriesByDigest, "ledger entry", "ledger entries")) matched the digests they recorded, \(result.entriesRederived) derived again from the dossiers' XML")
            }
            if let seal = options.seal, !result.findings.contains(where: { $0.code == .sealNotExtended }) {
                c.out("the ledger extends the seal \(seal.head)\(seal.sequence > 0 ? " (entry \(seal.sequence))" : "")")
            }
            let summary = result.errorCount == 0
                ? c.green("no errors") + (result.warningCount > 0 ? ", " + Format.count(result.warningCount, "warning") : "")
                : c.red(Format.count(result.errorCount, "error")) + ", " + Format.count(result.warningCount, "warning")
            c.out(summary + (result.findings.isEmpty ? "" : ": " + Dictionary(grouping: result.findings, by: \.code).sorted { $0.key < $1.key }.map { "\($0.key.rawValue)×\($0.value.count)" }.joined(separator: " ")))
            if let aside = result.logSetAside { c.out("the damaged audit log is kept as audit/\(aside); a new one starts") }
            if let r = result.recorded { c.out("recorded as audit run \(r.sequence) (audit/log)") }
            if let why = result.notRecorded { c.out("not recorded: \(why)") }
        }
        // The report file after the findings are shown: a disk too full for it loses nothing
        // of what the run found.
        if let report {
            // Evidence is never replaced, even by a file that appeared during the run.
            let temp = SystemFile.parentFolder(report) + "/.hoso-report-" + SystemFile.randomSuffix()
            do {
                try SystemFile.writeAtomically(Array(json.utf8) + [0x0A], to: temp)
                do { try LocalObjectStore.renameNoReplace(temp, report) } catch { unlink(temp); throw error }
            } catch {
                Console.shared.flush()
                throw error
            }
        }
        if let failure = result.recordFailure {
            Console.shared.flush()
            Console.shared.err("hoso: " + Console.shared.render(failure))
            throw ExitCode(3)
        }
        if result.errorCount > 0 {
            // Errors that are all E406 (what this user may not read, a failing disk) say the
            // check could not be carried out in full, not that anything was found damaged.
            throw ExitCode(result.findings.contains { $0.severity == .error && $0.code != .ioFailure } ? 1 : 3)
        }
    }


    /// The audit log, run by run, with what each run found: the evidence of what was damaged,
    /// where and when (and, by the runs after, that it was mended).
    func listHistory(_ archive: Archive) throws {
        let log = AuditLog(archive: archive)
        // Every record that reads, even one whose files were damaged: the run that found the
        // damage is the one an auditor looks for. What is wrong with the log is said beside it.
        // A log this user may not read is no empty history: said, exit 3.
        let (records, setAside) = try log.allRecords()
        // With what audit.tail shows of the log's end: its newest record edited, or runs cut.
        let problems = log.read().findings + log.tailFindings()
        let damaged = problems.contains { $0.code == .auditLogBroken }
        let c = Console.shared
        struct Run: Encodable {
            let record: AuditLog.Record
            let findings: [AuditLog.Finding]
            /// What is wrong with this run's files ("E903 …" damage, "E406 …" this user may not
            /// read them), if anything.
            let problems: [String]
        }
        let runs = records.map { r -> Run in
            let mine = problems.filter { $0.subject == "run \(r.sequence)" }.map { "\($0.code.rawValue) \($0.message)" }
            return Run(record: r, findings: log.findings(of: r).findings, problems: mine)
        }
        if output.json {
            struct Out: Encodable {
                let format = "hoso-audit-history/1"; let archive: String; let runs: [Run]; let problems: [DiagnosticJSON]
                let setAside: [String]
            }
            c.out(JSON.encode(Out(archive: archive.root, runs: runs, problems: problems.map { DiagnosticJSON(d: $0) },
                                  setAside: setAside.map { "audit/" + $0 }), pretty: true))
        } else {
            if runs.isEmpty && problems.isEmpty { c.out("no verify run recorded yet in \(archive.root)/audit (run 'hoso verify')") }
            for run in runs {
                let r = run.record
                var line = c.bold("run \(r.sequence)") + "  \(r.finished)  \(r.level)\(r.budget.map { " (budget \($0))" } ?? "")  \(r.level == "quick" ? "objects' presence and sizes checked" : r.level == "restore" ? "\(Format.count(r.objects, "object")) written (\(Format.bytes(r.bytes)) of content)" : "\(Format.count(r.objects, "object")) verified (\(Format.bytes(r.bytes)) stored)")  "
                if r.errors == 0 && r.warnings == 0 {
                    line += c.green("no findings")
                } else {
                    line += (r.errors > 0 ? c.red("\(r.errors) error\(r.errors == 1 ? "" : "s")") : "0 errors")
                        + ", \(r.warnings) warning\(r.warnings == 1 ? "" : "s"): "
                        + r.codes.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
                }
                c.out(line)
                if let note = r.note { c.out("    " + note + (r.operator.map { ", by \($0)" } ?? "")) }
                if let state = r.state, let through = r.stateThrough {
                    c.out(state == r.list ? "    checkpoint: its list, every object verified and nothing found wrong (runs after it read no older list)"
                                          : "    checkpoint: audit/\(state), what the runs up to \(through) left verified (runs after it read no older list)")
                }
                for p in run.problems { c.out("    " + c.red(String(p.prefix(4))) + String(p.dropFirst(4))) }
                if run.findings.isEmpty && (r.errors > 0 || r.warnings > 0) {
                    c.out(r.findings == nil ? "    (recorded before runs kept their findings: only the counts are known)"
                                            : "    (its findings cannot be shown: see above)")
                }
                Self.forEachShown(run.findings, code: \.code, isWarning: { $0.code.hasPrefix("W") }, show: { f in
                    var s = "    \(f.code) \(f.file ?? f.subject ?? ""): \(f.message)"
                    if let e = f.expected { s += "; expected \(e)" }
                    if let x = f.found { s += ", found \(x)" }
                    c.out(s)
                }) { code, more in c.out("    … and \(more) more \(code): listed with --history --json") }
            }
            for p in problems where !runs.contains(where: { p.subject == "run \($0.record.sequence)" }) { c.out(c.render(p)) }
            if !runs.isEmpty {
                c.out(damaged ? c.red("\(runs.count) runs; the audit log is damaged (E903): see above")
                    : problems.contains(where: { $0.code == .auditLogBehind }) ? c.red("\(runs.count) runs; runs recorded later are missing from the log (W904): see above")
                    : problems.isEmpty ? "\(runs.count) runs; the log's chain and every run's files are intact"
                    : c.red("\(runs.count) runs; some of the log's files cannot be read by this user (E406): see above"))
            }
            for name in setAside { c.out("earlier runs, in a log kept aside when it was found damaged: audit/\(name)") }
        }
        if damaged { throw ExitCode(1) }
        if problems.contains(where: { $0.severity == .error }) { throw ExitCode(3) }
    }

    /// Warnings of one kind by the hundred (temporary files or objects an interrupted ingest
    /// left) would bury the errors: of a kind with more than ten, the first five are shown, then
    /// how many more (all are in --json and --csv).
    static func forEachShown<T>(_ items: [T], code: (T) -> String, isWarning: (T) -> Bool, show: (T) -> Void, more: (String, Int) -> Void) {
        var shown: [String: Int] = [:]
        let many = Dictionary(grouping: items.filter(isWarning), by: code).mapValues(\.count).filter { $0.value > 10 }
        for item in items {
            let k = code(item)
            if let all = many[k] {
                shown[k, default: 0] += 1
                if shown[k]! > 5 {
                    if shown[k]! == all { more(k, all - 5) }
                    continue
                }
            }
            show(item)
        }
    }

    func reportCoverage(_ archive: Archive) throws {
        let window = windowSeconds!
        let cov = try Coverage.compute(archive: archive, window: window)
        let daily = budget.flatMap(VerifyBudget.init).flatMap { b -> Double? in if case .seconds(let s) = b { return s }; return nil } ?? 3600
        let days = cov.daysToCover(dailySeconds: daily)
        if output.json {
            struct Out: Encodable {
                let objects: Int; let bytes: UInt64; let windowDays: Double; let verifiedObjects: Int; let verifiedBytes: UInt64
                let share: Double; let neverVerified: Int; let damaged: Int; let oldestObject: String?; let oldestVerifiedAt: String?
                let runs: Int; let bytesPerSecond: Double?; let dailyBudgetSeconds: Double; let daysToCoverAll: Double?; let findings: [DiagnosticJSON]
            }
            Console.shared.out(JSON.encode(Out(objects: cov.objects, bytes: cov.bytes, windowDays: window / 86400, verifiedObjects: cov.verifiedObjects,
                                               verifiedBytes: cov.verifiedBytes, share: (cov.share * 10000).rounded() / 10000, neverVerified: cov.neverVerified, damaged: cov.damaged,
                                               oldestObject: cov.oldest?.id.prefixed, oldestVerifiedAt: cov.oldest?.time.map(iso),
                                               runs: cov.runs, bytesPerSecond: cov.rate, dailyBudgetSeconds: daily,
                                               daysToCoverAll: days.map { ($0 * 100).rounded() / 100 }, findings: cov.findings.map { DiagnosticJSON(d: $0) })))
            return
        }
        let c = Console.shared
        for f in cov.findings { c.out(c.render(f)) }
        c.out("\(cov.verifiedObjects) of \(cov.objects) objects (\(String(format: "%.1f%%", cov.share * 100)); \(Format.bytes(cov.verifiedBytes)) of \(Format.bytes(cov.bytes))) verified in the last \(window / 86400 >= 1 ? String(format: "%.0f days", window / 86400) : String(format: "%.0f hours", window / 3600)), over \(Format.count(cov.runs, "recorded run"))")
        if cov.neverVerified > 0 { c.out("\(Format.count(cov.neverVerified, "object")) never verified") }
        if cov.damaged > 0 { c.out(c.red("\(Format.count(cov.damaged, "object")) found damaged or missing by the last run that checked \(cov.damaged == 1 ? "it" : "them") (not counted as verified): see 'hoso verify --history'")) }
        if let o = cov.oldest { c.out("least recently verified: \(o.id.prefixed) (\(o.time.map(iso) ?? "never"))") }
        if let rate = cov.rate, let days {
            // The budget as it was given (--budget 90m), and a span under a tenth of a day in
            // hours, under a tenth of an hour in minutes (a small archive: not "0.0 hours").
            let budgetText = budget ?? "1h"
            let span = days >= 0.1 ? String(format: "%.1f days", days)
                : days * 24 >= 0.1 ? String(format: "%.1f hours", days * 24)
                : days * 1440 >= 1 ? String(format: "%.0f minutes", days * 1440) : "under a minute"
            c.out("at the recent rate (\(Format.rate(UInt64(rate), 1))), a daily budget of \(budgetText) verifies every object once in \(span)"
                  + (days <= window / 86400 ? ", within the window" : ", longer than the window: raise the budget"))
        }
    }

    func iso(_ t: Int64) -> String {
        CanonicalJSON.timestamp(Date(timeIntervalSince1970: TimeInterval(t)))
    }

    struct ReportJSON: Encodable {
        let format = "hoso-verify-report/1"
        let software = "hoso \(HosoVersion.text)"
        /// When the run started (UTC), which archive and which store it read.
        let startedAt: String
        let archive: String
        let store: String
        let level: String
        let ledgerHead: String?
        let seal: Seal?
        let objects: Int
        let bytes: UInt64
        let ledgerEntries: Int
        let dossierVersions: Int
        let entriesMatchingDigest: Int
        let entriesRederived: Int
        let seconds: Double
        let errors: Int
        let warnings: Int
        let codes: [String: Int]
        let recordedRun: Int?
        let notRecorded: String?
        let findings: [DiagnosticJSON]
        init(_ r: VerifyReport, seal: Seal?, startedAt: String, archive: String, store: String) {
            self.startedAt = startedAt; self.archive = archive; self.store = store
            level = r.level; ledgerHead = r.ledgerHead; self.seal = seal; objects = r.objectsChecked; bytes = r.bytesChecked
            ledgerEntries = r.entries; dossierVersions = r.versions
            entriesMatchingDigest = r.entriesByDigest; entriesRederived = r.entriesRederived; seconds = (r.seconds * 1000).rounded() / 1000
            errors = r.errorCount; warnings = r.warningCount
            codes = Dictionary(grouping: r.findings, by: \.code.rawValue).mapValues(\.count)
            recordedRun = r.recorded?.sequence; notRecorded = r.notRecorded
            findings = r.findings.map { DiagnosticJSON(d: $0) }
        }
    }
}

/// `hoso seal`: a receipt of the ledger head to keep outside the archive.
struct SealCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "seal",
        abstract: "Print the ledger head with what it covers, as a receipt to keep outside the archive.",
        discussion: "Later, 'hoso verify --against SEAL' proves that the ledger still extends this head: nothing committed before it was removed, reordered or rewritten.")

    @OptionGroup var archiveOptions: ArchiveOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let archive = try archiveOptions.open()
        let ledger = Ledger(archive: archive)
        guard let head = try ledger.head() else {
            // No head: a new archive, or one whose HEAD was lost (its catalog or index reflects
            // an entry): a seal of the latter would certify nothing.
            let derived = archive.derivedPositions()
            if let (id, n) = derived.catalog ?? derived.index {
                throw HosoError(.ledgerHeadMissing, file: "ledger/HEAD",
                    message: "ledger/HEAD is missing, though the catalog or index reflects ledger entry \(n) (\(id.short)): no seal can be made of a lost head",
                    advice: "Give the head back first ('hoso replicate --from REPLICA', or write the head of your last seal into ledger/HEAD), then run 'hoso verify' and seal again")
            }
            throw HosoError(.ledgerHeadMissing, file: "ledger/HEAD", message: "nothing has been committed yet", advice: "Ingest dossiers first")
        }
        let entry = try ledger.entry(head)
        // The seal is of the ledger head; the counts beside it are the catalog's. Where there is
        // no catalog and none can be made (read-only media without one), the head is sealed all
        // the same, with no counts (as of entry 0, which the note below says).
        let catalog: Catalog?
        do { catalog = try archive.openCatalogForReading() } catch let e as HosoError where e.code == .catalogRowMissing && !archive.isWritable {
            Console.shared.err("hoso: note: \(e.diagnostic.message): the seal carries no counts")
            catalog = nil
        }
        // The counts and the entry they are of, read until both come from one moment: a writer's
        // commit between the two reads would pair one entry's counts with another's number.
        var countsAt = try catalog?.appliedHead.map(\.sequence) ?? 0
        var t = try catalog?.totals() ?? (versions: 0, dossiers: 0, objects: 0, bytes: 0, entries: 0)
        for _ in 0..<20 {
            guard let catalog else { break }
            let after = try catalog.appliedHead.map(\.sequence) ?? 0
            if after == countsAt { break }
            countsAt = after
            t = try catalog.totals()
        }
        let auditLog = AuditLog(archive: archive)
        let audit = try auditLog.recordHash()
        // A seal anchors the log's newest record: not one edited since it was written, nor a log
        // cut short. A recorded verify says so in the log and starts its new tail.
        // (A log cut short on media no verify can record into is said, and sealed as it is.)
        if let problem = auditLog.tailFindings().first {
            if problem.code == .auditLogBehind && !archive.isWritable {
                Console.shared.err("hoso: " + Console.shared.render(problem))
            } else {
                var d = problem
                d.advice = "Run 'hoso verify' first: it records what is wrong with the audit log (and keeps a damaged one aside); then seal. " + problem.advice
                throw HosoError(d)
            }
        }
        let seal = Seal(head: head.prefixed, sequence: entry.sequence, sealedAt: CanonicalJSON.timestamp(), dossiers: t.dossiers,
                        versions: t.versions, objects: t.objects, bytes: t.bytes, auditRun: audit?.run, auditRecord: audit?.hash,
                        countsAsOf: countsAt)
        // A seal certifies what is there, damaged or not: said when the last recorded run found
        // errors, so that a damaged archive is not sealed unknowingly.
        if let last = auditLog.read(.sinceCheckpoint).records.last(where: { $0.sequence == audit?.run }), last.errors > 0 {
            Console.shared.err("hoso: note: the last recorded verify (audit run \(last.sequence), \(last.finished)) found \(Format.count(last.errors, "error")) (\(last.codes.keys.filter { $0.hasPrefix("E") }.sorted().joined(separator: ", "))); this seal records the archive as it is. Repair first ('hoso verify --history' names what) if the seal is to stand for a sound archive")
        }
        // The counts are the catalog's: said when they are of another entry than the head (the
        // catalog lags a writer at work, or could not be brought up to date here).
        if countsAt != entry.sequence && catalog != nil {
            FileHandle.standardError.write(Data("hoso: note: the counts below are the catalog's, as of ledger entry \(countsAt); the head sealed is entry \(entry.sequence)\n".utf8))
        }
        if output.json { Console.shared.out(JSON.encode(seal, pretty: true)); return }
        Console.shared.out("""
        hoso seal
        ledger head:  \(seal.head)
        ledger entry: \(seal.sequence)
        sealed at:    \(seal.sealedAt)
        dossiers:     \(catalog == nil ? "not counted (no catalog)" : "\(seal.dossiers) (\(seal.versions) versions)\(countsAt != entry.sequence ? ", as of ledger entry \(countsAt)" : "")")
        objects:      \(catalog == nil ? "not counted (no catalog)" : "\(seal.objects), holding \(seal.bytes) bytes of original content (\(Format.bytes(UInt64(max(0, seal.bytes)))))")
        """ + (seal.auditRun.map { "\naudit run:    \($0) \(seal.auditRecord ?? "")" } ?? "\naudit run:    none yet (run 'hoso verify' before sealing to seal its record too)") + """

        Keep this receipt outside the archive; check it later with: hoso verify --against FILE
        """)
    }
}
