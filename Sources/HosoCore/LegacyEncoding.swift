import Foundation

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
            signs += stretch.evidence
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
    static func legacyStretches(_ text: String) -> [(range: Range<String.UnicodeScalarView.Index>, signs: Int, evidence: Int, strong: Int)] {
        let scalars = text.unicodeScalars
        let hasUnicodeWords = scalars.contains(where: isUnicodeOnlyVietnamese)
        var out: [(range: Range<String.UnicodeScalarView.Index>, signs: Int, evidence: Int, strong: Int)] = []
        var stretchStart: String.UnicodeScalarView.Index?
        var stretchEnd = scalars.startIndex
        var stretchSigns = 0, stretchEvidence = 0, stretchStrong = 0
        func close() {
            if let s = stretchStart { out.append((s..<stretchEnd, stretchSigns, stretchEvidence, stretchStrong)) }
            stretchStart = nil; stretchSigns = 0; stretchEvidence = 0; stretchStrong = 0
        }
        var index = scalars.startIndex
        while index != scalars.endIndex {
            if scalars[index].properties.isWhitespace { index = scalars.index(after: index); continue }
            // One word: up to the next white space.
            let wordStart = index
            var unicodeOnly = false
            // `symbols`: the strong signs that are no letter (§ ¸ µ …), which stand for a letter.
            var signs = 0, strong = 0, symbols = 0, hasDigit = false, onlyForeignLetters = true
            var previous: Unicode.Scalar?
            while index != scalars.endIndex, !scalars[index].properties.isWhitespace {
                let u = scalars[index]
                let next = scalars.index(after: index)
                if isUnicodeOnlyVietnamese(u) { unicodeOnly = true }
                if u.properties.numericType == .decimal { hasDigit = true }
                let previousIsLetter = previous?.properties.isAlphabetic == true
                let nextIsLetter = next != scalars.endIndex && scalars[next].properties.isAlphabetic
                let nextIsSmall = next != scalars.endIndex && scalars[next].properties.isLowercase
                if u.value < 256 && foreignLatin1[Int(u.value)] {
                    let opensWordAsEth = (u.value == 0xD0 || u.value == 0xF0) && !previousIsLetter && hasUnicodeWords
                    // µ before one ASCII letter ending the word is a unit's prefix (µm, µA).
                    var unit = false
                    if u.value == 0xB5 && !previousIsLetter && next != scalars.endIndex && scalars[next].isASCII {
                        let after = scalars.index(after: next)
                        unit = after == scalars.endIndex || scalars[after].properties.isWhitespace
                    }
                    if !opensWordAsEth && !unit && (previousIsLetter || nextIsLetter) {
                        signs += 1
                        if !consonantFollowers.contains(u.value) { onlyForeignLetters = false }
                        if strongSigns.contains(u.value) || (u.value == 0xB5 && previousIsLetter) {
                            strong += 1; symbols += 1
                        } else if u.value >= 0xC0 && u.value <= 0xDE, previousIsLetter, previous!.properties.isLowercase || nextIsSmall {
                            // A capital of another language inside a word (TCVN3's QuËn, TrÇn,
                            // ViÖt, tØnh): no language writes one there.
                            strong += 1
                        }
                    }
                } else if u.value == 0xD7 && previousIsLetter && nextIsLetter {
                    // × between letters: TCVN3's ì (B×nh, Bình); 3×4 is a measure.
                    signs += 1; strong += 1; symbols += 1; onlyForeignLetters = false
                } else if u.value >= 0xC0 && u.value <= 0xDE && u.value != 0xD7, let p = previous, p.properties.isAlphabetic,
                          p.properties.isLowercase || nextIsSmall {
                    // A capital Vietnamese also writes, inside a word (TCVN3's GiÊy, CÊp): a sign.
                    signs += 1; onlyForeignLetters = false
                }
                previous = u
                index = next
            }
            if unicodeOnly { close(); continue }
            // For conversion (unchanged, so that an archive converted by an earlier release is
            // derived again as it was): a word whose TCVN3 reading has no syllable's shape is a
            // foreign word in Unicode (Bjørn, Søren, Ågård), its Latin-1 letters no sign.
            // For detection, real rhymes decide, under the TCVN3 or the Windows-1258 reading.
            var evidence = signs
            if signs > 0 {
                let word = String(scalars[wordStart..<index])
                let tcvn3Reading = LegacyEncoding.tcvn3.convert(word)
                if !hasSyllableShape(tcvn3Reading) { signs = 0 }
                if !isVietnameseSyllable(tcvn3Reading) && !isVietnameseSyllable(windows1258Reading(word)) {
                    evidence = 0; strong = 0           // María Peña Niño, Loïc Küng
                } else if isVietnameseSyllable(word) {
                    // It reads as Vietnamese as it is written, too: a capital inside it is a
                    // case slip (Shift held: BÙi, TrÂn), signs around it are punctuation (´ as an
                    // apostrophe in H´Yên, «Mai», Nº); only the signs that stand for a letter count.
                    evidence = symbols; strong = symbols
                } else if !onlyForeignLetters {
                    // A word only the legacy reading makes Vietnamese (NguyÔn, TuÊn, Lª, Bïi, Hßa):
                    // alone enough. Not when its signs are only letters that follow a consonant
                    // in the languages that write them (Lü, Bö, Sø, Hå; Ð, the homoglyph of Đ).
                    strong = max(strong, 1)
                }
            }
            if stretchStart == nil { stretchStart = wordStart }
            stretchEnd = index
            stretchSigns += signs
            stretchEvidence += evidence
            if !hasDigit { stretchStrong += strong }
        }
        close()
        return out
    }

    /// Whether a word (what is not a letter in it aside) is one Vietnamese syllable: an initial
    /// consonant, then a rhyme Vietnamese has (its vowels with their marks, and a final), the tone
    /// anywhere. Real rhymes, not only a shape: *nguyên* is one, *nguyôn* and *huõ* are not (the
    /// TCVN3 NguyÔn and HuÕ read as they are written), nor *peủa*, *loùc* (Peña, Loïc read as
    /// TCVN3).
    static func isVietnameseSyllable(_ word: String) -> Bool {
        let toneless = String(String.UnicodeScalarView(word.lowercased().decomposedStringWithCanonicalMapping.unicodeScalars.filter {
            !(0x300 == $0.value || 0x301 == $0.value || 0x303 == $0.value || 0x309 == $0.value || 0x323 == $0.value)
        })).precomposedStringWithCanonicalMapping
        let w = String(toneless.filter(\.isLetter))
        guard !w.isEmpty else { return false }
        for initial in syllableInitials where w.hasPrefix(initial) {
            var rest = String(w.dropFirst(initial.count))
            // gì, gìn: the i of "gi" is the rhyme's when no other vowel follows.
            if initial == "gi", rest.first.map({ !"aăâeêoôơuưy".contains($0) }) ?? true { rest = "i" + rest }
            if rhymes.contains(rest) { return true }
            // quỳnh, quýt: the u of "qu" is the rhyme's glide (uynh, uyt).
            if initial == "qu" && rhymes.contains("u" + rest) { return true }
            if initial != "gi" && initial != "qu" { return false }
        }
        return rhymes.contains(w)
    }

    /// Whether a word (punctuation around it aside) has the shape of one Vietnamese syllable
    /// (an initial consonant, one to three vowels, a final consonant, marks anywhere): the
    /// looser test conversion has always used, kept so that it converts as it did.
    static func hasSyllableShape(_ word: String) -> Bool {
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

    /// A word as Windows-1258 meant it when its bytes were read as Latin-1: Ð ð for Đ đ, Ã ã Õ õ
    /// Ý ý for Ă ă Ơ ơ Ư ư, and the tone bytes Ì ì Ò Þ ò for the combining tones.
    static func windows1258Reading(_ word: String) -> String {
        var out = String.UnicodeScalarView()
        for u in word.unicodeScalars {
            let mapped: UInt32 = switch u.value {
            case 0xD0: 0x110
            case 0xF0: 0x111
            case 0xC3: 0x102
            case 0xE3: 0x103
            case 0xD5: 0x1A0
            case 0xF5: 0x1A1
            case 0xDD: 0x1AF
            case 0xFD: 0x1B0
            case 0xCC: 0x300
            case 0xEC: 0x301
            case 0xD2: 0x309
            case 0xDE: 0x303
            case 0xF2: 0x323
            default: u.value
            }
            out.append(Unicode.Scalar(mapped) ?? u)
        }
        return String(out).precomposedStringWithCanonicalMapping
    }

    /// Letters of other languages that follow a consonant there (German, Scandinavian, pinyin,
    /// Spanish, French; Ð Icelandic and the homoglyph of Đ): a word whose only signs they are
    /// needs a second sign, even where TCVN3 would make it Vietnamese (Lü, Bö, Sø, Hå).
    static let consonantFollowers: Set<UInt32> = [
        0xC4, 0xC5, 0xC6, 0xC7, 0xCE, 0xD0, 0xD1, 0xD6, 0xD8, 0xDB, 0xDC,
        0xE4, 0xE5, 0xE6, 0xE7, 0xEE, 0xF0, 0xF1, 0xF6, 0xF8, 0xFB, 0xFC,
    ]

    static let syllableInitials = ["ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
                                   "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x"]

    /// The rhymes of Vietnamese, tones aside: each vowel nucleus with the finals it takes (those
    /// of ă, â, iê, yê, oă, uâ, uô, ươ, uyê and oo need one).
    static let rhymes: Set<String> = {
        let finals: [(String, String)] = [
            ("a", "c ch m n ng nh p t"), ("ă", "c m n ng p t"), ("â", "c m n ng p t u y"), ("e", "c m n ng p t o"),
            ("ê", "ch m n nh p t u"), ("i", "ch m n nh p t u a"), ("o", "c m n ng p t i"), ("ô", "c m n ng p t i"),
            ("ơ", "m n p t i"), ("u", "c m n ng p t i a"), ("ư", "c m n ng t i u a"), ("y", ""),
            ("iê", "c m n ng p t u"), ("yê", "m n ng t u"), ("oa", "c ch m n ng nh p t i y"), ("oă", "c m n ng t"),
            ("oe", "n t o"), ("uâ", "n ng t y"), ("uê", "ch nh"), ("uô", "c m n ng t i"), ("ươ", "c m n ng p t i u"),
            ("uơ", ""), ("uy", "ch n nh p t a u"), ("uyê", "n t"), ("oo", "c ng"), ("a", "i o u y"),
        ]
        let needFinal: Set<String> = ["ă", "â", "iê", "yê", "oă", "uâ", "uô", "ươ", "uyê", "oo"]
        var out = Set<String>()
        for (nucleus, list) in finals {
            if !needFinal.contains(nucleus) { out.insert(nucleus) }
            for f in list.split(separator: " ") { out.insert(nucleus + f) }
        }
        return out
    }()

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
