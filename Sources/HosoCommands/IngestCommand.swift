import ArgumentParser
import Foundation
import HosoArchive
import HosoCatalog
import HosoCore
import HosoIndex

/// `hoso ingest BATCH…`: validate and archive dossiers, committing checkpoints to the ledger.
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Validate dossiers and archive the valid ones (XML, scans, manifest, ledger entry).",
        discussion: """
        Each dossier is validated exactly as 'hoso validate' does. Valid dossiers are archived; \
        invalid ones are reported with their codes and skipped. Progress is committed to the ledger \
        every few hundred dossiers or seconds: after a crash or kill, everything committed is kept \
        and a rerun completes the batch. Rerunning a batch archives nothing twice. Only one ingest \
        runs at a time on an archive: a second one fails at once, or waits with --wait.
        Exit status: 0 every dossier archived or already archived; 1 some rejected; 2 nothing \
        to read (bad arguments, no dossier found); 3 failure (what was committed is kept); 130 \
        stopped by Ctrl-C (143 by SIGTERM), after committing what was done.
        """)

    @OptionGroup var archiveOptions: ArchiveOptions
    @OptionGroup var batch: BatchPaths
    @Option(name: .long, help: "Who runs the ingest, recorded in the ledger (default: $USER).") var `operator`: String?
    @Flag(name: .long, help: "Archive a dossier already archived with other content as a new version superseding it.")
    var newVersion = false
    @Flag(name: .long, help: "Stop at the first invalid dossier (dossiers before it stay archived).") var stopOnError = false
    @Flag(name: .long, help: "Wait for another writer, or a verify, to finish instead of failing at once.") var wait = false
    @Option(name: .long, parsing: .unconditional, help: "Dossiers per checkpoint.") var checkpointDossiers = 500
    @Option(name: .long, parsing: .unconditional, help: "Seconds between checkpoints at most.") var checkpointSeconds = 5.0
    @Option(name: .long, parsing: .unconditional, help: "Parallel workers, as many as processors unless given.") var jobs: Int = Parallel.defaultWorkers
    @Option(name: .long, parsing: .unconditional, help: "Largest dossier XML file accepted, in bytes (1024 or more).") var maxXMLSize: Int = 16 << 20
    @Flag(name: .long, help: "List every dossier's outcome, not only the rejected ones.") var verbose = false
    @Option(name: .long, help: "Convert text that looks like a legacy Vietnamese encoding read as Latin-1 (tcvn3) instead of refusing the dossier (E407); the manifest records it.")
    var legacyEncoding: LegacyEncoding?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard checkpointDossiers > 0 else { throw ValidationError("--checkpoint-dossiers must be 1 or more (given \(checkpointDossiers))") }
        guard checkpointSeconds > 0, checkpointSeconds.isFinite else { throw ValidationError("--checkpoint-seconds must be a positive number of seconds (given \(checkpointSeconds))") }
        try checkJobs(jobs)
        guard maxXMLSize >= 1024 else { throw ValidationError("--max-xml-size must be at least 1024 bytes") }
        if let name = self.operator { try Self.checkOperator(name) }
    }

    /// The operator is recorded in the ledger and printed by `show`: a name, on one line.
    static func checkOperator(_ name: String) throws {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--operator cannot be empty") }
        guard name.count <= 120 else { throw ValidationError("--operator: at most 120 characters") }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ValidationError("--operator cannot hold control characters (line breaks, tabs, escapes)")
        }
    }

    /// $USER, else the name of the account running hoso.
    /// "ledger entry 4", or "ledger entries 4…9".
    static func entries(_ first: Int, _ last: Int) -> String {
        first == last ? "ledger entry \(first)" : "ledger entries \(first)…\(last)"
    }

    static var loginName: String {
        if let u = ProcessInfo.processInfo.environment["USER"], (try? checkOperator(u)) != nil { return u }
        if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return "uid \(getuid())"
    }

    func run() throws {
        let console = Console.shared
        let started = SystemFile.monotonic()
        let archive = try archiveOptions.open()
        let lock = try ArchiveLock(archive: archive, wait: wait, purpose: "hoso ingest")
        defer { withExtendedLifetime(lock) {} }
        let listing = ProgressMeter(counting: "listing the batch, dossiers found")
        let paths = try batch.all()
        let (sources, problems) = BatchDiscovery.discover(paths) { listing.update(items: $0, bytes: 0) }
        listing.finish()
        // Findings about the batch itself are results, like the dossiers' own: on standard
        // output, in the report.
        if !output.json { for p in problems { console.out(console.render(p)) } }
        let layoutErrors = problems.filter { $0.severity == .error }.count
        if sources.isEmpty || (stopOnError && layoutErrors > 0) {
            if output.json {
                let batch = DiagnosticJSON.items(problems)
                var empty = IngestSummary()
                for p in problems { empty.codes[p.code, default: 0] += 1 }
                empty.stoppedEarly = !sources.isEmpty
                console.out("{\"format\":\"hoso-ingest-report/1\",\"dossiers\":[],\"batchFindings\":[\(batch)],\"summary\":\(JSON.encode(SummaryJSON(empty, seconds: 0)))}")
            } else if !sources.isEmpty {
                console.out("stopped before archiving anything: the batch itself has \(layoutErrors) error\(layoutErrors == 1 ? "" : "s") (--stop-on-error)")
            }
            throw ExitCode(sources.isEmpty ? 2 : 1)
        }

        let catalog = try Catalog.open(path: archive.catalogPath, mode: .readWrite)
        var options = IngestOptions(operatorName: self.operator ?? Self.loginName)
        options.newVersion = newVersion
        options.stopOnError = stopOnError
        options.checkpointDossiers = checkpointDossiers
        options.checkpointSeconds = checkpointSeconds
        options.workers = jobs
        options.maxXMLBytes = maxXMLSize
        options.source = batch.described(paths)
        options.legacyEncoding = legacyEncoding
        options.interrupted = { Interruption.requested }
        options.stillLocked = { lock.isStillInPlace }
        let ingest = Ingest(archive: archive, catalog: catalog, options: options)

        let meter = ProgressMeter("ingesting", totalItems: sources.count)
        var first = true
        if output.json { console.out("{\"format\":\"hoso-ingest-report/1\",\"dossiers\":[") }
        // Ctrl-C stops between two dossiers, with what came before committed and reported; a
        // second Ctrl-C stops at once (the archive is then as its last checkpoint left it).
        Interruption.watch()
        defer { Interruption.stopWatching() }
        var summary: IngestSummary
        do {
          summary = try ingest.run(sources, progress: { meter.update(items: $0, bytes: $1) }) { outcome in
            if output.json {
                console.out((first ? "" : ",") + JSON.encode(OutcomeJSON(outcome)))
                first = false
                return
            }
            if outcome.state == .rejected {
                meter.finish()
                console.out("\(console.red("rejected")) \(Console.visible(outcome.path))\(outcome.number.map { " (\(Console.visible($0)))" } ?? "")")
                for d in outcome.diagnostics { console.out(console.render(d)) }
            } else if outcome.state == .alreadyArchived && !outcome.isCurrent {
                meter.finish()
                console.out("already archived as version \(outcome.version ?? 0), superseded since: \(Console.visible(outcome.number ?? outcome.path)) "
                            + "(--new-version makes this content current again, as a new version)")
            } else if verbose || outcome.diagnostics.contains(where: { $0.severity == .warning }) {
                // Archived with warnings (an unreferenced file, an earlier version's content made
                // current again): said with the dossier, as counted in the summary.
                meter.finish()
                let label: String
                switch outcome.state {
                case .archived: label = console.green("archived")
                case .superseded: label = console.green("new version \(outcome.version ?? 0)")
                case .alreadyArchived: label = "already archived"
                case .rejected: label = "rejected"
                }
                console.out("\(label) \(Console.visible(outcome.number ?? "")) \(outcome.manifest?.short ?? "")")
                for d in outcome.diagnostics where d.severity == .warning { console.out(console.render(d)) }
            }
        }
        } catch {
            meter.finish()
            // What the checkpoints before the failure committed stays archived: said, so that
            // nobody takes the whole batch for lost (or for done).
            let done = ingest.committedSoFar
            let seconds = SystemFile.monotonic() - started
            if output.json {
                // The report stays one JSON document, whatever the failure: the list closed, the
                // problem and what was committed beside it.
                let d = Hoso.diagnostic(for: error) ?? Diagnostic(.ioFailure, message: "\(error)", advice: "Run the same command again; what was committed stays")
                let batch = DiagnosticJSON.items(problems)
                console.out("],\"batchFindings\":[\(batch)],\"error\":\(JSON.encode(DiagnosticJSON(d: d))),\"summary\":\(JSON.encode(SummaryJSON(done, seconds: seconds)))}")
                console.flush()
                console.err("hoso: " + console.render(d))
                throw ExitCode(3)
            }
            if let a = done.firstEntry, let b = done.lastEntry, let head = done.head {
                console.out("before it stopped, this run committed \(Self.entries(a, b)) (HEAD \(head.prefixed)): \(done.archived + done.superseded) dossiers archived, "
                            + "\(done.alreadyArchived) already archived, \(done.rejected) rejected; once the problem below is mended, the same command goes on")
            } else {
                console.out("nothing was committed by this run")
            }
            throw error
        }
        meter.finish()
        let seconds = SystemFile.monotonic() - started
        // Findings about the batch's layout: an error (a path that is no dossier) fails the run,
        // a warning (a folder skipped) is counted and reported.
        for p in problems { summary.codes[p.code, default: 0] += 1 }
        if output.json {
            let batch = DiagnosticJSON.items(problems + summary.laterFindings)
            console.out("],\"batchFindings\":[\(batch)],\"summary\":\(JSON.encode(SummaryJSON(summary, seconds: seconds)))}")
        } else {
            for d in summary.laterFindings {
                console.out("number used again later in the batch: \(d.file ?? "")\(d.subject.map { " (\($0))" } ?? "")")
                console.out(console.render(d))
            }
            var s = "\(Format.count(summary.dossiers, "dossier")): \(summary.archived) archived"
            if summary.superseded > 0 { s += ", \(summary.superseded) new versions" }
            s += ", \(summary.alreadyArchived) already archived, \(summary.rejected) rejected"
            s += "\n\(Format.count(summary.files, "file")), \(Format.bytes(summary.bytesRead)) read, \(Format.count(summary.objectsWritten, "new object"))"
            s += " in \(Format.duration(seconds))"
            if seconds > 0 { s += " (\(Format.perSecond(summary.dossiers, seconds, "dossier")), \(Format.rate(summary.bytesRead, seconds)))" }
            if let a = summary.firstEntry, let b = summary.lastEntry, let head = summary.head {
                s += "\n\(Self.entries(a, b)) committed; HEAD \(head.prefixed)"
            } else {
                s += "\nnothing new to commit"
            }
            if summary.staleTempsRemoved > 0 { s += "\nremoved \(summary.staleTempsRemoved) temporary files left by an interrupted writer" }
            if !summary.codes.isEmpty {
                s += "\nproblems by code: " + summary.codes.sorted { $0.key < $1.key }.map { "\($0.key.rawValue)×\($0.value)" }.joined(separator: " ")
            }
            if summary.stoppedEarly { s += "\nstopped at the first invalid dossier (--stop-on-error)" }
            if summary.firstEntry != nil, summary.indexFailure == nil, let hint = Self.optimizeHint(archive) { s += "\n" + hint }
            if summary.interrupted {
                s += "\ninterrupted: the \(summary.dossiers) dossier\(summary.dossiers == 1 ? "" : "s") before were dealt with and committed; run the same command again to go on"
            }
            console.out(summary.rejected == 0 ? console.green(s) : s)
        }
        if let failure = summary.indexFailure {
            var d = failure.diagnostic
            d.message = "the search index could not follow this ingest (the dossiers are archived and cataloged): " + d.message
            d.advice += "; the index catches up from the ledger at the next search once fixed, or run 'hoso index rebuild'"
            console.err("hoso: " + console.render(d))
            throw ExitCode(3)
        }
        if summary.interrupted { throw ExitCode(Interruption.exitStatus) }
        if summary.rejected > 0 || layoutErrors > 0 { throw ExitCode(1) }
    }

    /// Advice to pack the index when an optimize would leave at least 8 segments fewer: a
    /// large import into an archive grown by ingests, whose merges leave segments more than
    /// half full alone. Each segment costs a search a few look-ups. Nil otherwise, or when the
    /// index cannot be read (a search says why).
    static func optimizeHint(_ archive: Archive) -> String? {
        guard let snapshot = try? IndexSnapshot.open(archive.indexFolder) else { return nil }
        return optimizeHint(snapshot.manifest.segments, formats: snapshot.segments.map(\.formatVersion))
    }

    static func optimizeHint(_ segments: [IndexManifest.SegmentEntry], formats: [UInt32]) -> String? {
        let plan = IndexWriter.optimizePlan(segments, formats: formats)
        guard !plan.rewrite.isEmpty, segments.count - plan.segments >= 8 else { return nil }
        return "the search index now has \(segments.count) segments: 'hoso index optimize' would pack them into \(plan.segments), for faster searches"
    }

    struct OutcomeJSON: Encodable {
        let path: String, number: String?, state: String, version: Int?, manifest: String?, supersedes: String?
        /// For "already-archived": whether that version is the current one.
        let current: Bool?
        let codes: [String]
        let diagnostics: [DiagnosticJSON]
        init(_ o: IngestOutcome) {
            path = o.path; number = o.number; state = o.state.rawValue; version = o.version
            manifest = o.manifest?.prefixed; supersedes = o.supersedes?.prefixed
            current = o.state == .alreadyArchived ? o.isCurrent : nil
            codes = Array(Set(o.diagnostics.filter { $0.severity == .error }.map(\.code.rawValue))).sorted()
            diagnostics = o.diagnostics.map { DiagnosticJSON(d: $0) }
        }
    }

    struct SummaryJSON: Encodable {
        let dossiers: Int, archived: Int, superseded: Int, alreadyArchived: Int, rejected: Int
        let files: Int, bytesRead: UInt64, objectsWritten: Int, seconds: Double
        let firstEntry: Int?, lastEntry: Int?, head: String?, stoppedEarly: Bool, interrupted: Bool, codes: [String: Int], staleTempsRemoved: Int
        /// Why the search index could not follow (E406 …), when it could not.
        let indexFailure: String?
        init(_ s: IngestSummary, seconds: Double) {
            dossiers = s.dossiers; archived = s.archived; superseded = s.superseded; alreadyArchived = s.alreadyArchived
            rejected = s.rejected; files = s.files; bytesRead = s.bytesRead; objectsWritten = s.objectsWritten
            self.seconds = (seconds * 1000).rounded() / 1000; firstEntry = s.firstEntry; lastEntry = s.lastEntry
            head = s.head?.prefixed; stoppedEarly = s.stoppedEarly; interrupted = s.interrupted
            codes = Dictionary(uniqueKeysWithValues: s.codes.map { ($0.key.rawValue, $0.value) })
            staleTempsRemoved = s.staleTempsRemoved
            indexFailure = s.indexFailure.map { "\($0.diagnostic.code.rawValue): \($0.diagnostic.message)" }
        }
    }
}
