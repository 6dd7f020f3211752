import Foundation
import HosoCore
import Synchronization

/// How query words match.
public enum MatchMode: String, Sendable, CaseIterable {
    /// Exact keys rank above folded ones (tone and đ as typed first), both match.
    case ranked
    /// A word typed with diacritics must match them exactly (má ≠ mã).
    case exact
    /// Diacritics ignored entirely: every match is equal.
    case fold
}

public enum ResultOrder: String, Sendable, CaseIterable {
    case relevance, received, completed
}

public struct SearchOptions: Sendable {
    public var mode: MatchMode = .ranked
    public var sort: ResultOrder = .relevance
    public var limit = 10
    public var offset = 0
    public var facets = false
    /// Alternatives added to the query (UBND for Ủy ban nhân dân, lí for lý), ranked below
    /// what was typed; nil: none. Not applied in `.exact` mode.
    public var synonyms: SynonymTable? = .standard
    /// Threads for a costly query over a large index (nil: one per processor). The results
    /// do not depend on it.
    public var threads: Int?
    /// Estimated postings a query must walk before its work is spread over threads: below this,
    /// starting them costs more than it saves.
    var parallelCost = 50_000
    /// The fewest documents worth a slice of their own.
    var minSliceDocs = 16_384
    /// Slices per thread over the whole snapshot (more: finer balance, more trees to build).
    var slicesPerThread = 2
    /// Matched documents between two exchanges of the score to beat with the other slices.
    var floorExchangeInterval = 256
    /// Skip scoring documents whose score bound cannot beat the results kept (off only to test
    /// that it changes nothing).
    var prune = true
    public init() {}
}

/// Words of one result to emphasise: byte ranges in a stored text.
public struct Highlight: Sendable {
    public var field: Field
    public var text: String
    public var ranges: [Range<Int>]
}

public struct SearchHit: Sendable {
    public var document: IndexDocument
    /// Points (2 per word matched exactly, 1 per word matched without its diacritics, plus 1 per
    /// pair of query words found side by side), then BM25: points rank first.
    public var points: Double
    public var bm25: Double
    public var score: Double { points * 1000 + bm25 }
    public var highlight: Highlight?
    /// Whether the document holds the words typed in a row side by side in one field, as typed
    /// (a name found whole); nil when the query has no two words in a row.
    public var wordsTogether: Bool? = nil
}

public struct FacetCount: Sendable, Equatable {
    public var key: String
    public var label: String
    public var count: Int
}

public struct SearchResult: Sendable {
    public var total: Int
    public var hits: [SearchHit]
    public var facets: [String: [FacetCount]]
    /// Matches left unscored because they could not enter the page.
    var pruned = 0
}

/// Statistics over all live documents of a snapshot, so that scores do not depend on how the
/// documents are spread over segments.
struct GlobalStats {
    var docs: Int
    var averageLength: [Double]
    /// BM25's term-frequency part for small frequencies (almost every match) by field and length.
    let frequencyTable: FrequencyTable

    init(_ s: IndexSnapshot) {
        let docs = s.liveDocs
        self.docs = docs
        var sums = Array(repeating: 0, count: Field.textFields.count)
        for (i, seg) in s.segments.enumerated() {
            for f in 0..<sums.count { sums[f] += seg.lengthSum(f) - (s.deletions[i]?.lengthSums[f] ?? 0) }
        }
        averageLength = sums.map { docs > 0 ? Double($0) / Double(docs) : 0 }
        frequencyTable = FrequencyTable(averageLength: averageLength)
    }
}

/// `BM25.tf(f, length: l, averageLength: a)` for every text field, every frequency up to
/// `frequencies` and every length under `lengths`, computed once per snapshot by that same
/// function (so scores are bit-identical): scoring a match is then a load instead of two
/// divisions. Frequencies above 1 are common in the free-text field, where a procedure's words
/// repeat.
final class FrequencyTable: @unchecked Sendable {
    static let lengths = 256
    static let frequencies = 4
    let values: UnsafeMutablePointer<Double>

    init(averageLength: [Double]) {
        let perField = Self.frequencies * Self.lengths
        values = .allocate(capacity: max(1, averageLength.count) * perField)
        for (f, average) in averageLength.enumerated() {
            for freq in 1...Self.frequencies {
                for l in 0..<Self.lengths {
                    values[f * perField + (freq - 1) * Self.lengths + l] = BM25.tf(freq, length: l, averageLength: average)
                }
            }
        }
    }

    deinit { values.deallocate() }

    /// The values of text field `field` (index into `Field.textFields`), by frequency then length.
    func row(_ field: Int) -> UnsafePointer<Double> { UnsafePointer(values + field * Self.frequencies * Self.lengths) }
}

/// Runs queries over a snapshot.
public final class Searcher: @unchecked Sendable {
    public let snapshot: IndexSnapshot
    let stats: GlobalStats

    public init(snapshot: IndexSnapshot) {
        self.snapshot = snapshot
        stats = GlobalStats(snapshot)
    }

    public func search(_ typed: QueryNode, options: SearchOptions = SearchOptions()) -> SearchResult {
        let query = options.mode == .exact ? typed : (options.synonyms?.expand(typed) ?? typed)
        let threads = max(1, options.threads ?? Parallel.defaultWorkers)
        let plan = Plan(query, mode: options.mode, snapshot: snapshot, stats: stats, threads: threads)
        // At most every document, however far the page is asked for (no overflow either).
        let docs = snapshot.segments.reduce(0) { $0 + $1.docCount }
        let k = min(max(0, options.offset), docs) + min(max(0, options.limit), docs)
        let slices = plan.slices(threads: threads, parallelCost: options.parallelCost, minSliceDocs: options.minSliceDocs,
                                 slicesPerThread: options.slicesPerThread)
        if options.facets { for seg in snapshot.segments { _ = seg.ordinalTables } }  // loaded once, before any thread reads them
        let tallies = SliceTallies(count: slices.items.count)
        let floor = SharedFloor(segments: snapshot.segments)
        let run: @Sendable (Int) -> Void = { [snapshot] i in
            tallies.slots[i] = Self.evaluate(slices.items[i], snapshot: snapshot, k: k, options: options, floor: floor)
        }
        Parallel.forEach(count: slices.items.count, workers: slices.split ? threads : 1, run)

        // Merge in slice order; the heap's order is total (ties end on the dossier number), so
        // the page does not depend on how the work was divided.
        var total = 0, pruned = 0
        var heap = TopK(capacity: k, sort: options.sort, segments: snapshot.segments)
        var facetProcedures: [String: (String, Int)] = [:]
        var facetAgencies: [String: (String, Int)] = [:]
        var facetYears: [Int: Int] = [:]
        var facetStatus: [Int: Int] = [:]
        for (i, t) in tallies.slots.enumerated() {
            guard let t else { continue }
            total += t.total
            pruned += t.pruned
            for e in t.heap.items { heap.offer(e) }
            guard options.facets else { continue }
            let tables = snapshot.segments[slices.items[i].segment].ordinalTables
            for (o, c) in t.procedures.enumerated() where c > 0 {
                let (code, name) = tables.procedures[o]
                facetProcedures[code] = (name, (facetProcedures[code]?.1 ?? 0) + c)
            }
            for (o, c) in t.agencies.enumerated() where c > 0 {
                let (code, name) = tables.agencies[o]
                facetAgencies[code] = (name, (facetAgencies[code]?.1 ?? 0) + c)
            }
            for (y, c) in t.years { facetYears[y, default: 0] += c }
            for (st, c) in t.statuses { facetStatus[st, default: 0] += c }
        }
        let ordered = heap.sorted()
        let page = ordered.dropFirst(max(0, options.offset)).prefix(max(0, options.limit))
        let hits = page.map { e -> SearchHit in
            let doc = snapshot.segments[e.segment].document(e.doc)
            return SearchHit(document: doc, points: e.points, bm25: e.bm25, highlight: plan.highlight(doc), wordsTogether: plan.holdsTypedRun(doc))
        }
        var facets: [String: [FacetCount]] = [:]
        if options.facets {
            // Each code by the name its latest dossier gives it, as stats names a group (an agency
            // renamed shows its current name), whatever order the dossiers were indexed in.
            let names = Self.latestNames(snapshot, procedures: Set(facetProcedures.keys), agencies: Set(facetAgencies.keys), threads: threads)
            for (code, name) in names.procedures { facetProcedures[code]?.0 = name }
            for (code, name) in names.agencies { facetAgencies[code]?.0 = name }
            func sortCounts(_ a: [FacetCount]) -> [FacetCount] { a.sorted { ($0.count, $1.key) > ($1.count, $0.key) } }
            facets["procedure"] = sortCounts(facetProcedures.map { FacetCount(key: $0.key, label: $0.value.0, count: $0.value.1) })
            facets["agency"] = sortCounts(facetAgencies.map { FacetCount(key: $0.key, label: $0.value.0, count: $0.value.1) })
            facets["year"] = facetYears.map { FacetCount(key: String($0.key), label: String($0.key), count: $0.value) }.sorted { $0.key > $1.key }
            facets["status"] = sortCounts(facetStatus.map { s in
                let name = s.key < StatusCode.statuses.count ? StatusCode.statuses[s.key] : "?"
                return FacetCount(key: name, label: name, count: s.value)
            })
        }
        return SearchResult(total: total, hits: hits, facets: facets, pruned: pruned)
    }

    /// The name of each procedure and agency code as its latest live dossier gives it
    /// (`Segment.receivedLater`: the latest day, then the greater number), as `stats` names a
    /// group. Each segment of format 4 names its latest document of each code; where that one is
    /// deleted (a new version replaced it), or the segment is older, its live documents are read
    /// from the columns. A segment's name alone would be its own latest dossier's, deleted or
    /// not, and one built before format 4 names the dossier indexed last: after a correction of
    /// an older dossier, not the latest one, and not the same in an index built entry by entry
    /// and one rebuilt.
    static func latestNames(_ snapshot: IndexSnapshot, procedures: Set<String>, agencies: Set<String>, threads: Int)
        -> (procedures: [String: String], agencies: [String: String]) {
        let wanted = [procedures.sorted(), agencies.sorted()]
        let slots = wanted[0].count + wanted[1].count
        let segments = snapshot.segments
        // Documents as (segment << 32 | doc); -1 for none.
        func later(_ a: Int, than b: Int) -> Bool {
            guard b >= 0 else { return true }
            let x = segments[a >> 32], i = a & 0xFFFF_FFFF, y = segments[b >> 32], j = b & 0xFFFF_FFFF
            return Segment.receivedLater(day: x.receivedDay(i), x.numberBytes(i), than: y.receivedDay(j), y.numberBytes(j))
        }
        // Per segment: ordinal → slot (-1 for a code not asked for), for each kind.
        let positions = (0..<2).map { kind in
            Dictionary(uniqueKeysWithValues: wanted[kind].enumerated().map { ($1, $0 + (kind == 0 ? 0 : wanted[0].count)) })
        }
        let slotTables: [[[Int]]] = segments.map { seg in
            let tables = seg.ordinalTables
            return [tables.procedures, tables.agencies].enumerated().map { kind, table in table.map { positions[kind][$0.0] ?? -1 } }
        }
        var latest = [Int](repeating: -1, count: slots)
        // The latest document's name where a segment's table gives it (its named document's):
        // nothing to decode.
        var latestName = [String?](repeating: nil, count: slots)
        var toScan: [(segment: Int, slots: [Bool])] = []
        for (s, seg) in segments.enumerated() {
            let dels = snapshot.deletions[s]
            var scan = [Bool](repeating: false, count: slots), any = false
            let named = seg.latestOfOrdinals.map { [$0.procedures, $0.agencies] }
            let tables = [seg.ordinalTables.procedures, seg.ordinalTables.agencies]
            for kind in 0..<2 {
                for (o, slot) in slotTables[s][kind].enumerated() where slot >= 0 {
                    if let doc = named?[kind][o], dels?.isDeleted(doc) != true {
                        if later(s << 32 | doc, than: latest[slot]) { latest[slot] = s << 32 | doc; latestName[slot] = tables[kind][o].1 }
                    } else {
                        scan[slot] = true; any = true
                    }
                }
            }
            if any { toScan.append((s, scan)) }
        }
        // The segments whose named document is gone (or that name none): their live documents
        // of those codes, from the columns.
        let jobs = toScan
        let scanned = Parallel.map(jobs.indices.map { $0 }, workers: threads) { k -> [Int] in
            let s = jobs[k].segment, wantedSlots = jobs[k].slots, seg = segments[s], dels = snapshot.deletions[s]
            let procedureSlot = slotTables[s][0].map { $0 >= 0 && wantedSlots[$0] ? $0 : -1 }
            let agencySlot = slotTables[s][1].map { $0 >= 0 && wantedSlots[$0] ? $0 : -1 }
            var best = [Int](repeating: -1, count: slots)
            var bestDay = [Int32](repeating: .min, count: slots)
            best.withUnsafeMutableBufferPointer { best in
                bestDay.withUnsafeMutableBufferPointer { bestDay in
                    for d in 0..<seg.docCount {
                        if let dels, dels.isDeleted(d) { continue }
                        let day = seg.receivedDay(d)
                        for kind in 0..<2 {
                            let slot = kind == 0 ? procedureSlot[seg.procedureOrdinal(d)] : agencySlot[seg.agencyOrdinal(d)]
                            // An earlier day is out at once; the same day needs the numbers.
                            guard slot >= 0, day >= bestDay[slot] else { continue }
                            if day == bestDay[slot] && !Segment.receivedLater(day: day, seg.numberBytes(d), than: day, seg.numberBytes(best[slot] & 0xFFFF_FFFF)) { continue }
                            best[slot] = s << 32 | d
                            bestDay[slot] = day
                        }
                    }
                }
            }
            return best
        }
        for best in scanned {
            for slot in 0..<slots where best[slot] >= 0 && later(best[slot], than: latest[slot]) { latest[slot] = best[slot]; latestName[slot] = nil }
        }
        var out: [[String: String]] = [[:], [:]]
        for kind in 0..<2 {
            let base = kind == 0 ? 0 : wanted[0].count
            for (c, code) in wanted[kind].enumerated() where latest[base + c] >= 0 {
                if let name = latestName[base + c] { out[kind][code] = name; continue }
                // Found in the columns: its stored fields give its name (the segment's table, if
                // they cannot be read).
                let seg = segments[latest[base + c] >> 32], d = latest[base + c] & 0xFFFF_FFFF
                let doc = seg.document(d)
                let name = kind == 0 ? doc.procedureName : doc.agencyName
                out[kind][code] = !name.isEmpty ? name
                    : kind == 0 ? seg.ordinalTables.procedures[seg.procedureOrdinal(d)].1 : seg.ordinalTables.agencies[seg.agencyOrdinal(d)].1
            }
        }
        return (out[0], out[1])
    }

    /// Matches, counts and scores the documents of one slice. `floor` carries the score to beat
    /// from slice to slice (and thread to thread), so that a slice skips the adjacency bonus
    /// where the others already show it cannot matter.
    private static func evaluate(_ slice: Slice, snapshot: IndexSnapshot, k: Int, options: SearchOptions, floor: SharedFloor) -> SliceTally {
        let s = slice.segment, seg = snapshot.segments[s], root = slice.root
        let dels = snapshot.deletions[s]
        var t = SliceTally(heap: TopK(capacity: k, sort: options.sort, segments: snapshot.segments))
        if options.facets {
            t.procedures = [Int](repeating: 0, count: seg.ordinalTables.procedures.count)
            t.agencies = [Int](repeating: 0, count: seg.ordinalTables.agencies.count)
        }
        // The result to beat: this slice's worst kept or the others' best such, whichever ranks
        // higher; it changes only when this slice keeps a result or hears from the others.
        var best = floor.raise(to: nil)
        let segments = snapshot.segments
        let interval = max(1, options.floorExchangeInterval)
        var untilExchange = interval
        defer { _ = floor.raise(to: t.heap.floor) }
        var d = slice.start
        while true {
            d = root.advance(to: d)
            if d >= slice.end { break }      // also Int32.max: no more matches
            let doc = Int(d)
            if dels?.isDeleted(doc) != true {
                t.total += 1
                if options.facets {
                    t.procedures[seg.procedureOrdinal(doc)] += 1
                    t.agencies[seg.agencyOrdinal(doc)] += 1
                    t.years[seg.year(doc), default: 0] += 1
                    t.statuses[Int(seg.status(doc)), default: 0] += 1
                }
                if k > 0 {
                    untilExchange -= 1
                    if untilExchange == 0 {
                        best = floor.raise(to: t.heap.floor)   // the others' and this slice's
                        untilExchange = interval
                    }
                    if let best, options.prune, Self.cannotBeat(root, d, in: s, best, segments) {
                        t.pruned += 1
                    } else {
                        var acc = Accumulator()
                        root.score(d, &acc)
                        if t.heap.offer(points: acc.points, bm25: acc.bm25, segment: s, doc: doc) {
                            best = floor.higher(t.heap.floor, best)
                        }
                    }
                }
            }
            d &+= 1
        }
        return t
    }
}

extension Searcher {
    /// Whether document `d` of segment `s` cannot rank before `floor` (the worst result kept):
    /// the most the root could score at it is below, or at most equal with a tie-break it loses
    /// (an earlier received day, then the dossier number), as `TopK` would rank them. Equal
    /// scores are common: dossiers of one procedure often share their title word for word.
    ///
    /// The bound's BM25 is the score's, computed in the same order (only the adjacency points are
    /// assumed: every pair at first, then only pairs sharing a field), so a tie is seen as one;
    /// the strict test still widens it by a billionth.
    @inline(__always)
    static func cannotBeat(_ root: Matcher, _ d: Int32, in s: Int, _ floor: ScoreFloor, _ segments: [Segment]) -> Bool {
        var b = ScoreBound()
        root.addBound(d, &b)
        if ranksAfter(b, d, in: s, floor, segments) { return true }
        root.tighten(d, &b)
        return ranksAfter(b, d, in: s, floor, segments)
    }

    @inline(__always)
    private static func ranksAfter(_ b: ScoreBound, _ d: Int32, in s: Int, _ floor: ScoreFloor, _ segments: [Segment]) -> Bool {
        if b.points != floor.points { return b.points < floor.points }
        if b.bm25 * (1 + 1e-9) < floor.bm25 { return true }
        guard b.bm25 <= floor.bm25 else { return false }
        // At best a tie: it ranks after unless the page's own tie-break puts it first.
        let tied = ScoreFloor(points: floor.points, bm25: floor.bm25, key: segments[s].receivedDay(Int(d)), segment: s, doc: Int(d))
        return !TopK.ranksBefore(tied, floor, byRelevance: segments)
    }
}

/// The highest score any slice's results have had to beat so far: the k-th result of a slice
/// ranks at most as the k-th of the whole query, so a document that cannot beat it cannot
/// enter the page. Slices publish theirs and read the others' every few hundred matches.
final class SharedFloor: Sendable {
    private let value = Mutex<ScoreFloor?>(nil)
    private let segments: [Segment]

    init(segments: [Segment]) { self.segments = segments }

    /// Raises the shared floor to `f` where that ranks higher; returns it.
    func raise(to f: ScoreFloor?) -> ScoreFloor? {
        value.withLock { v in
            v = higher(v, f)
            return v
        }
    }

    /// The higher of two floors by relevance (nil: none).
    @inline(__always) func higher(_ a: ScoreFloor?, _ b: ScoreFloor?) -> ScoreFloor? {
        guard let a else { return b }
        guard let b else { return a }
        return TopK.ranksBefore(a, b, byRelevance: segments) ? a : b
    }
}

/// A range of one segment's documents with its own evaluation tree: a costly query over a large
/// segment is cut into several, evaluated on all cores.
struct Slice {
    let segment: Int
    let start: Int32
    let end: Int32
    let root: Matcher
}

/// The slices of one query. The trees are only read by the thread that evaluates their slice.
struct Slices: @unchecked Sendable {
    var items: [Slice] = []
    /// Some segment was cut (otherwise one thread does all: cheaper than starting others).
    var split = false
}

/// What one slice found.
struct SliceTally {
    var total = 0
    /// Matches not scored: their bound could not beat the results kept.
    var pruned = 0
    var heap: TopK
    var procedures: [Int] = []
    var agencies: [Int] = []
    var years: [Int: Int] = [:]
    var statuses: [Int: Int] = [:]
}

/// One result slot per slice, each written by the one thread that evaluates the slice.
final class SliceTallies: @unchecked Sendable {
    let slots: UnsafeMutableBufferPointer<SliceTally?>
    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }
    deinit {
        slots.deinitialize()
        slots.deallocate()
    }
}

/// A result a document must rank before to enter the page: the worst one kept.
typealias ScoreFloor = TopK.Entry

/// The most a matcher could score at a document: summed like a score.
typealias ScoreBound = Accumulator

/// A score being summed: points first, then BM25.
struct Accumulator {
    var points = 0.0
    var bm25 = 0.0
}

/// The best `capacity` results so far, by the sort order; ties broken by dossier number so that
/// results do not depend on segment layout.
struct TopK {
    struct Entry { var points: Double; var bm25: Double; var key: Int32; var segment: Int; var doc: Int }
    let capacity: Int
    let sort: ResultOrder
    let segments: [Segment]
    var items: [Entry] = []

    init(capacity: Int, sort: ResultOrder, segments: [Segment]) {
        self.capacity = capacity; self.sort = sort; self.segments = segments
        items.reserveCapacity(min(capacity, 4096))
    }

    /// Whether a ranks before b.
    func better(_ a: Entry, _ b: Entry) -> Bool {
        switch sort {
        case .relevance:
            return Self.ranksBefore(a, b, byRelevance: segments)
        case .received, .completed:
            // Newest first: by day, then (columns hold days, not times) the later serial of the
            // dossier number (its last part counts the dossiers an office received that day),
            // then the number. Not relevance: an officer sorting by date reads a timeline.
            if a.key != b.key { return a.key > b.key }
            if sort == .completed {
                // The same completion day, or none (open dossiers, last): by the day received.
                let ra = segments[a.segment].receivedDay(a.doc), rb = segments[b.segment].receivedDay(b.doc)
                if ra != rb { return ra > rb }
            }
            let serial = Segment.compareSerials(segments[a.segment], a.doc, segments[b.segment], b.doc)
            if serial != 0 { return serial > 0 }
            return Segment.compareNumbers(segments[a.segment], a.doc, segments[b.segment], b.doc) > 0
        }
    }

    /// Whether a ranks before b by relevance: points, BM25, the later received day, then the
    /// dossier number.
    @inline(__always)
    static func ranksBefore(_ a: Entry, _ b: Entry, byRelevance segments: [Segment]) -> Bool {
        if a.points != b.points { return a.points > b.points }
        if a.bm25 != b.bm25 { return a.bm25 > b.bm25 }
        if a.key != b.key { return a.key > b.key }
        return Segment.compareNumbers(segments[a.segment], a.doc, segments[b.segment], b.doc) < 0
    }

    /// The worst result kept once full, when ranking by relevance (otherwise nil: dates come
    /// first and scores cannot bound anything).
    var floor: ScoreFloor? {
        guard sort == .relevance, capacity > 0, items.count == capacity else { return nil }
        return items[0]
    }

    /// Keeps the result if it ranks among the best `capacity`; returns whether it was kept.
    @discardableResult
    mutating func offer(points: Double, bm25: Double, segment: Int, doc: Int) -> Bool {
        guard capacity > 0 else { return false }
        let seg = segments[segment]
        let key: Int32
        switch sort {
        case .relevance, .received: key = seg.receivedDay(doc)
        case .completed: key = seg.completedDay(doc)
        }
        return offer(Entry(points: points, bm25: bm25, key: key, segment: segment, doc: doc))
    }

    @discardableResult
    mutating func offer(_ e: Entry) -> Bool {
        guard capacity > 0 else { return false }
        if items.count < capacity {
            items.append(e)
            siftUp(items.count - 1)
        } else if better(e, items[0]) {
            items[0] = e
            siftDown(0)
        } else {
            return false
        }
        return true
    }

    // A heap whose root is the worst entry kept.
    mutating func siftUp(_ i0: Int) {
        var i = i0
        while i > 0 {
            let p = (i - 1) / 2
            if better(items[p], items[i]) { items.swapAt(p, i); i = p } else { break }
        }
    }
    mutating func siftDown(_ i0: Int) {
        var i = i0
        while true {
            let l = 2 * i + 1, r = l + 1
            var worst = i
            if l < items.count && better(items[worst], items[l]) { worst = l }
            if r < items.count && better(items[worst], items[r]) { worst = r }
            if worst == i { return }
            items.swapAt(i, worst); i = worst
        }
    }

    func sorted() -> [Entry] { items.sorted { better($0, $1) } }
}
