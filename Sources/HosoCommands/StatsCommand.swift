public import ArgumentParser
import Foundation
import HosoArchive
import HosoCatalog
import HosoCore
import HosoIndex

extension StatsGrouping: ExpressibleByArgument {}

/// `hoso stats`: the figures one-stop offices report, from the catalog.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats",
        abstract: "Report dossiers by year, agency, procedure and status, and how many were resolved on time.",
        discussion: """
        Counts current dossier versions, by the day they were received (--from, --to, in \
        Vietnam's time) and the agency that received them. Resolved dossiers are early (sớm hạn: \
        completed on a day before the appointment's), on time (đúng hạn: by the appointment) or \
        late (trễ hạn: after it), judged by completedAt against dueAt to the second (fractions of \
        a second are not counted); the on-time rate counts early and on time over resolved. Open \
        dossiers (received, processing, waiting for a supplement) are not resolved, so never late; \
        those whose appointment day is before the day the report runs are counted overdue (quá hạn), \
        by the status their archived XML recorded. Rejected and withdrawn ones are closed, in \
        neither. Online: submitted online (trực tuyến), over all dossiers. Digitized: dossiers \
        whose XML records their digitization, over all dossiers. Percentages are rounded half up \
        from the counts (one decimal; the rate of --csv and --json is a fraction with four). \
        --csv writes UTF-8 with a byte-order mark, so that a spreadsheet opened by a double \
        click shows Vietnamese names; every row carries the period asked and the moment the \
        report was made (overdue depends on it), as --json does at its top.

        --period gives the period report instead, as offices file it each month, quarter or \
        year (--from is its first day, --to its last, today if not given): dossiers carried \
        over from before the period (received before it, not yet resolved when it began), \
        received in it (of them submitted online), resolved in it (completedAt in the period, \
        whenever received: early, on time, late, and the on-time rate over them) and still open \
        at its end (received by then, not resolved by then), of them overdue (appointment day \
        before the day after the period, or before today for a period not yet over). Rejected and \
        withdrawn dossiers are counted among those received in the period (closed), never \
        carried over or open: the XML records no day for a refusal or a withdrawal. Carried over \
        and received make the dossiers handled, which are resolved, open or closed.
        """)

    @OptionGroup var archiveOptions: ArchiveOptions
    @Option(name: .long, help: "Group by year, agency (the one-stop office that received), handling-agency (the agency that handled), procedure, status, sector or channel; repeat for several (default: the overview and every grouping).")
    var by: [StatsGrouping] = []
    @Option(name: .long, help: "Only dossiers received on or after this day (YYYY-MM-DD, dd/mm/yyyy; a year or YYYY-MM: from its first day); with --period, the period's first day.") var from: String?
    @Option(name: .long, help: "Only dossiers received on or before this day (YYYY-MM-DD, dd/mm/yyyy; a year or YYYY-MM: to its last day); with --period, the period's last day.") var to: String?
    @Flag(name: .long, help: "The period report from --from to --to (today if not given): carried over, received, resolved in the period (early, on time, late) and open at its end (overdue or not).")
    var period = false
    @Flag(name: .long, help: "Comma-separated values instead of tables.") var csv = false
    @Option(name: .long, help: "CSV with this separator (implies --csv): ',' (the default) or ';' for a spreadsheet set to Vietnamese, whose list separator is ';' and decimal mark ',' (the rate is then written 0,9630).")
    var csvSeparator: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let from, DayArgument.parse(from) == nil { throw ValidationError("--from: " + DayArgument.problem(from)) }
        if let to, DayArgument.parse(to, end: true) == nil { throw ValidationError("--to: " + DayArgument.problem(to)) }
        if let f = from.flatMap({ DayArgument.parse($0) }), let t = to.flatMap({ DayArgument.parse($0, end: true) }), f > t {
            throw ValidationError("--from \(from!) is after --to \(to!): write the earlier day first")
        }
        if period && from == nil {
            throw ValidationError("--period needs --from, the period's first day (and --to, its last: today if not given), for example --from 2024-01-01 --to 2024-03-31")
        }
        if period, let f = from.flatMap({ DayArgument.parse($0) }), f > DayArgument.vietnamTime(Int64(Date().timeIntervalSince1970)).prefix(10) {
            throw ValidationError("--from \(from!) is after today: a period reported on has begun (its dossiers open today would count as carried over into it)")
        }
        if (csv || csvSeparator != nil) && output.json { throw ValidationError("choose one of --csv (or --csv-separator) and --json") }
        if let csvSeparator, CSV(named: csvSeparator) == nil { throw ValidationError("--csv-separator: ',' or ';' (comma or semicolon)") }
    }

    func run() throws {
        let archive = try archiveOptions.open()
        let catalog = try archive.openCatalogForReading()
        let f = from.flatMap { DayArgument.parse($0) }, t = to.flatMap { DayArgument.parse($0, end: true) }
        var groupings: [StatsGrouping?] = []
        for g in by where !groupings.contains(g) { groupings.append(g) }
        if groupings.isEmpty { groupings = [nil, .year, .agency, .handlingAgency, .procedure, .status, .sector, .channel] }
        let now = Int64(Date().timeIntervalSince1970)
        // What a saved report covers and when it was made: overdue is judged on that day, by
        // whole days in Vietnam's time (an appointment day before it), as search's quá hạn.
        let asOf = DayArgument.vietnamTime(now)
        let today = (now + 7 * 3600).quotientAndRemainder(dividingBy: 86400).quotient * 86400 - 7 * 3600
        if period {
            return try report(catalog, groupings, from: f!, to: t ?? DayArgument.vietnamTime(now).prefix(10).description, now: now, today: today)
        }
        let tables = Array(zip(groupings, try catalog.stats(by: groupings, from: f, to: t, now: today)))

        if output.json {
            struct Report: Encodable {
                let groups: [String: [Row]]; let from, to: String?; let asOf: String
                /// As in search's JSON: the catalog answered from although it lags the ledger.
                let behind: [String: Int?]
                typealias Key = JSON.Key
                func encode(to encoder: any Encoder) throws {
                    var c = encoder.container(keyedBy: Key.self)
                    for (k, rows) in groups { try c.encode(rows, forKey: Key(k)) }
                    // null when the period is open at that end, not left out
                    try c.encode(["from": from, "to": to], forKey: Key("received"))
                    try c.encode(asOf, forKey: Key("asOf"))
                    if !behind.isEmpty { try c.encode(behind, forKey: Key("behind")) }
                }
            }
            struct Row: Encodable {
                let key, label: String; let total, resolved, early, onTime, late, unresolved, overdue, closed, digitized, online: Int; let onTimeRate: Decimal?
                enum CodingKeys: String, CodingKey { case key, label, total, resolved, early, onTime, late, unresolved, overdue, closed, digitized, online, onTimeRate }
                func encode(to encoder: any Encoder) throws {
                    var c = encoder.container(keyedBy: CodingKeys.self)
                    try c.encode(key, forKey: .key); try c.encode(label, forKey: .label); try c.encode(total, forKey: .total)
                    try c.encode(resolved, forKey: .resolved); try c.encode(early, forKey: .early); try c.encode(onTime, forKey: .onTime)
                    try c.encode(late, forKey: .late); try c.encode(unresolved, forKey: .unresolved); try c.encode(overdue, forKey: .overdue)
                    try c.encode(closed, forKey: .closed); try c.encode(digitized, forKey: .digitized); try c.encode(online, forKey: .online)
                    try c.encode(onTimeRate, forKey: .onTimeRate)  // null when nothing was resolved, not left out
                }
            }
            var out: [String: [Row]] = [:]
            for (g, rows) in tables {
                out[g?.rawValue ?? "overall"] = rows.map { Row(key: $0.key, label: $0.label, total: $0.total, resolved: $0.resolved, early: $0.early,
                                                              onTime: $0.onTime, late: $0.late, unresolved: $0.unresolved, overdue: $0.overdue, closed: $0.closed,
                                                              digitized: $0.digitized, online: $0.online,
                                                              onTimeRate: $0.onTimeRate.flatMap { Decimal(string: $0) }) }
            }
            Console.shared.out(JSON.encode(Report(groups: out, from: f, to: t, asOf: asOf, behind: Archive.answeredBehind)))
            return
        }
        if csv || csvSeparator != nil {
            // The byte-order mark tells a spreadsheet the file is UTF-8 (without it, Excel reads
            // "phường" in the Windows code page).
            let table = CSV(named: csvSeparator ?? ",") ?? CSV()
            Console.shared.out("\u{FEFF}" + table.row(["grouping", "key", "label", "total", "resolved", "early", "on_time", "late", "unresolved",
                                                      "on_time_rate", "digitized", "closed", "overdue", "online", "received_from", "received_to", "as_of"]))
            for (g, rows) in tables {
                for r in rows {
                    let cells = [g?.rawValue ?? "overall", r.key, r.label, "\(r.total)", "\(r.resolved)", "\(r.early)", "\(r.onTime)",
                                 "\(r.late)", "\(r.unresolved)", r.onTimeRate.map(table.decimal) ?? "", "\(r.digitized)", "\(r.closed)",
                                 "\(r.overdue)", "\(r.online)", f ?? "", t ?? "", asOf]
                    Console.shared.out(table.row(cells))
                }
            }
            return
        }
        let c = Console.shared
        if f != nil || t != nil { c.out("received \(f ?? "…") to \(t ?? "…")") }
        for (g, rows) in tables {
            if let g { c.out(""); c.out(c.bold("By \(g.rawValue)")) }
            if g == nil, let r = rows.first {
                c.out(c.bold("\(r.total) dossier\(r.total == 1 ? "" : "s")") + ", \(r.resolved) resolved: \(r.early) early (\(Format.percent(r.early, r.resolved))), \(r.onTime) on time (\(Format.percent(r.onTime, r.resolved))), \(r.late) late (\(Format.percent(r.late, r.resolved)))")
                c.out("on time or early: \(Format.percent(r.early + r.onTime, r.resolved)) of resolved; \(r.unresolved) still open (\(r.overdue) past due), \(r.closed) rejected or withdrawn")
                c.out("submitted online: \(r.online) (\(Format.percent(r.online, r.total))); digitization recorded for \(r.digitized) (\(Format.percent(r.digitized, r.total)))")
                continue
            }
            if g == nil { c.out("no dossiers"); continue }
            if rows.isEmpty { c.out("no dossiers" + (f != nil || t != nil ? " received in this period" : "")); continue }
            // The key column as wide as its longest key (supplement-requested, long sector names).
            let keyWidth = max(16, (rows.map(\.key.count).max() ?? 0) + 2)
            c.out(pad("", keyWidth) + pad("total", 7, right: true) + pad("early", 7, right: true) + pad("on time", 9, right: true) + pad("late", 6, right: true) + pad("open", 6, right: true) + pad("overdue", 9, right: true) + pad("closed", 8, right: true) + pad("rate", 8, right: true) + "  name")
            for r in rows {
                c.out(pad(r.key, keyWidth) + pad("\(r.total)", 7, right: true) + pad("\(r.early)", 7, right: true) + pad("\(r.onTime)", 9, right: true)
                      + pad("\(r.late)", 6, right: true) + pad("\(r.unresolved)", 6, right: true) + pad("\(r.overdue)", 9, right: true)
                      + pad("\(r.closed)", 8, right: true)
                      + pad(Format.percent(r.early + r.onTime, r.resolved), 8, right: true) + "  " + (r.label == r.key ? "" : r.label))
            }
        }
    }

    /// The period report (--period): `from` and `to` are ISO days, `today` the Vietnam midnight
    /// of the day the report runs.
    func report(_ catalog: Catalog, _ groupings: [StatsGrouping?], from: String, to: String, now: Int64, today: Int64) throws {
        let start = Int64(DayArgument.days(from)!) * 86400 - 7 * 3600
        let end = (Int64(DayArgument.days(to)!) + 1) * 86400 - 7 * 3600
        // At the period's end, or now if it is not over: a day not yet ended is not yet missed.
        let overdueBefore = min(end, today)
        let asOf = DayArgument.vietnamTime(min(end, now))
        let tables = Array(zip(groupings, try catalog.periodStats(by: groupings, start: start, end: end, overdueBefore: overdueBefore)))
        let names = ["carried", "received", "online", "resolved", "early", "onTime", "late", "open", "overdue", "closed"]
        func counts(_ r: PeriodRow) -> [Int] { [r.carried, r.received, r.online, r.resolved, r.early, r.onTime, r.late, r.open, r.overdue, r.closed] }

        if output.json {
            struct Row: Encodable {
                let row: PeriodRow; let names: [String]; let counts: [Int]
                func encode(to encoder: any Encoder) throws {
                    var c = encoder.container(keyedBy: JSON.Key.self)
                    try c.encode(row.key, forKey: JSON.Key("key")); try c.encode(row.label, forKey: JSON.Key("label"))
                    for (n, v) in zip(names, counts) { try c.encode(v, forKey: JSON.Key(n)) }
                    try c.encode(row.handled, forKey: JSON.Key("handled"))
                    try c.encode(row.onTimeRate.flatMap { Decimal(string: $0) }, forKey: JSON.Key("onTimeRate"))  // null: nothing resolved
                }
            }
            struct Report: Encodable {
                let groups: [String: [Row]]; let from, to, asOf: String; let behind: [String: Int?]
                func encode(to encoder: any Encoder) throws {
                    var c = encoder.container(keyedBy: JSON.Key.self)
                    for (k, rows) in groups { try c.encode(rows, forKey: JSON.Key(k)) }
                    try c.encode(["from": from, "to": to], forKey: JSON.Key("period"))
                    try c.encode(asOf, forKey: JSON.Key("asOf"))
                    if !behind.isEmpty { try c.encode(behind, forKey: JSON.Key("behind")) }
                }
            }
            var groups: [String: [Row]] = [:]
            for (g, rows) in tables { groups[g?.rawValue ?? "overall"] = rows.map { Row(row: $0, names: names, counts: counts($0)) } }
            Console.shared.out(JSON.encode(Report(groups: groups, from: from, to: to, asOf: asOf, behind: Archive.answeredBehind)))
            return
        }
        if csv || csvSeparator != nil {
            let table = CSV(named: csvSeparator ?? ",") ?? CSV()
            let columns = names.map { $0 == "onTime" ? "on_time" : $0 }
            Console.shared.out("\u{FEFF}" + table.row(["grouping", "key", "label"] + columns + ["handled", "on_time_rate", "period_from", "period_to", "as_of"]))
            for (g, rows) in tables {
                for r in rows {
                    Console.shared.out(table.row([g?.rawValue ?? "overall", r.key, r.label] + counts(r).map(String.init)
                                                 + ["\(r.handled)", r.onTimeRate.map(table.decimal) ?? "", from, to, asOf]))
                }
            }
            return
        }
        let c = Console.shared
        c.out("period \(from) to \(to), " + (end <= now ? "as it stood at its end" : "as of \(asOf)"))
        for (g, rows) in tables {
            if let g { c.out(""); c.out(c.bold("By \(g.rawValue)")) }
            if g == nil, let r = rows.first {
                c.out(c.bold("\(r.handled) dossier\(r.handled == 1 ? "" : "s") handled") + ": \(r.carried) carried over, \(r.received) received (\(r.online) online)")
                c.out("resolved in the period: \(r.resolved): \(r.early) early (\(Format.percent(r.early, r.resolved))), \(r.onTime) on time (\(Format.percent(r.onTime, r.resolved))), \(r.late) late (\(Format.percent(r.late, r.resolved))); on time or early: \(Format.percent(r.early + r.onTime, r.resolved))")
                c.out("open at its end: \(r.open) (\(r.overdue) overdue, \(r.open - r.overdue) within time); \(r.closed) rejected or withdrawn")
                continue
            }
            if rows.isEmpty { c.out("no dossiers handled in this period"); continue }
            let keyWidth = max(16, (rows.map(\.key.count).max() ?? 0) + 2)
            let heads = [("carried", 9), ("received", 10), ("online", 8), ("resolved", 10), ("early", 7), ("on time", 9), ("late", 6), ("open", 6), ("overdue", 9), ("closed", 8), ("rate", 8)]
            c.out(pad("", keyWidth) + heads.map { pad($0.0, $0.1, right: true) }.joined() + "  name")
            for r in rows {
                let cells = [r.carried, r.received, r.online, r.resolved, r.early, r.onTime, r.late, r.open, r.overdue, r.closed].map { "\($0)" }
                    + [Format.percent(r.early + r.onTime, r.resolved)]
                c.out(pad(r.key, keyWidth) + zip(cells, heads).map { pad($0, $1.1, right: true) }.joined() + "  " + (r.label == r.key ? "" : r.label))
            }
        }
    }

    /// A table cell: aligned in `width` columns, or followed by a space when it fills them.
    func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        s.count >= width ? s + " " : Format.aligned(s, width, right: right)
    }

}

/// Days given on the command line, as search's date ranges read them: ISO `2022-01-31`,
/// Vietnamese `31/01/2022`, a year `2022` or a month `2022-05` (its first day, or with `end`
/// its last), as an ISO day.
enum DayArgument {
    static func parse(_ s: String, end: Bool = false) -> String? {
        guard let d = QueryParser.day(s, end: end) else { return nil }
        let c = Timestamp.civilFromDays(Int(d))
        return String(format: "%04d-%02d-%02d", c.year, c.month, c.day)
    }

    /// The day `s` names, in days since 1970 (its last day with `end`).
    static func days(_ s: String, end: Bool = false) -> Int32? { QueryParser.day(s, end: end) }

    /// Why `s` is not a day: a day that the calendar does not have is told apart from a form
    /// that is not read at all.
    static func problem(_ s: String) -> String {
        let forms = "YYYY-MM-DD, dd/mm/yyyy, YYYY or YYYY-MM"
        if let missing = QueryParser.missingDay(s) { return "\(missing) (\(forms))" }
        return "'\(s)' is not a date in a form read here (\(forms))"
    }

    /// A moment as Vietnam's clock shows it (UTC+7), to the second: 2026-11-30T10:55:00+07:00.
    static func vietnamTime(_ seconds: Int64) -> String {
        let local = seconds + 7 * 3600
        var days = local / 86400
        if local % 86400 < 0 { days -= 1 }
        let rest = Int(local - days * 86400)
        let c = Timestamp.civilFromDays(Int(days))
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d+07:00", c.year, c.month, c.day, rest / 3600, rest / 60 % 60, rest % 60)
    }
}
