import Foundation
import HosoArchive
import HosoCore
import HosoIndex

/// Records exchanged with the peers' scripts: the fields of an index document.
struct Record: Codable {
    var number: String
    var title: String
    var applicant: String
    var procedure: String
    var agency: String
    var place: String
    var other: String
    var codes: [String]
    var procedureCode: String
    var agencyCodes: [String]
    var cccd: String?
    var phone: String?
    var status: String
    var timeliness: String
    var receivedDay: Int32
    var dueDay: Int32
    var completedDay: Int32
    var procedureName: String
    var agencyName: String
    var receivedText: String
}

enum BenchMain {
    static func run(_ args: [String]) {
        guard let command = args.first else { usage() }
        do {
            switch command {
            case "export-records": try exportRecords(archive: args[1])
            case "index-build": try indexBuild(records: args[1], out: args[2])
            case "index-replay": try indexReplay(records: args[1], out: args[2], batch: Int(args[3]) ?? 500,
                                                 head: args.count > 5 ? (args[4], Int(args[5]) ?? 0) : nil)
            case "search-latency": try searchLatency(index: args[1], queries: args[2], repeats: args.count > 3 ? Int(args[3]) ?? 5 : 5)
            default: usage()
            }
        } catch {
            FileHandle.standardError.write(Data("hoso-bench: \(error)\n".utf8))
            exit(3)
        }
    }

    static func usage() -> Never {
        FileHandle.standardError.write(Data("usage: hoso-bench export-records ARCHIVE | index-build RECORDS OUT | index-replay RECORDS OUT BATCH [HEAD SEQUENCE] | search-latency INDEX QUERIES [REPEATS]\n".utf8))
        exit(2)
    }

    static func exportRecords(archive path: String) throws {
        let archive = try Archive.open(at: path)
        let snapshot = try archive.openIndexForReading()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out = [UInt8]()
        func flush() { out.withUnsafeBytes { b in var o = 0; while o < b.count { let n = write(1, b.baseAddress! + o, b.count - o); if n <= 0 { break }; o += n } }; out.removeAll(keepingCapacity: true) }
        try snapshot.forEachLiveDocument { d in
            let r = Record(number: d.number, title: d.title, applicant: d.applicant,
                           procedure: (d.text[.procedure] ?? []).joined(separator: " "), agency: (d.text[.agency] ?? []).joined(separator: " "),
                           place: (d.text[.place] ?? []).joined(separator: ", "), other: (d.text[.other] ?? []).joined(separator: "; "),
                           codes: d.keywords[.code] ?? [], procedureCode: d.procedureCode, agencyCodes: d.keywords[.agencyCode] ?? [],
                           cccd: d.keywords[.cccd]?.first, phone: d.keywords[.phone]?.first, status: d.status, timeliness: d.timeliness,
                           receivedDay: d.receivedDay, dueDay: d.dueDay, completedDay: d.completedDay,
                           procedureName: d.procedureName, agencyName: d.agencyName, receivedText: d.receivedText)
            out += try encoder.encode(r)
            out.append(0x0A)
            if out.count > 1 << 20 { flush() }
        }
        flush()
    }

    static func document(_ r: Record) -> IndexDocument {
        var keywords: [Field: [String]] = [.code: r.codes, .procedureCode: [r.procedureCode], .agencyCode: r.agencyCodes,
                                           .status: [r.status], .timeliness: [r.timeliness]]
        if let c = r.cccd { keywords[.cccd] = [c] }
        if let p = r.phone { keywords[.phone] = [p] }
        return IndexDocument(number: r.number, manifest: "", text: [.title: [r.title], .applicant: [r.applicant], .procedure: [r.procedure],
                                                                     .agency: [r.agency], .place: [r.place], .other: [r.other]],
                             keywords: keywords, receivedDay: r.receivedDay, dueDay: r.dueDay, completedDay: r.completedDay,
                             status: r.status, timeliness: r.timeliness, procedureCode: r.procedureCode, procedureName: r.procedureName,
                             agencyCode: r.agencyCodes.first ?? "", agencyName: r.agencyName, title: r.title, applicant: r.applicant,
                             receivedText: r.receivedText, dueText: "", completedText: "")
    }

    /// Reads JSON lines, then builds an index (the timed part), like the peers' scripts do.
    static func indexBuild(records: String, out: String) throws {
        let docs = try loadDocuments(records)
        let t0 = SystemFile.monotonic()
        let writer = try IndexWriter(folder: out)
        try writer.rebuild(docs, ledgerHead: nil, ledgerSequence: 0)
        let seconds = SystemFile.monotonic() - t0
        var bytes = 0
        for (name, _) in try SystemFile.listDirectory(out) { bytes += Int(SystemFile.status(out + "/" + name)?.st_size ?? 0) }
        print(String(format: "{\"docs\": %d, \"seconds\": %.3f, \"docsPerSecond\": %.0f, \"indexBytes\": %d}", docs.count, seconds, Double(docs.count) / seconds, bytes))
    }

    static func loadDocuments(_ records: String) throws -> [IndexDocument] {
        let data = try Data(contentsOf: URL(fileURLWithPath: records))
        let decoder = JSONDecoder()
        var docs: [IndexDocument] = []
        var start = data.startIndex
        while start < data.endIndex {
            let end = data[start...].firstIndex(of: 0x0A) ?? data.endIndex
            if end > start { docs.append(document(try decoder.decode(Record.self, from: data[start..<end]))) }
            start = data.index(after: end)
        }
        return docs
    }

    /// Adds the documents `batch` at a time, as ingest checkpoints do (each a segment, then the
    /// automatic merges): the segments an index grown by ingests ends with, and what the merges
    /// cost. The last batch is published under `head` (an archive's ledger head and sequence),
    /// so that the index can stand in for an archive's own.
    static func indexReplay(records: String, out: String, batch: Int, head: (String, Int)?) throws {
        let docs = try loadDocuments(records)
        let t0 = SystemFile.monotonic()
        let writer = try IndexWriter(folder: out)
        var start = 0, n = 0
        while start < docs.count {
            let end = min(docs.count, start + max(1, batch))
            n += 1
            let last = end == docs.count
            try writer.apply(Array(docs[start..<end]), ledgerHead: last ? head?.0 ?? "sha256:replay-\(n)" : "sha256:replay-\(n)",
                             ledgerSequence: last ? head?.1 ?? n : n)
            start = end
        }
        let seconds = SystemFile.monotonic() - t0
        let sizes = writer.manifest.segments.map { $0.docs - $0.deletedDocs }
        print(String(format: "{\"docs\": %d, \"batches\": %d, \"seconds\": %.3f, \"segments\": %d, \"segmentDocs\": %@}",
                     docs.count, n, seconds, sizes.count, "[" + sizes.map(String.init).joined(separator: ", ") + "]"))
    }

    struct Query: Codable { var id: Int; var kind: String; var accented: Bool; var hoso: String; var target: String? }

    /// Opens the index once, runs every query once to warm up, then `repeats` times, timed.
    static func searchLatency(index: String, queries path: String, repeats: Int) throws {
        let t0 = SystemFile.monotonic()
        let snapshot = try IndexSnapshot.open(index)
        let searcher = Searcher(snapshot: snapshot)
        let openMs = (SystemFile.monotonic() - t0) * 1000
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let queries = try lines.map { try JSONDecoder().decode(Query.self, from: Data($0.utf8)) }
        var options = SearchOptions()
        options.limit = 10
        // For comparing ranking with and without the built-in synonym groups.
        if ProcessInfo.processInfo.environment["HOSO_BENCH_NO_SYNONYMS"] != nil { options.synonyms = nil }
        // Threads for a costly query (default: one per processor, as `hoso search`).
        if let t = ProcessInfo.processInfo.environment["HOSO_BENCH_THREADS"].flatMap({ Int($0) }) { options.threads = t }
        var results: [[String]] = []
        var totals: [Int] = []
        for q in queries {
            let r = searcher.search(try QueryParser.parse(q.hoso), options: options)
            results.append(r.hits.map(\.document.number))
            totals.append(r.total)
        }
        var latencies: [Double] = []
        for _ in 0..<repeats {
            for q in queries {
                let parsed = try QueryParser.parse(q.hoso)
                let s = SystemFile.monotonic()
                _ = searcher.search(parsed, options: options)
                latencies.append((SystemFile.monotonic() - s) * 1000)
            }
        }
        // Each query's best time over the repeats: steadier than percentiles on a shared machine
        // when comparing two builds.
        var best = [Double](repeating: .infinity, count: queries.count)
        for (i, l) in latencies.enumerated() { best[i % queries.count] = min(best[i % queries.count], l) }
        if ProcessInfo.processInfo.environment["HOSO_BENCH_SLOWEST"] != nil {
            // Slowest first: where to look next.
            for i in best.indices.sorted(by: { best[$0] > best[$1] }).prefix(15) {
                FileHandle.standardError.write(Data(String(format: "%8.2f ms  %@  (%d hits)\n", best[i], queries[i].hoso, totals[i]).utf8))
            }
        }
        latencies.sort()
        func pct(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        struct Out: Encodable { let openMs: Double; let p50: Double; let p95: Double; let p99: Double; let mean: Double; let bestSum: Double; let best: [Double]; let queries: Int; let results: [[String]]; let totals: [Int] }
        let e = JSONEncoder()
        let out = Out(openMs: openMs, p50: pct(0.50), p95: pct(0.95), p99: pct(0.99), mean: latencies.reduce(0, +) / Double(latencies.count), bestSum: best.reduce(0, +), best: best,
                      queries: queries.count, results: results, totals: totals)
        print(String(decoding: try e.encode(out), as: UTF8.self))
    }
}
