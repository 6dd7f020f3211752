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
    /// The word's lanes in each segment, as first found: the slices of a segment make their
    /// cursors from these instead of looking the terms up again. (Not the cursors themselves:
    /// each holds a decoded block, 1 kB, and copies of them were a sixth of the page faults of
    /// a whole `hoso search` process.)
    var lanes: [ObjectIdentifier: [WordMatcher.LaneSpec]] = [:]
    /// Per segment, per field of `fields`: the ordinals of the exact and folded terms, found
    /// while counting document frequencies (each look-up is a binary search over the segment's
    /// terms, on cold pages in a fresh process; the lanes reuse these).
    var ordinals: [ObjectIdentifier: [(exact: Int?, folded: Int?)]] = [:]

    init(_ text: String, fields: [Field]?, snapshot: IndexSnapshot, stats: GlobalStats, threads: Int = 1) {
        self.text = text
        let keys = Analyzer().keys(text)
        exact = keys.first?.exact ?? []
        folded = keys.first?.folded ?? []
        let tone = keys.first?.tone ?? 0
        let base = Array(exact.dropLast(2))
        accented = tone != 0 || base != folded
        self.fields = fields ?? Field.textFields
        for f in self.fields {
            exactTerms.append(Term.make(f, .exact, exact)); foldedTerms.append(Term.make(f, .folded, folded))
        }
        // Document frequencies over the live documents of every segment. Each look-up is a
        // binary search on pages a fresh process has not touched yet (page faults, most of the
        // cost): an index of many segments is searched on the query's threads.
        let exactTerms = self.exactTerms, foldedTerms = self.foldedTerms
        let segments = snapshot.segments
        let perSegment = Parallel.map(Array(segments.indices), workers: segments.count >= 4 ? threads : 1) { s in
            let seg = segments[s], deleted = snapshot.deletions[s]?.termCounts
            return exactTerms.indices.map { k -> SegmentTerms in
                let e = seg.ordinal(of: exactTerms[k]), fo = seg.ordinal(of: foldedTerms[k])
                return SegmentTerms(exact: e, folded: fo,
                                    exactDocs: e.map { seg.docFreq($0) - (deleted?[exactTerms[k]] ?? 0) } ?? 0,
                                    foldedDocs: fo.map { seg.docFreq($0) - (deleted?[foldedTerms[k]] ?? 0) } ?? 0)
            }
        }
        var exactDocs = [Int](repeating: 0, count: self.fields.count), foldedDocs = exactDocs
        for (s, found) in perSegment.enumerated() {
            for k in found.indices { exactDocs[k] += found[k].exactDocs; foldedDocs[k] += found[k].foldedDocs }
            ordinals[ObjectIdentifier(segments[s])] = found.map { ($0.exact, $0.folded) }
        }
        for k in self.fields.indices {
            exactIDF.append(BM25.idf(docs: exactDocs[k], total: max(stats.docs, 1)))
            foldedIDF.append(BM25.idf(docs: foldedDocs[k], total: max(stats.docs, 1)))
        }
    }

    /// One field's terms in one segment: their ordinals and live document counts.
    private struct SegmentTerms: Sendable {
        let exact: Int?, folded: Int?
        let exactDocs: Int, foldedDocs: Int
    }

    /// The ordinals of field `k`'s exact and folded terms in `segment`.
    func ordinals(_ k: Int, in segment: Segment) -> (exact: Int?, folded: Int?) {
        if let o = ordinals[ObjectIdentifier(segment)] { return o[k] }
        return (segment.ordinal(of: exactTerms[k]), segment.ordinal(of: foldedTerms[k]))
    }
}

/// A node of the per-segment evaluation tree. `advance(to:)` moves to the first matching
/// document ≥ target (`Int32.max` when none); `score` adds the current document's points.
class Matcher {
    var doc: Int32 = -1
    /// Documents this matcher may visit (orders the children of an AND, rarest first).
    var cost: Int { 0 }
    /// Postings the whole evaluation may walk: what decides whether to spread it over threads.
    var work: Int { cost }
    func advance(to target: Int32) -> Int32 { Int32.max }
    func score(_ d: Int32, _ acc: inout Accumulator) {}
    /// Adds to `b` no less than `score` would add at the current document `d`, more cheaply (no
    /// positions: every adjacency pair counts as found): a document whose bound cannot beat the
    /// results kept so far is counted but not scored.
    func addBound(_ d: Int32, _ b: inout ScoreBound) {}
    /// Lowers what `addBound` gave (for this matcher as the root) by what a second, costlier
    /// look shows it cannot score: asked only when the first bound was not enough.
    func tighten(_ d: Int32, _ b: inout ScoreBound) {}
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
///
/// The per-field cursors live in unsafe buffers: they are advanced for every candidate
/// document, and an array of structs inside a class would pay exclusivity and uniqueness checks
/// on each step. A lane's exact cursor has a place only where the lane has one: each cursor
/// holds a decoded block (1 kB), made for every field a word occurs in, in every segment, and
/// fresh heap pages are a fault each in a `hoso search` process.
final class WordMatcher: Matcher {
    /// One field the word occurs in within this segment.
    struct Lane {
        var cursor: PostingsCursor          // the key that drives matching
        let exactSlot: Int                  // the exact key's cursor in `exacts`, when it ranks above the folded one (else -1)
        let allExact: Bool                  // every match of the driving key is exact (always, when it is the exact key)
        let field: Field
        let norm: Int                       // the field's index in the norms
        let exactWeight: Double             // field weight × idf
        let foldedWeight: Double
        let averageLength: Double
        let frequencyTable: UnsafePointer<Double>       // tf part for small frequencies, by length

        /// BM25's term-frequency part for `freq` occurrences in a field of `length` tokens.
        @inline(__always) func tf(_ freq: Int, length: Int) -> Double {
            if freq <= FrequencyTable.frequencies && length < FrequencyTable.lengths {
                return frequencyTable[(freq &- 1) &* FrequencyTable.lengths &+ length]
            }
            return Self.computedTF(freq, length: length, averageLength: averageLength)
        }

        /// Out of line so that the compiler does not compute it on every match and then pick the
        /// table's value instead (it did: two divisions per field of every match).
        @inline(never) static func computedTF(_ freq: Int, length: Int, averageLength: Double) -> Double {
            BM25.tf(freq, length: length, averageLength: averageLength)
        }
    }

    /// What a lane is made from: its terms' ordinals and the weights of its field.
    struct LaneSpec {
        let driving: Int                    // the ordinal of the key that drives matching
        let exact: Int?                     // the exact key's, when it ranks above the folded one
        let allExact: Bool
        let field: Field
        let exactWeight: Double
        let foldedWeight: Double
        let averageLength: Double
        let frequencyTable: UnsafePointer<Double>

        func lane(in segment: Segment, exactSlot: Int) -> Lane {
            Lane(cursor: segment.postings(driving), exactSlot: exact == nil ? -1 : exactSlot,
                 allExact: allExact, field: field, norm: field.textIndex, exactWeight: exactWeight, foldedWeight: foldedWeight,
                 averageLength: averageLength, frequencyTable: frequencyTable)
        }
    }

    let info: WordInfo
    let mode: MatchMode
    let segment: Segment
    let lanes: UnsafeMutablePointer<Lane>
    let laneCount: Int
    /// The exact keys' cursors of the lanes that have one.
    let exacts: UnsafeMutablePointer<PostingsCursor>
    let exactCount: Int
    let drivesExact: Bool
    private let totalCost: Int
    /// A document where the word, though found as typed, counts as found folded only (set by
    /// the clause around it for the document it scores; -1 for none).
    var foldedOnly: Int32 = -1
    /// Positions of the last `loadPositions` call.
    private(set) var positions: UnsafeMutablePointer<UInt32>
    private(set) var positionCount = 0
    private var positionCapacity = 64

    init?(_ info: WordInfo, mode: MatchMode, segment: Segment, stats: GlobalStats) {
        self.info = info; self.mode = mode; self.segment = segment
        let drivesExact = mode == .exact && info.accented
        self.drivesExact = drivesExact
        let found = info.lanes[ObjectIdentifier(segment)] ?? Self.lanes(info, mode: mode, segment: segment, stats: stats)
        info.lanes[ObjectIdentifier(segment)] = found
        if found.isEmpty { return nil }
        laneCount = found.count
        lanes = .allocate(capacity: found.count)
        exactCount = found.reduce(0) { $0 + ($1.exact == nil ? 0 : 1) }
        exacts = .allocate(capacity: exactCount)
        var slot = 0
        for (k, spec) in found.enumerated() {
            (lanes + k).initialize(to: spec.lane(in: segment, exactSlot: slot))
            if let e = spec.exact { (exacts + slot).initialize(to: segment.postings(e)); slot += 1 }
        }
        totalCost = found.reduce(0) { $0 + segment.docFreq($1.driving) }
        positions = .allocate(capacity: 64)
        super.init()
    }

    /// The fields of `segment` where the word occurs, with their cursors.
    private static func lanes(_ info: WordInfo, mode: MatchMode, segment: Segment, stats: GlobalStats) -> [LaneSpec] {
        let drivesExact = mode == .exact && info.accented
        var found: [LaneSpec] = []
        found.reserveCapacity(info.fields.count)
        for (k, field) in info.fields.enumerated() {
            let known = info.ordinals(k, in: segment)
            guard let o = drivesExact ? known.exact : known.folded else { continue }
            var exact: Int?
            var allExact = drivesExact
            if !drivesExact && mode != .fold, let e = known.exact {
                // Every occurrence of the folded key is this exact key (same documents, same
                // total frequency, so the same frequency in each): no second cursor needed.
                if segment.docFreq(e) == segment.docFreq(o), let te = segment.totalFreq(e), te == segment.totalFreq(o) {
                    allExact = true
                } else {
                    exact = e
                }
            }
            found.append(LaneSpec(driving: o, exact: exact, allExact: allExact, field: field,
                                  exactWeight: field.weight * info.exactIDF[k], foldedWeight: field.weight * info.foldedIDF[k],
                                  averageLength: stats.averageLength[field.textIndex],
                                  frequencyTable: stats.frequencyTable.row(field.textIndex)))
        }
        return found
    }

    deinit {
        lanes.deinitialize(count: laneCount)
        lanes.deallocate()
        exacts.deinitialize(count: exactCount)
        exacts.deallocate()
        positions.deallocate()
    }

    override var cost: Int { totalCost }

    override func advance(to target: Int32) -> Int32 {
        var m = Int32.max
        for i in 0..<laneCount {
            if lanes[i].cursor.doc < target { lanes[i].cursor.step(to: target) }
            let d = lanes[i].cursor.doc
            if d < m { m = d }
        }
        doc = m
        return m
    }

    override func score(_ d: Int32, _ acc: inout Accumulator) {
        let (points, bm25) = sum(d, fields: UInt32.max)
        acc.points += points
        acc.bm25 += bm25
    }

    /// The score counting only `fields` (a bit set of `Field.rawValue`s): where a phrase stands.
    func score(_ d: Int32, fields: UInt32, _ acc: inout Accumulator) {
        let (points, bm25) = sum(d, fields: fields)
        acc.points += points
        acc.bm25 += bm25
    }

    override func addBound(_ d: Int32, _ b: inout ScoreBound) {
        let (points, bm25) = sum(d, fields: UInt32.max)
        b.points += points
        b.bm25 += bm25
    }

    /// The word's points and BM25 at `d`. Where the word occurs as typed (its exact key), BM25
    /// counts those fields only: another form of it elsewhere in the document (*Đặng* in the
    /// applicant's name for *đăng*) is a different word and adds nothing; where it occurs only
    /// folded, every such field counts. The bound is this very sum (what it leaves out is the
    /// adjacency bonus, which reads positions): the same value, computed in the same order, so
    /// that scores which tie with the page's last result are seen to tie. A phrase counts only
    /// the `fields` it stands in, and the bound (every field) still ranks no lower: leaving
    /// fields out either keeps the points, and then adds fewer of the same non-negative terms in
    /// the same order, or loses the exact point (the word as typed stood only elsewhere), and
    /// points rank before BM25.
    @inline(__always) private func sum(_ d: Int32, fields: UInt32) -> (Double, Double) {
        if d == foldedOnly { return foldedSum(d, fields: fields) }
        var exactHit = drivesExact
        var exact = 0.0, folded = 0.0
        for i in 0..<laneCount where lanes[i].cursor.doc == d && fields & (1 << UInt32(lanes[i].field.rawValue)) != 0 {
            let length = segment.norm(lanes[i].norm, Int(d))
            let isExact = exactHere(i, d)
            let freq = isExact && !lanes[i].allExact ? exacts[lanes[i].exactSlot].freq : lanes[i].cursor.freq
            let tf = lanes[i].tf(freq, length: length)
            if isExact {
                exactHit = true
                exact += lanes[i].exactWeight * tf
            } else {
                folded += lanes[i].foldedWeight * tf
            }
        }
        return (mode == .fold ? 1 : (exactHit ? 2 : 1), exactHit ? exact : folded)
    }

    /// Whether lane `i` (at document d) holds the word as typed there, its exact key: always
    /// when every match of its key is exact, else where the exact cursor, moved to d, stands.
    @inline(__always) private func exactHere(_ i: Int, _ d: Int32) -> Bool {
        if lanes[i].allExact { return true }
        let e = lanes[i].exactSlot
        guard e >= 0 else { return false }
        if exacts[e].doc < d { exacts[e].step(to: d) }
        return exacts[e].doc == d
    }

    /// Fields of document `d` where the word occurs as typed (its exact key; the matcher must be
    /// at d), as a bit set of `Field.rawValue`s.
    func exactFieldMask(at d: Int32) -> UInt32 {
        var mask: UInt32 = 0
        for i in 0..<laneCount where lanes[i].cursor.doc == d && exactHere(i, d) { mask |= 1 << UInt32(lanes[i].field.rawValue) }
        return mask
    }

    /// The sum of a word found folded only: every field where it occurs, with the folded key's
    /// statistics, in the order and with the values `sum` gives a document without the exact key
    /// (so that the two tie exactly where they should).
    private func foldedSum(_ d: Int32, fields: UInt32) -> (Double, Double) {
        var folded = 0.0
        for i in 0..<laneCount where lanes[i].cursor.doc == d && fields & (1 << UInt32(lanes[i].field.rawValue)) != 0 {
            folded += lanes[i].foldedWeight * lanes[i].tf(lanes[i].cursor.freq, length: segment.norm(lanes[i].norm, Int(d)))
        }
        return (1, folded)
    }

    /// Fields of document `d` where the word occurs (the matcher must be at d), as a bit set
    /// of `Field.rawValue`s.
    func fieldMask(at d: Int32) -> UInt32 {
        var mask: UInt32 = 0
        for i in 0..<laneCount where lanes[i].cursor.doc == d { mask |= 1 << UInt32(lanes[i].field.rawValue) }
        return mask
    }

    /// Loads into `positions` the word's positions in `field` of document `d`.
    @discardableResult
    func loadPositions(field: Field, _ d: Int32) -> Bool {
        for i in 0..<laneCount where lanes[i].cursor.doc == d && lanes[i].field == field {
            load(i, exact: false)
            return true
        }
        positionCount = 0
        return false
    }

    /// Copies the positions of lane `i`'s driving or exact cursor into `positions`.
    private func load(_ i: Int, exact: Bool) {
        let freq = exact ? exacts[lanes[i].exactSlot].freq : lanes[i].cursor.freq
        if freq > positionCapacity {
            positions.deallocate()
            positionCapacity = max(freq, 2 * positionCapacity)
            positions = .allocate(capacity: positionCapacity)
        }
        positionCount = exact ? exacts[lanes[i].exactSlot].copyPositions(to: positions) : lanes[i].cursor.copyPositions(to: positions)
    }

    /// Loads into `positions` the positions in `field` of document `d` where the word stands as
    /// typed (its exact key; the matcher must be at d).
    @discardableResult
    func loadExactPositions(field: Field, _ d: Int32) -> Bool {
        for i in 0..<laneCount where lanes[i].cursor.doc == d && lanes[i].field == field {
            guard exactHere(i, d) else { break }
            load(i, exact: !lanes[i].allExact)
            return true
        }
        positionCount = 0
        return false
    }

    /// Whether `p` is among the loaded positions.
    @inline(__always) func hasPosition(_ p: UInt32) -> Bool {
        var lo = 0, hi = positionCount
        while lo < hi {
            let mid = (lo + hi) >> 1
            if positions[mid] < p { lo = mid + 1 } else { hi = mid }
        }
        return lo < positionCount && positions[lo] == p
    }
}

/// Documents from a precomputed set (prefixes, keyword prefixes), with constant points; or
/// more points for those of a subset (`better`: a marked prefix's words as typed).
final class BitsetMatcher: Matcher {
    let bits: [UInt64]
    let count: Int32
    let points: Double
    /// A subset of `bits` whose documents score `betterPoints` (empty: none).
    let better: [UInt64]
    let betterPoints: Double
    private let population: Int

    init?(bits: [UInt64], count: Int, points: Double, better: [UInt64] = [], betterPoints: Double = 0) {
        let pop = bits.reduce(0) { $0 + $1.nonzeroBitCount }
        guard pop > 0 else { return nil }
        self.bits = bits; self.count = Int32(count); self.points = points; population = pop
        self.better = better; self.betterPoints = betterPoints
    }

    @inline(__always) private func points(_ d: Int32) -> Double {
        guard !better.isEmpty, better[Int(d) >> 6] & (1 << UInt64(d & 63)) != 0 else { return points }
        return betterPoints
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

    override func score(_ d: Int32, _ acc: inout Accumulator) { acc.points += points(d) }
    override func addBound(_ d: Int32, _ b: inout ScoreBound) { b.points += points(d) }

    /// The union of the postings of term ordinals `ordinals` as a bitset.
    static func bits(_ segment: Segment, ordinals: [Range<Int>]) -> [UInt64] {
        var bits = [UInt64](repeating: 0, count: (segment.docCount + 63) / 64)
        for r in ordinals {
            for o in r {
                var c = segment.postings(o)
                while c.next() { bits[Int(c.doc) >> 6] |= 1 << UInt64(c.doc & 63) }
            }
        }
        return bits
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
    override func addBound(_ d: Int32, _ b: inout ScoreBound) { b.points += points }
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

/// References to matchers owned elsewhere, for the loops that run once per candidate document:
/// looping over an array of class references retains and releases every element each time,
/// which cost a quarter of the time of long queries.
struct Borrowed<T: AnyObject> {
    private let base: UnsafeMutablePointer<Unmanaged<T>>
    let count: Int

    init(_ objects: [T]) {
        count = objects.count
        base = .allocate(capacity: max(1, objects.count))
        base.initialize(from: objects.map { Unmanaged.passUnretained($0) }, count: objects.count)
    }

    func free() { base.deallocate() }

    @inline(__always) func with<R>(_ i: Int, _ body: (T) -> R) -> R { base[i]._withUnsafeGuaranteedRef(body) }
}

/// All children must match (rarest first, leap-frogging), no exclusion may, every filter must
/// accept. Words side by side in the document, in query order, earn a point per pair.
class AndMatcher: Matcher {
    let drivers: [Matcher]
    let excluded: [Matcher]
    let filters: [Matcher]
    /// Consecutive words of the query, for the adjacency bonus (an exclusion breaks a run): a
    /// pair of matchers for each way the two places can be spelled (a word and its one-word
    /// synonyms: Lí and Lý), in groups, one point a group.
    let pairs: [(WordMatcher, WordMatcher)]
    /// The group of each pair (the two places it joins); groups are numbered from 0, in order.
    let pairGroup: [Int]
    let groupCount: Int
    /// For a pair with a side filled by a form of several words: those forms' phrases, which
    /// must match the document for the pair to count (nil for pairs of words, most of them).
    let pairPhrases: [(PhraseMatcher?, PhraseMatcher?)?]
    /// Consecutive pairs sharing their middle matcher (indices into `pairs`), in groups of
    /// three places: a point more a group where the three words stand in a row in one field.
    /// So a full name found in one field (the applicant Nguyễn Thị Hòa) ranks above its pairs
    /// found in two people's names (Trần Thị Hòa, registering her child Nguyễn Thị Lan).
    let triples: [(Int, Int)]
    let tripleGroup: [Int]
    let tripleGroupCount: Int
    /// Words typed without marks (a bare syllable: *thanh*), each with the words typed before
    /// and after it: where those stand beside another form of the word and not beside the bare
    /// syllable, the word counts as found folded (see `score`).
    let bare: [(word: WordMatcher, before: [WordMatcher], after: [WordMatcher])]
    /// The drivers in query order, for scoring: `drivers` is ordered by each segment's own
    /// document counts, and floating-point sums in another order differ in the last bits, so
    /// documents that tie in one index layout would not tie in another (a rebuilt index, or
    /// one merged differently, must rank exactly as the original).
    private let d: Borrowed<Matcher>, s: Borrowed<Matcher>, x: Borrowed<Matcher>, f: Borrowed<Matcher>
    private let pa: Borrowed<WordMatcher>, pb: Borrowed<WordMatcher>

    /// One way to fill a place of the query: a word (`first` and `last` the same matcher), or a
    /// synonym's form of several words (*thành phố* for *tp*), which stands beside the place
    /// before by its first word and beside the place after by its last. (The form's own words
    /// are together wherever it matched: its phrase matcher saw to that.)
    struct Filler {
        let first: WordMatcher
        let last: WordMatcher
        /// The form's phrase: its words count only where it matched (a cursor of one of them
        /// may rest on a document after the phrase's other word ran out).
        let phrase: PhraseMatcher?
        init(_ word: WordMatcher) { first = word; last = word; phrase = nil }
        init(first: WordMatcher, last: WordMatcher, phrase: PhraseMatcher) { self.first = first; self.last = last; self.phrase = phrase }
    }

    /// - Parameter sequence: the query's places in order, each the ways it can be filled
    ///   (empty: a break, such as an exclusion or a clause that is no word).
    init(drivers: [Matcher], excluded: [Matcher], filters: [Matcher], sequence: [[Filler]], adjacency: Bool) {
        self.drivers = drivers.sorted { $0.cost < $1.cost }
        self.excluded = excluded; self.filters = filters
        var pairs: [(WordMatcher, WordMatcher)] = [], pairGroup: [Int] = []
        var triples: [(Int, Int)] = [], tripleGroup: [Int] = []
        var pairPhrases: [(PhraseMatcher?, PhraseMatcher?)?] = []
        var groups = 0, tripleGroups = 0
        var previous: Range<Int> = 0..<0         // the pairs of the group before, if adjacent
        if adjacency && sequence.count > 1 {
            for i in 0..<(sequence.count - 1) {
                guard !sequence[i].isEmpty, !sequence[i + 1].isEmpty, pairs.count < 64 else { previous = 0..<0; continue }
                let start = pairs.count
                for a in sequence[i] {
                    for b in sequence[i + 1] where pairs.count < 64 {
                        pairs.append((a.last, b.first)); pairGroup.append(groups)
                        pairPhrases.append(a.phrase == nil && b.phrase == nil ? nil : (a.phrase, b.phrase))
                    }
                }
                let mine = start..<pairs.count
                var joined = false
                // Three in a row through a word (not through a form of several words, whose
                // first and last words differ).
                for p in previous { for q in mine where pairs[p].1 === pairs[q].0 { triples.append((p, q)); tripleGroup.append(tripleGroups); joined = true } }
                if joined { tripleGroups += 1 }
                groups += 1
                previous = mine
            }
        }
        var bare: [(word: WordMatcher, before: [WordMatcher], after: [WordMatcher])] = []
        if adjacency && sequence.count > 1 {
            for (i, place) in sequence.enumerated() {
                // A plain word (no other spelling fills its place) whose points are this
                // clause's own, typed without marks, with a word before or after it.
                guard place.count == 1, place[0].first === place[0].last, place[0].phrase == nil else { continue }
                let w = place[0].first
                guard w.mode == .ranked, !w.info.accented, drivers.contains(where: { $0 === w }) else { continue }
                let before = i > 0 ? sequence[i - 1].map(\.last) : [], after = i + 1 < sequence.count ? sequence[i + 1].map(\.first) : []
                if !before.isEmpty || !after.isEmpty { bare.append((w, before, after)) }
            }
        }
        self.bare = bare
        self.pairs = pairs; self.pairGroup = pairGroup; groupCount = groups
        self.pairPhrases = pairPhrases
        self.triples = triples; self.tripleGroup = tripleGroup; tripleGroupCount = tripleGroups
        d = Borrowed(self.drivers); s = Borrowed(drivers); x = Borrowed(excluded); f = Borrowed(filters)
        pa = Borrowed(pairs.map(\.0)); pb = Borrowed(pairs.map(\.1))
    }

    deinit { d.free(); s.free(); x.free(); f.free(); pa.free(); pb.free() }

    override var cost: Int { drivers.first?.cost ?? 0 }
    /// Every other child is advanced to each candidate of the rarest.
    override var work: Int { (drivers.first?.work ?? 0) * drivers.count }

    override func advance(to start: Int32) -> Int32 {
        var target = start
        outer: while true {
            for i in 0..<d.count {
                let cd = d.with(i) { c in c.doc < target ? c.advance(to: target) : c.doc }
                if cd == Int32.max { doc = cd; return cd }
                if cd > target { target = cd; continue outer }
            }
            if !passes(target) {
                target += 1
                continue
            }
            doc = target
            return target
        }
    }

    /// Filters accept, exclusions miss, and the subclass's check holds.
    @inline(__always) private func passes(_ t: Int32) -> Bool {
        for i in 0..<f.count where !f.with(i, { $0.accepts(t) }) { return false }
        for i in 0..<x.count where x.with(i, { m in (m.doc < t ? m.advance(to: t) : m.doc) == t }) { return false }
        return extraCheck(t)
    }

    /// Phrases check positions here.
    func extraCheck(_ d: Int32) -> Bool { true }

    override func score(_ doc: Int32, _ acc: inout Accumulator) {
        // A bare syllable ranks first where it is the word meant. Where the words typed around
        // it stand beside another form of it and not beside the bare one (the title's *thành
        // lập*, and the applicant Phan Thanh Lợi, for *dang ky thanh lap*), the word counts as
        // found folded. (The bound keeps the point: it stays a bound.)
        for (w, before, after) in bare where w.doc == doc {
            let exact = w.exactFieldMask(at: doc)
            if exact != 0 && !Self.beside(w, before, after, fields: exact, doc, asTyped: true)
                && Self.beside(w, before, after, fields: w.fieldMask(at: doc), doc, asTyped: false) {
                w.foldedOnly = doc
            }
        }
        for i in 0..<s.count { s.with(i) { $0.score(doc, &acc) } }
        for (w, _, _) in bare { w.foldedOnly = -1 }
        // Positions cost more than the rest; a match whose bound (every pair side by side)
        // could not enter the page was not scored at all.
        var side: UInt64 = 0
        var counted = -1                          // the last group that earned its point
        for i in 0..<pa.count where pairGroup[i] != counted || !triples.isEmpty {
            if let (p, q) = pairPhrases[i], p.map({ $0.doc != doc }) ?? false || q.map({ $0.doc != doc }) ?? false { continue }
            guard pa.with(i, { a in pb.with(i) { b in adjacent(a, b, doc) } }) else { continue }
            side |= 1 << UInt64(i)
            if pairGroup[i] != counted { acc.points += 1; counted = pairGroup[i] }
        }
        var tripled = -1
        for (k, (p, q)) in triples.enumerated() where tripleGroup[k] != tripled && side & (1 << UInt64(p)) != 0 && side & (1 << UInt64(q)) != 0 {
            if pa.with(p, { a in pb.with(p) { b in pb.with(q) { c in inRow(a, b, c, doc) } } }) { acc.points += 1; tripled = tripleGroup[k] }
        }
    }

    override func addBound(_ doc: Int32, _ b: inout ScoreBound) {
        for i in 0..<s.count { s.with(i) { $0.addBound(doc, &b) } }
        b.points += Double(groupCount + tripleGroupCount)
    }

    /// A pair can stand side by side only in a field holding both words (and three in a row
    /// only where both of their pairs can).
    override func tighten(_ doc: Int32, _ bound: inout ScoreBound) {
        // A group can earn its point only if one of its pairs shares a field (64 pairs at most,
        // so groups fit in a bit set).
        var apart: UInt64 = 0, possible: UInt64 = 0
        for i in 0..<pa.count {
            if pa.with(i, { a in pb.with(i) { b in a.fieldMask(at: doc) & b.fieldMask(at: doc) == 0 } }) {
                apart |= 1 << UInt64(i)
            } else {
                possible |= 1 << UInt64(pairGroup[i])
            }
        }
        bound.points -= Double(groupCount - possible.nonzeroBitCount)
        var triplePossible: UInt64 = 0
        for (k, (p, q)) in triples.enumerated() where apart & (1 << UInt64(p)) == 0 && apart & (1 << UInt64(q)) == 0 {
            triplePossible |= 1 << UInt64(tripleGroup[k])
        }
        bound.points -= Double(tripleGroupCount - triplePossible.nonzeroBitCount)
    }

    /// Whether `w` (as typed, or in any form) stands right after a word of `before` or right
    /// before one of `after` in one of `fields` of document d.
    static func beside(_ w: WordMatcher, _ before: [WordMatcher], _ after: [WordMatcher], fields: UInt32, _ d: Int32, asTyped: Bool) -> Bool {
        var candidates = fields
        while candidates != 0 {
            let f = Field(rawValue: UInt8(candidates.trailingZeroBitCount))!
            candidates &= candidates - 1
            func near(_ others: [WordMatcher], _ step: Int) -> Bool {
                for o in others where o.doc == d && o.fieldMask(at: d) & (1 << UInt32(f.rawValue)) != 0 {
                    // Loaded again for each neighbour: each matcher has one position buffer.
                    guard o.loadPositions(field: f, d), asTyped ? w.loadExactPositions(field: f, d) : w.loadPositions(field: f, d) else { continue }
                    for i in 0..<w.positionCount where Int(w.positions[i]) + step >= 0 && o.hasPosition(UInt32(Int(w.positions[i]) + step)) { return true }
                }
                return false
            }
            if near(before, -1) || near(after, 1) { return true }
        }
        return false
    }

    /// Whether a, b and c stand in a row in some field of document d.
    func inRow(_ a: WordMatcher, _ b: WordMatcher, _ c: WordMatcher, _ d: Int32) -> Bool {
        var shared = a.fieldMask(at: d) & b.fieldMask(at: d) & c.fieldMask(at: d)
        while shared != 0 {
            let f = Field(rawValue: UInt8(shared.trailingZeroBitCount))!
            shared &= shared - 1
            guard a.loadPositions(field: f, d), b.loadPositions(field: f, d), c.loadPositions(field: f, d) else { continue }
            for i in 0..<a.positionCount where b.hasPosition(a.positions[i] + 1) && c.hasPosition(a.positions[i] + 2) { return true }
        }
        return false
    }

    /// Whether b directly follows a in some field of document d.
    func adjacent(_ a: WordMatcher, _ b: WordMatcher, _ d: Int32) -> Bool {
        var shared = a.fieldMask(at: d) & b.fieldMask(at: d)
        while shared != 0 {
            let f = Field(rawValue: UInt8(shared.trailingZeroBitCount))!
            shared &= shared - 1
            guard a.loadPositions(field: f, d), b.loadPositions(field: f, d) else { continue }
            for i in 0..<a.positionCount where b.hasPosition(a.positions[i] + 1) { return true }
        }
        return false
    }
}

/// Words together and in order, in one field.
final class PhraseMatcher: AndMatcher {
    let words: [WordMatcher]
    private let w: Borrowed<WordMatcher>

    init(words: [WordMatcher]) {
        self.words = words
        w = Borrowed(words)
        super.init(drivers: words, excluded: [], filters: [], sequence: [], adjacency: false)
    }

    deinit { w.free() }

    /// The fields holding the phrase at `holdingDoc`, found by `extraCheck` for `score`.
    private var holding: UInt32 = 0
    private var holdingDoc: Int32 = -1

    override func extraCheck(_ d: Int32) -> Bool {
        holding = fieldsHolding(d)
        holdingDoc = d
        return holding != 0
    }

    /// The fields of document d where the words stand together in order.
    func fieldsHolding(_ d: Int32) -> UInt32 {
        var candidates = UInt32.max
        var mask: UInt32 = 0
        for i in 0..<w.count { candidates &= w.with(i) { $0.fieldMask(at: d) } }
        next: while candidates != 0 {
            let bit = UInt32(candidates.trailingZeroBitCount)
            let f = Field(rawValue: UInt8(bit))!
            candidates &= candidates - 1
            for i in 0..<w.count where !w.with(i, { $0.loadPositions(field: f, d) }) { continue next }
            // A start p with p + i among word i's positions for every i.
            let found = w.with(0) { first -> Bool in
                for j in 0..<first.positionCount {
                    let p = first.positions[j]
                    var all = true
                    for i in 1..<w.count where !w.with(i, { $0.hasPosition(p + UInt32(i)) }) { all = false; break }
                    if all { return true }
                }
                return false
            }
            if found { mask |= 1 << bit }
        }
        return mask
    }

    override func score(_ d: Int32, _ acc: inout Accumulator) {
        // The words count where they stand together, not also where they occur apart
        // (*thành phố* for *tp*: not the *Thành* of a name and the *phố* of *khu phố*).
        let fields = holdingDoc == d ? holding : fieldsHolding(d)
        for i in 0..<w.count { w.with(i) { $0.score(d, fields: fields, &acc) } }
        acc.points += Double(w.count - 1)   // the words stand together
    }

    override func addBound(_ d: Int32, _ b: inout ScoreBound) {
        for i in 0..<w.count { w.with(i) { $0.addBound(d, &b) } }
        b.points += Double(w.count - 1)
    }
}

/// Any child matches; matching children all score, or with `bestOnly` (a word and its
/// synonyms: one meaning, counted once) only the best-scoring one.
final class OrMatcher: Matcher {
    let children: [Matcher]
    private let c: Borrowed<Matcher>
    let bestOnly: Bool
    init(_ children: [Matcher], bestOnly: Bool = false) { self.children = children; c = Borrowed(children); self.bestOnly = bestOnly }
    deinit { c.free() }
    override var cost: Int { children.reduce(0) { $0 + $1.cost } }
    override var work: Int { children.reduce(0) { $0 + $1.work } }
    override func advance(to target: Int32) -> Int32 {
        var m = Int32.max
        for i in 0..<c.count {
            let cd = c.with(i) { c in c.doc < target ? c.advance(to: target) : c.doc }
            if cd < m { m = cd }
        }
        doc = m
        return m
    }
    override func score(_ d: Int32, _ acc: inout Accumulator) {
        guard bestOnly else {
            for i in 0..<c.count { c.with(i) { m in if m.doc == d { m.score(d, &acc) } } }
            return
        }
        var best: Accumulator?
        for i in 0..<c.count {
            c.with(i) { m in
                guard m.doc == d else { return }
                var one = Accumulator()
                m.score(d, &one)
                if best == nil || (one.points, one.bm25) > (best!.points, best!.bm25) { best = one }
            }
        }
        if let best { acc.points += best.points; acc.bm25 += best.bm25 }
    }
    override func addBound(_ d: Int32, _ b: inout ScoreBound) {
        guard bestOnly else {
            for i in 0..<c.count { c.with(i) { m in if m.doc == d { m.addBound(d, &b) } } }
            return
        }
        // The best child has at most the most points and at most the most BM25 of any.
        var most = ScoreBound()
        for i in 0..<c.count {
            c.with(i) { m in
                guard m.doc == d else { return }
                var one = ScoreBound()
                m.addBound(d, &one)
                most.points = max(most.points, one.points); most.bm25 = max(most.bm25, one.bm25)
            }
        }
        b.points += most.points; b.bm25 += most.bm25
    }
}

/// A synonym's match: the document matches through its child, but earns a fixed half point per
/// query word it stands for (below a folded match's one point) and half its BM25, so what was
/// typed always ranks first.
final class SynonymMatcher: Matcher {
    let child: Matcher
    let points: Double
    init(_ child: Matcher, covers: Int) { self.child = child; points = 0.5 * Double(covers) }
    override var cost: Int { child.cost }
    override var work: Int { child.work }
    override func advance(to target: Int32) -> Int32 {
        doc = child.doc < target ? child.advance(to: target) : child.doc
        return doc
    }
    override func score(_ d: Int32, _ acc: inout Accumulator) {
        var inner = Accumulator()
        child.score(d, &inner)
        acc.points += points
        acc.bm25 += 0.5 * inner.bm25
    }
    override func addBound(_ d: Int32, _ b: inout ScoreBound) {
        var inner = ScoreBound()
        child.addBound(d, &inner)
        b.points += points
        b.bm25 += 0.5 * inner.bm25
    }
}
