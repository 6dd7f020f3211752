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

    func tokenize(utf8 p: UnsafeBufferPointer<UInt8>, firstPosition: Int, _ body: (Token) -> Void) -> Int {
        let table = CharacterTable.shared
        var exact = [UInt8](); exact.reserveCapacity(64)
        var folded = [UInt8](); folded.reserveCapacity(64)
        var position = firstPosition
        var i = 0
        let n = p.count
        var start = -1
        var tone: UInt8 = 0
        func flush(_ end: Int) {
            guard start >= 0 else { return }
            exact.append(Analyzer.toneSeparator)
            exact.append(0x30 &+ tone)
            exact.withUnsafeBufferPointer { e in
                folded.withUnsafeBufferPointer { f in
                    body(Token(position: position, start: start, end: end, exact: e, folded: f, tone: tone))
                }
            }
            position += 1
            start = -1; tone = 0
            exact.removeAll(keepingCapacity: true); folded.removeAll(keepingCapacity: true)
        }
        while i < n {
            let b0 = p[i]
            // ASCII fast path.
            if b0 < 0x80 {
                let kind = table.ascii[Int(b0)]
                if kind == 0 { flush(i) } else {
                    if start < 0 { start = i }
                    exact.append(kind); folded.append(kind)
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
            let entry = table.entry(scalar)
            switch entry.kind {
            case .separator:
                flush(i)
            case .toneMark:
                if start >= 0 { tone = entry.tone } // a mark with no letter before it is dropped
            case .mark:
                if start >= 0 { exact.append(contentsOf: entry.exact) }
            case .letter:
                if start < 0 { start = i }
                exact.append(contentsOf: entry.exact)
                folded.append(contentsOf: entry.folded)
                if entry.tone != 0 { tone = entry.tone }
            }
            i &+= len
        }
        flush(n)
        return position
    }
}

/// Per-scalar analysis data: class, exact bytes (lowercase, tone removed), folded bytes, tone.
struct CharEntry: Sendable {
    enum Kind: UInt8, Sendable { case separator, letter, toneMark, mark }
    var kind: Kind
    var tone: UInt8
    var exact: [UInt8]
    var folded: [UInt8]
}

/// Tables built once from Unicode data (through Foundation's normalization), for U+0000–U+024F
/// and U+1E00–U+1EFF; other scalars are classified on the fly.
final class CharacterTable: Sendable {
    static let shared = CharacterTable()

    /// For ASCII: 0 = separator, else the lowercase byte.
    let ascii: [UInt8]
    private let low: [CharEntry]        // U+0000 ..< U+0250
    private let extended: [CharEntry]   // U+1E00 ..< U+1F00

    static let toneMarks: [UInt32: UInt8] = [0x0301: 1, 0x0300: 2, 0x0309: 3, 0x0303: 4, 0x0323: 5]

    private init() {
        var a = [UInt8](repeating: 0, count: 128)
        for b in 0..<128 {
            let c = UInt8(b)
            if c >= 0x30 && c <= 0x39 || c >= 0x61 && c <= 0x7A { a[b] = c }
            else if c >= 0x41 && c <= 0x5A { a[b] = c + 32 }
        }
        ascii = a
        var lowTable: [CharEntry] = []
        lowTable.reserveCapacity(0x250)
        for s in 0..<0x250 { lowTable.append(CharacterTable.compute(UInt32(s))) }
        low = lowTable
        var ext: [CharEntry] = []
        ext.reserveCapacity(0x100)
        for s in 0x1E00..<0x1F00 { ext.append(CharacterTable.compute(UInt32(s))) }
        extended = ext
    }

    @inline(__always)
    func entry(_ s: UInt32) -> CharEntry {
        if s < 0x250 { return low[Int(s)] }
        if s >= 0x1E00 && s < 0x1F00 { return extended[Int(s - 0x1E00)] }
        return CharacterTable.compute(s)
    }

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
