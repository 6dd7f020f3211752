import Foundation
import GRDB
import GRDBSQLite
import HosoCore

/// Figures one-stop offices report, over current dossier versions.
public struct StatsRow: Sendable, Encodable {
    public var key: String
    public var label: String
    public var total: Int
    public var resolved: Int
    public var early: Int
    public var onTime: Int
    public var late: Int
    /// Still in process (received, processing, waiting for a supplement).
    public var unresolved: Int
    /// Ended without a result: rejected or withdrawn (neither resolved nor open).
    public var closed: Int
    public var digitized: Int
    /// Submitted online (trực tuyến), of `total`.
    public var online: Int
    /// Open and past their appointment when the report was made (quá hạn): the figure offices
    /// chase. An archived dossier's status is the one its XML recorded.
    public var overdue: Int

    /// Resolved early or on time, as a share of resolved (the "đúng hạn" rate offices publish):
    /// a fraction with four decimals, rounded half up from the counts; nil when nothing was
    /// resolved.
    public var onTimeRate: String? { resolved == 0 ? nil : Rounding.halfUp(early + onTime, resolved, places: 4) }

    public init(key: String, label: String, total: Int = 0, resolved: Int = 0, early: Int = 0, onTime: Int = 0, late: Int = 0,
                unresolved: Int = 0, closed: Int = 0, digitized: Int = 0, online: Int = 0, overdue: Int = 0) {
        self.key = key; self.label = label; self.total = total; self.resolved = resolved; self.early = early
        self.onTime = onTime; self.late = late; self.unresolved = unresolved; self.closed = closed; self.digitized = digitized
        self.online = online; self.overdue = overdue
    }
}

public enum StatsGrouping: String, Sendable, CaseIterable {
    case year, agency
    /// The agency that handled the dossier (cơ quan giải quyết), where `agency` is the one-stop
    /// office that received it.
    case handlingAgency = "handling-agency"
    case procedure, status, sector, channel

    var keySQL: String {
        switch self {
        case .year: "substr(received_day, 1, 4)"
        case .agency: "receiving_agency_code"
        case .handlingAgency: "handling_agency_code"
        case .procedure: "procedure_code"
        case .status: "status"
        case .sector: "sector"
        case .channel: "channel"
        }
    }
    var labelSQL: String {
        switch self {
        case .year: "substr(received_day, 1, 4)"
        // The name of the group's latest dossier (SQLite takes a bare column from the row that
        // gives the query's one max(): `latest` below): an agency renamed is shown by its
        // current name.
        case .agency: "receiving_agency_name"
        case .handlingAgency: "handling_agency_name"
        case .procedure: "procedure_name"
        case .status: "status"
        case .sector: "sector"
        case .channel: "channel"
        }
    }
}

extension Catalog {
    /// Totals over current versions received in [from, to] (days as YYYY-MM-DD), for each
    /// grouping asked (nil: all dossiers in one row), read in one pass over the catalog; open
    /// dossiers due before `now` (seconds since 1970; stats passes the start of the day) are
    /// counted overdue. Each table is ordered as the report prints it: years in order, other
    /// groups by total (largest first), then key.
    public func stats(by groupings: [StatsGrouping?], from: String?, to: String?, now: Int64) throws -> [[StatsRow]] {
        var args: [String: (any DatabaseValueConvertible)?] = ["now": now]
        var period: [String] = []
        if let from { period.append("received_day >= :from"); args["from"] = from }
        if let to { period.append("received_day <= :to"); args["to"] = to }
        // Over a period, an agency or a procedure is still named by its latest dossier of all (a
        // report of 2019 shows an agency renamed since by its current name, as search's facets
        // do): then every current row is read, and the period counts in each sum. (A grouping
        // named by its key alone gets the same counts either way: its groups of no dossier in
        // the period are left out.)
        let namesFromAll = groupings.contains { $0 == .agency || $0 == .handlingAgency || $0 == .procedure } && !period.isEmpty
        let inPeriod = period.isEmpty ? "1" : "(" + period.joined(separator: " AND ") + ")"
        let counted = period.isEmpty ? "" : inPeriod + " AND "
        let open = "timeliness = 'unresolved' AND status NOT IN ('rejected', 'withdrawn')"
        let measures = [
            inPeriod, "\(counted)timeliness != 'unresolved'", "\(counted)timeliness = 'early'", "\(counted)timeliness = 'on-time'",
            "\(counted)timeliness = 'late'", "\(counted)\(open)", "\(counted)timeliness = 'unresolved' AND status IN ('rejected', 'withdrawn')",
            "\(counted)digitized", "\(counted)channel = 'online'", "\(counted)\(open) AND due_at < :now",
        ]
        let tables = try groupedSums(groupings, measures: measures, where: namesFromAll || period.isEmpty ? nil : inPeriod,
                                     arguments: StatementArguments(args))
        return zip(groupings, tables).map { grouping, groups in
            var rows = groups.compactMap { g -> StatsRow? in
                let m = g.sums
                guard m[0] > 0 else { return nil }
                return StatsRow(key: g.key, label: g.label, total: m[0], resolved: m[1], early: m[2], onTime: m[3], late: m[4],
                                unresolved: m[5], closed: m[6], digitized: m[7], online: m[8], overdue: m[9])
            }
            rows.sort { a, b in
                if grouping != .year && a.total != b.total { return a.total > b.total }
                return a.key.utf8.lexicographicallyPrecedes(b.key.utf8)     // as SQLite orders text
            }
            // The overview of an empty period is a row of zeros, not no row.
            return grouping == nil && rows.isEmpty ? [StatsRow(key: "all", label: "all dossiers")] : rows
        }
    }

    /// One group of a report: its key, the name its latest dossier gives it, and a count per
    /// measure.
    struct GroupSums {
        var key: String
        var label: String
        var sums: [Int]
    }

    /// Sums `measures` (SQL expressions worth 1 or 0 for a row; NULL counts 0) over current
    /// versions (and `condition`, if any), by each grouping of `groupings` (nil: one group of
    /// every row), in one scan of the catalog: a report of every grouping at a million dossiers
    /// took a scan each before, half a minute. A group is named as its latest dossier names it
    /// (the latest received day, then the greater number: `Segment.receivedLater`, as search's
    /// facets take it).
    func groupedSums(_ groupings: [StatsGrouping?], measures: [String], where condition: String?,
                     arguments: StatementArguments) throws -> [[GroupSums]] {
        // The latest dossier's day and number, where a group is named by it (a label that is
        // the key needs none).
        let named = groupings.contains { $0.map { $0.labelSQL != $0.keySQL } ?? false }
        let latest = Int32(measures.count)
        var columns = measures + (named ? ["received_day || char(31) || number"] : [])
        // Where each grouping's key and label are read (nil: the label is the key).
        var places: [(key: Int32, label: Int32?)?] = []
        for g in groupings {
            guard let g else { places.append(nil); continue }
            columns.append(g.keySQL)
            let key = Int32(columns.count - 1)
            if g.labelSQL != g.keySQL { columns.append(g.labelSQL) }
            places.append((key, g.labelSQL != g.keySQL ? Int32(columns.count - 1) : nil))
        }
        let sql = "SELECT " + columns.joined(separator: ", ") + " FROM dossiers WHERE is_current = 1"
            + (condition.map { " AND " + $0 } ?? "")

        /// One grouping's groups as they fill: keys and names stay bytes until the end.
        final class Table {
            var index: [[UInt8]: Int] = [:]
            var keys: [[UInt8]] = []
            var labels: [[UInt8]] = []
            var latest: [[UInt8]] = []
            var sums: [Int] = []              // measures × groups
            var last = -1                     // the group of the row before (rows in ingest order often share it)

            func group(_ key: UnsafeRawBufferPointer, measures n: Int) -> Int {
                if last >= 0 && Catalog.same(keys[last], key) { return last }
                let k = Array(key)
                if let found = index[k] { last = found; return found }
                last = keys.count
                index[k] = last
                keys.append(k); labels.append([]); latest.append([])
                sums.append(contentsOf: repeatElement(0, count: n))
                return last
            }
        }
        let tables = groupings.map { _ in Table() }
        let n = measures.count
        var row = [Int](repeating: 0, count: n)
        try db.read { db in
            let statement = try db.makeStatement(sql: sql)
            try statement.setArguments(arguments)
            try CatalogAudit.step(statement) { st in
                for m in 0..<n { row[m] = Int(sqlite3_column_int64(st, Int32(m))) }
                let newest = named ? Self.bytes(st, latest) : UnsafeRawBufferPointer(start: nil, count: 0)
                for (t, table) in tables.enumerated() {
                    let place = places[t]
                    let g = table.group(place.map { Self.bytes(st, $0.key) } ?? UnsafeRawBufferPointer(start: nil, count: 0), measures: n)
                    table.sums.withUnsafeMutableBufferPointer { sums in
                        for m in 0..<n { sums[g &* n &+ m] &+= row[m] }
                    }
                    if let label = place?.label, table.latest[g].isEmpty || Self.precedes(table.latest[g], newest) {
                        table.latest[g].removeAll(keepingCapacity: true)
                        table.latest[g].append(contentsOf: newest)
                        table.labels[g].removeAll(keepingCapacity: true)
                        table.labels[g].append(contentsOf: Self.bytes(st, label))
                    }
                }
            }
        }
        return zip(places, tables).map { place, table in
            table.keys.indices.map { g in
                let key = place == nil ? "all" : String(decoding: table.keys[g], as: UTF8.self)
                return GroupSums(key: key, label: place == nil ? "all dossiers" : place?.label == nil ? key : String(decoding: table.labels[g], as: UTF8.self),
                                 sums: Array(table.sums[g * n ..< (g + 1) * n]))
            }
        }
    }

    /// Whether `a` holds the bytes of `b`.
    static func same(_ a: [UInt8], _ b: UnsafeRawBufferPointer) -> Bool {
        a.count == b.count && a.withUnsafeBytes { a in a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
    }

    /// Whether `a` sorts before `b` as SQLite compares text (bytes, then length).
    static func precedes(_ a: [UInt8], _ b: UnsafeRawBufferPointer) -> Bool {
        a.withUnsafeBytes { a in
            let common = min(a.count, b.count)
            let c = common == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, common)
            return c != 0 ? c < 0 : a.count < b.count
        }
    }

    /// Column `i` of the current row as SQLite's text, valid until the next step (empty for
    /// NULL).
    static func bytes(_ st: OpaquePointer, _ i: Int32) -> UnsafeRawBufferPointer {
        guard let p = sqlite3_column_text(st, i) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: p, count: Int(sqlite3_column_bytes(st, i)))
    }
}

/// The figures of a period report, as one-stop offices file them each month, quarter or year:
/// what the period took over (carried over from before it, received in it), what it resolved
/// (early, on time, late) and what was still open at its end (within time or overdue).
public struct PeriodRow: Sendable {
    public var key: String
    public var label: String
    /// Received before the period and neither resolved before it nor rejected or withdrawn.
    public var carried = 0
    /// Received in the period (of them `online` submitted online; `closed` rejected or withdrawn).
    public var received = 0
    public var online = 0
    /// Resolved in the period (completedAt in it), whenever received.
    public var resolved = 0
    public var early = 0
    public var onTime = 0
    public var late = 0
    /// Received by the period's end and not resolved by then (nor rejected or withdrawn);
    /// `overdue` of them past their appointment day at that end.
    public var open = 0
    public var overdue = 0
    /// Rejected or withdrawn, of those received in the period: the XML records no day for a
    /// refusal or a withdrawal, so they are counted by the day they were received.
    public var closed = 0

    /// Early and on time over resolved in the period (four decimals, rounded half up); nil when
    /// the period resolved nothing.
    public var onTimeRate: String? { resolved == 0 ? nil : Rounding.halfUp(early + onTime, resolved, places: 4) }
    /// Carried over and received: what the period had to handle (resolved + open + closed).
    public var handled: Int { carried + received }

    public init(key: String, label: String) { self.key = key; self.label = label }
}

extension Catalog {
    /// The period report over current versions: the period is [start, end) in seconds since
    /// 1970 (stats passes the Vietnam midnights of its first day and of the day after its last),
    /// and open dossiers whose appointment is before `overdueBefore` are overdue at its end.
    public func periodStats(by groupings: [StatsGrouping?], start: Int64, end: Int64, overdueBefore: Int64) throws -> [[PeriodRow]] {
        let closed = "status IN ('rejected', 'withdrawn')"
        let resolvedBefore = { (t: String) in "(timeliness != 'unresolved' AND completed_at < \(t))" }
        let inPeriod = "(received_at >= :start AND received_at < :end)"
        let resolvedIn = "(timeliness != 'unresolved' AND completed_at >= :start AND completed_at < :end)"
        let openAtEnd = "(received_at < :end AND NOT \(closed) AND NOT \(resolvedBefore(":end")))"
        // Every current row is read, so that a group is named by its latest dossier of all, as
        // the other reports and search's facets name it.
        let measures = [
            "received_at < :start AND NOT \(closed) AND NOT \(resolvedBefore(":start"))",
            inPeriod, "\(inPeriod) AND channel = 'online'", "\(inPeriod) AND \(closed)",
            resolvedIn, "\(resolvedIn) AND timeliness = 'early'", "\(resolvedIn) AND timeliness = 'on-time'",
            "\(resolvedIn) AND timeliness = 'late'", openAtEnd, "\(openAtEnd) AND due_at < :overdue",
        ]
        let args: [String: (any DatabaseValueConvertible)?] = ["start": start, "end": end, "overdue": overdueBefore]
        let tables = try groupedSums(groupings, measures: measures, where: nil, arguments: StatementArguments(args))
        return zip(groupings, tables).map { grouping, groups in
            var rows = groups.compactMap { g -> PeriodRow? in
                let m = g.sums
                var p = PeriodRow(key: g.key, label: g.label)
                p.carried = m[0]; p.received = m[1]; p.online = m[2]; p.closed = m[3]; p.resolved = m[4]
                p.early = m[5]; p.onTime = m[6]; p.late = m[7]; p.open = m[8]; p.overdue = m[9]
                return p.handled == 0 ? nil : p
            }
            rows.sort { grouping == .year ? $0.key < $1.key : ($0.handled, $1.key) > ($1.handled, $0.key) }
            return grouping == nil && rows.isEmpty ? [PeriodRow(key: "all", label: "all dossiers")] : rows
        }
    }
}
