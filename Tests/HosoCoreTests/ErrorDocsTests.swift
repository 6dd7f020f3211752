import Foundation
import Testing
import HosoTestSupport
@testable import HosoCore

@Suite struct ErrorDocsTests {
    /// docs/errors.md lists every code with its title, and no code that does not exist.
    @Test func everyCodeIsDocumented() throws {
        let text = try String(contentsOfFile: Repository.path("docs/errors.md"), encoding: .utf8)
        var documented = Set<String>()
        for line in text.split(separator: "\n") where line.hasPrefix("| E") || line.hasPrefix("| W") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            documented.insert(cells[0])
            if let code = DiagnosticCode(rawValue: cells[0]) {
                #expect(cells[1] == code.title, "title of \(code.rawValue) differs from docs/errors.md")
            }
        }
        let codes = Set(DiagnosticCode.allCases.map(\.rawValue))
        #expect(codes.subtracting(documented).isEmpty, "undocumented: \(codes.subtracting(documented).sorted())")
        #expect(documented.subtracting(codes).isEmpty, "documented but unknown: \(documented.subtracting(codes).sorted())")
    }

    /// The binary holds docs/errors.md as it is, and explains every code from it.
    @Test func everyCodeIsExplainedByTheBinary() throws {
        let text = try String(contentsOfFile: Repository.path("docs/errors.md"), encoding: .utf8)
        #expect(DiagnosticCode.docText == text, "run Scripts/embed-errors.sh after changing docs/errors.md")
        for code in DiagnosticCode.allCases {
            let e = code.explanation
            #expect(e.map { !$0.when.isEmpty && !$0.whatToDo.isEmpty && !$0.whatToDo.contains(" | ") } == true, "\(code.rawValue)")
        }
        #expect(DiagnosticCode.synonymFile.explanation?.when.contains("separated by `|`") == true, "a bar of the text is kept")
    }

    @Test func codesAreUniqueAndWellFormed() {
        let raw = DiagnosticCode.allCases.map(\.rawValue)
        #expect(Set(raw).count == raw.count)
        for r in raw { #expect(r.count == 4 && (r.hasPrefix("E") || r.hasPrefix("W"))) }
    }
}
