import HosoCore
import Synchronization

/// A one-line progress display on standard error, drawn only when standard error is a terminal,
/// at most ten times a second: items and bytes done, their rates, and the time left (or, with no
/// total, what has been found so far).
final class ProgressMeter: Sendable {
    private struct State {
        var items = 0
        var bytes: UInt64 = 0
        var lastDraw = 0.0
        var drawn = false
        /// Characters of the line last drawn (a dumb terminal's line is cleared with spaces).
        var width = 0
    }
    private let state = Mutex(State())
    private let label: String
    private let totalItems: Int
    private let totalBytes: UInt64?
    private let start = SystemFile.monotonic()
    private let enabled: Bool

    /// Only counts what is found (a listing, whose total is not known yet).
    private let counting: Bool

    init(_ label: String, totalItems: Int, totalBytes: UInt64? = nil, enabled: Bool = Console.shared.stderrIsTerminal) {
        self.label = label; self.totalItems = totalItems; self.totalBytes = totalBytes; self.enabled = enabled
        counting = false
    }

    /// A meter that shows "label: N" as N grows.
    init(counting label: String, enabled: Bool = Console.shared.stderrIsTerminal) {
        self.label = label; totalItems = 0; totalBytes = nil; self.enabled = enabled
        counting = true
    }

    /// Sets the absolute figures.
    func update(items: Int, bytes: UInt64) {
        guard enabled else { return }
        state.withLock { s in s.items = items; s.bytes = bytes }
        drawIfDue()
    }

    /// Adds to the figures.
    func advance(items: Int = 0, bytes: UInt64 = 0) {
        guard enabled else { return }
        state.withLock { s in s.items += items; s.bytes += bytes }
        drawIfDue()
    }

    private func drawIfDue() {
        let now = SystemFile.monotonic()
        let drawn: (line: String, previous: Int)? = state.withLock { s in
            guard now - s.lastDraw >= 0.1 else { return nil }
            s.lastDraw = now; s.drawn = true
            // A line wider than the terminal would wrap, and the next one could not overwrite it.
            let line = Console.fit(render(items: s.items, bytes: s.bytes, elapsed: now - start), columns: Console.shared.stderrColumns)
            defer { s.width = line.count }
            return (line, s.width)
        }
        if let drawn { Console.shared.err(clear(drawn.previous) + drawn.line, newline: false) }
    }

    /// Back to the line's start, erased: with an escape code, or on a terminal that knows none
    /// (TERM=dumb) by writing spaces over the last line.
    private func clear(_ previous: Int) -> String {
        guard Console.shared.isDumbTerminal else { return "\r\u{1B}[2K" }
        return "\r" + String(repeating: " ", count: previous) + "\r"
    }

    private func render(items: Int, bytes: UInt64, elapsed: Double) -> String {
        // No total yet: a count (the dossiers a batch listing has found so far).
        if counting { return "\(label): \(items)" }
        let fraction: Double
        if let totalBytes, totalBytes > 0 { fraction = Double(bytes) / Double(totalBytes) }
        else { fraction = totalItems > 0 ? Double(items) / Double(totalItems) : 0 }
        let width = 24
        let filled = max(0, min(width, Int(fraction * Double(width))))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        var s = "\(label) [\(bar)] \(items)/\(totalItems)"
        if elapsed > 0 {
            s += String(format: "  %.0f/s", Double(items) / elapsed)
            if bytes > 0 { s += "  " + Format.rate(bytes, elapsed) }
            if fraction > 0.01 && fraction < 1 { s += "  ETA " + Format.duration(elapsed * (1 - fraction) / fraction) }
        }
        return s
    }

    /// Clears the line.
    func finish() {
        guard enabled else { return }
        let (drawn, width) = state.withLock { ($0.drawn, $0.width) }
        if drawn { Console.shared.err(clear(width), newline: false) }
    }
}
