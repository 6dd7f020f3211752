import Foundation

/// The canonical form of Vietnamese text (VIETNAMESE.md, rule 1): homoglyphs of Đ/đ mapped to
/// the Vietnamese letters, then NFC. Stored, displayed and compared as UTF-8 bytes of this form.
public enum VietnameseText {
    /// Homoglyph letters seen in pasted text: Ð (U+00D0, Icelandic eth), Ɖ (U+0189, African D),
    /// and their small forms ð (U+00F0), ɖ (U+0256).
    static let homoglyphs: [Unicode.Scalar: Unicode.Scalar] = [
        "\u{00D0}": "\u{0110}", "\u{0189}": "\u{0110}", "\u{00F0}": "\u{0111}", "\u{0256}": "\u{0111}",
    ]

    /// NFC with Đ/đ homoglyphs mapped. ASCII text is returned as is.
    public static func canonical(_ s: String) -> String {
        if s.utf8.allSatisfy({ $0 < 0x80 }) { return s }
        var mapped = s
        if s.unicodeScalars.contains(where: { homoglyphs[$0] != nil }) {
            var scalars = String.UnicodeScalarView()
            for u in s.unicodeScalars { scalars.append(homoglyphs[u] ?? u) }
            mapped = String(scalars)
        }
        return mapped.precomposedStringWithCanonicalMapping
    }
}
