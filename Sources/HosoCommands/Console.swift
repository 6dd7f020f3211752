import Foundation
import CHosoSys
import HosoCore
import Synchronization

/// Writes to standard output (results) and standard error (progress, diagnostics), knowing whether
/// each is a terminal. Standard output is buffered and flushed at exit; standard error is not.
final class Console: @unchecked Sendable {
    static let shared = Console()

    let stdoutIsTerminal = SystemFile.isTerminal(1)
    let stderrIsTerminal = SystemFile.isTerminal(2)
    private var buffer: [UInt8] = []
    private let lock = NSLock()

    /// Whether to emphasise with ANSI escapes on standard output (not for NO_COLOR, nor for a
    /// terminal that says it knows none: TERM=dumb).
    var useColor: Bool {
        stdoutIsTerminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil && !isDumbTerminal
    }

    /// TERM=dumb: a terminal that understands no escape codes.
    let isDumbTerminal = ProcessInfo.processInfo.environment["TERM"] == "dumb"

    /// The width of the terminal on standard output and standard error (COLUMNS when set), nil
    /// when it is no terminal: lines written there are fitted to it.
    let stdoutColumns = Console.columns(1)
    let stderrColumns = Console.columns(2)

    static func columns(_ fd: Int32) -> Int? {
        guard SystemFile.isTerminal(fd) else { return nil }
        if let c = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), c > 0 { return c }
        let n = Int(choso_terminal_columns(fd))
        return n > 0 ? n : nil
    }

    /// `s` cut to `columns` visible characters, "…" last where it was cut (ANSI escape
    /// sequences are not counted; emphasis open at the cut is closed).
    static func fit(_ s: String, columns: Int?) -> String {
        guard let columns, columns > 1 else { return s }
        func visibleCount() -> Int {
            var n = 0, inEscape = false
            for ch in s {
                if inEscape { if ch.isLetter { inEscape = false } } else if ch == "\u{1B}" { inEscape = true } else { n += 1 }
            }
            return n
        }
        guard visibleCount() > columns else { return s }
        var out = "", visible = 0, inEscape = false, sequence = "", open = false
        for ch in s {
            if inEscape {
                out.append(ch); sequence.append(ch)
                if ch.isLetter { inEscape = false; open = sequence != "\u{1B}[0m" }
                continue
            }
            if ch == "\u{1B}" { inEscape = true; sequence = "\u{1B}"; out.append(ch); continue }
            if visible == columns - 1 { break }
            out.append(ch); visible += 1
        }
        return out + "…" + (open ? "\u{1B}[0m" : "")
    }

    func out(_ s: String) {
        lock.lock(); defer { lock.unlock() }
        buffer.append(contentsOf: s.utf8)
        buffer.append(0x0A)
        if buffer.count > 1 << 16 { flushLocked() }
    }

    func flush() {
        lock.lock(); defer { lock.unlock() }
        flushLocked()
    }

    private func flushLocked() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { b in
            var off = 0
            while off < b.count {
                let n = write(1, b.baseAddress! + off, b.count - off)
                if n <= 0 { if errno == EINTR { continue }; break }
                off += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func err(_ s: String, newline: Bool = true) {
        var bytes = Array(s.utf8)
        if newline { bytes.append(0x0A) }
        bytes.withUnsafeBytes { b in
            var off = 0
            while off < b.count {
                let n = write(2, b.baseAddress! + off, b.count - off)
                if n <= 0 { if errno == EINTR { continue }; break }
                off += n
            }
        }
    }

    func bold(_ s: String) -> String { useColor ? "\u{1B}[1m" + s + "\u{1B}[0m" : s }
    func red(_ s: String) -> String { useColor ? "\u{1B}[31m" + s + "\u{1B}[0m" : s }
    func yellow(_ s: String) -> String { useColor ? "\u{1B}[33m" + s + "\u{1B}[0m" : s }
    func green(_ s: String) -> String { useColor ? "\u{1B}[32m" + s + "\u{1B}[0m" : s }

    /// A diagnostic for people: location, code and message on one line, then what was expected and
    /// found, then what to do.
    func render(_ d: Diagnostic) -> String {
        let kind = d.severity == .error ? red("error") : yellow("warning")
        var s = ""
        if let loc = d.location { s += Self.visible(loc) + ": " }
        s += "\(kind) \(bold(d.code.rawValue)): \(Self.visible(d.message))"
        if let subject = d.subject, d.file != nil, !d.message.contains(subject) { s += " [\(Self.visible(subject))]" }
        if let e = d.expected { s += "\n    expected: \(Self.visible(e))" }
        if let f = d.found { s += "\n    found:    \(Self.visible(f))" }
        s += "\n    what to do: \(Self.visible(d.advice))"
        return s
    }

    /// Text from outside (folder and file names, a dossier's fields) as a terminal may show it:
    /// control characters written as escapes (`\n`, `\u{1B}`), so that a name holding a line
    /// break or a terminal command cannot forge a line of a report or change the screen.
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for u in text.unicodeScalars {
            if !isControl(u) { out.unicodeScalars.append(u); continue }
            switch u {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
            }
        }
        return out
    }

    private static func isControl(_ u: Unicode.Scalar) -> Bool { u.value < 0x20 || (u.value >= 0x7F && u.value < 0xA0) }
}

/// JSON for machines: sorted keys, no escaped slashes, one document per call.
enum JSON {
    static func encode<T: Encodable>(_ value: T, pretty: Bool = false) -> String {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? e.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    /// A key named at run time (a catalog's column, a grouping), for a report's own encode.
    struct Key: CodingKey {
        let stringValue: String
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}

/// A diagnostic as it appears in JSON reports (adds severity and title).
struct DiagnosticJSON: Encodable {
    let d: Diagnostic

    /// Diagnostics as the items of a JSON array (without its brackets), for reports written
    /// piece by piece.
    static func items(_ ds: [Diagnostic]) -> String { ds.map { JSON.encode(DiagnosticJSON(d: $0)) }.joined(separator: ",") }

    enum K: String, CodingKey { case code, severity, title, file, line, column, subject, message, expected, found, advice, usedBy }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: K.self)
        try c.encode(d.code.rawValue, forKey: .code)
        try c.encode(d.severity.rawValue, forKey: .severity)
        try c.encode(d.code.title, forKey: .title)
        try c.encodeIfPresent(d.file, forKey: .file)
        try c.encodeIfPresent(d.line, forKey: .line)
        try c.encodeIfPresent(d.column, forKey: .column)
        try c.encodeIfPresent(d.subject, forKey: .subject)
        try c.encode(d.message, forKey: .message)
        try c.encodeIfPresent(d.expected, forKey: .expected)
        try c.encodeIfPresent(d.found, forKey: .found)
        try c.encode(d.advice, forKey: .advice)
        try c.encodeIfPresent(d.usedBy, forKey: .usedBy)
    }
}

/// Comma-separated values as spreadsheets read them: a field is quoted where it holds the
/// separator, a quote or a line break. With ';' (a spreadsheet set to Vietnamese, where ',' is
/// the decimal mark and ';' separates a list), decimals are written with a comma.
struct CSV {
    var separator: Character = ","

    func field(_ s: String) -> String {
        // A text that a spreadsheet would take for a formula (=HYPERLINK(…), +…, -…, @…, from
        // a batch's metadata) is written after an apostrophe, which shows it as text; numbers
        // are numbers.
        var s = s
        if let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), Double(s) == nil { s = "'" + s }
        return s.contains(separator) || s.contains("\"") || s.contains("\n") || s.contains("\r")
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    func row(_ fields: [String]) -> String { fields.map(field).joined(separator: String(separator)) }

    /// A decimal fraction (`0.9630`) as the separator's locale writes it.
    func decimal(_ s: String) -> String { separator == ";" ? s.replacingOccurrences(of: ".", with: ",") : s }

    /// The separator named on the command line: ',' or ';' (or their names).
    init?(named: String) {
        switch named.lowercased() {
        case ",", "comma": separator = ","
        case ";", "semicolon": separator = ";"
        default: return nil
        }
    }
    init() {}
}

/// Human-readable sizes and durations.
enum Format {
    /// "1 file", "2 files": a count with its noun (an English plural in -s unless given).
    static func count(_ n: Int, _ noun: String, _ plural: String? = nil) -> String {
        "\(n) " + (n == 1 ? noun : plural ?? noun + "s")
    }
    static func bytes(_ n: UInt64) -> String {
        let v = Double(n)
        if v < 1000 { return "\(n) B" }
        if v < 1e6 { return String(format: "%.1f kB", v / 1e3) }
        if v < 1e9 { return String(format: "%.1f MB", v / 1e6) }
        if v < 1e12 { return String(format: "%.2f GB", v / 1e9) }
        return String(format: "%.2f TB", v / 1e12)
    }
    static func rate(_ bytes: UInt64, _ seconds: Double) -> String {
        seconds > 0 ? String(format: "%.1f MB/s", Double(bytes) / 1e6 / seconds) : "-"
    }
    /// A rate of things per second as a reader takes it: one dossier in 2.1 s is "0.5 dossiers/s",
    /// not "0 dossiers/s".
    static func perSecond(_ n: Int, _ seconds: Double, _ thing: String) -> String {
        let r = Double(n) / max(seconds, 1e-9)
        return (r >= 10 ? String(format: "%.0f", r) : String(format: "%.1f", r)) + " \(thing)s/s"
    }

    static func duration(_ s: Double) -> String {
        if s < 1 { return String(format: "%.0f ms", s * 1000) }
        if s < 120 { return String(format: "%.1f s", s) }
        let m = Int(s) / 60, sec = Int(s) % 60
        if m < 120 { return String(format: "%d:%02d", m, sec) }
        return String(format: "%d:%02d:%02d", m / 60, m % 60, sec)
    }
    /// `s` padded with spaces to `width` columns, on the left when `right` (numbers in a
    /// column). Not `String(format:)`: its first call in a process costs a search about a
    /// millisecond (Foundation sets up its formatting).
    static func aligned(_ s: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - s.count))
        return right ? fill + s : s + fill
    }
    /// A share as a percentage with one decimal, rounded half up as reports are (5 of 16 is
    /// 31.3%, 201 of 400 is 50.3%), from the counts themselves: dividing in binary first turns
    /// 0.5025 into 0.50249999… and printf's rounding of 0.3125 goes to even.
    static func percent(_ part: Int, _ whole: Int) -> String {
        whole == 0 ? "-" : Rounding.halfUp(part * 100, whole, places: 1) + "%"
    }
}

/// Ctrl-C during a long run, or SIGTERM (what a service manager or `kill` sends to stop a job):
/// the first asks the run to stop at the next safe point; a second ends the process at once
/// (what was committed stays committed either way).
enum Interruption {
    /// The signal that asked the run to stop, or 0.
    private static let flag = Atomic<Int32>(0)
    static var requested: Bool { flag.load(ordering: .relaxed) != 0 }
    /// The exit status of a run stopped this way: 128 + the signal's number (130 for Ctrl-C,
    /// 143 for SIGTERM), as a shell reports a job the signal ended.
    static var exitStatus: Int32 { 128 + flag.load(ordering: .relaxed) }

    static func watch() {
        // The flag is made here, not on first use inside the handler (where making it is unsafe).
        _ = flag.load(ordering: .relaxed)
        // A parent may start hoso with SIGINT blocked (some test runners and job controllers do):
        // unblocked here, so that the request reaches this handler.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        // Set before any handler is: read inside it, where making it would be unsafe.
        handlesInt = !isIgnored(SIGINT)
        handlesTerm = !isIgnored(SIGTERM)
        for s in [SIGINT, SIGTERM] where s == SIGINT ? handlesInt : handlesTerm {
            signal(s) { sig in
                // The first signal is the one the exit status tells; after it, either signal
                // stops at once (one the parent ignores stays ignored).
                _ = Interruption.flag.compareExchange(expected: 0, desired: sig, ordering: .relaxed)
                if Interruption.handlesInt { signal(SIGINT, SIG_DFL) }
                if Interruption.handlesTerm { signal(SIGTERM, SIG_DFL) }
                // Only what is safe in a signal handler: constants written with write(2).
                let note: StaticString = sig == SIGTERM
                    ? "\nhoso: asked to stop (SIGTERM): stopping after the dossier at hand (a second SIGTERM stops at once)\n"
                    : "\nhoso: stopping after the dossier at hand (Ctrl-C again stops at once)\n"
                _ = write(2, note.utf8Start, note.utf8CodeUnitCount)
            }
        }
    }

    static func stopWatching() {
        if handlesInt { signal(SIGINT, SIG_DFL) }
        if handlesTerm { signal(SIGTERM, SIG_DFL) }
    }

    /// The signals `watch()` handles: those the parent does not ignore (plain flags, read in
    /// the handler).
    nonisolated(unsafe) private static var handlesInt = false
    nonisolated(unsafe) private static var handlesTerm = false

    /// Whether the signal is ignored, as a shell starts a background job's SIGINT: it stays so
    /// (a handler would make Ctrl-C at the terminal stop a job meant to go on).
    static func isIgnored(_ s: Int32) -> Bool {
        var current = sigaction()
        guard sigaction(s, nil, &current) == 0 else { return false }
        return unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == 1     // SIG_IGN
    }

    /// The note a signal prints before ending a command that has no safe point to stop at.
    nonisolated(unsafe) private static var stopNote: (bytes: UnsafeMutablePointer<UInt8>, count: Int)?

    /// For a command with no point to stop at between steps (a rebuild, a verify): Ctrl-C or
    /// SIGTERM still ends it at once, with the signal's exit status, as it would without a
    /// handler, but first says what that leaves (`note`), where it would otherwise end in silence.
    static func explainStop(_ note: String) {
        let text = Array(("\nhoso: stopped by a signal: " + note + "\n").utf8)
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: text.count)     // kept for the process's life
        bytes.initialize(from: text, count: text.count)
        stopNote = (bytes, text.count)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for s in [SIGINT, SIGTERM] where !isIgnored(s) {
            signal(s) { sig in
                // Only what is safe in a signal handler: bytes made beforehand, written with write(2).
                if let note = Interruption.stopNote { _ = write(2, note.bytes, note.count) }
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
    }
}
