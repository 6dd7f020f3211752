import Foundation
import Testing
import HosoTestSupport

/// Parses a JSON report printed by the binary.
func jsonObject(_ text: String) throws -> [String: Any] {
    let data = Data(text.utf8)
    guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw CocoaError(.coderInvalidValue)
    }
    return o
}

/// The error codes of every dossier of a `validate --json` report.
func reportedCodes(_ report: [String: Any]) -> Set<String> {
    var codes = Set<String>()
    for d in report["dossiers"] as? [[String: Any]] ?? [] {
        for diag in d["diagnostics"] as? [[String: Any]] ?? [] { codes.insert(diag["code"] as! String) }
    }
    for diag in report["batchFindings"] as? [[String: Any]] ?? [] { codes.insert(diag["code"] as! String) }
    return codes
}

@Suite struct ValidateTests {
    /// `hoso --version` is hoso's; in show and export, `--version N` is a dossier's, listed once.
    @Test func versionOfHosoAndOfADossier() throws {
        let v = try Hoso.run(["--version"])
        // The release, then the formats it writes (which tell releases apart for E402).
        let release = v.stdout.split(separator: " ").first ?? ""
        #expect(v.status == 0 && release.split(separator: ".").count == 3 && v.stdout.contains("archive format 2"), "\(v.stdout)")
        for command in ["show", "export"] {
            let help = try Hoso.run([command, "--help"]).stdout
            #expect(help.components(separatedBy: "--version").count == 3, "\(command): once in the usage, once in the options")
        }
    }

    /// `hoso search` is parsed by the search command alone (a fifth of a search process less);
    /// its help and its errors still name `hoso search`, as the whole command line's do.
    @Test func searchHelpAndErrorsNameTheWholeCommand() throws {
        for flag in ["--help", "-h"] {
            let help = try Hoso.run(["search", flag])
            #expect(help.status == 0 && help.stdout.contains("USAGE: hoso search ["), "\(help.stdout)")
        }
        let bad = try Hoso.run(["search", "--limit", "x", "hòa"])
        #expect(bad.status == 2 && bad.stderr.contains("Usage: hoso search [") && bad.stderr.contains("'hoso search --help'"), "\(bad.stderr)")
    }

    @Test func sampleArchiveIsValid() throws {
        let r = try Hoso.run(["validate", Repository.path("sample-archive/dossiers")])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("0 invalid"))
        let json = try jsonObject(try Hoso.run(["validate", "--json", Repository.path("sample-archive/dossiers")]).stdout)
        let summary = try #require(json["summary"] as? [String: Any])
        #expect((summary["dossiers"] as? Int ?? 0) >= 40)
        #expect(summary["invalid"] as? Int == 0)
    }

    /// Every folder of sample-archive/invalid is named after the one code it shows.
    @Test func everyInvalidFixtureShowsExactlyItsCode() throws {
        let root = Repository.path("sample-archive/invalid")
        let folders = try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.hasPrefix("E") || $0.hasPrefix("W") }.sorted()
        #expect(folders.count >= 10)
        var seen = Set<String>()
        for folder in folders where !folder.hasPrefix("E306") {
            let code = String(folder.prefix(4))
            let r = try Hoso.run(["validate", "--json", root + "/" + folder])
            #expect(r.status == 1, "\(folder): exit \(r.status)")
            let codes = reportedCodes(try jsonObject(r.stdout))
            #expect(codes == [code], "\(folder) reported \(codes.sorted())")
            seen.insert(code)
        }
        // The duplicate-number pair is a batch-level problem: validate the two together.
        let pair = folders.filter { $0.hasPrefix("E306") }
        #expect(pair.count == 2)
        let temp = TemporaryFolder()
        for p in pair { _ = try shell("cp -a '\(root)/\(p)' '\(temp.path)/'") }
        let r = try Hoso.run(["validate", "--json", temp.path])
        #expect(r.status == 1)
        let json = try jsonObject(r.stdout)
        #expect(reportedCodes(json) == ["E306"])
        #expect((json["summary"] as? [String: Any])?["invalid"] as? Int == 2)
        // The first holder, named once a later dossier reveals the duplicate, has its line too.
        let firstHolder = (json["batchFindings"] as? [[String: Any]]) ?? []
        #expect(firstHolder.count == 1 && firstHolder.allSatisfy { $0["line"] as? Int == 3 }, "\(firstHolder)")
        // Ingest archives the first and refuses the second; the first is named too, in the text
        // and in the JSON, as often as the summary counts it.
        let archive = temp.sub("archive")
        #expect(try Hoso.run(["init", "--archive", archive]).status == 0)
        let human = try Hoso.run(["ingest", "--archive", archive, temp.path])
        #expect(human.status == 1 && human.stdout.components(separatedBy: "error E306").count == 3 && human.stdout.contains("E306×2"), "\(human.stdout)")
        #expect(try Hoso.run(["init", "--archive", temp.sub("archive2")]).status == 0)
        let report = try jsonObject(try Hoso.run(["ingest", "--json", "--archive", temp.sub("archive2"), temp.path]).stdout)
        let inDossiers = ((report["dossiers"] as? [[String: Any]]) ?? []).flatMap { ($0["codes"] as? [String]) ?? [] }.filter { $0 == "E306" }.count
        let inBatch = ((report["batchFindings"] as? [[String: Any]]) ?? []).filter { $0["code"] as? String == "E306" }.count
        #expect(inDossiers + inBatch == 2 && ((report["summary"] as? [String: Any])?["codes"] as? [String: Int])?["E306"] == 2, "\(report)")
        seen.insert("E306")
        #expect(seen.isSuperset(of: ["E103", "E104", "E105", "E107", "E108", "E110", "E201", "E202", "E203", "E204",
                                     "E205", "E206", "E207", "E208", "E209", "E301", "E302", "E303", "E304", "E305", "E407"]))
    }

    /// What a batch holds that is no dossier hoso can read is said, and fails the run: a folder
    /// named in a legacy encoding, metadata under another name, a dossier inside a dossier.
    @Test func batchLayoutSurprisesAreErrors() throws {
        let t = TemporaryFolder()
        let batch = try sampleBatch(t, count: 4)
        let names = try FileManager.default.contentsOfDirectory(atPath: batch).sorted()
        let r1 = try shell("cd '\(batch)' && mv '\(names[0])' \"$(printf 'H\\340 N\\364i')\" && mv '\(names[1])/dossier.xml' '\(names[1])/Dossier.xml' && mv '\(names[2])' '\(names[3])/bo-sung'")
        #expect(r1.status == 0, "\(r1.output)")
        let r = try Hoso.run(["validate", "--json", batch])
        #expect(r.status == 1, "\(r.stdout)")
        let json = try jsonObject(r.stdout)
        let findings = (json["batchFindings"] as? [[String: Any]]) ?? []
        let codes = findings.compactMap { $0["code"] as? String }.sorted()
        #expect(codes == ["E101", "E307", "E307"], "\(findings)")
        #expect(findings.contains { ($0["message"] as? String ?? "").contains("Dossier.xml") })
        #expect(findings.contains { ($0["message"] as? String ?? "").contains("inside the dossier") })
        #expect((json["summary"] as? [String: Any])?["dossiers"] as? Int == 1)
        // The dossier inside the other is named once as a folder, not also each of its files.
        let inner = ((json["dossiers"] as? [[String: Any]]) ?? []).flatMap { ($0["diagnostics"] as? [[String: Any]]) ?? [] }
            .filter { $0["code"] as? String == "W301" }
        #expect(inner.count == 1 && (inner.first?["message"] as? String ?? "").contains("a dossier folder"), "\(inner)")
        // Named by its XML file, the outer dossier still says so (the batch's check does not
        // walk a file).
        let byFile = try Hoso.run(["validate", "--json", batch + "/" + names[3] + "/dossier.xml"])
        let byFileFindings = ((try jsonObject(byFile.stdout)["dossiers"] as? [[String: Any]]) ?? []).flatMap { ($0["diagnostics"] as? [[String: Any]]) ?? [] }
        #expect(byFileFindings.contains { ($0["message"] as? String ?? "").contains("a dossier folder") }, "\(byFile.stdout)")
        // Ingest says the same and archives the one dossier it can read.
        let archive = try makeArchive(t)
        let ingest = try Hoso.run(["ingest", "--archive", archive, batch])
        #expect(ingest.status == 1 && ingest.stdout.contains("not UTF-8"), "the batch's findings are part of the report: \(ingest.stdout)")
        // Told to stop at the first error, it archives nothing from a batch that has some.
        let strict = try makeArchive(t, "strict")
        let stopped = try Hoso.run(["ingest", "--stop-on-error", "--archive", strict, batch])
        #expect(stopped.status == 1 && stopped.stdout.contains("stopped before archiving anything"), "\(stopped.stdout)")
        let strictStats = try jsonObject(try Hoso.run(["stats", "--json", "--archive", strict]).stdout)
        #expect((strictStats["overall"] as? [[String: Any]])?.first?["total"] as? Int == 0, "\(strictStats)")
        // A list of the batch beside its dossier folders is no dossier: a warning, and the run
        // goes on clean.
        let listed = t.sub("listed")
        _ = try shell("mkdir -p '\(listed)' && cp -a '\(Repository.path("sample-archive/dossiers"))/\(names[3])' '\(listed)/' && echo '<list/>' > '\(listed)/DanhSachHoSo.xml'")
        let list = try Hoso.run(["validate", "--json", listed])
        let listFindings = ((try jsonObject(list.stdout)["batchFindings"] as? [[String: Any]]) ?? []).map { $0["code"] as? String }
        #expect(list.status == 0 && listFindings == ["W302"], "\(list.stdout)")
        // A folder this user cannot list: why, and that what it holds is not read.
        let locked = t.sub("locked")
        _ = try shell("mkdir -p '\(locked)/sub' && cp -a '\(Repository.path("sample-archive/dossiers"))/\(names[3])' '\(locked)/sub/' && chmod -R a+rX '\(t.path)' && chmod 000 '\(locked)/sub'")
        if try Unprivileged.available("-r '\(locked)'") {
            let r = try Unprivileged.hoso("validate '\(locked)'")
            #expect(r.status != 0 && r.output.contains("Permission denied") && r.output.contains("not read"), "\(r.output)")
        }
    }

    /// The slips of hand-corrected XML and interrupted copies get messages that point the right way.
    @Test func commonSlipsAreNamedForWhatTheyAre() throws {
        let t = TemporaryFolder()
        let source = Repository.path("sample-archive/dossiers/000.00.21.H50-230512-0007")
        func variant(_ name: String, _ edit: (inout Data) -> Void) throws -> Hoso.Outcome {
            let folder = t.sub(name)
            _ = try shell("cp -a '\(source)' '\(folder)'")
            var xml = try Data(contentsOf: URL(fileURLWithPath: folder + "/dossier.xml"))
            edit(&xml)
            try xml.write(to: URL(fileURLWithPath: folder + "/dossier.xml"))
            return try Hoso.run(["validate", "--json", folder])
        }
        func replacing(_ a: String, _ b: String) -> (inout Data) -> Void {
            { d in d = Data(String(decoding: d, as: UTF8.self).replacingOccurrences(of: a, with: b).utf8) }
        }
        func findings(_ r: Hoso.Outcome) throws -> [[String: Any]] {
            ((try jsonObject(r.stdout)["dossiers"] as? [[String: Any]])?.first?["diagnostics"] as? [[String: Any]]) ?? []
        }
        // ./ before a path names the same file: archived, and not also "unreferenced".
        let dot = try variant("dot", replacing("<file>scans/cccd.jpg</file>", "<file>./scans/cccd.jpg</file>"))
        let dotFindings = try findings(dot)
        #expect(dot.status == 0 && dotFindings.isEmpty, "\(dot.stdout)")
        let inner = try variant("inner-dot", replacing("<file>scans/cccd.jpg</file>", "<file>scans/./cccd.jpg</file>"))
        let innerFindings = try findings(inner)
        #expect(inner.status == 0 && innerFindings.isEmpty, "scans/./cccd.jpg is scans/cccd.jpg: \(inner.stdout)")
        // The XML as a link out of the batch is refused like a scan's (E303); a link inside is read.
        let linked = t.sub("linked")
        _ = try shell("cp -a '\(source)' '\(linked)' && mv '\(linked)/dossier.xml' '\(t.path)/outside.xml' && ln -s '\(t.path)/outside.xml' '\(linked)/dossier.xml'")
        let out = try Hoso.run(["validate", "--json", linked])
        let outFindings = try findings(out)
        #expect(out.status == 1 && outFindings.contains { $0["code"] as? String == "E303" && ($0["message"] as? String ?? "").contains("outside the batch") }, "\(out.stdout)")
        _ = try shell("mv '\(t.path)/outside.xml' '\(linked)/real.xml' && ln -sf real.xml '\(linked)/dossier.xml'")
        let inside = try Hoso.run(["validate", "--json", linked])
        let insideFindings = try findings(inside)
        #expect(inside.status == 0 && !insideFindings.contains { $0["code"] as? String == "E303" }, "a link inside the dossier is read (real.xml is then an unreferenced file): \(inside.stdout)")
        // A name that differs in case only.
        let upper = try findings(try variant("upper", replacing("<file>scans/cccd.jpg</file>", "<file>scans/CCCD.jpg</file>")))
        #expect(upper.contains { $0["code"] as? String == "E301" && ($0["found"] as? String ?? "").contains("scans/cccd.jpg") }, "\(upper)")
        // A path an editor spread over lines.
        let spread = try findings(try variant("spread", replacing("<file>scans/cccd.jpg</file>", "<file>\n        scans/cccd.jpg\n      </file>")))
        #expect(spread.contains { $0["code"] as? String == "E302" && ($0["message"] as? String ?? "").contains("line breaks") }, "\(spread)")
        // Interrupted copies: cut inside a character, or padded with zeros.
        let cut = try findings(try variant("cut") { d in
            let i = d.firstIndex { $0 >= 0xE0 }!
            d = d.prefix(through: i)
        })
        #expect(cut.contains { $0["code"] as? String == "E107" && ($0["message"] as? String ?? "").contains("cut short") }, "\(cut)")
        let padded = try findings(try variant("padded") { d in d.append(Data(count: 4096)) })
        #expect(padded.contains { $0["code"] as? String == "E107" && ($0["message"] as? String ?? "").contains("4096 zero bytes") }, "\(padded)")
        // A failed download saved as the PDF, its size and digest written afterwards: valid, but
        // said (W303).
        let page = t.sub("page")
        let fix = try shell("""
            cp -a '\(source)' '\(page)' && cd '\(page)' && printf '<html>502 Bad Gateway</html>' > scans/to-khai-dang-ky-khai-sinh.pdf \
            && python3 -c "
            import hashlib, re; b = open('scans/to-khai-dang-ky-khai-sinh.pdf', 'rb').read(); x = open('dossier.xml').read()
            x = x.replace('<size>2111</size>', '<size>%d</size>' % len(b)).replace('59eb7ec17f6916de79d900f82e3a940b64291f2da458d532f19a6f68f638f839', hashlib.sha256(b).hexdigest())
            open('dossier.xml', 'w').write(x)"
            """)
        #expect(fix.status == 0, "\(fix.output)")
        let html = try Hoso.run(["validate", "--json", page])
        #expect(html.status == 0, "a warning: \(html.stdout)")
        let pageFindings = try findings(html)
        #expect(pageFindings.contains { $0["code"] as? String == "W303" && ($0["message"] as? String ?? "").contains("an HTML page") }, "\(pageFindings)")
        // A scans folder this user cannot enter: a permission problem, not missing files.
        let locked = t.sub("locked")
        _ = try shell("cp -a '\(source)' '\(locked)' && chmod -R a+rX '\(t.path)' && chmod 000 '\(locked)/scans'")
        if try Unprivileged.available("-r '\(locked)/dossier.xml'") {
            let r = try Unprivileged.hoso("validate '\(locked)'")
            #expect(r.status == 1 && r.output.contains("E101") && r.output.contains("cannot be reached") && !r.output.contains("E301"), "\(r.output)")
        }
    }

    @Test func humanOutputNamesFileLineAndAdvice() throws {
        let r = try Hoso.run(["validate", Repository.path("sample-archive/invalid/E104-not-well-formed")])
        #expect(r.status == 1)
        let line = try #require(r.stdout.split(separator: "\n").first { $0.contains("E104") })
        #expect(line.contains("dossier.xml:"))
        #expect(r.stdout.contains("what to do:"))
        #expect(r.stdout.contains("1 invalid"))
    }

    @Test func codesWithoutAFolderFixture() throws {
        let t = TemporaryFolder()
        var x = DossierXML()
        x.components = [(id: "c1", role: "result", file: "scans/a.pdf", size: 0, pages: 3, sha256: nil)]
        x.pageCount = 3
        try x.writeFolder(in: t, name: "ok", files: ["scans/a.pdf": Array("%PDF-1.4 test".utf8)])

        // E102: over the size cap.
        var r = try Hoso.run(["validate", "--json", "--max-xml-size", "1024", t.sub("ok")])
        #expect(reportedCodes(try jsonObject(r.stdout)) == ["E102"])

        // E101: the XML cannot be read (a folder where the file should be).
        try FileManager.default.createDirectory(atPath: t.sub("unreadable/dossier.xml"), withIntermediateDirectories: true)
        r = try Hoso.run(["validate", "--json", t.sub("unreadable")])
        #expect(reportedCodes(try jsonObject(r.stdout)) == ["E101"])

        // W301: a file no component names; a warning only.
        try t.write("ok/scans/stray.tif", "stray")
        r = try Hoso.run(["validate", "--json", t.sub("ok")])
        #expect(r.status == 0)
        #expect(reportedCodes(try jsonObject(r.stdout)) == ["W301"])

        // E307: nothing to validate is a usage error, said in the report (with --json, one
        // JSON report all the same).
        r = try Hoso.run(["validate", t.sub("does-not-exist")])
        #expect(r.status == 2)
        #expect(r.stdout.contains("E307"))
        for command in [["validate"], ["ingest", "--archive", try makeArchive(t, "for-json")]] {
            r = try Hoso.run(command + ["--json", t.sub("does-not-exist")])
            let report = try jsonObject(r.stdout)
            #expect(r.status == 2 && (report["batchFindings"] as? [[String: Any]])?.first?["code"] as? String == "E307", "\(command): \(r.stdout)")
            #expect((report["summary"] as? [String: Any])?["dossiers"] as? Int == 0, "\(command): \(r.stdout)")
        }

        // E301 with the NFC/NFD hint: the XML names the file in NFD, the disk holds it in NFC.
        var y = DossierXML()
        y.components = [(id: "c1", role: "result", file: "scans/ho\u{0300}a.pdf", size: 4, pages: 1, sha256: nil)]
        try t.write("nfd/dossier.xml", y.text)
        try t.write("nfd/scans/h\u{00F2}a.pdf", "abcd")
        r = try Hoso.run(["validate", t.sub("nfd")])
        #expect(r.status == 1)
        #expect(r.stdout.contains("E301"))
        #expect(r.stdout.contains("normalization"))
    }

    @Test func usageErrorsExitTwo() throws {
        let r = try Hoso.run(["validate"])
        #expect(r.status == 2)
        let s = try Hoso.run(["validate", "--jobs", "0", "."])
        #expect(s.status == 2)
        // A value refused once parsed shows the command's own usage, not the root's.
        let code = try Hoso.run(["errors", "E999"])
        #expect(code.status == 2 && code.stderr.contains("Usage: hoso errors") && code.stderr.contains("See 'hoso errors --help'"), "\(code.stderr)")
    }

    /// Names from outside (folders, files) cannot forge lines of a report or drive the terminal;
    /// the parser's own limits are said in words a user can act on.
    @Test func namesAndLimitsAreShownSafely() throws {
        let t = TemporaryFolder()
        let source = Repository.path("sample-archive/dossiers/000.00.21.H50-230512-0007")
        let forged = t.sub("b/ab\n  ledger entry: 1 FORGED\u{1B}[31m")
        _ = try shell("mkdir -p '\(t.sub("b"))' && cp -a '\(source)' \"$(printf '\(t.sub("b"))/ab\\n  ledger entry: 1 FORGED\\033[31m')\"")
        #expect(FileManager.default.fileExists(atPath: forged + "/dossier.xml"))
        let archive = try makeArchive(t)
        #expect(try Hoso.run(["ingest", "--archive", archive, forged]).status == 0)
        let verbose = try Hoso.run(["validate", "--verbose", forged]).stdout
        #expect(!verbose.split(separator: "\n").contains { $0.hasPrefix("  ledger entry: 1 FORGED") } && !verbose.contains("\u{1B}"), "\(verbose)")
        let show = try Hoso.run(["show", "--archive", archive, "000.00.21.H50-230512-0007"]).stdout
        #expect(!show.split(separator: "\n").contains { $0.hasPrefix("  ledger entry: 1 FORGED") } && !show.contains("\u{1B}") && show.contains("\\n  ledger entry: 1 FORGED\\u{1B}"), "\(show)")
        // Nested 300 deep: one E104, in words, without libxml2's advice to its programmers.
        let deep = t.sub("deep")
        _ = try shell("cp -a '\(source)' '\(deep)'")
        var xml = try String(contentsOfFile: deep + "/dossier.xml", encoding: .utf8)
        xml = xml.replacingOccurrences(of: "</title>", with: "</title>" + String(repeating: "<x>", count: 300) + String(repeating: "</x>", count: 300))
        try xml.write(toFile: deep + "/dossier.xml", atomically: false, encoding: .utf8)
        let r = try Hoso.run(["validate", deep])
        #expect(r.status == 1 && r.stdout.components(separatedBy: "error E104").count == 2 && r.stdout.contains("nested more than 256 levels")
                && !r.stdout.contains("XML_PARSE_HUGE"), "\(r.stdout)")
    }
}
