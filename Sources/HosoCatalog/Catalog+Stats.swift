import GRDB

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

    /// Resolved early or on time, as a share of resolved (the "đúng hạn" rate offices publish).
    public var onTimeRate: Double? { resolved == 0 ? nil : Double(early + onTime) / Double(resolved) }
}

public enum StatsGrouping: String, Sendable, CaseIterable {
    case year, agency, procedure, status, sector

    var keySQL: String {
        switch self {
        case .year: "substr(received_day, 1, 4)"
        case .agency: "receiving_agency_code"
        case .procedure: "procedure_code"
        case .status: "status"
        case .sector: "sector"
        }
    }
    var labelSQL: String {
        switch self {
        case .year: "substr(received_day, 1, 4)"
        case .agency: "max(receiving_agency_name)"
        case .procedure: "max(procedure_name)"
        case .status: "status"
        case .sector: "sector"
        }
    }
}

extension Catalog {
    /// Totals over current versions received in [from, to] (days as YYYY-MM-DD), grouped or not.
    public func stats(by grouping: StatsGrouping?, from: String?, to: String?) throws -> [StatsRow] {
        var conditions = ["is_current = 1"]
        var args: [any DatabaseValueConvertible] = []
        if let from { conditions.append("received_day >= ?"); args.append(from) }
        if let to { conditions.append("received_day <= ?"); args.append(to) }
        let key = grouping?.keySQL ?? "'all'"
        let label = grouping?.labelSQL ?? "'all dossiers'"
        let sql = """
            SELECT \(key) AS k, \(label) AS l, count(*) AS total,
                   sum(timeliness != 'unresolved') AS resolved,
                   sum(timeliness = 'early') AS early, sum(timeliness = 'on-time') AS on_time,
                   sum(timeliness = 'late') AS late,
                   sum(timeliness = 'unresolved' AND status NOT IN ('rejected', 'withdrawn')) AS unresolved,
                   sum(timeliness = 'unresolved' AND status IN ('rejected', 'withdrawn')) AS closed,
                   sum(digitized) AS digitized
            FROM dossiers WHERE \(conditions.joined(separator: " AND "))
            GROUP BY k ORDER BY \(grouping == .year ? "k" : "total DESC, k")
            """
        return try db.read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).compactMap { r in
                let total: Int = r["total"]
                guard total > 0 else { return nil }
                return StatsRow(key: r["k"] ?? "", label: r["l"] ?? "", total: total, resolved: r["resolved"] ?? 0,
                                early: r["early"] ?? 0, onTime: r["on_time"] ?? 0, late: r["late"] ?? 0,
                                unresolved: r["unresolved"] ?? 0, closed: r["closed"] ?? 0, digitized: r["digitized"] ?? 0)
            }
        }
    }
}
