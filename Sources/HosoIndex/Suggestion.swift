import Foundation
import HosoCore

/// What to offer when a query finds nothing because of how a word was typed: a word spelled with
/// the keys of an input method that was off (Telex *nguyeenx*, VNI *nguye4n* for *nguyễn*), or a
/// word with one letter wrong, missing, extra or swapped (*nguyn* for *nguyen*).
///
/// Only words no document holds are rewritten, each into the form most documents hold; the
/// rest of the query is left as typed. The caller runs the rewritten query and offers it only if
/// it finds something. This is a query-time aid: the index holds no extra data for it.
public enum QuerySuggestion {
    public enum Reason: String, Sendable {
        case telex, vni, spelling
    }

    public struct Change: Sendable, Equatable {
        public let typed: String
        public let suggested: String
        public let reason: Reason
    }

    /// Words shorter than this (folded) are not corrected: *le*, *vo*, *ho* are names, and a
    /// two-letter word is one edit away from dozens of others.
    static let shortestCorrected = 3

    /// Rewrites the words of `text` that no document holds.
    /// - Parameters:
    ///   - frequency: how many documents hold a folded key in their text (0: none).
    ///   - expands: whether a word has synonyms (it is then not a misspelling, whatever its
    ///     frequency).
    /// - Returns: the rewritten query and what changed; nil when no word could be improved.
    public static func rewrite(_ text: String, frequency: ([UInt8]) -> Int,
                               expands: (String) -> Bool = { _ in false }) -> (text: String, changes: [Change])? {
        rewrites(text, frequency: frequency, expands: expands).first
    }

    /// The rewrites of `text` to try, best first: each word no document holds as its most
    /// frequent correction; then, one word at a time, its next corrections (*Trug*: *Tru*, then
    /// *Trung*), for the caller to prefer one whose words are found side by side (a name found
    /// whole), not only the most frequent word.
    public static func rewrites(_ text: String, frequency: ([UInt8]) -> Int, expands: (String) -> Bool = { _ in false },
                                alternatives: Int = 3) -> [(text: String, changes: [Change])] {
        let analyzer = Analyzer()
        let chars = Array(text)
        // The text cut into pieces: kept as typed, or a word with its corrections.
        var pieces: [(typed: String, choices: [(String, Reason)])] = []
        var i = 0
        // Inside a field's quoted value (applicant:"…"): its words are the field's, left alone.
        var inFieldValue = false
        // The word after NOT is an exclusion.
        var afterNot = false
        while i < chars.count {
            guard isWordCharacter(chars[i]) else {
                if chars[i] == "\"" {
                    if inFieldValue { inFieldValue = false } else if i > 0 && chars[i - 1] == ":" { inFieldValue = true }
                }
                pieces.append((String(chars[i]), [])); i += 1; continue
            }
            var end = i
            while end < chars.count && isWordCharacter(chars[end]) { end += 1 }
            let word = String(chars[i..<end])
            let excluded = afterNot
            afterNot = word == "NOT"
            let choices = !inFieldValue && !excluded && isCorrectable(chars, start: i, end: end)
                ? corrections(word, analyzer: analyzer, frequency: frequency, expands: expands, limit: alternatives) : []
            pieces.append((word, choices))
            i = end
        }
        let changed = pieces.indices.filter { !pieces[$0].choices.isEmpty }
        guard !changed.isEmpty else { return [] }
        func build(_ pick: [Int: Int]) -> (text: String, changes: [Change]) {
            var out = "", changes: [Change] = []
            for (k, p) in pieces.enumerated() {
                guard !p.choices.isEmpty else { out += p.typed; continue }
                let (suggested, reason) = p.choices[pick[k] ?? 0]
                out += suggested
                changes.append(Change(typed: p.typed, suggested: suggested, reason: reason))
            }
            return (out, changes)
        }
        var out = [build([:])]
        for k in changed {
            for m in pieces[k].choices.indices.dropFirst() { out.append(build([k: m])) }
        }
        return out
    }

    static func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber }

    /// A word of free text: not an operator, a field name or value, a prefix or an exclusion
    /// (an excluded word no document holds cannot be why nothing matched).
    static func isCorrectable(_ chars: [Character], start: Int, end: Int) -> Bool {
        var tokenStart = start, tokenEnd = end
        while tokenStart > 0 && !chars[tokenStart - 1].isWhitespace { tokenStart -= 1 }
        while tokenEnd < chars.count && !chars[tokenEnd].isWhitespace { tokenEnd += 1 }
        let token = String(chars[tokenStart..<tokenEnd])
        if token.contains(":") || QueryParser.identifier(token) != nil { return false }
        if end < chars.count && chars[end] == "*" { return false }
        if start > 0 && chars[start - 1] == "-" && start - 1 == tokenStart { return false }
        // Operators, also in small letters (the search then says to write them in capitals).
        return !["or", "and", "not"].contains(String(chars[start..<end]).lowercased())
    }

    /// The words documents hold in place of `word`, when none holds `word` itself, most held
    /// first (the word typed with an input method's keys, when it is one, before any).
    static func corrections(_ word: String, analyzer: Analyzer, frequency: ([UInt8]) -> Int,
                            expands: (String) -> Bool, limit: Int) -> [(String, Reason)] {
        let keys = analyzer.keys(word)
        guard keys.count == 1, frequency(keys[0].folded) == 0, !expands(word) else { return [] }
        var found: [(String, Reason)] = []
        if let (converted, method) = InputMethodKeys.convert(word) {
            let k = analyzer.keys(converted)
            if k.count == 1 && frequency(k[0].folded) > 0 { found.append((converted, method == .telex ? .telex : .vni)) }
        }
        let folded = keys[0].folded
        // Codes, numbers and words in other scripts are not spelled from letters a–z; a word
        // Vietnamese can have (Bình, Định) is taken as meant, even if no dossier has it.
        guard folded.count >= shortestCorrected, folded.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }),
              !VietnameseSyllable.isPossible(folded: folded) else { return found }
        // Two letters swapped keeps every letter typed (Laon: Loan, not the more frequent Lan):
        // such a correction comes first, then the others, most held first.
        let swaps = Set(swapsOf(folded))
        let ranked = oneEditAway(folded).map { ($0, frequency($0), swaps.contains($0)) }.filter { $0.1 > 0 }
            .sorted { $0.2 != $1.2 ? $0.2 : $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.lexicographicallyPrecedes($1.0) }
        for (candidate, _, _) in ranked.prefix(max(0, limit - found.count)) {
            found.append((caseLike(word, String(decoding: candidate, as: UTF8.self)), .spelling))
        }
        return found
    }

    /// `word` in the case `typed` was: all capitals (UBNF → UBND), a capital first (Nguyn →
    /// Nguyen), or small letters.
    static func caseLike(_ typed: String, _ word: String) -> String {
        let letters = typed.filter(\.isLetter)
        if letters.count > 1 && letters.allSatisfy(\.isUppercase) { return word.uppercased() }
        if typed.first?.isUppercase == true { return word.prefix(1).uppercased() + word.dropFirst() }
        return word
    }

    /// Every word of letters a–z one edit from `w` (a letter removed, added, replaced, or two
    /// neighbours swapped), without repeats, `w` excluded, in a fixed order.
    /// `w` with two different neighbours swapped, each way there is.
    static func swapsOf(_ w: [UInt8]) -> [[UInt8]] {
        w.indices.dropLast().filter { w[$0] != w[$0 + 1] }.map { i in var c = w; c.swapAt(i, i + 1); return c }
    }

    static func oneEditAway(_ w: [UInt8]) -> [[UInt8]] {
        var seen = Set<[UInt8]>([w])
        var out: [[UInt8]] = []
        func add(_ c: [UInt8]) { if seen.insert(c).inserted { out.append(c) } }
        let letters = Array(UInt8(ascii: "a")...UInt8(ascii: "z"))
        for i in w.indices {
            var c = w; c.remove(at: i); if !c.isEmpty { add(c) }
        }
        for c in swapsOf(w) { add(c) }
        for i in w.indices {
            for l in letters where l != w[i] { var c = w; c[i] = l; add(c) }
        }
        for i in 0...w.count {
            for l in letters { var c = w; c.insert(l, at: i); add(c) }
        }
        return out
    }
}

/// Whether letters a–z (a folded key: no marks, đ as d) can spell a Vietnamese syllable:
/// an initial consonant, a vowel group and a final that the group takes, with the spelling rules
/// of k/c, gh/g and ngh/ng. Generous where unsure: it only keeps a word that may be meant from
/// being "corrected" into another; a typo is nearly always no syllable at all (nguyn, ngyen,
/// sinhh, vna).
enum VietnameseSyllable {
    /// With the clusters of place and people's names written from the languages of the Central
    /// Highlands (Krông, Plei Ku, Blao, Drây): they are Vietnamese spellings too.
    static let onsets: [String] = ["", "b", "c", "ch", "d", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh", "nh",
                                   "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x", "kr", "pl", "bl", "dr"]
    static let allFinals: Set<String> = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"]
    static let noFinal: Set<String> = [""]
    /// Vowel groups (folded: ă, â → a; ê → e; ô, ơ → o; ư → u) and the finals each takes.
    static let groups: [String: Set<String>] = {
        var g: [String: Set<String>] = [:]
        for v in ["a", "e", "oa"] { g[v] = allFinals }
        g["i"] = ["", "ch", "m", "n", "nh", "p", "t"]
        g["y"] = noFinal
        for v in ["o", "u"] { g[v] = ["", "c", "m", "n", "ng", "p", "t"] }
        for v in ["ai", "ao", "au", "ay", "eo", "eu", "ia", "iu", "oi", "ui", "uu", "oai", "oay", "oao", "oeo", "uay", "uoi", "uou",
                  "uya", "uyu", "ieu", "yeu", "uau", "ei"] { g[v] = noFinal }     // ei: Plei
        g["ie"] = ["c", "m", "n", "ng", "p", "t"]
        g["ye"] = ["m", "n", "ng", "t"]
        g["oe"] = ["", "m", "n", "ng", "t"]
        g["oo"] = ["c", "ng"]
        g["ua"] = ["", "n", "ng", "t"]
        g["ue"] = ["", "ch", "nh"]
        g["uo"] = ["", "c", "m", "n", "ng", "p", "t"]     // thuở, huơ; thuộc, người
        g["uy"] = ["", "ch", "nh", "t", "p"]
        g["uye"] = ["n", "t"]
        return g
    }()

    static func isVowel(_ b: UInt8) -> Bool { "aeiouy".utf8.contains(b) }

    static func isPossible(folded w: [UInt8]) -> Bool {
        let word = String(decoding: w, as: UTF8.self)
        for onset in onsets where word.hasPrefix(onset) {
            let rest = Array(w.dropFirst(onset.utf8.count))
            let vowels = rest.prefix(while: isVowel)
            guard !vowels.isEmpty || onset == "gi" else { continue }
            let group = vowels.isEmpty ? "i" : String(decoding: vowels, as: UTF8.self)    // gì: the i is the vowel
            let final = String(decoding: rest.dropFirst(vowels.count), as: UTF8.self)
            // After qu the y is a vowel of the group uy (Quỳnh, quýt).
            let finalsOf = onset == "qu" && group == "y" ? groups["uy"] : groups[group]
            // A final k where c could stand: Đắk Lắk, Pắk (those names' spelling).
            guard let finals = finalsOf, finals.contains(final) || (final == "k" && finals.contains("c")) else { continue }
            let first = vowels.first ?? UInt8(ascii: "i")
            let front = "eiy".utf8.contains(first)
            // k, gh, ngh before e, i, y; c, g, ng elsewhere (gi and gì aside).
            switch onset {
            case "k", "gh", "ngh": if !front { continue }
            case "c", "ng": if front { continue }
            case "g": if first == UInt8(ascii: "e") || first == UInt8(ascii: "y") { continue }
            default: break
            }
            // yê starts a syllable or follows qu (yên, quyết); after other consonants it is iê.
            if (group == "ye" || group == "yeu") && !(onset.isEmpty || onset == "qu") { continue }
            return true
        }
        return false
    }
}

/// Vietnamese words typed with the keys of an input method while it was off: Telex
/// (*nguyeenx*, *dduwowngf*) or VNI (*nguye4n*, *d9u7o7ng2*).
public enum InputMethodKeys {
    public enum Method: Sendable { case telex, vni }

    enum Mark { case none, circumflex, breve, horn, stroke }

    /// The word `typed` spells with the input method's keys, and which method; nil when it holds
    /// none of its keys (or letters other than a–z and, for VNI, digits).
    public static func convert(_ typed: String) -> (String, Method)? {
        let lower = Array(typed.lowercased().utf8)
        // A syllable is at most seven letters, and its keys add three: longer is no word typed.
        guard lower.count >= 2, lower.count <= 12, lower.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }) else { return nil }
        let isVNI = lower.contains { $0 >= 0x31 && $0 <= 0x39 }
        guard let (letters, tone) = isVNI ? vni(lower) : telex(lower) else { return nil }
        return (QuerySuggestion.caseLike(typed, spell(letters, tone: tone)), isVNI ? .vni : .telex)
    }

    static func isVowel(_ b: UInt8) -> Bool { "aeiouy".utf8.contains(b) }

    /// Whether a word read with an input method's keys (`convert`) has the letters of a
    /// Vietnamese syllable, its marks aside: *nguye4n* does, *robert* and *anderson*, names of
    /// other languages holding Telex's letters, do not.
    public static func hasSyllableLetters(_ converted: String) -> Bool {
        VietnameseSyllable.isPossible(folded: Array(VietnameseText.foldedValue(converted).utf8))
    }

    /// Letters and marks from Telex keys; nil when no key was used.
    static func telex(_ keys: [UInt8]) -> ([(UInt8, Mark)], Int)? {
        var letters: [(UInt8, Mark)] = []
        var tone = 0, used = false
        let tones: [UInt8: Int] = [UInt8(ascii: "s"): 1, UInt8(ascii: "f"): 2, UInt8(ascii: "r"): 3, UInt8(ascii: "x"): 4, UInt8(ascii: "j"): 5]
        for b in keys {
            let last = letters.last
            if let t = tones[b], letters.contains(where: { isVowel($0.0) }) {
                // After the vowel, s f r x j cannot belong to a Vietnamese syllable: they are tones.
                tone = t; used = true
            } else if b == UInt8(ascii: "d"), let last, last == (UInt8(ascii: "d"), .none) {
                letters[letters.count - 1].1 = .stroke; used = true
            } else if "aeo".utf8.contains(b), let last, last == (b, .none) {
                letters[letters.count - 1].1 = .circumflex; used = true
            } else if b == UInt8(ascii: "w") {
                used = true
                guard let last, last.1 == .none else { letters.append((UInt8(ascii: "u"), .horn)); continue }
                switch last.0 {
                case UInt8(ascii: "a"): letters[letters.count - 1].1 = .breve
                case UInt8(ascii: "u"): letters[letters.count - 1].1 = .horn
                case UInt8(ascii: "o"):
                    letters[letters.count - 1].1 = .horn
                    // uow: both take the horn (ươ).
                    if letters.count >= 2 && letters[letters.count - 2] == (UInt8(ascii: "u"), .none) { letters[letters.count - 2].1 = .horn }
                default: letters.append((UInt8(ascii: "u"), .horn))
                }
            } else {
                letters.append((b, .none))
            }
        }
        return used ? (letters, tone) : nil
    }

    /// Letters and marks from VNI keys (digits 1–9 after the letters they mark).
    static func vni(_ keys: [UInt8]) -> ([(UInt8, Mark)], Int)? {
        var letters: [(UInt8, Mark)] = []
        var tone = 0
        func lastIndex(of set: String) -> Int? { letters.lastIndex { set.utf8.contains($0.0) } }
        for b in keys {
            guard b >= 0x30 && b <= 0x39 else { letters.append((b, .none)); continue }
            switch b - 0x30 {
            case 1...5:
                guard letters.contains(where: { isVowel($0.0) }) else { return nil }
                tone = Int(b - 0x30)
            case 6:
                guard let i = lastIndex(of: "aeo") else { return nil }
                letters[i].1 = .circumflex
            case 7:
                guard let i = lastIndex(of: "ou") else { return nil }
                letters[i].1 = .horn
                if letters[i].0 == UInt8(ascii: "o"), i > 0, letters[i - 1].0 == UInt8(ascii: "u") { letters[i - 1].1 = .horn }
            case 8:
                guard let i = lastIndex(of: "a") else { return nil }
                letters[i].1 = .breve
            case 9:
                guard let i = letters.firstIndex(where: { $0.0 == UInt8(ascii: "d") }) else { return nil }
                letters[i].1 = .stroke
            default: return nil
            }
        }
        return (letters, tone)
    }

    /// The word in NFC, its tone on the vowel today's rules put it on (the analyzer finds
    /// either placement; this is for display).
    static func spell(_ letters: [(UInt8, Mark)], tone: Int) -> String {
        var vowels = letters.indices.filter { isVowel(letters[$0].0) }
        // The u of qu and the i of gi belong to the consonant.
        if vowels.count > 1, letters.count > 1, letters[0].0 == UInt8(ascii: "q"), letters[1].0 == UInt8(ascii: "u") { vowels.removeAll { $0 == 1 } }
        if vowels.count > 1, letters.count > 1, letters[0].0 == UInt8(ascii: "g"), letters[1].0 == UInt8(ascii: "i") { vowels.removeAll { $0 == 1 } }
        var toneAt: Int? = nil
        if tone > 0, let lastVowel = vowels.last {
            if let marked = vowels.last(where: { letters[$0].1 != .none }) {
                toneAt = marked
            } else if lastVowel < letters.count - 1 || vowels.count == 1 {
                toneAt = lastVowel
            } else if vowels.count == 2 {
                let pair = String(decoding: vowels.map { letters[$0].0 }, as: UTF8.self)
                toneAt = ["oa", "oe", "uy"].contains(pair) ? vowels[1] : vowels[0]
            } else {
                toneAt = vowels[1]
            }
        }
        var scalars = String.UnicodeScalarView()
        for (i, (b, mark)) in letters.enumerated() {
            scalars.append(base(b, mark))
            if i == toneAt { scalars.append(toneMarks[tone - 1]) }
        }
        return VietnameseText.canonical(String(scalars))
    }

    /// Combining acute, grave, hook above, tilde, dot below: sắc, huyền, hỏi, ngã, nặng.
    static let toneMarks: [Unicode.Scalar] = ["\u{301}", "\u{300}", "\u{309}", "\u{303}", "\u{323}"]

    static func base(_ b: UInt8, _ mark: Mark) -> Unicode.Scalar {
        switch (b, mark) {
        case (UInt8(ascii: "a"), .circumflex): "â"
        case (UInt8(ascii: "a"), .breve): "ă"
        case (UInt8(ascii: "e"), .circumflex): "ê"
        case (UInt8(ascii: "o"), .circumflex): "ô"
        case (UInt8(ascii: "o"), .horn): "ơ"
        case (UInt8(ascii: "u"), .horn): "ư"
        case (UInt8(ascii: "d"), .stroke): "đ"
        default: Unicode.Scalar(b)
        }
    }
}

extension IndexSnapshot {
    /// How many documents hold a folded key in any text field, summed over segments (a document
    /// deleted since is still counted: this ranks suggestions, it counts no results).
    public func textFrequency(folded key: [UInt8]) -> Int {
        var n = 0
        for segment in segments {
            for field in Field.textFields {
                if let o = segment.ordinal(of: Term.make(field, .folded, key)) { n += segment.docFreq(o) }
            }
        }
        return n
    }
}
