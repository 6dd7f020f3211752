import Foundation
import Testing
import HosoCore
import HosoTestSupport
@testable import HosoIndex

func document(_ i: Int, title: String, applicant: String = "Nguyễn Văn A", number: String? = nil) -> IndexDocument {
    IndexDocument(number: number ?? String(format: "000.00.21.H50-230512-%04d", i), manifest: "sha256:\(i)",
                  text: [.title: [title], .applicant: [applicant], .place: ["Phường \(i % 7)", "Quảng Trị"]],
                  keywords: [.code: [number ?? String(format: "000.00.21.H50-230512-%04d", i)], .status: ["completed"]],
                  receivedDay: Int32(19000 + i % 500), dueDay: Int32(19001 + i % 500), completedDay: Int32(19001 + i % 500),
                  status: "completed", timeliness: "on-time", procedureCode: "1.00119\(i % 3)", procedureName: "Thủ tục \(i % 3)",
                  agencyCode: "000.00.2\(i % 4).H50", agencyName: "UBND \(i % 4)", title: title, applicant: applicant,
                  receivedText: "", dueText: "", completedText: "")
}

/// Document `i` of the small merge tests: one of three titles, one of two applicants, unless
/// `title` is given.
func mergeTestDocument(_ i: Int, title: String? = nil) -> IndexDocument {
    document(i, title: title ?? ["khai sinh", "kết hôn", "hòa giải"][i % 3] + " \(i)", applicant: ["Nguyễn Văn Hòa", "Trần Thị Hoa"][i % 2])
}

/// A writer whose segments hold at most 10 documents, so that merges show on a few.
func smallSegmentWriter(_ folder: String, maxSegments: Int = 8) throws -> IndexWriter {
    let w = try IndexWriter(folder: folder)
    w.maxSegments = maxSegments
    w.maxMergeDocs = 10
    return w
}

/// A search's answer as one comparable line: total, page (number, points, BM25) and facets.
func page(_ r: SearchResult) -> String {
    "\(r.total) " + r.hits.map { "\($0.document.number)=\($0.points)/\($0.bm25)" }.joined(separator: " ")
        + " " + r.facets.keys.sorted().map { k in k + ":" + r.facets[k]!.map { "\($0.key)=\($0.count)" }.joined(separator: ",") }.joined(separator: ";")
}

@Suite struct SegmentTests {
    /// Postings written and read back: random documents, every term's documents, frequencies and
    /// positions, by next() and by advance(to:) over skip blocks.
    @Test func postingsRoundTrip() throws {
        let folder = TemporaryFolder()
        // A new seed each run (more cases over time), named in every failure so that it can be
        // replayed with HOSO_TEST_SEED.
        let seed = ProcessInfo.processInfo.environment["HOSO_TEST_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)
        var rng = SeededGenerator(seed: seed)
        let vocabulary = ["hòa", "hoà", "hóa", "mã", "má", "ma", "đăng", "ký", "khai", "sinh", "giấy", "phép", "xây", "dựng", "nước"]
        for round in 0..<6 {
            let n = [1, 7, 129, 300, 1000, 2500][round]
            let builder = SegmentBuilder()
            var expected: [String: [(Int, [UInt32])]] = [:]     // folded key in title → (doc, positions)
            for d in 0..<n {
                var words = (0..<Int.random(in: 1...12, using: &rng)).map { _ in vocabulary.randomElement(using: &rng)! }
                // Gaps and frequencies of every width: a word in every third document, one in
                // a random fifth, one in every 61st, and a word said hundreds of times.
                if d % 3 == 0 { words.append("ba") }
                if Int.random(in: 0..<5, using: &rng) == 0 { words.append("ngẫu") }
                if d % 61 == 0 { words.append("hiếm") }
                if d % 97 == 5 { words += Array(repeating: "lặp", count: Int.random(in: 100...600, using: &rng)) }
                builder.add(document(d, title: words.joined(separator: " ")))
                var pos: [String: [UInt32]] = [:]
                for (p, w) in words.enumerated() { pos[String(decoding: Analyzer().keys(w)[0].folded, as: UTF8.self), default: []].append(UInt32(p)) }
                for (k, ps) in pos { expected[k, default: []].append((d, ps)) }
            }
            let context: Comment = "HOSO_TEST_SEED=\(seed), round \(round)"
            let path = folder.sub("s\(round).hix")
            _ = try builder.write(to: path)
            let seg = try Segment(path: path)
            #expect(seg.docCount == n, context)
            #expect(seg.verifyChecksum(), context)
            for (key, docs) in expected {
                let ord = try #require(seg.ordinal(of: Term.make(.title, .folded, Array(key.utf8))), context)
                #expect(seg.docFreq(ord) == docs.count, context)
                #expect(seg.totalFreq(ord) == docs.reduce(0) { $0 + $1.1.count }, context)
                var c = seg.postings(ord)
                var positions: [UInt32] = []
                for (d, ps) in docs {
                    let more = c.next()
                    #expect(more, context)
                    #expect(Int(c.doc) == d, context)
                    #expect(c.freq == ps.count, context)
                    if Bool.random(using: &rng) { c.positions(into: &positions); #expect(positions == ps, context) }
                }
                let after = c.next()
                #expect(!after, context)
                // advance(to:) lands on the first document at or after each target.
                for _ in 0..<20 {
                    let target = Int32.random(in: 0..<Int32(n + 2), using: &rng)
                    var a = seg.postings(ord)
                    let found = a.advance(to: target)
                    let want = docs.first { $0.0 >= Int(target) }
                    #expect(found == (want != nil), context)
                    if let want {
                        #expect(Int(a.doc) == want.0, context)
                        a.positions(into: &positions)
                        #expect(positions == want.1, context)
                    }
                }
            }
            // Stored documents and columns come back.
            let d0 = seg.document(0)
            #expect(d0.number == "000.00.21.H50-230512-0000")
            #expect(seg.receivedDay(n - 1) == Int32(19000 + (n - 1) % 500))
            #expect(seg.ordinals(withPrefix: Term.make(.title, .folded, Array("h".utf8))).count == expected.keys.filter { $0.hasPrefix("h") }.count)
        }
    }

    /// Format 4 names each agency and procedure code by its latest document (the latest day, then
    /// the greater number), not by the one added last; older formats name none.
    @Test func eachCodeIsNamedByItsLatestDocument() throws {
        func doc(_ serial: Int, day: Int32, name: String) -> IndexDocument {
            var d = document(serial, title: "Đăng ký khai sinh")
            d.receivedDay = day; d.agencyCode = "000.00.21.H50"; d.agencyName = name
            d.procedureCode = "1.001193"; d.procedureName = name
            return d
        }
        let builder = SegmentBuilder()
        for d in [doc(2, day: 10, name: "old name"), doc(3, day: 12, name: "new name"), doc(1, day: 12, name: "older name")] { builder.add(d) }
        let folder = TemporaryFolder()
        _ = try builder.write(to: folder.sub("s.hix"))
        let seg = try Segment(path: folder.sub("s.hix"))
        #expect(seg.ordinalTables.agencies.map(\.1) == ["new name"] && seg.ordinalTables.procedures.map(\.1) == ["new name"])
        #expect(seg.latestOfOrdinals?.agencies == [1] && seg.latestOfOrdinals?.procedures == [1])
        let old = try Segment(path: Repository.path("Tests/HosoIndexTests/Fixtures/segment-v1.hix"))
        #expect(old.latestOfOrdinals == nil)
    }

    /// A segment written by format 1 (varint postings, committed as a fixture) reads exactly as
    /// the same documents written by the current format: every term's documents, frequencies,
    /// positions and skips, so archives indexed before the format changed need no rebuild.
    @Test func formatOneSegmentsReadLikeCurrentOnes() throws {
        let old = try Segment(path: Repository.path("Tests/HosoIndexTests/Fixtures/segment-v1.hix"))
        #expect(old.formatVersion == 1)
        #expect(old.verifyChecksum())
        let builder = SegmentBuilder()
        for d in 0..<old.docCount { builder.add(old.document(d)) }
        let folder = TemporaryFolder()
        _ = try builder.write(to: folder.sub("new.hix"))
        let new = try Segment(path: folder.sub("new.hix"))
        #expect(new.formatVersion == SegmentFormat.version)
        #expect(new.termCount == old.termCount)
        var multiBlock = 0
        var a: [UInt32] = [], b: [UInt32] = []
        for o in 0..<old.termCount {
            #expect(new.term(o) == old.term(o))
            #expect(new.docFreq(o) == old.docFreq(o))
            #expect(old.totalFreq(o) == nil)
            if old.docFreq(o) > SegmentFormat.blockSize { multiBlock += 1 }
            var x = old.postings(o), y = new.postings(o)
            var total = 0
            while x.next() {
                let more = y.next()
                #expect(more)
                #expect(x.doc == y.doc && x.freq == y.freq)
                x.positions(into: &a); y.positions(into: &b)
                #expect(a == b)
                total += y.freq
            }
            let after = y.next()
            #expect(!after)
            #expect(new.totalFreq(o) == total)
            for target in stride(from: Int32(0), to: Int32(old.docCount + 1), by: 17) {
                var x = old.postings(o), y = new.postings(o)
                let (fx, fy) = (x.advance(to: target), y.advance(to: target))
                #expect(fx == fy)
                #expect(x.doc == y.doc && x.freq == y.freq)
            }
        }
        #expect(multiBlock > 10)    // the fixture exercises skips and packed blocks
    }

    @Test func damagedSegmentsAreRefusedOrCaught() throws {
        let folder = TemporaryFolder()
        let builder = SegmentBuilder()
        for i in 0..<50 { builder.add(document(i, title: "đăng ký khai sinh \(i)")) }
        let path = folder.sub("s.hix")
        _ = try builder.write(to: path)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        chmod(path, 0o644)
        bytes[bytes.count / 2] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try !Segment(path: path).verifyChecksum())
        try Data(bytes.prefix(100)).write(to: URL(fileURLWithPath: path))
        #expect(throws: IndexFileError.self) { try Segment(path: path) }
        var wrongVersion = bytes; wrongVersion[8] = 9
        try Data(wrongVersion).write(to: URL(fileURLWithPath: path))
        #expect(throws: IndexFileError.self) { try Segment(path: path) }
    }

    func answers(_ folder: String, _ queries: [String]) throws -> [String] {
        let searcher = Searcher(snapshot: try IndexSnapshot.open(folder))
        var out: [String] = []
        for q in queries {
            var o = SearchOptions(); o.limit = 20; o.facets = true
            let r = searcher.search(try QueryParser.parse(q), options: o)
            out.append("\(q): \(r.total) " + r.hits.map { "\($0.document.number)=\($0.points)/\(String(format: "%.9f", $0.bm25))" }.joined(separator: " ")
                       + " " + (r.facets["procedure"] ?? []).map { "\($0.key):\($0.count)" }.joined(separator: ","))
        }
        return out
    }

    /// An index of `count` documents whose titles are 2 to 9 random words of `vocabulary`, in
    /// segments of `perSegment` (no merging), reproducible from `seed`.
    func randomIndex(_ folder: String, seed: UInt64, count: Int, perSegment: Int, vocabulary: [String]) throws -> (IndexWriter, [IndexDocument]) {
        var rng = SeededGenerator(seed: seed)
        var docs: [IndexDocument] = []
        for i in 0..<count {
            let words = (0..<Int.random(in: 2...9, using: &rng)).map { _ in vocabulary.randomElement(using: &rng)! }
            docs.append(document(i, title: words.joined(separator: " "), applicant: ["Nguyễn Văn Hòa", "Trần Thị Thủy", "Lê Văn Hoá"][i % 3]))
        }
        let w = try IndexWriter(folder: folder)
        w.maxSegments = 100
        for chunk in stride(from: 0, to: docs.count, by: perSegment) {
            try w.apply(Array(docs[chunk..<min(chunk + perSegment, docs.count)]), ledgerHead: "sha256:x", ledgerSequence: chunk / perSegment + 1)
        }
        return (w, docs)
    }

    /// The first results of a short page are the first results of a long one: skipping work
    /// for documents that cannot enter the page (the adjacency bonus looked for only where it
    /// could matter) never changes what is found or in which order.
    @Test func shortPagesArePrefixesOfTheFullRanking() throws {
        let t = TemporaryFolder()
        let (_, docs) = try randomIndex(t.sub("i"), seed: 20261129, count: 1500, perSegment: 300,
                                        vocabulary: ["đăng", "ký", "khai", "sinh", "kết", "hôn", "giấy", "phép", "xây", "dựng", "hòa", "hoà", "hóa", "giải"])
        let searcher = Searcher(snapshot: try IndexSnapshot.open(t.sub("i")))
        let queries = ["đăng ký khai sinh", "dang ky", "giấy phép xây dựng", "hoa giai", "hòa giải kết hôn", "ký sinh", "xây -dựng hòa",
                       "khai sinh OR kết hôn", "\"đăng ký\" sinh"]
        for q in queries {
            let parsed = try QueryParser.parse(q)
            var all = SearchOptions(); all.limit = docs.count
            let full = searcher.search(parsed, options: all).hits.map { "\($0.document.number) \($0.points) \($0.bm25)" }
            for limit in [1, 3, 10, 25] {
                var o = SearchOptions(); o.limit = limit
                let page = searcher.search(parsed, options: o).hits.map { "\($0.document.number) \($0.points) \($0.bm25)" }
                #expect(page == Array(full.prefix(limit)), "\(q), limit \(limit)")
                // Cut into slices on three threads that share the score to beat.
                o.threads = 3; o.parallelCost = 0; o.minSliceDocs = 40; o.slicesPerThread = 20; o.floorExchangeInterval = 3
                let sliced = searcher.search(parsed, options: o).hits.map { "\($0.document.number) \($0.points) \($0.bm25)" }
                #expect(sliced == Array(full.prefix(limit)), "\(q), limit \(limit), sliced")
            }
        }
    }

    /// Matches whose score bound cannot beat the page kept so far are not scored; the page,
    /// the total and the facets are those of scoring every match, in every mode and order, for
    /// words, synonyms, phrases, prefixes, exclusions and alternatives, on one thread and sliced.
    @Test func skippingHopelessMatchesChangesNoAnswer() throws {
        let t = TemporaryFolder()
        let (_, docs) = try randomIndex(t.sub("i"), seed: 11_2026, count: 2000, perSegment: 500,
                                        vocabulary: ["đăng", "ký", "khai", "sinh", "kết", "hôn", "giấy", "phép", "xây", "dựng", "hòa", "hoà",
                                                     "hóa", "giải", "má", "mã", "lý", "lí", "ủy", "ban", "nhân", "dân", "ubnd"])
        let searcher = Searcher(snapshot: try IndexSnapshot.open(t.sub("i")))
        let queries = ["đăng ký khai sinh", "dang ky", "giấy phép xây dựng", "hoa giai", "hòa", "ma", "má", "xây -dựng hòa",
                       "khai sinh OR kết hôn", "\"đăng ký\" sinh", "x* hòa", "nguyen hòa", "lý", "ubnd", "ủy ban nhân dân hòa",
                       "code:000.00.21.H50-230512-0007", "kết OR hôn OR giấy", "received:2022..2023 hòa"]
        var pruned = 0
        for q in queries {
            let parsed = try QueryParser.parse(q)
            for sort in ResultOrder.allCases {
                for mode in MatchMode.allCases {
                    for limit in [1, 10] {
                        var all = SearchOptions(); all.limit = limit; all.facets = true; all.sort = sort; all.mode = mode; all.prune = false
                        var skip = all; skip.prune = true
                        var sliced = skip; sliced.threads = 3; sliced.parallelCost = 0; sliced.minSliceDocs = 50; sliced.slicesPerThread = 10
                        sliced.floorExchangeInterval = 3
                        let full = searcher.search(parsed, options: all)
                        #expect(full.pruned == 0)
                        let a = searcher.search(parsed, options: skip), b = searcher.search(parsed, options: sliced)
                        #expect(page(a) == page(full), "\(q) \(sort) \(mode) \(limit)")
                        #expect(page(b) == page(full), "\(q) \(sort) \(mode) \(limit), sliced")
                        pruned += a.pruned
                    }
                }
            }
        }
        #expect(docs.count == 2000)
        #expect(pruned > 10_000)     // the bound really skipped work

        // Dossiers of one procedure share their title word for word: their scores tie, and the
        // later received day, then the dossier number, decide (days repeat every 500 here, so
        // four dossiers of a title share each day).
        let titles = ["chứng thực bản sao giấy khai sinh", "đăng ký khai sinh", "đăng ký kết hôn", "giấy phép xây dựng nhà ở"]
        let w = try IndexWriter(folder: t.sub("same"))
        w.maxSegments = 100
        // Dossier numbers in another order than the documents' (7919 is prime to 10,000).
        let same = (0..<1600).map { document($0, title: titles[$0 % titles.count], number: String(format: "000.00.21.H50-230512-%04d", $0 * 7919 % 10_000)) }
        for chunk in stride(from: 0, to: same.count, by: 400) {
            try w.apply(Array(same[chunk..<(chunk + 400)]), ledgerHead: "sha256:s", ledgerSequence: chunk / 400 + 1)
        }
        let tied = Searcher(snapshot: try IndexSnapshot.open(t.sub("same")))
        var tiesSkipped = 0
        for q in titles + ["chung thuc ban sao giay khai sinh", "đăng ký", "khai sinh OR kết hôn", "\"giấy phép\""] {
            let parsed = try QueryParser.parse(q)
            for limit in [1, 7, 30] {
                var all = SearchOptions(); all.limit = limit; all.prune = false
                var skip = all; skip.prune = true
                var sliced = skip; sliced.threads = 3; sliced.parallelCost = 0; sliced.minSliceDocs = 50; sliced.slicesPerThread = 10
                sliced.floorExchangeInterval = 3
                let full = tied.search(parsed, options: all)
                let a = tied.search(parsed, options: skip)
                #expect(page(a) == page(full), "\(q) \(limit)")
                #expect(page(tied.search(parsed, options: sliced)) == page(full), "\(q) \(limit), sliced")
                tiesSkipped += a.pruned
            }
        }
        #expect(tiesSkipped > 5_000)
    }

    /// A costly query is cut into ranges of documents evaluated on several threads; the page, the
    /// total and the facets are those of one thread, whatever the cut (here forced into slices
    /// of a few dozen documents, across segments with deletions, exchanging the score to beat
    /// every other document).
    @Test func slicedEvaluationChangesNoAnswer() throws {
        let t = TemporaryFolder()
        let (w, docs) = try randomIndex(t.sub("i"), seed: 7_2026, count: 1200, perSegment: 400,
                                        vocabulary: ["đăng", "ký", "khai", "sinh", "kết", "hôn", "giấy", "phép", "xây", "dựng", "hòa", "hoà", "hóa", "giải", "má", "mã"])
        let replaced = docs.prefix(60).map { d -> IndexDocument in var d = d; d.text[.title] = ["hòa giải lại"]; d.title = "hòa giải lại"; return d }
        try w.apply(Array(replaced), ledgerHead: "sha256:y", ledgerSequence: 9, merge: false)
        let searcher = Searcher(snapshot: try IndexSnapshot.open(t.sub("i")))
        let queries = ["đăng ký khai sinh", "dang ky", "giấy phép xây dựng", "hoa giai", "hòa", "ma", "xây -dựng hòa", "khai sinh OR kết hôn",
                       "\"đăng ký\" sinh", "x*", "nguyen", "received:2022..2023 hòa", "received:2020..2030"]
        var split = 0
        for q in queries {
            let parsed = try QueryParser.parse(q)
            for sort in ResultOrder.allCases {
                for mode in MatchMode.allCases {
                    var one = SearchOptions(); one.limit = 15; one.facets = true; one.sort = sort; one.mode = mode; one.threads = 1
                    var many = one; many.threads = 3; many.parallelCost = 0; many.minSliceDocs = 37; many.slicesPerThread = 20
                    many.floorExchangeInterval = 2
                    let plan = Plan(parsed, mode: mode, snapshot: searcher.snapshot, stats: searcher.stats)
                    if plan.slices(threads: 3, parallelCost: 0, minSliceDocs: 37, slicesPerThread: 20).items.count > 20 { split += 1 }
                    #expect(page(searcher.search(parsed, options: many)) == page(searcher.search(parsed, options: one)), "\(q) \(sort) \(mode)")
                }
            }
        }
        #expect(split > queries.count * 6)      // the work was really cut
    }

    /// Results are identical before and after merging, and after deletions, because statistics
    /// are taken over live documents whatever the segments.
    @Test func mergingChangesNoAnswer() throws {
        let t = TemporaryFolder()
        let words = ["đăng ký khai sinh", "đăng ký kết hôn", "chứng thực bản sao", "giấy phép xây dựng", "hòa giải", "hóa đơn", "mã hồ sơ", "má"]
        var docs: [IndexDocument] = []
        for i in 0..<900 { docs.append(document(i, title: words[i % words.count] + " \(words[(i * 7) % words.count])", applicant: ["Nguyễn Văn Hòa", "Trần Thị Thủy", "Lê Văn Hoá"][i % 3])) }
        let queries = ["đăng ký", "hoa", "hòa", "\"giấy phép\"", "ma", "má", "khai OR hôn", "nguyen -thuy", "thủy", "chứng thực bản sao", "xay*"]
        let a = t.sub("a")
        let w = try IndexWriter(folder: a)
        w.maxSegments = 100
        for chunk in stride(from: 0, to: docs.count, by: 100) {
            try w.apply(Array(docs[chunk..<(chunk + 100)]), ledgerHead: "sha256:x", ledgerSequence: chunk / 100 + 1)
        }
        #expect(w.manifest.segments.count == 9)
        let before = try answers(a, queries)
        try w.optimize()
        #expect(w.manifest.segments.count == 1)
        #expect(try answers(a, queries) == before)

        // New versions of some dossiers replace old ones; scores equal a fresh index of the same
        // live documents, before and after merging.
        var replaced = Array(docs.prefix(50)).map { d -> IndexDocument in var d = d; d.text[.title] = ["hòa giải lại"]; d.title = "hòa giải lại"; return d }
        replaced[0].text[.applicant] = ["Phạm Quốc Hòa"]
        try w.apply(replaced, ledgerHead: "sha256:y", ledgerSequence: 20, merge: false)
        #expect(w.manifest.segments.count == 2)
        let withDeletes = try answers(a, queries)
        let fresh = t.sub("fresh")
        try IndexWriter(folder: fresh).rebuild(Array(docs.dropFirst(50)) + replaced, ledgerHead: "sha256:y", ledgerSequence: 20)
        #expect(try answers(fresh, queries) == withDeletes)
        try w.optimize()
        #expect(try answers(a, queries) == withDeletes)
    }

    @Test func automaticMergesKeepSegmentCountBounded() throws {
        let t = TemporaryFolder()
        let w = try IndexWriter(folder: t.path)
        w.maxSegments = 4
        for i in 0..<12 { try w.apply([document(i, title: "khai sinh \(i)")], ledgerHead: "sha256:\(i)", ledgerSequence: i + 1) }
        #expect(w.manifest.segments.count <= 4)
        #expect(w.manifest.liveDocs == 12)
        let files = try FileManager.default.contentsOfDirectory(atPath: t.path).filter { $0.hasPrefix("seg-") }
        #expect(Set(files) == Set(w.manifest.segments.map(\.file)), "files no manifest names are removed")
    }
}

extension SegmentTests {
    /// Merges never write a segment above `maxMergeDocs` live documents (their memory is bounded
    /// whatever the archive's size), keep the small segments few, and change no answer.
    @Test func tieredMergesAreBounded() throws {
        let t = TemporaryFolder()
        let w = try smallSegmentWriter(t.sub("a"), maxSegments: 3)
        var docs: [IndexDocument] = []
        for i in 0..<60 {
            let d = document(i, title: ["khai sinh", "kết hôn", "hòa giải"][i % 3] + " \(i)", applicant: "Nguyễn Văn Hòa")
            docs.append(d)
            try w.apply([d], ledgerHead: "sha256:\(i)", ledgerSequence: i + 1)
            #expect(w.manifest.segments.allSatisfy { $0.docs - $0.deletedDocs <= 10 })
            #expect(w.manifest.segments.filter { $0.docs - $0.deletedDocs < 5 }.count <= 3)
        }
        #expect(w.manifest.liveDocs == 60)
        let queries = ["khai sinh", "hoa", "hòa giải", "nguyen"]
        let fresh = t.sub("fresh")
        try IndexWriter(folder: fresh).rebuild(docs, ledgerHead: "sha256:59", ledgerSequence: 60)
        let expected = try answers(fresh, queries)
        #expect(try answers(t.sub("a"), queries) == expected)
        try w.optimize()
        #expect(w.manifest.segments.count == 6)
        #expect(w.manifest.segments.allSatisfy { $0.docs == 10 && $0.deletedDocs == 0 })
        #expect(try answers(t.sub("a"), queries) == expected)
    }
}

extension SegmentTests {
    /// `optimize` repacks segments more than half full, which no merge of whole segments can
    /// pair, into full ones: the fewest `maxMergeDocs` allows. It drops deleted documents, keeps
    /// full segments as they are, changes no answer, and a second run has nothing to do.
    @Test func optimizeRepacksHalfFullSegments() throws {
        let t = TemporaryFolder()
        let w = try smallSegmentWriter(t.sub("a"))
        var docs: [IndexDocument] = []
        // One full segment, then four of 7 (no two of which fit in one), one of them with two
        // documents replaced later (deleted there, added again as a segment of 2).
        let full = (0..<10).map { mergeTestDocument($0) }
        try w.apply(full, ledgerHead: "sha256:0", ledgerSequence: 1, merge: false)
        docs += full
        for k in 0..<4 {
            let batch = (10 + 7 * k..<17 + 7 * k).map { mergeTestDocument($0) }
            try w.apply(batch, ledgerHead: "sha256:\(k + 1)", ledgerSequence: k + 2, merge: false)
            docs += batch
        }
        let replaced = [mergeTestDocument(12), mergeTestDocument(13)].map { d -> IndexDocument in
            var d = d
            d.title = "khai sinh lại"
            d.text[.title] = ["khai sinh lại"]
            return d
        }
        try w.apply(replaced, ledgerHead: "sha256:5", ledgerSequence: 6, merge: false)
        docs = docs.map { d in replaced.first { $0.number == d.number } ?? d }
        #expect(w.manifest.segments.map(\.docs) == [10, 7, 7, 7, 7, 2])
        #expect(w.manifest.liveDocs == 38)
        let fullFile = w.manifest.segments[0].file
        let queries = ["khai sinh", "hoa", "hòa giải", "nguyen", "sinh lại", "\"kết hôn\""]
        let fresh = t.sub("fresh")
        try IndexWriter(folder: fresh).rebuild(docs, ledgerHead: "sha256:5", ledgerSequence: 6)
        let expected = try answers(fresh, queries)
        #expect(try answers(t.sub("a"), queries) == expected)

        let formats = [UInt32](repeating: Segment.currentFormatVersion, count: 6)
        let plan = IndexWriter.optimizePlan(w.manifest.segments, formats: formats, limit: 10)
        #expect(plan.rewrite == [1, 2, 3, 4, 5] && plan.segments == 4)
        // A full segment is rewritten only when it is of an older format.
        var older = formats
        older[0] = 4
        #expect(IndexWriter.optimizePlan(w.manifest.segments, formats: older, limit: 10).rewrite == [0, 1, 2, 3, 4, 5])
        try w.optimize(workers: 2)
        #expect(IndexWriter.optimizePlan(w.manifest.segments, formats: [UInt32](repeating: Segment.currentFormatVersion, count: 4), limit: 10).rewrite.isEmpty)
        #expect(w.manifest.segments.map(\.docs) == [10, 10, 10, 8], "28 live documents repacked into the fewest segments")
        #expect(w.manifest.segments.allSatisfy { $0.deletedDocs == 0 })
        #expect(w.manifest.segments[0].file == fullFile, "a full segment is kept as it is")
        #expect(w.manifest.ledgerSequence == 6)
        #expect(try answers(t.sub("a"), queries) == expected)
        let files = try FileManager.default.contentsOfDirectory(atPath: t.sub("a")).filter { $0.hasPrefix("seg-") }
        #expect(Set(files) == Set(w.manifest.segments.map(\.file)), "the repacked segments' files are removed")

        let generation = w.manifest.generation
        try w.optimize()
        #expect(w.manifest.generation == generation, "nothing left to repack")
    }
}

extension SegmentTests {
    /// The automatic merges repack two segments written half full or more (which no merge of
    /// whole segments can pair) into a full one and the rest, leave a full segment with a few
    /// documents deleted alone, and change no answer.
    @Test func mergesRepackHalfFullSegments() throws {
        let t = TemporaryFolder()
        let w = try smallSegmentWriter(t.sub("a"), maxSegments: 3)
        var docs: [IndexDocument] = []
        let full = (0..<10).map { mergeTestDocument($0) }
        try w.apply(full, ledgerHead: "sha256:0", ledgerSequence: 1)
        docs += full
        let fullFile = w.manifest.segments[0].file
        for k in 0..<3 {
            let batch = (10 + 6 * k..<16 + 6 * k).map { mergeTestDocument($0) }
            try w.apply(batch, ledgerHead: "sha256:\(k + 1)", ledgerSequence: k + 2)
            docs += batch
            let halfFull = w.manifest.segments.filter { $0.docs - $0.deletedDocs >= 5 && $0.docs < 10 }
            #expect(halfFull.count <= 1, "two segments written half full or more are repacked at once")
        }
        // 10 full, then 6 + 6 into 10 + 2, then 6 more: [10, 10, 2, 6] in some order.
        #expect(w.manifest.segments.map(\.docs).sorted() == [2, 6, 10, 10])
        // A new version of a dossier of the full segment: deleted there, which stays as it is.
        let replaced = mergeTestDocument(3, title: "khai sinh lại")
        try w.apply([replaced], ledgerHead: "sha256:9", ledgerSequence: 9)
        docs = docs.map { $0.number == replaced.number ? replaced : $0 }
        #expect(w.manifest.segments.contains { $0.file == fullFile && $0.deletedDocs == 1 })
        let queries = ["khai sinh", "hoa", "hòa giải", "nguyen", "sinh lại"]
        let fresh = t.sub("fresh")
        try IndexWriter(folder: fresh).rebuild(docs, ledgerHead: "sha256:9", ledgerSequence: 9)
        #expect(try answers(t.sub("a"), queries) == answers(fresh, queries))
    }
}

@Suite struct QueryParserTests {
    @Test func parsesTheSyntax() throws {
        #expect(try QueryParser.parse("hòa") == .word("hòa", fields: nil))
        #expect(try QueryParser.parse("a b") == .and([.word("a", fields: nil), .word("b", fields: nil)]))
        #expect(try QueryParser.parse("a OR b") == .or([.word("a", fields: nil), .word("b", fields: nil)]))
        #expect(try QueryParser.parse("a -b") == .and([.word("a", fields: nil), .not(.word("b", fields: nil))]))
        #expect(try QueryParser.parse("\"giấy phép\"") == .phrase(["giấy", "phép"], fields: nil))
        #expect(try QueryParser.parse("thủ*") == .prefix("thủ", fields: nil))
        #expect(try QueryParser.parse("applicant:hòa") == .word("hòa", fields: [.applicant]))
        #expect(try QueryParser.parse("000.00.21.H50-230512-0007") == .keyword(.code, "000.00.21.H50-230512-0007", prefix: false))
        #expect(try QueryParser.parse("1.001193") == .keyword(.procedureCode, "1.001193", prefix: false))
        #expect(try QueryParser.parse("045090001234") == .keyword(.cccd, "045090001234", prefix: false))
        #expect(try QueryParser.parse("Đông-Hà") == .phrase(["Đông", "Hà"], fields: nil))
        #expect(try QueryParser.parse("received:2022-01-01..2022-06-30") == .dateRange(.received, from: 18993, to: 19173))
        #expect(try QueryParser.parse("received:31/01/2022") == .dateRange(.received, from: 19023, to: 19023))
        #expect(try QueryParser.parse("due:2022") == .dateRange(.due, from: 18993, to: 19357))
        // Identifiers as pasted: quoted, with a comma after, as a field's quoted value.
        let number = QueryNode.keyword(.code, "000.00.21.H50-230512-0007", prefix: false)
        #expect(try QueryParser.parse("\"000.00.21.H50-230512-0007\"") == number)
        #expect(try QueryParser.parse("000.00.21.H50-230512-0007,") == number)
        #expect(try QueryParser.parse("code:\"000.00.21.H50-230512-0007\"") == number)
        #expect(try QueryParser.parse("status:\"returned\"") == .keyword(.status, "returned", prefix: false))
        #expect(try QueryParser.parse("000.00.21.H50.2023.HT.01.05") == .keyword(.code, "000.00.21.H50.2023.HT.01.05", prefix: false))
        #expect(try QueryParser.parse("agency:000.00.21*") == .keyword(.agencyCode, "000.00.21", prefix: true))
        #expect(try QueryParser.parse("procedure:1.00*") == .keyword(.procedureCode, "1.00", prefix: true))
        // Pasted personal numbers: in groups, after a label with a space, with invisible characters.
        #expect(try QueryParser.parse("0912 345 678") == .keyword(.phone, "0912345678", prefix: false))
        #expect(try QueryParser.parse("045.090.001.234") == .keyword(.cccd, "045090001234", prefix: false))
        #expect(try QueryParser.parse("CCCD: 045090001234") == .keyword(.cccd, "045090001234", prefix: false))
        #expect(try QueryParser.parse("Hò\u{200B}a") == .word("Hòa", fields: nil))
        #expect(try QueryParser.parse("(0912 345 678)") == .keyword(.phone, "0912345678", prefix: false))
        for notANumber in ["2021 2022 2023", "2022-01-01 12 34", "0912 345-678", "045 090 001 2345"] {
            #expect(QueryParser.pasted(notANumber) == notANumber, "\(notANumber) is not a personal number")
        }
        // A zero-width space between two words parts them.
        #expect(try QueryParser.parse("Nguyễn\u{200B}Văn") == .and([.word("Nguyễn", fields: nil), .word("Văn", fields: nil)]))
        // Numbers a spreadsheet kept as numbers, and the country code written without +.
        #expect(try QueryParser.parse("045090001234.0") == .keyword(.cccd, "045090001234", prefix: false))
        #expect(try QueryParser.parse("4.5090001234E+10") == .or([.keyword(.cccd, "045090001234", prefix: false), .word("45090001234", fields: nil)]))
        // A guess keeps the digits as typed beside it.
        #expect(try QueryParser.parse("45090001234") == .or([.keyword(.cccd, "045090001234", prefix: false), .word("45090001234", fields: nil)]))
        #expect(try QueryParser.parse("912345678") == .or([.keyword(.phone, "0912345678", prefix: false), .word("912345678", fields: nil)]))
        #expect(try QueryParser.parse("(+84) 912 345 678") == .keyword(.phone, "0912345678", prefix: false))
        #expect(try QueryParser.parse("84912345678") == .or([.keyword(.cccd, "084912345678", prefix: false), .keyword(.phone, "0912345678", prefix: false),
                                                               .word("84912345678", fields: nil)]))
        // A year alone: received that year, or the number in the text.
        #expect(try QueryParser.parse("2021") == .or([.word("2021", fields: nil), .dateRange(.received, from: 18628, to: 18992)]))
        // NOT in capitals excludes; dates as Vietnamese write them.
        #expect(try QueryParser.parse("a NOT b") == .and([.word("a", fields: nil), .not(.word("b", fields: nil))]))
        #expect(try QueryParser.parse("received:01/2022") == .dateRange(.received, from: 18993, to: 19023))
        #expect(try QueryParser.parse("received:31-01-2022") == .dateRange(.received, from: 19023, to: 19023))
        #expect(try QueryParser.parse("received:31.01.2022") == .dateRange(.received, from: 19023, to: 19023))
        for q in ["received:2022-1-31", "received:2022/1/31", "received:2022.01.31"] {
            #expect(try QueryParser.parse(q) == .dateRange(.received, from: 19023, to: 19023), "\(q): the zeros left out, as typed by hand")
        }
        for q in ["received:2022-2-30", "received:2023--5-12", "received:2023/+5/12", "received:2023//5//12"] {
            #expect(throws: QuerySyntaxError.self, "\(q)") { try QueryParser.parse(q) }
        }
        #expect(try QueryParser.parse("received: 2022") == .dateRange(.received, from: 18993, to: 19357))
        guard case let .or(both) = try QueryParser.parse("MC19.273558") else { Issue.record("a local code is looked for both ways"); return }
        #expect(both.first == .keyword(.code, "MC19.273558", prefix: false))
    }

    /// Text pasted from forms, spreadsheets and word processors searches what it says.
    @Test func pastedTextIsReadAsMeant() throws {
        let id = QueryNode.keyword(.cccd, "045090001234", prefix: false)
        let phone = QueryNode.keyword(.phone, "0912345678", prefix: false)
        let number = QueryNode.keyword(.code, "000.00.21.H50-230512-0007", prefix: false)
        // Labels before an identifier are not words every match needs; a name before one stays.
        for labelled in ["CCCD số 045090001234", "Số CCCD: 045090001234", "CMND 045090001234", "căn cước công dân số 045090001234"] {
            #expect(try QueryParser.parse(labelled) == id, "\(labelled)")
        }
        #expect(try QueryParser.parse("SĐT: 0912345678") == phone)
        #expect(try QueryParser.parse("mã hồ sơ: 000.00.21.H50-230512-0007") == number)
        #expect(try QueryParser.parse("Trần Công Minh 045090001234")
                == .and([.word("Trần", fields: nil), .word("Công", fields: nil), .word("Minh", fields: nil), id]))
        #expect(try QueryParser.parse("Trần Văn Định 045090001234")
                == .and([.word("Trần", fields: nil), .word("Văn", fields: nil), .word("Định", fields: nil), id]), "Định is a name")
        #expect(try QueryParser.parse("Số CMND/CCCD: 045090001234") == id)
        for labelled in ["CMND: 045090001234", "Số CMND: 045090001234", "CMND:045090001234", "Chứng minh nhân dân 045090001234"] {
            #expect(try QueryParser.parse(labelled) == id, "\(labelled)")
        }
        #expect(try QueryParser.parse("Tel: 0912345678") == phone)
        #expect(try QueryParser.parse("hòa,0912345678") == .and([.word("hòa", fields: nil), phone]))
        #expect(try QueryParser.parse("SĐT:0912345678") == phone)
        #expect(try QueryParser.parse("Phan Thị Dân số 0912345678")
                == .and([.word("Phan", fields: nil), .word("Thị", fields: nil), .word("Dân", fields: nil), phone]), "a name before a label stays")
        #expect(throws: QuerySyntaxError.self) { try QueryParser.parse("aplicant:hòa") }   // a mistyped field is still an error
        // A bounded number of clauses: a whole pasted document is refused, not searched for minutes.
        #expect(throws: QuerySyntaxError.self) { try QueryParser.parse(Array(repeating: "thị", count: 300).joined(separator: " ")) }
        #expect(throws: QuerySyntaxError.self) { try QueryParser.parse(Array(repeating: "P.1", count: 200).joined(separator: " ")) }
        #expect(try QueryParser.parse(Array(repeating: "thị", count: 200).joined(separator: " ")).clauseCount == 200)
        guard case .or = try QueryParser.parse("Mã hồ sơ: MC19.273558") else { Issue.record("the label before a local code is dropped"); return }
        // Identifiers with a full stop after them, dashes, no-break spaces, an apostrophe, +84.
        #expect(try QueryParser.parse("000.00.21.H50-230512-0007.") == number)
        #expect(try QueryParser.parse("000.00.21.H50\u{2013}230512\u{2013}0007") == number)
        #expect(try QueryParser.parse("045\u{00A0}090\u{00A0}001\u{00A0}234") == id)
        #expect(try QueryParser.parse("045090 001234") == id)
        #expect(try QueryParser.parse("'045090001234") == id)
        #expect(try QueryParser.parse("+84 912 345 678") == phone)
        #expect(try QueryParser.parse("+84 0912 345 678") == phone)
        #expect(QueryParser.pasted("050512 0007") == "050512 0007", "a date and a number, not a phone")
        // Invisible characters: a run of them between words is one space; a soft hyphen inside
        // a word is dropped; a byte-order mark between words parts them, as the index does.
        #expect(QueryParser.pasted("Lý\u{200B}\u{2060}Thị") == "Lý Thị")
        #expect(QueryParser.pasted("Lý\u{FEFF}\u{200B}Thị") == "Lý Thị")
        #expect(QueryParser.pasted("Lý\u{FEFF}Thị") == "Lý Thị")
        #expect(QueryParser.pasted("chứng\u{00AD}thực 12") == "chứngthực 12")
        #expect(QueryParser.pasted("hò\u{200B}a 12") == "hòa 12")
        #expect(try QueryParser.parse("0912 345678") == phone)
        for q in ["0912 345 678,", "0912 345 678."] { #expect(try QueryParser.parse(q) == phone, "\(q)") }
        #expect(try QueryParser.parse("045 090 001 234.") == id)
        #expect(try QueryParser.parse("0912 345 678 12 Trần") == .and([phone, .word("12", fields: nil), .word("Trần", fields: nil)]))
        #expect(try QueryParser.parse("Nguyễn \u{201C}Tý") == .and([.word("Nguyễn", fields: nil), .word("Tý", fields: nil)]), "a stray curly quote")
        #expect(try QueryParser.parse("\"giấy phép\u{201D}") == .phrase(["giấy", "phép"], fields: nil), "a straight quote closed by a curly one")
        #expect(try QueryParser.parse("Quyết định \u{2013} \u{201C}về việc\u{201D}")
                == .and([.word("Quyết", fields: nil), .word("định", fields: nil), .phrase(["về", "việc"], fields: nil)]))
        // Punctuation standing alone, AND, and curly quotes.
        let hoaPhuong = QueryNode.and([.word("Hòa", fields: nil), .word("Phường", fields: nil), .word("1", fields: nil)])
        for q in ["Hòa - Phường 1", "Hòa \u{2013} Phường 1", "Hòa & Phường 1", "Hòa AND Phường 1", "Hòa . Phường 1", "Hòa / Phường 1"] {
            #expect(try QueryParser.parse(q) == hoaPhuong, "\(q)")
        }
        #expect(try QueryParser.parse("\u{201C}giấy phép\u{201D}") == .phrase(["giấy", "phép"], fields: nil))
        #expect(try QueryParser.parse("a -(b c)") == .and([.word("a", fields: nil), .not(.and([.word("b", fields: nil), .word("c", fields: nil)]))]))
        // A dash against one word is no exclusion; one standing before a phrase or group is an error.
        #expect(try QueryParser.parse("Hòa Phú \u{2013}Huyện") == .and([.word("Hòa", fields: nil), .word("Phú", fields: nil), .word("Huyện", fields: nil)]))
        for q in ["khai sinh - \"kết hôn\"", "khai sinh - (kết hôn)"] {
            #expect(throws: QuerySyntaxError.self, "\(q)") { try QueryParser.parse(q) }
        }
        // Words glued by punctuation are words apart; digits keep their slash, names their hyphen.
        #expect(try QueryParser.parse("hòa,khai") == .and([.word("hòa", fields: nil), .word("khai", fields: nil)]))
        #expect(try QueryParser.parse("TP.Đông") == .and([.word("TP", fields: nil), .word("Đông", fields: nil)]))
        #expect(try QueryParser.parse("TP.Đông Hà") == .and([.word("TP", fields: nil), .word("Đông", fields: nil), .word("Hà", fields: nil)]),
                "glued words join the enclosing ones (adjacency, synonyms)")
        #expect(try QueryParser.parse("123/QĐ-UBND") == .or([.keyword(.result, "123/qd-ubnd", prefix: false), .phrase(["123", "QĐ", "UBND"], fields: nil)]),
                "a document number stays together: a result's number, or the words in a row")
        // Labels of a form before a name or a date; a name that is also the word (Nam) stays.
        #expect(try QueryParser.parse("Họ tên: Nguyễn Văn Hòa") == QueryParser.parse("Nguyễn Văn Hòa"))
        #expect(try QueryParser.parse("Họ và tên Nguyễn Văn Hòa") == QueryParser.parse("Nguyễn Văn Hòa"))
        #expect(try QueryParser.parse("ngày 15/05/2023") == QueryParser.parse("15/05/2023"))
        #expect(try QueryParser.parse("khai sinh năm 2023") == QueryParser.parse("khai sinh 2023"))
        #expect(try QueryParser.parse("Nguyễn Văn Nam 2023") != QueryParser.parse("Nguyễn Văn 2023"))
        #expect(try QueryParser.parse("Nguyễn Văn Năm 2023") != QueryParser.parse("Nguyễn Văn 2023"), "Năm with a capital is a name")
        // A tax code after its label is the number as written, whether or not it looks like a phone.
        #expect(try QueryParser.parse("MST 0101234567") == .word("0101234567", fields: nil))
        #expect(try QueryParser.parse("mã số thuế 3200123456") == .word("3200123456", fields: nil))
        // A room glued to its number (P205) is a word, not a ward.
        #expect(try QueryParser.parse("P205") == .word("P205", fields: nil))
        // Phone numbers with the international prefix dialled, or 84 without its +.
        for typed in ["84 912 345 678", "0084912345678", "0084 912 345 678"] {
            #expect(try QueryParser.parse(typed) == QueryParser.parse("+84 912 345 678"), "\(typed)")
        }
        guard case let .or(month) = try QueryParser.parse("5/2023"), month.contains(where: { if case .dateRange = $0 { true } else { false } }) else {
            Issue.record("a month without its leading zero is a month"); return
        }
        // A ward by its number: the two words side by side, written out or abbreviated.
        #expect(try QueryParser.parse("P.1") == .or([.phrase(["phường", "1"], fields: nil), .phrase(["p", "1"], fields: nil)]))
        #expect(try QueryParser.parse("q10") == .or([.phrase(["quận", "10"], fields: nil), .phrase(["q", "10"], fields: nil)]))
        guard case let .or(address) = try QueryParser.parse("12/3") else { Issue.record("12/3: a code or the words"); return }
        #expect(address.last == .phrase(["12", "3"], fields: nil))
        #expect(try QueryParser.parse("Lê-Minh") == .phrase(["Lê", "Minh"], fields: nil))
        // Date ranges with spaces around the dots; Vietnamese names of statuses.
        let range = QueryNode.dateRange(.received, from: 18993, to: 19173)
        for q in ["received:2022-01-01 .. 2022-06-30", "received:2022-01-01.. 2022-06-30", "received:2022-01-01 ..2022-06-30"] {
            #expect(try QueryParser.parse(q) == range, "\(q)")
        }
        #expect(try QueryParser.parse("timeliness:trễ hạn") == .keyword(.timeliness, "late", prefix: false))
        #expect(try QueryParser.parse("timeliness:\"quá hạn\" hòa", today: 19000) == .and([.keyword(.timeliness, "unresolved", prefix: false),
            .not(.keyword(.status, "rejected", prefix: false)), .not(.keyword(.status, "withdrawn", prefix: false)),
            .dateRange(.due, from: nil, to: 18999), .word("hòa", fields: nil)]))
        #expect(try QueryParser.parse("status:đã trả kết quả") == .keyword(.status, "returned", prefix: false))
        // Open and not yet past the appointment (the report forms' "trong hạn").
        #expect(try QueryParser.parse("timeliness:trong hạn", today: 19000) == .and([.keyword(.timeliness, "unresolved", prefix: false),
            .not(.keyword(.status, "rejected", prefix: false)), .not(.keyword(.status, "withdrawn", prefix: false)),
            .dateRange(.due, from: 19000, to: nil)]))
        #expect(try QueryParser.parse("status:đã trả") == .keyword(.status, "returned", prefix: false))
        #expect(try QueryParser.parse("status:từ-chối") == .keyword(.status, "rejected", prefix: false))
        #expect(try QueryParser.parse("status:có kết quả") == .keyword(.status, "completed", prefix: false))
        #expect(try QueryParser.parse("status:\"rút\" hồ sơ") == .and([.keyword(.status, "withdrawn", prefix: false),
                                                                        .word("hồ", fields: nil), .word("sơ", fields: nil)]), "a quoted value ends at its quote")
        for q in ["received:2022-01-01 - 2022-06-30", "received:2022-01-01 đến 2022-06-30", "received:2022-01-01 \u{2013} 2022-06-30"] {
            #expect(try QueryParser.parse(q) == range, "\(q)")
        }
        let years = QueryNode.dateRange(.received, from: 19358, to: 20088)
        for q in ["received:2023 - 2024", "received:2023 đến 2024"] { #expect(try QueryParser.parse(q) == years, "\(q)") }
        #expect(try QueryParser.parse("received:2022-01-01 -2022-06-30") == range, "a range, not an exclusion")
        // Typed alone too, with spaces around the dash or words between (and "từ" before).
        for q in ["2022-01-01 - 2022-06-30", "01/01/2022 - 30/06/2022", "01/01/2022 \u{2013} 30/06/2022", "từ 01/01/2022 đến 30/06/2022"] {
            #expect(try QueryParser.parse(q) == range, "\(q)")
        }
        #expect(try QueryParser.parse("khai sinh 01/01/2022 - 30/06/2022") == .and([.word("khai", fields: nil), .word("sinh", fields: nil), range]))
        // Years joined by a spaced dash stay words (Kế hoạch 2019 - 2020), "từ" before one day stays a word.
        #expect(try QueryParser.parse("2019 - 2020") == .and([try QueryParser.parse("2019"), try QueryParser.parse("2020")]))
        // "từ" before one day: since then (or the words as written).
        #expect(try QueryParser.parse("từ 15/05/2023", today: 20000) == .or([.phrase(["từ", "15", "05", "2023"], fields: nil), .dateRange(.received, from: 19492, to: 20000)]))
        #expect(try QueryParser.parse("status:đã từ chối") == .keyword(.status, "rejected", prefix: false))
        #expect(try QueryParser.parse("received:2024 1500") == .and([.dateRange(.received, from: 19723, to: 20088), .word("1500", fields: nil)]))
        // Years of two digits (this century up to ten years from now, else the last), days
        // written out, periods up to now.
        #expect(QueryParser.day("30/06/22", end: false) == 19173 && QueryParser.day("1/1/22", end: true) == 18993)
        #expect(QueryParser.day("31/12/98", end: false) == Int32(Timestamp.daysFromCivil(1998, 12, 31)))
        let nextYear = Timestamp.civilFromDays(Int(QueryParser.currentDay())).year + 1
        #expect(QueryParser.day("15/01/\(nextYear % 100)", end: false) == Int32(Timestamp.daysFromCivil(nextYear, 1, 15)), "an appointment next year")
        #expect(QueryParser.day("12-05-23", end: false) == nil && QueryParser.day("123/45/6", end: false) == nil, "dashes and house numbers are no days")
        for q in ["từ 1/1/22 đến 30/6/22", "received:01/01/22..30/06/22", "1/1/22-30/6/22", "received:ngày 1 tháng 1 năm 2022 đến ngày 30 tháng 6 năm 2022"] {
            #expect(try QueryParser.parse(q) == range, "\(q)")
        }
        /// The days a query holds, read alone or beside the words as written.
        func days(_ n: QueryNode) -> QueryNode? {
            if case .dateRange = n { return n }
            if case let .or(alternatives) = n { return alternatives.first { if case .dateRange = $0 { true } else { false } } }
            return nil
        }
        // Written out: the days, or the words as written (a title may hold them).
        let written = try QueryParser.parse("từ ngày 1 tháng 1 năm 2022 đến ngày 30 tháng 6 năm 2022")
        #expect(days(written) == range && written != range, "\(written)")
        #expect(try QueryParser.parse("tháng 6 năm 2022") == .or([.phrase(["tháng", "6", "năm", "2022"], fields: nil),
                                                                  .dateRange(.received, from: 19144, to: 19173)]))
        #expect(try QueryParser.parse("\"tháng 6 năm 2022\"") == .phrase(["tháng", "6", "năm", "2022"], fields: nil), "quoted: the words as written")
        #expect("\(try QueryParser.parse("ngày 30, tháng 6 năm 2022"))".contains("19173"))
        #expect(try QueryParser.parse("title:(tháng 6 năm 2022)") == .or([.phrase(["tháng", "6", "năm", "2022"], fields: [.title]),
                                                                          .dateRange(.received, from: 19144, to: 19173)]), "in a field, as a year is")
        #expect(try QueryParser.parse("Nguyễn Văn Năm 2022") == .and([.word("Nguyễn", fields: nil), .word("Văn", fields: nil), .word("Năm", fields: nil),
                                                                  try QueryParser.parse("2022")]), "a name stays a name")
        let today: Int32 = 20000
        let sinceJune = QueryNode.dateRange(.received, from: 19144, to: today)
        for q in ["từ 01/06/2022 đến nay", "01/06/2022 - nay", "từ tháng 6 năm 2022 đến nay", "06/2022 đến hiện nay", "received:2022-06 đến nay",
                  "received:2022-06-01 to today", "từ 1/6/22 đến hôm nay", "received:tháng 6 năm 2022 đến nay",
                  "01/06/2022-nay", "2022-06-01–nay", "06/2022-now", "từ 01/06/2022-nay", "received:2022-06-01-nay"] {
            #expect(days(try QueryParser.parse(q, today: today)) == sinceJune, "\(q)")
        }
        // A range to now that starts after today says so, in the words typed.
        let future = #expect(throws: QuerySyntaxError.self) { try QueryParser.parse("received:2099-nay", today: today) }
        #expect(future?.message.contains("'2099-nay' starts after today") == true, "\(String(describing: future))")
        #expect(try QueryParser.parse("từ 2022 đến nay", today: today) == .or([.phrase(["từ", "2022", "đến", "nay"], fields: nil),
                                                                             .dateRange(.received, from: 18993, to: today)]), "the words as written too")
        // "này" (this) is not "nay" (now); "từ" before one day stays a word.
        #expect(days(try QueryParser.parse("2022 đến này", today: today)) != .dateRange(.received, from: 18993, to: today))
        #expect(days(try QueryParser.parse("2022-này", today: today)) != .dateRange(.received, from: 18993, to: today))
        // A range of dates has no place among a text field's words.
        #expect(throws: QuerySyntaxError.self) { try QueryParser.parse("title:(khai OR 2022-01-01..2022-06-30)") }
        for q in ["title:(từ 2020 đến nay)", "title:(2020-nay)", "title:(01/01/2022 - 30/06/2022)", "title:(khai sinh từ 01/01/2022 đến 30/06/2022)",
                  "title:(ngày 1 tháng 1 năm 2022 đến ngày 30 tháng 6 năm 2022)"] {
            #expect(throws: QuerySyntaxError.self, "\(q)") { try QueryParser.parse(q) }
        }
        // Names are not dates: Tú, Tư are no "từ", Thắng is no "tháng".
        let tu = try QueryParser.parse("Lê Văn Tú 2023 đến nay", today: today)
        #expect("\(tu)".contains("word(\"Tú\""), "\(tu)")
        #expect("\(try QueryParser.parse("nguyễn văn thắng 5 năm 2023"))".contains("word(\"thắng\""))
        // Without marks, "tu" is "từ" only before a whole range (le van tu 2023: Tú's dossiers of 2023).
        #expect(days(try QueryParser.parse("tu 2022 den nay", today: today)) == .dateRange(.received, from: 18993, to: today))
        #expect("\(try QueryParser.parse("le van tu 2022", today: today))".contains("word(\"tu\""))
        // "từ ngày …", "từ năm …", "kể từ …": the label and "từ" are no words to find.
        #expect(try QueryParser.parse("từ ngày 01/01/2022 đến ngày 30/06/2022") == range)
        #expect(days(try QueryParser.parse("từ năm 2022 đến nay", today: today)) == .dateRange(.received, from: 18993, to: today))
        if case .or = try QueryParser.parse("kể từ 2022 đến nay", today: today) {} else { Issue.record("kể từ: \(try QueryParser.parse("kể từ 2022 đến nay", today: today))") }
        // Dossier numbers with dots for dashes, or no separators (a barcode reader's).
        let dotted = QueryNode.keyword(.code, "000.00.21.H50-230512-0007", prefix: false)
        for q in ["000.00.21.H50.230512.0007", "0000021H502305120007", "000.00.21.H50 230512.0007"] { #expect(try QueryParser.parse(q) == dotted, "\(q)") }
        // The start of a procedure code; a range of dates inside a text field is refused.
        #expect(try QueryParser.parse("1.00*") == .keyword(.procedureCode, "1.00", prefix: true))
        #expect(try QueryParser.parse("title:(khai sinh 2022)") == .and([.word("khai", fields: [.title]), .word("sinh", fields: [.title]),
                                                                         .or([.word("2022", fields: [.title]), .dateRange(.received, from: 18993, to: 19357)])]))
        #expect(throws: QuerySyntaxError.self) { try QueryParser.parse("title:(2022-01-01..2022-06-30)") }
        #expect(try QueryParser.parse("title:(received:2022 khai)") == .and([.dateRange(.received, from: 18993, to: 19357), .word("khai", fields: [.title])]),
                "a filter named inside stays a filter")
    }

    @Test(arguments: [("", 0), ("\"abc", 0), ("a OR", 4), ("foo:bar", 0), ("received:2022-13-01", 9), ("(a", 0), ("a)", 1), ("cccd:123", 5),
                        ("OR a", 0), ("a OR OR b", 5), ("received:2022-06-30..2022-01-01", 9),
                        (String(repeating: "(", count: 40) + "a", 32), ("phone:abc", 6), ("code:\"\"", 5),
                        ("received:2024-01-01 2024-06-30", 20), ("status:xong-chưa", 7),
                        // In the query as typed, not as read with its number joined or a pasted
                        // zero-width space dropped.
                        ("0912 345 678 received:2023-13-01", 22), ("Số CCCD: 045 090 001 234 received:2023-13-01", 34),
                        ("received:2023-13-01 0912 345 678", 9), ("h\u{200B}òa received:2023-13-01", 14)])
    func errorsPointAtTheirPosition(_ q: String, _ position: Int) {
        // ("-a" parses: a query of exclusions only searches everything else.)
        do {
            _ = try QueryParser.parse(q)
            Issue.record("'\(q)' should not parse")
        } catch {
            #expect(error.position == position && error.query == q, "'\(q)': \(error)")
        }
    }
}
