import GRDB
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
    /// Totals over current versions received in [from, to] (days as YYYY-MM-DD), grouped or not;
    /// open dossiers due before `now` (seconds since 1970; stats passes the start of the day) are
    /// counted overdue.
    public func stats(by grouping: StatsGrouping?, from: String?, to: String?, now: Int64) throws -> [StatsRow] {
        var args: [String: (any DatabaseValueConvertible)?] = ["now": now]
        var period: [String] = []
        if let from { period.append("received_day >= :from"); args["from"] = from }
        if let to { period.append("received_day <= :to"); args["to"] = to }
        // Over a period, an agency or a procedure is still named by its latest dossier of all (a
        // report of 2019 shows an agency renamed since by its current name, as search's facets
        // do): every current row is read, and the period counts in each sum, in one pass.
        let namesFromAll = (grouping == .agency || grouping == .handlingAgency || grouping == .procedure) && !period.isEmpty
        let inPeriod = period.isEmpty ? "1" : "(" + period.joined(separator: " AND ") + ")"
        let counted = namesFromAll ? inPeriod + " AND " : ""
        let key = grouping?.keySQL ?? "'all'"
        let label = grouping?.labelSQL ?? "'all dossiers'"
        // The latest dossier as search's facets take it (`Segment.receivedLater`): the latest
        // day, then the greater number.
        let sql = """
            SELECT \(key) AS k, \(label) AS l, max(received_day || char(31) || number) AS latest,
                   sum(\(namesFromAll ? inPeriod : "1")) AS total,
                   sum(\(counted)timeliness != 'unresolved') AS resolved,
                   sum(\(counted)timeliness = 'early') AS early, sum(\(counted)timeliness = 'on-time') AS on_time,
                   sum(\(counted)timeliness = 'late') AS late,
                   sum(\(counted)timeliness = 'unresolved' AND status NOT IN ('rejected', 'withdrawn')) AS unresolved,
                   sum(\(counted)timeliness = 'unresolved' AND status IN ('rejected', 'withdrawn')) AS closed,
                   sum(\(counted)digitized) AS digitized, sum(\(counted)channel = 'online') AS online,
                   sum(\(counted)timeliness = 'unresolved' AND status NOT IN ('rejected', 'withdrawn') AND due_at < :now) AS overdue
            FROM dossiers WHERE is_current = 1\(namesFromAll || period.isEmpty ? "" : " AND " + inPeriod)
            GROUP BY k ORDER BY \(grouping == .year ? "k" : "total DESC, k")
            """
        let rows = try db.read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).compactMap { r -> StatsRow? in
                let total: Int = r["total"] ?? 0
                guard total > 0 else { return nil }
                return StatsRow(key: r["k"] ?? "", label: r["l"] ?? "", total: total, resolved: r["resolved"] ?? 0,
                                early: r["early"] ?? 0, onTime: r["on_time"] ?? 0, late: r["late"] ?? 0,
                                unresolved: r["unresolved"] ?? 0, closed: r["closed"] ?? 0, digitized: r["digitized"] ?? 0,
                                online: r["online"] ?? 0, overdue: r["overdue"] ?? 0)
            }
        }
        // The overview of an empty period is a row of zeros, not no row.
        return grouping == nil && rows.isEmpty ? [StatsRow(key: "all", label: "all dossiers")] : rows
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
    public func periodStats(by grouping: StatsGrouping?, start: Int64, end: Int64, overdueBefore: Int64) throws -> [PeriodRow] {
        let key = grouping?.keySQL ?? "'all'"
        let label = grouping?.labelSQL ?? "'all dossiers'"
        let closed = "status IN ('rejected', 'withdrawn')"
        let resolvedBefore = { (t: String) in "(timeliness != 'unresolved' AND completed_at < \(t))" }
        let inPeriod = "(received_at >= :start AND received_at < :end)"
        let resolvedIn = "(timeliness != 'unresolved' AND completed_at >= :start AND completed_at < :end)"
        let openAtEnd = "(received_at < :end AND NOT \(closed) AND NOT \(resolvedBefore(":end")))"
        // Every current row is read, so that a group is named by its latest dossier of all, as
        // the other reports and search's facets name it.
        let sql = """
            SELECT \(key) AS k, \(label) AS l, max(received_day || char(31) || number) AS latest,
                   sum(received_at < :start AND NOT \(closed) AND NOT \(resolvedBefore(":start"))) AS carried,
                   sum(\(inPeriod)) AS received, sum(\(inPeriod) AND channel = 'online') AS online,
                   sum(\(inPeriod) AND \(closed)) AS closed,
                   sum(\(resolvedIn)) AS resolved, sum(\(resolvedIn) AND timeliness = 'early') AS early,
                   sum(\(resolvedIn) AND timeliness = 'on-time') AS on_time, sum(\(resolvedIn) AND timeliness = 'late') AS late,
                   sum(\(openAtEnd)) AS open, sum(\(openAtEnd) AND due_at < :overdue) AS overdue
            FROM dossiers WHERE is_current = 1
            GROUP BY k
            """
        let args: [String: (any DatabaseValueConvertible)?] = ["start": start, "end": end, "overdue": overdueBefore]
        var rows = try db.read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).compactMap { r -> PeriodRow? in
                var p = PeriodRow(key: r["k"] ?? "", label: r["l"] ?? "")
                p.carried = r["carried"] ?? 0; p.received = r["received"] ?? 0; p.online = r["online"] ?? 0
                p.closed = r["closed"] ?? 0; p.resolved = r["resolved"] ?? 0; p.early = r["early"] ?? 0
                p.onTime = r["on_time"] ?? 0; p.late = r["late"] ?? 0; p.open = r["open"] ?? 0; p.overdue = r["overdue"] ?? 0
                return p.handled == 0 ? nil : p
            }
        }
        rows.sort { grouping == .year ? $0.key < $1.key : ($0.handled, $1.key) > ($1.handled, $0.key) }
        return grouping == nil && rows.isEmpty ? [PeriodRow(key: "all", label: "all dossiers")] : rows
    }
}
