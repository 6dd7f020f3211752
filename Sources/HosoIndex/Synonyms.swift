import HosoCore

/// A synonym file that cannot be read: the line and what is wrong.
public struct SynonymFileError: Error, Sendable, CustomStringConvertible {
    public let line: Int
    public let reason: String
    public var description: String { "line \(line): \(reason)" }
}

/// Groups of forms that mean the same (UBND and Ủy ban nhân dân, kỹ and kĩ), applied to
/// queries: a run of query words equal to one form also matches the group's other forms, in a
/// tier below what was typed (exact and folded matches). Nothing is indexed differently, so a
/// file edited by archivists takes effect at the next search.
///
/// The file has one group per line, forms separated by `|`; `#` starts a comment. A form is
/// analyzed like a query: case and tone placement do not matter; a form written with tones
/// matches those tones only, a form written without diacritics matches any.
public struct SynonymTable: Sendable {
    struct Form: Sendable {
        var words: [String]
        var exact: [[UInt8]]
        var folded: [[UInt8]]
        var accented: [Bool]
    }
    private(set) var groups: [[Form]] = []
    /// Forms by the folded key of their first word: (group, form).
    private var byFirst: [[UInt8]: [(Int, Int)]] = [:]

    /// The forms every archive has; `ARCHIVE/synonyms.txt` adds to them.
    public static let defaultText = """
        # Administrative abbreviations
        ủy ban nhân dân | ubnd
        hội đồng nhân dân | hđnd
        thành phố | tp
        thị xã | tx
        thị trấn | tt
        phường | p
        quận | q
        hồ chí minh | hcm
        thành phố hồ chí minh | tphcm
        hà nội | hn
        giấy phép xây dựng | gpxd
        hộ kinh doanh | hkd | hộ kd
        giấy chứng nhận | gcn
        căn cước công dân | cccd
        chứng minh nhân dân | cmnd
        giấy chứng nhận quyền sử dụng đất | gcnqsdđ
        quyền sử dụng đất | qsdđ
        # Kinds of organisation, as applicants are typed
        công ty | cty
        công ty cổ phần | ctcp
        công ty trách nhiệm hữu hạn | cty tnhh
        trách nhiệm hữu hạn | tnhh
        hợp tác xã | htx
        doanh nghiệp tư nhân | dntn
        văn phòng đăng ký đất đai | vpđkđđ
        # Place names written in one word or two
        Đakrông | Đa Krông
        # Provinces of the Central Highlands, as spelled before and after the k spelling
        Đắk Lắk | Đắc Lắc | Đăk Lăk | Daklak
        Đắk Nông | Đắc Nông | Đăk Nông | Daknong
        Krông Pắc | Krông Pắk
        # i and y after a consonant, both spellings in use
        kỹ | kĩ
        kỳ | kì
        ký | kí
        kỷ | kỉ
        lý | lí
        lỵ | lị
        mỹ | mĩ
        sỹ | sĩ
        sỷ | sỉ
        tỷ | tỉ
        hy | hi
        quý | quí
        quỳ | quì
        quỹ | quĩ
        quy | qui
        """

    public static let standard: SynonymTable = (try? SynonymTable(text: defaultText)) ?? SynonymTable()

    public init() {}

    public init(text: String) throws(SynonymFileError) {
        try add(text: text)
    }

    /// Adds the groups of a file's text (after the ones already there).
    public mutating func add(text: String) throws(SynonymFileError) {
        let analyzer = Analyzer()
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            guard !line.allSatisfy({ $0.isWhitespace }) else { continue }
            var group: [Form] = []
            for part in line.split(separator: "|", omittingEmptySubsequences: false) {
                let text = VietnameseText.canonical(String(part))
                let keys = analyzer.keys(text)
                guard !keys.isEmpty else { throw SynonymFileError(line: n + 1, reason: "an empty form between '|'") }
                var words: [String] = []
                let bytes = Array(text.utf8)
                analyzer.tokenize(canonical: text) { t in words.append(String(decoding: bytes[t.start..<t.end], as: UTF8.self)) }
                group.append(Form(words: words, exact: keys.map(\.exact), folded: keys.map(\.folded),
                                  accented: keys.map { $0.tone != 0 || Array($0.exact.dropLast(2)) != $0.folded }))
            }
            guard group.count >= 2 else {
                throw SynonymFileError(line: n + 1, reason: "a group needs at least two forms separated by '|'")
            }
            let g = groups.count
            groups.append(group)
            for (f, form) in group.enumerated() { byFirst[form.folded[0], default: []].append((g, f)) }
        }
    }

    public var isEmpty: Bool { groups.isEmpty }

    /// Whether query words `keys[i...]` start with `form`.
    private func matches(_ form: Form, _ keys: [(exact: [UInt8], folded: [UInt8], tone: UInt8)], at i: Int) -> Bool {
        guard i + form.folded.count <= keys.count else { return false }
        for k in 0..<form.folded.count {
            let q = keys[i + k]
            if form.accented[k] ? q.exact != form.exact[k] && !(q.tone == 0 && Array(q.exact.dropLast(2)) == q.folded && q.folded == form.folded[k])
                                : q.folded != form.folded[k] { return false }
        }
        return true
    }

    /// The query with synonym alternatives added: each run of plain words (same fields) that
    /// equals a form becomes "those words, or a synonym".
    public func expand(_ node: QueryNode) -> QueryNode {
        guard !groups.isEmpty else { return node }
        switch node {
        case .word:
            let out = expandRun([node])
            return out.count == 1 ? out[0] : .and(out)
        case .and(let children):
            var out: [QueryNode] = []
            var run: [QueryNode] = []
            func flush() { out += expandRun(run); run = [] }
            for c in children {
                if case let .word(_, f) = c, run.isEmpty || { if case let .word(_, g) = run[0] { return g == f }; return false }() {
                    run.append(c)
                } else {
                    flush()
                    out.append(expand(c))
                }
            }
            flush()
            return .and(out)
        case .or(let children): return .or(children.map(expand))
        case let .phrase(words, fields):
            // A phrase holding forms ("ủy ban nhân dân", "ủy ban nhân dân phường 1", "cty tnhh")
            // also finds every other way of writing them in its place, each as a phrase (UBND,
            // UBND phường 1, Công ty TNHH), at most 16; a form of one word stands for one word.
            let out = expandRun(words.map { .word($0, fields: fields) })
            guard out.contains(where: { if case .or = $0 { true } else { false } }) else { return node }
            var forms: [QueryNode] = []
            for ws in Self.spellings(out).dropFirst() where ws != words {     // (the first: as typed)
                let alt: QueryNode = ws.count == 1 ? .word(ws[0], fields: fields) : .phrase(ws, fields: fields)
                let form = QueryNode.synonym(alt, covers: words.count)
                if !forms.contains(form) { forms.append(form) }
            }
            return forms.isEmpty ? node : .or([node] + forms)
        case .not: return node           // an exclusion stays literal
        default: return node
        }
    }

    /// Every way the expanded words `parts` can be written one after another (the words typed
    /// first), at most `limit`; none is empty.
    static func spellings(_ parts: [QueryNode], limit: Int = 16) -> [[String]] {
        var out: [[String]] = [[]]
        for part in parts {
            let ways = spellings(of: part, limit: limit)
            guard !ways.isEmpty else { return [] }
            out = Array(out.lazy.flatMap { prefix in ways.lazy.map { prefix + $0 } }.prefix(limit))
        }
        return out
    }

    /// The ways one node of an expanded query can be written: a word, a phrase, words in a row
    /// (each written its ways), alternatives (each its ways), a synonym's form (its ways: a
    /// form may itself hold shorter forms read apart).
    private static func spellings(of node: QueryNode, limit: Int) -> [[String]] {
        switch node {
        case let .word(w, _): return [[w]]
        case let .phrase(ws, _): return ws.isEmpty ? [] : [ws]
        case let .and(ns): return spellings(ns, limit: limit)
        case let .or(alternatives):
            var out: [[String]] = []
            for a in alternatives {
                for way in spellings(of: a, limit: limit) where !out.contains(way) && out.count < limit { out.append(way) }
            }
            return out
        case let .synonym(c, _): return spellings(of: c, limit: limit)
        default: return []
        }
    }

    /// Expands a run of `.word` nodes sharing their fields.
    /// - Parameter longest: the most words a form may cover.
    private func expandRun(_ run: [QueryNode], longest: Int = .max) -> [QueryNode] {
        guard !run.isEmpty else { return [] }
        var words: [String] = []
        var fields: [Field]?
        for n in run { if case let .word(w, f) = n { words.append(w); fields = f } }
        // One key per query word (a word the analyzer splits keeps its first key).
        let analyzer = Analyzer()
        var keys: [(exact: [UInt8], folded: [UInt8], tone: UInt8)] = []
        for w in words {
            guard let k = analyzer.keys(w).first else { return run }
            keys.append(k)
        }
        var out: [QueryNode] = []
        var i = 0
        while i < keys.count {
            // The longest form starting here.
            var best: (length: Int, group: Int, form: Int)?
            for (g, f) in byFirst[keys[i].folded] ?? [] where groups[g][f].folded.count <= longest && matches(groups[g][f], keys, at: i) {
                let length = groups[g][f].folded.count
                if best == nil || length > best!.length { best = (length, g, f) }
            }
            guard let best else { out.append(run[i]); i += 1; continue }
            let original: QueryNode = best.length == 1 ? run[i] : .and(Array(run[i..<(i + best.length)]))
            var alternatives: [QueryNode] = [original]
            // Every form of every group the typed words match (kỳ and ký share "ky" unaccented).
            var seen = Set<[String]>()
            for (g, f) in byFirst[keys[i].folded] ?? [] where groups[g][f].folded.count == best.length && matches(groups[g][f], keys, at: i) {
                for (k, form) in groups[g].enumerated() where k != f && seen.insert(form.words).inserted {
                    let alt: QueryNode = form.words.count == 1 ? .word(form.words[0], fields: fields) : .phrase(form.words, fields: fields)
                    alternatives.append(.synonym(alt, covers: best.length))
                }
            }
            // The words typed, each read by the shorter forms it holds: *cty tnhh* is also *công
            // ty TNHH*, as companies write it, which neither *cty tnhh* nor *công ty trách
            // nhiệm hữu hạn* is.
            // Each way is an alternative of its own, not one AND of alternatives: an AND is
            // driven by its rarest part, so the abbreviation each way holds (gcn, qsdđ) drives
            // it, where an AND of "typed or synonym" parts walked every frequent word typed a
            // second time (*giấy chứng nhận quyền sử dụng đất* took twice as long).
            if best.length > 1 {
                let parts = expandRun(Array(run[i..<(i + best.length)]), longest: best.length - 1)
                var ways: [[QueryNode]] = [[]]
                for part in parts {
                    let options: [QueryNode]
                    if case let .or(alts) = part { options = alts } else { options = [part] }
                    ways = Array(ways.lazy.flatMap { way in options.lazy.map { way + [$0] } }.prefix(16))
                }
                for way in ways.dropFirst() {       // (the first: the words as typed)
                    let words = way.flatMap { n -> [QueryNode] in if case let .and(ns) = n { ns } else { [n] } }
                    alternatives.append(.synonym(.and(words), covers: best.length))
                }
            }
            out.append(alternatives.count == 1 ? original : .or(alternatives))
            i += best.length
        }
        return out
    }
}
