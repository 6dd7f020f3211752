import Foundation
import Testing
import HosoTestSupport

/// Batches as they come from several generations of software and from other people's computers:
/// what an archivist found passing, reported differently by validate and ingest, or refused.
@Suite struct MessyBatchTests {
    /// Rewrites elements of a dossier's XML (the first match of each pattern).
    func edit(_ xml: String, _ changes: [(String, String)]) throws {
        var text = try String(contentsOfFile: xml, encoding: .utf8)
        for (pattern, replacement) in changes {
            guard let r = text.range(of: pattern, options: .regularExpression) else { throw CocoaError(.fileReadCorruptFile) }
            text.replaceSubrange(r, with: replacement)
        }
        try text.write(toFile: xml, atomically: false, encoding: .utf8)
    }

    func lineOf(_ needle: String, in xml: String) throws -> Int? {
        let lines = try String(contentsOfFile: xml, encoding: .utf8).components(separatedBy: "\n")
        return lines.firstIndex { $0.contains(needle) }.map { $0 + 1 }
    }

    /// A short value in TCVN3 holds one sign only (ThÞ for Thị, Ph­êng for Phường): refused,
    /// at the line of the element itself, and converted on request, so that search finds it.
    @Test func shortLegacyValuesAreFlaggedAtTheirLineThenConverted() throws {
        let t = TemporaryFolder()
        let batch = try sampleBatch(t, count: 1)
        let folder = try FileManager.default.contentsOfDirectory(atPath: batch).sorted()[0]
        let xml = batch + "/" + folder + "/dossier.xml"
        try edit(xml, [(#"<fullName>[^<]*</fullName>"#, "<fullName>Vò ThÞ Lý</fullName>"),
                       (#"<commune>[^<]*</commune>"#, "<commune>Ph\u{00AD}êng 1</commune>")])
        let v = try Hoso.run(["validate", "--json", batch])
        #expect(v.status == 1, "\(v.stdout)")
        let found = ((try jsonObject(v.stdout)["dossiers"] as? [[String: Any]]) ?? []).flatMap { ($0["diagnostics"] as? [[String: Any]]) ?? [] }
        let byLine = Dictionary(found.filter { $0["code"] as? String == "E407" }.map { ($0["subject"] as? String ?? "", $0["line"] as? Int) },
                                uniquingKeysWith: { a, _ in a })
        let nameLine = try lineOf("<fullName>", in: xml), communeLine = try lineOf("<commune>", in: xml)
        #expect(byLine["applicant/fullName"] == .some(nameLine), "\(found)")
        #expect(byLine["address/commune"] == .some(communeLine), "\(found)")

        let archive = try makeArchive(t)
        #expect(try Hoso.run(["ingest", "--archive", archive, batch]).status == 1, "refused without the option")
        #expect(try Hoso.run(["ingest", "--archive", archive, "--legacy-encoding", "tcvn3", batch]).status == 0)
        for query in ["Vũ Thị Lý", "vu thi ly", "phường 1 vu"] {
            let r = try Hoso.run(["search", "--json", "--archive", archive, query])
            let hit = (try jsonObject(r.stdout)["hits"] as? [[String: Any]])?.first
            #expect(hit?["applicant"] as? String == "Vũ Thị Lý", "\(query): \(r.stdout)")
        }
    }

    /// Ingest checks the files of a dossier it refuses, as validate does (hashing them, storing
    /// nothing): fixing the date must not be followed by news of a damaged scan.
    @Test func ingestReportsWhatValidateReports() throws {
        let t = TemporaryFolder()
        let batch = t.sub("batch")
        _ = try shell("mkdir -p '\(batch)' && cp -a '\(Repository.path("sample-archive/invalid/E201-number-date-mismatch"))' '\(batch)/' && chmod -R u+w '\(batch)'"
                      + " && printf x >> '\(batch)/E201-number-date-mismatch/scans/cccd.jpg'")
        let v = try Hoso.run(["validate", "--json", batch])
        let archive = try makeArchive(t)
        let i = try Hoso.run(["ingest", "--json", "--archive", archive, batch])
        let fromValidate = reportedCodes(try jsonObject(v.stdout)), fromIngest = reportedCodes(try jsonObject(i.stdout))
        #expect(fromValidate == ["E201", "E304"], "\(v.stdout)")
        #expect(fromIngest == fromValidate, "\(i.stdout)")
        #expect(i.status == 1)
        // Nothing of the refused dossier was stored.
        let objects = try shell("find '\(archive)/objects' -type f | wc -l").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(objects == "0", "\(objects) objects stored")
    }

    /// A dossier archived by a run given a higher --max-xml-size is known as archived by a rerun
    /// without it (the documented way to resume), not refused for its size.
    @Test func aRerunWithALowerXMLLimitKnowsWhatIsArchived() throws {
        let t = TemporaryFolder()
        let batch = try sampleBatch(t, count: 2)
        let archive = try makeArchive(t)
        #expect(try Hoso.run(["ingest", "--archive", archive, batch]).status == 0)
        let again = try Hoso.run(["ingest", "--json", "--archive", archive, "--max-xml-size", "1024", batch])
        #expect(again.status == 0, "\(again.stdout)")
        #expect(states(try jsonObject(again.stdout)) == ["already-archived": 2], "\(again.stdout)")
        // Copied elsewhere (its files new to the archive's cache), it is refused with what to do.
        _ = try shell("cp -r '\(batch)' '\(t.sub("copy"))'")
        let copied = try Hoso.run(["ingest", "--json", "--archive", archive, "--max-xml-size", "1024", t.sub("copy")])
        #expect(copied.status == 1 && copied.stdout.contains("archived already"), "\(copied.stdout)")
        // A new dossier over the limit is still refused for it.
        let other = try sampleBatch(t, name: "other")
        let refused = try Hoso.run(["ingest", "--json", "--archive", archive, "--max-xml-size", "1024", other])
        let refusedCodes = reportedCodes(try jsonObject(refused.stdout))
        #expect(refused.status == 1 && refusedCodes.contains("E102"), "\(refused.stdout)")
    }

    /// A batch unzipped on a Mac holds __MACOSX/…/._dossier.xml: macOS's Finder data, skipped
    /// with a warning, never taken for a dossier's metadata under another name.
    @Test func macOSZipLeftoversAreSkipped() throws {
        let t = TemporaryFolder()
        let batch = try sampleBatch(t, count: 2)
        let names = try FileManager.default.contentsOfDirectory(atPath: batch).sorted()
        _ = try shell("cd '\(batch)' && mkdir -p __MACOSX/'\(names[0])' && printf '\\0\\5\\26\\7' > __MACOSX/'\(names[0])'/._dossier.xml"
                      + " && printf '\\0\\5\\26\\7' > '\(names[1])'/._dossier.xml")
        let v = try Hoso.run(["validate", "--json", batch])
        #expect(v.status == 0, "\(v.stdout)")
        let findings = (try jsonObject(v.stdout)["batchFindings"] as? [[String: Any]]) ?? []
        #expect(findings.map { $0["code"] as? String } == ["W302"] && (findings.first?["file"] as? String ?? "").hasSuffix("__MACOSX"), "\(findings)")
        // A dossier folder whose XML was left out of the copy (its scans alone) is said too.
        _ = try shell("cd '\(batch)' && mkdir -p lost/scans only-litter && cp '\(names[0])'/scans/* lost/scans/ && cp '\(names[0])'/scans/* lost/ && touch only-litter/Thumbs.db")
        let lost = ((try jsonObject(try Hoso.run(["validate", "--json", batch]).stdout)["batchFindings"] as? [[String: Any]]) ?? [])
            .filter { ($0["file"] as? String ?? "").contains("/lost") || ($0["file"] as? String ?? "").contains("/only-litter") }
        #expect(lost.count == 1 && (lost.first?["file"] as? String ?? "").hasSuffix("/lost") && lost.first?["code"] as? String == "W302"
                && (lost.first?["message"] as? String ?? "").contains("no dossier.xml"), "once for the folder, not for its scans/ nor for Thumbs.db alone: \(lost)")
        _ = try shell("rm -rf '\(batch)/lost' '\(batch)/only-litter' && mkdir '\(batch)/lost' && printf '\\0\\5\\26\\7' > '\(batch)/lost/._dossier.xml'")
        let finder = ((try jsonObject(try Hoso.run(["validate", "--json", batch]).stdout)["batchFindings"] as? [[String: Any]]) ?? [])
            .filter { ($0["file"] as? String ?? "").hasSuffix("/lost") }
        #expect(finder.count == 1 && finder.first?["code"] as? String == "W302", "\(finder)")
        _ = try shell("rm -rf '\(batch)/lost'")
        let archive = try makeArchive(t)
        let strict = try Hoso.run(["ingest", "--stop-on-error", "--archive", archive, batch])
        #expect(strict.status == 0 && strict.stdout.contains("2 archived"), "\(strict.stdout)")
    }

    /// A dossier written in NFD, with a byte-order mark inside its applicant's name: show gives
    /// every field in NFC (the result block came out in NFD), and the name pasted as show prints
    /// it finds the dossier (the query glued the words the index parts).
    @Test func decomposedAndInvisibleCharactersAreShownAndFoundAsTyped() throws {
        let t = TemporaryFolder()
        let batch = t.sub("batch")
        let name = "000.00.21.H50-230512-0007"
        _ = try shell("mkdir -p '\(batch)' && cp -a '\(Repository.path("sample-archive/dossiers"))/\(name)' '\(batch)/' && chmod -R u+w '\(batch)'")
        let xml = batch + "/" + name + "/dossier.xml"
        try edit(xml, [(#"<fullName>[^<]*</fullName>"#, "<fullName>Lý\u{FEFF}Thị Bom</fullName>")])
        let nfd = try String(contentsOfFile: xml, encoding: .utf8).decomposedStringWithCanonicalMapping
        try nfd.write(toFile: xml, atomically: false, encoding: .utf8)
        let archive = try makeArchive(t)
        #expect(try Hoso.run(["ingest", "--archive", archive, batch]).status == 0)
        let shown = try jsonObject(try Hoso.run(["show", "--json", "--archive", archive, name]).stdout)
        let result = try #require(shown["result"] as? [String: Any])
        #expect(result["signer"] as? String == "Đặng Thị Diệu" && result["issuer"] as? String == "UBND phường 1, thị xã Quảng Trị", "\(result)")
        let text = try Hoso.run(["show", "--archive", archive, name]).stdout
        #expect(text.contains("signed by Đặng Thị Diệu") && text.contains("Giấy khai sinh"), "\(text)")
        for query in ["Lý\u{FEFF}Thị Bom", "Lý\u{2060}Thị Bom", "Lý Thị Bom"] {
            let r = try jsonObject(try Hoso.run(["search", "--json", "--archive", archive, query]).stdout)
            #expect(r["total"] as? Int == 1, "\(query.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    /// The names that look right and are not: a scan named with a space after it, a folder
    /// typed in NFC that a Mac made in NFD, a FIFO or a link to a folder where a scan should be.
    @Test func namesThatLookRightSayWhatTheyAre() throws {
        let t = TemporaryFolder()
        let batch = t.sub("batch")
        let name = "000.00.21.H50-230512-0007"
        _ = try shell("mkdir -p '\(batch)' && cp -a '\(Repository.path("sample-archive/dossiers"))/\(name)' '\(batch)/' && chmod -R u+w '\(batch)'")
        let folder = batch + "/" + name
        func diagnostics(_ path: String) throws -> [[String: Any]] {
            let r = try Hoso.run(["validate", "--json", path])
            let json = try jsonObject(r.stdout)
            return ((json["dossiers"] as? [[String: Any]]) ?? []).flatMap { ($0["diagnostics"] as? [[String: Any]]) ?? [] }
                + ((json["batchFindings"] as? [[String: Any]]) ?? [])
        }
        // The scan's own name ends in a space: renaming it is part of the advice.
        _ = try shell("cd '\(folder)/scans' && mv cccd.jpg 'cccd.jpg '")
        let e301 = try diagnostics(batch).filter { $0["code"] as? String == "E301" }
        #expect(e301.count == 1 && (e301.first?["found"] as? String ?? "").contains("spaces around its name")
                && (e301.first?["advice"] as? String ?? "").contains("mv 'scans/cccd.jpg '"), "\(e301)")
        try edit(folder + "/dossier.xml", [("<file>scans/cccd.jpg</file>", "<file>scans/cccd.jpg </file>")])
        let e302 = try diagnostics(batch).filter { $0["code"] as? String == "E302" }
        #expect(e302.count == 1 && (e302.first?["advice"] as? String ?? "").contains("rename it without them"), "\(e302)")
        _ = try shell("cd '\(folder)/scans' && mv 'cccd.jpg ' cccd.jpg")
        try edit(folder + "/dossier.xml", [("<file>scans/cccd.jpg </file>", "<file>scans/cccd.jpg</file>")])
        // A FIFO, and a link to a folder, where the scan should be.
        _ = try shell("cd '\(folder)/scans' && mv cccd.jpg ../cccd.keep && mkfifo cccd.jpg")
        let fifo = try diagnostics(batch).filter { $0["code"] as? String == "E303" }
        #expect((fifo.first?["found"] as? String) == "a FIFO (named pipe)", "\(fifo)")
        _ = try shell("cd '\(folder)/scans' && rm cccd.jpg && mkdir ../elsewhere && ln -s ../elsewhere cccd.jpg")
        let link = try diagnostics(batch).filter { $0["code"] as? String == "E303" }
        #expect((link.first?["found"] as? String) == "a link to a folder", "\(link)")
        // A batch folder made in NFD, named in NFC.
        let nfd = t.sub("Hồ sơ Hòa".decomposedStringWithCanonicalMapping)
        _ = try shell("mkdir -p '\(nfd)'")
        let typed = t.sub("Hồ sơ Hòa".precomposedStringWithCanonicalMapping)
        let missing = try diagnostics(typed)
        let found = missing.first?["found"] as? String ?? ""
        #expect(found.contains("another Unicode normalization"), "\(missing)")
    }
}
