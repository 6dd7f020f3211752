/// Text written in a legacy Vietnamese encoding and decoded as Latin-1 or Windows-1252 by some
/// earlier software ("mojibake", e.g. `Céng hßa x· héi chñ nghÜa ViÖt Nam` for TCVN3 bytes).
/// hoso never guesses silently: such text is refused (E407), or converted when the user names
/// the encoding, and the conversion is recorded.
public enum LegacyEncoding: String, Sendable, Codable, CaseIterable {
    /// TCVN 5712 (VN3), the encoding of the .VnTime/ABC fonts.
    case tcvn3

    /// Latin-1 characters that never occur in Vietnamese written in Unicode, but are what TCVN3
    /// or VNI bytes look like when decoded as Latin-1: Vietnamese uses only À Á Â Ã È É Ê Ì Í Ò Ó
    /// Ô Õ Ù Ú Ý and their small forms from that block.
    static let vietnameseLatin1: Set<UInt32> = [
        0xC0, 0xC1, 0xC2, 0xC3, 0xC8, 0xC9, 0xCA, 0xCC, 0xCD, 0xD2, 0xD3, 0xD4, 0xD5, 0xD9, 0xDA, 0xDD,
        0xE0, 0xE1, 0xE2, 0xE3, 0xE8, 0xE9, 0xEA, 0xEC, 0xED, 0xF2, 0xF3, 0xF4, 0xF5, 0xF9, 0xFA, 0xFD,
    ]

    /// For U+0000–U+00FF: true where a character is foreign to Vietnamese (see above).
    static let foreignLatin1: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for v in 0xA1...0xFF where !vietnameseLatin1.contains(UInt32(v)) && v != 0xD7 && v != 0xF7 {
            table[v] = true
        }
        return table
    }()

    /// Whether `text` looks like legacy-encoded Vietnamese: at least two characters inside words
    /// that are Latin-1 letters or signs foreign to Vietnamese (ß, Ö, ¶, ·, ©, …), or one that
    /// no word of any language holds (see `isStrongSign`): a short name, *ThÞ* (Thị), *Tµi*
    /// (Tài), *§ç* (Đỗ), has only one.
    public static func looksLikeMojibake(_ text: String) -> Bool {
        guard mayHoldLegacySigns(text) else { return false }
        var signs = 0
        for stretch in legacyStretches(text) {
            signs += stretch.signs
            if signs >= 2 || stretch.strong > 0 { return true }
        }
        return false
    }

    /// Latin-1 signs that TCVN3 bytes of very common letters look like (§ Đ, ¸ á, ¶ ả, · ạ, Þ ị,
    /// soft hyphen ư, …) and that no word of a language written in Latin-1 holds: one of them
    /// inside a word is enough. Not among them: the letters of other languages (ç, ñ, ü, ø: a
    /// foreign name), quotation and ordinal marks (« », º, ª: *Nº*), numbers (², ½: *m²*), the
    /// acute accent typed for an apostrophe in names of the Central Highlands (*H´Yên Niê*,
    /// *K´Ho*), and µ, a unit's prefix (*25 µm*) unless a letter comes before it (*Tµi*, Tài).
    static let strongSigns: Set<UInt32> = [
        0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAC, 0xAD, 0xAE, 0xAF, 0xB1, 0xB6, 0xB7, 0xB8, 0xDE, 0xFE,
    ]

    /// False when `text` certainly holds no sign that `legacyStretches` counts, from its UTF-8
    /// bytes alone: no Latin-1 character foreign to Vietnamese, and no Latin-1 capital after a
    /// letter that may be small. Vietnamese in Unicode is full of Latin-1 letters (à, ê, ô…),
    /// so the slow path, which asks each character's Unicode properties, ran for nearly every
    /// field of every dossier (4 % of an ingest's CPU); this scan is conservative: true sends
    /// the text to the full check.
    static func mayHoldLegacySigns(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { b -> Bool in
            let n = b.count
            var i = 0
            // What came before: 0 nothing or no letter, 1 a capital a–z, 2 a small a–z, 3 a
            // character beyond ASCII (a letter of either case, perhaps).
            var previous = 0
            while i < n {
                let c = b[i]
                if c < 0x80 {
                    previous = c >= 0x61 && c <= 0x7A ? 2 : (c >= 0x41 && c <= 0x5A ? 1 : 0)
                    i += 1
                    continue
                }
                if (c == 0xC2 || c == 0xC3) && i + 1 < n {
                    let v = Int(c & 0x1F) << 6 | Int(b[i + 1] & 0x3F)
                    if foreignLatin1[v] || (v == 0xD7 && previous != 0) { return true }
                    if v >= 0xC0 && v <= 0xDE && v != 0xD7 && previous != 0 {
                        let next = i + 2 < n ? b[i + 2] : 0
                        let nextMaySmall = (next >= 0x61 && next <= 0x7A) || next >= 0x80
                        if previous != 1 || nextMaySmall { return true }
                    }
                    previous = 3
                    i += 2
                    continue
                }
                previous = 3
                i += 1
                while i < n && b[i] & 0xC0 == 0x80 { i += 1 }
            }
            return false
        }
    }

    /// The stretches of `text` that may have been decoded from legacy bytes, with the number of
    /// foreign signs inside words in each. A word holding a letter only Unicode can write (ă, đ,
    /// ơ, ư, ĩ, ũ, a letter with a dot below or a hook, a combining mark) was not: Latin-1 and
    /// Windows-1252 have none. Such words split the text, so that a title typed partly in an old
    /// font is converted only where it was (*Chøng thùc b¶n sao Giấy chứng nhận*), and a name in
    /// Unicode beside it is left alone. In a text that holds such a word, Ð or ð opening a word is
    /// the homoglyph of Đ pasted from elsewhere (mapped to Đ, see VietnameseText), not a legacy
    /// sign (*ÐINH VĂN ÐẠT*); elsewhere it is one (Windows-1258 writes đ as ð: *Ðinh Vãn Ðaòt*).
    /// A capital from Latin-1 inside a word, after a small letter or before one, is a sign too
    /// (TCVN3's *CÊp*, *nhËn*: Vietnamese in Unicode writes no capital inside a word of small
    /// letters).
    /// `strong` counts the signs that are enough alone (`strongSigns`, a capital inside a word),
    /// in words without digits (*50°C*, *m²* are measures, not mojibake).
    static func legacyStretches(_ text: String) -> [(range: Range<String.UnicodeScalarView.Index>, signs: Int, strong: Int)] {
        let scalars = text.unicodeScalars
        let hasUnicodeWords = scalars.contains(where: isUnicodeOnlyVietnamese)
        var out: [(range: Range<String.UnicodeScalarView.Index>, signs: Int, strong: Int)] = []
        var stretchStart: String.UnicodeScalarView.Index?
        var stretchEnd = scalars.startIndex
        var stretchSigns = 0, stretchStrong = 0
        func close() {
            if let s = stretchStart { out.append((s..<stretchEnd, stretchSigns, stretchStrong)) }
            stretchStart = nil; stretchSigns = 0; stretchStrong = 0
        }
        var index = scalars.startIndex
        while index != scalars.endIndex {
            if scalars[index].properties.isWhitespace { index = scalars.index(after: index); continue }
            // One word: up to the next white space.
            let wordStart = index
            var unicodeOnly = false
            var signs = 0, strong = 0, hasDigit = false
            var previous: Unicode.Scalar?
            while index != scalars.endIndex, !scalars[index].properties.isWhitespace {
                let u = scalars[index]
                let next = scalars.index(after: index)
                if isUnicodeOnlyVietnamese(u) { unicodeOnly = true }
                if u.properties.numericType != nil { hasDigit = true }
                let previousIsLetter = previous?.properties.isAlphabetic == true
                let nextIsLetter = next != scalars.endIndex && scalars[next].properties.isAlphabetic
                let nextIsSmall = next != scalars.endIndex && scalars[next].properties.isLowercase
                if u.value < 256 && foreignLatin1[Int(u.value)] {
                    let opensWordAsEth = (u.value == 0xD0 || u.value == 0xF0) && !previousIsLetter && hasUnicodeWords
                    if !opensWordAsEth && (previousIsLetter || nextIsLetter) {
                        signs += 1
                        if strongSigns.contains(u.value) || (u.value == 0xB5 && previousIsLetter) {
                            strong += 1
                        } else if u.value >= 0xC0 && u.value <= 0xDE, previousIsLetter, previous!.properties.isLowercase || nextIsSmall {
                            // A capital of another language inside a word (TCVN3's QuËn, TrÇn,
                            // ViÖt, tØnh): no language writes one there.
                            strong += 1
                        }
                    }
                } else if u.value == 0xD7 && previousIsLetter && nextIsLetter {
                    // × between letters: TCVN3's ì (B×nh, Bình); 3×4 is a measure.
                    signs += 1; strong += 1
                } else if u.value >= 0xC0 && u.value <= 0xDE && u.value != 0xD7, let p = previous, p.properties.isAlphabetic,
                          p.properties.isLowercase || nextIsSmall {
                    // A capital Vietnamese also writes, inside a word (TCVN3's GiÊy, CÊp): a sign.
                    // Alone enough only after a small letter that opens no syllable of its own:
                    // Shift held too long (BÙi, HÒa) or two names run together (MaiÁnh) are typos
                    // in Unicode, not mojibake.
                    signs += 1
                    if p.properties.isLowercase && !isVietnameseSyllable(String(String.UnicodeScalarView(scalars[wordStart..<index]))) { strong += 1 }
                }
                previous = u
                index = next
            }
            if unicodeOnly { close(); continue }
            // A word whose TCVN3 reading is no Vietnamese syllable is a foreign word in
            // Unicode (Bjørn, Søren, Ågård): its Latin-1 letters are no sign of mojibake.
            if signs > 0 && !isVietnameseSyllable(LegacyEncoding.tcvn3.convert(String(scalars[wordStart..<index]))) { signs = 0; strong = 0 }
            if stretchStart == nil { stretchStart = wordStart }
            stretchEnd = index
            stretchSigns += signs
            if !hasDigit { stretchStrong += strong }
        }
        close()
        return out
    }

    /// Whether a word (punctuation around it aside) has the shape of one Vietnamese syllable: an
    /// initial consonant, one to three vowels, a final consonant, marks anywhere.
    static func isVietnameseSyllable(_ word: String) -> Bool {
        let folded = VietnameseText.foldedValue(word).unicodeScalars.filter { $0.properties.isAlphabetic }
        var w = Substring(String(String.UnicodeScalarView(folded)))
        guard !w.isEmpty, w.allSatisfy({ $0.isASCII }) else { return false }
        for initial in ["ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
                        "b", "c", "d", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x"] where w.hasPrefix(initial) {
            w = w.dropFirst(initial.count); break
        }
        for final in ["ch", "ng", "nh", "c", "m", "n", "p", "t"] where w.hasSuffix(final) && w.count > final.count {
            w = w.dropLast(final.count); break
        }
        return (1...3).contains(w.count) && w.allSatisfy { "aeiouy".contains($0) }
    }

    /// Letters and marks of Vietnamese that neither Latin-1 nor Windows-1252 can hold.
    static func isUnicodeOnlyVietnamese(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x102, 0x103, 0x110, 0x111, 0x128, 0x129, 0x168, 0x169, 0x1A0, 0x1A1, 0x1AF, 0x1B0: return true
        case 0x1EA0...0x1EF9: return true
        case 0x300, 0x301, 0x303, 0x309, 0x323: return true
        default: return false
        }
    }

    /// Converts text whose TCVN3 bytes were decoded as Latin-1 back to Unicode (NFC).
    public func convert(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        convert(text.unicodeScalars[...], into: &out)
        return VietnameseText.canonical(String(out))
    }

    private func convert(_ scalars: Substring.UnicodeScalarView, into out: inout String.UnicodeScalarView) {
        for u in scalars {
            let v = u.value
            if v >= 0x80 && v <= 0xFF {
                let mapped = LegacyEncoding.tcvn3High[Int(v - 0x80)]
                if mapped != 0, let s = Unicode.Scalar(mapped) { out.append(s); continue }
            }
            out.append(u)
        }
    }

    /// Where a text field of a dossier is: an element by its path (a literal, which costs
    /// nothing to pass around), or the n-th keyword or component name.
    enum TextField {
        case element(StaticString), keyword(Int), componentName(Int)
    }

    /// Every text field of a dossier, for detection.
    static func textFields(_ d: Dossier) -> [(field: TextField, text: String)] {
        var out: [(field: TextField, text: String)] = [
            (.element("title"), d.title), (.element("procedure/name"), d.procedure.name), (.element("procedure/sector"), d.procedure.sector),
            (.element("receivingAgency/name"), d.receivingAgency.name), (.element("handlingAgency/name"), d.handlingAgency.name),
            (.element("applicant/fullName"), d.applicant.fullName), (.element("address/detail"), d.applicant.address.detail),
            (.element("address/commune"), d.applicant.address.commune)]
        if let x = d.applicant.address.district { out.append((.element("address/district"), x)) }
        out.append((.element("address/province"), d.applicant.address.province))
        for (i, k) in d.keywords.enumerated() { out.append((.keyword(i), k)) }
        for (i, c) in d.components.enumerated() { out.append((.componentName(i), c.name)) }
        if let r = d.result {
            out.append((.element("result/documentType"), r.documentType)); out.append((.element("result/issuer"), r.issuer))
            if let s = r.signer { out.append((.element("result/signer"), s)) }
            if let n = r.notation { out.append((.element("result/notation"), n)) }
        }
        return out
    }

    /// The elements of `d` whose text looks legacy-encoded (with which keyword or component),
    /// and their lines in the XML.
    public static func suspiciousFields(_ d: Dossier) -> [(element: String, text: String, line: Int?)] {
        textFields(d).filter { looksLikeMojibake($0.text) }.map { field, text in
            switch field {
            case .element(let path): ("\(path)", text, d.lines["\(path)"])
            case .keyword(let i): ("keyword", text, d.lines["keyword \(i)"])
            case .componentName(let i): ("component[@id='\(d.components[i].id)']/name", text, d.lines["component \(i)"])
            }
        }
    }

    /// `text` with its legacy-encoded stretches converted, the rest as it is: a dossier often
    /// mixes both (a title typed in an old font beside names in Unicode), and converting Unicode
    /// text would damage it (*Hoàng* would become *HoỔng*). One foreign sign inside a word is
    /// enough for a stretch here (a short name, *Hµ*), as the dossier as a whole was found
    /// legacy-encoded.
    func convertIfLegacy(_ text: String) -> String {
        guard Self.mayHoldLegacySigns(text) else { return text }
        let stretches = Self.legacyStretches(text).filter { $0.signs > 0 }
        guard !stretches.isEmpty else { return text }
        let scalars = text.unicodeScalars
        var out = String.UnicodeScalarView()
        var at = scalars.startIndex
        for s in stretches {
            out.append(contentsOf: scalars[at..<s.range.lowerBound])
            convert(scalars[s.range], into: &out)
            at = s.range.upperBound
        }
        out.append(contentsOf: scalars[at...])
        return VietnameseText.canonical(String(out))
    }

    /// `d` with every legacy-encoded text field converted (the others are left as they are).
    public func convert(_ d: Dossier) -> Dossier {
        var d = d
        let c = convertIfLegacy
        d.title = c(d.title)
        d.procedure.name = c(d.procedure.name); d.procedure.sector = c(d.procedure.sector)
        d.receivingAgency.name = c(d.receivingAgency.name); d.handlingAgency.name = c(d.handlingAgency.name)
        d.applicant.fullName = c(d.applicant.fullName)
        d.applicant.address.detail = c(d.applicant.address.detail)
        d.applicant.address.commune = c(d.applicant.address.commune)
        d.applicant.address.district = d.applicant.address.district.map(c)
        d.applicant.address.province = c(d.applicant.address.province)
        d.keywords = d.keywords.map(c)
        for i in d.components.indices { d.components[i].name = c(d.components[i].name) }
        if d.result != nil {
            d.result!.documentType = c(d.result!.documentType); d.result!.issuer = c(d.result!.issuer)
            d.result!.signer = d.result!.signer.map(c); d.result!.notation = d.result!.notation.map(c)
        }
        return d
    }
}
