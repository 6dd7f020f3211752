import HosoCore

/// A query word with its keys and the statistics of those keys over the whole snapshot.
final class WordInfo {
    let text: String
    let exact: [UInt8]
    let folded: [UInt8]
    /// Typed with diacritics (a tone, a vowel mark, or đ).
    let accented: Bool
    let fields: [Field]
    var exactTerms: [[UInt8]] = []
    var foldedTerms: [[UInt8]] = []
    var exactIDF: [Double] = []
    var foldedIDF: [Double] = []

    init(_ text: String, fields: [Field]?, snapshot: IndexSnapshot, stats: GlobalStats) {
        self.text = text
        let keys = Analyzer().keys(text)
        exact = keys.first?.exact ?? []
        folded = keys.first?.folded ?? []
        let tone = keys.first?.tone ?? 0
        let base = Array(exact.dropLast(2))
        accented = tone != 0 || base != folded
        self.fields = fields ?? Field.textFields
        for f in self.fields {
            let e = Term.make(f, .exact, exact), fo = Term.make(f, .folded, folded)
            exactTerms.append(e); foldedTerms.append(fo)
            exactIDF.append(BM25.idf(docs: GlobalStats.docFreq(e, in: snapshot), total: max(stats.docs, 1)))
            foldedIDF.append(BM25.idf(docs: GlobalStats.docFreq(fo, in: snapshot), total: max(stats.docs, 1)))
        }
    }
}

/// A node of the per-segment evaluation tree. `advance(to:)` moves to the first matching
/// document ≥ target (`Int32.max` when none); `score` adds the current document's points.
class Matcher {
    var doc: Int32 = -1
    var cost: Int { 0 }
    func advance(to target: Int32) -> Int32 { Int32.max }
    func score(_ d: Int32, _ acc: inout Accumulator) {}
    /// For filters that cannot drive iteration: whether a document passes.
    var isFilter: Bool { false }
    func accepts(_ d: Int32) -> Bool { true }
}

/// Every document (drives a query made only of filters and exclusions).
final class AllDocsMatcher: Matcher {
    let count: Int32
    init(count: Int) { self.count = Int32(count) }
    override var cost: Int { Int(count) }
    override func advance(to target: Int32) -> Int32 { doc = target < count ? max(target, 0) : Int32.max; return doc }
}

/// One word in one segment: matches where its folded key occurs in an allowed field (in exact
/// mode, for a word typed with diacritics, where its exact key occurs). Scores 2 points when the
/// exact key is there, 1 when only the folded key is, and BM25 over the fields it occurs in.
final class WordMatcher: Matcher {
    let info: WordInfo
    let mode: MatchMode
    let segment: Segment
    let stats: GlobalStats
    var drive: [PostingsCursor] = []
    var driveField: [Int] = []          // index into info.fields
    var exactCursors: [PostingsCursor?] = []
    let drivesExact: Bool
    private var totalCost = 0

    init?(_ info: WordInfo, mode: MatchMode, segment: Segment, stats: GlobalStats) {
        self.info = info; self.mode = mode; self.segment = segment; self.stats = stats
        drivesExact = mode == .exact && info.accented
        super.init()
        for (k, _) in info.fields.enumerated() {
            let driveTerm = drivesExact ? info.exactTerms[k] : info.foldedTerms[k]
            if let o = segment.ordinal(of: driveTerm) {
                let c = segment.postings(o)
                drive.append(c); driveField.append(k); totalCost += c.docFreq
                if drivesExact || mode == .fold {
                    exactCursors.append(nil)
                } else {
                    exactCursors.append(segment.ordinal(of: info.exactTerms[k]).map { segment.postings($0) })
                }
            }
        }
        if drive.isEmpty { return nil }
    }

    override var cost: Int { totalCost }

    override func advance(to target: Int32) -> Int32 {
        var m = Int32.max
        for i in drive.indices {
            if drive[i].doc < target { _ = drive[i].advance(to: target) }
            if drive[i].doc < m { m = drive[i].doc }
        }
        doc = m
        return m
    }

    override func score(_ d: Int32, _ acc: inout Accumulator) {
        var exactHit = drivesExact
        var s = 0.0
        for i in drive.indices where drive[i].doc == d {
            let k = driveField[i]
            let field = info.fields[k]
            let length = segment.norm(field.textIndex, Int(d))
            let avg = stats.averageLength[field.textIndex]
            if drivesExact {
                s += field.weight * info.exactIDF[k] * BM25.tf(drive[i].freq, length: length, averageLength: avg)
                continue
            }
            if exactCursors[i] != nil {
                if exactCursors[i]!.doc < d { _ = exactCursors[i]!.advance(to: d) }
                if exactCursors[i]!.doc == d {
                    exactHit = true
                    s += field.weight * info.exactIDF[k] * BM25.tf(exactCursors[i]!.freq, length: length, averageLength: avg)
                    continue
                }
            }
            s += field.weight * info.foldedIDF[k] * BM25.tf(drive[i].freq, length: length, averageLength: avg)
        }
        acc.points += (mode == .fold ? 1 : (exactHit ? 2 : 1))
        acc.bm25 += s
    }

    /// Positions of the word in `field` of document `d` (the cursor must be at d).
    func positions(field: Field, _ d: Int32, into out: inout [UInt32]) -> Bool {
        for i in drive.indices where drive[i].doc == d && info.fields[driveField[i]] == field {
            drive[i].positions(into: &out)
            return true
        }
        return false
    }

    /// Fields of the current document where the word occurs.
    func fields(at d: Int32) -> [Field] {
        drive.indices.filter { drive[$0].doc == d }.map { info.fields[driveField[$0]] }
    }
}

/// Documents from a precomputed set (prefixes, keyword prefixes), with constant points.
final class BitsetMatcher: Matcher {
    let bits: [UInt64]
    let count: Int32
    let points: Double
    private let population: Int

    init?(bits: [UInt64], count: Int, points: Double) {
        let pop = bits.reduce(0) { $0 + $1.nonzeroBitCount }
        guard pop > 0 else { return nil }
        self.bits = bits; self.count = Int32(count); self.points = points; population = pop
    }

    override var cost: Int { population }

    override func advance(to target: Int32) -> Int32 {
        var t = Int(max(target, 0))
        while t < Int(count) {
            let w = bits[t >> 6] >> UInt64(t & 63)
            if w != 0 { t += w.trailingZeroBitCount; doc = Int32(t); return doc }
            t = (t | 63) + 1
        }
        doc = Int32.max
        return doc
    }

    override func score(_ d: Int32, _ acc: inout Accumulator) { acc.points += points }

    /// The union of the postings of term ordinals `range` as a bitset.
    static func union(_ segment: Segment, ordinals: [Range<Int>], points: Double) -> BitsetMatcher? {
        var bits = [UInt64](repeating: 0, count: (segment.docCount + 63) / 64)
        for r in ordinals {
            for o in r {
                var c = segment.postings(o)
                while c.next() { bits[Int(c.doc) >> 6] |= 1 << UInt64(c.doc & 63) }
            }
        }
        return BitsetMatcher(bits: bits, count: segment.docCount, points: points)
    }
}

/// A whole keyword value: one term.
final class TermMatcher: Matcher {
    var cursor: PostingsCursor
    let points: Double
    init?(_ segment: Segment, term: [UInt8], points: Double) {
        guard let o = segment.ordinal(of: term) else { return nil }
        cursor = segment.postings(o); self.points = points
    }
    override var cost: Int { cursor.docFreq }
    override func advance(to target: Int32) -> Int32 {
        if cursor.doc < target { _ = cursor.advance(to: target) }
        doc = cursor.doc
        return doc
    }
    override func score(_ d: Int32, _ acc: inout Accumulator) { acc.points += points }
}

/// A day range on a column: a filter, checked on documents others found.
final class DateFilter: Matcher {
    let segment: Segment
    let column: DateColumn
    let from: Int32, to: Int32
    init(_ segment: Segment, _ column: DateColumn, from: Int32?, to: Int32?) {
        self.segment = segment; self.column = column; self.from = from ?? Int32.min; self.to = to ?? Int32.max
    }
    override var isFilter: Bool { true }
    override var cost: Int { segment.docCount }
    override func accepts(_ d: Int32) -> Bool {
        let v: Int32
        switch column {
        case .received: v = segment.receivedDay(Int(d))
        case .due: v = segment.dueDay(Int(d))
        case .completed: v = segment.completedDay(Int(d))
        }
        return v >= 0 && v >= from && v <= to
    }
    override func advance(to target: Int32) -> Int32 {
        var t = max(target, 0)
        while t < Int32(segment.docCount) { if accepts(t) { doc = t; return t }; t += 1 }
        doc = Int32.max
        return doc
    }
}

/// All children must match (rarest first, leap-frogging), no exclusion may, every filter must
/// accept. Words side by side in the document, in query order, earn a point per pair.
class AndMatcher: Matcher {
    let drivers: [Matcher]
    let excluded: [Matcher]
    let filters: [Matcher]
    /// The words of the query in their order, for the adjacency bonus (nil entries break runs).
    let sequence: [WordMatcher?]
    let adjacency: Bool
    var scratchA: [UInt32] = [], scratchB: [UInt32] = []

    init(drivers: [Matcher], excluded: [Matcher], filters: [Matcher], sequence: [WordMatcher?], adjacency: Bool) {
        self.drivers = drivers.sorted { $0.cost < $1.cost }
        self.excluded = excluded; self.filters = filters; self.sequence = sequence; self.adjacency = adjacency
    }

    override var cost: Int { drivers.first?.cost ?? 0 }

    override func advance(to start: Int32) -> Int32 {
        var target = start
        outer: while true {
            for c in drivers {
                let cd = c.doc < target ? c.advance(to: target) : c.doc
                if cd == Int32.max { doc = cd; return cd }
                if cd > target { target = cd; continue outer }
            }
            if !filters.allSatisfy({ $0.accepts(target) }) || excluded.contains(where: { m in (m.doc < target ? m.advance(to: target) : m.doc) == target }) || !extraCheck(target) {
                target += 1
                continue
            }
            doc = target
            return target
        }
    }

    /// Phrases check positions here.
    func extraCheck(_ d: Int32) -> Bool { true }

    override func score(_ d: Int32, _ acc: inout Accumulator) {
        for c in drivers { c.score(d, &acc) }
        guard adjacency, sequence.count > 1 else { return }
        for i in 0..<(sequence.count - 1) {
            guard let a = sequence[i], let b = sequence[i + 1] else { continue }
            if adjacent(a, b, d) { acc.points += 1 }
        }
    }

    /// Whether b directly follows a in some field of document d.
    func adjacent(_ a: WordMatcher, _ b: WordMatcher, _ d: Int32) -> Bool {
        let shared = Set(a.fields(at: d)).intersection(b.fields(at: d))
        for f in shared.sorted(by: { $0.rawValue < $1.rawValue }) {
            guard a.positions(field: f, d, into: &scratchA), b.positions(field: f, d, into: &scratchB) else { continue }
            var j = 0
            for p in scratchA {
                while j < scratchB.count && scratchB[j] < p + 1 { j += 1 }
                if j < scratchB.count && scratchB[j] == p + 1 { return true }
            }
        }
        return false
    }
}

/// Words together and in order, in one field.
final class PhraseMatcher: AndMatcher {
    let words: [WordMatcher]
    var lists: [[UInt32]] = []

    init(words: [WordMatcher]) {
        self.words = words
        super.init(drivers: words, excluded: [], filters: [], sequence: [], adjacency: false)
        lists = Array(repeating: [], count: words.count)
    }

    override func extraCheck(_ d: Int32) -> Bool {
        var candidates = Set(words[0].fields(at: d))
        for w in words.dropFirst() { candidates.formIntersection(w.fields(at: d)) }
        for f in candidates.sorted(by: { $0.rawValue < $1.rawValue }) {
            var ok = true
            for (i, w) in words.enumerated() where !w.positions(field: f, d, into: &lists[i]) { ok = false }
            guard ok else { continue }
            // A start p with p + i in list i for every i.
            for p in lists[0] {
                var all = true
                for i in 1..<words.count where !lists[i].contains(p + UInt32(i)) { all = false; break }
                if all { return true }
            }
        }
        return false
    }

    override func score(_ d: Int32, _ acc: inout Accumulator) {
        for w in words { w.score(d, &acc) }
        acc.points += Double(words.count - 1)   // the words stand together
    }
}

/// Any child matches; matching children all score.
final class OrMatcher: Matcher {
    let children: [Matcher]
    init(_ children: [Matcher]) { self.children = children }
    override var cost: Int { children.reduce(0) { $0 + $1.cost } }
    override func advance(to target: Int32) -> Int32 {
        var m = Int32.max
        for c in children {
            let cd = c.doc < target ? c.advance(to: target) : c.doc
            if cd < m { m = cd }
        }
        doc = m
        return m
    }
    override func score(_ d: Int32, _ acc: inout Accumulator) {
        for c in children where c.doc == d { c.score(d, &acc) }
    }
}
