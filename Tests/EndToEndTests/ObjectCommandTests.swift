import Foundation
import Testing
import HosoTestSupport

func makeArchive(_ t: TemporaryFolder, _ name: String = "archive") throws -> String {
    let path = t.sub(name)
    let r = try Hoso.run(["init", "--archive", path])
    #expect(r.status == 0, "\(r.stderr)")
    return path
}

/// Runs the hoso binary as an unprivileged user (root reads and writes everything, so damage
/// made with permissions shows only to others), where the system allows it.
enum Unprivileged {
    static let prefix = "setpriv --reuid 65534 --regid 65534 --clear-groups"

    /// Whether the tests run as root and that user can run the binary and pass `test` (for
    /// example `-w ARCHIVE/ledger`); when not, the test has nothing to show here.
    static func available(_ test: String) throws -> Bool {
        guard getuid() == 0 else { return false }
        return try shell("\(prefix) test -x '\(Hoso.binary)' -a \(test)").status == 0
    }

    /// `hoso ARGS` as that user, standard error with standard output.
    static func hoso(_ args: String) throws -> (status: Int32, output: String) {
        let r = try shell("\(prefix) '\(Hoso.binary)' \(args) 2>&1")
        return (r.status, r.output)
    }
}

@Suite struct ObjectCommandTests {
    /// An init stopped part way (folders made, no configuration yet) is completed by the next
    /// one; a folder holding anything else is refused.
    @Test func anInterruptedInitIsCompleted() throws {
        let t = TemporaryFolder()
        let half = t.sub("half")
        _ = try shell("mkdir -p '\(half)/objects/00' '\(half)/objects/01' '\(half)/ledger' && touch '\(half)/.tmp-x1' '\(half)/objects/.tmp-y2'")
        let r = try Hoso.run(["init", "--archive", half])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Hoso.run(["verify", "--quick", "--archive", half]).status == 0)
        let someone = t.sub("someone")
        _ = try shell("mkdir -p '\(someone)/ledger' && echo notes > '\(someone)/ledger/notes.txt'")
        #expect(try Hoso.run(["init", "--archive", someone]).status == 3)
        #expect(FileManager.default.fileExists(atPath: someone + "/ledger/notes.txt"), "nothing of someone else's is removed")
    }

    @Test func putGetInfoCheckAgreeWithSha256sum() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let scans = try FileManager.default.subpathsOfDirectory(atPath: Repository.path("sample-archive/dossiers"))
            .filter { $0.contains("/scans/") }.prefix(12).map { Repository.path("sample-archive/dossiers/" + $0) }
        let r = try Hoso.run(["object", "put"] + scans, environment: ["HOSO_ARCHIVE": archive])
        #expect(r.status == 0, "\(r.stderr)")
        let names = r.stdout.split(separator: "\n").map(String.init)
        #expect(names.count == scans.count)
        for (file, name) in zip(scans, names) {
            let sum = try shell("sha256sum '\(file)'").output.prefix(64)
            #expect(String(sum) == name)
            let got = try Hoso.run(["object", "get", name], environment: ["HOSO_ARCHIVE": archive])
            #expect(got.status == 0)
            #expect(got.stdoutBytes == Array(try Data(contentsOf: URL(fileURLWithPath: file))))
            // By hand, with standard tools only (docs/store-format.md).
            let obj = archive + "/objects/" + name.prefix(2) + "/" + name.dropFirst(2)
            let byHand = try shell("h=$(tail -c +41 '\(obj)'); if [ \"$(head -c 10 '\(obj)' | tail -c 1 | od -An -tu1 | tr -d ' ')\" = 1 ]; then tail -c +41 '\(obj)' | gzip -dc | sha256sum; else tail -c +41 '\(obj)' | sha256sum; fi").output
            #expect(byHand.hasPrefix(name), "\(byHand)")
        }
        let info = try Hoso.run(["object", "info", "--json", names[0]], environment: ["HOSO_ARCHIVE": archive])
        #expect(info.status == 0)
        #expect(try jsonObject(info.stdout)["verified"] as? Bool == true)
        let check = try Hoso.run(["object", "check", "--json"], environment: ["HOSO_ARCHIVE": archive])
        #expect(check.status == 0)
        #expect(try jsonObject(check.stdout)["errors"] as? Int == 0)
        // -o writes the verified bytes to a file.
        let out = t.sub("copy")
        #expect(try Hoso.run(["object", "get", names[1], "-o", out], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        // A pipe (or a device such as /dev/null) named as the output is written to, not
        // replaced by a file.
        let fifo = t.sub("pipe")
        #expect(mkfifo(fifo, 0o600) == 0)
        let reader = try shell("timeout 20 cat '\(fifo)' > '\(fifo).read' & r=$!; HOSO_ARCHIVE='\(archive)' '\(Hoso.binary)' object get '\(names[1])' -o '\(fifo)'; s=$?; wait $r; echo $s")
        var kind = stat()
        #expect(reader.output.trimmingCharacters(in: .whitespacesAndNewlines) == "0" && stat(fifo, &kind) == 0 && kind.st_mode & S_IFMT == S_IFIFO, "\(reader.output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: fifo + ".read")) == Data(contentsOf: URL(fileURLWithPath: out)))
        // A link (as /dev/stdout is) is never renamed over: a link to a file writes the file, and
        // a link to a pipe the pipe.
        let file = t.sub("target"), link = t.sub("link")
        try "old".write(toFile: file, atomically: false, encoding: .utf8)
        #expect(symlink(file, link) == 0)
        #expect(try Hoso.run(["object", "get", names[1], "-o", link], environment: ["HOSO_ARCHIVE": archive]).status == 0)
        var l = stat()
        #expect(lstat(link, &l) == 0 && l.st_mode & S_IFMT == S_IFLNK)
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == Data(contentsOf: URL(fileURLWithPath: out)))
        let pipeLink = t.sub("pipe-link")
        #expect(symlink(fifo, pipeLink) == 0)
        let throughLink = try shell("timeout 20 cat '\(fifo)' > '\(fifo).read2' & r=$!; HOSO_ARCHIVE='\(archive)' '\(Hoso.binary)' object get '\(names[1])' -o '\(pipeLink)'; s=$?; wait $r; echo $s")
        #expect(throughLink.output.trimmingCharacters(in: .whitespacesAndNewlines) == "0" && lstat(pipeLink, &l) == 0 && l.st_mode & S_IFMT == S_IFLNK)
        #expect(try Data(contentsOf: URL(fileURLWithPath: fifo + ".read2")) == Data(contentsOf: URL(fileURLWithPath: out)))
        // -o /dev/stdout (or a link to a descriptor) writes to that descriptor as it is: a
        // redirection that appends keeps what it held.
        let appended = t.sub("appended")
        try "first\n".write(toFile: appended, atomically: false, encoding: .utf8)
        let viaStdout = try shell("HOSO_ARCHIVE='\(archive)' '\(Hoso.binary)' object get '\(names[1])' -o /dev/stdout >> '\(appended)'")
        #expect(viaStdout.status == 0, "\(viaStdout.output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: appended)) == Data("first\n".utf8) + Data(contentsOf: URL(fileURLWithPath: out)))
        let dangling = t.sub("dangling")
        #expect(symlink(t.sub("nowhere/at/all"), dangling) == 0)
        let nowhere = try Hoso.run(["object", "get", names[1], "-o", dangling], environment: ["HOSO_ARCHIVE": archive])
        #expect(nowhere.status == 3 && nowhere.stderr.contains("leads to nothing"), "\(nowhere.stderr)")
        let folderOut = try Hoso.run(["object", "get", names[1], "-o", t.path], environment: ["HOSO_ARCHIVE": archive])
        #expect(folderOut.status != 0 && folderOut.stderr.contains("Is a directory"), "\(folderOut.stderr)")
        #expect(try shell("sha256sum '\(out)'").output.hasPrefix(names[1]))
        // A damaged object reaches no pipe: it is verified before the first byte is written.
        let damaged = archive + "/objects/" + names[1].prefix(2) + "/" + names[1].dropFirst(2)
        #expect(chmod(damaged, 0o644) == 0)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: damaged)))
        bytes[bytes.count - 1] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: damaged))
        let refused = try shell("timeout 20 cat '\(fifo)' > '\(fifo).read3' & r=$!; HOSO_ARCHIVE='\(archive)' '\(Hoso.binary)' object get '\(names[1])' -o '\(fifo)' 2>/dev/null; s=$?; wait $r; echo $s")
        #expect(refused.output.trimmingCharacters(in: .whitespacesAndNewlines) != "0")
        #expect(try Data(contentsOf: URL(fileURLWithPath: fifo + ".read3")).isEmpty, "nothing of the damaged object")
    }

    @Test func damageIsReportedAndExitsOne() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let file = try t.write("f.bin", Array(repeating: 7, count: 100_000))
        let name = try Hoso.run(["object", "put", file], environment: ["HOSO_ARCHIVE": archive]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let obj = archive + "/objects/" + name.prefix(2) + "/" + name.dropFirst(2)
        _ = try shell("chmod u+w '\(obj)' && printf 'x' >> '\(obj)'")
        let check = try Hoso.run(["object", "check", "--json"], environment: ["HOSO_ARCHIVE": archive])
        #expect(check.status == 1)
        let findings = try jsonObject(check.stdout)["findings"] as? [[String: Any]] ?? []
        #expect(findings.map { $0["code"] as? String } == ["E505"])
        let get = try Hoso.run(["object", "get", name], environment: ["HOSO_ARCHIVE": archive])
        #expect(get.status == 1)
        #expect(get.stdoutBytes.isEmpty, "a damaged object must not reach standard output")
        #expect(get.stderr.contains("E505"))
        // The expected list finds a deleted object.
        _ = try shell("rm -f '\(obj)'")
        let list = try t.write("expect.txt", name + "\n")
        let missing = try Hoso.run(["object", "check", "--json", "--expect", list], environment: ["HOSO_ARCHIVE": archive])
        #expect(missing.status == 1)
        #expect((try jsonObject(missing.stdout)["findings"] as? [[String: Any]] ?? []).map { $0["code"] as? String } == ["E501"])

        // A FIFO in place of an object is refused at once, not waited on.
        #expect(mkfifo(obj, 0o644) == 0)
        for args in [["object", "get", name], ["object", "info", name]] {
            let r = try Hoso.run(args, environment: ["HOSO_ARCHIVE": archive], timeout: 20)
            #expect(r.status == 1 && r.stderr.contains("E508"), "\(args[1]): \(r.stderr)")
        }
    }

    /// An s3:// location without an endpoint is a mistake on the command line (exit 2, saying
    /// what to give), not a store that failed to answer.
    @Test func anS3LocationNeedsAnEndpoint() throws {
        let t = TemporaryFolder()
        let env = ["HOSO_S3_ENDPOINT": "", "AWS_ENDPOINT_URL": ""]
        let bare = try Hoso.run(["init", "--archive", t.sub("a"), "--store", "s3://bucket/prefix"], environment: env)
        #expect(bare.status == 2 && bare.stderr.contains("--endpoint") && !FileManager.default.fileExists(atPath: t.sub("a")), "\(bare.stderr)")
        let wrong = try Hoso.run(["init", "--archive", t.sub("a"), "--store", "s3://bucket/prefix", "--endpoint", "ftp://host"], environment: env)
        #expect(wrong.status == 2 && wrong.stderr.contains("ftp://host"), "\(wrong.stderr)")
    }

    @Test func refusesAFolderThatIsNotAnArchive() throws {
        let t = TemporaryFolder()
        let r = try Hoso.run(["object", "check", "--archive", t.path])
        #expect(r.status == 3)
        #expect(r.stderr.contains("E401"))
        try t.write("hoso-archive.json", "{\"format\":\"hoso-archive\",\"version\":99}")
        let v = try Hoso.run(["object", "check", "--archive", t.path])
        #expect(v.status == 3)
        #expect(v.stderr.contains("E402"))

        // An archive whose description is damaged is told so, with a way to restore it.
        let archive = try makeArchive(t, "damaged")
        let config = archive + "/hoso-archive.json"
        let good = try String(contentsOfFile: config, encoding: .utf8)
        try "{ not json".write(toFile: config, atomically: false, encoding: .utf8)
        let garbled = try Hoso.run(["object", "check", "--archive", archive])
        #expect(garbled.status == 3 && garbled.stderr.contains("damaged") && garbled.stderr.contains("hoso init"), "\(garbled.stderr)")
        try good.replacingOccurrences(of: "\"level\":1", with: "\"level\":99").replacingOccurrences(of: "\"level\" : 1", with: "\"level\" : 99")
            .write(toFile: config, atomically: false, encoding: .utf8)
        if try String(contentsOfFile: config, encoding: .utf8) != good {
            #expect(try Hoso.run(["object", "check", "--archive", archive]).stderr.contains("out of range"))
        }
    }

    /// Kills writers with SIGKILL at random moments, many times: afterwards no object is torn and
    /// every object's name is its content's hash; only temp files may be left, reported as such.
    /// Separate processes writing the same objects at the same moment all succeed, print the same
    /// names, and leave one intact file per object.
    @Test func concurrentProcessesWritingTheSameObjects() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        var files: [String] = []
        for i in 0..<3 {
            files.append(try t.write("same\(i).bin", (0..<(4 << 20)).map { j in UInt8(truncatingIfNeeded: (j &* (i + 7)) >> (i + 3)) }))
        }
        let quoted = files.map { "'\($0)'" }.joined(separator: " ")
        let script = (1...6).map { "HOSO_ARCHIVE='\(archive)' '\(Hoso.binary)' object put \(quoted) > '\(t.sub("out\($0)"))' 2>&1; echo $? > '\(t.sub("rc\($0)"))' &" }
            .joined(separator: "\n") + "\nwait"
        #expect(try shell(script).status == 0)
        var outputs = Set<String>()
        for n in 1...6 {
            let out = try String(contentsOfFile: t.sub("out\(n)"), encoding: .utf8)
            #expect(try String(contentsOfFile: t.sub("rc\(n)"), encoding: .utf8) == "0\n", "\(out)")
            outputs.insert(out)
        }
        #expect(outputs.count == 1, "every writer names the same objects")
        let objects = try shell("find '\(archive)/objects' -type f | wc -l").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(objects == "3")
        let check = try Hoso.run(["object", "check", "--json"], environment: ["HOSO_ARCHIVE": archive])
        #expect(check.status == 0)
        #expect(try jsonObject(check.stdout)["errors"] as? Int == 0)
    }

    @Test func killedWritersLeaveNoTornObject() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        var files: [String] = []
        for i in 0..<4 {
            // Half compressible, half not; a few MiB each so a kill lands inside a write.
            let bytes = (0..<(3 << 20)).map { j in i % 2 == 0 ? UInt8(truncatingIfNeeded: (j * 7919) >> 9) : UInt8(truncatingIfNeeded: (j &* 2654435761) >> 13 ^ i) }
            files.append(try t.write("big\(i).bin", bytes))
        }
        var rng = SystemRandomNumberGenerator()
        for round in 0..<40 {
            // A fresh file each round, so there is always something new to write.
            let fresh = try t.write("round\(round).bin", (0..<(2 << 20)).map { UInt8(truncatingIfNeeded: $0 &* (round + 3)) })
            let p = try Hoso.start(["object", "put", fresh] + files.shuffled(using: &rng), environment: ["HOSO_ARCHIVE": archive])
            usleep(UInt32.random(in: 0...150_000, using: &rng))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        let check = try Hoso.run(["object", "check", "--json"], environment: ["HOSO_ARCHIVE": archive], timeout: 600)
        let report = try jsonObject(check.stdout)
        let codes = Set((report["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String })
        #expect(codes.isSubset(of: ["W510"]), "\(codes)")
        #expect(report["errors"] as? Int == 0)
        #expect(check.status == 0)
    }
}

@Suite struct ReplicaRepairTests {
    /// A damaged copy in a replica is replaced with `--repair`; an archive's damaged or missing
    /// objects are restored from a replica with `--from`.
    @Test func damagedCopiesAreReplacedAndTheArchiveRestored() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        #expect(try Hoso.run(["ingest", "--archive", archive, try sampleBatch(t, count: 3)]).status == 0)
        let replica = t.sub("replica")
        #expect(try Hoso.run(["replicate", "--archive", archive, "--to", replica]).status == 0)
        // The archive itself, however named (relative paths included), is no replica.
        for itself in [archive + "/.", archive + "/objects/", "./archive", "archive/objects/."] {
            #expect(try Hoso.run(["replicate", "--archive", "archive", "--to", itself], cwd: t.path).status == 2, "\(itself)")
            #expect(try Hoso.run(["verify", "--archive", "archive", "--store", itself], cwd: t.path).status == 2, "\(itself)")
        }
        func objects(_ root: String) throws -> [String] {
            try shell("find '\(root)' -type f -path '*/objects/*' -o -type f -path '\(root)/[0-9a-f][0-9a-f]/*' | sort").output
                .split(separator: "\n").map(String.init)
        }
        func damage(_ path: String) throws { _ = try shell("chmod u+w '\(path)' && printf 'x' >> '\(path)'") }

        let inReplica = try objects(replica)
        try damage(inReplica[0])
        #expect(try Hoso.run(["verify", "--archive", archive, "--store", replica]).status == 1)
        let plain = try jsonObject(try Hoso.run(["replicate", "--json", "--archive", archive, "--to", replica]).stdout)
        #expect(plain["repaired"] as? Int == 0, "without --repair a copy present is trusted")
        let fixed = try jsonObject(try Hoso.run(["replicate", "--json", "--repair", "--archive", archive, "--to", replica]).stdout)
        #expect(fixed["repaired"] as? Int == 1 && fixed["copied"] as? Int == 1)
        let replicaCheck = try Hoso.run(["verify", "--archive", archive, "--store", replica])
        #expect(replicaCheck.status == 0 && !replicaCheck.stdout.contains("recorded as audit run"))
        // Checking a replica says nothing of the archive's own objects: coverage stays at none.
        let coverage = try jsonObject(try Hoso.run(["verify", "--coverage", "--json", "--window", "1d", "--archive", archive]).stdout)
        #expect(coverage["neverVerified"] as? Int == coverage["objects"] as? Int, "\(coverage)")

        let own = try objects(archive + "/objects")
        try damage(own[1])
        _ = try shell("rm -f '\(own[2])'")
        #expect(try Hoso.run(["verify", "--archive", archive, "--no-record"]).status == 1)
        let restored = try Hoso.run(["replicate", "--json", "--repair", "--archive", archive, "--from", replica])
        #expect(restored.status == 0, "\(restored.stderr)")
        let r = try jsonObject(restored.stdout)
        #expect(r["repaired"] as? Int == 1 && r["copied"] as? Int == 2)
        #expect(try Hoso.run(["verify", "--archive", archive, "--no-record"]).status == 0)
        #expect(try Hoso.run(["replicate", "--archive", archive]).status == 2, "one of --to and --from")
    }

    /// An object the archive needs that the store copied from lacks is named, never counted as
    /// fine: missing from both stores (E501), from the archive's store only (E501, the replica
    /// can give it back), or, restoring, from the replica only (W515, the replica is incomplete).
    @Test func replicationNamesObjectsTheSourceLacks() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let batch = try sampleBatch(t, count: 2)
        #expect(try Hoso.run(["ingest", "--archive", archive, batch]).status == 0)
        let folder = t.sub("replica")
        #expect(try Hoso.run(["replicate", "--archive", archive, "--to", folder]).status == 0)
        let number = try FileManager.default.contentsOfDirectory(atPath: batch).sorted()[0]
        let shown = try jsonObject(try Hoso.run(["show", "--json", "--archive", archive, number]).stdout)
        let scan = ((shown["components"] as? [[String: Any]])?.first?["object"] as? String ?? "").replacingOccurrences(of: "sha256:", with: "")
        try #require(scan.count == 64, "\(shown)")
        let inArchive = archive + "/objects/" + scan.prefix(2) + "/" + scan.dropFirst(2), inReplica = folder + "/" + scan.prefix(2) + "/" + scan.dropFirst(2)
        func replicate(_ args: [String]) throws -> (status: Int32, findings: [[String: Any]]) {
            let r = try Hoso.run(["replicate", "--json", "--archive", archive] + args)
            return (r.status, try jsonObject(r.stdout)["findings"] as? [[String: Any]] ?? [])
        }
        func names(_ f: [[String: Any]], _ code: String) -> Bool {
            f.count == 1 && f[0]["code"] as? String == code && (f[0]["message"] as? String ?? "").contains("used by \(number)")
        }
        // Restoring from a replica that lacks it, while the archive has it.
        let kept = t.sub("kept-object")
        try FileManager.default.copyItem(atPath: inReplica, toPath: kept)
        try FileManager.default.removeItem(atPath: inReplica)
        var r = try replicate(["--from", folder])
        #expect(r.status == 1 && names(r.findings, "W515"), "\(r.findings)")
        // Gone from both: neither a restore nor a new replica is complete.
        try FileManager.default.removeItem(atPath: inArchive)
        r = try replicate(["--from", folder, "--repair"])
        #expect(r.status == 1 && names(r.findings, "E501"), "\(r.findings)")
        r = try replicate(["--to", t.sub("second")])
        #expect(r.status == 1 && names(r.findings, "E501"), "\(r.findings)")
        // Gone from the archive only: the replica that has it is named, and gives it back.
        try FileManager.default.copyItem(atPath: kept, toPath: inReplica)
        r = try replicate(["--to", folder])
        #expect(r.status == 1 && names(r.findings, "E501") && (r.findings.first?["advice"] as? String ?? "").contains("--from \(folder)"), "\(r.findings)")
        #expect(try replicate(["--from", folder]).status == 0)
        #expect(try Hoso.run(["verify", "--archive", archive, "--no-record"]).status == 0)
        // A new host from the folder replica: a fresh archive takes its objects and head, and
        // has its catalog and index at once (verify, which builds neither, finds them).
        let host = try makeArchive(t, "new-host")
        let adopted = try Hoso.run(["replicate", "--archive", host, "--from", folder])
        #expect(adopted.status == 0 && adopted.stdout.contains("is now a copy of the replica's"), "\(adopted.stdout)")
        let checked = try Hoso.run(["verify", "--archive", host])
        #expect(checked.status == 0 && checked.stdout.contains("no errors"), "\(checked.stdout)")
        #expect(try Hoso.run(["show", "--archive", host, number]).status == 0)
        // A replica missing a manifest is not adopted: the new host keeps no head, no catalog
        // rows on a ledger it cannot follow, and says why.
        let broken = t.sub("broken-replica")
        _ = try shell("cp -a '\(folder)' '\(broken)'")
        let manifest = (shown["manifest"] as? String ?? "").replacingOccurrences(of: "sha256:", with: "")
        try FileManager.default.removeItem(atPath: broken + "/" + manifest.prefix(2) + "/" + manifest.dropFirst(2))
        let other = try makeArchive(t, "other-host")
        let refused = try Hoso.run(["replicate", "--archive", other, "--from", broken])
        #expect(refused.status == 1 && refused.stdout.contains("not adopted"), "\(refused.stdout) \(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: other + "/ledger/HEAD"))
        #expect(try Hoso.run(["verify", "--no-record", "--archive", other]).status == 0, "an empty archive, as before")
    }

    /// The head is never moved back by a restore: not when the newest entry is lost (a replica
    /// made before it has an older head, which does not extend it), and a head put back to the
    /// replica's own, where the archive's records went further, is moved forward.
    @Test func aRestoreNeverMovesTheHeadBack() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        func head() throws -> String { try String(contentsOfFile: archive + "/ledger/HEAD", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(try Hoso.run(["ingest", "--checkpoint-dossiers", "2", "--archive", archive, try sampleBatch(t, count: 4, name: "one")]).status == 0)
        let older = try head()
        let replica = t.sub("replica")
        #expect(try Hoso.run(["replicate", "--archive", archive, "--to", replica]).status == 0)
        #expect(try Hoso.run(["ingest", "--archive", archive, try sampleBatch(t, count: 6, name: "two")]).status == 0)
        #expect(try Hoso.run(["verify", "--archive", archive]).status == 0)
        let newest = try head()
        #expect(newest != older)

        // Put back to the replica's head (an old copy of the file): the catalog, index and
        // audit log went further, so the head goes forward, though it equals the replica's.
        try (older + "\n").write(toFile: archive + "/ledger/HEAD", atomically: false, encoding: .utf8)
        let forward = try Hoso.run(["replicate", "--archive", archive, "--from", replica])
        let afterForward = try head()
        #expect(forward.stdout.contains("ledger/HEAD moved forward") && afterForward == newest, "\(forward.stdout) \(forward.stderr)")

        // A scan only the newer entry uses, damaged here: the replica lacks it, so it is in no
        // store intact; said so (not "the archive's own store still has it").
        let newer = try FileManager.default.contentsOfDirectory(atPath: t.sub("two")).sorted().last ?? ""
        let shown = try jsonObject(try Hoso.run(["show", "--json", "--archive", archive, newer]).stdout)
        let scan = ((shown["components"] as? [[String: Any]])?.first?["object"] as? String ?? "").replacingOccurrences(of: "sha256:", with: "")
        let scanPath = archive + "/objects/" + scan.prefix(2) + "/" + scan.dropFirst(2)
        _ = try shell("chmod u+w '\(scanPath)' && cp -p '\(scanPath)' '\(t.path)/scan.good' && truncate -s 100 '\(scanPath)'")
        let damaged = try Hoso.run(["replicate", "--json", "--archive", archive, "--from", replica, "--repair"])
        let about = ((try jsonObject(damaged.stdout))["findings"] as? [[String: Any]] ?? []).filter { $0["subject"] as? String == "sha256:" + scan }
        #expect(damaged.status == 1 && about.count == 1 && about.first?["code"] as? String == "E502"
                && (about.first?["message"] as? String ?? "").contains("not restored: the archive's copy"), "\(about) \(damaged.stdout.prefix(500))")
        _ = try shell("cp -p '\(t.path)/scan.good' '\(scanPath)'")

        // The newest entry lost: the replica's older head does not extend it, and is not taken.
        let id = newest.dropFirst("sha256:".count)
        let object = archive + "/objects/" + id.prefix(2) + "/" + id.dropFirst(2)
        #expect(unlink(object) == 0)
        for args in [["--repair"], ["--restore-head"], ["--repair", "--restore-head"]] {
            let r = try Hoso.run(["replicate", "--archive", archive, "--from", replica] + args)
            let after = try head()
            #expect(r.status == 1 && r.stdout.contains("names an entry that cannot be read") && !r.stdout.contains("moved forward")
                    && !r.stdout.contains("goes further") && after == newest, "\(args): \(r.stdout) \(r.stderr)")
        }
    }

    /// The same head on both sides is the same, though the last verify's head is behind it; and
    /// a HEAD file whose text was damaged (a digit changed) is given back, as an unreadable one.
    @Test func anIdenticalReplicaIsTheSameAndADamagedHeadFileIsGivenBack() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        #expect(try Hoso.run(["ingest", "--archive", archive, try sampleBatch(t, count: 2, name: "one")]).status == 0)
        #expect(try Hoso.run(["verify", "--archive", archive]).status == 0)
        #expect(try Hoso.run(["ingest", "--archive", archive, try sampleBatch(t, count: 4, name: "two")]).status == 0)
        let replica = t.sub("replica")
        #expect(try Hoso.run(["replicate", "--archive", archive, "--to", replica]).status == 0)
        let same = try Hoso.run(["replicate", "--archive", archive, "--from", replica])
        #expect(same.status == 0 && !same.stdout.contains("behind") && !same.stdout.contains("apart"), "\(same.stdout)")
        let headPath = archive + "/ledger/HEAD"
        let head = try String(contentsOfFile: headPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let last = head.last == "0" ? "1" : "0"
        try (String(head.dropLast()) + last + "\n").write(toFile: headPath, atomically: false, encoding: .utf8)
        let back = try Hoso.run(["replicate", "--archive", archive, "--from", replica, "--restore-head"])
        let now = try String(contentsOfFile: headPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(now == head, "\(back.stdout) \(back.stderr)")
    }

    /// A replica on a disk keeps the ledger head, so that a head lost or moved back can be given
    /// back by `replicate --from`; it is only ever moved forward along the archive's ledger.
    @Test func replicasOnDiskKeepTheLedgerHeadAndGiveItBack() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let batch = try sampleBatch(t, count: 6)
        #expect(try Hoso.run(["ingest", "--checkpoint-dossiers", "2", "--archive", archive, batch]).status == 0)
        func head(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
        /// Runs replicate with `args`; checks its exit status, that it says `saying`, and what
        /// the head file at `path` holds after it.
        func replicate(_ args: [String], status: Int32, saying: String, head path: String, is expected: String) throws {
            let r = try Hoso.run(["replicate", "--archive", archive] + args)
            #expect(r.status == status && r.stdout.contains(saying), "\(args): \(r.stdout) \(r.stderr)")
            #expect(try head(path) == expected, "\(args): the head at \(path)")
        }
        let newest = try head(archive + "/ledger/HEAD")
        let folder = t.sub("replica"), standby = try makeArchive(t, "standby")
        for (destination, kept) in [(folder, folder + "/HEAD"), (standby, standby + "/ledger/HEAD")] {
            try replicate(["--to", destination], status: 0, saying: "ledger head \(newest) kept at \(kept)", head: kept, is: newest)
        }
        // The kept head is no stray object, and an archive folder replica is an archive that answers.
        #expect(try Hoso.run(["verify", "--archive", archive, "--store", folder]).status == 0)
        // A kept head that names nothing is reported by a check of the replica, and replaced.
        try "garbage\n".write(toFile: folder + "/HEAD", atomically: false, encoding: .utf8)
        #expect(try Hoso.run(["verify", "--archive", archive, "--store", folder]).stdout.contains("W608"))
        try replicate(["--to", folder], status: 0, saying: "kept at", head: folder + "/HEAD", is: newest)
        let stats = try jsonObject(try Hoso.run(["stats", "--json", "--archive", standby]).stdout)
        #expect(((stats["overall"] as? [[String: Any]])?.first?["total"] as? Int) == 6, "\(stats)")

        // ledger/HEAD moved back to the first entry (an old backup of the file): the newer
        // entries are off the ledger until the replica gives the head back.
        let entries = try jsonObject(try Hoso.run(["show", "--json", "--archive", archive, try FileManager.default.contentsOfDirectory(atPath: batch).sorted()[0]]).stdout)
        let first = (entries["ledgerEntry"] as? [String: Any])?["id"] as? String ?? ""
        #expect(first.hasPrefix("sha256:") && first != newest, "\(entries)")
        try (first + "\n").write(toFile: archive + "/ledger/HEAD", atomically: false, encoding: .utf8)
        #expect(try Hoso.run(["verify", "--archive", archive, "--no-record"]).status == 1)
        let back = try Hoso.run(["replicate", "--archive", archive, "--from", folder])
        #expect(back.status == 0 && back.stdout.contains("ledger/HEAD moved forward") && back.stdout.contains("recorded as audit run"), "\(back.stdout)")
        #expect(try head(archive + "/ledger/HEAD") == newest)
        #expect(try Hoso.run(["verify", "--archive", archive, "--no-record"]).status == 0)
        // Lost altogether: written back.
        try FileManager.default.removeItem(atPath: archive + "/ledger/HEAD")
        let lost = try Hoso.run(["replicate", "--json", "--archive", archive, "--from", standby])
        let restoreNote = try jsonObject(lost.stdout)["headRestore"] as? String
        #expect(lost.status == 0 && restoreNote?.contains("restored from the replica") == true, "\(lost.stdout)")
        #expect(try head(archive + "/ledger/HEAD") == newest)

        // A replica behind the archive is left behind (and brought up with --to); a head of
        // another archive's ledger is never replaced nor taken.
        try (first + "\n").write(toFile: folder + "/HEAD", atomically: false, encoding: .utf8)
        try replicate(["--from", folder], status: 0, saying: "behind this archive's", head: archive + "/ledger/HEAD", is: newest)
        let other = try makeArchive(t, "other")
        #expect(try Hoso.run(["ingest", "--archive", other, try sampleBatch(t, count: 1, name: "other-batch")]).status == 0)
        let otherHead = try head(other + "/ledger/HEAD")
        try replicate(["--to", other], status: 1, saying: "W608", head: other + "/ledger/HEAD", is: otherHead)
        try replicate(["--from", other], status: 1, saying: "went apart", head: archive + "/ledger/HEAD", is: newest)

        // Lost, with a replica that is behind: the archive's own catalog went further, and that
        // head is written, never the replica's older one.
        try FileManager.default.removeItem(atPath: archive + "/ledger/HEAD")
        try replicate(["--from", folder], status: 0, saying: "restored from the archive's own", head: archive + "/ledger/HEAD", is: newest)

        // A rollback made on purpose (rebuild --discard-newer): a replica that goes further is
        // neither overwritten nor taken back, unless asked.
        try (first + "\n").write(toFile: archive + "/ledger/HEAD", atomically: false, encoding: .utf8)
        #expect(try Hoso.run(["rebuild", "--discard-newer", "--archive", archive]).status == 0)
        try (newest + "\n").write(toFile: folder + "/HEAD", atomically: false, encoding: .utf8)
        try replicate(["--to", folder], status: 1, saying: "goes further than this archive's ledger", head: folder + "/HEAD", is: newest)
        try replicate(["--from", folder], status: 0, saying: "--restore-head moves it forward", head: archive + "/ledger/HEAD", is: first)
        try replicate(["--from", folder, "--restore-head"], status: 0, saying: "moved forward", head: archive + "/ledger/HEAD", is: newest)

        // Nothing names a head: not the replica (made before replicas kept one), nor the
        // catalog, index or audit log. Said, and nothing written.
        for gone in ["/ledger/HEAD", "/catalog.sqlite", "/catalog.sqlite-wal", "/catalog.sqlite-shm", "/index/manifest.json", "/audit"] {
            try? FileManager.default.removeItem(atPath: archive + gone)
        }
        try FileManager.default.removeItem(atPath: folder + "/HEAD")
        let none = try Hoso.run(["replicate", "--archive", archive, "--from", folder])
        #expect(none.status == 1 && none.stdout.contains("E601") && !FileManager.default.fileExists(atPath: archive + "/ledger/HEAD"), "\(none.stdout)")
    }
}
