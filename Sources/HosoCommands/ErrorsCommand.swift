import ArgumentParser
import HosoCore

/// `hoso errors [CODE]`: the list of problem codes, or one code explained.
struct ErrorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "errors",
        abstract: "List the stable problem codes hoso reports, or explain one (when it is reported, what to do).")

    @Argument(help: "A code such as E305 to show only that one.")
    var code: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        var codes = DiagnosticCode.allCases.sorted()
        if let code {
            guard let c = DiagnosticCode(rawValue: code.uppercased()) else {
                throw ValidationError("unknown code '\(code)'; 'hoso errors' lists them all")
            }
            codes = [c]
        }
        if output.json {
            struct Entry: Encodable { let code: String; let severity: String; let title: String; let when: String?; let whatToDo: String? }
            Console.shared.out(JSON.encode(codes.map {
                Entry(code: $0.rawValue, severity: $0.isWarning ? "warning" : "error", title: $0.title,
                      when: $0.explanation?.when, whatToDo: $0.explanation?.whatToDo)
            }))
        } else if code != nil, let c = codes.first {
            // One code: the whole row of docs/errors.md, as the binary holds it.
            Console.shared.out("\(c.rawValue)  \(c.title) (\(c.isWarning ? "warning" : "error"))")
            if let e = c.explanation {
                Console.shared.out("")
                Console.shared.out("When: " + e.when)
                Console.shared.out("")
                Console.shared.out("What to do: " + e.whatToDo)
            }
        } else {
            for c in codes { Console.shared.out("\(c.rawValue)  \(c.title)") }
        }
    }
}
