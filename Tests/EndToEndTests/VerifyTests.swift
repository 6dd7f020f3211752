import Foundation
import Testing
import HosoTestSupport
import HosoCore

/// An archive with a few dossiers ingested in several checkpoints, and what it holds.
/// A shell command that inverts the middle byte of the file named after it: damage that
/// changes the bytes whatever they were.
let flipMiddleByte = "python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, \"rb\").read()); b[len(b) // 2] ^= 0xFF; open(p, \"wb\").write(b)'"

struct VerifyFixture {
    let folder = TemporaryFolder()
    let archive: String
    let batch: String
    let numbers: [String]

    init(dossiers: Int = 6, checkpoint: Int = 2) throws {
        archive = try makeArchive(folder)
        batch = try sampleBatch(folder, count: dossiers)
        numbers = try FileManager.default.contentsOfDirectory(atPath: batch).sorted()
        let r = try Hoso.run(["ingest", "--checkpoint-dossiers", String(checkpoint), "--archive", archive, batch])
        precondition(r.status == 0, r.stderr)
    }

    func hoso(_ args: [String]) throws -> Hoso.Outcome { try Hoso.run(args + ["--archive", archive]) }

    /// Runs verify; returns (exit status, error codes, warning codes).
    func verify(_ extra: [String] = []) throws -> (Int32, [String], [String]) {
        let r = try Hoso.run(["verify", "--json", "--no-record", "--archive", archive] + extra, timeout: 600)
        let json = try jsonObject(r.stdout)
        let findings = json["findings"] as? [[String: Any]] ?? []
        let errors = findings.filter { $0["severity"] as? String == "error" }.compactMap { $0["code"] as? String }.sorted()
        let warnings = findings.filter { $0["severity"] as? String == "warning" }.compactMap { $0["code"] as? String }.sorted()
        return (r.status, errors, warnings)
    }

    /// The findings of a verify run: code, subject, file and message of each.
    func findings(_ extra: [String] = []) throws -> [(code: String, subject: String, file: String, message: String)] {
        let r = try Hoso.run(["verify", "--json", "--no-record", "--archive", archive] + extra, timeout: 600)
        return (try jsonObject(r.stdout)["findings"] as? [[String: Any]] ?? []).map {
            ($0["code"] as? String ?? "", $0["subject"] as? String ?? "", $0["file"] as? String ?? "", $0["message"] as? String ?? "")
        }
    }

    /// The whole JSON report of a verify run.
    func reportJSON(_ extra: [String] = []) throws -> [String: Any] {
        try jsonObject(try Hoso.run(["verify", "--json", "--no-record", "--archive", archive] + extra, timeout: 600).stdout)
    }

    /// The dossier number whose components include object `name`.
    func dossier(using name: String) throws -> String {
        for i in numbers.indices where try components(i).contains(where: { $0.0 == name }) {
            return try jsonObject(try hoso(["show", "--json", numbers[i]]).stdout)["number"] as? String ?? ""
        }
        return ""
    }

    /// Objects of the first dossier's components: (name, codec).
    func components(_ i: Int = 0) throws -> [(String, String)] {
        let json = try jsonObject(try hoso(["show", "--json", numbers[i]]).stdout)
        return (json["components"] as? [[String: Any]] ?? []).map { (String(($0["object"] as! String).dropFirst(7)), $0["codec"] as! String) }
    }

    func path(_ name: String) -> String { archive + "/objects/" + name.prefix(2) + "/" + name.dropFirst(2) }

    func object(codec: String) throws -> String {
        for i in numbers.indices { if let o = try components(i).first(where: { $0.1 == codec }) { return o.0 } }
        throw CocoaError(.fileNoSuchFile)
    }

    func mutate(_ name: String, _ change: (inout [UInt8]) -> Void) throws {
        let p = path(name)
        chmod(p, 0o644)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: p)))
        change(&bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
    }

    func sql(_ statement: String) throws {
        let r = try shell("sqlite3 '\(archive)/catalog.sqlite' \"\(statement)\"")
        precondition(r.status == 0, r.output)
    }

    func ledgerEntries() throws -> [String] {
        try shell("sqlite3 -readonly '\(archive)/catalog.sqlite' \"SELECT substr(id, 8) FROM ledger_entries ORDER BY sequence\"").output
            .split(separator: "\n").map(String.init)
    }
}

@Suite struct VerifyTests {
    @Test func cleanArchivesHaveNoFindings() throws {
        let f = try VerifyFixture()
        #expect(try f.verify() == (0, [], []))
        #expect(try f.verify(["--quick"]) == (0, [], []))
        // Every entry recorded a digest of its catalog rows: nothing to parse again...
        let fast = try f.reportJSON()
        #expect(fast["entriesMatchingDigest"] as? Int == 3 && fast["entriesRederived"] as? Int == 0, "\(fast)")
        // ...unless asked: the same verdict from every dossier's XML.
        #expect(try f.verify(["--rederive"]) == (0, [], []))
        let slow = try f.reportJSON(["--rederive"])
        #expect(slow["entriesMatchingDigest"] as? Int == 0 && slow["entriesRederived"] as? Int == 3, "\(slow)")
        let human = try f.hoso(["verify"])
        #expect(human.status == 0)
        #expect(human.stdout.contains("no errors"))
        #expect(human.stdout.contains("recorded as audit run 1"))
    }

    @Test func flippedBits() throws {
        var f = try VerifyFixture()
        let raw = try f.object(codec: "raw")
        try f.mutate(raw) { $0[$0.count / 2] ^= 0x04 }
        #expect(try f.verify() == (1, ["E503"], []))
        // Located: the object, its path in the store, and the dossier that uses it.
        let found = try f.findings()
        #expect(found.count == 1 && found[0].subject == "sha256:" + raw)
        #expect(found[0].file == "objects/" + raw.prefix(2) + "/" + raw.dropFirst(2))
        let owner = try f.dossier(using: raw)
        #expect(!owner.isEmpty && found[0].message.contains(owner), "\(found[0].message)")
        f = try VerifyFixture()
        let gz = try f.object(codec: "gzip")
        try f.mutate(gz) { $0[9] ^= 0x01 }
        #expect(try f.verify() == (1, ["E507"], []), "compressed object, header")
        f = try VerifyFixture()
        let gz2 = try f.object(codec: "gzip")
        try f.mutate(gz2) { $0[60] ^= 0x10 }
        #expect(try f.verify() == (1, ["E504"], []), "compressed object, payload")
        f = try VerifyFixture()
        let gz3 = try f.object(codec: "gzip")
        try f.mutate(gz3) { $0[$0.count - 1] ^= 0x80 }
        #expect(try f.verify() == (1, ["E504"], []), "compressed object, end")
        // Quick mode reads no content: a flipped payload bit is for the full check.
        #expect(try f.verify(["--quick"]).1.isEmpty)
    }

    @Test(arguments: ["zero", "half", "short"])
    func truncation(_ how: String) throws {
        let f = try VerifyFixture()
        let raw = try f.object(codec: "raw")
        try f.mutate(raw) { b in
            switch how {
            case "zero": b = []
            case "half": b.removeLast(b.count / 2)
            default: b.removeLast()
            }
        }
        #expect(try f.verify() == (1, ["E502"], []))
        #expect(try f.verify(["--quick"]) == (1, ["E502"], []), "sizes are structure")
    }

    @Test func appendedBytesDeletionRenameSwapSymlink() throws {
        var f = try VerifyFixture()
        try f.mutate(try f.object(codec: "raw")) { $0 += [0, 1, 2] }
        #expect(try f.verify() == (1, ["E505"], []))

        f = try VerifyFixture()
        let gone = try f.object(codec: "raw")
        #expect(unlink(f.path(gone)) == 0)
        #expect(try f.verify() == (1, ["E501"], []))
        #expect(try f.verify(["--quick"]) == (1, ["E501"], []))
        let missing = try f.findings(["--quick"])
        #expect(missing.first?.subject == "sha256:" + gone && missing.first?.file == "objects/" + gone.prefix(2) + "/" + gone.dropFirst(2))
        #expect(missing.first?.message.contains(try f.dossier(using: gone)) == true, "\(missing)")
        // A budgeted run, whatever its budget, still sees from the listing that an object is gone.
        #expect(try f.verify(["--budget", "1"]) == (1, ["E501"], []))

        f = try VerifyFixture()
        let moved = try f.object(codec: "gzip")
        let other = String(repeating: "ab", count: 32)
        #expect(rename(f.path(moved), f.path(other)) == 0)
        #expect(try f.verify() == (1, ["E501", "E503"], []), "the name is missing, and the file under another name is not what that name says")

        f = try VerifyFixture()
        let a = try f.components(0)[0].0, b = try f.components(1)[0].0
        let tmp = f.path(a) + ".swap"
        #expect(rename(f.path(a), tmp) == 0 && rename(f.path(b), f.path(a)) == 0 && rename(tmp, f.path(b)) == 0)
        #expect(try f.verify() == (1, ["E503", "E503"], []))
        // A quick run reads no content, but sees the headers' sizes differ from those recorded.
        let sizes = try shell("sqlite3 -readonly '\(f.archive)/catalog.sqlite' \"SELECT count(DISTINCT size) FROM objects WHERE id IN ('sha256:\(a)', 'sha256:\(b)')\"").output
        #expect(sizes.trimmingCharacters(in: .whitespacesAndNewlines) == "2", "two scans of different sizes")
        #expect(try f.verify(["--quick"]) == (1, ["E506", "E506"], []))

        f = try VerifyFixture()
        let linked = try f.object(codec: "raw")
        let copy = try f.folder.write("elsewhere.bin", try Data(contentsOf: URL(fileURLWithPath: f.path(linked))).map { $0 })
        #expect(unlink(f.path(linked)) == 0 && symlink(copy, f.path(linked)) == 0)
        #expect(try f.verify() == (1, ["E508"], []))
    }

    /// `show` on a damaged dossier shows what is left, names every object it could not read,
    /// and exits 1: a script must not take the record of a damaged dossier for a sound one.
    @Test func showSaysWhatItCannotRead() throws {
        let f = try VerifyFixture(dossiers: 2)
        let number = f.numbers[0]
        let sound = try f.hoso(["show", f.numbers[1]])
        #expect(sound.status == 0 && sound.stderr.isEmpty, "\(sound.stderr)")
        let before = try jsonObject(try f.hoso(["show", "--json", number]).stdout)
        let xml = String((before["xml"] as? String ?? "").dropFirst(7))
        let scan = try f.components(0)[0].0
        #expect(unlink(f.path(scan)) == 0)
        try f.mutate(xml) { $0[$0.count - 1] ^= 0x40 }
        let human = try f.hoso(["show", number])
        #expect(human.status == 1)
        #expect(human.stdout.contains("Dossier ") && human.stdout.contains("missing"), "\(human.stdout)")
        #expect(human.stderr.contains("E501") && human.stderr.contains(scan.prefix(12)), "\(human.stderr)")
        #expect(human.stderr.contains("the dossier's XML") && human.stderr.contains("2 objects of this dossier could not be read"), "\(human.stderr)")
        let json = try f.hoso(["show", "--json", number])
        #expect(json.status == 1)
        let problems = try jsonObject(json.stdout)["problems"] as? [[String: Any]] ?? []
        #expect(problems.count == 2 && problems.contains { $0["code"] as? String == "E501" }
                && problems.allSatisfy { $0["severity"] as? String == "error" }, "\(problems)")
        // Without its manifest, the catalog's record is shown, said to be unchecked.
        let manifest = String((before["manifest"] as? String ?? "").dropFirst(7))
        #expect(unlink(f.path(manifest)) == 0)
        let unchecked = try f.hoso(["show", number])
        #expect(unchecked.status == 1 && unchecked.stdout.contains("Dossier "))
        #expect(unchecked.stderr.contains("not checked against the manifest"), "\(unchecked.stderr)")
        // The XML the catalog names is still tried (altered above), and the missing scan.
        #expect(unchecked.stderr.contains("the dossier's XML") && unchecked.stderr.contains("3 objects of this dossier could not be read"),
                "\(unchecked.stderr)")
    }

    /// A damaged manifest is one finding (the object's), not also the replay's failure to read
    /// it; `show` names its file and the dossier version it holds.
    @Test func aDamagedManifestIsOneFinding() throws {
        let f = try VerifyFixture(dossiers: 2)
        let shown = try jsonObject(try f.hoso(["show", "--json", f.numbers[0]]).stdout)
        let manifest = String((shown["manifest"] as? String ?? "").dropFirst(7))
        try f.mutate(manifest) { $0.append(0x58) }
        #expect(try f.verify() == (1, ["E505"], []))
        // Derived again from the XML (an entry of an older rule, or asked), the manifest is read.
        #expect(try f.verify(["--rederive"]) == (1, ["E505"], []))
        let again = try f.hoso(["show", f.numbers[0]])
        #expect(again.status == 1 && again.stderr.contains("objects/" + manifest.prefix(2)) && again.stderr.contains(f.numbers[0] + " version 1 (manifest)"),
                "\(again.stderr)")
    }

    /// A scan object cut short, or with a byte appended, is found by `show` as `verify --quick`
    /// finds it (its size against its header's), not listed as sound until an export fails.
    @Test func showChecksEachScanAsAQuickVerify() throws {
        for (damage, code) in [("cut", "E502"), ("appended", "E505")] {
            let f = try VerifyFixture(dossiers: 1)
            let scan = try f.components(0)[0].0
            try f.mutate(scan) { if damage == "cut" { $0.removeLast(10) } else { $0.append(0) } }
            let shown = try f.hoso(["show", f.numbers[0]])
            #expect(shown.status == 1 && shown.stderr.contains(code) && shown.stderr.contains(scan.prefix(12)), "\(damage): \(shown.stderr)")
            #expect(try f.verify(["--quick"]).1 == [code])
        }
    }

    @Test func orphansAndTempsAreWarnings() throws {
        let f = try VerifyFixture()
        let stray = try f.folder.write("stray.bin", Array("an object nothing references".utf8))
        #expect(try f.hoso(["object", "put", stray]).status == 0)
        try f.folder.write("archive/objects/.tmp-00000000deadbeef", "partial")
        #expect(try f.verify() == (0, [], ["W510", "W512"]))
        let found = try f.findings()
        #expect(found.first { $0.code == "W510" }?.file == "objects/.tmp-00000000deadbeef")
        #expect(try f.verify(["--budget", "1MB"]).2.contains("W510"), "a budgeted run reports leftovers too")
        // By the dozen, the first few are shown and the rest counted; all are in the JSON.
        for k in 0..<14 { try f.folder.write("archive/objects/.tmp-" + String(repeating: "0", count: 14) + String(format: "%02x", k + 16), "partial") }
        let human = try Hoso.run(["verify", "--no-record", "--archive", f.archive]).stdout
        #expect(human.components(separatedBy: "warning W510").count - 1 == 5 && human.contains("… and 10 more W510"), "\(human)")
        #expect(try f.verify().2.filter { $0 == "W510" }.count == 15)
    }

    @Test func catalogRowsEditedInsertedDeleted() throws {
        var f = try VerifyFixture()
        try f.sql("UPDATE dossiers SET title = 'Hồ sơ đã bị sửa' WHERE number = '\(f.numbers[2])'")
        #expect(try f.verify() == (1, ["E701"], []))
        let row = try f.findings()
        #expect(row.first?.file == "catalog.sqlite" && (row.first?.subject.contains(f.numbers[2]) == true || row.first?.message.contains(f.numbers[2]) == true), "\(row)")
        #expect(try f.hoso(["verify", "--no-record"]).stdout.contains("title"))
        let mixed = try f.reportJSON()
        #expect(mixed["entriesMatchingDigest"] as? Int == 2 && mixed["entriesRederived"] as? Int == 1,
                "only the entry whose rows no longer match its digest is derived again: \(mixed)")
        #expect(try f.verify(["--rederive"]) == (1, ["E701"], []))
        // show reads the archived XML: the edited field is said, with the XML's value, exit 1;
        // the other dossiers show no problem.
        let shown = try f.hoso(["show", "--json", f.numbers[2]])
        let problems = (try jsonObject(shown.stdout)["problems"] as? [[String: Any]]) ?? []
        #expect(shown.status == 1 && problems.count == 1 && problems[0]["code"] as? String == "E701"
                && (problems[0]["message"] as? String ?? "").contains("title") && problems[0]["found"] as? String == "Hồ sơ đã bị sửa", "\(shown.stdout)")
        #expect(try f.hoso(["show", f.numbers[2]]).stderr.contains("1 catalog record shown differs from the archived XML or the ledger"))
        for n in [f.numbers[0], f.numbers[1]] { #expect(try f.hoso(["show", n]).status == 0, "\(n)") }
        // A component's description, or the entry's operator, edited: said too.
        try f.sql("UPDATE components SET name = 'Giấy giả' WHERE manifest = (SELECT manifest FROM dossiers WHERE number = '\(f.numbers[0])') AND position = 0")
        let component = try f.hoso(["show", f.numbers[0]])
        #expect(component.status == 1 && component.stderr.contains("E701") && component.stderr.contains("name of component 0 of")
                && component.stderr.contains("Giấy giả"), "\(component.stderr)")
        // The entry's other dossiers are not this edit's: each shows clean.
        let others = try shell("sqlite3 -readonly '\(f.archive)/catalog.sqlite' \"SELECT number FROM dossiers WHERE ledger_sequence = (SELECT ledger_sequence FROM dossiers WHERE number = '\(f.numbers[0])') AND number != '\(f.numbers[0])'\"")
        #expect(!others.output.isEmpty)
        for n in others.output.split(separator: "\n").map(String.init) where !n.isEmpty && n != f.numbers[2] {
            #expect(try f.hoso(["show", n]).status == 0, "\(n)")
        }
        try f.sql("UPDATE ledger_entries SET operator = 'Kẻ giả mạo' WHERE sequence = (SELECT ledger_sequence FROM dossiers WHERE number = '\(f.numbers[4])')")
        let entry = try f.hoso(["show", f.numbers[4]])
        #expect(entry.status == 1 && entry.stderr.contains("E701") && entry.stderr.contains("Kẻ giả mạo"), "\(entry.stderr)")

        f = try VerifyFixture()
        try f.sql("INSERT INTO components SELECT manifest, 99, 'c99', role, copy_type, name, file, object, size, media_type, pages FROM components LIMIT 1")
        #expect(try f.verify() == (1, ["E702"], []))

        f = try VerifyFixture()
        try f.sql("DELETE FROM components WHERE (manifest, position) IN (SELECT manifest, position FROM components LIMIT 1)")
        #expect(try f.verify() == (1, ["E703"], []))

        // Provenance as show prints it: who archived, when, from where.
        f = try VerifyFixture()
        try f.sql("UPDATE ledger_entries SET operator = 'Mallory', time = '2020-01-01T00:00:00Z', source = '/forged' WHERE sequence = 2")
        #expect(try f.verify() == (1, ["E701"], []))
        #expect(try f.hoso(["verify", "--no-record"]).stdout.contains("operator"))
    }

    /// Later versions change earlier rows (current flag, superseded-by); the objects table is
    /// derived too. A clean archive with two versions has no findings; each edit is found.
    @Test func supersededVersionsAndObjectRows() throws {
        var f = try VerifyFixture()
        let xml = f.batch + "/" + f.numbers[1] + "/dossier.xml"
        let text = try String(contentsOfFile: xml, encoding: .utf8).replacingOccurrences(of: "</title>", with: " (bản sửa)</title>")
        try text.write(toFile: xml, atomically: false, encoding: .utf8)
        #expect(try f.hoso(["ingest", "--new-version", f.batch]).status == 0)
        #expect(try f.verify() == (0, [], []), "two versions of one dossier, both as the ledger says")

        try f.sql("UPDATE dossiers SET is_current = 1, superseded_by = NULL WHERE version = 1 AND number = (SELECT number FROM dossiers WHERE version = 2)")
        #expect(try f.verify() == (1, ["E701"], []))
        let found = try f.findings()
        #expect(found.first?.message.contains("is_current") == true, "\(found)")

        f = try VerifyFixture()
        try f.sql("UPDATE dossiers SET is_current = 0 WHERE rowid = (SELECT min(rowid) FROM dossiers)")
        #expect(try f.verify() == (1, ["E701"], []), "a current version marked superseded")

        f = try VerifyFixture()
        try f.sql("UPDATE objects SET kind = 'xml' WHERE kind = 'scan' AND id = (SELECT min(id) FROM objects WHERE kind = 'scan')")
        #expect(try f.verify() == (1, ["E701"], []), "an object row edited")

        f = try VerifyFixture()
        try f.sql("DELETE FROM objects WHERE id = (SELECT min(id) FROM objects WHERE kind = 'manifest')")
        try f.sql("INSERT INTO objects VALUES ('sha256:' || hex(randomblob(32)), 5, 'scan', 1)")
        #expect(try f.verify() == (1, ["E702", "E703"], []), "an object row deleted, another inserted")

        f = try VerifyFixture()
        try f.sql("UPDATE ledger_entries SET dossier_count = 9 WHERE sequence = 2")
        #expect(try f.verify() == (1, ["E701"], []), "a ledger entry row edited")
    }

    /// A catalog written before rows recorded their index digest (and never opened for writing
    /// since, as on read-only media) verifies clean: its entries are derived again and the
    /// missing column counts as not recorded, not as a change. (Its structure is that of the
    /// migrations it records; the column dropped alone would be a structure changed by hand.)
    @Test func catalogFromBeforeIndexDigests() throws {
        let f = try VerifyFixture()
        try f.sql("ALTER TABLE dossiers DROP COLUMN index_digest; DELETE FROM grdb_migrations WHERE identifier = '2026-11-29-index-digest'")
        #expect(try f.verify() == (0, [], []))
        let r = try f.reportJSON()
        #expect(r["entriesMatchingDigest"] as? Int == 0 && r["entriesRederived"] as? Int == 3, "\(r)")
        try f.sql("UPDATE dossiers SET title = 'khác' WHERE rowid = 1")
        #expect(try f.verify() == (1, ["E701"], []), "and an edit is still found")
    }

    /// A manifest is an object the ledger names: gone or damaged, it is found whether verify
    /// matched the digests (reading no manifest) or parsed everything again.
    @Test func manifestDeletedOrDamaged() throws {
        var f = try VerifyFixture()
        let show = try jsonObject(try f.hoso(["show", "--json", f.numbers[3]]).stdout)
        let manifest = String((show["manifest"] as? String ?? "").dropFirst(7))
        #expect(manifest.count == 64, "\(show)")
        #expect(unlink(f.path(manifest)) == 0)
        #expect(try f.verify() == (1, ["E605"], []))
        #expect(try f.findings().first?.subject == "sha256:" + manifest)
        #expect(try f.verify(["--rederive"]).1.contains("E605"))
        #expect(try f.verify(["--quick"]) == (1, ["E605"], []))
        // Quick and budgeted runs tell it from the store's listing, naming the file that is gone.
        #expect(try f.findings(["--quick"]).first { $0.code == "E605" }?.file.hasSuffix(String(manifest.dropFirst(2))) == true)
        #expect(try f.verify(["--budget", "1"]).1.contains("E605"))

        f = try VerifyFixture()
        let other = String((try jsonObject(try f.hoso(["show", "--json", f.numbers[3]]).stdout)["manifest"] as? String ?? "").dropFirst(7))
        try f.mutate(other) { $0[$0.count - 2] ^= 0x01 }
        let damaged = try f.verify()
        #expect(damaged.0 == 1 && damaged.1.contains { $0.hasPrefix("E50") }, "\(damaged)")
    }

    /// Objects missing from the store (a restore killed part way, a replica half copied) are
    /// findings of their own: the catalog rows and objects of versions whose manifest cannot be
    /// read are not called forged or orphaned, and a replica is told to take from the archive.
    @Test func missingObjectsAreNotCalledCatalogDamage() throws {
        let allowed: Set<String> = ["E501", "E602", "E605", "E607"]
        func objectFiles(_ root: String) throws -> [String] {
            try shell("find '\(root)' -type f -path '*/[0-9a-f][0-9a-f]/*' | sort").output.split(separator: "\n").map(String.init)
        }
        let f = try VerifyFixture(dossiers: 12, checkpoint: 3)
        let replica = f.folder.sub("replica")
        #expect(try f.hoso(["replicate", "--to", replica]).status == 0)
        for (i, file) in try objectFiles(replica).enumerated() where i % 3 == 0 { unlink(file) }
        let r = try f.hoso(["verify", "--json", "--store", replica])
        let findings = try jsonObject(r.stdout)["findings"] as? [[String: Any]] ?? []
        #expect(r.status == 1 && !findings.isEmpty)
        for d in findings {
            let code = d["code"] as? String ?? ""
            #expect(allowed.contains(code), "\(d)")
            #expect((d["advice"] as? String ?? "").contains("hoso replicate --to \(replica)"), "\(d)")
        }
        // Temp files a killed copy left in the replica: the next copy removes those an hour old
        // (a live copy's are written within seconds); the others are said, with that advice.
        _ = try shell("touch -d '2 hours ago' '\(replica)/.tmp-deadcopy' && touch '\(replica)/.tmp-livecopy'")
        #expect(try f.hoso(["replicate", "--to", replica]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: replica + "/.tmp-deadcopy") && FileManager.default.fileExists(atPath: replica + "/.tmp-livecopy"))
        let again = try jsonObject(try f.hoso(["verify", "--json", "--store", replica]).stdout)["findings"] as? [[String: Any]] ?? []
        #expect(again.map { $0["code"] as? String ?? "" } == ["W510"] && (again.first?["advice"] as? String ?? "").contains("replicate --to"), "\(again)")
        for (i, file) in try objectFiles(f.archive + "/objects").enumerated() where i % 4 == 1 { unlink(file) }
        for extra in [[], ["--quick"], ["--rederive"]] {
            let (status, errors, warnings) = try f.verify(extra)
            #expect(status == 1 && !errors.isEmpty && Set(errors).isSubset(of: allowed) && warnings.isEmpty, "\(extra): \(errors) \(warnings)")
        }
    }

    /// The daily budgeted run checks the index and the catalog as a quick run does: a truncated
    /// segment, which fails every search, is not "no errors".
    @Test func aBudgetedRunChecksTheDerivedDataToo() throws {
        let f = try VerifyFixture()
        let segment = try FileManager.default.contentsOfDirectory(atPath: f.archive + "/index").filter { $0.hasSuffix(".hix") }.sorted()[0]
        #expect(try shell("cd '\(f.archive)/index' && chmod u+w \(segment) && truncate -s 100 \(segment)").status == 0)
        try f.sql("DELETE FROM dossiers WHERE number = '\(f.numbers[1])'")
        let (status, errors, _) = try f.verify(["--budget", "1"])
        #expect(status == 1 && errors.contains("E706") && errors.contains("E703"), "\(errors)")
    }

    /// A quick run compares the catalog's dossier rows and the index's documents with what the
    /// ledger adds, by name: a row the ledger does not add is extra (under a well-formed name or
    /// not), a row it adds and the catalog lacks is missing, and a number the index lacks is said
    /// once, in order, with no other finding.
    @Test func aQuickRunComparesRowsAndIndexWithTheLedger() throws {
        let f = try VerifyFixture()
        let forged = "sha256:" + String(repeating: "0", count: 64)
        try f.sql("CREATE TEMP TABLE copy AS SELECT * FROM dossiers WHERE number = '\(f.numbers[0])'; UPDATE copy SET manifest = '\(forged)', version = version + 10, is_current = 0; INSERT INTO dossiers SELECT * FROM copy")
        try f.sql("UPDATE dossiers SET manifest = upper(manifest) WHERE number = '\(f.numbers[1])'")
        let rows = try f.findings(["--quick"]).filter { $0.code.hasPrefix("E70") }
        let upper = rows.first { $0.code == "E702" && $0.subject != forged }?.subject ?? ""
        #expect(rows.map(\.code).sorted() == ["E702", "E702", "E703"] && rows.contains { $0.code == "E702" && $0.subject == forged }
                && upper.hasPrefix("SHA256:") && rows.contains { $0.code == "E703" && $0.subject == "sha256:" + upper.dropFirst(7).lowercased() },
                "\(rows)")

        // The index without its first segment: its dossiers are lacking, and only they.
        let g = try VerifyFixture()
        let dropped = try shell("""
            cd '\(g.archive)/index' && python3 -c "
            import json
            m = json.load(open('manifest.json')); m['segments'] = m['segments'][1:]
            json.dump(m, open('manifest.json', 'w'))"
            """)
        #expect(dropped.status == 0, "\(dropped.output)")
        let found = try g.findings(["--quick"])
        let lacking = found.filter { $0.code == "E705" && $0.message.hasPrefix("the index lacks") }.map(\.subject)
        #expect(found.count == lacking.count && lacking.count == 2 && lacking == lacking.sorted() && Set(lacking).isSubset(of: g.numbers), "\(found)")
    }

    /// A quick or budgeted run reads no content (or some): it reports what a recorded run found
    /// damaged and no run has verified intact since, rather than "no errors".
    @Test func damageFoundEarlierIsNotForgottenByQuickRuns() throws {
        let f = try VerifyFixture()
        let (name, _) = try f.components(0)[0]
        let path = f.path(name)
        _ = try shell("chmod u+w '\(path)' && cp -p '\(path)' '\(path).good' && \(flipMiddleByte) '\(path)'")
        let full = try Hoso.run(["verify", "--archive", f.archive])
        #expect(full.status == 1)
        // A seal of the archive as it is says what the last recorded run found.
        let seal = try f.hoso(["seal"])
        #expect(seal.status == 0 && seal.stderr.contains("the last recorded verify (audit run 1") && seal.stderr.contains(" error") && seal.stderr.contains("this seal records the archive as it is"), "\(seal.stderr)")
        func earlier(_ extra: [String]) throws -> [(code: String, subject: String, file: String, message: String)] {
            try f.findings(extra).filter { $0.subject == "sha256:" + name }
        }
        // Said as E516, naming the full run that found it, however many quick runs follow (a
        // recorded quick run does not count as having found it).
        for _ in 0..<2 {
            let quick = try earlier(["--quick"])
            #expect(quick.count == 1 && quick[0].code == "E516" && quick[0].message.contains(") by audit run 1 (full")
                    && quick[0].message.contains(f.numbers[0]), "\(quick)")
            #expect(try Hoso.run(["verify", "--quick", "--archive", f.archive]).status == 1)
        }
        let history = try f.hoso(["verify", "--history"]).stdout
        #expect(history.contains("E516"), "\(history)")
        // A budgeted run reads it first (least recently verified first) and finds it again.
        let budget = try earlier(["--budget", "1"])
        #expect(budget.count == 1 && budget[0].code != "E516" && !budget[0].message.contains("did not read it"), "\(budget)")
        // Put back as it was: still damaged by the record until a run reads it again.
        _ = try shell("mv '\(path).good' '\(path)'")
        #expect(try f.verify(["--quick"]).0 == 1)
        #expect(try Hoso.run(["verify", "--archive", f.archive]).status == 0)
        #expect(try f.verify(["--quick"]) == (0, [], []))
    }

    @Test func ledgerEntryEditedOrRemoved() throws {
        var f = try VerifyFixture()
        var entries = try f.ledgerEntries()
        #expect(entries.count == 3)
        var codec: UInt8 = 0
        try f.mutate(entries[1]) { b in
            codec = b[9]
            b[b.count - 3] ^= 0x01
        }
        let objectCode = codec == 0 ? "E503" : "E504"
        #expect(try f.verify() == (1, [objectCode, "E603"], []), "the entry object is damaged, so the entry is unreadable; the walk goes on")

        f = try VerifyFixture()
        entries = try f.ledgerEntries()
        #expect(unlink(f.path(entries[1])) == 0)
        #expect(try f.verify() == (1, ["E602"], []))
        let lost = try f.findings().first
        #expect(lost?.subject == "sha256:" + entries[1])
        // The catalog names whose record of archiving was lost.
        #expect(lost?.message.contains("it is entry 2, which archived") == true && f.numbers.contains { lost?.message.contains($0) == true }, "\(String(describing: lost))")
    }

    @Test func aLedgerThatLostEntriesIsReportedNotRebuiltAway() throws {
        // HEAD moved back: the catalog and index reflect an entry the ledger no longer reaches.
        var f = try VerifyFixture()
        let entries = try f.ledgerEntries()
        try ("sha256:" + entries[1] + "\n").write(toFile: f.archive + "/ledger/HEAD", atomically: false, encoding: .utf8)
        let indexBefore = try String(contentsOfFile: f.archive + "/index/manifest.json", encoding: .utf8)
        for args in [["search", "khai"], ["show", f.numbers[5]], ["stats"], ["rebuild"]] {
            let r = try f.hoso(args)
            #expect(r.status != 0, "\(args[0]) refuses")
            // search reads the index first: its code is the index's, as verify gives it.
            #expect(r.stderr.contains(args[0] == "search" ? "E705" : "E704") && r.stderr.contains("rolled back"), "\(args[0]): \(r.stderr)")
        }
        #expect(try String(contentsOfFile: f.archive + "/index/manifest.json", encoding: .utf8) == indexBefore,
                "a search does not re-index the evidence away")
        // The entry HEAD no longer reaches is still in the store: named, as one an interrupted
        // ingest also leaves (W612); the derived data says it was committed (E704, E705).
        let behind = try f.verify()
        #expect(behind.1 == ["E704", "E705"] && behind.2.contains("W612"), "\(behind)")
        // Its advice can be followed: the entry the message names, written back into HEAD.
        let catalogSays = try f.findings().first { $0.code == "E704" }?.message ?? ""
        #expect(catalogSays.contains(String(entries[2].prefix(12))), "the message names the lost entry: \(catalogSays)")
        let copy = f.folder.sub("restored")
        _ = try shell("cp -a '\(f.archive)' '\(copy)'")
        try ("sha256:" + entries[2] + "\n").write(toFile: copy + "/ledger/HEAD", atomically: false, encoding: .utf8)
        let restored = try Hoso.run(["verify", "--json", "--no-record", "--archive", copy])
        #expect(restored.status == 0, "\(restored.stdout)")
        let discarded = try f.hoso(["rebuild", "--discard-newer"])
        #expect(discarded.status == 0, "\(discarded.stderr)")
        let kept = try FileManager.default.contentsOfDirectory(atPath: f.archive).filter { $0.hasPrefix("catalog.sqlite.discarded-") && !$0.hasSuffix("-wal") }
        #expect(kept.count == 1, "the old catalog is kept aside")
        #expect(try f.hoso(["show", f.numbers[5]]).status != 0, "the rebuilt catalog follows the ledger as it is")

        // HEAD deleted: not an empty archive.
        f = try VerifyFixture()
        #expect(unlink(f.archive + "/ledger/HEAD") == 0)
        #expect(Set(try f.verify().1) == ["E601", "E609"], "the entries in the store are not an empty archive's")
        for args in [["search", "khai"], ["show", f.numbers[0]], ["rebuild"], ["ingest", f.batch]] {
            let r = try f.hoso(args)
            #expect(r.status != 0 && r.stderr.contains("E601"), "\(args[0]): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: f.archive + "/ledger/HEAD"), "an ingest does not start a new history")
    }

    /// Ledger tampering that leaves a consistent chain: an entry rewritten with an earlier date or
    /// without its digest, and a ledger wiped with its derived data, are still reported.
    @Test func ledgerTamperingThatVerifyReports() throws {
        /// Rewrites the newest entry with `edit` (a Python expression on `e`), stores it, points
        /// HEAD at it, and lets the catalog and index be rebuilt from the rewritten ledger.
        func rewriteNewest(_ f: VerifyFixture, _ edit: String) throws {
            let entries = try f.ledgerEntries()
            let r = try shell("""
                cd '\(f.folder.path)' && '\(Hoso.binary)' object get --archive archive sha256:\(entries.last!) > e.json && python3 -c '
                import json; e = json.load(open("e.json")); \(edit)
                open("f.json", "w").write(json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False))' \
                && '\(Hoso.binary)' object put --archive archive f.json > HEAD.new && cp HEAD.new archive/ledger/HEAD \
                && rm -rf archive/catalog.sqlite* archive/index && '\(Hoso.binary)' rebuild --archive archive
                """)
            #expect(r.status == 0, "\(r.output)")
        }
        // Backdated: the newest entry dated years before the one it follows.
        var f = try VerifyFixture()
        try rewriteNewest(f, #"e["time"] = "2019-05-01T02:00:00Z""#)
        var found = try f.findings()
        #expect(found.contains { $0.code == "W610" && $0.message.contains("2019-05-01") }, "\(found)")
        #expect(found.contains { $0.code == "W612" && $0.message.contains("entry 3") }, "the original entry is still in the store")
        // Its digest removed: the rows are derived again, and the absence is named.
        f = try VerifyFixture()
        try rewriteNewest(f, #"del e["derived"]"#)
        found = try f.findings()
        #expect(found.contains { $0.code == "W611" } && found.contains { $0.code == "W612" }, "\(found)")

        // Wiped: HEAD, every entry, the catalog and the index gone. A run recorded before says
        // what the ledger was.
        f = try VerifyFixture()
        #expect(try Hoso.run(["verify", "--archive", f.archive]).status == 0)
        let entries = try f.ledgerEntries()
        _ = try shell("cd '\(f.archive)' && rm -rf ledger/HEAD catalog.sqlite* index")
        for e in entries { try FileManager.default.removeItem(atPath: f.path(e)) }
        let wiped = try Hoso.run(["verify", "--json", "--archive", f.archive])
        let codes = ((try jsonObject(wiped.stdout)["findings"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }
        #expect(wiped.status == 1 && codes.contains("E609"), "\(wiped.stdout)")
        let fromLog = ((try jsonObject(wiped.stdout)["findings"] as? [[String: Any]]) ?? []).filter { $0["file"] as? String == "audit/log" }
        #expect(fromLog.count == 1 && (fromLog.first?["message"] as? String ?? "").contains("no longer in the store"), "\(fromLog)")
    }

    /// What an interrupted rebuild or write leaves beside the store is named, as a warning.
    @Test func leftoversBesideTheStoreAreNamed() throws {
        let f = try VerifyFixture()
        _ = try shell("cd '\(f.archive)' && touch catalog.rebuild.sqlite catalog.rebuild.sqlite-wal ledger/.tmp-0123456789abcdef")
        let r = try f.verify()
        #expect(r.0 == 0 && r.1.isEmpty && r.2 == ["W510", "W510", "W510"], "\(r)")
        let text = try Hoso.run(["verify", "--no-record", "--archive", f.archive]).stdout
        #expect(text.contains("catalog.rebuild.sqlite: warning W510") && text.contains("ledger/.tmp-0123456789abcdef"), "\(text)")
        // Those of dead writers are removed by the commands that hold the lock they were written
        // under: an ingest (the ledger's at once; the archive folder's and the spool's an hour
        // old, as a verify or a copy out may be writing there), a recorded verify (audit/runs),
        // an index optimize (segments a stopped one left).
        #expect(try f.hoso(["index", "optimize"]).status == 0)
        let made = try shell("cd '\(f.archive)' && rm -f catalog.rebuild.sqlite* && mkdir -p spool audit/runs"
                             + " && touch -d '2 hours ago' .tmp-00000000000000aa spool/.tmp-00000000000000bb"
                             + " && touch .tmp-00000000000000cc audit/runs/.tmp-00000000000000dd index/seg-999999.hix")
        #expect(made.status == 0, "\(made.output)")
        #expect(try f.verify().2.count == 5)
        #expect(try f.hoso(["ingest", f.batch]).status == 0)
        #expect(try f.hoso(["index", "optimize"]).stdout.contains("nothing to repack"))
        #expect(try f.hoso(["verify"]).status == 0)
        let left = try f.verify()
        #expect(left.2 == ["W510"], "the archive folder's temp file under an hour old stays: \(left)")
        for gone in ["ledger/.tmp-0123456789abcdef", ".tmp-00000000000000aa", "spool/.tmp-00000000000000bb", "audit/runs/.tmp-00000000000000dd", "index/seg-999999.hix"] {
            #expect(!FileManager.default.fileExists(atPath: f.archive + "/" + gone), "\(gone)")
        }
    }

    /// A flipped bit in a segment that no query reads: 'index status --check' reads every
    /// segment whole and names it, as a full verify does; a search does not look.
    @Test func indexStatusCheckFindsAFlippedBit() throws {
        let f = try VerifyFixture()
        #expect(try f.hoso(["index", "status", "--check"]).status == 0)
        let segment = try shell("ls '\(f.archive)/index' | grep '\\.hix$' | head -1").output.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(!segment.isEmpty)
        let path = f.archive + "/index/" + segment
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        _ = try shell("chmod u+w '\(path)' && printf '\\377' | dd of='\(path)' bs=1 seek=\(size / 2) conv=notrunc 2>/dev/null")
        #expect(try f.hoso(["index", "status"]).status == 0, "without --check, the segments are not read")
        let checked = try f.hoso(["index", "status", "--check"])
        #expect(checked.status == 1 && checked.stdout.contains("E706") && checked.stdout.contains(segment), "\(checked.stdout)")
    }

    /// The audit folder deleted as "just logs": said once (W904), then a new log goes on.
    @Test func aDeletedAuditLogIsSaidOnce() throws {
        let f = try VerifyFixture()
        for _ in 0..<2 { #expect(try f.hoso(["verify"]).status == 0) }
        try FileManager.default.removeItem(atPath: f.archive + "/audit")
        let gone = try f.hoso(["verify"])
        #expect(gone.status == 0 && gone.stdout.contains("W904") && gone.stdout.contains("audit run 2 was recorded"), "\(gone.stdout)")
        let next = try f.hoso(["verify"])
        #expect(next.status == 0 && !next.stdout.contains("W904"), "\(next.stdout)")
        // A log cut back by one run is said too.
        let log = f.archive + "/audit/log"
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        try (lines.dropLast().joined(separator: "\n") + "\n").write(toFile: log, atomically: false, encoding: .utf8)
        #expect(try f.verify().2 == ["W904"])
        // The history and a seal see it too: not "intact", and no seal of a log cut short.
        let history = try f.hoso(["verify", "--history"])
        #expect(history.stdout.contains("W904") && history.stdout.contains("ends at run") && !history.stdout.contains("intact"), "\(history.stdout)")
        let seal = try f.hoso(["seal"])
        #expect(seal.status == 3 && seal.stderr.contains("W904") && seal.stderr.contains("Run 'hoso verify' first"), "\(seal.stderr)")
        // A set-aside cut short (the damaged log renamed, no run recorded after it): the runs
        // are said to be in the log kept aside, not lost.
        #expect(try f.hoso(["verify"]).status == 0)
        _ = try shell("mv '\(log)' '\(f.archive)/audit/log.damaged-20261130T000000Z'")
        let aside = try f.hoso(["verify", "--no-record"])
        #expect(aside.stdout.contains("W904") && aside.stdout.contains("kept aside as audit/log.damaged-20261130T000000Z")
                && !aside.stdout.contains("are lost"), "\(aside.stdout)")
    }

    /// A scan's row deleted from the catalog's objects table, then the scan: the quick and the
    /// budgeted checks, which take the objects to look for from the catalog, still miss it.
    @Test func aScanWhoseObjectsRowWentFirstIsStillMissed() throws {
        let f = try VerifyFixture()
        let object = try f.object(codec: "raw")
        _ = try shell("sqlite3 '\(f.archive)/catalog.sqlite' \"DELETE FROM objects WHERE id='sha256:\(object)' OR id='\(object)'\"")
        #expect(unlink(f.archive + "/objects/" + object.prefix(2) + "/" + object.dropFirst(2)) == 0)
        for args in [["--quick"], ["--budget", "1h"], []] {
            let (status, errors, _) = try f.verify(args)
            #expect(status == 1 && errors.contains("E501"), "\(args): \(errors)")
        }
    }

    /// An audit file replaced by what is not a file (a folder, a FIFO) is evidence removed
    /// (E903, exit 1), not a file this user may not read (E406, exit 3).
    @Test func anAuditFileReplacedByAFolderOrAFIFOIsDamage() throws {
        let f = try VerifyFixture()
        #expect(try f.hoso(["verify"]).status == 0)
        let list = f.archive + "/audit/runs/000001.txt"
        for replace in ["mkdir", "mkfifo"] {
            _ = try shell("rm -rf '\(list)' && \(replace) '\(list)'")
            let (status, errors, _) = try f.verify()
            #expect(status == 1 && errors == ["E903"], "\(replace): \(status) \(errors)")
        }
    }

    /// The newest audit record edited (its finding cleared, its findings file removed): the
    /// log's chain cannot show it, audit.tail does. Damage (E903), in verify, the history and
    /// for a seal; the next recorded verify keeps the log aside.
    @Test(arguments: [false, true])
    func anEditedNewestAuditRecordIsDamage(restoreFirst: Bool) throws {
        let f = try VerifyFixture()
        #expect(try f.hoso(["verify"]).status == 0)
        let replica = f.folder.sub("replica")
        #expect(try f.hoso(["replicate", "--to", replica]).status == 0)
        let object = try f.object(codec: "raw")
        let path = f.archive + "/objects/" + object.prefix(2) + "/" + object.dropFirst(2)
        _ = try shell("chmod u+w '\(path)' && cp -p '\(path)' '\(path).good' && \(flipMiddleByte) '\(path)'")
        #expect(try f.hoso(["verify"]).status == 1)
        _ = try shell("mv '\(path).good' '\(path)'")
        let edited = try shell("""
            cd '\(f.archive)/audit' && python3 -c '
            import json
            L = open("log").read().splitlines(); r = json.loads(L[-1])
            r.update(codes={}, errors=0); r.pop("findings", None); r.pop("findingsDigest", None)
            L[-1] = json.dumps(r, separators=(",", ":"), sort_keys=True); open("log", "w").write("\\n".join(L) + "\\n")' && rm -f runs/*-findings.jsonl
            """)
        #expect(edited.status == 0, "\(edited.output)")
        if restoreFirst {
            // A restore that records its run does not chain onto the edited record (which would
            // make it an ordinary one): it keeps the log aside, as a recorded verify does.
            #expect(unlink(path) == 0)
            #expect(try f.hoso(["replicate", "--from", replica]).status == 0)
            let kept = try FileManager.default.contentsOfDirectory(atPath: f.archive + "/audit").filter { $0.hasPrefix("log.damaged-") }
            #expect(kept.count == 1, "\(kept)")
            return
        }
        #expect(try f.verify().1.contains("E903"))
        let history = try f.hoso(["verify", "--history"])
        #expect(history.status == 1 && history.stdout.contains("E903") && history.stdout.contains("edited since"), "\(history.stdout)")
        #expect(try f.hoso(["seal"]).status == 3)
        let recorded = try f.hoso(["verify"])
        #expect(recorded.status == 1 && recorded.stdout.contains("kept as audit/"), "\(recorded.stdout)")
        #expect(try f.hoso(["verify"]).status == 0 && (try f.hoso(["seal"])).status == 0)
    }

    /// A term renamed in a segment, its checksums recomputed in the file and the manifest: the
    /// dossiers holding the word no longer answer for it, and only rebuilding the segment from
    /// its stored documents shows it.
    @Test func aSegmentEditedWithItsChecksumsRecomputed() throws {
        let f = try VerifyFixture()
        let edit = try shell("""
            cd '\(f.archive)/index' && chmod -R u+w . && python3 -c "
            import json, struct, zlib, glob
            m = json.load(open('manifest.json')); edited = 0
            for e in m['segments']:
                b = bytearray(open(e['file'], 'rb').read()); n = len(b)
                table = struct.unpack('<Q', b[n-24:n-16])[0]
                secs = [struct.unpack('<QQ', b[table+16*i:table+16*i+16]) for i in range(11)]
                terms = struct.unpack('<I', b[16:20])[0]; to, tb = secs[0][0], secs[1][0]
                offs = [struct.unpack('<I', b[to+4*i:to+4*i+4])[0] for i in range(terms+1)]
                for i in range(terms):
                    s = tb + offs[i]
                    if bytes(b[s:tb+offs[i+1]]) == bytes([0, 0x46]) + b'dang': b[s+2:s+6] = b'dbng'; edited += 1
                c = zlib.crc32(bytes(b[:n-16])); struct.pack_into('<I', b, n-16, c); e['crc'] = c
                open(e['file'], 'wb').write(b)
            json.dump(m, open('manifest.json', 'w')); print(edited)"
            """)
        #expect(edit.status == 0 && (Int(edit.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0, "\(edit.output)")
        #expect(try f.hoso(["index", "status", "--check"]).status == 0, "the checksums agree")
        #expect(try f.verify(["--quick"]).0 == 0, "a quick run reads no segment")
        let found = try f.findings()
        #expect(!found.isEmpty && found.allSatisfy { $0.code == "E705" && $0.message.contains("not what its stored documents make") }, "\(found)")
        #expect(try f.hoso(["index", "rebuild"]).status == 0)
        #expect(try f.verify() == (0, [], []))
    }

    /// The same for segments of formats 3 and 4 (archives indexed before formats 4 and 5):
    /// compared as well, but for their header's version (and, format 3, its names of codes).
    @Test(arguments: [("archive-2026-11-30", 3), ("archive-2026-11-30b", 4)])
    func anOlderSegmentEditedWithItsChecksumsRecomputed(fixture: String, format: Int) throws {
        let t = TemporaryFolder()
        let archive = t.sub("archive")
        #expect(try shell("cp -a '\(Repository.path("Tests/Fixtures/" + fixture))' '\(archive)' && chmod -R u+w '\(archive)'").status == 0)
        let clean = try Hoso.run(["verify", "--json", "--no-record", "--archive", archive])
        let before = ((try jsonObject(clean.stdout)["findings"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }
        #expect(clean.status == 0 && before.isEmpty, "compared, not set aside (W709): \(clean.stdout)")
        let edit = try shell("""
            cd '\(archive)/index' && python3 -c "
            import json, struct, zlib
            m = json.load(open('manifest.json')); e = m['segments'][0]
            b = bytearray(open(e['file'], 'rb').read()); n = len(b)
            assert struct.unpack('<I', b[8:12])[0] == \(format)
            table = struct.unpack('<Q', b[n-24:n-16])[0]
            norms = struct.unpack('<Q', b[table+16*6:table+16*6+8])[0]
            b[norms] ^= 1
            c = zlib.crc32(bytes(b[:n-16])); struct.pack_into('<I', b, n-16, c); e['crc'] = c
            open(e['file'], 'wb').write(b); json.dump(m, open('manifest.json', 'w')); print(e['file'])"
            """)
        #expect(edit.status == 0, "\(edit.output)")
        let r = try Hoso.run(["verify", "--json", "--no-record", "--archive", archive])
        let codes = ((try jsonObject(r.stdout)["findings"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }
        #expect(r.status == 1 && codes == ["E705"], "\(r.stdout)")
    }

    /// A replaced entry, seen by a recorded run, then undone by writing back the head the seal
    /// names: that run's head (the forged one) is a weaker witness, since the run itself found
    /// the ledger in doubt (W613); later runs pass, naming it and the forged entry kept in the
    /// store (W612).
    @Test func aForgedHeadSeenOnceDoesNotFailEveryLaterRun() throws {
        let f = try VerifyFixture()
        #expect(try Hoso.run(["verify", "--archive", f.archive]).status == 0)
        let head = try String(contentsOfFile: f.archive + "/ledger/HEAD", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let entry = try f.hoso(["object", "get", head]).stdout
        let forgedFile = f.folder.sub("forged.json")
        try entry.replacingOccurrences(of: "\"operator\":\"", with: "\"operator\":\"forger-").write(toFile: forgedFile, atomically: false, encoding: .utf8)
        let forged = try f.hoso(["object", "put", forgedFile]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(forged.count == 64 && "sha256:" + forged != head, "\(forged)")
        try ("sha256:" + forged + "\n").write(toFile: f.archive + "/ledger/HEAD", atomically: false, encoding: .utf8)
        #expect(try Hoso.run(["verify", "--archive", f.archive]).status == 1, "the forged head is reported, and this run recorded")
        try (head + "\n").write(toFile: f.archive + "/ledger/HEAD", atomically: false, encoding: .utf8)
        let after = try f.verify()
        #expect(after.0 == 0 && after.1.isEmpty && after.2 == ["W612", "W613"], "\(after)")
    }

    /// An index segment's columns (status, dates: what filters and facets read) altered, its
    /// checksums recomputed to match: verify still sees them differ from the stored fields.
    @Test func indexColumnsAlteredWithTheirChecksumsRecomputed() throws {
        let f = try VerifyFixture()
        let folder = f.archive + "/index"
        let manifestPath = folder + "/manifest.json"
        var manifest = try jsonObject(try String(contentsOfFile: manifestPath, encoding: .utf8))
        var segments = manifest["segments"] as! [[String: Any]]
        let file = segments[0]["file"] as! String
        var b = Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + file)))
        let n = b.count
        func u64(_ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(b[at + $1]) << (8 * $1) } }
        let docs = (0..<4).reduce(0) { $0 | Int(b[12 + $1]) << (8 * $1) }
        let table = u64(n - 24)
        let columns = u64(table + 16 * 7)
        b[columns + docs * 14] = b[columns + docs * 14] == 0 ? 1 : 0          // the first document's status
        let crc = b.withUnsafeBytes { CRC32.update(0, UnsafeRawBufferPointer(rebasing: $0[0..<(n - 16)])) }
        for k in 0..<4 { b[n - 16 + k] = UInt8((crc >> (8 * UInt32(k))) & 0xFF) }
        chmod(folder + "/" + file, 0o644)
        try Data(b).write(to: URL(fileURLWithPath: folder + "/" + file))
        segments[0]["crc"] = Int(crc)
        manifest["segments"] = segments
        try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: manifestPath))
        let found = try f.findings()
        #expect(found.contains { $0.code == "E705" && $0.message.contains("columns") && $0.message.contains("status") }, "\(found)")
    }

    /// One agency code written with two spellings of its name (the segment keeps one name per
    /// code): a healthy index, not an altered one.
    @Test func anAgencyNamedTwoWaysIsNoColumnDifference() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let batch = try sampleBatch(t, count: 2)      // two dossiers of agency 000.00.20.H50
        let first = try FileManager.default.contentsOfDirectory(atPath: batch).sorted()[0]
        let xml = batch + "/" + first + "/dossier.xml"
        let text = try String(contentsOfFile: xml, encoding: .utf8)
        let renamed = text.replacingOccurrences(of: "<name>Bộ phận một cửa UBND thị xã Quảng Trị</name>", with: "<name>Bộ phận tiếp nhận và trả kết quả thị xã Quảng Trị</name>")
        #expect(renamed != text)
        try renamed.write(toFile: xml, atomically: false, encoding: .utf8)
        #expect(try Hoso.run(["ingest", "--archive", archive, batch]).status == 0)
        let r = try Hoso.run(["verify", "--json", "--no-record", "--archive", archive])
        #expect(r.status == 0, "\(r.stdout)")
    }

    /// HEAD put back to an older entry and new dossiers committed on it since: the advice does
    /// not tell to write the old head back (that would drop what was committed since).
    @Test func aForkedLedgerIsNotToldToTakeBackItsOldHead() throws {
        let f = try VerifyFixture()
        #expect(try Hoso.run(["verify", "--archive", f.archive]).status == 0)
        let entries = try f.ledgerEntries()
        try ("sha256:" + entries[1] + "\n").write(toFile: f.archive + "/ledger/HEAD", atomically: false, encoding: .utf8)
        _ = try shell("cd '\(f.archive)' && rm -rf catalog.sqlite* index")
        #expect(try f.hoso(["rebuild"]).status == 0)
        let more = try sampleBatch(f.folder, count: 8, name: "more")
        _ = try shell("cd '\(more)' && ls | head -6 | xargs rm -rf")
        #expect(try Hoso.run(["ingest", "--archive", f.archive, more]).status == 0)
        let found = try f.findings()
        let lost = found.filter { $0.code == "E609" }
        #expect(!lost.isEmpty, "\(found)")
        let report = try f.reportJSON()
        let advice = ((report["findings"] as? [[String: Any]]) ?? []).filter { $0["code"] as? String == "E609" }.compactMap { $0["advice"] as? String }
        #expect(!advice.isEmpty && advice.allSatisfy { !$0.contains("into ledger/HEAD") && $0.contains("new entries were committed") }, "\(advice)")
    }

    /// A seal anchors the audit log's last run too: its record edited or removed afterwards is
    /// found, which the log's own chain cannot tell for its last line.
    @Test func sealsAnchorTheAuditLogsTail() throws {
        let f = try VerifyFixture()
        #expect(try Hoso.run(["verify", "--archive", f.archive]).status == 0)
        let text = try f.hoso(["seal"]).stdout
        #expect(text.contains("audit run:    1 sha256:"), "\(text)")
        let sealFile = f.folder.sub("seal.txt")
        try text.write(toFile: sealFile, atomically: false, encoding: .utf8)
        #expect(try f.verify(["--against", sealFile]) == (0, [], []))
        // The last record rewritten (a run that found damage made clean), its chain still whole.
        let log = f.archive + "/audit/log"
        let original = try String(contentsOfFile: log, encoding: .utf8)
        try original.replacingOccurrences(of: "\"errors\":0", with: "\"errors\":0 ").write(toFile: log, atomically: false, encoding: .utf8)
        #expect(try f.verify(["--against", sealFile]).1 == ["E903"])
        // Or removed.
        try "".write(toFile: log, atomically: false, encoding: .utf8)
        #expect(try f.verify(["--against", sealFile]).1 == ["E903"])
    }

    @Test func aCatalogThatIsNotADatabaseIsCalledDamaged() throws {
        let f = try VerifyFixture()
        _ = try shell("cd '\(f.archive)' && rm -f catalog.sqlite-wal catalog.sqlite-shm && echo not a database > catalog.sqlite")
        #expect(try f.verify() == (1, ["E701"], []), "not 'missing'")
        let show = try f.hoso(["show", f.numbers[0]])
        #expect(show.status == 3 && show.stderr.contains("E701") && show.stderr.contains("hoso rebuild"), "\(show.stderr)")
        #expect(try f.hoso(["rebuild"]).status == 0)
        #expect(try f.verify() == (0, [], []))
        // A damaged page that no row compared happens to read: found by SQLite's own check.
        _ = try shell("cd '\(f.archive)' && sqlite3 catalog.sqlite 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null && rm -f catalog.sqlite-wal catalog.sqlite-shm && dd if=/dev/zero of=catalog.sqlite bs=4096 count=1 seek=2 conv=notrunc 2>/dev/null")
        let page = try f.verify()
        #expect(page.0 == 1 && page.1.contains("E701"), "\(page)")
    }

    /// Catalog edits that other commands would act on: each is found, and said for what it is.
    @Test func catalogEditsThatWouldMisleadOtherCommands() throws {
        // An object row deleted: a quick run finds the catalog altered (and the scan still
        // referenced by its component, no orphan), and sends to a full run.
        var f = try VerifyFixture()
        let scan = try f.components(0)[0].0
        try f.sql("DELETE FROM objects WHERE id = 'sha256:\(scan)'")
        let quick = try f.reportJSON(["--quick"])
        let missing = (quick["findings"] as? [[String: Any]] ?? []).filter { ["E703", "W512"].contains($0["code"] as? String) }
        #expect(missing.count == 1 && missing[0]["code"] as? String == "E703" && (missing[0]["advice"] as? String ?? "").contains("full 'hoso verify'"), "\(quick)")
        #expect(try f.verify() == (1, ["E703"], []))

        // A table dropped: verify says so (rows compare equal), and ingest points at rebuild.
        f = try VerifyFixture()
        try f.sql("DROP TABLE source_cache")
        let dropped = try f.findings()
        #expect(dropped.map(\.code) == ["E701"] && dropped[0].message.contains("table source_cache is missing"), "\(dropped)")
        let ingest = try f.hoso(["ingest", f.batch])
        #expect(ingest.status != 0 && ingest.stderr.contains("E701") && ingest.stderr.contains("hoso rebuild"), "\(ingest.stderr)")
        // A trigger added by hand is no part of hoso's catalog either.
        try f.sql("CREATE TRIGGER quiet AFTER INSERT ON dossiers BEGIN DELETE FROM objects WHERE id = NEW.xml_object; END")
        #expect(try f.findings().first?.message.contains("trigger quiet is not one hoso makes") == true)
        #expect(try f.hoso(["rebuild"]).status == 0)
        #expect(try f.verify() == (0, [], []))

        // An older version marked current: show and export refuse rather than hand it out.
        f = try VerifyFixture()
        let xml = f.batch + "/" + f.numbers[1] + "/dossier.xml"
        let text = try String(contentsOfFile: xml, encoding: .utf8).replacingOccurrences(of: "</title>", with: " (bản sửa)</title>")
        try text.write(toFile: xml, atomically: false, encoding: .utf8)
        #expect(try f.hoso(["ingest", "--new-version", f.batch]).status == 0)
        try f.sql("UPDATE dossiers SET is_current = 1 - is_current WHERE number = '\(f.numbers[1])'")
        let show = try f.hoso(["show", f.numbers[1]])
        #expect(show.status == 3 && show.stderr.contains("E701") && show.stderr.contains("holds a later one"), "\(show.stderr)")
        let export = try f.hoso(["export", f.numbers[1], "--to", f.folder.sub("out")])
        #expect(export.status == 3 && export.stderr.contains("E701"), "\(export.stderr)")
        #expect(try f.hoso(["show", "--version", "1", f.numbers[1]]).status == 0, "one version can still be looked at")

        // The index's deletions of the superseded version gone: search names it as verify does.
        let index = f.archive + "/index"
        let del = try #require(try FileManager.default.contentsOfDirectory(atPath: index).first { $0.contains(".del-") })
        try f.sql("UPDATE dossiers SET is_current = 1 - is_current WHERE number = '\(f.numbers[1])'")
        try FileManager.default.removeItem(atPath: index + "/" + del)
        let search = try f.hoso(["search", "khai sinh"])
        #expect(search.status == 3 && search.stderr.contains("E706") && search.stderr.contains(del), "\(search.stderr)")

        // The catalog's ledger position set to a scan: the catalog is damaged, the ledger is not.
        f = try VerifyFixture()
        try f.sql("UPDATE meta SET value = 'sha256:\(scan)' WHERE key = 'ledger_head'")
        let meta = try f.findings()
        #expect(meta.map(\.code) == ["E701"] && meta[0].message.contains("no ledger entry"), "\(meta)")
        let rebuild = try f.hoso(["rebuild"])
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        #expect(try f.verify() == (0, [], []))
    }

    @Test func sealsCatchTruncatedAndRewrittenLedgers() throws {
        // Truncated: HEAD moved back to an earlier entry after a seal.
        var f = try VerifyFixture()
        let sealFile = f.folder.sub("seal.json")
        let seal = try f.hoso(["seal", "--json"])
        let receipt = try jsonObject(seal.stdout)
        #expect(receipt["countsAsOf"] as? Int == receipt["sequence"] as? Int && receipt["countsAsOf"] != nil, "\(seal.stdout)")
        try seal.stdout.write(toFile: sealFile, atomically: false, encoding: .utf8)
        #expect(try f.verify(["--against", sealFile]) == (0, [], []))
        let text = try f.hoso(["seal"])
        #expect(text.stdout.contains("ledger head:"))
        #expect(try f.verify(["--against", sealFile]).0 == 0)
        // No seal of a lost head: said as lost, not as an archive with nothing committed.
        let kept = try String(contentsOfFile: f.archive + "/ledger/HEAD", encoding: .utf8)
        try FileManager.default.removeItem(atPath: f.archive + "/ledger/HEAD")
        let headless = try f.hoso(["seal"])
        #expect(headless.status == 3 && headless.stderr.contains("ledger/HEAD is missing, though the catalog"), "\(headless.stderr)")
        try kept.write(toFile: f.archive + "/ledger/HEAD", atomically: false, encoding: .utf8)
        let entries = try f.ledgerEntries()
        try ("sha256:" + entries[1] + "\n").write(toFile: f.archive + "/ledger/HEAD", atomically: false, encoding: .utf8)
        let truncated = try f.verify(["--against", sealFile])
        #expect(truncated.0 == 1)
        #expect(truncated.1 == ["E704", "E705", "E901"], "the seal is not extended; catalog and index record an entry no longer on the chain")

        // Rewritten: a whole new ledger, with catalog and index to match, replaces the old one.
        f = try VerifyFixture()
        let sealFile2 = f.folder.sub("seal.json")
        let sealed = try f.hoso(["seal", "--json"])
        try sealed.stdout.write(toFile: sealFile2, atomically: false, encoding: .utf8)
        let entriesBefore = try f.ledgerEntries()
        let other = try makeArchive(f.folder, "other")
        #expect(try Hoso.run(["ingest", "--operator", "forger", "--archive", other, f.batch]).status == 0)
        _ = try shell("""
            cd '\(f.folder.path)' && chmod -R u+w archive other && rm -rf archive/ledger archive/index archive/catalog.sqlite* \
            && cp -a other/ledger other/index other/catalog.sqlite archive/ && cp -an other/objects/. archive/objects/
            """)
        let rewritten = try f.verify(["--against", sealFile2])
        #expect(rewritten.1 == ["E609", "E609", "E609", "E901"], "the old entries, still in the store, are off the new ledger")
        #expect(try f.verify().1 == ["E609", "E609", "E609"], "without a seal, the old entries left in the store give the rewrite away")
        let bare = try f.verify(["--against", "sha256:" + String(repeating: "0", count: 64)])
        #expect(bare.1.filter { $0 != "E609" } == ["E901"])
        // Removing them too leaves a consistent rewrite that only a seal (or the audit log of a
        // run made before it: see ledgerTamperingThatVerifyReports) can tell.
        for e in entriesBefore { try FileManager.default.removeItem(atPath: f.path(e)) }
        let afterRemoval = try f.verify()
        #expect(afterRemoval.1.isEmpty, "\(afterRemoval)")
    }

    @Test func oldCatalogRestoredFromBackup() throws {
        let f = try VerifyFixture(dossiers: 4, checkpoint: 4)
        _ = try shell("cp '\(f.archive)/catalog.sqlite' '\(f.folder.sub("backup.sqlite"))'")
        let more = try sampleBatch(f.folder, count: 8, name: "more")
        #expect(try Hoso.run(["ingest", "--archive", f.archive, more]).status == 0)
        _ = try shell("cd '\(f.archive)' && rm -f catalog.sqlite-wal catalog.sqlite-shm && cp '\(f.folder.sub("backup.sqlite"))' catalog.sqlite")
        #expect(try f.verify() == (0, [], ["W707"]))
    }

    @Test func budgetedRunsCoverEverything() throws {
        let f = try VerifyFixture(dossiers: 10, checkpoint: 5)
        let objects = Int(try shell("find '\(f.archive)/objects' -type f | wc -l").output.trimmingCharacters(in: .whitespacesAndNewlines))!
        var verified = Set<String>()
        var runs = 0
        while verified.count < objects && runs < 50 {
            let r = try Hoso.run(["verify", "--json", "--budget", "7", "--archive", f.archive])
            #expect(r.status == 0)
            runs += 1
            let list = try String(contentsOfFile: f.archive + String(format: "/audit/runs/%06d.txt", runs), encoding: .utf8)
            let ids = list.split(separator: "\n").map { String($0.split(separator: " ")[1]) }
            #expect(ids.count == 7)
            let remaining = objects - verified.count
            if runs == 1 {
                // None verified yet: the first seven by name.
                let names = try shell("cd '\(f.archive)/objects' && find . -type f | cut -c3- | tr -d / | LC_ALL=C sort | head -7").output
                #expect(Set(ids.map { $0.replacingOccurrences(of: "sha256:", with: "") }) == Set(names.split(separator: "\n").map(String.init)), "\(ids)")
            }
            if remaining >= 7 {
                #expect(Set(ids).isDisjoint(with: verified), "never-verified objects first")
            } else {
                #expect(Set(ids).subtracting(verified).count == remaining, "the rest, then the least recently verified")
            }
            verified.formUnion(ids)
        }
        #expect(verified.count == objects)
        #expect(runs == (objects + 6) / 7)
        let cov = try jsonObject(try f.hoso(["verify", "--coverage", "--json", "--window", "1d"]).stdout)
        #expect(cov["share"] as? Double == 1)
        #expect(cov["neverVerified"] as? Int == 0)
        #expect(cov["objects"] as? Int == objects)
        // A span too short for hours is said in minutes, or as under a minute: never "0.0 hours".
        let human = try f.hoso(["verify", "--coverage", "--window", "1d"]).stdout
        #expect(human.contains("verifies every object once in") && !human.contains(" 0.0 "), "\(human)")
        // The audit log is a hash chain: editing a run is found.
        _ = try shell("cd '\(f.archive)/audit' && sed -i '1s/\"objects\":7/\"objects\":8/' log")
        let broken = try f.verify()
        #expect(broken.1 == ["E903"])
        // A recorded run reports it, keeps the damaged log aside and starts a new chain.
        let recorded = try f.hoso(["verify"])
        #expect(recorded.status == 1 && recorded.stdout.contains("E903") && recorded.stdout.contains("kept as audit/log.damaged-"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.archive + "/audit").contains { $0.hasPrefix("log.damaged-") })
        #expect(try f.verify() == (0, [], []), "later runs are not failed by it again")
        #expect(try f.hoso(["verify"]).status == 0)
        #expect(try f.verify() == (0, [], []), "the new chain goes on")
        #expect(FileManager.default.fileExists(atPath: f.archive + String(format: "/audit/runs/%06d.txt", runs + 2)), "no run list replaced")

        // A run stopped after writing its list, before its line: the next run takes its number,
        // keeping that list aside, and the chain stays whole.
        let next = try shell("ls '\(f.archive)/audit/runs' | sort | tail -1").output.prefix(6)
        let orphan = f.archive + String(format: "/audit/runs/%06d.txt", (Int(next) ?? 0) + 1)
        _ = try shell("printf '1 x\\n' > '\(orphan)'")
        #expect(try f.hoso(["verify", "--quick"]).status == 0)
        #expect(try f.verify() == (0, [], []), "an interrupted run breaks no chain")
        #expect(try shell("ls '\(f.archive)/audit/runs' | grep -c interrupted").output.hasPrefix("1"))
        // Runs ending together append in turn.
        for _ in 0..<3 {
            let runs = (0..<3).map { _ in
                let p = Process()
                p.executableURL = URL(fileURLWithPath: Hoso.binary)
                p.arguments = ["verify", "--quick", "--archive", f.archive]
                p.standardOutput = FileHandle.nullDevice
                p.standardError = FileHandle.nullDevice
                return p
            }
            for p in runs { try p.run() }
            for p in runs { p.waitUntilExit(); #expect(p.terminationStatus == 0) }
        }
        #expect(try f.verify() == (0, [], []), "concurrent runs break no chain")
    }

    /// A budgeted run writes the state it read from the log as a checkpoint once the lists
    /// past the last one hold as many entries as the store has objects. Each run still takes
    /// the objects least recently verified by the whole log's account (a replay of every list,
    /// here in Python), the checkpoint says what that replay says, and once it is written only
    /// a full run reads the lists before it.
    @Test func budgetedRunsWriteCheckpoints() throws {
        let f = try VerifyFixture(dossiers: 4, checkpoint: 2)
        let objects = Int(try shell("find '\(f.archive)/objects' -type f | wc -l").output.trimmingCharacters(in: .whitespacesAndNewlines))!
        let budget = 5
        // The replay: each object's latest time in the lists of runs 1...through, as "time hex" lines.
        let replay = """
            import json, os, sys
            audit, through = sys.argv[1], int(sys.argv[2])
            latest = {}
            log = os.path.join(audit, 'log')
            for line in open(log) if os.path.exists(log) else []:
                r = json.loads(line)
                if r['sequence'] > through: break
                for entry in open(os.path.join(audit, r['list'])).read().splitlines():
                    t, h = entry.split(' '); latest[h] = max(latest.get(h, -2**63), int(t))
            store = os.path.join(audit, '..', 'objects')
            names = [os.path.relpath(os.path.join(d, n), store).replace('/', '') for d, _, files in os.walk(store) for n in files]
            order = sorted(names, key=lambda h: (latest.get(h, -2**63), h))
            print(json.dumps({'latest': sorted('%d %s' % (t, h) for h, t in latest.items()), 'order': order}))
            """
        let script = f.folder.sub("replay.py")
        try replay.write(toFile: script, atomically: true, encoding: .utf8)
        func replayed(through run: Int) throws -> (latest: [String], order: [String]) {
            let j = try jsonObject(try shell("python3 '\(script)' '\(f.archive)/audit' \(run)").output)
            return (j["latest"] as! [String], j["order"] as! [String])
        }
        var checkpoints: [(run: Int, through: Int)] = []
        var sinceLast = 0
        for run in 1...(3 * objects / budget + 2) {
            let due = sinceLast >= objects
            let expectedOrder = try replayed(through: run - 1).order
            let r = try Hoso.run(["verify", "--json", "--budget", "\(budget)", "--archive", f.archive])
            #expect(r.status == 0, "\(r.stdout)")
            let record = try jsonObject(String(try String(contentsOfFile: f.archive + "/audit/log", encoding: .utf8).split(separator: "\n").last!))
            #expect(record["sequence"] as? Int == run)
            let listed = try String(contentsOfFile: f.archive + String(format: "/audit/runs/%06d.txt", run), encoding: .utf8)
                .split(separator: "\n").map { String($0.split(separator: " ")[1]) }
            #expect(Set(listed) == Set(expectedOrder.prefix(budget)), "run \(run): the least recently verified, as the whole log says")
            #expect((record["state"] != nil) == due, "run \(run): \(sinceLast) entries since the last checkpoint, \(objects) objects")
            if due {
                #expect(record["state"] as? String == String(format: "runs/%06d-state.txt", run))
                #expect(record["stateThrough"] as? Int == run - 1)
                checkpoints.append((run, run - 1))
                sinceLast = 0
            }
            sinceLast += listed.count
        }
        #expect(checkpoints.count >= 2, "\(checkpoints)")
        let history = try f.hoso(["verify", "--history"]).stdout
        #expect(history.contains(String(format: "checkpoint: audit/runs/%06d-state.txt, what the runs up to %d left verified", checkpoints[0].run, checkpoints[0].through)), "\(history)")
        // Each checkpoint holds what the replay of the runs it covers holds.
        for c in checkpoints {
            let text = try String(contentsOfFile: f.archive + String(format: "/audit/runs/%06d-state.txt", c.run), encoding: .utf8)
            let lines = text.split(separator: "\n").map(String.init).sorted()
            #expect(lines == (try replayed(through: c.through).latest), "checkpoint of run \(c.run)")
        }
        // The lists the newest checkpoint covers, lost: quick and budgeted runs and the coverage
        // report do not read them; a full run, which reads the whole log, says so.
        let newest = checkpoints.last!
        for run in 1...newest.through { try FileManager.default.removeItem(atPath: f.archive + String(format: "/audit/runs/%06d.txt", run)) }
        #expect(try f.verify(["--quick"]) == (0, [], []))
        #expect(try f.verify(["--budget", "1"]) == (0, [], []))
        let cov = try jsonObject(try f.hoso(["verify", "--coverage", "--json", "--window", "1d"]).stdout)
        #expect(cov["share"] as? Double == 1 && cov["objects"] as? Int == objects)
        #expect(try f.verify() == (1, Array(repeating: "E903", count: newest.through), []))
    }

    /// A full run that found every object intact names its own list as its checkpoint: the
    /// runs after it read nothing older. One that found an object missing does not.
    @Test func cleanFullRunsAreCheckpoints() throws {
        let f = try VerifyFixture(dossiers: 3, checkpoint: 3)
        func last() throws -> [String: Any] {
            try jsonObject(String(try String(contentsOfFile: f.archive + "/audit/log", encoding: .utf8).split(separator: "\n").last!))
        }
        #expect(try f.hoso(["verify", "--budget", "2"]).status == 0)
        #expect(try f.hoso(["verify"]).status == 0)
        var record = try last()
        #expect(record["state"] as? String == "runs/000002.txt" && record["stateDigest"] as? String == record["listDigest"] as? String)
        #expect(record["stateThrough"] as? Int == 2)
        #expect(try f.hoso(["verify", "--history"]).stdout.contains("checkpoint: its list, every object verified and nothing found wrong"))
        // A budgeted run right after has nothing to replay but the full run's list: no checkpoint.
        #expect(try f.hoso(["verify", "--budget", "2"]).status == 0)
        #expect(try last()["state"] == nil)
        try FileManager.default.removeItem(atPath: f.archive + "/audit/runs/000001.txt")
        #expect(try f.verify(["--quick"]) == (0, [], []))
        let cov = try jsonObject(try f.hoso(["verify", "--coverage", "--json", "--window", "1d"]).stdout)
        #expect(cov["share"] as? Double == 1)
        #expect(try f.verify().1 == ["E903"], "a full run reads the whole log")
        // An object missing: every object the store lists verified, but the run found damage, so
        // its list is not what the log says of every object, and names no checkpoint.
        let object = try f.components().first!.0
        try FileManager.default.removeItem(atPath: f.path(object))
        let damaged = try f.hoso(["verify"])
        #expect(damaged.status == 1)
        record = try last()
        #expect(record["state"] == nil && (record["codes"] as? [String: Int] ?? [:]).keys.contains { $0.hasPrefix("E50") }, "\(record)")
    }

    @Test func byteAndTimeBudgets() throws {
        let f = try VerifyFixture(dossiers: 6, checkpoint: 3)
        let sizes = try shell("find '\(f.archive)/objects' -type f -printf '%s\\n' | sort -n").output.split(separator: "\n").compactMap { Int($0) }
        // A byte budget stops once that many stored bytes were read (the object that crosses it included).
        let r = try Hoso.run(["verify", "--json", "--budget", "1B", "--archive", f.archive])
        #expect(r.status == 0)
        #expect(try jsonObject(r.stdout)["objects"] as? Int == 1)
        let all = sizes.reduce(0, +)
        let whole = try jsonObject(try Hoso.run(["verify", "--json", "--budget", "\(all)B", "--archive", f.archive]).stdout)
        #expect(whole["objects"] as? Int == sizes.count)
        // A time budget large enough covers everything; the coverage report then says 100%.
        let timed = try jsonObject(try Hoso.run(["verify", "--json", "--budget", "10m", "--archive", f.archive]).stdout)
        #expect(timed["objects"] as? Int == sizes.count)
        let cov = try jsonObject(try f.hoso(["verify", "--coverage", "--json", "--window", "1h"]).stdout)
        #expect(cov["share"] as? Double == 1)
        // The README's form: the daily time the estimate assumes; a size or count is refused.
        let daily = try f.hoso(["verify", "--coverage", "--window", "90d", "--budget", "2h"])
        #expect(daily.status == 0 && daily.stdout.contains("daily budget of 2h"), "\(daily.stdout)")
        #expect(try f.hoso(["verify", "--coverage", "--budget", "500GB"]).status == 2)
        #expect(try f.hoso(["verify", "--window", "10d"]).status == 2, "a window without --coverage is not silently a full verify")
        // A quick run's size differing from the catalog's record (the catalog edited) is no
        // damage found in the object.
        let edited = try f.object(codec: "raw")
        try f.sql("UPDATE objects SET size = size + 1 WHERE id = 'sha256:\(edited)'")
        #expect(try Hoso.run(["verify", "--quick", "--archive", f.archive]).status == 1)
        try f.sql("UPDATE objects SET size = size - 1 WHERE id = 'sha256:\(edited)'")
        #expect(try jsonObject(try f.hoso(["verify", "--coverage", "--json", "--window", "1h"]).stdout)["damaged"] as? Int == 0)
        // An object a later run found damaged is no longer verified, and is said to be damaged.
        let object = try f.object(codec: "raw")
        let path = f.archive + "/objects/" + object.prefix(2) + "/" + object.dropFirst(2)
        _ = try shell("chmod u+w '\(path)' && \(flipMiddleByte) '\(path)'")
        #expect(try Hoso.run(["verify", "--archive", f.archive]).status == 1)
        let after = try jsonObject(try f.hoso(["verify", "--coverage", "--json", "--window", "1h"]).stdout)
        #expect(after["damaged"] as? Int == 1 && after["verifiedObjects"] as? Int == sizes.count - 1 && after["neverVerified"] as? Int == 0, "\(after)")
    }

    /// Run as an unprivileged user (root reads every folder), where the system allows it.
    @Test func anUnreadableFanOutFolderIsReportedAndTheRestChecked() throws {
        let f = try VerifyFixture()
        let prefix = String(try f.object(codec: "raw").prefix(2))
        _ = try shell("chmod -R a+rX '\(f.folder.path)'")
        guard try Unprivileged.available("-r '\(f.archive)/hoso-archive.json'") else { return }
        _ = try shell("chmod 000 '\(f.archive)/objects/\(prefix)'")
        let r = try shell("\(Unprivileged.prefix) '\(Hoso.binary)' verify --json --no-record --archive '\(f.archive)' 2>/dev/null")
        _ = try shell("chmod 755 '\(f.archive)/objects/\(prefix)'")
        let json = try jsonObject(r.output)
        let findings = json["findings"] as? [[String: Any]] ?? []
        #expect(findings.contains { $0["code"] as? String == "E511" && ($0["file"] as? String ?? "").hasSuffix("objects/" + prefix) }, "\(findings)")
        #expect(!findings.contains { $0["code"] as? String == "E501" }, "its objects are not reported missing")
        #expect((json["objects"] as? Int ?? 0) > 0, "the other folders are checked")
    }

    @Test func reportsForAuditors() throws {
        let f = try VerifyFixture()
        try f.mutate(try f.object(codec: "raw")) { $0 += [9] }
        let report = f.folder.sub("report.json")
        let csv = try f.hoso(["verify", "--csv", "--report", report])
        #expect(csv.status == 1)
        #expect(csv.stdout.hasPrefix("code,severity,title,file"))
        #expect(csv.stdout.contains("E505,error"))
        let saved = try jsonObject(try String(contentsOfFile: report, encoding: .utf8))
        #expect(saved["errors"] as? Int == 1)
        #expect((saved["startedAt"] as? String)?.hasSuffix("Z") == true && (saved["software"] as? String)?.hasPrefix("hoso ") == true)
        #expect(saved["archive"] as? String == f.archive)
        let again = try f.hoso(["verify", "--report", report])
        #expect(again.status == 2 && again.stderr.contains("not overwritten"), "a report is never overwritten")
        #expect(try f.hoso(["verify", "--report", f.folder.sub("no/such/folder/r.json")]).status == 2, "checked before the run")
        #expect(try f.hoso(["verify", "--budget", "nonsense"]).status == 2)
    }

    /// Both the archive's and the replica's copy damaged: a repair says that no store here holds
    /// it intact, names the dossier, and sends to another copy, not round to itself.
    @Test func aRepairWithBothCopiesDamagedSaysSo() throws {
        let f = try VerifyFixture()
        let replica = f.folder.sub("replica")
        #expect(try f.hoso(["replicate", "--to", replica]).status == 0)
        let raw = try f.object(codec: "raw")
        let owner = try f.dossier(using: raw)
        #expect(try shell("for p in '\(f.path(raw))' $(find '\(replica)' -type f -name '\(raw.dropFirst(2))'); do chmod u+w \"$p\" && \(flipMiddleByte) \"$p\"; done").status == 0)
        for args in [["replicate", "--json", "--from", replica, "--repair"], ["replicate", "--json", "--to", replica, "--repair"]] {
            let r = try f.hoso(args)
            let finding = ((try jsonObject(r.stdout)["findings"] as? [[String: Any]]) ?? []).first { $0["subject"] as? String == "sha256:" + raw }
            #expect(r.status == 1 && (finding?["message"] as? String ?? "").contains("damaged too: no store here holds it intact")
                    && (finding?["advice"] as? String ?? "").contains("--from OTHER")
                    && ((finding?["usedBy"] as? [[String: Any]])?.first?["dossier"] as? String) == owner, "\(args): \(r.stdout)")
        }
    }

    /// What an auditor can show from the archive alone: which object was damaged, whose file it
    /// was, when it was found, that it was restored (from where, by whom), and that the next run
    /// found it whole; and that this evidence cannot be edited unseen.
    /// A restore stopped before it ended (killed, a power cut) had written objects back: its
    /// journal lists them, and the next restore records them as a run of their own before
    /// copying the rest, so the audit log holds everything mended.
    @Test func aRestoreStoppedPartWayIsRecordedByTheNext() throws {
        let f = try VerifyFixture()
        let replica = f.folder.sub("replica")
        #expect(try f.hoso(["replicate", "--to", replica]).status == 0)
        let all = try FileManager.default.subpathsOfDirectory(atPath: f.archive + "/objects").filter { $0.count == 65 }.sorted()
        let lost = Array(all.prefix(12))
        for p in lost { try FileManager.default.removeItem(atPath: f.archive + "/objects/" + p) }
        #expect(try f.hoso(["verify"]).status == 1)
        // As a restore killed while writing its fifth object leaves it: four copied back and
        // noted, a fifth noted but not written, a last line cut short.
        for p in lost.prefix(4) { #expect(try shell("cp '\(replica)/\(p)' '\(f.archive)/objects/\(p)'").status == 0) }
        var journal = "# restore from \(replica) started 2026-12-01T01:02:03Z\n"
        for p in lost.prefix(5) { journal += "1764550923 \(p.replacingOccurrences(of: "/", with: ""))\n" }
        journal += "17645509"
        try journal.write(toFile: f.archive + "/audit/restore.journal", atomically: false, encoding: .utf8)
        // Verify (which no restore runs beside) says the journal waits to be recorded.
        let said = try f.findings()
        #expect(said.contains { $0.code == "W510" && $0.file == "audit/restore.journal" && $0.message.contains("restore stopped before it ended") }, "\(said)")
        let restore = try f.hoso(["replicate", "--from", replica])
        #expect(restore.status == 0 && restore.stderr.contains("a restore stopped before it ended had written 4 objects back into the archive: recorded as audit run 2"),
                "\(restore.stderr)")
        #expect(restore.stdout.contains("8 copied") && restore.stdout.contains("recorded as audit run 3"), "\(restore.stdout)")
        #expect(!FileManager.default.fileExists(atPath: f.archive + "/audit/restore.journal"))
        #expect(try f.verify().1.isEmpty)
        let runs = (try jsonObject(try f.hoso(["verify", "--history", "--json"]).stdout)["runs"] as? [[String: Any]]) ?? []
        let records = runs.map { $0["record"] as? [String: Any] ?? [:] }
        #expect(records.map { $0["level"] as? String ?? "" } == ["full", "restore", "restore"], "\(records)")
        #expect(records.count == 3 && records[1]["objects"] as? Int == 4 && records[2]["objects"] as? Int == 8, "\(records)")
        #expect((records[1]["note"] as? String)?.contains("stopped before it ended") == true && records[1]["started"] as? String == "2026-12-01T01:02:03Z")
        // The list of run 2 names exactly the four objects that came back.
        let list = try String(contentsOfFile: f.archive + "/audit/runs/000002.txt", encoding: .utf8)
        #expect(Set(list.split(separator: "\n").map { String($0.split(separator: " ")[1]) }) == Set(lost.prefix(4).map { $0.replacingOccurrences(of: "/", with: "") }))
    }

    /// A restore stopped after its record was written but before its journal was removed:
    /// the next one knows the journal as recorded, and records it no second time.
    @Test func aJournalAlreadyRecordedIsNotRecordedAgain() throws {
        let f = try VerifyFixture()
        let replica = f.folder.sub("replica")
        #expect(try f.hoso(["replicate", "--to", replica]).status == 0)
        let all = try FileManager.default.subpathsOfDirectory(atPath: f.archive + "/objects").filter { $0.count == 65 }.sorted()
        let lost = Array(all.prefix(3))
        for p in lost { try FileManager.default.removeItem(atPath: f.archive + "/objects/" + p) }
        // A whole restore; then its journal put back as a stop between the two would leave it
        // (its header gives the start the record gives).
        let journalPath = f.archive + "/audit/restore.journal"
        #expect(try f.hoso(["replicate", "--from", replica]).status == 0)
        let first = (try jsonObject(try f.hoso(["verify", "--history", "--json"]).stdout)["runs"] as? [[String: Any]])?.first?["record"] as? [String: Any] ?? [:]
        let started = first["started"] as? String ?? "?"
        var journal = "# restore from \(replica) started \(started) by someone\n"
        for p in lost { journal += "1764550923 \(p.replacingOccurrences(of: "/", with: ""))\n" }
        try journal.write(toFile: journalPath, atomically: false, encoding: .utf8)
        let again = try f.hoso(["replicate", "--from", replica])
        #expect(again.status == 0 && again.stderr.contains("is already recorded as audit run 1: removed"), "\(again.stderr)")
        #expect(!FileManager.default.fileExists(atPath: journalPath))
        let runs = (try jsonObject(try f.hoso(["verify", "--history", "--json"]).stdout)["runs"] as? [[String: Any]]) ?? []
        #expect(runs.map { ($0["record"] as? [String: Any])?["level"] as? String ?? "" } == ["restore"], "\(runs)")
        // A journal of the same second naming an object that record does not list is another
        // restore's: recorded.
        try "# restore from \(replica) started \(started)\n1764550923 \(all[5].replacingOccurrences(of: "/", with: ""))\n"
            .write(toFile: journalPath, atomically: false, encoding: .utf8)
        let other = try f.hoso(["replicate", "--from", replica])
        #expect(other.status == 0 && other.stderr.contains("had written 1 object back into the archive: recorded as audit run 2"), "\(other.stderr)")
    }

    /// A restore stopped after it wrote the ledger head, before its record: the next restore
    /// records the head it wrote (when it is still the archive's), as it records objects.
    @Test func aHeadWrittenByAStoppedRestoreIsRecorded() throws {
        let f = try VerifyFixture()
        let replica = f.folder.sub("replica")
        #expect(try f.hoso(["replicate", "--to", replica]).status == 0)
        let head = try String(contentsOfFile: f.archive + "/ledger/HEAD", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let journalPath = f.archive + "/audit/restore.journal"
        // A head line for another head than the archive's: nothing written that stayed.
        let other = "sha256:" + String(repeating: "ab", count: 32)
        try "# restore from \(replica) started 2026-12-01T01:02:03Z\nhead - \(other)\n".write(toFile: journalPath, atomically: false, encoding: .utf8)
        #expect(try f.hoso(["replicate", "--from", replica]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: journalPath))
        // The archive's own head, written in place of a missing one.
        try "# restore from \(replica) started 2026-12-01T01:02:04Z by clerk\nhead - \(head)\n".write(toFile: journalPath, atomically: false, encoding: .utf8)
        let r = try f.hoso(["replicate", "--from", replica])
        #expect(r.status == 0 && r.stderr.contains("had written 0 objects back into the archive and its ledger head: recorded as audit run 1"), "\(r.stderr)")
        let runs = (try jsonObject(try f.hoso(["verify", "--history", "--json"]).stdout)["runs"] as? [[String: Any]]) ?? []
        let note = (runs.first?["record"] as? [String: Any])?["note"] as? String ?? ""
        #expect(runs.count == 1 && note.contains("ledger/HEAD written: missing or unreadable → \(head)"), "\(runs)")
    }

    /// The journal is written by the restore itself: killed part way (kill -9, nothing said),
    /// the next restore records exactly what it had written back.
    @Test func aRestoreKilledPartWayIsRecordedByTheNext() throws {
        let f = try VerifyFixture(dossiers: 40, checkpoint: 40)
        let replica = f.folder.sub("replica")
        #expect(try f.hoso(["replicate", "--to", replica]).status == 0)
        let objects = f.archive + "/objects"
        let all = try FileManager.default.subpathsOfDirectory(atPath: objects).filter { $0.count == 65 }
        let journal = f.archive + "/audit/restore.journal"
        var killed = false
        for _ in 0..<3 where !killed {
            for p in all where FileManager.default.fileExists(atPath: objects + "/" + p) { try FileManager.default.removeItem(atPath: objects + "/" + p) }
            let p = try Hoso.start(["replicate", "--from", replica, "--jobs", "1", "--archive", f.archive])
            // Killed once it has noted a few objects: as a crash or a power cut would stop it.
            while p.isRunning {
                let lines = (try? String(contentsOfFile: journal, encoding: .utf8))?.split(separator: "\n").filter { !$0.hasPrefix("#") } ?? []
                if lines.count >= 3 { kill(p.processIdentifier, SIGKILL); killed = true; break }
                usleep(500)
            }
            p.waitUntilExit()
        }
        guard killed else { Issue.record("the restore of \(all.count) objects always ended before it could be stopped"); return }
        let rerun = try f.hoso(["replicate", "--from", replica])
        let noted = rerun.stderr.firstMatch(of: /had written (\d+) objects? back/).flatMap { Int($0.1) } ?? 0
        #expect(rerun.status == 0 && noted >= 2, "\(rerun.stderr)")
        #expect(try f.verify().1.isEmpty)
        let runs = (try jsonObject(try f.hoso(["verify", "--history", "--json"]).stdout)["runs"] as? [[String: Any]]) ?? []
        let restores = runs.map { $0["record"] as? [String: Any] ?? [:] }.filter { $0["level"] as? String == "restore" }
        #expect(restores.count == 2 && restores[0]["objects"] as? Int == noted
                && (restores[0]["note"] as? String)?.contains("stopped before it ended") == true, "\(restores)")
        // Everything that came back is in one record or the other, once.
        let written = (restores.first?["objects"] as? Int ?? 0) + (restores.last?["objects"] as? Int ?? 0)
        #expect(written == all.count, "\(written) of \(all.count)")
    }

    @Test func theAuditLogKeepsWhatWasDamagedAndHowItWasMended() throws {
        let f = try VerifyFixture()
        let replica = f.folder.sub("replica")
        #expect(try f.hoso(["replicate", "--to", replica]).status == 0)
        #expect(try f.hoso(["verify"]).status == 0)
        let raw = try f.object(codec: "raw")
        let owner = try f.dossier(using: raw)
        try f.mutate(raw) { $0[$0.count / 2] ^= 0x04 }
        // The finding names the dossier and file as keys, not only in its message.
        let report = try f.reportJSON()
        let finding = (report["findings"] as? [[String: Any]])?.first
        let uses = finding?["usedBy"] as? [[String: Any]] ?? []
        #expect(uses.count == 1 && uses.first?["dossier"] as? String == owner && uses.first?["version"] as? Int == 1
                && (uses.first?["path"] as? String)?.hasPrefix("scans/") == true, "\(uses)")
        #expect(try f.hoso(["verify"]).status == 1)
        let restore = try f.hoso(["replicate", "--from", replica, "--repair"])
        #expect(restore.status == 0 && restore.stdout.contains("recorded as audit run 3"), "\(restore.stdout)")
        #expect(try f.hoso(["verify"]).status == 0)

        let history = try jsonObject(try f.hoso(["verify", "--history", "--json"]).stdout)
        let runs = history["runs"] as? [[String: Any]] ?? []
        #expect(runs.count == 4)
        let levels = runs.map { ($0["record"] as? [String: Any])?["level"] as? String ?? "" }
        #expect(levels == ["full", "full", "restore", "full"], "\(levels)")
        let damaged = runs[1]["findings"] as? [[String: Any]] ?? []
        #expect(damaged.count == 1 && damaged.first?["code"] as? String == "E503" && damaged.first?["subject"] as? String == "sha256:" + raw)
        #expect(((damaged.first?["usedBy"] as? [[String: Any]])?.first?["dossier"] as? String) == owner)
        let restoreRecord = runs[2]["record"] as? [String: Any] ?? [:]
        #expect((restoreRecord["note"] as? String)?.contains("1 damaged copies replaced") == true && restoreRecord["operator"] != nil, "\(restoreRecord)")
        #expect((runs[3]["findings"] as? [Any])?.isEmpty == true)
        let human = try f.hoso(["verify", "--history"]).stdout
        #expect(human.contains("E503 objects/") && human.contains(owner) && human.contains("restored from") && human.contains("4 runs"), "\(human)")

        // The findings file is part of the chain: edited, it is reported (E903) and history fails.
        let file = f.archive + "/audit/runs/000002-findings.jsonl"
        #expect(FileManager.default.fileExists(atPath: file))
        chmod(file, 0o644)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        try text.replacingOccurrences(of: owner, with: "000.00.99.H50-990101-0001").write(toFile: file, atomically: false, encoding: .utf8)
        let edited = try f.hoso(["verify", "--history"])
        #expect(edited.status == 1 && edited.stdout.contains("E903") && edited.stdout.contains("findings of run 2 were altered"), "\(edited.stdout)")
        #expect(try f.verify().1 == ["E903"])
        // A run whose files are gone is still listed (its record says what it found), and once
        // a verify keeps the damaged log aside, the history says where the earlier runs are.
        try FileManager.default.removeItem(atPath: f.archive + "/audit/runs/000002.txt")
        let listed = try f.hoso(["verify", "--history"]).stdout
        #expect(listed.contains("run 2 ") && listed.contains("E503×1") && listed.contains("is missing"), "\(listed)")
        _ = try f.hoso(["verify"])
        let after = try f.hoso(["verify", "--history"])
        #expect(after.status == 0 && after.stdout.contains("audit/log.damaged-"), "\(after.stdout)")
    }

    @Test func readOnlyArchivesAreVerifiedWithoutRecording() throws {
        let f = try VerifyFixture()
        let mount = f.folder.sub("ro")
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        let script = "mount --bind '\(f.archive)' '\(mount)' && mount -o remount,bind,ro '\(mount)' && '\(Hoso.binary)' verify --json --archive '\(mount)'"
        let r = try shell("unshare -rm sh -c \"\(script)\" 2>&1")
        let json = try jsonObject(String(r.output.drop { $0 != "{" }))
        #expect(r.status == 0, "\(r.output)")
        #expect(json["errors"] as? Int == 0)
        #expect((json["notRecorded"] as? String)?.contains("read-only") == true)
        #expect(!FileManager.default.fileExists(atPath: f.archive + "/audit/log"))
    }
}
