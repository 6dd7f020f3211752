import Foundation

/// The canonical form of Vietnamese text (VIETNAMESE.md, rule 1): homoglyphs of Đ/đ mapped to
/// the Vietnamese letters, then NFC. Stored, displayed and compared as UTF-8 bytes of this form.
public enum VietnameseText {
    /// Homoglyph letters seen in pasted text: Ð (U+00D0, Icelandic eth), Ɖ (U+0189, African D),
    /// and their small forms ð (U+00F0), ɖ (U+0256).
    static let homoglyphs: [Unicode.Scalar: Unicode.Scalar] = [
        "\u{00D0}": "\u{0110}", "\u{0189}": "\u{0110}", "\u{00F0}": "\u{0111}", "\u{0256}": "\u{0111}",
    ]

    /// NFC with Đ/đ homoglyphs mapped. Text already in that form (nearly all text: precomposed
    /// Vietnamese) is recognised on its bytes and returned as it is; the rest goes through
    /// Foundation's normalization.
    public static func canonical(_ s: String) -> String {
        var copy = s
        let clean = copy.withUTF8 { isCanonical($0) }
        if clean { return s }
        var mapped = s
        if s.unicodeScalars.contains(where: { homoglyphs[$0] != nil }) {
            var scalars = String.UnicodeScalarView()
            for u in s.unicodeScalars { scalars.append(homoglyphs[u] ?? u) }
            mapped = String(scalars)
        }
        return mapped.precomposedStringWithCanonicalMapping
    }

    /// A whole value compared without case or marks (a signer's name, a document's number and
    /// notation): canonical, marks dropped, đ as d, small letters, spaces collapsed.
    public static func foldedValue(_ s: String) -> String {
        var copy = s
        if let fast = copy.withUTF8({ foldedLetters($0) }) { return fast }
        return foldedValueByScalars(s)
    }

    /// `foldedValue` through Foundation's decomposition and the scalars' properties: the
    /// reference the fast path is tested against, and the path for anything it does not know.
    static func foldedValueByScalars(_ s: String) -> String {
        var scalars = String.UnicodeScalarView()
        var space = false
        for u in canonical(s).decomposedStringWithCanonicalMapping.unicodeScalars {
            if u.properties.generalCategory == .nonspacingMark { continue }
            if u.properties.isWhitespace { space = !scalars.isEmpty; continue }
            if space { scalars.append(" "); space = false }
            switch u {
            case "đ", "Đ": scalars.append("d")
            default: for l in u.properties.lowercaseMapping.unicodeScalars { scalars.append(l) }
            }
        }
        return String(scalars)
    }

    /// The folded form of each Latin letter from U+0080 to U+024F and each Vietnamese letter
    /// (U+1EA0–U+1EF9) that folds to one ASCII letter ('.': not one), 32 letters a line. Written
    /// out rather than computed from `foldedValueByScalars` at first use, which cost every
    /// process about 1.5 ms (a third of a search's parsing); a test checks each entry against it.
    static let foldedLatinText: StaticString = """
        ................................
        ................................
        aaaaaa.ceeeeiiiidnooooo..uuuuy..
        aaaaaa.ceeeeiiiidnooooo..uuuuy.y
        aaaaaaccccccccddddeeeeeeeeeegggg
        gggghh..iiiiiiiii...jjkk.llllll.
        ...nnnnnn...oooooo..rrrrrrssssss
        sstttt..uuuuuuuuuuuuwwyyyzzzzzz.
        .........d......................
        oo.............uu...............
        .............aaiioouuuuuuuuuu.aa
        aa....ggkkoooo..j...gg..nnaa....
        aaaaeeeeiiiioooorrrruuuusstt..hh
        ......aaeeooooooooyy............
        ................
        aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeee
        eeeeeeeeiiiioooooooooooooooooooo
        oooouuuuuuuuuuuuuuyyyyyyyy
        """

    /// `foldedLatinText` as a table: U+0080–U+024F at 0–463, U+1EA0–U+1EF9 at 464–553 (0: not
    /// one ASCII letter).
    static let foldedLatin: [UInt8] = foldedLatinText.withUTF8Buffer { text in
        text.compactMap { $0 == 0x0A ? nil : $0 == 0x2E ? 0 : $0 }
    }

    /// `foldedValue` on the bytes, for text made of ASCII and the precomposed letters above (a
    /// name, a document's notation); nil for anything else (combining marks, homoglyphs, white
    /// space beyond ASCII, other scripts), which takes the general path.
    private static func foldedLetters(_ u: UnsafeBufferPointer<UInt8>) -> String? {
        let table = foldedLatin
        var out = [UInt8]()
        out.reserveCapacity(u.count)
        var space = false
        var i = 0
        while i < u.count {
            let b = u[i]
            var letter: UInt8
            if b < 0x80 {
                i &+= 1
                if b == 0x20 || (b >= 0x09 && b <= 0x0D) { space = !out.isEmpty; continue }
                letter = b >= 0x41 && b <= 0x5A ? b | 0x20 : b
            } else {
                let v: UInt32
                if b & 0xE0 == 0xC0, i + 1 < u.count {
                    v = UInt32(b & 0x1F) << 6 | UInt32(u[i + 1] & 0x3F); i &+= 2
                } else if b == 0xE1, i + 2 < u.count {
                    v = UInt32(b & 0x0F) << 12 | UInt32(u[i + 1] & 0x3F) << 6 | UInt32(u[i + 2] & 0x3F); i &+= 3
                } else { return nil }
                switch v {
                case 0x80..<0x250: letter = table[Int(v) - 0x80]
                case 0x1EA0..<0x1EFA: letter = table[Int(v) - 0x1EA0 + 0x1D0]
                default: return nil
                }
                if letter == 0 { return nil }
            }
            if space { out.append(0x20); space = false }
            out.append(letter)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether UTF-8 text is surely canonical: no combining mark, no homoglyph, and nothing from
    /// the scripts or blocks where NFC changes precomposed characters (conservative: anything
    /// unusual answers false and goes to full normalization).
    public static func isCanonical(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = u.count
        var i = 0
        while i < n {
            let b = u[i]
            if b < 0x80 { i &+= 1; continue }
            if b < 0xE0 {
                guard i + 1 < n else { return false }
                let c = u[i + 1]
                switch b {
                case 0xCC, 0xCD: return false                        // U+0300–U+037F: combining marks, singletons
                case 0xC3 where c == 0x90 || c == 0xB0: return false  // Ð ð
                case 0xC6 where c == 0x89: return false               // Ɖ
                case 0xC9 where c == 0x96: return false               // ɖ
                case 0xCE where c == 0x87: return false               // U+0387
                case 0xD2...0xDF: return false                        // Cyrillic supplement and beyond
                default: break
                }
                i &+= 2
            } else if b < 0xF0 {
                guard i + 2 < n else { return false }
                let c = u[i + 1]
                // Latin Extended Additional (U+1E00–U+1EFF, Vietnamese precomposed letters) and
                // ordinary punctuation (U+2010–U+206F) are safe; everything else is checked.
                if b == 0xE1 && c >= 0xB8 && c <= 0xBB { i &+= 3; continue }
                if b == 0xE2 && (c == 0x80 || c == 0x81) && !(c == 0x80 && u[i + 2] <= 0x81) { i &+= 3; continue }
                return false
            } else {
                return false
            }
        }
        return true
    }
}
