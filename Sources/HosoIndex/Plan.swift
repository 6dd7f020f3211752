import HosoCore

/// A query prepared for a snapshot: words analyzed and their statistics computed once; matchers
/// built per segment.
final class Plan {
    let query: QueryNode
    let mode: MatchMode
    let snapshot: IndexSnapshot
    let stats: GlobalStats
    private var words: [String: WordInfo] = [:]

    init(_ query: QueryNode, mode: MatchMode, snapshot: IndexSnapshot, stats: GlobalStats) {
        self.query = query; self.mode = mode; self.snapshot = snapshot; self.stats = stats
    }

    func info(_ w: String, _ fields: [Field]?) -> WordInfo {
        let key = w + "\u{0}" + (fields ?? []).map { String($0.rawValue) }.joined(separator: ",")
        if let i = words[key] { return i }
        let i = WordInfo(w, fields: fields, snapshot: snapshot, stats: stats)
        words[key] = i
        return i
    }

    /// The evaluation tree for one segment, or nil when nothing there can match.
    func matcher(for segment: Segment, deletions: Deletions?) -> Matcher? {
        build(query, segment)
    }

    private func build(_ node: QueryNode, _ seg: Segment) -> Matcher? {
        switch node {
        case let .word(w, fields):
            return WordMatcher(info(w, fields), mode: mode, segment: seg, stats: stats)
        case let .phrase(ws, fields):
            var matchers: [WordMatcher] = []
            for w in ws {
                guard let m = WordMatcher(info(w, fields), mode: mode, segment: seg, stats: stats) else { return nil }
                matchers.append(m)
            }
            return PhraseMatcher(words: matchers)
        case let .prefix(p, fields):
            let folded = Analyzer().keys(p).first?.folded ?? []
            let ranges = (fields ?? Field.textFields).map { seg.ordinals(withPrefix: Term.make($0, .folded, folded)) }
            return BitsetMatcher.union(seg, ordinals: ranges, points: 1)
        case let .keyword(field, value, prefix):
            let term = Term.keyword(field, value)
            if prefix { return BitsetMatcher.union(seg, ordinals: [seg.ordinals(withPrefix: term)], points: 2) }
            return TermMatcher(seg, term: term, points: 2)
        case let .dateRange(column, from, to):
            return DateFilter(seg, column, from: from, to: to)
        case let .or(children):
            let ms = children.compactMap { build($0, seg) }
            let synonyms = children.contains { if case .synonym = $0 { return true }; return false }
            return ms.isEmpty ? nil : (ms.count == 1 ? ms[0] : OrMatcher(ms, bestOnly: synonyms))
        case let .synonym(child, covers):
            return build(child, seg).map { SynonymMatcher($0, covers: covers) }
        case let .not(child):
            let all = AllDocsMatcher(count: seg.docCount)
            let excluded = build(child, seg).map { [$0] } ?? []
            return AndMatcher(drivers: [all], excluded: excluded, filters: [], sequence: [], adjacency: false)
        case let .and(children):
            var drivers: [Matcher] = [], excluded: [Matcher] = [], filters: [Matcher] = []
            var sequence: [WordMatcher?] = []
            for c in children {
                if case let .not(inner) = c {
                    if let m = build(inner, seg) { excluded.append(m) }
                    sequence.append(nil)
                    continue
                }
                guard let m = build(c, seg) else { return nil }   // a required part matches nothing here
                if m.isFilter { filters.append(m); continue }
                drivers.append(m)
                sequence.append(m as? WordMatcher)
            }
            if drivers.isEmpty { drivers.append(AllDocsMatcher(count: seg.docCount)) }
            return AndMatcher(drivers: drivers, excluded: excluded, filters: filters, sequence: sequence, adjacency: mode != .fold)
        }
    }

    /// Every positive word of the query (for highlighting).
    lazy var positiveWords: [(String, [Field]?)] = {
        var out: [(String, [Field]?)] = []
        func walk(_ n: QueryNode, negated: Bool) {
            switch n {
            case let .word(w, f): if !negated { out.append((w, f)) }
            case let .phrase(ws, f): if !negated { out += ws.map { ($0, f) } }
            case let .prefix(w, f): if !negated { out.append((w + "*", f)) }
            case .and(let c), .or(let c): c.forEach { walk($0, negated: negated) }
            case .not(let c): walk(c, negated: true)
            case .synonym(let c, _): walk(c, negated: negated)
            default: break
            }
        }
        walk(query, negated: false)
        return out
    }()

    /// The stored text where the query's words occur (title first), with their byte ranges.
    func highlight(_ doc: IndexDocument) -> Highlight? {
        let words = positiveWords
        guard !words.isEmpty else { return nil }
        let analyzer = Analyzer()
        var wanted: [(exact: [UInt8], folded: [UInt8], prefix: Bool, fields: [Field]?)] = []
        for (w, f) in words {
            let isPrefix = w.hasSuffix("*")
            if let k = analyzer.keys(isPrefix ? String(w.dropLast()) : w).first { wanted.append((k.exact, k.folded, isPrefix, f)) }
        }
        var best: Highlight?
        for field in [Field.title, .applicant, .procedure, .agency, .place, .other] {
            for value in doc.text[field] ?? [] {
                var ranges: [Range<Int>] = []
                analyzer.tokenize(canonical: value) { t in
                    for w in wanted where w.fields == nil || w.fields!.contains(field) {
                        let hit: Bool
                        if w.prefix { hit = Array(t.folded).starts(with: w.folded) }
                        else if mode == .fold { hit = t.folded.elementsEqual(w.folded) }
                        else if mode == .exact && (w.exact.dropLast(2).elementsEqual(w.folded) == false || w.exact.last != 0x30) {
                            hit = t.exact.elementsEqual(w.exact)
                        } else { hit = t.folded.elementsEqual(w.folded) }
                        if hit { ranges.append(t.start..<t.end); break }
                    }
                }
                if !ranges.isEmpty && (best == nil || ranges.count > best!.ranges.count) {
                    best = Highlight(field: field, text: value, ranges: ranges)
                }
            }
            if best != nil && field == .title { return best }
        }
        return best ?? Highlight(field: .title, text: doc.title, ranges: [])
    }
}
