import Foundation
import Testing
import HosoTestSupport
import HosoCore
@testable import HosoCatalog

/// Copies some sample dossiers into a new batch folder.
func sampleBatch(_ t: TemporaryFolder, count: Int? = nil, name: String = "batch") throws -> String {
    let src = Repository.path("sample-archive/dossiers")
    var folders = try FileManager.default.contentsOfDirectory(atPath: src).sorted()
    if let count { folders = Array(folders.prefix(count)) }
    let dest = t.sub(name)
    try FileManager.default.createDirectory(atPath: dest, withIntermediateDirectories: true)
    for f in folders {
        let r = try shell("cp -a '\(src)/\(f)' '\(dest)/'")
        guard r.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSDebugDescriptionErrorKey: "cp \(f): \(r.status) \(r.output)"]) }
    }
    return dest
}

func states(_ report: [String: Any]) -> [String: Int] {
    var out: [String: Int] = [:]
    for d in report["dossiers"] as? [[String: Any]] ?? [] { out[d["state"] as? String ?? "?", default: 0] += 1 }
    return out
}

/// The catalog's content that must not depend on how an ingest was cut into checkpoints: every
/// column of every version and component but the ledger entry that archived it, and the objects
/// but ledger entries (whose content holds times) and the entry that first named them.
func catalogContent(_ archive: String) throws -> String {
    let db = "sqlite3 -readonly '\(archive)/catalog.sqlite'"
    let columns = try shell("\(db) \"SELECT group_concat(name, ', ') FROM pragma_table_info('dossiers') WHERE name != 'ledger_sequence'\"").output
        .trimmingCharacters(in: .whitespacesAndNewlines)
    return try shell("\(db) \"SELECT \(columns) FROM dossiers ORDER BY manifest; SELECT * FROM components ORDER BY manifest, position; SELECT id, size, kind FROM objects WHERE kind != 'ledger' ORDER BY id;\"").output
}

/// Objects in the store, less ledger entries (whose content holds times).
func storedObjects(_ archive: String) throws -> Set<String> {
    let out = try shell("cd '\(archive)/objects' && find . -type f ! -name '.tmp-*' | sed 's|^./||; s|/||'").output
    let ledger = try shell("sqlite3 -readonly '\(archive)/catalog.sqlite' \"SELECT substr(id, 8) FROM objects WHERE kind = 'ledger'\"").output
    return Set(out.split(separator: "\n").map(String.init)).subtracting(ledger.split(separator: "\n").map(String.init))
}

@Suite struct IngestTests {
    @Test func ingestRerunAndReport() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let batch = try sampleBatch(t)
        let first = try Hoso.run(["ingest", "--json", "--operator", "tester", batch], environment: ["HOSO_ARCHIVE": archive])
        #expect(first.status == 0, "\(first.stderr)")
        let report = try jsonObject(first.stdout)
        let n = (report["dossiers"] as? [Any])?.count ?? 0
        #expect(n >= 40)
        #expect(states(report) == ["archived": n])
        let head1 = try String(contentsOfFile: archive + "/ledger/HEAD", encoding: .utf8)

        // The same batch named twice, and one of its dossiers beside it: each dossier once.
        let one = batch + "/" + (try FileManager.default.contentsOfDirectory(atPath: batch).sorted()[0])
        let second = try Hoso.run(["ingest", "--json", batch, batch + "/", one], environment: ["HOSO_ARCHIVE": archive])
        #expect(second.status == 0, "\(second.stdout)")
        #expect(states(try jsonObject(second.stdout)) == ["already-archived": n])
        #expect(try String(contentsOfFile: archive + "/ledger/HEAD", encoding: .utf8) == head1, "a rerun commits nothing")
        // Named another way, from another folder (../batch), the files read before are known
        // by their identity on disk: nothing is read again.
        let parent = URL(fileURLWithPath: batch).deletingLastPathComponent().path, name = URL(fileURLWithPath: batch).lastPathComponent
        let elsewhere = try shell("mkdir -p '\(parent)/elsewhere' && cd '\(parent)/elsewhere' && HOSO_ARCHIVE='\(archive)' '\(Hoso.binary)' ingest --json '../\(name)'")
        let third = try jsonObject(elsewhere.output)
        #expect((third["summary"] as? [String: Any])?["bytesRead"] as? Int == 0, "\(third["summary"] ?? "")")

        let verify = try Hoso.run(["verify", "--json"], environment: ["HOSO_ARCHIVE": archive])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(try jsonObject(verify.stdout)["warnings"] as? Int == 0)

        let stats = try Hoso.run(["stats", "--json"], environment: ["HOSO_ARCHIVE": archive])
        #expect(stats.status == 0)
        let overall = (try jsonObject(stats.stdout)["overall"] as? [[String: Any]])?.first
        #expect(overall?["total"] as? Int == n)
        let parts = ["resolved", "unresolved", "closed"].map { overall?[$0] as? Int ?? -1 }
        #expect(parts.reduce(0, +) == n, "resolved, open and closed (rejected, withdrawn) add up: \(parts)")
        let years = try jsonObject(try Hoso.run(["stats", "--json", "--by", "year"], environment: ["HOSO_ARCHIVE": archive]).stdout)
        let firstYear = ((years["year"] as? [[String: Any]])?.first?["key"] as? String) ?? ""
        let inYear = try jsonObject(try Hoso.run(["stats", "--json", "--from", firstYear, "--to", firstYear], environment: ["HOSO_ARCHIVE": archive]).stdout)
        #expect((inYear["overall"] as? [[String: Any]])?.first?["total"] as? Int == (years["year"] as? [[String: Any]])?.first?["total"] as? Int,
                "a year as --from and --to covers it whole")
        #expect(try Hoso.run(["stats", "--from", "2024-01-01", "--to", "2023-12-31"], environment: ["HOSO_ARCHIVE": archive]).status == 2)
        // Every grouping by default, sector included; an empty period is a row of zeros whose
        // rate is null (not left out).
        #expect(try jsonObject(stats.stdout)["sector"] != nil)
        let empty = try jsonObject(try Hoso.run(["stats", "--json", "--from", "1990", "--to", "1990"], environment: ["HOSO_ARCHIVE": archive]).stdout)
        let zero = (empty["overall"] as? [[String: Any]])?.first
        #expect(zero?["total"] as? Int == 0 && zero?["onTimeRate"] is NSNull, "\(empty)")
        // Online submissions and open dossiers past their appointment, counted from the XML here.
        var online = 0, overdue = 0
        for folder in try FileManager.default.contentsOfDirectory(atPath: batch) {
            let xml = try String(contentsOfFile: batch + "/" + folder + "/dossier.xml", encoding: .utf8)
            func value(_ tag: String) -> String? {
                xml.range(of: "<\(tag)>").flatMap { a in xml.range(of: "</\(tag)>", range: a.upperBound..<xml.endIndex).map { String(xml[a.upperBound..<$0.lowerBound]) } }
            }
            if value("submissionChannel") == "online" { online += 1 }
            if ["received", "processing", "supplement-requested"].contains(value("status") ?? ""),
               let due = value("dueAt").flatMap({ Timestamp($0) }), due.epochSeconds < Int64(Date().timeIntervalSince1970) { overdue += 1 }
        }
        #expect(online > 0 && overdue > 0, "the sample has both")
        #expect(overall?["online"] as? Int == online && overall?["overdue"] as? Int == overdue, "\(overall ?? [:])")
        let channels = (try jsonObject(stats.stdout)["channel"] as? [[String: Any]]) ?? []
        #expect(channels.reduce(0) { $0 + ($1["total"] as? Int ?? 0) } == n && channels.first { $0["key"] as? String == "online" }?["total"] as? Int == online)
        // A saved report says what it covers and when it was made; a spreadsheet reads the CSV
        // as UTF-8 (byte-order mark) and finds the same rate as the JSON.
        #expect((try jsonObject(stats.stdout)["asOf"] as? String)?.hasSuffix("+07:00") == true)
        #expect((inYear["received"] as? [String: Any])?["from"] as? String == firstYear + "-01-01", "\(inYear["received"] ?? "")")
        let csv = try Hoso.run(["stats", "--csv", "--from", firstYear], environment: ["HOSO_ARCHIVE": archive])
        #expect(csv.status == 0 && csv.stdout.hasPrefix("\u{FEFF}grouping,") && csv.stdout.contains(",as_of"), "\(csv.stdout.prefix(200))")
        let csvOverall = csv.stdout.split(separator: "\n").first { $0.hasPrefix("overall,") }.map { $0.split(separator: ",", omittingEmptySubsequences: false) } ?? []
        #expect(csvOverall.count == 17 && csvOverall[14] == firstYear + "-01-01" && csvOverall[15] == "", "\(csvOverall)")
        let overallYear = (try jsonObject(try Hoso.run(["stats", "--json", "--from", firstYear], environment: ["HOSO_ARCHIVE": archive]).stdout)["overall"] as? [[String: Any]])?.first
        #expect(csvOverall.count == 17 && (overallYear?["onTimeRate"] as? Double) == Double(csvOverall[9]) && csvOverall[9].count == 6,
                "\(csvOverall) \(overallYear ?? [:])")
        // For a spreadsheet set to Vietnamese: ';' between fields, the rate with a decimal comma;
        // the same figures.
        let semi = try Hoso.run(["stats", "--csv", "--csv-separator", ";", "--from", firstYear], environment: ["HOSO_ARCHIVE": archive])
        #expect(semi.status == 0 && semi.stdout.hasPrefix("\u{FEFF}grouping;key;label;"), "\(semi.stdout.prefix(200))")
        let semiOverall = semi.stdout.split(separator: "\n").first { $0.hasPrefix("overall;") }.map { $0.split(separator: ";", omittingEmptySubsequences: false) } ?? []
        #expect(semiOverall.count == 17 && semiOverall[9] == csvOverall[9].replacingOccurrences(of: ".", with: ",") && semiOverall[3] == csvOverall[3],
                "\(semiOverall)")
        #expect(try Hoso.run(["stats", "--csv", "--csv-separator", "tab"], environment: ["HOSO_ARCHIVE": archive]).status == 2)
        // The separator alone asks for CSV (it was ignored, and a table printed).
        let implied = try Hoso.run(["stats", "--csv-separator", ";", "--from", firstYear], environment: ["HOSO_ARCHIVE": archive])
        #expect(implied.status == 0 && implied.stdout.hasPrefix("\u{FEFF}grouping;key;label;"), "\(implied.stdout.prefix(200))")
        #expect(try Hoso.run(["stats", "--json", "--csv-separator", ";"], environment: ["HOSO_ARCHIVE": archive]).status == 2)
        // Several groupings at once, each once; a day the calendar lacks is named as such.
        let two = try jsonObject(try Hoso.run(["stats", "--json", "--by", "year", "--by", "agency", "--by", "year"], environment: ["HOSO_ARCHIVE": archive]).stdout)
        #expect(two["year"] != nil && two["agency"] != nil && two["overall"] == nil && two["sector"] == nil)
        let noDay = try Hoso.run(["stats", "--from", "2024-02-30"], environment: ["HOSO_ARCHIVE": archive])
        #expect(noDay.status == 2 && noDay.stderr.contains("no day '2024-02-30' in the calendar"), "\(noDay.stderr)")
        let human = try Hoso.run(["stats"], environment: ["HOSO_ARCHIVE": archive]).stdout
        #expect(human.contains("(\(overdue) past due)") && human.contains("submitted online: \(online)") && human.contains("By channel"), "\(human)")

        // The operator is a name on one line.
        for bad in ["", "  ", "Lan\nentry 99 forged", "Lan\u{1B}[31m"] {
            #expect(try Hoso.run(["ingest", "--operator", bad, batch], environment: ["HOSO_ARCHIVE": archive]).status == 2, "operator \(bad.debugDescription)")
        }
        #expect(try Hoso.run(["ingest", "--jobs", "100000", batch], environment: ["HOSO_ARCHIVE": archive]).status == 2)

        let number = try FileManager.default.contentsOfDirectory(atPath: batch).sorted()[0]
        let show = try Hoso.run(["show", "--json", number], environment: ["HOSO_ARCHIVE": archive])
        #expect(show.status == 0)
        let shown = try jsonObject(show.stdout)
        #expect(shown["number"] as? String == number)
        #expect((shown["ledgerEntry"] as? [String: Any])?["operator"] as? String == "tester")
        // Numbers as numbers, flags as true or false, text as text: what a script can use.
        let fields = shown["fields"] as? [String: Any] ?? [:]
        #expect((shown["ledgerEntry"] as? [String: Any])?["sequence"] as? Int == 1 && fields["page_count"] is Int
                && fields["received_at"] is Int && fields["digitized"] is Bool && fields["title"] is String, "\(fields)")
        let version = (shown["versions"] as? [[String: Any]])?.first ?? [:]
        #expect((version["time"] as? String)?.isEmpty == false && (version["ledgerEntryId"] as? String)?.hasPrefix("sha256:") == true, "\(version)")
        let missing = try Hoso.run(["show", "000.00.21.H50-990101-0001"], environment: ["HOSO_ARCHIVE": archive])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("E405"))
    }

    /// The period report recounted from the XML alone, for every quarter the sample spans and
    /// periods cut through dossiers still being handled: each figure of the overview is what the
    /// dossiers' own dates and statuses give, and the groups' rows add up to it.
    @Test func periodReportAsTheXMLCountsIt() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let src = Repository.path("sample-archive/dossiers")
        #expect(try Hoso.run(["ingest", "--archive", archive, src]).status == 0)
        func tag(_ s: String, _ name: String) -> String? {
            s.components(separatedBy: "<\(name)>").dropFirst().first?.components(separatedBy: "</\(name)>").first
        }
        let iso = ISO8601DateFormatter()
        func seconds(_ text: String) -> Int64 { Int64(iso.date(from: text)!.timeIntervalSince1970) }
        func vnDay(_ t: Int64) -> Int64 { Int64((Double(t + 7 * 3600) / 86400).rounded(.down)) }
        struct D { let received, due: Int64; let completed: Int64?; let status, channel: String }
        var dossiers: [D] = []
        for f in try FileManager.default.contentsOfDirectory(atPath: src) {
            let x = try String(contentsOfFile: src + "/" + f + "/dossier.xml", encoding: .utf8)
            dossiers.append(D(received: seconds(tag(x, "receivedAt")!), due: seconds(tag(x, "dueAt")!),
                              completed: tag(x, "completedAt").map(seconds), status: tag(x, "status")!, channel: tag(x, "submissionChannel")!))
        }
        #expect(dossiers.count == 60)
        let today = vnDay(Int64(Date().timeIntervalSince1970)) * 86400 - 7 * 3600
        var periods: [(String, String)] = [("2024-03-15", "2024-03-31"), ("2025-11-01", "2025-11-30"), ("2025-06-30", "2025-06-30"),
                                           ("2020-03-12", "2020-03-15"), ("2019-01-01", "2026-12-31")]
        for year in 2019...2026 { for q in 0..<4 { periods.append((String(format: "%d-%02d", year, q * 3 + 1), String(format: "%d-%02d", year, q * 3 + 3))) } }
        var checked = Set<String>()
        for (from, to) in periods {
            let r = try Hoso.run(["stats", "--period", "--json", "--from", from, "--to", to, "--archive", archive])
            #expect(r.status == 0, "\(r.stderr)")
            let json = try jsonObject(r.stdout)
            let got = (json["overall"] as? [[String: Any]])?.first ?? [:]
            let period = json["period"] as? [String: String] ?? [:]
            let start = seconds(period["from"]! + "T00:00:00+07:00"), end = seconds(period["to"]! + "T00:00:00+07:00") + 86400
            var want: [String: Int] = [:]
            for d in dossiers {
                let closed = d.status == "rejected" || d.status == "withdrawn"
                let resolved = (d.status == "completed" || d.status == "returned") ? d.completed : nil
                let received = d.received >= start && d.received < end
                if received { want["received", default: 0] += 1 }
                if received && d.channel == "online" { want["online", default: 0] += 1 }
                if received && closed { want["closed", default: 0] += 1 }
                if d.received < start && !closed && !(resolved.map { $0 < start } ?? false) { want["carried", default: 0] += 1 }
                if let done = resolved, done >= start && done < end {
                    want["resolved", default: 0] += 1
                    want[done > d.due ? "late" : vnDay(done) < vnDay(d.due) ? "early" : "onTime", default: 0] += 1
                }
                if d.received < end && !closed && !(resolved.map { $0 < end } ?? false) {
                    want["open", default: 0] += 1
                    if d.due < min(end, today) { want["overdue", default: 0] += 1 }
                }
            }
            for key in ["carried", "received", "online", "resolved", "early", "onTime", "late", "open", "overdue", "closed"] {
                #expect(got[key] as? Int == want[key, default: 0], "\(from)..\(to) \(key): \(got[key] ?? "none"), the XML gives \(want[key, default: 0])")
                for grouping in ["agency", "handling-agency", "year", "channel"] {
                    let groups = (json[grouping] as? [[String: Any]] ?? []).reduce(0) { $0 + ($1[key] as? Int ?? 0) }
                    #expect(groups == want[key, default: 0], "\(from)..\(to) \(key) by \(grouping): \(groups)")
                }
                if want[key, default: 0] > 0 { checked.insert(key) }
            }
            #expect(got["handled"] as? Int == want["carried", default: 0] + want["received", default: 0])
        }
        // The agencies that handled the dossiers are not all the one-stop offices that received them.
        let all = try jsonObject(try Hoso.run(["stats", "--json", "--archive", archive]).stdout)
        let keys = { (g: String) in Set((all[g] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String }) }
        #expect(keys("handling-agency").contains("000.03.20.H50") && !keys("agency").contains("000.03.20.H50"), "\(keys("handling-agency"))")
        #expect((all["handling-agency"] as? [[String: Any]] ?? []).reduce(0) { $0 + ($1["total"] as? Int ?? 0) } == 60)
        // Every figure was met somewhere with a count above zero: the periods cut through dossiers.
        #expect(checked.count == 10, "\(checked.sorted())")

        // Without --to the period ends today; without --from there is no period.
        let open = try jsonObject(try Hoso.run(["stats", "--period", "--json", "--from", "2025-11-01", "--archive", archive]).stdout)
        #expect((open["period"] as? [String: String])?["to"] == String((open["asOf"] as? String ?? "").prefix(10)))
        let noFrom = try Hoso.run(["stats", "--period", "--archive", archive])
        #expect(noFrom.status == 2 && noFrom.stderr.contains("--period needs --from"), "\(noFrom.stderr)")
        // A period that has not begun is refused, with or without its end.
        for to in [[], ["--to", "2099-03-31"]] {
            let future = try Hoso.run(["stats", "--period", "--from", "2099-01-01"] + to + ["--archive", archive])
            #expect(future.status == 2 && future.stderr.contains("--from 2099-01-01 is after today"), "\(future.stderr)")
        }
        let human = try Hoso.run(["stats", "--period", "--from", "2024-03-15", "--to", "2024-03-31", "--archive", archive]).stdout
        #expect(human.contains("period 2024-03-15 to 2024-03-31, as it stood at its end") && human.contains("1 carried over"), "\(human)")
        // The table by year holds the figures of the JSON report, the online count among them.
        let byYear = try Hoso.run(["stats", "--period", "--from", "2024", "--to", "2024", "--by", "year", "--archive", archive]).stdout
        let yearJSON = try jsonObject(try Hoso.run(["stats", "--period", "--json", "--from", "2024", "--to", "2024", "--by", "year", "--archive", archive]).stdout)
        let row = (yearJSON["year"] as? [[String: Any]])?.first { $0["key"] as? String == "2024" } ?? [:]
        let cells = ["carried", "received", "online", "resolved", "early", "onTime", "late", "open", "overdue", "closed"].map { "\(row[$0] as? Int ?? -1)" }
        let line = byYear.split(separator: "\n").first { $0.hasPrefix("2024 ") }.map { $0.split(separator: " ").map(String.init) } ?? []
        #expect(byYear.contains("online") && Array(line.dropFirst().prefix(cells.count)) == cells, "\(byYear)\n\(row)")
        let csv = try Hoso.run(["stats", "--period", "--csv", "--from", "2024", "--to", "2024", "--by", "year", "--archive", archive]).stdout
        #expect(csv.hasPrefix("\u{FEFF}grouping,key,label,carried,received,online,resolved,early,on_time,late,open,overdue,closed,handled,on_time_rate,period_from,period_to,as_of"), "\(csv)")
        #expect(csv.contains(",2024-01-01,2024-12-31,"), "\(csv)")
    }

    /// A name in a batch's metadata that a spreadsheet would run as a formula is written in the
    /// CSV as text (after an apostrophe); numbers stay numbers.
    @Test func statsCSVNeverHoldsAFormula() throws {
        let t = TemporaryFolder()
        let batch = try sampleBatch(t, count: 1)
        let xml = batch + "/" + (try FileManager.default.contentsOfDirectory(atPath: batch)[0]) + "/dossier.xml"
        let text = try String(contentsOfFile: xml, encoding: .utf8)
        let name = text.components(separatedBy: "<receivingAgency>")[1].components(separatedBy: "<name>")[1].components(separatedBy: "</name>")[0]
        try text.replacingOccurrences(of: "<name>\(name)</name>", with: "<name>=HYPERLINK(\"http://x\";\"y\")</name>")
            .write(toFile: xml, atomically: false, encoding: .utf8)
        let archive = t.sub("archive")
        #expect(try Hoso.run(["init", "--archive", archive]).status == 0)
        let ingest = try Hoso.run(["ingest", "--archive", archive, batch])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let csv = try Hoso.run(["stats", "--csv", "--by", "agency", "--archive", archive]).stdout
        let row = csv.split(separator: "\n").first { $0.hasPrefix("agency,") } ?? ""
        #expect(row.contains(",\"'=HYPERLINK(\"\"http://x\"\";\"\"y\"\")\",") && row.contains(",1,"), "\(row)")
    }

    @Test func newVersionsAreRefusedUnlessAsked() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let batch = try sampleBatch(t, count: 3)
        #expect(try Hoso.run(["ingest", batch], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        let folder = try FileManager.default.contentsOfDirectory(atPath: batch).sorted()[0]
        let xml = batch + "/" + folder + "/dossier.xml"
        var text = try String(contentsOfFile: xml, encoding: .utf8)
        let original = text
        text = text.replacingOccurrences(of: "</title>", with: " (bản sửa)</title>")
        try text.write(toFile: xml, atomically: false, encoding: .utf8)

        let refused = try Hoso.run(["ingest", "--json", batch], environment: ["HOSO_ARCHIVE": archive])
        #expect(refused.status == 1)
        let r = try jsonObject(refused.stdout)
        #expect(states(r) == ["already-archived": 2, "rejected": 1])
        #expect(((r["dossiers"] as? [[String: Any]])?.first { $0["state"] as? String == "rejected" }?["codes"] as? [String]) == ["E404"])
        // E404 says what differs.
        let e404 = ((r["dossiers"] as? [[String: Any]])?.first { $0["state"] as? String == "rejected" }?["diagnostics"] as? [[String: Any]])?.first
        #expect(e404?["found"] as? String == "dossier.xml differs", "\(e404 ?? [:])")

        let accepted = try Hoso.run(["ingest", "--json", "--new-version", batch], environment: ["HOSO_ARCHIVE": archive])
        #expect(accepted.status == 0)
        #expect(states(try jsonObject(accepted.stdout)) == ["already-archived": 2, "superseded": 1])

        let show = try Hoso.run(["show", "--json", folder], environment: ["HOSO_ARCHIVE": archive])
        let versions = try jsonObject(show.stdout)["versions"] as? [[String: Any]] ?? []
        #expect(versions.count == 2)
        #expect(versions.map { $0["current"] as? Bool } == [false, true])
        let old = try Hoso.run(["show", "--version", "1", folder], environment: ["HOSO_ARCHIVE": archive])
        #expect(old.stdout.contains("superseded"))
        let none = try Hoso.run(["show", "--version", "7", folder], environment: ["HOSO_ARCHIVE": archive])
        #expect(none.status != 0 && none.stderr.contains("has no version 7"), "not the current version instead")
        #expect(none.stderr.contains("versions 1, 2") && none.stderr.contains("--history"), "\(none.stderr)")
        let small = try Hoso.run(["show", "--json", folder.lowercased()], environment: ["HOSO_ARCHIVE": archive])
        #expect(small.status == 0 && small.stdout.contains(folder), "a number typed in small letters")
        let human = try Hoso.run(["show", "--history", folder], environment: ["HOSO_ARCHIVE": archive])
        #expect(human.stdout.contains("Versions"))

        // Version 1's content again: archived already, but not current, and said so; with
        // --new-version it becomes current again as version 3.
        try original.write(toFile: xml, atomically: false, encoding: .utf8)
        let earlier = try Hoso.run(["ingest", "--json", batch], environment: ["HOSO_ARCHIVE": archive])
        let mine = (try jsonObject(earlier.stdout)["dossiers"] as? [[String: Any]])?.first { $0["number"] as? String == folder }
        #expect(mine?["state"] as? String == "already-archived" && mine?["version"] as? Int == 1 && mine?["current"] as? Bool == false)
        #expect(try Hoso.run(["ingest", batch], environment: ["HOSO_ARCHIVE": archive]).stdout.contains("superseded since"))
        // The same when the scans must be read again (touched, or copied elsewhere): not E404,
        // whose advice (--new-version) would undo the correction without a word.
        let scans = batch + "/" + folder + "/scans"
        for f in try FileManager.default.contentsOfDirectory(atPath: scans) {
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: scans + "/" + f)
        }
        let reread = try Hoso.run(["ingest", "--json", batch], environment: ["HOSO_ARCHIVE": archive])
        #expect(reread.status == 0, "\(reread.stdout)")
        let again = (try jsonObject(reread.stdout)["dossiers"] as? [[String: Any]])?.first { $0["number"] as? String == folder }
        #expect(again?["state"] as? String == "already-archived" && again?["version"] as? Int == 1 && again?["current"] as? Bool == false)
        let reverted = try Hoso.run(["ingest", "--json", "--new-version", batch], environment: ["HOSO_ARCHIVE": archive])
        #expect(states(try jsonObject(reverted.stdout)) == ["already-archived": 2, "superseded": 1])
        let restored = (try jsonObject(reverted.stdout)["dossiers"] as? [[String: Any]])?.first { $0["number"] as? String == folder }
        #expect(((restored?["diagnostics"] as? [[String: Any]]) ?? []).contains { $0["code"] as? String == "W408" }, "the undone correction is said")
        let now = try jsonObject(try Hoso.run(["show", "--json", folder], environment: ["HOSO_ARCHIVE": archive]).stdout)
        #expect(now["version"] as? Int == 3 && now["current"] as? Bool == true)
        #expect(try Hoso.run(["show", "--history", folder], environment: ["HOSO_ARCHIVE": archive]).stdout.contains("(the content of version 1 again)"))
        #expect((now["versions"] as? [[String: Any]])?.map { $0["contentOfVersion"] as? Int } == [nil, nil, 1], "\(now["versions"] ?? "")")
        // A bag of version 1 holds the scans of version 3 too, but it is not version 3's export.
        let bags = t.sub("bags")
        #expect(try Hoso.run(["export", "--bagit", "--version", "1", "--to", bags, folder], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        let current = try Hoso.run(["export", "--bagit", "--to", bags, folder], environment: ["HOSO_ARCHIVE": archive])
        #expect(current.status == 3 && current.stderr.contains("a bag of another version") && current.stderr.contains("(version 1), not of version 3")
                && !current.stdout.contains("already exported"), "\(current.stdout) \(current.stderr)")
        #expect(try Hoso.run(["export", "--bagit", "--version", "1", "--to", bags, folder], environment: ["HOSO_ARCHIVE": archive]).stdout.contains("already exported"))
    }

    /// Content made current again (version 3 holds version 1's files) and ingested once more is
    /// the current version, not "superseded since" version 1, whose advice (--new-version) would
    /// do nothing; nor does --new-version make a fourth. (Which of the two versions the catalog
    /// lists first follows their manifests' names: three dossiers, so that both orders occur.)
    @Test func contentMadeCurrentAgainIsCurrent() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let env = ["HOSO_ARCHIVE": archive]
        let batch = try sampleBatch(t, count: 3)
        let folders = try FileManager.default.contentsOfDirectory(atPath: batch).sorted()
        #expect(try Hoso.run(["ingest", batch], environment: env).status == 0)
        var originals: [String: String] = [:]
        for f in folders {
            let xml = batch + "/" + f + "/dossier.xml"
            originals[f] = try String(contentsOfFile: xml, encoding: .utf8)
            try originals[f]!.replacingOccurrences(of: "</title>", with: " (bản sửa)</title>").write(toFile: xml, atomically: false, encoding: .utf8)
        }
        #expect(try Hoso.run(["ingest", "--new-version", batch], environment: env).status == 0)
        for f in folders { try originals[f]!.write(toFile: batch + "/" + f + "/dossier.xml", atomically: false, encoding: .utf8) }
        #expect(try Hoso.run(["ingest", "--new-version", batch], environment: env).status == 0)
        for extra in [[], ["--new-version"]] {
            let rerun = try jsonObject(try Hoso.run(["ingest", "--json"] + extra + [batch], environment: env).stdout)
            for it in (rerun["dossiers"] as? [[String: Any]]) ?? [] {
                #expect(it["state"] as? String == "already-archived" && it["version"] as? Int == 3 && it["current"] as? Bool == true, "\(extra): \(it)")
            }
        }
        #expect(try !Hoso.run(["ingest", batch], environment: env).stdout.contains("superseded since"))
    }

    /// A folder skipped in a batch (W302) is a warning: reported and counted, never a failure.
    @Test func aSkippedFolderIsAWarningNotAFailure() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let batch = try sampleBatch(t, count: 2)
        _ = try shell("mkdir '\(batch)/.drafts'")
        let v = try Hoso.run(["validate", "--json", batch])
        #expect(v.status == 0, "\(v.stdout)")
        let vs = try jsonObject(v.stdout)["summary"] as? [String: Any]
        #expect((vs?["codes"] as? [String: Int])?["W302"] == 1 && vs?["warnings"] as? Int == 1)
        let plain = try Hoso.run(["validate", batch])
        #expect(plain.status == 0 && plain.stdout.contains(", 1 warning;") && plain.stdout.contains("W302×1"), "\(plain.stdout)")
        let i = try Hoso.run(["ingest", "--json", batch], environment: ["HOSO_ARCHIVE": archive])
        #expect(i.status == 0, "\(i.stdout)")
        let report = try jsonObject(i.stdout)
        #expect(((report["summary"] as? [String: Any])?["codes"] as? [String: Int])?["W302"] == 1)
        #expect((report["batchFindings"] as? [[String: Any]])?.first?["code"] as? String == "W302")
    }

    /// On a terminal, the run shows the listing of the batch move (minutes for a million dossier
    /// folders on a cold disk), then the progress bar with its rates, and clears both.
    #if os(Linux)
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "script(1) from util-linux"))
    func progressOnATerminal() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let batch = try sampleBatch(t, count: 6)
        // script(1) gives the command a pseudo-terminal and copies what it draws.
        let r = try shell("HOSO_ARCHIVE='\(archive)' script -qec \"'\(Hoso.binary)' ingest '\(batch)'\" /dev/null")
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("listing the batch, dossiers found: 1") && r.output.contains("ingesting [") && r.output.contains("/6"), "\(r.output)")
        #expect(r.output.contains("6 dossiers: 6 archived"), "\(r.output)")
        // A terminal that knows no escape codes gets the same progress, cleared with spaces.
        let dumb = try shell("TERM=dumb HOSO_ARCHIVE='\(try makeArchive(t, "dumb"))' script -qec \"'\(Hoso.binary)' ingest '\(batch)'\" /dev/null")
        #expect(dumb.status == 0 && dumb.output.contains("ingesting [") && !dumb.output.contains("\u{1B}"), "\(dumb.output)")
    }
    #endif

    /// Whether this process may mount a tmpfs (tried once, on a folder of its own).
    static let canMountTmpfs: Bool = {
        guard getuid() == 0 else { return false }
        let t = TemporaryFolder()
        guard (try? shell("mount -t tmpfs -o size=1m tmpfs '\(t.path)' && umount '\(t.path)'").status) == 0 else { return false }
        return true
    }()

    /// A disk that fills up part way: ingest stops with E406 and says which entries it
    /// committed before (they stay archived); verify still reports what it found and says that
    /// it could not record the run. Needs root to mount a small tmpfs; otherwise nothing to show.
    @Test(.enabled(if: Self.canMountTmpfs, "needs to mount a small tmpfs (root, and a system that allows it)"))
    func aFullDiskStopsWithWhatWasDoneSaid() throws {
        let t = TemporaryFolder()
        let small = t.sub("small")
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        let mounted = try shell("mount -t tmpfs -o size=3m tmpfs '\(small)'")
        try #require(mounted.status == 0, "\(mounted.output)")
        defer { _ = try? shell("umount '\(small)'") }
        let archive = try makeArchive(t, "small/archive")
        let r = try Hoso.run(["ingest", "--checkpoint-dossiers", "5", "--archive", archive, Repository.path("sample-archive")])
        #expect(r.status == 3 && r.stderr.contains("E406") && (r.stdout.contains("before it stopped, this run committed ledger entries 1…") || r.stdout.contains("before it stopped, this run committed ledger entry 1 (")), "\(r.stdout) \(r.stderr)")
        _ = try shell("dd if=/dev/zero of='\(small)/filler' bs=64k 2>/dev/null")
        let json = try Hoso.run(["ingest", "--json", "--checkpoint-dossiers", "5", "--archive", archive, Repository.path("sample-archive")])
        // With no room even to open the catalog: the problem as one JSON object.
        let report = try jsonObject(json.stdout)
        #expect(json.status == 3 && (report["code"] as? String ?? (report["error"] as? [String: Any])?["code"] as? String) == "E406", "\(json.stdout)")
        let v = try Hoso.run(["verify", "--archive", archive])
        #expect(v.status == 3 && v.stdout.contains("full verify of") && v.stdout.contains("not recorded: the audit log could not be written")
                && v.stderr.contains("this run could not be recorded"), "\(v.stdout) \(v.stderr)")
        // Readers still answer, from what the catalog and the index hold, and say why they may
        // lag (they could neither catch up nor make SQLite's shared-memory file).
        let first = try FileManager.default.contentsOfDirectory(atPath: Repository.path("sample-archive/dossiers")).sorted()[0]
        for command in [["stats"], ["seal"], ["search", "khai"], ["show", first]] {
            let r = try Hoso.run(command + ["--archive", archive])
            #expect(r.status == 0 && !r.stdout.isEmpty, "\(command): \(r.stdout) \(r.stderr)")
        }
        // A rebuild that cannot finish names the file it was making and leaves none of it (it
        // would hold the very space the advice asks for); the catalog in place is untouched.
        _ = try shell("rm '\(small)/filler' && dd if=/dev/zero of='\(small)/filler' bs=1k count=$(( $(df --output=avail -k '\(small)' | tail -1) - 60 )) 2>/dev/null")
        let rebuild = try Hoso.run(["rebuild", "--archive", archive])
        #expect(rebuild.status == 3 && rebuild.stderr.contains("catalog.rebuild.sqlite"), "\(rebuild.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: archive).filter { $0.hasPrefix("catalog.rebuild") }.isEmpty)
        #expect(try Hoso.run(["stats", "--archive", archive]).status == 0)
    }

    /// A lock file removed under a running ingest lets a second writer in: the run stops before
    /// its next commit, saying so, and keeps what it committed.
    @Test func aLockFileRemovedUnderAnIngestStopsIt() throws {
        let t = TemporaryFolder()
        let observed = try disturbIngest(t, try sampleBatch(t), { _, archive in unlink(archive + "/lock") }) { p, archive, _, err in
            guard p.terminationStatus != 0 else { return false }      // it had finished
            #expect(p.terminationStatus == 3 && err.contains("lock file was removed"), "\(err)")
            let verify = try Hoso.run(["verify", "--no-record", "--json"], environment: ["HOSO_ARCHIVE": archive])
            #expect(verify.status == 0, "\(verify.stdout)")
            return true
        }
        #expect(observed, "no run was still going when its lock file was removed")
    }

    /// An archive whose description another account owns is written only by that account: a
    /// file this process makes there would be its own (no uid mapping here), so writers are
    /// refused, naming the owner even without a name in the user database.
    @Test(.enabled(if: getuid() == 0, "needs root, to give the archive to another uid"))
    func writersRunOnlyAsTheOwner() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let batch = try sampleBatch(t, count: 2)
        _ = try shell("chown 54321 '\(archive)/hoso-archive.json'")
        let r = try Hoso.run(["ingest", "--archive", archive, batch])
        #expect(r.status == 3 && r.stderr.contains("belongs to #54321") && r.stderr.contains("sudo -u '#54321'"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: archive + "/ledger/HEAD"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: archive).filter { $0.hasPrefix(".hoso-owner") }.isEmpty, "the probe is removed")
        _ = try shell("chown 0 '\(archive)/hoso-archive.json'")
        #expect(try Hoso.run(["ingest", "--archive", archive, batch]).status == 0)
    }

    /// Whether this process may run a command as the unprivileged user `nobody`.
    static let canRunAsNobody: Bool = getuid() == 0 && (try? shell("runuser -u nobody -- true").status) == 0

    /// hoso run as `nobody`, from a copy of the binary in `t`, whose files are made readable
    /// to all first (what each test then takes away is what it tests).
    struct AsNobody {
        let folder: String
        init(_ t: TemporaryFolder) throws {
            folder = t.path
            _ = try shell("chmod -R a+rX '\(folder)' && cp '\(Hoso.binary)' '\(folder)/hoso' && chmod a+rx '\(folder)/hoso'")
        }
        /// Standard output, and standard error after it unless `json`.
        func run(_ args: String, archive: String, json: Bool = false) throws -> (status: Int32, output: String) {
            try shell("cd '\(folder)' && runuser -u nobody -- ./hoso \(args) --archive '\(archive)'" + (json ? "" : " 2>&1"))
        }
    }

    /// A catalog behind the ledger, read by a user who may not bring it up to date: a quick
    /// verify (which takes references from the catalog) says it is behind, and calls nothing
    /// that the newer entries archived an orphan.
    @Test(.enabled(if: Self.canRunAsNobody, "needs root and runuser, to run hoso as nobody"))
    func quickVerifyBesideALaggingCatalog() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        #expect(try Hoso.run(["ingest", "--archive", archive, try sampleBatch(t, count: 3)]).status == 0)
        _ = try shell("cp '\(archive)/catalog.sqlite' '\(t.path)/catalog.before'")
        #expect(try Hoso.run(["ingest", "--archive", archive, try sampleBatch(t, count: 6, name: "more")]).status == 0)
        _ = try shell("cd '\(archive)' && rm -f catalog.sqlite-wal catalog.sqlite-shm && cp '\(t.path)/catalog.before' catalog.sqlite")
        let nobody = try AsNobody(t)
        func codes(_ args: String) throws -> [String] {
            let r = try nobody.run(args + " --json", archive: archive, json: true)
            return (try jsonObject(r.output)["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        }
        let quick = try codes("verify --quick")
        #expect(quick.contains("W707") && !quick.contains("W512"), "\(quick)")
        // The chain followed from the head may stop short of the catalog's position (an entry
        // between them is missing): what it reached is referenced all the same. A quick run
        // calls no more objects orphans than a full one, which reads every manifest.
        #expect(try Hoso.run(["ingest", "--archive", archive, try sampleBatch(t, name: "third")]).status == 0)     // the rest
        let second = try shell("sqlite3 -readonly '\(archive)/catalog.sqlite' \"SELECT substr(id, 8) FROM ledger_entries WHERE sequence = 2\"").output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try shell("cd '\(archive)' && rm -f catalog.sqlite-wal catalog.sqlite-shm && cp '\(t.path)/catalog.before' catalog.sqlite && chmod a+r catalog.sqlite")
        #expect(second.count == 64 && unlink(archive + "/objects/" + second.prefix(2) + "/" + second.dropFirst(2)) == 0)
        let (quickOrphans, fullOrphans) = (try codes("verify --quick").filter { $0 == "W512" }.count, try codes("verify").filter { $0 == "W512" }.count)
        #expect(quickOrphans == fullOrphans && fullOrphans > 0, "quick \(quickOrphans), full \(fullOrphans)")
    }

    /// A user who may not read part of an archive is told so, with what to ask for: not an
    /// empty index ("no dossier matches"), not a missing head, not "create one with hoso init".
    @Test(.enabled(if: Self.canRunAsNobody, "needs root and runuser, to run hoso as nobody"))
    func whatThisUserMayNotReadIsSaidAsSuch() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        #expect(try Hoso.run(["ingest", "--archive", archive, try sampleBatch(t, count: 4)]).status == 0)
        let nobody = try AsNobody(t)
        func asNobody(_ args: String) throws -> (status: Int32, output: String) { try nobody.run(args, archive: archive) }
        #expect(try asNobody("stats").status == 0)
        for (mode, path, args) in [("700", "index", "search khai"), ("600", "ledger/HEAD", "stats"), ("700", "ledger", "show --history x"),
                                   ("600", "hoso-archive.json", "stats"), ("600", "ledger/HEAD", "verify")] {
            _ = try shell("chmod \(mode) '\(archive)/\(path)'")
            let r = try asNobody(args)
            #expect(r.status == 3 && r.output.contains("E406") && r.output.contains("Permission denied")
                    && !r.output.contains("No dossier matches") && !r.output.contains("hoso init") && !r.output.contains("E601") && !r.output.contains("E609"), "\(path): \(r.output)")
            _ = try shell("chmod -R a+rX '\(archive)/\(path)'")
        }
        _ = try shell("chmod 700 '\(archive)/index'")
        let v = try asNobody("verify")
        // Exit 3: the check could not be carried out in full, which is not damage found (1).
        #expect(v.status == 3 && v.output.contains("the index cannot be read by this user") && !v.output.contains("E706"), "\(v.output)")
        // One segment file this user may not read: the same, not a damaged index to rebuild.
        _ = try shell("chmod 755 '\(archive)/index' && chmod 600 '\(archive)'/index/*.hix")
        let segment = try asNobody("search khai")
        #expect(segment.status == 3 && segment.output.contains("E406") && segment.output.contains("Permission denied")
                && !segment.output.contains("E706") && !segment.output.contains("rebuild"), "\(segment.output)")
        let segmentVerify = try asNobody("verify")
        #expect(segmentVerify.status == 3 && segmentVerify.output.contains("the index cannot be read by this user")
                && !segmentVerify.output.contains("E706"), "\(segmentVerify.output)")
        _ = try shell("chmod 444 '\(archive)'/index/*.hix")
        // A store that can be listed but not entered (chmod g+r instead of g+rX): said once,
        // not as every manifest missing and every catalog row forged.
        _ = try shell("chmod -R a+rX '\(archive)/index' && chmod 744 '\(archive)/objects'")
        let enter = try asNobody("verify")
        #expect(enter.status == 3 && enter.output.contains("E406") && !enter.output.contains("E605") && !enter.output.contains("E702"), "\(enter.output)")
        _ = try shell("chmod 755 '\(archive)/objects'")
        // An audit log this user may not read is no empty history: not "no run recorded", not a
        // log cut short (W904), not a seal without one.
        #expect(try Hoso.run(["verify", "--archive", archive]).status == 0)
        _ = try shell("chmod 700 '\(archive)/audit'")
        for args in ["verify --history", "seal"] {
            let r = try asNobody(args)
            #expect(r.status == 3 && r.output.contains("E406") && r.output.contains("Permission denied")
                    && !r.output.contains("no verify run recorded"), "\(args): \(r.output)")
        }
        let auditHidden = try asNobody("verify")
        #expect(auditHidden.status == 3 && auditHidden.output.contains("the audit log cannot be read")
                && !auditHidden.output.contains("W904") && !auditHidden.output.contains("E903"), "\(auditHidden.output)")
        // Nor are a run's files this user may not read evidence removed.
        _ = try shell("chmod 755 '\(archive)/audit' && chmod 700 '\(archive)/audit/runs'")
        let runsHidden = try asNobody("verify --history")
        #expect(runsHidden.status == 3 && runsHidden.output.contains("E406") && runsHidden.output.contains("cannot be read by this user")
                && !runsHidden.output.contains("E903") && !runsHidden.output.contains("damaged"), "\(runsHidden.output)")
        let runsHiddenVerify = try asNobody("verify --quick")
        #expect(runsHiddenVerify.output.contains("E406") && !runsHiddenVerify.output.contains("E903"), "\(runsHiddenVerify.output)")
        _ = try shell("chmod 755 '\(archive)/audit/runs'")
        // An owner whose log cannot be read (a mode changed by hand) records nothing, and keeps
        // the log where it is: it is not damaged, and its runs are not set aside.
        let owned = t.sub("owned-by-nobody")
        _ = try shell("mkdir -p '\(owned)' && chown nobody '\(owned)'")
        #expect(try nobody.run("init", archive: owned).status == 0)
        #expect(try nobody.run("ingest '\(t.path)/batch'", archive: owned).status == 0)
        #expect(try nobody.run("verify", archive: owned).status == 0)
        _ = try shell("chmod 200 '\(owned)/audit/log'")
        let ownerBlocked = try nobody.run("verify", archive: owned)
        #expect(ownerBlocked.status == 3 && ownerBlocked.output.contains("E406") && !ownerBlocked.output.contains("kept as"), "\(ownerBlocked.output)")
        #expect(try shell("ls '\(owned)/audit'").output.contains("damaged") == false)
        // An export into a folder this user may not write: said once, with advice about that
        // folder (not the archive's "run as its owner").
        let number = try FileManager.default.contentsOfDirectory(atPath: t.path + "/batch").sorted().first ?? ""
        for to in [t.path, t.path + "/sub"] {
            let r = try asNobody("export \(number) --to '\(to)'")
            #expect(r.status == 3 && r.output.contains("the folder to export into cannot be written by this user")
                    && !r.output.contains("archive's owner") && r.output.components(separatedBy: "E406").count == 2, "\(r.output)")
        }

        // Committed changes still in the catalog's write-ahead log (a writer at work, or one
        // stopped by a full disk): read through the log, where the catalog file alone may be
        // half-way through taking them in; said, when this user cannot read the log.
        let kept = try shell("""
            cd '\(archive)' && python3 -c '
            import os, sqlite3
            c = sqlite3.connect("catalog.sqlite"); c.execute("PRAGMA wal_autocheckpoint=0")
            c.execute("CREATE TABLE probe(x)"); c.commit(); c.execute("DROP TABLE probe"); c.commit(); os._exit(0)' && chmod a+r catalog.sqlite-wal catalog.sqlite-shm && stat -c %s catalog.sqlite-wal
            """)
        #expect(kept.status == 0 && (Int(kept.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0, "\(kept.output)")
        #expect(try asNobody("stats").status == 0)
        _ = try shell("chmod 600 '\(archive)/catalog.sqlite-shm' '\(archive)/catalog.sqlite-wal'")
        let unreadableLog = try asNobody("stats")
        #expect(unreadableLog.status == 3 && unreadableLog.output.contains("write-ahead log, which this user cannot read")
                && !unreadableLog.output.contains("E701"), "\(unreadableLog.output)")
        let unreadableLogVerify = try asNobody("verify")
        #expect(unreadableLogVerify.output.contains("write-ahead log, which this user cannot read") && !unreadableLogVerify.output.contains("E701"),
                "\(unreadableLogVerify.output)")
        _ = try shell("chmod 644 '\(archive)/catalog.sqlite-shm' '\(archive)/catalog.sqlite-wal'")

        // Objects this user may not read are E406, said as such (not E511, "check the disk"),
        // and exit 3: nothing is known to be damaged.
        _ = try shell("chmod 600 '\(archive)'/objects/*/*")
        let hidden = try asNobody("show \(number)")
        #expect(hidden.status == 3 && hidden.output.contains("E406") && hidden.output.contains("cannot be read by this user")
                && !hidden.output.contains("E511") && hidden.output.contains(number), "\(hidden.output)")
        let hiddenVerify = try asNobody("verify --quick --no-record")
        #expect(hiddenVerify.status == 3 && hiddenVerify.output.contains("E406") && !hiddenVerify.output.contains("E511"), "\(hiddenVerify.output)")
        _ = try shell("chmod 444 '\(archive)'/objects/*/*")

        // A standby archive filled by 'replicate --to' has no catalog or index until its owner
        // runs a command: another user is told so, not "no dossier matches".
        let standby = t.sub("standby")
        #expect(try Hoso.run(["init", "--archive", standby]).status == 0)
        #expect(try Hoso.run(["replicate", "--archive", archive, "--to", standby]).status == 0)
        // Its verify finds nothing wrong: a catalog not made yet is behind, not damaged.
        let standbyVerify = try Hoso.run(["verify", "--json", "--no-record", "--archive", standby])
        let standbyCodes = ((try jsonObject(standbyVerify.stdout)["findings"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }
        #expect(standbyVerify.status == 0 && standbyCodes.contains("W707") && !standbyCodes.contains { $0.hasPrefix("E") }, "\(standbyVerify.stdout)")
        _ = try shell("chmod -R a+rX '\(standby)'")
        let empty = try nobody.run("search khai", archive: standby)
        #expect(empty.status == 0 && empty.output.contains("search index is 1 ledger entry behind") && !empty.output.contains("ingest a batch first"), "\(empty.output)")
        let noCatalog = try nobody.run("stats", archive: standby)
        #expect(noCatalog.status == 3 && noCatalog.output.contains("owner makes it"), "\(noCatalog.output)")
        // Nor does another user write into it.
        _ = try shell("chmod -R a+rwX '\(standby)'")
        let intoStandby = try asNobody("replicate --to '\(standby)'")
        #expect(intoStandby.status == 3 && intoStandby.output.contains("belongs to root"), "\(intoStandby.output)")

        // Even where the files would let another user write, only the owner writes: what
        // another user made (a lock file, an audit record, a catalog) would block the owner.
        _ = try shell("chmod -R a+rwX '\(archive)' && chmod a+rx '\(t.path)'/*")
        let second = try sampleBatch(t, count: 2, name: "second")
        _ = try shell("chmod -R a+rX '\(second)'")
        let refused = try asNobody("ingest '\(second)'")
        #expect(refused.status == 3 && refused.output.contains("belongs to root") && refused.output.contains("sudo -u 'root'"), "\(refused.output)")
        let put = try asNobody("object put '\(second)'/*/dossier.xml")
        #expect(put.status == 3 && put.output.contains("belongs to root"), "\(put.output)")
        let unrecorded = try asNobody("verify")
        #expect(unrecorded.status == 0 && unrecorded.output.contains("not the archive's owner (root)"), "\(unrecorded.output)")
        #expect(try shell("find '\(archive)' -user nobody | wc -l").output.trimmingCharacters(in: .whitespacesAndNewlines) == "0",
                "nothing in the archive is nobody's")
        #expect(try Hoso.run(["ingest", "--archive", archive, second]).status == 0)
    }

    /// More dossier folders than a command line holds are named in a list (or on standard
    /// input); the ledger records how they were named in a line, not every path.
    @Test func pathsFromAList() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let batch = try sampleBatch(t, count: 12)
        let folders = try FileManager.default.contentsOfDirectory(atPath: batch).sorted().map { batch + "/" + $0 }
        let list = t.sub("list.txt")
        try (folders.dropFirst(2).joined(separator: "\n") + "\n\n").write(toFile: list, atomically: false, encoding: .utf8)
        let r = try Hoso.run(["ingest", "--json", "--archive", archive, "--paths-from", list, folders[0], folders[1]])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect((try jsonObject(r.stdout)["summary"] as? [String: Any])?["archived"] as? Int == 12)
        let number = URL(fileURLWithPath: folders[0]).lastPathComponent     // a sample folder is named by its number
        let source = ((try jsonObject(try Hoso.run(["show", "--json", "--archive", archive, number]).stdout))["ledgerEntry"] as? [String: Any])?["source"] as? String ?? ""
        #expect(source.contains("(12 paths)") && source.contains("--paths-from") && source.count < 2000, "\(source)")
        let stdin = try shell("printf '%s\\n' '\(folders[3])' '\(folders[4])' | '\(Hoso.binary)' validate --paths-from -")
        #expect(stdin.status == 0 && stdin.output.contains("2 dossiers checked: 2 valid"), "\(stdin.output)")
        // A list written on Windows, with its byte-order mark, blank lines and spaces around the
        // paths; the mark is no part of the first path.
        let windows = t.sub("windows.txt")
        try ("\u{FEFF}" + folders[5] + "\r\n\r\n   \r\n\t" + folders[6] + " \r\n").write(toFile: windows, atomically: false, encoding: .utf8)
        let crlf = try Hoso.run(["validate", "--paths-from", windows])
        #expect(crlf.status == 0 && crlf.stdout.contains("2 dossiers checked: 2 valid"), "\(crlf.stdout) \(crlf.stderr)")
        #expect(try Hoso.run(["validate"]).status == 2, "nothing named")
        let missing = try Hoso.run(["validate", "--paths-from", t.sub("no-such-list")])
        #expect(missing.status == 3 && missing.stderr.contains("the list of paths cannot be read"), "\(missing.stderr)")
        // A list that names nothing (a search that found nothing) is said, not a silent exit 2.
        for empty in ["/dev/null", windows + ".empty"] {
            _ = FileManager.default.createFile(atPath: windows + ".empty", contents: Data("\n \r\n".utf8))
            let r = try Hoso.run(["ingest", "--archive", archive, "--paths-from", empty])
            #expect(r.status == 2 && r.stderr.contains("names no path"), "\(empty): \(r.stderr)")
        }
        let none = try shell("printf '' | '\(Hoso.binary)' validate --json --paths-from -")
        #expect(none.status == 2 && none.output.contains("E409") && none.output.contains("names no path"), "\(none.output)")
        // A pipe named by path, as <(find …) names one.
        let pipe = try shell("printf '%s\\n' '\(folders[7])' | '\(Hoso.binary)' validate --paths-from /dev/stdin")
        #expect(pipe.status == 0 && pipe.output.contains("1 dossier checked: 1 valid"), "\(pipe.output)")
    }

    @Test func invalidDossiersAreReportedValidOnesArchived() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let batch = try sampleBatch(t, count: 4)
        for bad in ["E104-not-well-formed", "E305-sha256-mismatch", "E201-number-date-mismatch"] {
            _ = try shell("cp -a '\(Repository.path("sample-archive/invalid/" + bad))' '\(batch)/'")
        }
        let r = try Hoso.run(["ingest", "--json", batch], environment: ["HOSO_ARCHIVE": archive])
        #expect(r.status == 1)
        let report = try jsonObject(r.stdout)
        #expect(states(report) == ["archived": 4, "rejected": 3])
        let codes = Set((report["dossiers"] as? [[String: Any]] ?? []).flatMap { $0["codes"] as? [String] ?? [] })
        #expect(codes == ["E104", "E305", "E201"])
        // Nothing of a rejected dossier stays in the store: a full verify finds every object
        // referenced (no W512) and no temp file (no W510).
        let check = try Hoso.run(["verify", "--json", "--no-record"], environment: ["HOSO_ARCHIVE": archive])
        let findings = ((try? jsonObject(check.stdout))?["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        #expect(check.status == 0 && !findings.contains("W512") && !findings.contains("W510"), "\(findings) \(check.stderr)")
        let stopped = try Hoso.run(["ingest", "--json", "--stop-on-error", Repository.path("sample-archive/invalid")], environment: ["HOSO_ARCHIVE": archive])
        #expect(stopped.status == 1)
        #expect((try jsonObject(stopped.stdout)["summary"] as? [String: Any])?["stoppedEarly"] as? Bool == true)
    }

    /// An archive holding `count` sample dossiers, and its lock file held from here as a
    /// writer (LOCK_EX) or a verify (LOCK_SH) holds it; the caller closes the descriptor.
    func archiveWithLockHeld(_ t: TemporaryFolder, count: Int, _ operation: Int32) throws -> (archive: String, batch: String, lock: Int32) {
        let archive = try makeArchive(t)
        let batch = try sampleBatch(t, count: count)
        #expect(try Hoso.run(["ingest", batch], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        let fd = open(archive + "/lock", O_RDWR)
        #expect(flock(fd, operation) == 0)
        return (archive, batch, fd)
    }

    /// A command with no safe point to stop at still ends at once on Ctrl-C or SIGTERM (killed by
    /// the signal, as without a handler), but says what that leaves and what to run, where it
    /// ended in silence. Each waits for the lock held here, so the signal finds it running.
    @Test func aSignalEndsALongCommandWithANote() throws {
        let t = TemporaryFolder()
        let (archive, _, fd) = try archiveWithLockHeld(t, count: 3, LOCK_EX)
        defer { close(fd) }
        // A copy to a replica takes no lock; a restore from one does.
        let replica = t.sub("replica")
        #expect(try Hoso.run(["replicate", "--to", replica], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        for (args, says) in [(["rebuild", "--wait"], "Run the same command again to finish"), (["index", "rebuild", "--wait"], "run 'hoso index rebuild' again"),
                             (["verify", "--wait", "--no-record"], "changes no dossier, object or ledger entry"),
                             (["index", "optimize", "--wait"], "The index is as it was, or repacked"),
                             (["replicate", "--from", replica, "--wait"], "run the same command again to copy the rest")] {
            let errPath = t.sub("err-\(args[0])-\(args[1])")
            _ = FileManager.default.createFile(atPath: errPath, contents: nil)
            let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
            let p = try Hoso.start(args, environment: ["HOSO_ARCHIVE": archive], stderr: err)
            usleep(400_000)
            #expect(p.isRunning, "\(args) did not wait for the lock")
            kill(p.processIdentifier, SIGTERM)
            p.waitUntilExit()
            try err.close()
            let stderr = try String(contentsOfFile: errPath, encoding: .utf8)
            #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGTERM, "\(args): \(p.terminationReason) \(p.terminationStatus)")
            #expect(stderr.contains("stopped by a signal") && stderr.contains(says), "\(args): \(stderr)")
        }
        // A signal the parent ignores (a shell's background job, SIGINT) stays ignored.
        let ignoring = Process()
        ignoring.executableURL = URL(fileURLWithPath: "/bin/sh")
        ignoring.arguments = ["-c", "trap '' INT; exec '\(Hoso.binary)' verify --wait --no-record --archive '\(archive)'"]
        ignoring.standardOutput = FileHandle.nullDevice; ignoring.standardError = FileHandle.nullDevice
        try ignoring.run()
        usleep(400_000)
        kill(ignoring.processIdentifier, SIGINT)
        usleep(200_000)
        #expect(ignoring.isRunning, "SIGINT, ignored by the parent, ended the run")
        flock(fd, LOCK_UN)
        ignoring.waitUntilExit()
        #expect(ignoring.terminationReason == .exit && ignoring.terminationStatus == 0)
        #expect(try Hoso.run(["verify", "--no-record"], environment: ["HOSO_ARCHIVE": archive]).status == 0)
    }

    @Test func oneWriterManyReaders() throws {
        let t = TemporaryFolder()
        // Held as a running ingest would.
        let (archive, batch, fd) = try archiveWithLockHeld(t, count: 5, LOCK_EX)
        let second = try sampleBatch(t, name: "second")
        let refused = try Hoso.run(["ingest", second], environment: ["HOSO_ARCHIVE": archive])
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("E403"))
        #expect(refused.stderr.contains("--wait"))
        // Readers are not blocked.
        #expect(try Hoso.run(["stats"], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        let number = try FileManager.default.contentsOfDirectory(atPath: batch).sorted()[0]
        #expect(try Hoso.run(["show", number], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        // A verify would see a writer's commits half-way (they looked like a rollback): it is
        // refused at once, or waits.
        let verify = try Hoso.run(["verify", "--no-record"], environment: ["HOSO_ARCHIVE": archive])
        #expect(verify.status == 3)
        #expect(verify.stderr.contains("E403") && verify.stderr.contains("half-way") && verify.stderr.contains("--wait"), "\(verify.stderr)")
        let waitingVerify = try Hoso.start(["verify", "--wait", "--no-record"], environment: ["HOSO_ARCHIVE": archive])
        // A waiting writer proceeds when the lock is released.
        let waiting = try Hoso.start(["ingest", "--wait", second], environment: ["HOSO_ARCHIVE": archive])
        usleep(500_000)
        #expect(waiting.isRunning && waitingVerify.isRunning)
        flock(fd, LOCK_UN); close(fd)
        waiting.waitUntilExit()
        waitingVerify.waitUntilExit()
        #expect(waiting.terminationStatus == 0)
        #expect(waitingVerify.terminationStatus == 0)
    }

    /// While a verify runs (holding the lock shared), writers are refused or wait; other
    /// verifies and the readers go on.
    @Test func verifyAndWritersExcludeEachOther() throws {
        let t = TemporaryFolder()
        let (archive, _, fd) = try archiveWithLockHeld(t, count: 3, LOCK_SH)
        defer { close(fd) }
        let refused = try Hoso.run(["ingest", try sampleBatch(t, name: "second")], environment: ["HOSO_ARCHIVE": archive])
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("E403") && refused.stderr.contains("a verify") && refused.stderr.contains("--wait"), "\(refused.stderr)")
        #expect(try Hoso.run(["rebuild"], environment: ["HOSO_ARCHIVE": archive]).status == 3)
        // A put is a writer too: an ingest starting would otherwise remove its temp files.
        let put = try Hoso.run(["object", "put", Repository.path("README.md")], environment: ["HOSO_ARCHIVE": archive])
        #expect(put.status == 3 && put.stderr.contains("E403") && put.stderr.contains("--wait"), "\(put.stderr)")
        #expect(try Hoso.run(["verify", "--quick", "--no-record"], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        #expect(try Hoso.run(["search", "--json", "khai"], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        flock(fd, LOCK_UN)
        #expect(try Hoso.run(["rebuild"], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        #expect(try Hoso.run(["object", "put", Repository.path("README.md")], environment: ["HOSO_ARCHIVE": archive]).status == 0)
    }

    /// Two real ingests at once: the second is refused at once, naming the first; stats, search,
    /// show and export answer while the first runs (stopped once with its lock held), from
    /// whole checkpoints only, never a partial one.
    @Test func concurrentIngestsAndReadersDuringOne() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let batch = try sampleBatch(t)
        let total = try FileManager.default.contentsOfDirectory(atPath: batch).count
        // Small checkpoints and one worker: a run long enough to be seen at work.
        let first = try Hoso.start(["ingest", "--checkpoint-dossiers", "2", "--checkpoint-seconds", "600", "--jobs", "1", batch],
                                   environment: ["HOSO_ARCHIVE": archive])
        // The loop below starts ingests too: let the first take the writer lock before it, or
        // the first could be the one refused.
        let deadline = Date().addingTimeInterval(60)
        while first.isRunning && !flockHeld(archive + "/lock") && Date() < deadline { usleep(5000) }
        var refusedWhileRunning = false
        var seen: [Int] = [], found: [Int] = []
        let env = ["HOSO_ARCHIVE": archive]
        func readers() throws -> (stats: Int, search: Int, first: String?) {
            let stats = try Hoso.run(["stats", "--json"], environment: env)
            #expect(stats.status == 0, "stats beside an ingest: \(stats.stderr)")
            let overall = (try? jsonObject(stats.stdout))?["overall"] as? [[String: Any]]
            let search = try Hoso.run(["search", "--json", "--limit", "1", "received:2000-01-01..2030-12-31"], environment: env)
            #expect(search.status == 0, "search beside an ingest: \(search.stderr)")
            let answer = try? jsonObject(search.stdout)
            let hit = (answer?["hits"] as? [[String: Any]])?.first?["number"] as? String
            return (overall?.first?["total"] as? Int ?? -1, answer?["total"] as? Int ?? -1, hit)
        }
        var stoppedOnce = false
        while first.isRunning {
            let second = try Hoso.run(["ingest", batch], environment: env)
            if first.isRunning && second.status == 3 {
                #expect(second.stderr.contains("E403") && second.stderr.contains("\(first.processIdentifier)"), "\(second.stderr)")
                refusedWhileRunning = true
            }
            let now = try readers()
            seen.append(now.stats); found.append(now.search)
            // Once something is committed, the ingest is stopped where it stands, its lock held:
            // readers answer, export writes a committed dossier out, a second writer is refused.
            if !stoppedOnce, let number = now.first, kill(first.processIdentifier, SIGSTOP) == 0 {
                stoppedOnce = true
                defer { kill(first.processIdentifier, SIGCONT) }
                if flockHeld(archive + "/lock") {
                    let refused = try Hoso.run(["ingest", batch], environment: env)
                    #expect(refused.status == 3 && refused.stderr.contains("E403"), "\(refused.stderr)")
                    refusedWhileRunning = refusedWhileRunning || refused.status == 3
                }
                let still = try readers()
                seen.append(still.stats); found.append(still.search)
                let out = t.sub("exported")
                let export = try Hoso.run(["export", number, "--to", out], environment: env)
                #expect(export.status == 0, "export beside an ingest: \(export.stderr)")
                #expect(try Hoso.run(["show", number], environment: env).status == 0)
            }
        }
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        #expect(stoppedOnce && refusedWhileRunning, "the ingest was never seen at work, or a second one was not refused")
        for counts in [seen, found] {
            #expect(counts == counts.sorted() && counts.allSatisfy { $0 >= 0 }, "committed counts only grow: \(counts)")
            #expect(counts.allSatisfy { $0 % 2 == 0 || $0 == total }, "readers see whole checkpoints only: \(counts)")
        }
    }

    /// The filter an ingest reads instead of querying the catalog for each dossier: "maybe" for
    /// every archived number and XML, "no" for others; not loaded when the catalog is too large.
    @Test func archivedKeysSayNoOnlyForWhatIsNotArchived() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let batch = try sampleBatch(t)
        #expect(try Hoso.run(["ingest", batch], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        let catalog = try Catalog.open(path: archive + "/catalog.sqlite", mode: .readOnly)
        let numbers = try catalog.numbers(prefix: "", limit: 10_000)
        #expect(numbers.count > 10)
        let keys = try #require(try catalog.archivedKeys(limit: 10_000))
        for n in numbers {
            #expect(keys.mayHoldNumber(n), "\(n)")
            let row = try #require(try catalog.current(number: n))
            #expect(keys.mayHoldXML(row.xmlObject), "\(n)")
        }
        let strangers = (0..<2000).filter { keys.mayHoldNumber("000.00.00.X99-\($0)") }
        #expect(strangers.isEmpty)
        #expect(!keys.mayHoldXML(ObjectID.hashing(Array("<hoSo/>".utf8))))
        #expect(try catalog.archivedKeys(limit: numbers.count - 1) == nil)
    }

    @Test func rebuildRecreatesTheSameCatalog() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let batch = try sampleBatch(t)
        #expect(try Hoso.run(["ingest", "--checkpoint-dossiers", "7", batch], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        #expect(try Hoso.run(["verify", "--no-record"], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        let before = try shell("sqlite3 -readonly '\(archive)/catalog.sqlite' .dump | grep -v source_cache").output
        _ = try shell("rm -f '\(archive)'/catalog.sqlite*")
        let r = try Hoso.run(["rebuild"], environment: ["HOSO_ARCHIVE": archive])
        #expect(r.status == 0, "\(r.stderr)")
        let after = try shell("sqlite3 -readonly '\(archive)/catalog.sqlite' .dump | grep -v source_cache").output
        #expect(before == after)
        #expect(before.contains("INSERT INTO dossiers"))
        // A reader also catches up by itself when the catalog is gone.
        _ = try shell("rm -f '\(archive)'/catalog.sqlite*")
        #expect(try Hoso.run(["stats"], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        let again = try shell("sqlite3 -readonly '\(archive)/catalog.sqlite' .dump | grep -v source_cache").output
        #expect(again == before)
    }

    /// Ingests 3 sample dossiers, as an unprivileged user, into an archive that user owns but
    /// where `readOnly(archive)` (a shell command) took some write permission away; nil where
    /// the system cannot run hoso as that user.
    func ingestAsAnotherUser(_ t: TemporaryFolder, readOnly: (String) -> String) throws -> (archive: String, result: (status: Int32, output: String))? {
        let archive = try makeArchive(t)
        let batch = try sampleBatch(t, count: 3)
        _ = try shell("chmod -R a+rX '\(t.path)' && chown -R 65534 '\(archive)' && \(readOnly(archive))")
        guard try Unprivileged.available("-w '\(archive)/ledger'") else { return nil }
        return (archive, try Unprivileged.hoso("ingest --archive '\(archive)' '\(batch)'"))
    }

    /// A store that cannot be written stops the ingest with E406 (exit 3), rather than
    /// rejecting every dossier as if each were at fault. Run as an unprivileged user.
    @Test func aStoreThatCannotBeWrittenStopsTheIngest() throws {
        let t = TemporaryFolder()
        guard let (archive, r) = try ingestAsAnotherUser(t, readOnly: { "find '\($0)/objects' -type d -exec chmod a-w {} +" }) else { return }
        #expect(r.status == 3, "\(r.output)")
        #expect(r.output.contains("E406") && !r.output.contains("rejected"), "\(r.output)")
        #expect(!FileManager.default.fileExists(atPath: archive + "/ledger/HEAD"), "nothing committed")
    }

    /// An index that cannot be written does not undo or hide an ingest: the dossiers are
    /// archived and cataloged, the summary is printed, the failure said, exit 3.
    @Test func anIndexThatCannotBeWrittenIsReportedAfterTheSummary() throws {
        let t = TemporaryFolder()
        guard let (archive, r) = try ingestAsAnotherUser(t, readOnly: { "chmod a-w '\($0)/index'" }) else { return }
        #expect(r.status == 3)
        #expect(r.output.contains("3 archived") && r.output.contains("E406") && r.output.contains("index rebuild"), "\(r.output)")
        _ = try shell("chmod u+w '\(archive)/index'")
        let found = try Unprivileged.hoso("search --json --archive '\(archive)' khai")
        #expect(found.status == 0, "the index catches up once writable: \(found.output)")
    }

    /// On read-only media, a catalog and an index that lag the ledger (copied after an ingest
    /// was killed between its commit and their update) answer, and say that they lag.
    @Test func readOnlyDerivedDataBehindTheLedgerSaysSo() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let first = try sampleBatch(t, count: 2, name: "first")
        #expect(try Hoso.run(["ingest", "--archive", archive, first]).status == 0)
        _ = try shell("cp -a '\(archive)/catalog.sqlite' '\(t.sub("catalog"))' && cp -a '\(archive)/index' '\(t.sub("index"))'")
        let second = try sampleBatch(t, name: "second")
        #expect(try Hoso.run(["ingest", "--archive", archive, second]).status == 0)
        _ = try shell("rm -rf '\(archive)/catalog.sqlite'* '\(archive)/index' && cp -a '\(t.sub("catalog"))' '\(archive)/catalog.sqlite' && cp -a '\(t.sub("index"))' '\(archive)/index'")
        _ = try shell("chmod -R a+rX '\(t.path)' && chmod -R a-w '\(archive)'")
        guard try Unprivileged.available("! -w '\(archive)/ledger'") else { return }
        for command in ["stats", "search khai"] {
            let r = try Unprivileged.hoso("\(command) --archive '\(archive)'")
            #expect(r.status == 0 && r.output.contains("1 ledger entry behind and cannot be brought up to date here (read-only media"), "\(command): \(r.output)")
        }
        // A seal pairs the head with the counts of the entry they belong to.
        let seal = try Unprivileged.hoso("seal --archive '\(archive)'")
        #expect(seal.status == 0 && seal.output.contains("ledger entry: 2") && seal.output.contains("as of ledger entry 1"), "\(seal.output)")
        let sealJSON = try shell("\(Unprivileged.prefix) '\(Hoso.binary)' seal --json --archive '\(archive)' 2>/dev/null")
        let receipt = try jsonObject(sealJSON.output)
        #expect(receipt["sequence"] as? Int == 2 && receipt["countsAsOf"] as? Int == 1, "\(sealJSON.output)")
    }

    /// `show` and `export` read a number as pasted (label, dashes, a full stop) or an old
    /// receipt's local code; show gives the whole result document from the archived XML; and
    /// neither hands out a dossier the catalog maps to the wrong manifest.
    @Test func showAndExportReadPastedNumbersAndTrustNoAlteredCatalog() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let batch = try sampleBatch(t)
        #expect(try Hoso.run(["ingest", batch], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        let env = ["HOSO_ARCHIVE": archive]
        let number = "000.00.21.H50-230512-0007"
        for typed in [" Mã hồ sơ: 000.00.21.H50\u{2013}230512\u{2013}0007.", "000.00.21.h50-230512-0007 ", "\u{200B}" + number] {
            let r = try Hoso.run(["show", typed], environment: env)
            #expect(r.status == 0 && r.stdout.hasPrefix("Dossier \(number)"), "\(typed.debugDescription): \(r.stderr)")
        }
        let shown = try Hoso.run(["show", number], environment: env).stdout
        #expect(shown.contains("Giấy khai sinh số 8") && shown.contains("signed by Đặng Thị Diệu") && shown.contains("issued 2023-05-12"), "\(shown)")
        let json = try jsonObject(try Hoso.run(["show", "--json", number], environment: env).stdout)
        #expect((json["result"] as? [String: Any])?["signer"] as? String == "Đặng Thị Diệu")
        // A local code, as on an old receipt.
        let local = try shell("sqlite3 '\(archive)/catalog.sqlite' \"SELECT number, local_code FROM dossiers WHERE local_code IS NOT NULL LIMIT 1\"").output
            .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|").map(String.init)
        if local.count == 2 {
            let r = try Hoso.run(["show", local[1]], environment: env)
            #expect(r.status == 0 && r.stdout.hasPrefix("Dossier \(local[0])"), "\(r.stderr)")
        }

        // Two rows' numbers swapped in the catalog: each now names the other's manifest.
        let other = try shell("sqlite3 '\(archive)/catalog.sqlite' \"SELECT number FROM dossiers WHERE number != '\(number)' LIMIT 1\"").output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let swap = try shell("sqlite3 '\(archive)/catalog.sqlite' \"UPDATE dossiers SET number='T' WHERE number='\(number)'; UPDATE dossiers SET number='\(number)' WHERE number='\(other)'; UPDATE dossiers SET number='\(other)' WHERE number='T';\"")
        #expect(swap.status == 0)
        let show = try Hoso.run(["show", number], environment: env)
        #expect(show.status == 3 && show.stderr.contains("E701") && !show.stdout.contains("title:"), "\(show.stdout)\(show.stderr)")
        let export = try Hoso.run(["export", number, "--to", t.sub("out")], environment: env)
        #expect(export.status == 3 && export.stderr.contains("E701") && !FileManager.default.fileExists(atPath: t.sub("out") + "/" + number), "\(export.stderr)")
        // No current version: the catalog is damaged, not the dossier absent.
        _ = try shell("sqlite3 '\(archive)/catalog.sqlite' \"UPDATE dossiers SET is_current=0 WHERE number='\(other)'\"")
        let noCurrent = try Hoso.run(["show", other], environment: env)
        #expect(noCurrent.status == 3 && noCurrent.stderr.contains("none is current") && noCurrent.stderr.contains("hoso rebuild"), "\(noCurrent.stderr)")
    }

    @Test func exportVerifiesAndBagItValidates() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let batch = try sampleBatch(t, count: 3)
        #expect(try Hoso.run(["ingest", batch], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        let numbers = try FileManager.default.contentsOfDirectory(atPath: batch).sorted()
        let out = t.sub("out")
        let r = try Hoso.run(["export", "--to", out] + numbers, environment: ["HOSO_ARCHIVE": archive])
        #expect(r.status == 0, "\(r.stderr)")
        for n in numbers {
            let diff = try shell("diff -r '\(batch)/\(n)' '\(out)/\(n)'")
            #expect(diff.status == 0, "\(diff.output)")
        }
        // A rerun finds the same files and says so; a folder with other content is never overwritten.
        let again = try Hoso.run(["export", "--to", out, numbers[0]], environment: ["HOSO_ARCHIVE": archive])
        #expect(again.status == 0 && again.stdout.contains("already exported"), "\(again.stdout)")
        // A file the export does not write makes it another folder's content.
        _ = try shell("chmod u+w '\(out)/\(numbers[0])' && touch '\(out)/\(numbers[0])/notes.txt'")
        #expect(try Hoso.run(["export", "--to", out, numbers[0]], environment: ["HOSO_ARCHIVE": archive]).stderr.contains("other content"))
        _ = try shell("rm '\(out)/\(numbers[0])/notes.txt'")
        _ = try shell("chmod -R u+w '\(out)/\(numbers[0])' && echo changed >> '\(out)/\(numbers[0])/dossier.xml'")
        let other = try Hoso.run(["export", "--to", out, numbers[0]], environment: ["HOSO_ARCHIVE": archive])
        #expect(other.status == 3 && other.stderr.contains("other content"), "export never overwrites")
        // An empty folder in the way holds nothing to keep; a file named --to, or a folder inside
        // the archive, is refused before anything is written.
        _ = try shell("rm -rf '\(out)/\(numbers[2])' && mkdir '\(out)/\(numbers[2])'")
        #expect(try Hoso.run(["export", "--to", out, numbers[2]], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        let file = try t.write("a-file", "x")
        let onFile = try Hoso.run(["export", "--to", file, numbers[0]], environment: ["HOSO_ARCHIVE": archive])
        #expect(onFile.status != 0 && onFile.stderr.contains("is a file, not a folder"), "\(onFile.stderr)")
        for inside in [archive + "/objects", archive + "/new/../ledger/x", archive] {
            let r = try Hoso.run(["export", "--to", inside, numbers[0]], environment: ["HOSO_ARCHIVE": archive])
            #expect(r.status != 0 && r.stderr.contains("inside the archive"), "\(inside): \(r.stderr)")
        }
        let inArchive = try Hoso.run(["verify", "--report", archive + "/objects/r.json"], environment: ["HOSO_ARCHIVE": archive])
        #expect(inArchive.status != 0 && inArchive.stderr.contains("inside the archive"), "\(inArchive.stderr)")
        #expect(!FileManager.default.fileExists(atPath: archive + "/new"))
        // The hidden folder of an export killed part way is removed by the next one.
        // (Made on this machine by a process that is gone: at once. Made elsewhere, or not said
        // where: once an hour old, as the process may run on another machine sharing the folder.)
        let host = try shell("hostname").output.trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try shell("mkdir -p '\(out)/.hoso-export-999999-abc/scans' && touch -d '2 hours ago' '\(out)/.hoso-export-999999-abc'")
        _ = try shell("mkdir -p '\(out)/.hoso-export-999998@\(host)-abc/scans' '\(out)/.hoso-export-999997@elsewhere-abc' '\(out)/.hoso-export-999996-abc'"
                      + " '\(out)/.hoso-export-999995@\(host)-2-abc'")     // another machine whose name begins as this one's
        #expect(try Hoso.run(["export", "--to", out, numbers[1]], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: out + "/.hoso-export-999999-abc"))
        #expect(host.isEmpty || !FileManager.default.fileExists(atPath: out + "/.hoso-export-999998@\(host)-abc"))
        #expect(FileManager.default.fileExists(atPath: out + "/.hoso-export-999997@elsewhere-abc"))
        #expect(FileManager.default.fileExists(atPath: out + "/.hoso-export-999996-abc"))
        #expect(FileManager.default.fileExists(atPath: out + "/.hoso-export-999995@\(host)-2-abc"))
        _ = try shell("rm -rf '\(out)'/.hoso-export-*")

        // A damaged object: that dossier leaves no folder, the others are exported.
        let shown = try jsonObject(try Hoso.run(["show", "--json", numbers[1]], environment: ["HOSO_ARCHIVE": archive]).stdout)
        let object = ((shown["components"] as? [[String: Any]])?.first?["object"] as? String ?? "").replacingOccurrences(of: "sha256:", with: "")
        let path = archive + "/objects/" + object.prefix(2) + "/" + object.dropFirst(2)
        _ = try shell("chmod u+w '\(path)' && cp -p '\(path)' '\(path).good' && printf '\\377' | dd of='\(path)' bs=1 seek=100 conv=notrunc 2>/dev/null")
        let partly = t.sub("partly")
        let damaged = try Hoso.run(["export", "--json", "--to", partly] + numbers, environment: ["HOSO_ARCHIVE": archive])
        #expect(damaged.status == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: partly).sorted() == [numbers[0], numbers[2]], "complete or absent")
        let report = try jsonObject(damaged.stdout)
        #expect((report["exported"] as? [Any])?.count == 2)
        #expect((report["failed"] as? [[String: Any]])?.first?["number"] as? String == numbers[1])
        #expect(damaged.stderr.contains(numbers[1]) && damaged.stderr.contains(object.prefix(12)), "\(damaged.stderr)")
        _ = try shell("mv '\(path).good' '\(path)'")

        let bags = t.sub("bags")
        #expect(try Hoso.run(["export", "--bagit", "--to", bags] + numbers, environment: ["HOSO_ARCHIVE": archive]).status == 0)
        for n in numbers {
            let v = try shell("bagit.py --validate '\(bags)/\(n)'")
            #expect(v.status == 0, "bagit.py: \(v.output)")
            let info = try String(contentsOfFile: "\(bags)/\(n)/bag-info.txt", encoding: .utf8)
            #expect(info.contains("External-Identifier: \(n)") && info.contains("Bagging-Date: \(SearchFixture.todayInVietnam)"), "\(info)")
        }
        // A bag dated by SOURCE_DATE_EPOCH: 17:00 UTC on 2025-12-31 is already 2026-01-01 in
        // Vietnam, whatever the hour the test runs; two such exports make identical bags.
        for copy in ["dated1", "dated2"] {
            let r = try Hoso.run(["export", "--bagit", "--to", t.sub(copy), numbers[0]], environment: ["HOSO_ARCHIVE": archive, "SOURCE_DATE_EPOCH": "1767200400"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let dated = try String(contentsOfFile: t.sub("dated1") + "/\(numbers[0])/bag-info.txt", encoding: .utf8)
        #expect(dated.contains("Bagging-Date: 2026-01-01\n"), "\(dated)")
        #expect(try shell("diff -r '\(t.sub("dated1"))' '\(t.sub("dated2"))'").status == 0, "the same bag twice")
        let badEpoch = try Hoso.run(["export", "--bagit", "--to", t.sub("dated3"), numbers[0]], environment: ["HOSO_ARCHIVE": archive, "SOURCE_DATE_EPOCH": "yesterday"])
        #expect(badEpoch.status == 2 && badEpoch.stderr.contains("SOURCE_DATE_EPOCH is 'yesterday'") && !FileManager.default.fileExists(atPath: t.sub("dated3")), "\(badEpoch.stderr)")

        // A copy for the citizen: the result's scans only, verified; a restricted dossier says so.
        let copy = t.sub("copy")
        let birth = "000.00.21.H50-230512-0007"
        let one = t.sub("one")
        _ = try shell("mkdir -p '\(one)' && cp -a '\(Repository.path("sample-archive/dossiers"))/\(birth)' '\(one)/'")
        #expect(try Hoso.run(["ingest", one], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        do {
            let r = try Hoso.run(["export", "--result-only", "--to", copy, birth], environment: ["HOSO_ARCHIVE": archive])
            #expect(r.status == 0 && r.stderr.contains("restricted"), "\(r.stderr)")
            let files = try shell("cd '\(copy)/\(birth)' && find . -type f | sort").output.split(separator: "\n").map(String.init)
            #expect(files == ["./scans/giay-khai-sinh.pdf"], "\(files)")
            let sum = try shell("sha256sum '\(copy)/\(birth)/scans/giay-khai-sinh.pdf' | cut -c1-64").output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try Hoso.run(["show", "--json", birth], environment: ["HOSO_ARCHIVE": archive]).stdout.contains(sum))
        }
        // A dossier still without a result: said, and no folder made for nothing is left.
        let open = "000.00.40.H50-250630-0009"
        _ = try shell("cp -a '\(Repository.path("sample-archive/dossiers"))/\(open)' '\(one)/'")
        #expect(try Hoso.run(["ingest", one], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        let noResult = try Hoso.run(["export", "--result-only", "--to", t.sub("none/a/b"), open], environment: ["HOSO_ARCHIVE": archive])
        #expect(noResult.status == 3 && noResult.stderr.contains("no result document") && !FileManager.default.fileExists(atPath: t.sub("none")), "\(noResult.stderr)")
    }

    /// Ctrl-C stops an ingest between two dossiers: what came before is committed and listed,
    /// the JSON report is whole, the exit status is 130, and a rerun archives the rest.
    /// SIGTERM (a service manager stopping the job) does the same, with exit status 143.
    @Test(arguments: [SIGINT, SIGTERM])
    func ctrlCStopsBetweenDossiersWithAWholeReport(signal: Int32) throws {
        let t = TemporaryFolder()
        let batch = try sampleBatch(t)
        let observed = try disturbIngest(t, batch, json: true, { p, _ in kill(p.processIdentifier, signal) }) { p, archive, out, _ in
            let report = try jsonObject(out)
            let summary = report["summary"] as? [String: Any] ?? [:]
            guard summary["interrupted"] as? Bool == true else { return false }   // it had finished
            #expect(p.terminationStatus == 128 + signal && p.terminationReason == .exit)
            let listed = (report["dossiers"] as? [[String: Any]]) ?? []
            let archived = listed.filter { $0["state"] as? String == "archived" }.count
            #expect(archived > 0 && archived < 60 && summary["archived"] as? Int == archived, "\(summary)")
            let rerun = try jsonObject(try Hoso.run(["ingest", "--json", batch], environment: ["HOSO_ARCHIVE": archive]).stdout)
            let states = ((rerun["dossiers"] as? [[String: Any]]) ?? []).map { $0["state"] as? String ?? "" }
            #expect(states.filter { $0 == "already-archived" }.count == archived && states.filter { $0 == "archived" }.count == 60 - archived)
            return true
        }
        #expect(observed, "no run was still going when interrupted")
    }

    /// Starts an ingest of `batch` into a fresh archive, one dossier a checkpoint; once its first
    /// checkpoint is committed (the run under way, its handlers in place), `act` disturbs it;
    /// `check` judges the finished run from its standard output and error, and says whether it
    /// was still going when disturbed. Tried up to six times; whether one run was.
    func disturbIngest(_ t: TemporaryFolder, _ batch: String, json: Bool = false, _ act: (Process, String) -> Void,
                       check: (_ p: Process, _ archive: String, _ stdout: String, _ stderr: String) throws -> Bool) throws -> Bool {
        for attempt in 0..<6 {
            let archive = try makeArchive(t, "archive\(attempt)")
            let outPath = t.sub("out\(attempt)"), errPath = t.sub("err\(attempt)")
            for path in [outPath, errPath] { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath)), err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
            let p = try Hoso.start(["ingest"] + (json ? ["--json"] : []) + ["--checkpoint-dossiers", "1", batch],
                                   environment: ["HOSO_ARCHIVE": archive], stdout: out, stderr: err)
            let deadline = Date().addingTimeInterval(60)
            while !FileManager.default.fileExists(atPath: archive + "/ledger/HEAD") && p.isRunning && Date() < deadline { usleep(2_000) }
            act(p, archive)
            p.waitUntilExit()
            try out.close(); try err.close()
            if try check(p, archive, try String(contentsOfFile: outPath, encoding: .utf8), try String(contentsOfFile: errPath, encoding: .utf8)) { return true }
        }
        return false
    }

    /// A store that fails part way: the JSON report still parses, with the error in it.
    @Test func aFailedIngestStillWritesOneJSONDocument() throws {
        let t = TemporaryFolder()
        guard let (archive, _) = try ingestAsAnotherUser(t, readOnly: { "find '\($0)/objects' -type d -exec chmod a-w {} +" }) else { return }
        let r = try shell("\(Unprivileged.prefix) '\(Hoso.binary)' ingest --json --archive '\(archive)' '\(t.sub("batch"))' 2>/dev/null")
        #expect(r.status == 3)
        let report = try jsonObject(r.output)
        #expect((report["error"] as? [String: Any])?["code"] as? String == "E406" && report["dossiers"] is [Any], "\(r.output)")
    }

    /// Kills ingest with SIGKILL at random moments until 50 kills have cut a running ingest; after
    /// each, the archive as the kill left it verifies (its last committed state, with at most
    /// leftovers that verify names), and a rerun completes the batch, leaves no temp file, and
    /// holds the same catalog and objects as a clean run.
    @Test func killedIngestsCompleteOnRerun() throws {
        let t = TemporaryFolder()
        let batch = try sampleBatch(t, count: 16)
        let clean = try makeArchive(t, "clean")
        let began = Date()
        #expect(try Hoso.run(["ingest", "--checkpoint-dossiers", "3", batch], environment: ["HOSO_ARCHIVE": clean]).status == 0)
        // Kills land within the time a whole ingest takes, so most of them cut one short. That time
        // changes with the machine's load (other suites start processes beside this one), so the
        // span follows it: shorter after a kill that came too late, a little longer after one
        // that cut.
        var span = UInt32(max(50_000, min(2_000_000, Date().timeIntervalSince(began) * 1_000_000)))
        var cut = 0
        let expectedCatalog = try catalogContent(clean)
        let expectedObjects = try storedObjects(clean)
        #expect(!expectedObjects.isEmpty)
        var rng = SystemRandomNumberGenerator()
        var round = 0
        while cut < 50 && round < 150 {
            defer { round += 1 }
            let archive = try makeArchive(t, "crash\(round)")
            let env = ["HOSO_ARCHIVE": archive]
            let p = try Hoso.start(["ingest", "--checkpoint-dossiers", "3", batch], environment: env)
            usleep(UInt32.random(in: 0...span, using: &rng))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            if p.terminationReason == .uncaughtSignal {
                cut += 1
                span = min(2_000_000, span / 20 * 21)
                // As the kill left it: whole checkpoints, every referenced object intact.
                let left = try Hoso.run(["verify", "--json", "--no-record"], environment: env)
                #expect(left.status == 0, "round \(round), as killed: \(left.stdout) \(left.stderr)")
                let stats = try Hoso.run(["stats", "--json"], environment: env)
                let total = ((try? jsonObject(stats.stdout))?["overall"] as? [[String: Any]])?.first?["total"] as? Int ?? 0
                #expect(stats.status == 0 && (total % 3 == 0 || total == 16), "round \(round), as killed: \(total) dossiers \(stats.stderr)")
            } else {
                span = max(50_000, span / 4 * 3)
            }
            let rerun = try Hoso.run(["ingest", "--checkpoint-dossiers", "3", batch], environment: env)
            #expect(rerun.status == 0, "round \(round): \(rerun.stderr)")
            #expect(try catalogContent(archive) == expectedCatalog, "round \(round)")
            let objects = try storedObjects(archive)
            // A kill between storing a ledger entry and replacing HEAD leaves that entry unreferenced:
            // allowed (reported by verify as an orphan), never mistaken for archived data.
            #expect(objects.isSuperset(of: expectedObjects), "round \(round)")
            let extra = objects.subtracting(expectedObjects)
            #expect(extra.count <= 1, "round \(round): \(extra.count) unexpected objects")
            let check = try Hoso.run(["object", "check", "--json"], environment: ["HOSO_ARCHIVE": archive])
            #expect(check.status == 0, "round \(round): \(check.stdout)")
            // Everything the ledger references is there and intact; only orphans may remain.
            let verify = try Hoso.run(["verify", "--json", "--no-record"], environment: env)
            #expect(verify.status == 0, "round \(round): \(verify.stdout)")
            let temps = try shell("find '\(archive)' -name '.tmp-*'").output
            #expect(temps.isEmpty, "round \(round): the rerun left temp files: \(temps)")
            _ = try shell("chmod -R u+w '\(archive)' && rm -rf '\(archive)'")
        }
        #expect(cut >= 50, "only \(cut) of \(round) kills interrupted a running ingest")
    }
}

/// Whether some process holds a `flock` on `path` (read from /proc/locks, so that looking does
/// not take the lock away from anyone).
func flockHeld(_ path: String) -> Bool {
    var st = stat()
    guard stat(path, &st) == 0 else { return false }
    let locks = (try? String(contentsOfFile: "/proc/locks", encoding: .utf8)) ?? ""
    return locks.split(separator: "\n").contains { line in
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        return fields.contains("FLOCK") && fields.contains { $0.hasSuffix(":\(st.st_ino)") }
    }
}
