import Foundation
import Testing
import HosoTestSupport

/// Archives written by earlier versions of hoso stay readable and verifiable as they are, take
/// new dossiers by the rules they were made with, and are brought up to date by `hoso rebuild`.
@Suite struct UpgradeTests {
    @Test func anArchiveOfNovember2026IsReadThenBroughtUpToDate() throws {
        let t = TemporaryFolder()
        let archive = t.sub("archive")
        #expect(try shell("cp -a '\(Repository.path("Tests/Fixtures/archive-2026-11"))' '\(archive)' && chmod -R u+w '\(archive)'").status == 0)
        let env = ["HOSO_ARCHIVE": archive]
        func verifyErrors(_ extra: [String] = []) throws -> (Int32, Int) {
            let r = try Hoso.run(["verify", "--json", "--no-record"] + extra, environment: env)
            return (r.status, (try jsonObject(r.stdout)["errors"] as? Int) ?? -1)
        }
        func total(_ q: String) throws -> Int {
            (try jsonObject(try Hoso.run(["search", "--json", q], environment: env).stdout)["total"] as? Int) ?? -1
        }
        func rule() throws -> Int? {
            let m = try jsonObject(try String(contentsOfFile: archive + "/index/manifest.json", encoding: .utf8))
            return m["derivation"] as? Int
        }

        func warnings() throws -> [String] {
            let r = try Hoso.run(["verify", "--json", "--no-record"], environment: env)
            return ((try jsonObject(r.stdout)["findings"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }.filter { $0.hasPrefix("W") }
        }

        // As it is. Its segments (format 2) cannot be made again as they were: said (W709).
        #expect(try verifyErrors() == (0, 0))
        #expect(try warnings().filter { $0 == "W709" }.count == 2)
        #expect(try verifyErrors(["--rederive"]) == (0, 0), "derived again by the rule it was made with")
        #expect(try total("khai sinh") > 0)
        // result: typed out cannot be answered by this index (nothing, or with '-' everything):
        // refused, with what to do.
        for q in ["result:8", "khai -signer:\"đặng thị diệu\""] {
            let old = try Hoso.run(["search", q], environment: env)
            #expect(old.status == 3 && old.stderr.contains("E803") && old.stderr.contains("hoso rebuild"), "\(q): \(old.stderr)")
        }
        // A result number typed without its field, as the README shows them: said too, and
        // among the notes of --json.
        for q in ["203/GPXD", "số 203"] {
            let r = try Hoso.run(["search", "--json", q], environment: env)
            let notes = (try jsonObject(r.stdout)["notes"] as? [String]) ?? []
            #expect(r.stderr.contains("before result numbers") && notes.contains { $0.contains("hoso rebuild") }, "\(q): \(r.stderr) \(notes)")
        }
        #expect(try !Hoso.run(["search", "khai sinh"], environment: env).stderr.contains("note"), "no note where no result is asked for")
        #expect(try Hoso.run(["show", "000.00.21.H50-230512-0007"], environment: env).stdout.contains("signed by Đặng Thị Diệu"))

        // Read and verified (the run recorded), it keeps its format version: a release that
        // knows only version 1 still opens it.
        func config() throws -> [String: Any] { try jsonObject(try String(contentsOfFile: archive + "/hoso-archive.json", encoding: .utf8)) }
        let first = try config()
        #expect(try Hoso.run(["verify"], environment: env).status == 0)
        #expect(try first["version"] as? Int == 1 && config()["version"] as? Int == 1)

        // Nor does a run that writes nothing: a batch that is not there, one archived already,
        // a catalog made again by the archive's own rule.
        #expect(try Hoso.run(["ingest", t.sub("no-such-batch")], environment: env).status == 2)
        #expect(try Hoso.run(["ingest", try sampleBatch(t, count: 1, name: "archived")], environment: env).status == 0)
        #expect(try shell("rm '\(archive)/catalog.sqlite'*").status == 0)
        #expect(try Hoso.run(["stats"], environment: env).status == 0)
        #expect(try config()["version"] as? Int == 1)

        // New dossiers go in by its rule: nothing of two rules in one index. The first write
        // raises the format version, so that an older release refuses the archive before it
        // writes beside segments it cannot read; the settings, the file's mode (whatever the
        // umask) stay as they were, and the lock file is renewed, so that an older writer
        // already waiting for it stops before committing.
        // A key an archivist added, which no release models, is kept too.
        var noted = try config()
        noted["note"] = "Kho lưu trữ UBND thị xã Quảng Trị"
        try JSONSerialization.data(withJSONObject: noted, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: archive + "/hoso-archive.json"))
        let batch = try sampleBatch(t, count: 12)
        let lockBefore = try FileManager.default.attributesOfItem(atPath: archive + "/lock")[.systemFileNumber] as? Int
        let umasked = try shell("umask 077; HOSO_ARCHIVE='\(archive)' '\(Hoso.binary)' ingest '\(batch)'")
        #expect(umasked.status == 0, "\(umasked.output)")
        let raised = try config()
        #expect(raised["version"] as? Int == 2 && raised["createdAt"] as? String == first["createdAt"] as? String
                && raised["note"] as? String == "Kho lưu trữ UBND thị xã Quảng Trị"
                && (raised["compression"] as? [String: Any])?["level"] as? Int == (first["compression"] as? [String: Any])?["level"] as? Int, "\(raised)")
        let mode = try FileManager.default.attributesOfItem(atPath: archive + "/hoso-archive.json")[.posixPermissions] as? Int
        #expect(mode == 0o644, "\(String(mode ?? 0, radix: 8))")
        #expect(try FileManager.default.attributesOfItem(atPath: archive + "/lock")[.systemFileNumber] as? Int != lockBefore)
        #expect(try rule() == nil || rule() == 1)
        #expect(try verifyErrors() == (0, 0))
        #expect(try verifyErrors(["--rederive"]) == (0, 0))
        // Facets name each agency and procedure as stats does, from segments of the old format
        // (which name no latest dossier: read from their columns) and of the new alike.
        func labels(_ json: [String: Any], _ key: String) -> [String: String] {
            Dictionary(uniqueKeysWithValues: ((json[key] as? [[String: Any]]) ?? []).compactMap { g in
                (g["key"] as? String).map { ($0, g["label"] as? String ?? "") }
            })
        }
        let everything = try jsonObject(try Hoso.run(["search", "--json", "--facets", "--limit", "0", "received:2000..2100"], environment: env).stdout)
        let facets = everything["facets"] as? [String: Any] ?? [:]
        for by in ["agency", "procedure"] {
            let stats = labels(try jsonObject(try Hoso.run(["stats", "--json", "--by", by], environment: env).stdout), by)
            #expect(!stats.isEmpty && labels(facets, by) == stats, "\(by): \(labels(facets, by)) against \(stats)")
        }

        // A rebuild makes both anew by the current rule; every segment is compared then.
        #expect(try Hoso.run(["rebuild"], environment: env).status == 0)
        #expect(try !warnings().contains("W709"))
        #expect(try rule() == 4)
        // Its ledger entries recorded digests of rows made by rule 1: show, as verify, derives
        // them again from the XML, and finds nothing altered.
        let numbers = try shell("sqlite3 -readonly '\(archive)/catalog.sqlite' 'SELECT number FROM dossiers'").output.split(separator: "\n")
        #expect(numbers.count == 12, "the five of the fixture are among the twelve")
        for n in numbers {
            let shown = try Hoso.run(["show", String(n)], environment: env)
            #expect(shown.status == 0 && shown.stderr.isEmpty, "\(n): \(shown.stderr)")
        }
        #expect(try total("result:8") == 1 && total("signer:\"dang thi dieu\"") == 1)
        #expect(try verifyErrors() == (0, 0))
        #expect(try verifyErrors(["--rederive"]) == (0, 0))
        #expect(try Hoso.run(["ingest", batch], environment: env).status == 0, "a rerun after it archives nothing new")
    }

    /// An archive whose segments (format 3) name no latest dossier per code: facets read their
    /// columns and name the renamed agency by its latest dossier, as stats does, before and after
    /// new dossiers add segments of the current format and a merge rewrites the old ones.
    @Test func segmentsOfFormatThreeNameAnAgencyByItsLatestDossier() throws {
        let t = TemporaryFolder()
        let archive = t.sub("archive")
        #expect(try shell("cp -a '\(Repository.path("Tests/Fixtures/archive-2026-11-30"))' '\(archive)' && chmod -R u+w '\(archive)'").status == 0)
        let env = ["HOSO_ARCHIVE": archive]
        let renamed = "Trung tâm Phục vụ hành chính công thị xã Quảng Trị"
        func facetLabel() throws -> String? {
            let r = try jsonObject(try Hoso.run(["search", "--json", "--facets", "--limit", "0", "code:000.00.20.H50*"], environment: env).stdout)
            return (((r["facets"] as? [String: Any])?["agency"] as? [[String: Any]])?.first)?["label"] as? String
        }
        func statsLabel(_ period: [String] = []) throws -> String? {
            let r = try jsonObject(try Hoso.run(["stats", "--json", "--by", "agency"] + period, environment: env).stdout)
            return ((r["agency"] as? [[String: Any]]) ?? []).first { $0["key"] as? String == "000.00.20.H50" }?["label"] as? String
        }
        #expect(try Hoso.run(["verify", "--no-record"], environment: env).status == 0)
        #expect(try facetLabel() == renamed && statsLabel() == renamed)
        // A period holding only the older dossier, with the old name: the current name still.
        #expect(try statsLabel(["--to", "2021-12-31"]) == renamed)
        #expect(try Hoso.run(["ingest", try sampleBatch(t, count: 12)], environment: env).status == 0)
        #expect(try facetLabel() == renamed)
        #expect(try Hoso.run(["index", "optimize"], environment: env).status == 0)
        #expect(try facetLabel() == renamed && statsLabel() == renamed)
        #expect(try Hoso.run(["verify", "--no-record"], environment: env).status == 0)

        // Its index was made before the channel was (rule 3), and new dossiers go in by that
        // rule: channel: cannot be answered (E803, with what to do), until a rebuild.
        func online() throws -> (Int, String) {
            let r = try Hoso.run(["search", "--json", "--limit", "0", "channel:trực tuyến"], environment: env)
            return ((try? jsonObject(r.stdout)["total"] as? Int) ?? -1, r.stderr)
        }
        for q in ["channel:trực tuyến", "received:2000..2100 -channel:online"] {
            let r = try Hoso.run(["search", "--json", q], environment: env)
            #expect(try r.status == 3 && r.stderr.contains("E803") && r.stderr.contains("hoso rebuild")
                    && jsonObject(r.stdout)["code"] as? String == "E803", "\(q): \(r.stderr) \(r.stdout)")
        }
        #expect(try Hoso.run(["rebuild"], environment: env).status == 0)
        let counted = try jsonObject(try Hoso.run(["stats", "--json", "--by", "channel"], environment: env).stdout)
        let expected = ((counted["channel"] as? [[String: Any]]) ?? []).first { $0["key"] as? String == "online" }?["total"] as? Int
        let after = try online()
        #expect(expected.map { $0 > 0 } == true && after.0 == expected && after.1.isEmpty, "\(after) against \(expected ?? -1)")
        #expect(try Hoso.run(["verify", "--no-record"], environment: env).status == 0)
    }

    /// An archive indexed before the channel was (derivation 3, segments of format 4): read and
    /// verified as it is, segments of both formats answer together and merge, and a rebuild
    /// brings the channel in.
    @Test func segmentsOfFormatFourAndFiveAnswerTogether() throws {
        let t = TemporaryFolder()
        let archive = t.sub("archive")
        #expect(try shell("cp -a '\(Repository.path("Tests/Fixtures/archive-2026-11-30b"))' '\(archive)' && chmod -R u+w '\(archive)'").status == 0)
        let env = ["HOSO_ARCHIVE": archive]
        func verify() throws -> (Int32, [String]) {
            let r = try Hoso.run(["verify", "--json", "--no-record"], environment: env)
            return (r.status, ((try jsonObject(r.stdout)["findings"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String })
        }
        func hits(_ q: String) throws -> [String] {
            let r = try jsonObject(try Hoso.run(["search", "--json", "--limit", "100", q], environment: env).stdout)
            return ((r["hits"] as? [[String: Any]]) ?? []).compactMap { $0["number"] as? String }
        }
        func formats() throws -> [UInt32] {
            let m = try jsonObject(try String(contentsOfFile: archive + "/index/manifest.json", encoding: .utf8))
            return try ((m["segments"] as? [[String: Any]]) ?? []).map { s in
                let b = try Data(contentsOf: URL(fileURLWithPath: archive + "/index/" + (s["file"] as? String ?? "")))
                return UInt32(b[8]) | UInt32(b[9]) << 8
            }
        }
        #expect(try verify() == (0, []))
        #expect(try formats() == [4, 4])
        // index status says so, beside what this hoso makes, for a script checking archives.
        let status = try jsonObject(try Hoso.run(["index", "status", "--json"], environment: env).stdout)
        #expect(status["segmentFormats"] as? [Int] == [4, 4] && status["rule"] as? Int == 3
                && (status["current"] as? [String: Any])?["derivation"] as? Int == 4, "\(status)")
        #expect(try Hoso.run(["index", "status"], environment: env).stdout.contains("'hoso rebuild' brings the catalog and the index up to it"))
        // With --check, the manifest stays one key, as it was.
        let checked = try jsonObject(try Hoso.run(["index", "status", "--check", "--json"], environment: env).stdout)
        #expect((checked["manifest"] as? [String: Any])?["generation"] != nil && checked["checked"] as? Int == 2
                && checked["segmentFormats"] as? [Int] == [4, 4] && checked["generation"] == nil, "\(checked)")
        #expect(try hits("đăng ký khai sinh").count > 0 || hits("khai").count > 0)
        let queries = ["khai", "nguyen", "received:2019..2025", "status:returned", "agency:000.00.21.H50"]
        #expect(try Hoso.run(["ingest", try sampleBatch(t, count: 12)], environment: env).status == 0)
        #expect(try formats().contains(5) && formats().contains(4))
        let mixed = try queries.map(hits)
        #expect(mixed.allSatisfy { !$0.isEmpty }, "\(mixed)")
        #expect(try verify() == (0, []))
        #expect(try Hoso.run(["search", "channel:online"], environment: env).status == 3, "rule 3 still: no channel")
        #expect(try Hoso.run(["index", "optimize"], environment: env).status == 0)
        #expect(try formats() == [5])
        #expect(try queries.map(hits) == mixed, "merged, the same answers")
        #expect(try verify() == (0, []))
        #expect(try Hoso.run(["rebuild"], environment: env).status == 0)
        #expect(try queries.map(hits) == mixed, "rebuilt, the same answers")
        #expect(try hits("channel:online").count > 0 && hits("channel:postal").contains("000.00.41.H50-231211-0009"))
        #expect(try verify() == (0, []))
    }

    /// An archive an older release made, into which this one ingests nothing but invalid
    /// dossiers: nothing of this release's rules is recorded, and its version stays 1.
    @Test func anIngestThatArchivesNothingRecordsNoRule() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let config = archive + "/hoso-archive.json"
        try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "\"version\" : 2", with: "\"version\" : 1")
            .write(toFile: config, atomically: false, encoding: .utf8)
        let batch = t.sub("invalid")
        for name in ["E104-not-well-formed", "E105-doctype", "E103-empty-file"] {
            #expect(try shell("mkdir -p '\(batch)' && cp -r '\(Repository.path("sample-archive/invalid/" + name))' '\(batch)/'").status == 0)
        }
        let r = try Hoso.run(["ingest", "--archive", archive, batch])
        #expect(r.status == 1, "\(r.stdout)")
        #expect(try String(contentsOfFile: config, encoding: .utf8).contains("\"version\" : 1"))
        let rule = try shell("sqlite3 -readonly '\(archive)/catalog.sqlite' \"SELECT count(*) FROM meta WHERE key = 'index_derivation'\"").output
        #expect(rule.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(rule)")
    }

    /// A writer that waited for the lock while a newer release raised the archive's version
    /// past its own writes nothing: it refuses (E402), as it would have at the start.
    @Test func aWriterThatWaitedChecksTheVersionAgain() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let env = ["HOSO_ARCHIVE": archive]
        #expect(try Hoso.run(["ingest", try sampleBatch(t, count: 2)], environment: env).status == 0)
        let head = try String(contentsOfFile: archive + "/ledger/HEAD", encoding: .utf8)
        // The newer release: holds the lock, raises the version, lets go.
        let newer = "flock -x '\(archive)/lock' -c \"sleep 2; sed -i 's/\\\"version\\\" : 2/\\\"version\\\" : 3/' '\(archive)/hoso-archive.json'\""
        let r = try shell("(\(newer)) & sleep 0.5; HOSO_ARCHIVE='\(archive)' '\(Hoso.binary)' ingest --wait '\(try sampleBatch(t, name: "more"))'; echo \"rc=$?\"; wait")
        #expect(r.output.contains("E402") && r.output.contains("rc=3"), "\(r.output)")
        #expect(try String(contentsOfFile: archive + "/ledger/HEAD", encoding: .utf8) == head, "nothing committed")
        #expect(try String(contentsOfFile: archive + "/hoso-archive.json", encoding: .utf8).contains("\"version\" : 3"))
    }

    /// An archive whose derived data a newer hoso made by a rule this one does not know: read as
    /// it is, never written by another rule (its catalog's digests would not match), and made
    /// anew by this hoso's rule at `hoso rebuild`.
    @Test func aRuleOfANewerHosoIsNotWrittenBy() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let env = ["HOSO_ARCHIVE": archive]
        #expect(try Hoso.run(["ingest", try sampleBatch(t, count: 3)], environment: env).status == 0)
        let future = 99
        #expect(try shell("sqlite3 '\(archive)/catalog.sqlite' \"UPDATE meta SET value = '\(future)' WHERE key = 'index_derivation'\"").status == 0)
        let manifest = archive + "/index/manifest.json"
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        try text.replacingOccurrences(of: #""derivation" : 4"#, with: #""derivation" : \#(future)"#)
            .replacingOccurrences(of: #""derivation":4"#, with: #""derivation":\#(future)"#).write(toFile: manifest, atomically: true, encoding: .utf8)
        #expect(try jsonObject(try String(contentsOfFile: manifest, encoding: .utf8))["derivation"] as? Int == future)
        #expect(try Hoso.run(["search", "khai"], environment: env).status == 0)
        // Verify says so too (it had said "no errors" where ingest refused), quick and full.
        for level in [["--quick"], []] {
            let r = try Hoso.run(["verify", "--json", "--no-record"] + level, environment: env)
            let codes = ((try jsonObject(r.stdout)["findings"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }
            #expect(r.status == 1 && codes == ["E705"] && r.stdout.contains("rule \(future), of a newer hoso"), "\(level): \(r.stdout)")
        }
        let refused = try Hoso.run(["ingest", try sampleBatch(t, name: "more")], environment: env)
        #expect(refused.status == 3 && refused.stderr.contains("E705") && refused.stderr.contains("rule \(future), of a newer hoso"), "\(refused.stderr)")
        #expect(try Hoso.run(["rebuild"], environment: env).status == 0)
        #expect(try Hoso.run(["ingest", t.sub("more")], environment: env).status == 0)
        let r = try Hoso.run(["verify", "--json", "--no-record"], environment: env)
        #expect(r.status == 0, "\(r.stdout)")
    }
}

/// The result document a citizen holds (its number, notation, signer) finds the dossier.
@Suite struct ResultSearchTests {
    @Test func resultDocumentsAreFoundByNumberNotationAndSigner() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        #expect(try Hoso.run(["ingest", try sampleBatch(t)], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        func first(_ q: String) throws -> (String?, Int) {
            let json = try jsonObject(try Hoso.run(["search", "--json", q], environment: ["HOSO_ARCHIVE": archive]).stdout)
            return (((json["hits"] as? [[String: Any]])?.first)?["number"] as? String, json["total"] as? Int ?? -1)
        }
        let birth = "000.00.21.H50-230512-0007"     // Giấy khai sinh số 8, signed by Đặng Thị Diệu
        #expect(try first("giấy khai sinh số 8").0 == birth)
        #expect(try first("giay khai sinh so 8").0 == birth)
        #expect(try first("result:8").0 == birth)
        #expect(try first("signer:\"Đặng Thị Diệu\"") == (birth, 1))
        #expect(try first("signer:\"dang thi dieu\"") == (birth, 1))
        // Found typed without marks, shown as written (derivation 3), as is the result's number.
        func shown(_ q: String) throws -> String? {
            let hit = ((try jsonObject(try Hoso.run(["search", "--json", q], environment: ["HOSO_ARCHIVE": archive]).stdout))["hits"] as? [[String: Any]])?.first
            return (hit?["highlight"] as? [String: Any])?["text"] as? String
        }
        #expect(try shown("signer:\"dang thi dieu\"") == "Đặng Thị Diệu")
        #expect(try shown("result:\"quyen so 01/2023-sct/bs\"") == "Quyển số 01/2023-SCT/BS")
        // A business registration number, letters and digits together, typed alone.
        let (business, n) = try first("32A8630577")
        #expect(n == 1 && business != nil)
        // A certification book's notation, whole or by its code; every dossier of that book.
        let inBook = try first("Quyển số 01/2023-SCT/BS").1
        let byCode = try first("01/2023-SCT/BS").1, byField = try first("result:\"quyen so 01/2023-sct/bs\"").1
        #expect(inBook >= 1 && byCode == inBook && byField == inBook, "\(inBook) \(byCode) \(byField)")
        // Each hit names the applicant's commune, which tells namesakes apart.
        let hits = (try jsonObject(try Hoso.run(["search", "--json", "nguyen van hoa"], environment: ["HOSO_ARCHIVE": archive]).stdout)["hits"] as? [[String: Any]]) ?? []
        #expect(!hits.isEmpty && hits.allSatisfy { !($0["place"] as? String ?? "").isEmpty }, "\(hits.first ?? [:])")
        // Newest first within a day too: an office's later number before its earlier one.
        let day = (try jsonObject(try Hoso.run(["search", "--json", "--limit", "50", "--sort", "received", "received:2023-05-12"],
                                               environment: ["HOSO_ARCHIVE": archive]).stdout)["hits"] as? [[String: Any]]) ?? []
        let numbers = day.compactMap { $0["number"] as? String }
        #expect(numbers == ["000.00.21.H50-230512-0008", "000.00.21.H50-230512-0007"], "\(numbers)")
        let text = try Hoso.run(["search", "--limit", "1", "giấy khai sinh số 8"], environment: ["HOSO_ARCHIVE": archive]).stdout
        #expect(text.contains("Nguyễn Văn Hòa (Phường 1, Thị xã Quảng Trị)"), "\(text)")
    }
}
