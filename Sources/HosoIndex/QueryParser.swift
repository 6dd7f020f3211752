import Foundation
import HosoCore

/// A parsed query.
public indirect enum QueryNode: Sendable, Equatable {
    /// A word of free text, in the given fields (nil: every text field).
    case word(String, fields: [Field]?)
    /// Words that must stand together, in order.
    case phrase([String], fields: [Field]?)
    /// Words starting with a prefix, in text fields: by their folded keys, and by their exact
    /// keys too when it was typed with marks (see `MarkedPrefix`).
    case prefix(String, fields: [Field]?)
    /// A whole keyword value (identifiers, citizen IDs, phone numbers, status…), or a prefix of it.
    case keyword(Field, String, prefix: Bool)
    /// A day range on a date column (inclusive; nil: open).
    case dateRange(DateColumn, from: Int32?, to: Int32?)
    case and([QueryNode])
    case or([QueryNode])
    case not(QueryNode)
    /// A synonym of `covers` query words (from the synonym table): matches rank below the words
    /// typed.
    case synonym(QueryNode, covers: Int)

    /// The fields of the keyword clauses the query holds anywhere (a bare result number too).
    public var keywordFields: Set<Field> {
        switch self {
        case .keyword(let f, _, _): return [f]
        case .and(let c), .or(let c): return c.reduce(into: Set<Field>()) { $0.formUnion($1.keywordFields) }
        case .not(let c), .synonym(let c, _): return c.keywordFields
        default: return []
        }
    }

    /// The words, phrases' words and other clauses the query holds.
    var clauseCount: Int {
        switch self {
        case .phrase(let ws, _): return ws.count
        case .and(let c), .or(let c): return c.reduce(0) { $0 + $1.clauseCount }
        case .not(let c), .synonym(let c, _): return c.clauseCount
        default: return 1
        }
    }

    /// Whether any word carries diacritics (for the "try --fold" hint).
    public var hasDiacritics: Bool {
        switch self {
        case .word(let w, _), .prefix(let w, _): return w.unicodeScalars.contains { $0.value > 0x7F }
        case .phrase(let ws, _): return ws.contains { $0.unicodeScalars.contains { $0.value > 0x7F } }
        case .and(let c), .or(let c): return c.contains { $0.hasDiacritics }
        case .not(let c): return c.hasDiacritics
        case .synonym: return false
        default: return false
        }
    }

    /// The query without its filters (date ranges and whole values: status, timeliness, codes,
    /// IDs), with each filter as a query writes it; nil when it has no filter, or nothing to
    /// find without them. An empty answer is then told apart: no such words, or no such words
    /// among the dossiers the filters let through.
    public func splittingFilters() -> (words: QueryNode, filters: [String])? {
        guard case let .and(children) = self else { return nil }
        var kept: [QueryNode] = [], labels: [String] = []
        for c in children {
            if let label = c.filterLabel {
                if !labels.contains(label) { labels.append(label) }
            } else {
                kept.append(c)
            }
        }
        guard !labels.isEmpty, kept.contains(where: { if case .not = $0 { false } else { true } }) else { return nil }
        // What timeliness:overdue, closed and unresolved expand to (the parse flattens it into
        // the query's clauses) is said by that name.
        if let t = labels.firstIndex(of: "timeliness:unresolved") {
            let open = ["-status:rejected", "-status:withdrawn"], closed = "status:rejected OR status:withdrawn"
            if labels.contains(closed) {
                labels.removeAll { $0 == closed }
                labels[labels.firstIndex(of: "timeliness:unresolved")!] = "timeliness:closed"
            } else if open.allSatisfy(labels.contains) {
                let due = labels.firstIndex { $0.hasPrefix("due:..") }
                labels[t] = due == nil ? "timeliness:unresolved" : "timeliness:overdue"
                labels.removeAll { open.contains($0) || (due != nil && $0.hasPrefix("due:..")) }
            }
        }
        return (kept.count == 1 ? kept[0] : .and(kept), labels)
    }

    /// A node made of filters only, as a query writes it (`received:2019-01-01..2019-12-31`,
    /// `status:rejected`, `timeliness:overdue` for what that expands to); nil for anything else.
    private var filterLabel: String? {
        func day(_ d: Int32?) -> String {
            guard let d else { return "" }
            let (y, m, dd) = Timestamp.civilFromDays(Int(d))
            return String(format: "%04d-%02d-%02d", y, m, dd)
        }
        switch self {
        case let .dateRange(column, from, to):
            return "\(column.rawValue):" + (from == to ? day(from) : day(from) + ".." + day(to))
        case let .keyword(field, value, prefix):
            let name = field == .procedureCode ? "procedure" : field == .agencyCode ? "agency" : field.queryName
            return "\(name):\(value)\(prefix ? "*" : "")"
        case .and(let c), .or(let c):
            guard !c.isEmpty, c.allSatisfy({ $0.filterLabel != nil }) else { return nil }
            return c.compactMap(\.filterLabel).joined(separator: self.isOr ? " OR " : " ")
        case .not(let c): return c.filterLabel.map { "-" + $0 }
        default: return nil
        }
    }

    private var isOr: Bool { if case .or = self { true } else { false } }
}

public enum DateColumn: String, Sendable {
    case received, due, completed
}

/// A query that cannot be parsed: what is wrong and where (a character offset in the query).
public struct QuerySyntaxError: Error, Sendable, CustomStringConvertible, Equatable {
    public let message: String
    public let position: Int
    public let query: String

    public var description: String { "\(message) at position \(position + 1)" }

    /// The error placed in the query as typed, where it was found in the query as read (numbers
    /// in groups joined, invisible characters dropped): the same place when what comes before
    /// it, or from it on, was read as typed; else as read (then `query` differs from `typed`).
    func located(in typed: String) -> QuerySyntaxError {
        guard typed != query else { return self }
        let read = Array(query), original = Array(typed)
        if position <= original.count && read[..<position] == original[..<position] {
            return QuerySyntaxError(message: message, position: position, query: typed)
        }
        let tail = read.count - position
        if tail <= original.count && read[position...] == original[(original.count - tail)...] {
            return QuerySyntaxError(message: message, position: original.count - tail, query: typed)
        }
        return self
    }

    /// The query with a caret under the position; a long query is shown around the position
    /// only (a pasted document is not echoed whole).
    public var pointer: String {
        let chars = Array(query)
        guard chars.count > 120 else { return query + "\n" + String(repeating: " ", count: max(0, position)) + "^" }
        let from = max(0, min(position - 60, chars.count - 120)), to = min(chars.count, from + 120)
        let head = from > 0 ? "…" : "", tail = to < chars.count ? "…" : ""
        return head + String(chars[from..<to]) + tail + "\n" + String(repeating: " ", count: head.count + max(0, position - from)) + "^"
    }
}

/// Parses the search syntax:
///
/// ```
/// nguyễn văn hòa                 words: all must match (AND), with or without diacritics
/// hòa OR hóa                     either
/// khai sinh -kết                 without a word
/// "giấy phép xây dựng"           a phrase: words together, in order
/// thủy*                          a prefix
/// applicant:"trần thị thủy"      fields: title applicant procedure agency place other
/// code:000.00.21.H50-230512-0007 identifiers, whole (code: procedure: agency: with codes), or
/// code:000.00.21.H50-2305*       a prefix of one
/// cccd:045090001234 phone:0912…  personal numbers: exact value only
/// status:completed timeliness:late
/// received:2022-01-01..2022-06-30   also dd/mm/yyyy, a year (2022), a month (2022-05), open ends
/// ( … )                          grouping
/// ```
/// A bare 12-digit number is looked up as a citizen ID, a bare phone number as a phone, and a
/// bare dossier number, archival, procedure or agency code as that identifier (also quoted, or
/// with a comma after it), and any other code-like token both as a code and as words.
public struct QueryParser {
    let chars: [Character]
    let text: String
    var i = 0
    /// Parentheses open at `i`: bounded, as the parse and every walk of the tree recurse.
    var depth = 0
    /// Inside a text field's parentheses (`title:(…)`): days and years are words there, and a
    /// range of dates has no place.
    var inTextField = false
    /// The clauses read so far, where the count first passed `maxClauses`, and where the last
    /// clause read starts (for the error of a query over the limit).
    var clauses = 0, overLimitAt: Int?, lastClauseAt = 0
    static let maxDepth = 32
    /// The day overdue is judged against (the local day in Việt Nam, UTC+7).
    var today: Int32

    /// Today's day number in Việt Nam (UTC+7), the days dossiers are dated in.
    public static func currentDay() -> Int32 {
        Int32((Int64(Date().timeIntervalSince1970) + 7 * 3600).quotientAndRemainder(dividingBy: 86400).quotient)
    }

    public static func parse(_ typed: String, today: Int32 = currentDay()) throws(QuerySyntaxError) -> QueryNode {
        let query = pasted(typed)
        do { return try parse(read: query, today: today) } catch { throw error.located(in: typed) }
    }

    /// Parses a query as `pasted` reads it.
    static func parse(read query: String, today: Int32) throws(QuerySyntaxError) -> QueryNode {
        var p = QueryParser(chars: Array(query), text: query, today: today)
        p.skipSpace()
        guard p.i < p.chars.count else { throw QuerySyntaxError(message: "the query is empty", position: 0, query: query) }
        let node = try p.parseAnd(closing: false)
        p.skipSpace()
        if p.i < p.chars.count {
            throw QuerySyntaxError(message: "unexpected '\(p.chars[p.i])'", position: p.i, query: query)
        }
        // Each clause costs a walk of its postings: a query pasted from a whole document (or
        // a word repeated thousands of times) would take minutes. Bounded, as Lucene bounds it.
        // Some words count more than once (a code is searched as a code and as words, a number
        // in its other spellings): the caret shows the clause at which the query passed it.
        let clauses = node.clauseCount
        guard clauses <= maxClauses else {
            throw QuerySyntaxError(message: "the query has \(clauses) words and clauses (a code or a number counts once for each way it is searched); at most \(maxClauses), passed here: search for the few words that tell the dossier apart",
                                   position: p.overLimitAt ?? p.lastClauseAt, query: query)
        }
        return node
    }

    /// The most words and clauses one query may hold.
    static let maxClauses = 256

    /// What was typed, as it was meant: invisible characters pasted with it (zero-width
    /// spaces and joiners, soft hyphens, byte-order marks) dropped; no-break spaces, curly
    /// quotes and dashes read as spaces, `"` and `-`; a spreadsheet's apostrophe before a number
    /// dropped; and a personal number written in groups (`0912 345 678`, `045.090.001.234`,
    /// `045090 001234`, `+84 912 345 678`) joined, when the groups make 12 digits (a citizen ID)
    /// or 10–11 starting with 0 (a phone number).
    public static func pasted(_ s: String) -> String {
        // Most queries hold neither digits nor those characters (their UTF-8 starts with C2,
        // E2 or EF): nothing to do.
        guard s.utf8.contains(where: { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0xC2 || $0 == 0xE2 || $0 == 0xE3 || $0 == 0xEF }) else { return s }
        var scalars = String.UnicodeScalarView()
        let source = Array(s.unicodeScalars)
        // Typographic quotes quote a phrase when they pair up; a stray one is no quote.
        let curly: Set<UInt32> = [0x201C, 0x201D, 0x201E, 0x201F, 0x00AB, 0x00BB]
        let quotesPair = source.filter { curly.contains($0.value) || $0 == "\"" }.count % 2 == 0
        for (k, u) in source.enumerated() {
            switch u.value {
            // No-break, figure, narrow and ideographic spaces: spaces.
            case 0x00A0, 0x2007, 0x202F, 0x3000: scalars.append(" ")
            // A soft hyphen marks where a word may be split at a line's end: dropped.
            case 0x00AD: continue
            // A zero-width space between two words (pasted from the web or a chat) parts them;
            // so do joiners, word joiners and byte-order marks (which a copy of `show`'s output
            // carries), as the analyzer parts the words of the dossier there.
            case let v where Self.invisible.contains(v):
                // A run of them is one: its first decides, by the letters around the run.
                if k > 0 && Self.invisible.contains(source[k - 1].value) { continue }
                var r = k + 1
                while r < source.count && Self.invisible.contains(source[r].value) { r += 1 }
                // Inside a word (a break opportunity a page put in hò|a) it is dropped: two
                // letters at least on each side, or a capital after it, make two words.
                guard k > 0, r < source.count, source[k - 1].properties.isAlphabetic, source[r].properties.isAlphabetic else { continue }
                let left = source[..<k].reversed().prefix { $0.properties.isAlphabetic || $0.properties.generalCategory == .nonspacingMark }.count
                let right = source[r...].prefix { $0.properties.isAlphabetic || $0.properties.generalCategory == .nonspacingMark }.count
                if source[r].properties.isUppercase || (left >= 2 && right >= 2) { scalars.append(" ") }
            case let v where curly.contains(v): scalars.append(quotesPair ? "\"" : " ")
            // Dashes and the minus sign inside a code (between two characters): a hyphen; standing
            // between two numbers (dates: 2024-01-01 – 2024-06-30), a hyphen too; anywhere else
            // (Quyết định – “Về việc…”, Hòa Phú –Huyện), a space: never an exclusion.
            case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2212:
                let before = k > 0 && !source[k - 1].properties.isWhitespace
                let after = k + 1 < source.count && !source[k + 1].properties.isWhitespace
                if before && after { scalars.append("-"); continue }
                let left = source[..<k].last { !$0.properties.isWhitespace }
                let right = source[(k + 1)...].first { !$0.properties.isWhitespace }
                let betweenNumbers = !before && !after && left.map { $0.value >= 0x30 && $0.value <= 0x39 } == true
                    && right.map { $0.value >= 0x30 && $0.value <= 0x39 } == true
                scalars.append(betweenNumbers ? "-" : " ")
            default: scalars.append(u)
            }
        }
        // A dossier number read off paper with a space, an underscore or a slash for a dash
        // (000.00.21.H50 230512 0007): one number again, character for character.
        // So is one written with dots for its dashes, or with no separator at all, as a barcode
        // reader types it (0000021H502305120007).
        // (A word's start is told by what comes before, not by `\b`: Unicode's word boundaries
        // run through a colon between letters.)
        let numbersJoined = String(Self.dossierNumbersJoined(Array(String(scalars))))
        var chars = Array(numbersJoined.replacingOccurrences(of: "(+84)", with: "+84"))
        // An apostrophe before digits (how spreadsheets mark a number kept as text): dropped.
        var k = 0
        while k + 1 < chars.count {
            if chars[k] == "'" && (k == 0 || chars[k - 1].isWhitespace) && chars[k + 1].isASCII && chars[k + 1].isNumber {
                chars.remove(at: k)
            } else { k += 1 }
        }
        var out: [Character] = []
        var i = 0
        func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
        outer: while i < chars.count {
            // A run of digit groups (2 to 6 digits each) separated by one kind of separator (a
            // space, a dot or a dash), starting at a word's start. Both kinds of number start
            // with 0 (a citizen ID with its province code, 001–096): years and dates do not.
            let atWordStart = i == 0 || chars[i - 1].isWhitespace || ":\"(".contains(chars[i - 1])
            // +84 and a phone number in groups (+84 912 345 678): the groups joined. Also 0084
            // (the international prefix dialled), and 84 without its + when groups follow that
            // make a mobile number (84 912 345 678).
            func startsWith(_ p: String, at k: Int) -> Bool {
                let p = Array(p)
                return k + p.count <= chars.count && Array(chars[k..<(k + p.count)]) == p
            }
            let prefix: (length: Int, bare: Bool)? = !atWordStart ? nil
                : startsWith("+84", at: i) && i + 3 < chars.count && " .-".contains(chars[i + 3]) ? (3, false)
                : startsWith("0084", at: i) && i + 4 < chars.count && (isDigit(chars[i + 4]) || " .-".contains(chars[i + 4])) ? (4, false)
                : startsWith("84", at: i) && i + 2 < chars.count && " .-".contains(chars[i + 2]) ? (2, true) : nil
            if let prefix {
                var j = i + prefix.length, digits: [Character] = []
                while j < chars.count && (isDigit(chars[j]) || (" .-".contains(chars[j]) && j + 1 < chars.count && isDigit(chars[j + 1]))) {
                    if isDigit(chars[j]) { digits.append(chars[j]) }
                    j += 1
                }
                let national = digits.first == "0" ? Array(digits.dropFirst()) : digits   // +84 0912…: the 0 is not dialled
                let plausible = prefix.bare ? national.count == 9 && "35789".contains(national.first ?? " ") : (9...10).contains(national.count)
                if plausible && (j == chars.count || chars[j].isWhitespace || "\")".contains(chars[j])) {
                    out += "+84" + String(national)
                    i = j
                    continue
                }
            }
            if chars[i] == "0" && atWordStart {
                var j = i, digits: [Character] = [], groups = 0, end = i
                var separator: Character?
                var longGroups = false
                var groupSizes: [Int] = [], groupEnds: [Int] = []
                while j < chars.count {
                    var k = j
                    while k < chars.count && isDigit(chars[k]) { k += 1 }
                    let n = k - j
                    guard (2...6).contains(n) else { break }
                    if n > 4 && !(groups == 1 && digits.count == 4) { longGroups = true }
                    groupSizes.append(n); groupEnds.append(k)
                    digits += chars[j..<k]; groups += 1; end = k
                    guard k + 1 < chars.count, " .-".contains(chars[k]), separator == nil || separator == chars[k], isDigit(chars[k + 1]) else { break }
                    separator = chars[k]
                    j = k + 1
                }
                // Where the number ends: a space, a quote or bracket, or punctuation pasted after it.
                func endsAt(_ e: Int) -> Bool {
                    e == chars.count || chars[e].isWhitespace || "\")".contains(chars[e])
                        || (",;:.".contains(chars[e]) && (e + 1 == chars.count || chars[e + 1].isWhitespace))
                }
                // A phone number followed by more digit groups (0912 345 678 12 Trần Hưng Đạo):
                // the groups that make a phone's usual shape are the number.
                if groupSizes.count > 3 && groupSizes != [3, 3, 3, 3] {
                    for cut in (2..<groupSizes.count).reversed() {
                        let sizes = Array(groupSizes[..<cut])
                        guard Self.phoneShapes.contains(sizes) else { continue }
                        let count = sizes.reduce(0, +)
                        let e = groupEnds[cut - 1]
                        if e < chars.count && chars[e].isWhitespace {
                            out += digits[..<count]
                            i = e
                            continue outer
                        }
                    }
                }
                let boundary = endsAt(end)
                let joined = String(digits)
                // Groups of 5 or 6 digits only make a citizen ID (045090 001234) or follow a
                // phone's first four (0912 345678): 050512 0007 is a date and a number.
                if groups >= 2 && boundary && (digits.count == 12 || (!longGroups && (digits.count == 10 || digits.count == 11))) {
                    out += joined
                    i = end
                    continue
                }
                // Not a number: left as typed, whole (a run inside it is no number either).
                if end > i {
                    out += chars[i..<end]
                    i = end
                    continue
                }
            }
            out.append(chars[i])
            i += 1
        }
        return String(out)
    }

    /// How phone numbers are grouped when written (0912 345 678, 091 234 5678, 0912 345678).
    static let phoneShapes: Set<[Int]> = [[4, 3, 3], [3, 3, 4], [3, 4, 3], [4, 6], [4, 3, 4], [2, 4, 4], [4, 2, 2, 2]]

    /// Zero-width spaces and joiners, word joiner, byte-order mark, soft hyphen.
    /// Dossier numbers written as the index holds them (`000.00.21.H50-230512-0007`): one read
    /// off paper with a space, an underscore, a slash or a dot for either dash, and one typed
    /// with no separator at all, as a barcode reader types it (`0000021H502305120007`). A number
    /// starts where no letter or digit stands before it; the written form must not run on into
    /// a digit, the barcode's into a letter or digit.
    ///
    /// (Two regular expressions did this until a profile showed that compiling them at run time
    /// took a tenth of a whole `hoso search` process for a citizen ID.)
    static func dossierNumbersJoined(_ text: [Character]) -> [Character] {
        guard text.count >= 20 else { return text }
        func digit(_ c: Character) -> Bool { c.asciiValue.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        func latin(_ c: Character) -> Bool { c.asciiValue.map { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A } ?? false }
        func letterOrNumber(_ c: Character) -> Bool {
            switch c.unicodeScalars.first?.properties.generalCategory {
            case .uppercaseLetter?, .lowercaseLetter?, .titlecaseLetter?, .modifierLetter?, .otherLetter?,
                 .decimalNumber?, .letterNumber?, .otherNumber?: return true
            default: return false
            }
        }
        func separator(_ c: Character) -> Bool { c == " " || c == "_" || c == "/" || c == "-" || c == "." }
        /// Whether `pattern` holds at `i`: 9 a digit, A a Latin letter, s a separator, any other
        /// character itself.
        func holds(_ t: [Character], _ i: Int, _ pattern: [Character]) -> Bool {
            guard i + pattern.count <= t.count else { return false }
            for (k, p) in pattern.enumerated() {
                let c = t[i + k]
                switch p {
                case "9": if !digit(c) { return false }
                case "A": if !latin(c) { return false }
                case "s": if !separator(c) { return false }
                default: if c != p { return false }
                }
            }
            return true
        }
        func rewrite(_ t: [Character], _ pattern: [Character], ends: (Character) -> Bool, _ form: ([Character]) -> [Character]) -> [Character] {
            var out: [Character] = []
            out.reserveCapacity(t.count + 4)
            var i = 0
            while i < t.count {
                let n = pattern.count
                if (i == 0 || !letterOrNumber(t[i - 1])) && holds(t, i, pattern) && (i + n == t.count || !ends(t[i + n])) {
                    out += form(Array(t[i..<(i + n)]))
                    i += n
                } else {
                    out.append(t[i])
                    i += 1
                }
            }
            return out
        }
        let written = rewrite(text, Array("999.99.99.A99s999999s9999"), ends: digit) { m in
            Array(m[0..<13]) + ["-"] + Array(m[14..<20]) + ["-"] + Array(m[21..<25])
        }
        return rewrite(written, Array("9999999A999999999999"), ends: letterOrNumber) { m in
            Array(m[0..<3]) + ["."] + Array(m[3..<5]) + ["."] + Array(m[5..<7]) + ["."] + Array(m[7..<10]) + ["-"] + Array(m[10..<16]) + ["-"] + Array(m[16..<20])
        }
    }

    static let invisible: Set<UInt32> = [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD]

    mutating func skipSpace() { while i < chars.count && chars[i].isWhitespace { i += 1 } }

    func error(_ m: String, at p: Int? = nil) -> QuerySyntaxError { QuerySyntaxError(message: m, position: p ?? i, query: text) }

    mutating func parseAnd(closing: Bool) throws(QuerySyntaxError) -> QueryNode {
        var items: [QueryNode] = []
        while true {
            skipSpace()
            if i >= chars.count { break }
            if chars[i] == ")" {
                if closing { break }
                throw error("a ')' without its '('")
            }
            if skipNoise() { continue }
            // Words glued by punctuation (TP.Đông, hòa,khai) join the enclosing words, for
            // adjacency and synonyms across the glue.
            let item = try parseOr()
            if case .and(let glued) = item { items += glued } else { items.append(item) }
        }
        items = QueryParser.withNumbersOfResults(QueryParser.withoutLabels(items))
        if items.isEmpty { throw error(closing ? "empty parentheses" : "the query is empty") }
        // Only exclusions ('-status:returned': everything not yet returned) search the whole
        // archive without what they name.
        return items.count == 1 ? items[0] : .and(items)
    }

    /// Skips a token pasted with the text that searches nothing: punctuation standing alone
    /// (`Hòa - Phường 1`, `Quảng Trị & Đông Hà`) and `AND`, which is what words do anyway.
    mutating func skipNoise() -> Bool {
        guard chars[i] != "(" && chars[i] != "\"" else { return false }
        var j = i
        var meaningful = false
        while j < chars.count && !chars[j].isWhitespace && chars[j] != "(" && chars[j] != ")" && chars[j] != "\"" {
            if chars[j].isLetter || chars[j].isNumber { meaningful = true }
            j += 1
        }
        let token = String(chars[i..<j])
        // "-(" and "-\"" exclude a group or a phrase: not noise.
        if !meaningful && token == "-" && j < chars.count && !chars[j].isWhitespace { return false }
        guard !meaningful || token == "AND" else { return false }
        // A dash standing apart before a phrase or a group meant to exclude it: said, not guessed.
        if token == "-" {
            var k = j
            while k < chars.count && chars[k].isWhitespace { k += 1 }
            if k < chars.count && (chars[k] == "\"" || chars[k] == "(") { return false }
        }
        i = j
        return true
    }

    /// Labels of identifiers on forms, folded, word by word (`Số CCCD`, `SĐT`, `mã hồ sơ`).
    static let labels: [[String]] = [
        ["so"], ["cccd"], ["cmnd"], ["cmt"], ["sdt"], ["dt"], ["tel"], ["id"], ["phone"], ["ma"], ["hs"],
        ["can", "cuoc"], ["can", "cuoc", "cong", "dan"], ["chung", "minh", "nhan", "dan"], ["chung", "minh", "thu"],
        ["dinh", "danh"], ["dinh", "danh", "ca", "nhan"], ["dien", "thoai"], ["di", "dong"],
        ["ho", "so"], ["thu", "tuc"], ["tthc"], ["co", "quan"], ["don", "vi"], ["quyen", "so"], ["ky", "hieu"],
    ]

    /// `items` without the labels right before an identifier: a form's label would otherwise be
    /// words every match needs, and most dossiers lack. Whole labels only, read backwards from
    /// the identifier, so a name before them stays (*Phan Thị Dân số 09…* keeps *Dân*).
    /// `số 171` (giấy phép xây dựng số 171): the number of a result document, or "số 171" in
    /// the text (a house number), either.
    static func withNumbersOfResults(_ items: [QueryNode]) -> [QueryNode] {
        guard items.count >= 2 else { return items }
        var out: [QueryNode] = []
        var k = 0
        while k < items.count {
            if k + 1 < items.count, case let .word(label, fields: nil) = items[k], VietnameseText.foldedValue(label) == "so",
               case let .word(n, fields: nil) = items[k + 1], (1...12).contains(n.count), n.allSatisfy({ $0.isASCII && $0.isNumber }) {
                out.append(.or([.keyword(.result, n, prefix: false), .phrase([label, n], fields: nil)]))
                k += 2
                continue
            }
            out.append(items[k])
            k += 1
        }
        return out
    }

    static func withoutLabels(_ items: [QueryNode]) -> [QueryNode] {
        func isIdentifier(_ n: QueryNode) -> Bool {
            switch n {
            case .keyword(let field, _, prefix: false): return [.cccd, .phone, .code, .procedureCode, .agencyCode].contains(field)
            case .or(let alternatives): return alternatives.first.map(isIdentifier) ?? false   // a local code, both ways
            default: return false
            }
        }
        func folded(_ n: QueryNode) -> String? {
            guard case let .word(w, fields: nil) = n else { return nil }
            return Analyzer().keys(VietnameseText.canonical(w)).first.map { String(decoding: $0.folded, as: UTF8.self) }
        }
        var keep = [Bool](repeating: true, count: items.count)
        for (k, item) in items.enumerated() where isIdentifier(item) {
            var end = k      // items[..<end] may still end with a label
            while end > 0 {
                let longest = labels.filter { label in
                    label.count <= end && zip(label, items[(end - label.count)..<end]).allSatisfy { $0 == folded($1) }
                }.map(\.count).max()
                guard let n = longest else { break }
                for j in (end - n)..<end { keep[j] = false }
                end -= n
            }
        }
        // A tax code after its label (MST, mã số thuế): the number as written in the text (a
        // company's tax code of 10 digits starting with 0 is no phone number), the label dropped.
        var taxCodes: [Int: QueryNode] = [:]
        for label in [["mst"], ["ma", "so", "thue"]] {
            for k in items.indices where k + label.count < items.count
                && zip(label, items[k...]).allSatisfy({ $0 == folded($1) }) {
                let next = items[k + label.count]
                let digits: String?
                switch next {
                case let .word(w, fields: nil): digits = w.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }) ? w : nil
                case let .keyword(.phone, v, prefix: false): digits = v
                default: digits = nil
                }
                guard let digits else { continue }
                for j in k..<(k + label.count) { keep[j] = false }
                taxCodes[k + label.count] = .word(digits, fields: nil)
            }
        }
        // A form's "Họ tên:" or "Họ và tên:" before a name, at the start of what was pasted.
        for label in [["ho", "ten"], ["ho", "va", "ten"]] where items.count >= label.count + 2
            && zip(label, items).allSatisfy({ $0 == folded($1) }) {
            for j in 0..<label.count { keep[j] = false }
        }
        // "ngày 15/05/2023", "tháng 05/2023", "năm 2023", "từ 01/01/2022 đến 30/06/2022": the
        // word (typed with its marks: Nam is a name) before a day, month, year or range typed alone.
        // Typed in small letters: Năm, Ngày written with a capital are names (Nguyễn Văn Năm 2023).
        for k in items.indices.dropLast() {
            guard case let .word(w, fields: nil) = items[k], ["ngày", "tháng", "năm", "từ"].contains(VietnameseText.canonical(w)) else { continue }
            switch items[k + 1] {
            case .dateRange: keep[k] = false
            // (Not "từ" before one day: since then, which the day alone does not say.)
            case let .or(alternatives) where VietnameseText.canonical(w) != "từ"
                    && alternatives.contains(where: { if case .dateRange = $0 { true } else { false } }): keep[k] = false
            default: break
            }
        }
        // "Phường 03", "Quận 07": a ward's or district's number printed with a zero also finds
        // it written without (Phường 3), in its place for the bonus of words side by side.
        for k in items.indices.dropFirst() {
            guard case let .word(w, fields: nil) = items[k], w.count == 2, w.first == "0", let last = w.last, last.isASCII, last.isNumber, last != "0",
                  let unit = folded(items[k - 1]), ["phuong", "quan", "p", "q"].contains(unit) else { continue }
            taxCodes[k] = .or([items[k], .synonym(.word(String(last), fields: nil), covers: 1)])
        }
        return items.indices.compactMap { k in keep[k] ? (taxCodes[k] ?? items[k]) : nil }
    }

    mutating func parseOr() throws(QuerySyntaxError) -> QueryNode {
        var items = [try parseUnary()]
        while true {
            let save = i
            skipSpace()
            if i + 2 <= chars.count, chars[i] == "O", chars[i + 1] == "R", i + 2 == chars.count || chars[i + 2].isWhitespace || chars[i + 2] == "(" || chars[i + 2] == "\"" {
                i += 2
                skipSpace()
                guard i < chars.count, chars[i] != ")" else { throw error("'OR' needs something after it") }
                items.append(try parseUnary())
            } else { i = save; break }
        }
        return items.count == 1 ? items[0] : .or(items)
    }

    mutating func parseUnary() throws(QuerySyntaxError) -> QueryNode {
        if chars[i] == "-" && i + 1 < chars.count && !chars[i + 1].isWhitespace {
            i += 1
            return .not(try parsePrimary())
        }
        // NOT in capitals, as other search tools write it: the same as '-'.
        if i + 3 < chars.count, chars[i] == "N", chars[i + 1] == "O", chars[i + 2] == "T", chars[i + 3].isWhitespace {
            let start = i
            i += 3
            skipSpace()
            guard i < chars.count, chars[i] != ")" else { throw error("'NOT' needs something after it", at: start) }
            return .not(try parsePrimary())
        }
        return try parsePrimary()
    }

    /// A word, phrase, field or other clause at `i`, or a group in parentheses; its clauses are
    /// counted where it starts, so that a query over the limit is shown where it passes it.
    mutating func parsePrimary() throws(QuerySyntaxError) -> QueryNode {
        let start = i, before = clauses
        let node = try parseClause()
        // (A group's clauses, in `(…)` or `title:(…)`, were counted one by one inside it.)
        if clauses == before {
            clauses += node.clauseCount
            if clauses > Self.maxClauses && overLimitAt == nil { overLimitAt = start }
            lastClauseAt = start
        }
        return node
    }

    mutating func parseClause() throws(QuerySyntaxError) -> QueryNode {
        let start = i
        if chars[i] == "(" {
            guard depth < Self.maxDepth else { throw error("parentheses nested more than \(Self.maxDepth) deep") }
            i += 1
            depth += 1
            let inner = try parseAnd(closing: true)
            depth -= 1
            guard i < chars.count, chars[i] == ")" else { throw error("'(' is not closed", at: start) }
            i += 1
            return inner
        }
        if chars[i] == "\"" { return try parsePhrase(fields: nil) }
        if let node = try writtenDateNode(at: start) { return node }
        // "từ" (from, also "kể từ") and a range after it: the range (and, to now, the words as
        // written). Only "từ" as written (Tú, Tư, Tự are names), in small letters but at the
        // query's start.
        if !inTextField, "tTk".contains(chars[i]) {
            let save = i
            var w = VietnameseText.canonical(readWord())
            if ["kể", "KỂ", "ke"].contains(w) || (w == "Kể" && start == 0) { skipSpace(); w = VietnameseText.canonical(readWord()) }
            // (Without marks, "tu" is also Tú, Tư: read as "từ" only before a whole range.)
            let marked = w == "từ" || w == "TỪ" || (w == "Từ" && start == 0)
            if marked || w == "tu" || w == "TU" {
                skipSpace()
                if i < chars.count, let node = try writtenDateNode(at: start, after: marked ? .since : .rangeOnly) { return node }
                // (ngày 01/01/2022, năm 2023: the label before the figures.)
                let afterFrom = i
                var first = QueryParser.withoutTrailingPunctuation(readWord())
                if ["ngày", "năm"].contains(VietnameseText.canonical(first)) { skipSpace(); first = QueryParser.withoutTrailingPunctuation(readWord()) }
                if let lo = QueryParser.gluedToNow(first), lo <= today { return textAndDays(from: start, lo: lo, hi: today) }
                if QueryParser.day(first, end: false) != nil {
                    if let node = rangeToNow(from: first, at: start) { return node }
                    let beforeEnd = i
                    if let lo = QueryParser.wholeDay(first), let end = rangeEnd(), let hi = QueryParser.day(end, end: true), lo <= hi {
                        return .dateRange(.received, from: lo, to: hi)
                    }
                    i = beforeEnd
                    // "từ" and a day, month or year alone: since then (or the words as written).
                    if marked, let lo = QueryParser.day(first, end: false), lo <= today { return textAndDays(from: start, lo: lo, hi: today) }
                }
                i = afterFrom
            }
            i = save
        }
        // A Vietnamese label glued to the identifier or date after it (mã hồ sơ:000.00.21.H50-…,
        // ngày:15/08/2019, as form exports write them): the label a word of its own (dropped as
        // a label before an identifier or a date), the value read next.
        var k = i
        while k < chars.count, chars[k].isLetter { k += 1 }
        if k < chars.count, chars[k] == ":", k > i, !chars[i..<k].allSatisfy(\.isASCII) {
            let label = String(chars[i..<k])
            let save = i
            i = k + 1
            let valueStart = i
            let value = readWord()
            i = valueStart
            // (A date after `ngày:`, as a form writes it, too.)
            if QueryParser.identifier(value) != nil || QueryParser.dateRange(QueryParser.withoutTrailingPunctuation(value)) != nil {
                return try bare(label, at: start)
            }
            i = save
        }
        // field:value?
        var j = i
        while j < chars.count, chars[j].isLetter, chars[j].isASCII { j += 1 }
        if j < chars.count, chars[j] == ":", j > i {
            let name = String(chars[i..<j]).lowercased()
            i = j + 1
            // "CCCD: 045090001234", as pasted from a form: a personal number or code may follow
            // its field after a space.
            if ["cccd", "citizen", "citizenid", "phone", "code", "received", "due", "completed"].contains(name) {
                while i < chars.count && chars[i] == " " { i += 1 }
            }
            // A form's label with a colon (CMND: 045…, Tel: 09…, quan: 000.00.21.H50): not a
            // field of hoso's; the identifier after it is what is searched.
            if !QueryParser.fieldNames.contains(name) {
                let save = i
                while i < chars.count && chars[i] == " " { i += 1 }
                let valueStart = i
                let value = readWord()
                if QueryParser.identifier(value) != nil {
                    i = valueStart
                    return try parseClause()
                }
                i = save
            }
            guard i < chars.count, !chars[i].isWhitespace else {
                throw error(i < chars.count ? "'\(name):' needs its value right after the colon, without a space (\(name):…)" : "'\(name):' needs a value")
            }
            return try parseField(name, at: start)
        }
        let word = readWord()
        if word == "OR" { throw error("'OR' needs a word on each side (or write 'or' for the word)", at: start) }
        return try bare(word, at: start)
    }

    /// A day or a month written out at `i`, as letters and receipts write them (*ngày 12 tháng 5
    /// năm 2023*, *tháng 5, năm 2023*, with or without marks): its figures (`12/05/2023`,
    /// `05/2023`), moving past it; nil, nothing read, otherwise.
    mutating func writtenDate() -> String? {
        let save = i
        func next() -> String { skipSpace(); return QueryParser.withoutTrailingPunctuation(readWord()) }
        func number(_ w: String, _ r: ClosedRange<Int>) -> Int? {
            guard w.count <= 2, w.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(w), r.contains(n) else { return nil }
            return n
        }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var w = next()
        var day: Int?
        func isWord(_ w: String, _ forms: [String]) -> Bool { forms.contains(VietnameseText.canonical(w.lowercased())) }
        if isWord(w, ["ngày", "ngay"]) {
            guard let d = number(next(), 1...31) else { i = save; return nil }
            day = d
            w = next()
        }
        guard isWord(w, ["tháng", "thang"]), let m = number(next(), 1...12), isWord(next(), ["năm", "nam"]) else { i = save; return nil }
        let y = next()
        guard y.count == 4, y.allSatisfy({ $0.isASCII && $0.isNumber }) else { i = save; return nil }
        guard let day else { return two(m) + "/" + y }
        let figures = two(day) + "/" + two(m) + "/" + y
        // (31 tháng 2: no day, left to be words.)
        guard QueryParser.day(figures, end: false) != nil else { i = save; return nil }
        return figures
    }

    /// A date written out at `i` (`writtenDate`), alone or starting a range (*ngày 1 tháng 1 năm
    /// 2022 đến ngày 30 tháng 6 năm 2022*, *tháng 5 năm 2023 đến nay*): the dossiers received
    /// then, or holding the words as written (a title may); in a text field's parentheses a
    /// range is refused. `from`: after *từ* (read from `start`), a date alone is the start of a
    /// range to today (`.since`), or, after an unmarked *tu*, no range at all (`.rangeOnly`).
    enum AfterFrom { case none, since, rangeOnly }

    mutating func writtenDateNode(at start: Int, after from: AfterFrom = .none) throws(QuerySyntaxError) -> QueryNode? {
        guard i < chars.count, "nNtT".contains(chars[i]) else { return nil }
        let save = i
        guard let figures = writtenDate(), let lo = QueryParser.day(figures, end: false), var hi = QueryParser.day(figures, end: true) else { return nil }
        let beforeEnd = i
        if let end = rangeEnd(anyEnd: true), let h = QueryParser.day(end, end: true), lo <= h {
            if inTextField { throw QueryParser.rangeInTextField(self, at: start) }
            hi = h
        } else {
            i = beforeEnd
            // (After "từ": since then; after "tu", no range, no "từ".)
            switch from {
            case .none: break
            case .since: if lo <= today { hi = today } else { i = save; return nil }
            case .rangeOnly: i = save; return nil
            }
        }
        return textAndDays(from: start, lo: lo, hi: hi)
    }

    /// The error for a range of dates inside a text field's parentheses.
    static func rangeInTextField(_ p: QueryParser, at start: Int) -> QuerySyntaxError {
        p.error("a range of dates is not a word of a text field: write it with received:, due: or completed:, outside the parentheses", at: start)
    }

    /// What was typed from `start` to `i` as words (a phrase), or the days received `lo`…`hi`.
    func textAndDays(from start: Int, lo: Int32, hi: Int32) -> QueryNode {
        let words = QueryParser.words(String(chars[start..<i]))
        let text: QueryNode = words.count == 1 ? .word(words[0], fields: nil) : .phrase(words, fields: nil)
        return .or([text, .dateRange(.received, from: lo, to: hi)])
    }

    /// After a day, month or year `first` (figures, read from `start`): a range to now after
    /// it (*2020 đến nay*): the dossiers received since, or holding the words as written; nil,
    /// nothing read, otherwise.
    mutating func rangeToNow(from first: String, at start: Int) -> QueryNode? {
        let save = i
        guard !inTextField, let lo = QueryParser.day(first, end: false), rangeEnd(anyEnd: true) == isoToday, lo <= today else { i = save; return nil }
        return textAndDays(from: start, lo: lo, hi: today)
    }

    /// After a day: the end of a range written with a dash or a word between them and spaces
    /// around (`- 30/06/2022`, `– 30/06/2022` pasted, `đến 30/06/2022`), read; nil (nothing
    /// read) when none follows. The end is a whole day too: years joined by a dash are also
    /// text (Kế hoạch 2019 - 2020).
    /// A day of the calendar ends a range only after a whole day (Kế hoạch 2019 - 2020 is
    /// words), unless `anyEnd` (after a date written out, or to see whether it is now).
    mutating func rangeEnd(anyEnd: Bool = false) -> String? {
        let save = i
        skipSpace()
        let joiner = readWord()
        if QueryParser.rangeJoiners.contains(joiner.lowercased()) {
            let end = endAfterJoiner()
            if anyEnd ? QueryParser.day(end, end: true) != nil : QueryParser.wholeDay(end) != nil { return end }
        }
        i = save
        return nil
    }

    /// The words that join the two ends of a range written out.
    static let rangeJoiners: Set<String> = ["-", "đến", "den", "tới", "toi", "to"]

    /// The end of a range after its joiner: the next word (past a `ngày` before it: đến ngày
    /// 30/06/2022), or today for `nay`, `hiện nay`, `hôm nay`, `now`, `today`, as ISO.
    mutating func endAfterJoiner() -> String {
        if let written = writtenDate() { return written }
        func next() -> String { skipSpace(); return QueryParser.withoutTrailingPunctuation(readWord()) }
        var end = next()
        if ["ngày", "ngay"].contains(VietnameseText.canonical(end.lowercased())) { end = next() }
        let folded = VietnameseText.foldedValue(end)
        if ["nay", "now", "today"].contains(folded) && end.lowercased() != "này" { return isoToday }
        if ["hien", "hom"].contains(folded) {
            let save = i
            if VietnameseText.foldedValue(next()) == "nay" { return isoToday }
            i = save
        }
        return end
    }

    /// Today, as an ISO day.
    var isoToday: String {
        let (y, m, d) = Timestamp.civilFromDays(Int(today))
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    /// The day `s` names when it names one whole day (not a month or a year).
    static func wholeDay(_ s: String) -> Int32? {
        guard s.contains("-") || s.contains("/") || s.contains("."), let d = day(s, end: false), day(s, end: true) == d else { return nil }
        return d
    }

    mutating func readWord() -> String {
        let s = i
        while i < chars.count && !chars[i].isWhitespace && chars[i] != "(" && chars[i] != ")" && chars[i] != "\"" { i += 1 }
        return String(chars[s..<i])
    }

    /// A field's value: a word, or a quoted text (`code:"000.00.21.H50-230512-0007"`).
    mutating func readValue() throws(QuerySyntaxError) -> String {
        guard i < chars.count, chars[i] == "\"" else { return readWord() }
        return QueryParser.trimmed(try readQuoted())
    }

    /// The text between the quote at `i` and the next one, moving past both.
    mutating func readQuoted() throws(QuerySyntaxError) -> String {
        let start = i
        i += 1
        let s = i
        while i < chars.count && chars[i] != "\"" { i += 1 }
        guard i < chars.count else { throw error("a quote is not closed", at: start) }
        defer { i += 1 }
        return String(chars[s..<i])
    }

    /// `s` without spaces at either end.
    static func trimmed(_ s: String) -> String {
        String(s.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    mutating func parsePhrase(fields: [Field]?) throws(QuerySyntaxError) -> QueryNode {
        let start = i
        let body = try readQuoted()
        // A quoted identifier ("000.00.21.H50-230512-0007", as pasted) is still the identifier.
        let trimmed = QueryParser.trimmed(body)
        if fields == nil, !trimmed.contains(" "), let id = QueryParser.identifier(trimmed) { return id }
        // A prefix inside quotes would be looked for as the word without its star, and found
        // nowhere: said, at the star.
        if let star = body.firstIndex(of: "*") {
            throw error("a prefix (word*) cannot stand in a phrase: write it outside the quotes (\"nguyễn văn\" th* finds the phrase and a word beginning th)",
                        at: start + 1 + body.distance(from: body.startIndex, to: star))
        }
        let words = QueryParser.words(body)
        guard !words.isEmpty else { throw error("an empty phrase", at: start) }
        return words.count == 1 ? .word(words[0], fields: fields) : .phrase(words, fields: fields)
    }

    /// The words of a text (split as the analyzer splits).
    static func words(_ s: String) -> [String] {
        var out: [String] = []
        let canonical = VietnameseText.canonical(s)
        Analyzer().tokenize(canonical: canonical) { t in
            let u = Array(canonical.utf8)[t.start..<t.end]
            out.append(String(decoding: u, as: UTF8.self))
        }
        return out
    }

    /// Every field name a query may use.
    static let fieldNames: Set<String> = Set(textFieldNames.keys).union(
        ["received", "due", "completed", "code", "cccd", "citizen", "citizenid", "phone", "status", "timeliness", "channel", "result", "signer"])

    static let textFieldNames: [String: Field] = [
        "title": .title, "applicant": .applicant, "procedure": .procedure, "agency": .agency,
        "place": .place, "address": .place, "other": .other,
    ]

    mutating func parseField(_ name: String, at start: Int) throws(QuerySyntaxError) -> QueryNode {
        let valueStart = i
        switch name {
        case "received", "due", "completed":
            // A quoted value is the value ("2022", "01/01/2022 .. 30/06/2022").
            var value: String
            if let written = writtenDate() { value = written }
            else { value = i < chars.count && chars[i] == "\"" ? try readQuoted().filter { $0 != " " } : readWord() }
            // A range written with spaces around its dots (2024-01-01 .. 2024-06-30).
            let save = i
            skipSpace()
            if value.hasSuffix("..") || (i + 1 < chars.count && chars[i] == "." && chars[i + 1] == ".") {
                if !value.hasSuffix("..") { value += readWord() }
                if value.hasSuffix("..") {
                    skipSpace()
                    let after = i
                    let end = readWord()
                    if QueryParser.day(end, end: true) != nil { value += end } else { i = after }
                }
            } else if !value.contains("..") {
                // A range written with words or a dash between its dates (2024-01-01 đến
                // 2024-06-30, 2024-01-01 - 2024-06-30) is read as one; two days side by side are
                // a range meant without its dots, said (a day alone would search the text for its
                // digits, finding nothing).
                func isDay(_ w: String) -> Bool { (w.contains("-") || w.contains("/")) && QueryParser.day(w, end: false) != nil }
                let after = i
                var next = readWord()
                if QueryParser.rangeJoiners.contains(next.lowercased()) {
                    // After a word or a dash, a year or a month is an end too (2023 - 2024), and
                    // so is now (2023 đến nay).
                    next = endAfterJoiner()
                    if QueryParser.dateRange(value) != nil, QueryParser.day(next, end: true) != nil { value += ".." + next } else { i = save }
                } else if next.hasPrefix("-"), QueryParser.dateRange(value) != nil, isDay(String(next.dropFirst())) {
                    value += ".." + next.dropFirst()       // 2023-01-01 -2024-12-31: a range, not an exclusion
                } else if QueryParser.dateRange(value) != nil, isDay(next) {
                    throw error("two dates: write a range with '..' between them (\(name):\(value)..\(next))", at: after)
                } else {
                    i = save
                }
            } else {
                i = save
            }
            // To now, the dash glued (received:2022-06-01-nay).
            let typed = value
            if QueryParser.gluedToNow(value) != nil, let dash = value.lastIndex(where: { $0 == "-" || $0 == "–" }) {
                value = String(value[..<dash]) + ".." + isoToday
            }
            guard let range = QueryParser.dateRange(value) else {
                // 31/02/2023 is told as a day the calendar lacks, as stats tells it.
                let sides = value.components(separatedBy: "..")
                if let missing = sides.lazy.compactMap(QueryParser.missingDay).first {
                    throw error(missing, at: valueStart)
                }
                throw error("'\(value)' is not a date or range (2022-01-31, 31/01/2022, 2022, 2022-05, 05/2022, A..B)", at: valueStart)
            }
            if let lo = range.0, let hi = range.1, lo > hi {
                if typed != value { throw error("'\(typed)' starts after today (\(isoToday)): a range to now starts on a past day", at: valueStart) }
                throw error("the range '\(value)' ends before it starts (write the earlier date first)", at: valueStart)
            }
            return .dateRange(DateColumn(rawValue: name)!, from: range.0, to: range.1)
        case "code":
            return try keywordOrPrefix(.code, at: valueStart)
        case "result", "signer":
            // Whole values, folded: result:171/GPXD, result:"Quyển số 01/2023-SCT/BS", signer:"Lê Văn Bảo".
            guard case let .keyword(field, v, prefix) = try keywordOrPrefix(name == "result" ? .result : .signer, at: valueStart) else { fatalError() }
            return .keyword(field, VietnameseText.foldedValue(v), prefix: prefix)
        case "cccd", "citizen", "citizenid":
            let v = try readValue()
            guard v.count == 12, v.allSatisfy(\.isASCII), v.allSatisfy(\.isNumber) else { throw error("a citizen ID has 12 digits", at: valueStart) }
            return .keyword(.cccd, v, prefix: false)
        case "phone":
            let v = try readValue()
            let phone = QueryParser.normalizePhone(v)
            guard phone.count >= 8, phone.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw error("'\(v)' is not a phone number (digits, spaces, dots, dashes, +84)", at: valueStart)
            }
            return .keyword(.phone, phone, prefix: false)
        case "status":
            let v = try statusValue(QueryParser.vietnameseStatuses.merging(QueryParser.vietnameseTimeliness) { a, _ in a })
            if !StatusCode.statuses.contains(v), StatusCode.timeliness.contains(v) || ["open", "overdue", "within", "closed"].contains(v) {
                let typed = String(chars[valueStart..<i])
                throw error("'\(typed)' is a timeliness, not a status: write timeliness:\(typed)", at: valueStart)
            }
            guard StatusCode.statuses.contains(v) else { throw error("unknown status '\(v)' (one of \(StatusCode.statuses.joined(separator: ", ")), or its Vietnamese name: đã tiếp nhận, đang xử lý, yêu cầu bổ sung, từ chối, rút hồ sơ, đã giải quyết, đã trả kết quả)", at: valueStart) }
            return .keyword(.status, v, prefix: false)
        case "timeliness":
            let v = try statusValue(QueryParser.vietnameseTimeliness)
            if v == "overdue" { return QueryParser.overdue(today: today) }
            if v == "within" {
                return .and([.keyword(.timeliness, "unresolved", prefix: false),
                             .not(.keyword(.status, "rejected", prefix: false)), .not(.keyword(.status, "withdrawn", prefix: false)),
                             .dateRange(.due, from: today, to: nil)])
            }
            if v == "closed" {
                // Ended without a result (rejected or withdrawn), as stats counts closed.
                return .and([.keyword(.timeliness, "unresolved", prefix: false),
                             .or([.keyword(.status, "rejected", prefix: false), .keyword(.status, "withdrawn", prefix: false)])])
            }
            if v == "unresolved" {
                // Still open: neither resolved nor ended without a result (rejected, withdrawn),
                // as stats counts unresolved; those are timeliness:closed.
                return .and([.keyword(.timeliness, "unresolved", prefix: false),
                             .not(.keyword(.status, "rejected", prefix: false)), .not(.keyword(.status, "withdrawn", prefix: false))])
            }
            guard StatusCode.timeliness.contains(v) else { throw error("unknown timeliness '\(v)' (one of \(StatusCode.timeliness.joined(separator: ", ")), open, overdue, within, closed, or sớm hạn, đúng hạn, trễ hạn, chưa giải quyết, trong hạn, quá hạn)", at: valueStart) }
            return .keyword(.timeliness, v, prefix: false)
        case "channel":
            let v = try statusValue(QueryParser.vietnameseChannels, codes: QueryParser.channels)
            guard QueryParser.channels.contains(v) else { throw error("unknown channel '\(v)' (one of \(QueryParser.channels.joined(separator: ", ")), or trực tiếp, trực tuyến, bưu chính)", at: valueStart) }
            return .keyword(.channel, v, prefix: false)
        case "procedure", "agency":
            // A code selects the keyword field; words search the names.
            if chars[i] != "\"" {
                let save = i
                let v = readWord()
                let bare = v.hasSuffix("*") ? String(v.dropLast()) : v
                if name == "procedure" && QueryParser.looksLikeProcedureCode(bare) { return .keyword(.procedureCode, bare, prefix: v.hasSuffix("*")) }
                if name == "agency" && QueryParser.looksLikeAgencyCode(bare) { return .keyword(.agencyCode, bare, prefix: v.hasSuffix("*")) }
                // The start of a code (agency:000.00.21*, procedure:1.00*): digits first, then
                // digits, letters and dots.
                if v.hasSuffix("*"), QueryParser.looksLikeCodePrefix(bare) {
                    return .keyword(name == "procedure" ? .procedureCode : .agencyCode, bare, prefix: true)
                }
                i = save
            }
            return try textField(QueryParser.textFieldNames[name]!, at: start)
        default:
            guard let field = QueryParser.textFieldNames[name] else {
                // From the fields themselves (the codes of procedures and agencies are asked with
                // procedure: and agency:), so that a field added is listed.
                let known = Field.allCases.filter { $0 != .procedureCode && $0 != .agencyCode }.map(\.queryName)
                    + [DateColumn.received, .due, .completed].map(\.rawValue)
                let near = known.first { QuerySuggestion.oneEditAway(Array(name.utf8)).contains(Array($0.utf8)) }
                throw error("unknown field '\(name):'\(near.map { " (did you mean '\($0):'?)" } ?? ""); the fields: \(known.joined(separator: ", "))", at: start)
            }
            return try textField(field, at: start)
        }
    }

    /// A status or timeliness name as the tables below hold it: folded, without spaces.
    public static func nameKey(_ s: String) -> String {
        Analyzer().keys(VietnameseText.canonical(s)).map { String(decoding: $0.folded, as: UTF8.self) }.joined()
    }

    /// Status names as officers say them, folded and without spaces, with the value each means.
    public static let vietnameseStatuses: [String: String] = [
        "datiepnhan": "received", "tiepnhan": "received", "moitiepnhan": "received",
        "dangxuly": "processing", "xuly": "processing", "danggiaiquyet": "processing",
        "yeucaubosung": "supplement-requested", "bosung": "supplement-requested", "chobosung": "supplement-requested",
        "tuchoi": "rejected", "khongtiepnhan": "rejected",
        "ruthoso": "withdrawn", "darut": "withdrawn", "rut": "withdrawn",
        "dagiaiquyet": "completed", "hoanthanh": "completed", "daxong": "completed", "coketqua": "completed", "dacoketqua": "completed",
        "datra": "returned", "datraketqua": "returned", "traketqua": "returned",
        "datuchoi": "rejected", "dahoanthanh": "completed", "daxuly": "completed", "dabosung": "supplement-requested",
    ]
    public static let vietnameseTimeliness: [String: String] = [
        "somhan": "early", "truochan": "early", "som": "early",
        "dunghan": "on-time", "ontime": "on-time",
        "trehan": "late", "tre": "late",
        // Open and past the appointment, as 'hoso stats' counts overdue (not a stored value).
        "quahan": "overdue", "overdue": "overdue", "closed": "closed",
        // Open and not yet past it, as report forms split the dossiers not yet resolved.
        "tronghan": "within", "within": "within", "chuaquahan": "within",
        "chuagiaiquyet": "unresolved", "chuaxong": "unresolved", "dangxuly": "unresolved", "open": "unresolved",
    ]

    /// The channels a dossier comes by, as the metadata and `hoso stats` name them.
    public static let channels = SubmissionChannel.allCases.map(\.rawValue)
    /// Channel names as officers say them, folded and without spaces.
    public static let vietnameseChannels: [String: String] = [
        "tructiep": "in-person", "noptructiep": "in-person", "taiquay": "in-person", "inperson": "in-person",
        "tructuyen": "online", "noptructuyen": "online", "quamang": "online", "dichvucongtructuyen": "online",
        "buuchinh": "postal", "quabuuchinh": "postal", "nopquabuuchinh": "postal", "buuchinhcongich": "postal",
        "buudien": "postal", "post": "postal",
    ]

    /// Overdue (quá hạn) as `hoso stats` counts it: not resolved, neither rejected nor
    /// withdrawn, and due before `today`. Judged when the query runs, so not a stored value.
    static func overdue(today: Int32) -> QueryNode {
        .and([.keyword(.timeliness, "unresolved", prefix: false),
              .not(.keyword(.status, "rejected", prefix: false)), .not(.keyword(.status, "withdrawn", prefix: false)),
              .dateRange(.due, from: nil, to: today - 1)])
    }

    /// A status or timeliness value: the English code, or its Vietnamese name quoted, joined by
    /// hyphens, or written as words (the words that make a known name are read with it).
    mutating func statusValue(_ names: [String: String], codes: [String] = StatusCode.statuses + StatusCode.timeliness) throws(QuerySyntaxError) -> String {
        if i < chars.count && chars[i] == "(" {
            throw error("a filter takes one value: write each with its field, joined by OR (status:completed OR status:returned)", at: i)
        }
        let quoted = i < chars.count && chars[i] == "\""
        let v = try readValue()
        let key = QueryParser.nameKey
        if codes.contains(v.lowercased()) { return v.lowercased() }
        var joined = key(v)
        if let code = names[joined], quoted || !names.keys.contains(where: { $0 != joined && $0.hasPrefix(joined) }) { return code }
        if quoted { return v.lowercased() }
        // Read on while the words still begin a known name ("trễ hạn", "đã trả kết quả").
        var best = names[joined]
        var bestEnd = i
        while true {
            let save = i
            skipSpace()
            guard i < chars.count, chars[i] != "(", chars[i] != ")", chars[i] != "\"" else { i = save; break }
            let w = readWord()
            let longer = joined + key(w)
            guard names.keys.contains(where: { $0.hasPrefix(longer) }) else { i = save; break }
            joined = longer
            if let code = names[joined] { best = code; bestEnd = i }
        }
        i = bestEnd
        return best ?? v.lowercased()
    }

    mutating func textField(_ field: Field, at start: Int) throws(QuerySyntaxError) -> QueryNode {
        // title:(applicant:an) would search "an" in one field or the other, not in both: which
        // was meant cannot be told, so it is asked.
        if inTextField {
            throw error("'\(field.queryName):' inside another field's parentheses: a word is searched in one field; write the fields side by side (title:(…) \(field.queryName):…)", at: start)
        }
        if chars[i] == "\"" { return try parsePhrase(fields: [field]) }
        if chars[i] == "(" {
            // field:(a b) applies the field to each word.
            let outer = inTextField
            inTextField = true
            defer { inTextField = outer }
            return QueryParser.restrict(try parsePrimary(), to: [field])
        }
        let start = i
        let w = readWord()
        return try textWord(w, fields: [field], at: start)
    }

    /// `n` with its words searched in `fields` only (`title:(a b)`); filters named with their
    /// fields inside (`received:2023`) stay filters.
    static func restrict(_ n: QueryNode, to fields: [Field]) -> QueryNode {
        switch n {
        case .word(let w, _): return .word(w, fields: fields)
        case .phrase(let w, _): return .phrase(w, fields: fields)
        case .prefix(let w, _): return .prefix(w, fields: fields)
        case .and(let c): return .and(c.map { restrict($0, to: fields) })
        case .or(let c): return .or(c.map { restrict($0, to: fields) })
        case .not(let c): return .not(restrict(c, to: fields))
        case .synonym(let c, let covers): return .synonym(restrict(c, to: fields), covers: covers)
        default: return n
        }
    }

    mutating func keywordOrPrefix(_ field: Field, at start: Int) throws(QuerySyntaxError) -> QueryNode {
        let v = try readValue()
        guard !v.isEmpty else { throw error("'\(field.queryName):' needs a value", at: start) }
        if v.hasSuffix("*") {
            let p = String(v.dropLast())
            guard !p.isEmpty else { throw error("a prefix needs at least one character", at: start) }
            return .keyword(field, p, prefix: true)
        }
        return .keyword(field, v, prefix: false)
    }

    /// A word without a field: an identifier when it looks like one, else free text.
    mutating func bare(_ w: String, at start: Int) throws(QuerySyntaxError) -> QueryNode {
        let core = QueryParser.withoutTrailingPunctuation(w)
        if let id = QueryParser.identifier(trimmed: core) { return id }
        if inTextField {
            // A day or a year there is a word of the field, or the day received, as outside; a
            // range of days the field cannot hold (in any of its forms).
            let save = i
            if core.contains("..") || QueryParser.dashBetweenDays(core) != nil || QueryParser.gluedToNow(core) != nil
                || (QueryParser.day(core, end: false) != nil && rangeEnd(anyEnd: true) != nil) {
                throw QueryParser.rangeInTextField(self, at: start)
            }
            i = save
        }
        // A range to now with its dash glued to both ends (01/06/2025-nay, 2020–nay): as
        // with spaces around the dash.
        if let lo = QueryParser.gluedToNow(core), lo <= today { return textAndDays(from: start, lo: lo, hi: today) }
        // A range of days typed alone (01/01/2023-31/03/2023, 2023-01-01..2023-03-31, 2019..):
        // the dossiers received in it, as `received:` with it would find. (Read before the year
        // and day above would take 2019.. for the year, its dots for punctuation.)
        let range = w.hasSuffix("..") ? w : core
        if range.count >= 6, range.allSatisfy({ $0.isASCII && ($0.isNumber || "/-.".contains($0)) }),
           range.contains("..") || QueryParser.dashBetweenDays(range) != nil,
           let (lo, hi) = QueryParser.dateRange(range), lo != nil || hi != nil {
            if let lo, let hi, lo > hi {
                throw error("the range '\(range)' ends before it starts (write the earlier date first)", at: start)
            }
            // Years or months joined by a dash are also text (Kế hoạch 2019-2020): both, as a
            // year alone is.
            let sides = range.split(separator: "-")
            if sides.count == 2, sides.allSatisfy({ $0.count <= 7 && QueryParser.wholeDay(String($0)) == nil }) {
                return .or([try textWord(core, fields: nil, at: start), .dateRange(.received, from: lo, to: hi)])
            }
            return .dateRange(.received, from: lo, to: hi)
        }
        // Two days joined by a dash or a word, with spaces (01/01/2022 - 30/06/2022, as report
        // periods are written; 2022-01-01 đến 2022-06-30): a range, as after `received:`. (Two
        // days that must both be the day received would let nothing through.)
        // (Two days in the other order are two days pasted side by side, as before.)
        // A day, month or year, then `đến nay` (until now): the range to today, or the words
        // as written (Báo cáo tình hình từ 2020 đến nay).
        if let node = rangeToNow(from: core, at: start) { return node }
        let beforeEnd = i
        if let lo = QueryParser.wholeDay(core), let end = rangeEnd(), let hi = QueryParser.day(end, end: true) {
            if lo <= hi { return .dateRange(.received, from: lo, to: hi) }
            i = beforeEnd
        }
        // A year alone (name + year, as a citizen says it): the dossiers received that year, or
        // holding the number.
        if core.count == 4, core.allSatisfy({ $0.isASCII && $0.isNumber }), let y = Int(core), (1900...2100).contains(y) {
            return .or([try textWord(core, fields: nil, at: start), .dateRange(.received, from: QueryParser.day(core, end: false), to: QueryParser.day(core, end: true))])
        }
        // A day or a month alone, as pasted from a form (15/08/2019, 2019-08-15, 08/2019): the
        // dossiers received then, or holding those numbers.
        if core.count >= 6, core.allSatisfy({ $0.isASCII && ($0.isNumber || "/-.".contains($0)) }),
           let from = QueryParser.day(core, end: false), let to = QueryParser.day(core, end: true) {
            return .or([try textWord(core, fields: nil, at: start), .dateRange(.received, from: from, to: to)])
        }
        // Other codes (archival codes, an office's local codes: MC19.273558) cannot be told from
        // text by their shape alone: such a token is looked for both ways.
        if !core.hasSuffix("*"), QueryParser.looksLikeOtherCode(core) {
            return .or([.keyword(.code, core, prefix: false), .keyword(.result, VietnameseText.foldedValue(core), prefix: false),
                        try textWord(core, fields: nil, at: start)])
        }
        // The number of a result document as the paper gives it: letters and digits together
        // (32A8630577), or a number and a notation (123/QĐ-UBND).
        if !core.hasSuffix("*"), QueryParser.looksLikeDocumentNumber(core) {
            return .or([.keyword(.result, VietnameseText.foldedValue(core), prefix: false), try textWord(core, fields: nil, at: start)])
        }
        return try textWord(w, fields: nil, at: start)
    }

    /// Letters and digits with both (32A8630577, at least 5), or digits, a slash and more
    /// (123/QĐ-UBND): a result document's number. Plain numbers are words (a house number).
    static func looksLikeDocumentNumber(_ s: String) -> Bool {
        guard s.count >= 5, s.count <= 64, !s.contains(where: \.isWhitespace) else { return false }
        if let slash = s.firstIndex(of: "/"), s[..<slash].allSatisfy({ $0.isASCII && $0.isNumber }), slash > s.startIndex,
           s[s.index(after: slash)...].contains(where: \.isLetter) { return true }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } && s.contains(where: \.isNumber) && s.contains(where: \.isLetter)
    }

    /// The identifier `w` names by its shape (a dossier number, a procedure or agency code, a
    /// citizen ID, a phone number, or a prefix of one of the codes), or nil. A comma or
    /// semicolon pasted after it is not part of it.
    static func identifier(_ w: String) -> QueryNode? { identifier(trimmed: withoutTrailingPunctuation(w)) }

    /// `w` without the commas, semicolons, colons and full stops pasted after it.
    public static func withoutTrailingPunctuation(_ w: String) -> String {
        guard let last = w.last, ",;:.".contains(last) else { return w }
        return String(w.reversed().drop { ",;:.".contains($0) }.reversed())
    }

    static func identifier(trimmed: String) -> QueryNode? {
        let isPrefix = trimmed.hasSuffix("*")
        let core = isPrefix ? String(trimmed.dropLast()) : trimmed
        if looksLikeDossierNumber(core) || (isPrefix && core.count >= 5 && looksLikeDossierNumberPrefix(core)) {
            return .keyword(.code, core, prefix: isPrefix)
        }
        if looksLikeArchivalCode(core) { return .keyword(.code, core, prefix: isPrefix) }
        if looksLikeProcedureCode(core) { return .keyword(.procedureCode, core, prefix: isPrefix) }
        // The start of a procedure code (1.00*: the national procedures 1.00…).
        if isPrefix, core.count >= 2, core.count < 8, looksLikeProcedureCode(core + String(repeating: "0", count: 8 - core.count)) {
            return .keyword(.procedureCode, core, prefix: true)
        }
        if looksLikeAgencyCode(core) { return .keyword(.agencyCode, core, prefix: isPrefix) }
        if !isPrefix && core.count == 12 && core.allSatisfy({ $0.isASCII && $0.isNumber }) { return .keyword(.cccd, core, prefix: false) }
        if !isPrefix, let phone = phoneValue(core) { return .keyword(.phone, phone, prefix: false) }
        if !isPrefix, let lost = withLostLeadingZero(core) { return lost }
        return nil
    }

    /// A personal number a spreadsheet kept as a number: its leading 0 dropped (45090001234,
    /// 912345678), written as 4.5090001234E+10, or with a decimal part (045090001234.0). A
    /// country code without its + (84912345678) is a phone number too.
    static func withLostLeadingZero(_ s: String) -> QueryNode? {
        var digits = s
        if digits.hasSuffix(".0") { digits.removeLast(2) }
        if let e = digits.firstIndex(where: { $0 == "E" || $0 == "e" }), digits[digits.index(after: e)...].hasPrefix("+"),
           let power = Int(digits[digits.index(e, offsetBy: 2)...]), power < 20 {
            // 4.5090001234E+10: the mantissa's digits, shifted left by the power.
            let parts = digits[..<e].split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count <= 2, let whole = parts.first, !whole.isEmpty else { return nil }
            let fraction = parts.count == 2 ? parts[1] : ""
            guard fraction.count <= power, (whole + fraction).allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            digits = String(whole + fraction) + String(repeating: "0", count: power - fraction.count)
        }
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let first = digits.first else { return nil }
        if digits.count == 12 && first == "0" && digits != s { return .keyword(.cccd, digits, prefix: false) }
        if (digits.count == 10 || digits.count == 11) && first == "0" && digits != s { return .keyword(.phone, digits, prefix: false) }
        guard first != "0" else { return nil }
        // Guesses: the digits are still searched as text beside them (the digits, not the
        // spreadsheet's notation, whose pieces "4" and "10" are words of many an address).
        let typed = QueryNode.word(digits, fields: nil)
        if digits.count == 11 {
            let id = QueryNode.keyword(.cccd, "0" + digits, prefix: false)
            return .or(digits.hasPrefix("84") ? [id, .keyword(.phone, "0" + digits.dropFirst(2), prefix: false), typed] : [id, typed])
        }
        if digits.count == 9 && "35789".contains(first) { return .or([.keyword(.phone, "0" + digits, prefix: false), typed]) }
        return nil
    }

    /// An archival code: an agency code, a dot, then more (`000.00.21.H50.2023.HT.01.05`).
    static func looksLikeArchivalCode(_ s: String) -> Bool {
        let b = Array(s.utf8)
        return b.count > 14 && b[13] == 0x2E && looksLikeAgencyCode(String(decoding: b[0..<13], as: UTF8.self))
            && b[14...].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2E || $0 == 0x2D }
    }

    /// ASCII letters and digits with at least one digit and one of `.`, `-`, `/`: a code of some
    /// office's making (not a date: those are written with field names).
    static func looksLikeOtherCode(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count >= 4, b.count <= 64 else { return false }
        var digit = false, separator = false
        for c in b {
            if c >= 0x30 && c <= 0x39 { digit = true; continue }
            if (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) { continue }
            if c == 0x2E || c == 0x2D || c == 0x2F || c == 0x5F { separator = true; continue }
            return false
        }
        return digit && separator
    }

    /// The start of a procedure or agency code: a digit first, then digits, letters and dots.
    static func looksLikeCodePrefix(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard let first = b.first, first >= 0x30 && first <= 0x39 else { return false }
        return b.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2E }
    }

    func textWord(_ w: String, fields: [Field]?, at start: Int) throws(QuerySyntaxError) -> QueryNode {
        // A star inside a word (ng*yen) is no wildcard hoso has: refused where it stands, rather
        // than read as two words.
        if let star = w.dropLast().firstIndex(of: "*") {
            throw error("'*' only ends a word, for a prefix (nguy*); a star inside one matches nothing", at: start + w.distance(from: w.startIndex, to: star))
        }
        // P.1, P1, Q.10: a ward or a district by its number, written as one: the two words side
        // by side ("phường 1", or as abbreviated), not a 1 anywhere (Tổ 1, Khu phố 1).
        if let (unit, number) = QueryParser.numberedUnit(w) {
            let name = unit == "p" ? "phường" : "quận"
            // (P.03, as printed: also Phường 3.)
            let numbers = number.count == 2 && number.first == "0" && number.last != "0" ? [number, String(number.dropFirst())] : [number]
            return .or(numbers.flatMap { n in [.phrase([name, n], fields: fields), .phrase([unit, n], fields: fields)] })
        }
        // Words glued by punctuation are words apart (hòa,khai; TP.Đông; Q.Bình; P.1): each is
        // found, and expanded by the synonyms, on its own. Digits on both sides of a dot or a
        // slash (12/3, 1.5) and hyphens (Đông-Hà) keep the words together, as a phrase.
        let parts = QueryParser.looseParts(w)
        if parts.count > 1 {
            var nodes: [QueryNode] = []
            for part in parts where part.contains(where: { $0.isLetter || $0.isNumber }) {
                // An identifier glued to words (hòa,0912345678; SĐT:0912…) is still one.
                if fields == nil, let id = QueryParser.identifier(part) { nodes.append(id); continue }
                nodes.append(try textWord(part, fields: fields, at: start))
            }
            if nodes.count == 1 { return nodes[0] }
            if !nodes.isEmpty { return .and(nodes) }
        }
        if w.hasSuffix("*") {
            let core = String(w.dropLast())
            let words = QueryParser.words(core)
            guard words.count == 1 else { throw error("a prefix must be one word", at: start) }
            return .prefix(words[0], fields: fields)
        }
        let words = QueryParser.words(w)
        if words.isEmpty {
            if w == "-" { throw error("a '-' standing apart excludes nothing: write it against what it excludes (-\"kết hôn\", -word), or leave it out", at: start) }
            throw error("'\(w)' has no letters or digits to search for", at: start)
        }
        // "Đông-Hà" is two words that must stand together.
        return words.count == 1 ? .word(words[0], fields: fields) : .phrase(words, fields: fields)
    }

    /// "p" or "q" and the number of `P.1`, `p1`, `Q.10` (one or two digits), or nil.
    static func numberedUnit(_ w: String) -> (String, String)? {
        var c = Array(withoutTrailingPunctuation(w))
        guard c.count >= 2, "pPqQ".contains(c[0]) else { return nil }
        let unit = c[0].lowercased()
        c.removeFirst()
        if c.first == "." { c.removeFirst() }
        // Wards and districts have numbers of one or two digits; P205 is a room.
        guard (1...2).contains(c.count), c.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return (unit, String(c))
    }

    /// `w` cut at commas and semicolons, at dots, ampersands and pluses with a letter on either
    /// side, and at slashes between letters.
    static func looseParts(_ w: String) -> [String] {
        let c = Array(w)
        guard c.count > 1 else { return [w] }
        // P1, Q10: a ward or a district and its number, written together.
        if c.count <= 3, "pPqQ".contains(c[0]), c.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) {
            return [String(c[0]), String(c.dropFirst())]
        }
        var parts: [String] = []
        var from = 0
        for k in 0..<c.count {
            let cut: Bool
            switch c[k] {
            case ",", ";", ":": cut = true
            case ".", "&", "+":
                cut = (k > 0 && c[k - 1].isLetter) || (k + 1 < c.count && c[k + 1].isLetter)
            case "/":
                // Between letters (hòa/khai, CMND/CCCD); not in a document number (123/QĐ-UBND).
                cut = k > 0 && c[k - 1].isLetter && k + 1 < c.count && c[k + 1].isLetter
            default: cut = false
            }
            if cut {
                if k > from { parts.append(String(c[from..<k])) }
                from = k + 1
            }
        }
        if from < c.count { parts.append(String(c[from...])) }
        return parts
    }

    static func looksLikeDossierNumber(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count == 25 else { return false }
        return looksLikeAgencyCode(String(decoding: b[0..<13], as: UTF8.self)) && b[13] == 0x2D && b[20] == 0x2D
            && b[14..<20].allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && b[21..<25].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    static func looksLikeDossierNumberPrefix(_ s: String) -> Bool {
        // "000.00.21.H50-2305" or "000.00.21.H50-" or a prefix of an agency code followed by more.
        let b = Array(s.utf8)
        return b.count > 13 && looksLikeAgencyCode(String(decoding: b[0..<13], as: UTF8.self)) && b[13] == 0x2D
    }

    static func looksLikeAgencyCode(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count == 13 else { return false }
        func digits(_ r: Range<Int>) -> Bool { b[r].allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        return digits(0..<3) && b[3] == 0x2E && digits(4..<6) && b[6] == 0x2E && digits(7..<9) && b[9] == 0x2E
            && ((b[10] >= 0x41 && b[10] <= 0x5A) || (b[10] >= 0x61 && b[10] <= 0x7A)) && digits(11..<13)
    }

    static func looksLikeProcedureCode(_ s: String) -> Bool {
        let b = Array(s.utf8)
        return b.count == 8 && b[0] >= 0x30 && b[0] <= 0x39 && b[1] == 0x2E && b[2...].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    static func normalizePhone(_ s: String) -> String {
        var d = String(s.filter { $0.isASCII && $0.isNumber })
        if s.hasPrefix("+84") { d = "0" + d.dropFirst(2) }
        return d
    }

    static func phoneValue(_ s: String) -> String? {
        guard s.hasPrefix("0") || s.hasPrefix("+84") else { return nil }
        guard s.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "+" || $0 == "." || $0 == "-") }) else { return nil }
        let d = normalizePhone(s)
        return (d.count == 10 || d.count == 11) ? d : nil
    }

    /// Parses `2022-01-31`, `31/01/2022`, `2022`, `2022-05`, and ranges `A..B`, `..B`, `A..`.
    static func dateRange(_ s: String) -> (Int32?, Int32?)? {
        if !s.contains(".."), let split = dashBetweenDays(s) { return dateRange(split) }
        if let r = s.firstRange(of: "..") {
            let a = String(s[..<r.lowerBound]), b = String(s[r.upperBound...])
            let lo = a.isEmpty ? nil : day(a, end: false)
            let hi = b.isEmpty ? nil : day(b, end: true)
            if (!a.isEmpty && lo == nil) || (!b.isEmpty && hi == nil) || (a.isEmpty && b.isEmpty) { return nil }
            return (lo, hi)
        }
        guard let lo = day(s, end: false), let hi = day(s, end: true) else { return nil }
        return (lo, hi)
    }

    /// The first day of a day, month or year glued by a dash to now (`01/06/2025-nay`,
    /// `2020–nay`, `2023-now`), or nil.
    static func gluedToNow(_ s: String) -> Int32? {
        guard let dash = s.lastIndex(where: { $0 == "-" || $0 == "–" }), dash != s.startIndex else { return nil }
        let tail = s[s.index(after: dash)...]
        guard ["nay", "now", "today"].contains(VietnameseText.foldedValue(String(tail))), tail.lowercased() != "này" else { return nil }
        return day(String(s[..<dash]), end: false)
    }

    /// Two whole days joined by a dash, as a range is often written (`2022-01-01–2022-06-30`,
    /// pasted with an en dash that reads as a hyphen; `01/01/2022-30/06/2022`), or two years
    /// (`2019-2020`) or two months written with a slash (`01/2023-03/2023`): the range with
    /// `..`, or nil. Only where both sides are of one such kind, so `2022-05` stays a month.
    static func dashBetweenDays(_ s: String) -> String? {
        let chars = Array(s)
        func whole(_ x: String) -> Bool { (x.count >= 8 || x.contains("/")) && day(x, end: false) != nil && day(x, end: false) == day(x, end: true) }
        func year(_ x: String) -> Bool { x.count == 4 && day(x, end: false) != nil }
        func month(_ x: String) -> Bool {
            let p = x.split(separator: "/", omittingEmptySubsequences: false)
            return p.count == 2 && (1...2).contains(p[0].count) && p[1].count == 4 && day(x, end: false) != nil
        }
        for (k, c) in chars.enumerated() where c == "-" && k > 0 && k < chars.count - 1 {
            let a = String(chars[..<k]), b = String(chars[(k + 1)...])
            if (whole(a) && whole(b)) || (year(a) && year(b)) || (month(a) && month(b)) { return a + ".." + b }
        }
        return nil
    }

    /// A day's shape the calendar has no day for (three numbers with a four-digit year first or
    /// last: `31/02/2023`, `2023-13-01`): the words saying so, or nil (a day, or no day's shape).
    public static func missingDay(_ s: String) -> String? {
        let parts = s.split(separator: s.contains("/") ? "/" : s.contains(".") ? "." : "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && Int($0) != nil }),
              parts[0].count == 4 || parts[2].count == 4 || (s.contains("/") && parts[2].count == 2 && parts[0].count <= 2 && parts[1].count <= 2)
        else { return nil }
        var (y, m, d) = parts[0].count == 4 ? (Int(parts[0])!, Int(parts[1])!, Int(parts[2])!)
                                            : (Int(parts[2])!, Int(parts[1])!, Int(parts[0])!)
        if parts[2].count == 2 { y += twoDigitCentury(y) }
        guard !(1...12).contains(m) || d < 1 || d > Timestamp.daysInMonth(y, m) else { return nil }
        return "there is no day '\(s)' in the calendar: check the day and the month"
    }

    /// The century of a year written with two digits: this one up to ten years from now.
    static func twoDigitCentury(_ yy: Int) -> Int {
        yy <= (Timestamp.civilFromDays(Int(currentDay())).year + 10) % 100 ? 2000 : 1900
    }

    /// A day (or the first/last day of a year or month): `2022-01-31`, `31/01/2022`, `12/5/23`,
    /// `2022`, `2022-05`.
    public static func day(_ s: String, end: Bool) -> Int32? {
        // Digits between single separators only: not 2023--5-12, 2023/+5/12 or 2023-5-12-.
        guard let first = s.first, let last = s.last, first.isASCII && first.isNumber, last.isASCII && last.isNumber,
              s.allSatisfy({ $0.isASCII && ($0.isNumber || "/-.".contains($0)) }),
              !s.contains("//") && !s.contains("--") && !s.contains("..") && !s.contains("/-") && !s.contains("-/") else { return nil }
        if let d = Timestamp.day(fromISODate: s) { return Int32(d) }
        for separator: Character in ["/", "-", "."] {
            // 2022/05/15, as spreadsheets export a date; 2022-5-15, without its zeros.
            let parts = s.split(separator: separator)
            if parts.count == 3, parts[0].count == 4, parts[1].count <= 2, parts[2].count <= 2,
               let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) {
                guard (1...12).contains(m), d >= 1, d <= Timestamp.daysInMonth(y, m) else { return nil }
                return Int32(Timestamp.daysFromCivil(y, m, d))
            }
        }
        let slash = s.split(separator: "/")
        if slash.count == 3, let d = Int(slash[0]), let m = Int(slash[1]), var y = Int(slash[2]),
           y >= 1000 || (slash[2].count == 2 && slash[0].count <= 2 && slash[1].count <= 2) {
            // A year of two digits, as forms and receipts print it (12/5/23): of this century up
            // to ten years from now (an appointment may be next year's), else of the last (31/12/98).
            if slash[2].count == 2 { y += twoDigitCentury(y) }
            guard (1...12).contains(m), d >= 1, d <= Timestamp.daysInMonth(y, m) else { return nil }
            return Int32(Timestamp.daysFromCivil(y, m, d))
        }
        if slash.count == 2, let m = Int(slash[0]), let y = Int(slash[1]), slash[1].count == 4, (1...12).contains(m) {
            // A month as Vietnamese write it (tháng 05/2022).
            return Int32(end ? Timestamp.daysFromCivil(y, m, Timestamp.daysInMonth(y, m)) : Timestamp.daysFromCivil(y, m, 1))
        }
        for separator: Character in ["-", "."] {
            // 31-01-2022, 31.01.2022: a day first, as with slashes.
            let parts = s.split(separator: separator)
            if parts.count == 3, parts[2].count == 4, parts[0].count <= 2, let d = Int(parts[0]), let m = Int(parts[1]), let y = Int(parts[2]) {
                guard (1...12).contains(m), d >= 1, d <= Timestamp.daysInMonth(y, m) else { return nil }
                return Int32(Timestamp.daysFromCivil(y, m, d))
            }
        }
        let dash = s.split(separator: "-")
        if dash.count == 1, s.count == 4, let y = Int(s), y >= 1000 {
            return Int32(end ? Timestamp.daysFromCivil(y, 12, 31) : Timestamp.daysFromCivil(y, 1, 1))
        }
        if dash.count == 2, let y = Int(dash[0]), let m = Int(dash[1]), dash[0].count == 4, (1...12).contains(m) {
            return Int32(end ? Timestamp.daysFromCivil(y, m, Timestamp.daysInMonth(y, m)) : Timestamp.daysFromCivil(y, m, 1))
        }
        return nil
    }
}
