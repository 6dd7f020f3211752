import Foundation
import HosoCore

/// The Vietnamese analyzer of VIETNAMESE.md.
///
/// Text is made canonical (Đ/đ homoglyphs mapped, NFC), lowercased and split into runs of letters,
/// digits and combining marks. Each token gets a position, its byte range in the canonical text,
/// and two keys:
/// - the **exact key**, independent of where the tone mark sits: tone marks removed wherever they
///   are, vowel marks kept, then `0x01` and the tone digit (0 none, 1 sắc, 2 huyền, 3 hỏi, 4 ngã,
///   5 nặng): hòa and hoà → `hoa␁2`;
/// - the **folded key**: every mark dropped, đ → d: Đường → `duong`.
///
/// The hot loop works on UTF-8 bytes with a table for the scripts Vietnamese uses (Latin-1,
/// Latin Extended-A/B, Latin Extended Additional), built once from Unicode data; anything else
/// falls back to Unicode properties.
public struct Analyzer: Sendable {
    /// Separates an exact key's syllable from its tone digit.
    public static let toneSeparator: UInt8 = 0x01

    public init() {}

    /// One token: its position, byte range in the canonical text, and keys (valid during the call).
    public struct Token {
        public var position: Int
        public var start: Int
        public var end: Int
        public var exact: UnsafeBufferPointer<UInt8>
        public var folded: UnsafeBufferPointer<UInt8>
        public var tone: UInt8
    }

    /// Tokenizes already canonical text, calling `body` for each token.
    /// - Parameter firstPosition: the position of the first token (for fields with several values).
    /// - Returns: the position after the last token.
    @discardableResult
    public func tokenize(canonical text: String, firstPosition: Int = 0, _ body: (Token) -> Void) -> Int {
        var text = text
        return text.withUTF8 { bytes in
            tokenize(utf8: bytes, firstPosition: firstPosition, body)
        }
    }

    /// Tokenizes any text: makes it canonical first.
    @discardableResult
    public func tokenize(_ text: String, firstPosition: Int = 0, _ body: (Token) -> Void) -> Int {
        tokenize(canonical: VietnameseText.canonical(text), firstPosition: firstPosition, body)
    }

    /// The tokens' keys as strings (for tests and query parsing).
    public func keys(_ text: String) -> [(exact: [UInt8], folded: [UInt8], tone: UInt8)] {
        var out: [([UInt8], [UInt8], UInt8)] = []
        tokenize(text) { t in out.append((Array(t.exact), Array(t.folded), t.tone)) }
        return out
    }

    /// Longest key kept (bytes); longer runs are cut (they are never words anyone types).
    static let maxKey = 120

    func tokenize(utf8 p: UnsafeBufferPointer<UInt8>, firstPosition: Int, _ body: (Token) -> Void) -> Int {
        let table = CharacterTable.shared
        let exact = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Analyzer.maxKey + 8)
        let folded = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Analyzer.maxKey + 8)
        defer { exact.deallocate(); folded.deallocate() }
        var e = 0, f = 0
        var position = firstPosition
        var i = 0
        let n = p.count
        var start = -1
        var tone: UInt8 = 0
        let limit = Analyzer.maxKey
        return table.flat.withUnsafeBufferPointer { flat in
            table.bytes.withUnsafeBufferPointer { bytes in
                table.ascii.withUnsafeBufferPointer { ascii in
                    @inline(__always) func flush(_ end: Int) {
                        guard start >= 0 else { return }
                        exact[e] = Analyzer.toneSeparator
                        exact[e &+ 1] = 0x30 &+ tone
                        body(Token(position: position, start: start, end: end,
                                   exact: UnsafeBufferPointer(rebasing: exact[0..<(e &+ 2)]),
                                   folded: UnsafeBufferPointer(rebasing: folded[0..<f]), tone: tone))
                        position &+= 1
                        start = -1; tone = 0; e = 0; f = 0
                    }
                    @inline(__always) func appendExact(_ off: Int, _ len: Int) {
                        var k = 0
                        while k < len && e < limit { exact[e] = bytes[off &+ k]; e &+= 1; k &+= 1 }
                    }
                    @inline(__always) func appendFolded(_ off: Int, _ len: Int) {
                        var k = 0
                        while k < len && f < limit { folded[f] = bytes[off &+ k]; f &+= 1; k &+= 1 }
                    }
                    while i < n {
                        let b0 = p[i]
                        // ASCII fast path.
                        if b0 < 0x80 {
                            let lower = ascii[Int(b0)]
                            if lower == 0 { flush(i) } else {
                                if start < 0 { start = i }
                                if e < limit { exact[e] = lower; e &+= 1 }
                                if f < limit { folded[f] = lower; f &+= 1 }
                            }
                            i &+= 1
                            continue
                        }
                        // Decode one scalar (the text is valid UTF-8: it comes from a Swift String).
                        var scalar: UInt32
                        var len: Int
                        if b0 < 0xE0 { scalar = (UInt32(b0 & 0x1F) << 6) | UInt32(p[i &+ 1] & 0x3F); len = 2 }
                        else if b0 < 0xF0 { scalar = (UInt32(b0 & 0x0F) << 12) | (UInt32(p[i &+ 1] & 0x3F) << 6) | UInt32(p[i &+ 2] & 0x3F); len = 3 }
                        else { scalar = (UInt32(b0 & 0x07) << 18) | (UInt32(p[i &+ 1] & 0x3F) << 12) | (UInt32(p[i &+ 2] & 0x3F) << 6) | UInt32(p[i &+ 3] & 0x3F); len = 4 }
                        let entry: FlatEntry
                        if let slot = CharacterTable.slot(scalar) { entry = flat[slot] } else { entry = table.slowEntry(scalar) }
                        switch entry.kind {
                        case CharEntry.Kind.separator.rawValue:
                            flush(i)
                        case CharEntry.Kind.toneMark.rawValue:
                            if start >= 0 { tone = entry.tone } // a mark with no letter before it is dropped
                        case CharEntry.Kind.mark.rawValue:
                            if start >= 0 {
                                if entry.exactOffset == UInt32.max { appendSlow(scalar, &e, exact, limit) }
                                else { appendExact(Int(entry.exactOffset), Int(entry.exactLength)) }
                            }
                        default:
                            if start < 0 { start = i }
                            if entry.exactOffset == UInt32.max {
                                table.appendSlowLetter(scalar, exact, &e, folded, &f, limit)
                            } else {
                                appendExact(Int(entry.exactOffset), Int(entry.exactLength))
                                appendFolded(Int(entry.foldedOffset), Int(entry.foldedLength))
                            }
                            if entry.tone != 0 { tone = entry.tone }
                        }
                        i &+= len
                    }
                    flush(n)
                    return position
                }
            }
        }
    }

    @inline(never)
    func appendSlow(_ scalar: UInt32, _ e: inout Int, _ exact: UnsafeMutableBufferPointer<UInt8>, _ limit: Int) {
        for b in CharacterTable.compute(scalar).exact where e < limit { exact[e] = b; e += 1 }
    }
}

/// A table entry without references: class, tone, and where its bytes are in the shared arena
/// (offset UInt32.max: computed on the fly, for scalars outside the table).
struct FlatEntry: Sendable {
    var kind: UInt8
    var tone: UInt8
    var exactLength: UInt8
    var foldedLength: UInt8
    var exactOffset: UInt32
    var foldedOffset: UInt32
}

/// Per-scalar analysis data: class, exact bytes (lowercase, tone removed), folded bytes, tone.
struct CharEntry: Sendable {
    enum Kind: UInt8, Sendable { case separator, letter, toneMark, mark }
    var kind: Kind
    var tone: UInt8
    var exact: [UInt8]
    var folded: [UInt8]
}

/// Tables for U+0000–U+024F and U+1E00–U+1EFF, the scalars of Vietnamese text; other scalars
/// are classified on the fly.
///
/// The tables are frozen in `CharacterTable+Data.swift` rather than computed from the runtime's
/// Unicode data at each start: a search process then starts 2 ms sooner, and the keys of the
/// index do not move with the toolchain's Unicode version (a test compares the frozen tables
/// with `compute`, and `Scripts/make-character-table.sh` writes them again).
final class CharacterTable: Sendable {
    static let shared = CharacterTable(encoded: CharacterTable.frozen)

    /// For ASCII: 0 = separator, else the lowercase byte.
    let ascii: [UInt8]

    static let toneMarks: [UInt32: UInt8] = [0x0301: 1, 0x0300: 2, 0x0309: 3, 0x0303: 4, 0x0323: 5]

    /// Flat entries for U+0000..<U+0250 then U+1E00..<U+1F00, and their bytes.
    let flat: [FlatEntry]
    let bytes: [UInt8]

    /// The scalars the tables hold, in slot order.
    static let scalars: [UInt32] = Array(0..<0x250) + Array(0x1E00..<0x1F00)

    /// The index into `flat` of a scalar, or nil when outside the table.
    @inline(__always) static func slot(_ s: UInt32) -> Int? {
        if s < 0x250 { return Int(s) }
        if s >= 0x1E00 && s < 0x1F00 { return 0x250 + Int(s - 0x1E00) }
        return nil
    }

    /// An entry for a scalar outside the table (its bytes are appended by `appendSlowLetter`).
    func slowEntry(_ s: UInt32) -> FlatEntry {
        let c = CharacterTable.compute(s)
        return FlatEntry(kind: c.kind.rawValue, tone: c.tone, exactLength: 0, foldedLength: 0, exactOffset: UInt32.max, foldedOffset: UInt32.max)
    }

    func appendSlowLetter(_ s: UInt32, _ exact: UnsafeMutableBufferPointer<UInt8>, _ e: inout Int,
                          _ folded: UnsafeMutableBufferPointer<UInt8>, _ f: inout Int, _ limit: Int) {
        let c = CharacterTable.compute(s)
        for b in c.exact where e < limit { exact[e] = b; e += 1 }
        for b in c.folded where f < limit { folded[f] = b; f += 1 }
    }

    /// Entries in the form `encode` gives them.
    init(encoded: [UInt8]) {
        var a = [UInt8](repeating: 0, count: 128)
        for b in 0..<128 {
            let c = UInt8(b)
            if c >= 0x30 && c <= 0x39 || c >= 0x61 && c <= 0x7A { a[b] = c }
            else if c >= 0x41 && c <= 0x5A { a[b] = c + 32 }
        }
        ascii = a
        let slots = Self.slots(encoded)
        precondition(slots.count == Self.scalars.count && slots.last?.endIndex == encoded.count,
                     "the frozen character table does not hold one whole entry per scalar")
        var flatEntries: [FlatEntry] = []
        flatEntries.reserveCapacity(slots.count)
        var arena: [UInt8] = []
        for e in slots {
            let i = e.startIndex, exactLength = Int(e[i + 2]), foldedLength = Int(e[i + 3 + exactLength])
            let eo = UInt32(arena.count); arena += e[(i + 3)..<(i + 3 + exactLength)]
            let fo = UInt32(arena.count); arena += e[(i + 4 + exactLength)..<(i + 4 + exactLength + foldedLength)]
            flatEntries.append(FlatEntry(kind: e[i], tone: e[i + 1], exactLength: UInt8(exactLength), foldedLength: UInt8(foldedLength),
                                         exactOffset: eo, foldedOffset: fo))
        }
        flat = flatEntries
        bytes = arena
    }

    /// The encoded entries one by one, up to the first that the bytes do not hold whole.
    static func slots(_ encoded: [UInt8]) -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        var i = 0
        while i + 3 < encoded.count, i + 3 + Int(encoded[i + 2]) < encoded.count {
            let exact = Int(encoded[i + 2])
            let n = 4 + exact + Int(encoded[i + 3 + exact])
            guard i + n <= encoded.count else { break }
            out.append(encoded[i..<(i + n)])
            i += n
        }
        return out
    }

    /// Entries as bytes, in slot order: kind, tone, exact length, exact bytes, folded length,
    /// folded bytes.
    static func encode(_ entries: [CharEntry]) -> [UInt8] {
        var out: [UInt8] = []
        for c in entries {
            out += [c.kind.rawValue, c.tone, UInt8(c.exact.count)] + c.exact + [UInt8(c.folded.count)] + c.folded
        }
        return out
    }

    /// The tables as this runtime's Unicode data gives them.
    static func computed() -> [UInt8] { encode(scalars.map(compute)) }

    /// Classifies a scalar from Unicode properties and normalization.
    static func compute(_ value: UInt32) -> CharEntry {
        guard let scalar = Unicode.Scalar(value) else { return CharEntry(kind: .separator, tone: 0, exact: [], folded: []) }
        let props = scalar.properties
        if let tone = toneMarks[value] { return CharEntry(kind: .toneMark, tone: tone, exact: [], folded: []) }
        if props.generalCategory == .nonspacingMark || props.generalCategory == .spacingMark || props.generalCategory == .enclosingMark {
            return CharEntry(kind: .mark, tone: 0, exact: Array(String(scalar).utf8), folded: [])
        }
        guard props.isAlphabetic || props.numericType != nil else {
            return CharEntry(kind: .separator, tone: 0, exact: [], folded: [])
        }
        let lower = String(scalar).lowercased()
        var tone: UInt8 = 0
        var exactScalars = String.UnicodeScalarView()
        var foldedScalars = String.UnicodeScalarView()
        for u in lower.decomposedStringWithCanonicalMapping.unicodeScalars {
            if let t = toneMarks[u.value] { tone = t; continue }
            exactScalars.append(u)
            let cat = u.properties.generalCategory
            if cat == .nonspacingMark || cat == .spacingMark || cat == .enclosingMark { continue }
            foldedScalars.append(u == "đ" ? "d" : u)
        }
        let exact = String(exactScalars).precomposedStringWithCanonicalMapping
        var folded = String(foldedScalars)
        if folded.isEmpty { folded = exact }
        return CharEntry(kind: .letter, tone: tone, exact: Array(exact.utf8), folded: Array(folded.utf8))
    }
}
