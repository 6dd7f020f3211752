public import ArgumentParser
import Foundation
import HosoArchive
import HosoCatalog
import HosoCore
import HosoIndex

/// The `hoso` command line: digitized dossiers of Vietnamese administrative procedures,
/// validated, archived, searched and audited.
public struct Hoso: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hoso",
        abstract: "Archive, search and audit digitized dossiers of administrative procedures (hồ sơ TTHC).",
        discussion: """
        Exit status: 0 success; 1 problems found (invalid dossiers, integrity findings); \
        2 usage error; 3 the command could not be carried out (I/O failure, not an archive, locked); \
        130 stopped by Ctrl-C (143 by SIGTERM).
        Every problem has a stable code; 'hoso errors' lists them. 'hoso --version' prints the \
        version of hoso.
        """,
        subcommands: [
            InitCommand.self,
            ValidateCommand.self,
            IngestCommand.self,
            ObjectCommand.self,
            ShowCommand.self,
            ExportCommand.self,
            StatsCommand.self,
            RebuildCommand.self,
            ReplicateCommand.self,
            SearchCommand.self,
            IndexCommand.self,
            VerifyCommand.self,
            SealCommand.self,
            ErrorsCommand.self,
        ])

    public init() {}

    /// Runs the command line and exits with hoso's documented status codes.
    public static func main(arguments: [String]? = nil) -> Never {
        let status = run(arguments: arguments)
        Console.shared.flush()
        Foundation.exit(status)
    }

    /// Runs the command line and returns the exit status (tests call this in-process).
    public static func run(arguments: [String]? = nil) -> Int32 {
        // The version of hoso, asked of hoso itself: not a flag of every command, where
        // `--version N` names a dossier's version (show, export).
        if (arguments ?? Array(CommandLine.arguments.dropFirst())) == ["--version"] {
            Console.shared.out("\(HosoVersion.text) (\(HosoVersion.formats))")
            return 0
        }
        if let hint = SearchCommand.dashQueryHint(arguments ?? Array(CommandLine.arguments.dropFirst())) {
            Console.shared.err("Error: " + hint)
            return 2
        }
        var parsed: (any ParsableCommand.Type)?
        do {
            var command = try searchParsedAlone(arguments ?? Array(CommandLine.arguments.dropFirst())) ?? parseAsRoot(arguments)
            parsed = type(of: command)
            try command.run()
            return 0
        } catch let e as ExitCode {
            return e.rawValue
        } catch where diagnostic(for: error) != nil {
            return failed(diagnostic(for: error)!, arguments)
        } catch {
            let code = exitCode(for: error)
            var message = fullMessage(for: error)
            // A value a command refuses once parsed: its own usage, not the root's.
            if let e = error as? ValidationError, let parsed, parsed != Hoso.self {
                let name = parsed.configuration.commandName ?? ""
                message = "Error: \(e.message)\nUsage: " + usageString(for: parsed) + "\n  See '\(fullName(parsed, name)) --help' for more information."
            }
            Console.shared.flush()
            if code == .success {
                if !message.isEmpty { Console.shared.out(message) }
                return 0
            }
            // ArgumentParser uses 64 (EX_USAGE) for usage errors; hoso documents 2. With --json,
            // the problem is one JSON object there too, as for any command not carried out.
            if code.rawValue == 64, (arguments ?? CommandLine.arguments).contains("--json") {
                // The error's first line, with the values it lists below it ("  - year").
                let lines = message.split(separator: "\n").map(String.init)
                let first = lines.first ?? message
                let values = lines.dropFirst().prefix { $0.hasPrefix("  - ") }.map { String($0.dropFirst(4)) }
                let text = (first.hasPrefix("Error: ") ? String(first.dropFirst(7)) : first) + (values.isEmpty ? "" : " " + values.joined(separator: ", "))
                Console.shared.out(JSON.encode(DiagnosticJSON(d: Diagnostic(.commandLine, message: text, advice: "Run the command with --help"))))
            }
            if !message.isEmpty { Console.shared.err(message) }
            if code.rawValue == 64 { return 2 }
            return code == .failure ? 3 : code.rawValue
        }
    }
}

extension Hoso {
    /// `hoso search …` parsed by the search command alone, when its arguments parse: an officer
    /// waits for each search, and parsing the whole command tree (every command's arguments
    /// found by reflection, twice) was a fifth of a search process. Anything else (help, an
    /// error, another command) goes through the whole tree, which says it as before.
    static func searchParsedAlone(_ arguments: [String]) -> (any ParsableCommand)? {
        guard arguments.first == "search", let command = try? SearchCommand.parseAsRoot(Array(arguments.dropFirst())),
              command is SearchCommand else { return nil }    // (help comes back as a command of its own)
        return command
    }

    /// "hoso object get" for the command type of `object get`.
    static func fullName(_ type: any ParsableCommand.Type, _ name: String) -> String {
        for sub in configuration.subcommands {
            if sub == type { return "hoso " + name }
            if sub.configuration.subcommands.contains(where: { $0 == type }) { return "hoso \(sub.configuration.commandName ?? "") \(name)" }
        }
        return "hoso " + name
    }

    /// What hoso's own errors say, as a diagnostic (nil for argument errors and the like).
    static func diagnostic(for error: any Error) -> Diagnostic? { Archive.diagnostic(for: error) }

    /// A command that could not be carried out: the problem on standard error, and with
    /// `--json` also on standard output as the same object a query error gives, so that a
    /// script reading the JSON always gets JSON.
    static func failed(_ d: Diagnostic, _ arguments: [String]?) -> Int32 {
        if (arguments ?? CommandLine.arguments).contains("--json") { Console.shared.out(JSON.encode(DiagnosticJSON(d: d))) }
        Console.shared.flush()
        Console.shared.err("hoso: " + Console.shared.render(d))
        return 3
    }
}

enum HosoVersion {
    /// Raised with every change of a format an older release cannot read (0.2.0: archive format
    /// 2, segment format 5, derivation rule 4).
    static let text = "0.2.0"
    /// The formats this release writes: what a user comparing releases, or reading E402, needs.
    static var formats: String {
        "archive format \(ArchiveConfig.currentVersion), index segments of format \(Segment.currentFormatVersion), derivation rule \(IndexDocument.currentDerivation)"
    }
}

extension LegacyEncoding: ExpressibleByArgument {}

/// `--json` for machine-readable output.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print a machine-readable JSON report on standard output.")
    var json = false
}
