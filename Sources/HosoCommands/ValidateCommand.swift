import ArgumentParser
import Foundation
import HosoArchive
import HosoCore
import HosoXML

/// `hoso validate PATH…`: every problem of every dossier, before anything is archived.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check dossiers (XML against the schema, rules, referenced files) and report every problem.",
        discussion: """
        PATH is a dossier XML file, a dossier folder (holding dossier.xml and its scans), or a batch: \
        a folder of dossier folders, nested to any depth. All problems of all dossiers are reported, \
        each with a stable code (see 'hoso errors'). Exit status: 0 all valid, 1 some invalid \
        or a problem of the batch's layout (E101, E307, see docs/batch-layout.md), 2 usage error.
        """)

    @OptionGroup var batch: BatchPaths

    @OptionGroup var output: OutputOptions

    @Flag(name: .long, help: "List valid dossiers too.")
    var verbose = false

    @Option(name: .long, parsing: .unconditional, help: "Largest dossier XML file accepted, in bytes (1024 or more).")
    var maxXMLSize: Int = DossierParser.defaultMaxBytes

    @Option(name: .long, parsing: .unconditional, help: "Parallel workers, as many as processors unless given.")
    var jobs: Int = Parallel.defaultWorkers

    @Option(name: .long, help: "Convert text that looks like a legacy Vietnamese encoding read as Latin-1 (tcvn3) instead of refusing it (E407).")
    var legacyEncoding: LegacyEncoding?

    @Flag(name: .long, help: "Check the XML and its rules only; do not open the referenced files.")
    var metadataOnly = false

    func validate() throws {
        guard maxXMLSize >= 1024 else { throw ValidationError("--max-xml-size must be at least 1024 bytes") }
        try checkJobs(jobs)
    }

    func run() throws {
        let console = Console.shared
        let started = SystemFile.monotonic()
        let listing = ProgressMeter(counting: "listing the batch, dossiers found")
        let (sources, problems) = BatchDiscovery.discover(try batch.all()) { listing.update(items: $0, bytes: 0) }
        listing.finish()
        // Findings about the batch itself are results, like the dossiers' own: on standard
        // output, in the report.
        if sources.isEmpty {
            if output.json {
                let summary = Summary(dossiers: 0, valid: 0, invalid: 0, warnings: problems.filter { $0.severity == .warning }.count,
                                      files: 0, bytesHashed: 0, seconds: 0,
                                      codes: Dictionary(problems.map { ($0.code.rawValue, 1) }, uniquingKeysWith: +),
                                      pathProblems: problems.count, invalidDossiers: [])
                let batch = DiagnosticJSON.items(problems)
                console.out("{\"format\":\"hoso-validate-report/1\",\"dossiers\":[],\"batchFindings\":[\(batch)],\"summary\":\(JSON.encode(summary))}")
            } else {
                for p in problems { console.out(console.render(p)) }
            }
            throw ExitCode(2)
        }
        try DossierSchema.requireLibrary()
        let meter = ProgressMeter("validating", totalItems: sources.count)
        var validator = DossierValidator(maxXMLBytes: maxXMLSize, legacyEncoding: legacyEncoding)
        validator.checkFiles = !metadataOnly
        let runner = BatchRunner(validator: validator, workers: jobs)
        var valid = 0, invalid = 0, warnings = 0, files = 0
        var bytes: UInt64 = 0
        var codeCounts: [DiagnosticCode: Int] = [:]
        var invalidPaths = Set<String>()
        var firstEntry = true
        if output.json { console.out("{\"format\":\"hoso-validate-report/1\",\"dossiers\":[") }
        for p in problems where !output.json { console.out(console.render(p)) }
        // Findings about the batch's layout: an error (a path that is no dossier) fails the run,
        // a warning (a folder skipped) is counted and reported, as the dossiers' own warnings are.
        let layoutErrors = problems.filter { $0.severity == .error }.count
        for p in problems {
            codeCounts[p.code, default: 0] += 1
            if p.severity == .warning { warnings += 1 }
        }

        let late = try runner.run(sources, progress: { meter.update(items: $0, bytes: $1) }) { check in
            files += check.files.count
            bytes += check.bytesRead
            for d in check.diagnostics {
                codeCounts[d.code, default: 0] += 1
                if d.severity == .warning { warnings += 1 }
            }
            if check.isValid { valid += 1 } else { invalid += 1; invalidPaths.insert(check.source.xmlPath) }
            if output.json {
                let entry = DossierEntry(check: check)
                console.out((firstEntry ? "" : ",") + JSON.encode(entry))
                firstEntry = false
            } else {
                if !check.diagnostics.isEmpty { meter.finish() }
                for d in check.diagnostics { console.out(console.render(d)) }
                if verbose && check.isValid {
                    console.out("\(console.green("ok")) \(Console.visible(check.source.folder)) \(Console.visible(check.number ?? ""))")
                }
            }
            return true
        }
        meter.finish()
        // A duplicated number also invalidates its first holder, found earlier.
        for d in late {
            codeCounts[d.code, default: 0] += 1
            if let f = d.file, !invalidPaths.contains(f) { invalidPaths.insert(f); valid -= 1; invalid += 1 }
            if !output.json { console.out(console.render(d)) }
        }
        let seconds = SystemFile.monotonic() - started
        let summary = Summary(dossiers: valid + invalid, valid: valid, invalid: invalid, warnings: warnings,
                              files: files, bytesHashed: bytes, seconds: (seconds * 1000).rounded() / 1000,
                              codes: Dictionary(uniqueKeysWithValues: codeCounts.map { ($0.key.rawValue, $0.value) }),
                              pathProblems: problems.count, invalidDossiers: invalidPaths.sorted())
        if output.json {
            let batch = DiagnosticJSON.items(late + problems)
            console.out("],\"batchFindings\":[\(batch)],\"summary\":\(JSON.encode(summary))}")
        } else {
            var line = "\(Format.count(summary.dossiers, "dossier")) checked: \(valid) valid, \(invalid) invalid"
            if warnings > 0 { line += ", " + Format.count(warnings, "warning") }
            line += "; \(Format.count(files, "file")), \(Format.bytes(bytes)) hashed in \(Format.duration(seconds))"
            if seconds > 0 { line += " (\(Format.perSecond(summary.dossiers, seconds, "dossier")), \(Format.rate(bytes, seconds)))" }
            if !codeCounts.isEmpty {
                line += "\nproblems by code: " + codeCounts.sorted { $0.key < $1.key }.map { "\($0.key.rawValue)×\($0.value)" }.joined(separator: " ")
            }
            console.out(invalid == 0 && layoutErrors == 0 ? console.green(line) : line)
        }
        if invalid > 0 || layoutErrors > 0 { throw ExitCode(1) }
    }

    struct DossierEntry: Encodable {
        let path: String
        let folder: String
        let number: String?
        let valid: Bool
        let files: [FileEntry]
        let diagnostics: [DiagnosticJSON]
        init(check: DossierCheck) {
            path = check.source.xmlPath
            folder = check.source.folder
            number = check.number
            valid = check.isValid
            files = check.files.map { FileEntry(component: $0.component.id, path: $0.path, size: $0.size, sha256: $0.digest.prefixed) }
            diagnostics = check.diagnostics.map { DiagnosticJSON(d: $0) }
        }
    }

    struct FileEntry: Encodable {
        let component: String
        let path: String
        let size: UInt64
        let sha256: String
    }

    struct Summary: Encodable {
        let dossiers: Int, valid: Int, invalid: Int, warnings: Int, files: Int
        let bytesHashed: UInt64
        let seconds: Double
        let codes: [String: Int]
        let pathProblems: Int
        /// Every invalid dossier's XML, sorted: authoritative, unlike the streamed entries, whose
        /// "valid" judges a dossier on its own (a number duplicated later in the batch also
        /// invalidates its first holder; that finding is in batchFindings).
        let invalidDossiers: [String]
    }
}
