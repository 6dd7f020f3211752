/// One problem found in an input or in the archive: a stable code, where it is, what was expected
/// and found, and what to do about it.
public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    public var code: DiagnosticCode
    /// The file the problem is in, as the user named it (or an archive-relative path).
    public var file: String?
    public var line: Int?
    public var column: Int?
    /// What the problem is about when it is not a file: a dossier number, an object name.
    public var subject: String?
    /// What is wrong, in one sentence without a final period.
    public var message: String
    public var expected: String?
    public var found: String?
    /// What to do about it.
    public var advice: String
    /// The dossier versions that use the object a finding is about (verify names them), so that
    /// a report can be joined to dossiers without reading the message.
    public var usedBy: [ObjectUse]? = nil

    public init(_ code: DiagnosticCode, file: String? = nil, line: Int? = nil, column: Int? = nil,
                subject: String? = nil, message: String, expected: String? = nil, found: String? = nil,
                advice: String) {
        self.code = code; self.file = file; self.line = line; self.column = column
        self.subject = subject; self.message = message; self.expected = expected; self.found = found
        self.advice = advice
    }

    public var severity: Severity { code.isWarning ? .warning : .error }

    /// `file:line:column` (the parts that are known), or the subject.
    public var location: String? {
        guard let file else { return subject }
        var s = file
        if let line, line > 0 {
            s += ":\(line)"
            if let column, column > 0 { s += ":\(column)" }
        }
        return s
    }

    /// The one-line form: `E305 file:12: message: expected …, found …. Advice.`
    public var description: String {
        var s = code.rawValue
        if let location { s += " " + location + ":" }
        s += " " + message
        var parts: [String] = []
        if let expected { parts.append("expected \(expected)") }
        if let found { parts.append("found \(found)") }
        if !parts.isEmpty { s += ": " + parts.joined(separator: ", ") }
        s += ". " + advice
        return s
    }
}

extension Diagnostic {
    /// Names, in the message and in `usedBy`, the dossier versions and files that use the
    /// object the finding is about (the first three in words, the rest counted).
    public mutating func name(users: [ObjectUse]) {
        guard !users.isEmpty else { return }
        message += "; used by " + users.prefix(3).map(\.described).joined(separator: "; ") + (users.count > 3 ? " and \(users.count - 3) more" : "")
        usedBy = users
    }
}

/// A dossier version's use of an object: the file its manifest names (`dossier.xml`, a
/// component's path, or `manifest` for the manifest itself).
public struct ObjectUse: Sendable, Hashable, Codable {
    public var dossier: String
    public var version: Int
    public var path: String
    public init(dossier: String, version: Int, path: String) { self.dossier = dossier; self.version = version; self.path = path }
    /// `000.00.21.H50-230512-0007 version 1 (scans/cccd.jpg)`
    public var described: String { "\(dossier) version \(version) (\(path))" }
}

/// An error that carries a diagnostic, for failures that stop a command.
public struct HosoError: Error, Sendable, CustomStringConvertible {
    public var diagnostic: Diagnostic
    public init(_ diagnostic: Diagnostic) { self.diagnostic = diagnostic }
    public init(_ code: DiagnosticCode, file: String? = nil, subject: String? = nil, message: String,
                expected: String? = nil, found: String? = nil, advice: String) {
        diagnostic = Diagnostic(code, file: file, subject: subject, message: message,
                                expected: expected, found: found, advice: advice)
    }
    public var code: DiagnosticCode { diagnostic.code }
    public var description: String { diagnostic.description }
}
