import HosoCore

/// A query prepared for a snapshot: words analyzed and their statistics computed once; matchers
/// built per segment.
final class Plan {
    let query: QueryNode
    let mode: MatchMode
    let snapshot: IndexSnapshot
    let stats: GlobalStats
    /// Threads the query may use (also for looking its terms up).
    let threads: Int
    private var words: [String: WordInfo] = [:]
    /// Prefix unions by segment and query node: built once, shared by the slices of a segment.
    private var unions: [UnionKey: [UInt64]] = [:]
    private struct UnionKey: Hashable { let segment: ObjectIdentifier; let node: String }

    init(_ query: QueryNode, mode: MatchMode, snapshot: IndexSnapshot, stats: GlobalStats, threads: Int = 1) {
        self.query = query; self.mode = mode; self.snapshot = snapshot; self.stats = stats; self.threads = threads
    }

    /// - Parameter exact: for a synonym's form or a word left out, matched in exact mode: its own entry, as the
    ///   lanes a word info keeps per segment depend on the mode.
    func info(_ w: String, _ fields: [Field]?, exact: Bool = false) -> WordInfo {
        let key = w + "\u{0}" + (fields ?? []).map { String($0.rawValue) }.joined(separator: ",") + (exact ? "\u{1}" : "")
        if let i = words[key] { return i }
        let i = WordInfo(w, fields: fields, snapshot: snapshot, stats: stats, threads: threads)
        words[key] = i
        return i
    }

    /// The evaluation tree for one segment, or nil when nothing there can match.
    func matcher(for segment: Segment) -> Matcher? {
        build(query, segment)
    }

    /// The work of the query: a slice per segment where something can match; when the query is
    /// costly and `threads` > 1, large segments are cut into ranges of documents (about
    /// `slicesPerThread` per thread over the whole snapshot, none under `minSliceDocs`) so that
    /// every core gets a share.
    func slices(threads: Int, parallelCost: Int, minSliceDocs: Int, slicesPerThread: Int = 2) -> Slices {
        var roots: [(Int, Matcher)] = []
        var work = 0
        for (s, seg) in snapshot.segments.enumerated() {
            guard let root = matcher(for: seg) else { continue }
            roots.append((s, root))
            work += root.work
        }
        var out = Slices()
        out.split = threads > 1 && work >= parallelCost
        let docs = roots.reduce(0) { $0 + snapshot.segments[$1.0].docCount }
        let sliceDocs = max(minSliceDocs, 1, docs / (max(slicesPerThread, 1) * max(threads, 1)))
        for (s, root) in roots {
            let seg = snapshot.segments[s], n = seg.docCount
            let parts = out.split ? max(1, (n + sliceDocs / 2) / sliceDocs) : 1
            if parts == 1 {
                out.items.append(Slice(segment: s, start: 0, end: Int32(n), root: root))
                continue
            }
            for p in 0..<parts {
                // A tree of its own, whose scan of every document (queries of filters or
                // exclusions only) stops at the range's end.
                sliceEnd = n * (p + 1) / parts
                defer { sliceEnd = Int.max }
                guard let r = matcher(for: seg) else { continue }
                out.items.append(Slice(segment: s, start: Int32(n * p / parts), end: Int32(sliceEnd), root: r))
            }
        }
        return out
    }

    /// Where the slice being built ends (the whole segment otherwise).
    private var sliceEnd = Int.max

    /// The documents of a marked prefix's words as typed, and of all its words, by segment and
    /// query node.
    private var markedUnions: [UnionKey: (exact: [UInt64], folded: [UInt64])] = [:]

    /// The documents holding a word `marked` begins as typed (its exact keys), and those holding
    /// a word it begins folded, in one segment, read in one pass: every exact key whose letters
    /// fold to the folded prefix (*đ* and *d* for *Đ\**) has its postings read once, into the
    /// second set, and into the first too where it begins as typed. A folded word with forms this
    /// misses (a letter folded otherwise than Vietnamese letters are) is seen by its total
    /// frequency, and its own postings are read.
    static func markedPrefixSets(_ marked: MarkedPrefix, folded: [UInt8], fields: [Field], _ seg: Segment) -> (exact: [UInt64], folded: [UInt64]) {
        var exact = [UInt64](repeating: 0, count: (seg.docCount + 63) / 64)
        var all = exact
        // (A prefix typed with a letter of no such form, ç or ü, is read the longer way.)
        let starts = MarkedPrefix.forms(folding: folded).flatMap { $0.contains(marked.letters) ? $0 : nil }
        var seen: [[UInt8]: Int] = [:]      // folded term → total frequency of the exact keys read
        for f in fields {
            for start in starts ?? [] {
                for o in seg.ordinals(withPrefix: Term.make(f, .exact, start)) {
                    let term = seg.term(o)
                    let letters = term[2..<max(2, term.count - 2)]
                    let isTyped = marked.begins(term[2...])
                    var c = seg.postings(o)
                    all.withUnsafeMutableBufferPointer { all in
                        exact.withUnsafeMutableBufferPointer { exact in
                            while c.next() {
                                let (w, b) = (Int(c.doc) >> 6, UInt64(1) << UInt64(c.doc & 63))
                                all[w] |= b
                                if isTyped { exact[w] |= b }
                            }
                        }
                    }
                    if let key = MarkedPrefix.fold(letters), let freq = seg.totalFreq(o) {
                        seen[Term.make(f, .folded, key), default: 0] += freq
                    }
                }
            }
            // What the forms above did not hold whole (or all of it, with no forms to read).
            var rest: [Range<Int>] = []
            for o in seg.ordinals(withPrefix: Term.make(f, .folded, folded)) {
                if starts != nil, let freq = seg.totalFreq(o), seen[seg.term(o)] == freq { continue }
                rest.append(ordinal: o)
            }
            if !rest.isEmpty {
                let more = BitsetMatcher.bits(seg, ordinals: rest)
                for i in all.indices { all[i] |= more[i] }
            }
            if starts == nil {
                let more = BitsetMatcher.bits(seg, ordinals: marked.ordinals(f, seg))
                for i in exact.indices { exact[i] |= more[i] }
            }
        }
        return (exact, all)
    }

    /// A matcher for the documents of a prefix's terms, its set built once per segment.
    private func union(_ node: QueryNode, _ seg: Segment, points: Double, _ ordinals: () -> [Range<Int>]) -> Matcher? {
        let key = UnionKey(segment: ObjectIdentifier(seg), node: "\(node)")
        let bits = unions[key] ?? BitsetMatcher.bits(seg, ordinals: ordinals())
        unions[key] = bits
        return BitsetMatcher(bits: bits, count: seg.docCount, points: points)
    }

    /// Building what a query leaves out (`-word`): in the default mode, a word typed with marks
    /// leaves out that word only, as --exact reads it (*-hòa* keeps *Hóa*, and is *-hoà* too);
    /// one typed without leaves out every form of it. With --fold, every form.
    private var excluding = false

    /// Building a synonym's form: no adjacency bonus inside it.
    private var inSynonym = false

    /// The mode words are matched in where they are being built.
    private var wordMode: MatchMode { excluding && mode == .ranked ? .exact : mode }

    /// Builds what `node` leaves out.
    private func buildExcluded(_ node: QueryNode, _ seg: Segment) -> Matcher? {
        let was = excluding
        excluding = true
        defer { excluding = was }
        return build(node, seg)
    }

    private func build(_ node: QueryNode, _ seg: Segment) -> Matcher? {
        switch node {
        case let .word(w, fields):
            return WordMatcher(info(w, fields, exact: wordMode != mode), mode: wordMode, segment: seg, stats: stats)
        case let .phrase(ws, fields):
            var matchers: [WordMatcher] = []
            for w in ws {
                guard let m = WordMatcher(info(w, fields, exact: wordMode != mode), mode: wordMode, segment: seg, stats: stats) else { return nil }
                matchers.append(m)
            }
            return PhraseMatcher(words: matchers)
        case let .prefix(p, fields):
            let mode = wordMode
            let fields = fields ?? Field.textFields
            let foldedKey = Analyzer().keys(p).first?.folded ?? []
            // Typed with marks, a prefix finds as typed the words it begins with those marks (2
            // points, as a word's exact key): only those with --exact, those first by default.
            // Folded, it finds every word it begins whatever its marks (1 point).
            guard mode != .fold, let marked = MarkedPrefix(p) else {
                return union(node, seg, points: 1) { fields.map { seg.ordinals(withPrefix: Term.make($0, .folded, foldedKey)) } }
            }
            if mode == .exact {
                // (Keyed apart from the same prefix wanted by the query, which the default mode
                // reads otherwise.)
                return union(excluding ? .not(node) : node, seg, points: 2) { fields.flatMap { marked.ordinals($0, seg) } }
            }
            let key = UnionKey(segment: ObjectIdentifier(seg), node: "\(node)")
            let sets = markedUnions[key] ?? Self.markedPrefixSets(marked, folded: foldedKey, fields: fields, seg)
            markedUnions[key] = sets
            return BitsetMatcher(bits: sets.folded, count: seg.docCount, points: 1, better: sets.exact, betterPoints: 2)
        case let .keyword(field, value, prefix):
            let term = Term.keyword(field, value)
            // A result document's number is what the citizen holds in hand: above the same digits
            // found in text (a house number).
            let points = field == .result ? 3.0 : 2.0
            if prefix { return union(node, seg, points: points) { [seg.ordinals(withPrefix: term)] } }
            return TermMatcher(seg, term: term, points: points)
        case let .dateRange(column, from, to):
            return DateFilter(seg, column, from: from, to: to)
        case let .or(children):
            let ms = children.compactMap { build($0, seg) }
            let synonyms = children.contains { if case .synonym = $0 { return true }; return false }
            return ms.isEmpty ? nil : (ms.count == 1 ? ms[0] : OrMatcher(ms, bestOnly: synonyms))
        case let .synonym(child, covers):
            // A form written with marks is looked for with those marks only: "quận" for Q must
            // not find quán, Quân or cơ quan, nor "kĩ" the ký of every đăng ký.
            let form: Matcher?
            switch child {
            case let .word(w, fields):
                form = WordMatcher(info(w, fields, exact: true), mode: .exact, segment: seg, stats: stats)
            case let .phrase(ws, fields):
                var matchers: [WordMatcher] = []
                for w in ws {
                    guard let m = WordMatcher(info(w, fields, exact: true), mode: .exact, segment: seg, stats: stats) else { return nil }
                    matchers.append(m)
                }
                form = PhraseMatcher(words: matchers)
            default:
                // (Typed words read by shorter forms: a synonym's score keeps no adjacency
                // points, so none are computed.)
                let was = inSynonym
                inSynonym = true
                defer { inSynonym = was }
                form = build(child, seg)
            }
            return form.map { SynonymMatcher($0, covers: covers) }
        case let .not(child):
            let all = AllDocsMatcher(count: min(seg.docCount, sliceEnd))
            let excluded = buildExcluded(child, seg).map { [$0] } ?? []
            return AndMatcher(drivers: [all], excluded: excluded, filters: [], sequence: [], adjacency: false)
        case let .and(children):
            var drivers: [Matcher] = [], excluded: [Matcher] = [], filters: [Matcher] = []
            var sequence: [[AndMatcher.Filler]] = []
            for c in children {
                if case let .not(inner) = c {
                    if let m = buildExcluded(inner, seg) { excluded.append(m) }
                    sequence.append([])
                    continue
                }
                // Words with synonym alternatives keep their place in the sequence: "Phường 1",
                // "Lê Diệu Hương Thị trấn Hải Lăng" earn their adjacency where the words typed
                // are found; a synonym of one typed word where it stands in its place, one word
                // (Lý for Lí, Mỹ for Mĩ) or several (*UBND TP Đông Hà* in *UBND thành phố Đông
                // Hà*). A synonym of several typed words (UBND for ủy ban nhân dân) earns none.
                if let (m, typed, spelled) = buildWithSynonyms(c, seg) {
                    guard let m else { return nil }
                    drivers.append(m)
                    if typed.count == 1 || (typed.isEmpty && !spelled.isEmpty) {
                        sequence.append(typed.map(AndMatcher.Filler.init) + spelled)
                    } else {
                        sequence += typed.isEmpty ? [[]] : typed.map { [AndMatcher.Filler($0)] }
                    }
                    continue
                }
                guard let m = build(c, seg) else { return nil }   // a required part matches nothing here
                if m.isFilter { filters.append(m); continue }
                drivers.append(m)
                sequence.append((m as? WordMatcher).map { [AndMatcher.Filler($0)] } ?? [])
            }
            if drivers.isEmpty { drivers.append(AllDocsMatcher(count: min(seg.docCount, sliceEnd))) }
            return AndMatcher(drivers: drivers, excluded: excluded, filters: filters, sequence: sequence, adjacency: mode != .fold && !inSynonym)
        }
    }

    /// For a clause "typed words, or a synonym" (see SynonymTable.expand): its matcher, built
    /// so that the typed words' matchers are known, those matchers in order, and, for one typed
    /// word, how its synonyms fill its place (other spellings of the word, *lí* for *lý*, or
    /// forms of several words, *thành phố* for *tp*); nil for any other clause. The matcher is
    /// nil when nothing in the segment matches.
    private func buildWithSynonyms(_ node: QueryNode, _ seg: Segment) -> (Matcher?, [WordMatcher], [AndMatcher.Filler])? {
        guard case let .or(alternatives) = node, alternatives.count > 1,
              alternatives.dropFirst().allSatisfy({ if case .synonym = $0 { return true }; return false }) else { return nil }
        let typedNodes: [QueryNode]
        switch alternatives[0] {
        case .word: typedNodes = [alternatives[0]]
        case let .and(words) where words.allSatisfy({ if case .word = $0 { return true }; return false }): typedNodes = words
        default: return nil
        }
        var typed: [WordMatcher] = []
        for t in typedNodes {
            guard case let .word(w, fields) = t,
                  let m = WordMatcher(info(w, fields, exact: wordMode != mode), mode: wordMode, segment: seg, stats: stats) else { break }
            typed.append(m)
        }
        var branches: [Matcher] = []
        if typed.count == typedNodes.count {
            // Their adjacency is counted by the enclosing clause, with the words around them.
            branches.append(typed.count == 1 ? typed[0]
                            : AndMatcher(drivers: typed, excluded: [], filters: [], sequence: [], adjacency: false))
        } else {
            typed = []     // a typed word absent from this segment: only synonyms can match
        }
        let others = alternatives.dropFirst().compactMap { build($0, seg) }
        branches += others
        var spelled: [AndMatcher.Filler] = []
        if typedNodes.count == 1 {
            for case let s as SynonymMatcher in others {
                if let w = s.child as? WordMatcher {
                    spelled.append(AndMatcher.Filler(w))
                } else if let phrase = s.child as? PhraseMatcher, let first = phrase.words.first, let last = phrase.words.last {
                    spelled.append(AndMatcher.Filler(first: first, last: last, phrase: phrase))
                }
            }
        }
        return (branches.isEmpty ? nil : OrMatcher(branches, bestOnly: true), typed, spelled)
    }

    /// The clauses of the query that are not excluded, leaf by leaf (words, prefixes, phrases,
    /// keywords, date ranges), synonyms' forms among them.
    lazy var positiveLeaves: [QueryNode] = {
        var out: [QueryNode] = []
        func walk(_ n: QueryNode) {
            switch n {
            case .and(let c), .or(let c): c.forEach(walk)
            case .not: break
            case .synonym(let c, _): walk(c)
            default: out.append(n)
            }
        }
        walk(query)
        return out
    }()

    /// Every positive word of the query outside phrases (for highlighting).
    lazy var positiveWords: [(String, [Field]?)] = positiveLeaves.compactMap {
        switch $0 {
        case let .word(w, f): (w, f)
        case let .prefix(w, f): (w + "*", f)
        default: nil
        }
    }

    /// Every positive phrase of the query (a quoted one, or a synonym's form of several words):
    /// highlighted where its words stand together only.
    lazy var positivePhrases: [([String], [Field]?)] = positiveLeaves.compactMap {
        if case let .phrase(ws, f) = $0 { (ws, f) } else { nil }
    }

    /// Every positive keyword clause (a citizen ID, a phone number, a code, a result's number, a
    /// signer): shown as what matched when no text did.
    lazy var positiveKeywords: [(Field, String, Bool)] = positiveLeaves.compactMap {
        if case let .keyword(f, v, prefix) = $0, f != .status, f != .timeliness { (f, v, prefix) } else { nil }
    }

    /// The longest run of words typed one after another, each place as the ways it can be
    /// written (folded keys, one per word) with the number of words typed there: the typed
    /// form, and the forms of a synonym (*lí* for *lý*, *thành phố* for *tp*), to tell a name
    /// found whole from its words found apart. A typed form of several words that has synonyms
    /// is one place as wide as its words (*ủy ban nhân dân*, 4, or *ubnd*). A year or date typed
    /// bare is a filter, not a word of the run.
    lazy var typedRun: [(forms: [[[UInt8]]], width: Int)] = {
        guard case let .and(children) = query else { return [] }
        let analyzer = Analyzer()
        var best: [(forms: [[[UInt8]]], width: Int)] = [], run: [(forms: [[[UInt8]]], width: Int)] = []
        func width(_ r: [(forms: [[[UInt8]]], width: Int)]) -> Int { r.reduce(0) { $0 + $1.width } }
        func end() { if width(run) > width(best) { best = run }; run = [] }
        func folded(_ w: String) -> [UInt8]? {
            let keys = analyzer.keys(w)
            return keys.count == 1 ? keys[0].folded : nil
        }
        func words(_ nodes: [QueryNode]) -> [[UInt8]]? {
            let keys = nodes.compactMap { n -> [UInt8]? in if case let .word(w, nil) = n { return folded(w) } else { return nil } }
            return keys.count == nodes.count ? keys : nil
        }
        for c in children {
            var places: [(forms: [[[UInt8]]], width: Int)] = []
            switch c {
            case let .word(w, nil): places = folded(w).map { [([[$0]], 1)] } ?? []
            case let .or(alternatives) where !alternatives.contains(where: { if case .dateRange = $0 { true } else { false } }):
                // Synonyms expanded: the typed form first, its alternatives after.
                var others: [[[UInt8]]] = []
                for case let .synonym(form, _) in alternatives.dropFirst() {
                    switch form {
                    case let .word(w, nil): if let f = folded(w) { others.append([f]) }
                    case let .phrase(ws, nil): if let fs = words(ws.map { .word($0, fields: nil) }) { others.append(fs) }
                    case let .and(parts):
                        // The typed words read by shorter forms (*công ty TNHH* for *cty tnhh*).
                        for ws in SynonymTable.spellings(parts) {
                            if let fs = words(ws.map { .word($0, fields: nil) }), !others.contains(fs) { others.append(fs) }
                        }
                    default: break
                    }
                }
                switch alternatives.first {
                case let .word(w, nil)?: if let f = folded(w) { places = [([[f]] + others, 1)] }
                case let .and(ws)?:
                    if let typed = words(ws) { places = others.isEmpty ? typed.map { ([[$0]], 1) } : [([typed] + others, typed.count)] }
                default: break
                }
            default: break
            }
            if places.isEmpty { end() } else { run += places }
        }
        end()
        return best
    }()

    /// Whether `doc` holds the typed run of words side by side (nil: the query has no two words
    /// in a row): the whole run in one field, or, for a run of five words or more (a name and
    /// what the officer added: a place, a procedure), the run cut into pieces of two words or
    /// more, each side by side in a field, one of at least three words (the name), and no two
    /// pieces of two words in a row. Words of a name found only in twos (*Trần Thị* in one
    /// name, *Thu Hà* in another) are apart, whatever follows them.
    func holdsTypedRun(_ doc: IndexDocument) -> Bool? {
        let run = typedRun.map(\.forms)
        // Words typed, not places: a synonym's place counts the words typed there.
        var upTo = [0]
        for p in typedRun { upTo.append(upTo.last! + p.width) }
        func words(_ from: Int, _ to: Int) -> Int { upTo[to] - upTo[from] }
        guard words(0, run.count) >= 2 else { return nil }
        let analyzer = Analyzer()
        var values: [[[UInt8]]] = []
        for field in Field.textFields {
            for value in doc.text[field] ?? [] {
                var tokens: [[UInt8]] = []
                analyzer.tokenize(canonical: value) { tokens.append(Array($0.folded)) }
                if tokens.count >= 2 { values.append(tokens) }
            }
        }
        /// Whether places run[place..<to], written one of their ways each, follow tokens[at...].
        func follows(_ tokens: [[UInt8]], _ at: Int, _ place: Int, _ to: Int) -> Bool {
            if place == to { return true }
            for form in run[place] where at + form.count <= tokens.count && (0..<form.count).allSatisfy({ tokens[at + $0] == form[$0] }) {
                if follows(tokens, at + form.count, place + 1, to) { return true }
            }
            return false
        }
        /// Whether run[from..<to] stands side by side in one value.
        func found(_ from: Int, _ to: Int) -> Bool {
            for tokens in values { for i in tokens.indices where follows(tokens, i, from, to) { return true } }
            return false
        }
        if found(0, run.count) { return true }
        guard words(0, run.count) >= 5 else { return false }
        // cut(i, afterTwo): run[i...] falls into found pieces, none of two words right after a
        // piece of two (a name found only in twos is the case to catch), with one of three words
        // or more. Memoized on (i, afterTwo).
        var memo: [Int: Bool] = [:]
        func cut(_ i: Int, afterTwo: Bool, haveLong: Bool) -> Bool {
            if i == run.count { return haveLong }
            let key = i * 4 + (afterTwo ? 2 : 0) + (haveLong ? 1 : 0)
            if let known = memo[key] { return known }
            var ok = false
            for j in (i + 1)...run.count where words(i, j) >= 2 && !(afterTwo && words(i, j) == 2) && found(i, j) {
                if cut(j, afterTwo: words(i, j) == 2, haveLong: haveLong || words(i, j) >= 3) { ok = true; break }
            }
            memo[key] = ok
            return ok
        }
        return cut(0, afterTwo: false, haveLong: false)
    }

    /// The stored text where most of the query's words occur (the title when as many do
    /// there), with their byte ranges: a phrase's words where they stand together.
    func highlight(_ doc: IndexDocument) -> Highlight? {
        let words = positiveWords
        let phrases = positivePhrases
        guard !words.isEmpty || !phrases.isEmpty else { return keywordHighlight(doc) }
        let analyzer = Analyzer()
        var wanted: [(exact: [UInt8], folded: [UInt8], prefix: Bool, fields: [Field]?, asTyped: Bool, marked: MarkedPrefix?)] = []
        for (w, f) in words {
            let isPrefix = w.hasSuffix("*")
            let typed = isPrefix ? String(w.dropLast()) : w
            if let k = analyzer.keys(typed).first {
                wanted.append((k.exact, k.folded, isPrefix, f, false, isPrefix && mode != .fold ? MarkedPrefix(typed) : nil))
            }
        }
        // A word typed with marks that the dossier holds as typed is shown there only, as it is
        // scored (Đặng, not the Đăng of đăng ký).
        if mode == .ranked {
            for i in wanted.indices where !wanted[i].prefix && !(wanted[i].exact.dropLast(2).elementsEqual(wanted[i].folded) && wanted[i].exact.last == 0x30) {
                search: for field in Field.textFields where wanted[i].fields == nil || wanted[i].fields!.contains(field) {
                    for value in doc.text[field] ?? [] {
                        var found = false
                        analyzer.tokenize(canonical: value) { t in if !found && t.exact.elementsEqual(wanted[i].exact) { found = true } }
                        if found { wanted[i].asTyped = true; break search }
                    }
                }
            }
            // So is a prefix typed with marks, where the dossier holds a word it begins as typed
            // (ranked for that); elsewhere every word it begins folded.
            for i in wanted.indices where wanted[i].marked != nil {
                let marked = wanted[i].marked!
                var found = false
                for field in Field.textFields where wanted[i].fields == nil || wanted[i].fields!.contains(field) {
                    for value in doc.text[field] ?? [] where !found {
                        analyzer.tokenize(canonical: value) { t in if !found && marked.begins(t.exact) { found = true } }
                    }
                }
                if !found { wanted[i].marked = nil }
            }
        }
        let phraseKeys: [([(exact: [UInt8], folded: [UInt8])], [Field]?)] = phrases.compactMap { ws, f in
            let keys = ws.compactMap { analyzer.keys($0).first.map { (exact: $0.exact, folded: $0.folded) } }
            return keys.count == ws.count && !keys.isEmpty ? (keys, f) : nil
        }
        func matches(_ t: (exact: [UInt8], folded: [UInt8]), _ w: (exact: [UInt8], folded: [UInt8])) -> Bool {
            mode == .exact && (w.exact.dropLast(2).elementsEqual(w.folded) == false || w.exact.last != 0x30)
                ? t.exact == w.exact : t.folded == w.folded
        }
        var best: Highlight?
        var bestWords = 0, bestExact = 0
        for field in [Field.title, .applicant, .procedure, .agency, .place, .other] {
            for value in doc.text[field] ?? [] {
                var ranges: [Range<Int>] = []
                var words = Set<Int>()          // which query words (and phrases) the value holds
                var exactWords = Set<Int>()     // … and which of them as typed, marks and tone included
                var tokens: [(range: Range<Int>, exact: [UInt8], folded: [UInt8])] = []
                analyzer.tokenize(canonical: value) { t in
                    if !phraseKeys.isEmpty { tokens.append((t.start..<t.end, Array(t.exact), Array(t.folded))) }
                    for (k, w) in wanted.enumerated() where w.fields == nil || w.fields!.contains(field) {
                        let hit: Bool
                        if let marked = w.marked { hit = marked.begins(t.exact) }
                        else if w.prefix { hit = Array(t.folded).starts(with: w.folded) }
                        else if w.asTyped { hit = t.exact.elementsEqual(w.exact) }
                        else if mode == .fold { hit = t.folded.elementsEqual(w.folded) }
                        else if mode == .exact && (w.exact.dropLast(2).elementsEqual(w.folded) == false || w.exact.last != 0x30) {
                            hit = t.exact.elementsEqual(w.exact)
                        } else { hit = t.folded.elementsEqual(w.folded) }
                        if hit {
                            ranges.append(t.start..<t.end); words.insert(k)
                            if t.exact.elementsEqual(w.exact) { exactWords.insert(k) }
                            break
                        }
                    }
                }
                for (p, (keys, f)) in phraseKeys.enumerated() where f == nil || f!.contains(field) {
                    for i in tokens.indices where i + keys.count <= tokens.count
                        && (0..<keys.count).allSatisfy({ matches((tokens[i + $0].exact, tokens[i + $0].folded), keys[$0]) }) {
                        ranges += tokens[i..<(i + keys.count)].map(\.range)
                        words.insert(wanted.count + p)
                    }
                }
                ranges = Array(Set(ranges.map { [$0.lowerBound, $0.upperBound] })).map { $0[0]..<$0[1] }.sorted { $0.lowerBound < $1.lowerBound }
                // Most distinct query words; a repeated word (Hòa Bình, Hòa Thuận) counts once.
                // Between as many, the value holding more of them as typed (the applicant Trần
                // rather than the title's thị trấn, for trần), as the ranking prefers them.
                if !ranges.isEmpty && (best == nil || words.count > bestWords || (words.count == bestWords && exactWords.count > bestExact)) {
                    best = Highlight(field: field, text: value, ranges: ranges)
                    bestWords = words.count; bestExact = exactWords.count
                }
            }
        }
        return best ?? keywordHighlight(doc) ?? Highlight(field: .title, text: doc.title, ranges: [])
    }

    /// The keyword value a keyword clause matched (what was searched for is shown whole: the
    /// citizen ID, the local code, the result's number as indexed), or nil.
    func keywordHighlight(_ doc: IndexDocument) -> Highlight? {
        for (field, value, prefix) in positiveKeywords {
            // Compared as the index's terms are (letters in small case).
            let wanted = Term.keyword(field, value)
            for v in doc.keywords[field] ?? [] where prefix ? Term.keyword(field, v).starts(with: wanted) : Term.keyword(field, v) == wanted {
                return Highlight(field: field, text: v, ranges: [0..<v.utf8.count])
            }
        }
        return nil
    }
}

/// A prefix typed with marks (`Thủ*`, `Đăn*`, `thư*`) as the exact keys of the words it begins:
/// their letters start with its letters, vowel marks and đ as typed, and they carry the tone it
/// was typed with, if any (a syllable has one tone; a prefix typed before its tone, as Telex and
/// VNI typists do, leaves the tone open). Nil for a prefix typed without marks.
struct MarkedPrefix {
    /// The prefix's exact key without its tone suffix.
    let letters: [UInt8]
    /// The tone typed (0: none typed, any tone).
    let tone: UInt8

    init?(_ prefix: String) {
        guard let k = Analyzer().keys(prefix).first, k.exact.count >= 2 else { return nil }
        let letters = Array(k.exact.dropLast(2))
        guard letters != k.folded || k.tone != 0 else { return nil }
        self.letters = letters; self.tone = k.tone
    }

    /// The letters of exact keys that fold to `folded` (a: a, ă, â; d: d, đ; e: e, ê; o: o, ô,
    /// ơ; u: u, ư), or nil when there are too many to look up one by one.
    static func forms(folding folded: [UInt8]) -> [[UInt8]]? {
        var out: [[UInt8]] = [[]]
        for b in folded {
            let variants: [[UInt8]]
            switch b {
            case 0x61: variants = [[0x61], [0xC4, 0x83], [0xC3, 0xA2]]
            case 0x64: variants = [[0x64], [0xC4, 0x91]]
            case 0x65: variants = [[0x65], [0xC3, 0xAA]]
            case 0x6F: variants = [[0x6F], [0xC3, 0xB4], [0xC6, 0xA1]]
            case 0x75: variants = [[0x75], [0xC6, 0xB0]]
            default: variants = [[b]]
            }
            out = out.flatMap { o in variants.map { o + $0 } }
            if out.count > 256 { return nil }
        }
        return out
    }

    /// The folded key of an exact key's letters made of ASCII and the Vietnamese letters of
    /// `forms`; nil for any other letter (its folded word is then read by its own postings).
    /// Narrower than `VietnameseText.foldedLetters` on purpose: a letter folded here otherwise
    /// than the analyzer folds it could make a folded word look read in full when it is not.
    static func fold(_ letters: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(letters.count)
        var i = letters.startIndex
        while i < letters.endIndex {
            let b = letters[i]
            if b < 0x80 { out.append(b); i += 1; continue }
            guard i + 1 < letters.endIndex else { return nil }
            switch (b, letters[i + 1]) {
            case (0xC4, 0x83), (0xC3, 0xA2): out.append(0x61)
            case (0xC4, 0x91): out.append(0x64)
            case (0xC3, 0xAA): out.append(0x65)
            case (0xC3, 0xB4), (0xC6, 0xA1): out.append(0x6F)
            case (0xC6, 0xB0): out.append(0x75)
            default: return nil
            }
            i += 2
        }
        return out
    }

    /// The exact keys of field `f` in `seg` of the words the prefix begins as typed.
    func ordinals(_ f: Field, _ seg: Segment) -> [Range<Int>] {
        let typed = Term.make(f, .exact, letters)
        return tone == 0 ? [seg.ordinals(withPrefix: typed)] : seg.ordinals(withPrefix: typed, last: 0x30 + tone)
    }

    /// Whether the word of this exact key (letters, 0x01, tone digit) begins with the prefix.
    func begins(_ exact: some BidirectionalCollection<UInt8>) -> Bool {
        guard exact.count >= letters.count + 2, exact.starts(with: letters) else { return false }
        return tone == 0 || exact.last == 0x30 + tone
    }
}
