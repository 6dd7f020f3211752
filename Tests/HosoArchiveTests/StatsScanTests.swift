import Foundation
import GRDB
import Testing
@testable import HosoCatalog
import HosoCore
import HosoTestSupport
@testable import HosoArchive

/// `hoso stats` reads the catalog once for every grouping; here each grouping is also counted
/// on its own by SQLite's GROUP BY (as stats did before, a scan per grouping), and the two must
/// agree row for row: keys, names, every count, and the order.
@Suite struct StatsScanTests {
    static let groupings: [StatsGrouping?] = [nil] + StatsGrouping.allCases

    @Test func oneScanCountsAsAGroupByPerGrouping() throws {
        let t = TemporaryFolder()
        let archive = try Archive.create(at: t.sub("archive"))
        let catalog = try Catalog.open(path: archive.catalogPath, mode: .readWrite)
        let (sources, _) = BatchDiscovery.discover([Repository.path("sample-archive/dossiers")])
        let summary = try Ingest(archive: archive, catalog: catalog, options: IngestOptions(operatorName: "test")).run(DossierSources(sources)) { _ in }
        #expect(summary.archived == sources.count)
        // An agency renamed by its latest dossier (and an older dossier of another agency given
        // a name no later one has): each group must be named as its latest dossier names it,
        // whichever rows a period counts.
        try catalog.db.write { db in
            let code = try String.fetchOne(db, sql: "SELECT receiving_agency_code FROM dossiers GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")!
            try db.execute(sql: """
                UPDATE dossiers SET receiving_agency_name = 'Tên mới', handling_agency_name = 'Cơ quan đổi tên'
                WHERE manifest = (SELECT manifest FROM dossiers WHERE receiving_agency_code = ? ORDER BY received_day DESC, number DESC LIMIT 1)
                """, arguments: [code])
            try db.execute(sql: """
                UPDATE dossiers SET procedure_name = 'Tên cũ'
                WHERE manifest = (SELECT manifest FROM dossiers ORDER BY received_day, number LIMIT 1)
                """)
        }
        let years = try catalog.db.read { try String.fetchAll($0, sql: "SELECT DISTINCT substr(received_day, 1, 4) FROM dossiers ORDER BY 1") }
        #expect(years.count >= 2)
        let now = Int64(Date().timeIntervalSince1970)
        for (from, to) in [(nil, nil), (years[0] + "-01-01", years[0] + "-12-31"), (years[1] + "-03-01", nil), (nil, years[0] + "-06-30"),
                           ("1990-01-01", "1990-12-31")] as [(String?, String?)] {
            let scanned = try catalog.stats(by: Self.groupings, from: from, to: to, now: now)
            for (g, rows) in zip(Self.groupings, scanned) {
                let expected = try Self.groupBy(catalog, g, from: from, to: to, now: now)
                #expect(rows.map(Self.line) == expected, "\(g?.rawValue ?? "overall") \(from ?? "…")–\(to ?? "…")")
            }
            #expect(scanned.allSatisfy { !$0.isEmpty } || from == "1990-01-01")
        }
        // The period report: each count as its own GROUP BY gives it.
        for (first, last) in [(years[0] + "-01-01", years[0] + "-12-31"), (years[1] + "-04-01", years[1] + "-06-30")] {
            let start = Self.midnight(first), end = Self.midnight(last) + 86400
            let scanned = try catalog.periodStats(by: Self.groupings, start: start, end: end, overdueBefore: end)
            for (g, rows) in zip(Self.groupings, scanned) {
                let expected = try Self.periodGroupBy(catalog, g, start: start, end: end)
                #expect(rows.map { "\($0.key)|\($0.label)|\($0.carried)|\($0.received)|\($0.resolved)|\($0.open)|\($0.overdue)|\($0.closed)|"
                                   + "\($0.early)|\($0.onTime)|\($0.late)|\($0.online)" } == expected,
                        "period \(g?.rawValue ?? "overall") \(first)–\(last)")
            }
        }
    }

    /// The start of a day in Vietnam's time (UTC+7), in seconds since 1970.
    static func midnight(_ day: String) -> Int64 {
        Int64(ISO8601DateFormatter().date(from: day + "T00:00:00+07:00")!.timeIntervalSince1970)
    }

    static func line(_ r: StatsRow) -> String {
        "\(r.key)|\(r.label)|\(r.total)|\(r.resolved)|\(r.early)|\(r.onTime)|\(r.late)|\(r.unresolved)|\(r.closed)|\(r.digitized)|\(r.online)|\(r.overdue)"
    }

    /// One grouping counted by SQLite alone, a query of its own: the bare columns come from the
    /// row of the group's max().
    static func groupBy(_ catalog: Catalog, _ g: StatsGrouping?, from: String?, to: String?, now: Int64) throws -> [String] {
        let key = g?.keySQL ?? "'all'", label = g?.labelSQL ?? "'all dossiers'"
        var period = ["1"]
        if let from { period.append("received_day >= '\(from)'") }
        if let to { period.append("received_day <= '\(to)'") }
        let p = "(" + period.joined(separator: " AND ") + ")"
        let open = "timeliness = 'unresolved' AND status NOT IN ('rejected', 'withdrawn')"
        let sql = """
            SELECT \(key) AS k, \(label) AS l, max(received_day || char(31) || number),
                   sum(\(p)), sum(\(p) AND timeliness != 'unresolved'), sum(\(p) AND timeliness = 'early'),
                   sum(\(p) AND timeliness = 'on-time'), sum(\(p) AND timeliness = 'late'), sum(\(p) AND \(open)),
                   sum(\(p) AND timeliness = 'unresolved' AND status IN ('rejected', 'withdrawn')), sum(\(p) AND digitized),
                   sum(\(p) AND channel = 'online'), sum(\(p) AND \(open) AND due_at < \(now))
            FROM dossiers WHERE is_current = 1 GROUP BY k HAVING sum(\(p)) > 0
            ORDER BY \(g == .year ? "k" : "4 DESC, k")
            """
        let rows = try catalog.db.read { db in
            try Row.fetchAll(db, sql: sql).map { Self.cells($0, counts: 3...12) }
        }
        return g == nil && rows.isEmpty ? ["all|all dossiers|0|0|0|0|0|0|0|0|0|0"] : rows
    }

    static func periodGroupBy(_ catalog: Catalog, _ g: StatsGrouping?, start: Int64, end: Int64) throws -> [String] {
        let key = g?.keySQL ?? "'all'", label = g?.labelSQL ?? "'all dossiers'"
        let closed = "status IN ('rejected', 'withdrawn')"
        let open = "received_at < \(end) AND NOT \(closed) AND NOT (timeliness != 'unresolved' AND completed_at < \(end))"
        let resolvedIn = "timeliness != 'unresolved' AND completed_at >= \(start) AND completed_at < \(end)"
        let sql = """
            SELECT \(key) AS k, \(label) AS l, max(received_day || char(31) || number),
                   sum(received_at < \(start) AND NOT \(closed) AND NOT (timeliness != 'unresolved' AND completed_at < \(start))) AS carried,
                   sum(received_at >= \(start) AND received_at < \(end)) AS received,
                   sum(\(resolvedIn)),
                   sum(\(open)), sum(\(open) AND due_at < \(end)),
                   sum(received_at >= \(start) AND received_at < \(end) AND \(closed)),
                   sum(\(resolvedIn) AND timeliness = 'early'), sum(\(resolvedIn) AND timeliness = 'on-time'),
                   sum(\(resolvedIn) AND timeliness = 'late'), sum(received_at >= \(start) AND received_at < \(end) AND channel = 'online')
            FROM dossiers WHERE is_current = 1 GROUP BY k HAVING carried + received > 0
            """
        var rows = try catalog.db.read { db in
            try Row.fetchAll(db, sql: sql).map { r -> (key: String, handled: Int, line: String) in
                let carried: Int = r[3] ?? 0, received: Int = r[4] ?? 0
                return (r[0] ?? "", carried + received, Self.cells(r, counts: 3...12))
            }
        }
        rows.sort { g == .year ? $0.key < $1.key : ($0.handled, $1.key) > ($1.handled, $0.key) }
        return g == nil && rows.isEmpty ? ["all|all dossiers|0|0|0|0|0|0|0|0|0|0"] : rows.map(\.line)
    }

    /// Key, label and counts as one line (a NULL sum, of no row, is 0).
    static func cells(_ r: Row, counts: ClosedRange<Int>) -> String {
        var out: [String] = [r[0] ?? "", r[1] ?? ""]
        for i in counts { let n: Int = r[i] ?? 0; out.append(String(n)) }
        return out.joined(separator: "|")
    }
}
