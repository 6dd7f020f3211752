import Foundation
import Testing
import HosoTestSupport
@testable import HosoS3
import HosoStore
import HosoCore

/// The S3 service the tests use: `Scripts/test.sh` starts a local Ceph cluster and exports these.
enum S3Env {
    static let env = ProcessInfo.processInfo.environment
    static var endpoint: String { env["HOSO_S3_ENDPOINT"] ?? "" }
    static var available: Bool {
        !endpoint.isEmpty && !(env["AWS_ACCESS_KEY_ID"] ?? "").isEmpty && !(env["AWS_SECRET_ACCESS_KEY"] ?? "").isEmpty
    }
    static let bucket = "hoso-tests"

    /// A client on a new prefix of the test bucket.
    static func client(_ prefix: String = "t-" + SystemFile.randomSuffix()) throws -> S3Client {
        let location = S3Location(url: "s3://\(bucket)/\(prefix)", endpoint: URL(string: endpoint)!)!
        let c = S3Client(location: location, credentials: S3Credentials.fromEnvironment()!, attempts: 3, baseDelay: 0.1)
        if try !c.bucketExists() { try c.createBucket() }
        return c
    }

    /// Deletes every key under a client's prefix.
    static func clear(_ c: S3Client) {
        var token: String?
        repeat {
            guard let page = try? c.list(prefix: c.location.prefix, continuation: token) else { return }
            for (k, _) in page.keys { try? c.delete(k) }
            token = page.next
        } while token != nil
        for u in (try? c.pendingUploads(prefix: c.location.prefix)) ?? [] { try? c.abortMultipart(u.key, uploadID: u.uploadID) }
    }

    static func scripts(_ name: String) -> String { Repository.path("Scripts/" + name) }
}

/// Against a real S3 service (a local single-node Ceph cluster in CI). Serialized: one test
/// stops the service in the middle of an ingest.
@Suite(.serialized, .enabled(if: S3Env.available, "needs HOSO_S3_ENDPOINT and AWS credentials: run Scripts/test.sh"))
struct S3Tests {
    func random(_ n: Int) -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        var out = [UInt8](repeating: 0, count: n)
        out.withUnsafeMutableBytes { b in
            var i = 0
            while i + 8 <= n { b.storeBytes(of: g.next(), toByteOffset: i, as: UInt64.self); i += 8 }
            while i < n { b[i] = UInt8.random(in: 0...255, using: &g); i += 1 }
        }
        return out
    }

    func text(_ n: Int) -> [UInt8] {
        let line = Array("Hồ sơ đăng ký khai sinh, UBND phường 1, thị xã Quảng Trị. ".utf8)
        return (0..<n).map { line[$0 % line.count] }
    }

    @Test func roundTripsOfAllSizesMultipartAndDedup() throws {
        let c = try S3Env.client()
        defer { S3Env.clear(c) }
        let t = TemporaryFolder()
        let store = try S3ObjectStore(client: c, policy: CompressionPolicy(), spool: t.sub("spool"))
        let cases: [[UInt8]] = [[], [7], random(39), random(40), text(4096), text(1 << 20), random(3 << 20),
                                random(S3ObjectStore.singlePutLimit + 1), text(20 << 20)]
        var ids: [ObjectID] = []
        for bytes in cases {
            let put = try store.put(bytes: bytes, expected: nil)
            #expect(!put.existed)
            #expect(put.id == ObjectID.hashing(bytes))
            var back: [UInt8] = []
            let info = try store.get(put.id) { back.append(contentsOf: $0) }
            #expect(back == bytes, "size \(bytes.count)")
            #expect(info.storedSize == put.storedSize)
            #expect(try store.storedSize(put.id) == put.storedSize)
            #expect(try store.header(put.id).originalLength == UInt64(bytes.count))
            // Deduplicated: the same content again is not uploaded.
            let again = try store.put(bytes: bytes, expected: put.id)
            #expect(again.existed)
            ids.append(put.id)
        }
        // The 8 MiB + 1 random object went up in parts (S3 names a multipart object's ETag
        // "…-parts"); the 20 MiB text compressed below the limit, in one PUT.
        #expect(try store.storedSize(ids[7])! > UInt64(S3ObjectStore.singlePutLimit))
        #expect(try c.head(store.key(of: ids[7]))?.etag.hasSuffix("-2\"") == true)
        #expect(try c.head(store.key(of: ids[6]))?.etag.contains("-") == false)
        #expect(try store.storedSize(ids[8])! < UInt64(1 << 20))
        // A wrong expected name stores nothing.
        #expect(throws: ObjectFault.self) { try store.put(bytes: random(100), expected: ids[4]) }
        // Staged puts: invisible until commit, deduplicated within the area.
        let staging = store.makeStagingArea()
        let fresh = random(5000)
        let a = try store.put(bytes: fresh, expected: nil, staging: staging)
        let b = try store.put(bytes: fresh, expected: nil, staging: staging)
        #expect(!a.existed && b.existed)
        #expect(try !store.contains(a.id))
        #expect(try staging.commit(keeping: nil) == 1)
        #expect(try store.contains(a.id))
        // Listing finds every object, under its name.
        var listed = Set<ObjectID>()
        try store.list { for e in $0 { if case let .object(id, _, _) = e { listed.insert(id) } } }
        #expect(listed == Set(ids + [a.id]))
        // The checker over S3 is clean.
        let report = try StoreChecker(store: store).run(expected: ObjectIDList())
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.objects == ids.count + 1)
    }

    /// An archive on S3, ingested from sample dossiers.
    func s3Archive(_ t: TemporaryFolder, _ c: S3Client, count: Int = 6, name: String = "archive") throws -> String {
        let archive = t.sub(name)
        let r = try Hoso.run(["init", "--archive", archive, "--store", c.location.url, "--endpoint", S3Env.endpoint])
        #expect(r.status == 0, "\(r.stderr)")
        let batch = try sampleBatch(t, count: count, name: "batch-" + name)
        let ingest = try Hoso.run(["ingest", "--archive", archive, batch])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return archive
    }

    func findingCodes(_ stdout: String) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for f in try jsonObject(stdout)["findings"] as? [[String: Any]] ?? [] {
            out[f["code"] as? String ?? "?", default: []].append(f["subject"] as? String ?? "")
        }
        return out
    }

    @Test func verifyFindsDamageMadeThroughS3() throws {
        let c = try S3Env.client()
        defer { S3Env.clear(c) }
        let t = TemporaryFolder()
        let archive = try s3Archive(t, c)
        let clean = try Hoso.run(["verify", "--archive", archive, "--json"])
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        // Readers make nothing in the archive folder: the spool is made by the first upload (a
        // user who may not write there failed, or left a folder its owner could not write into).
        _ = try shell("rm -rf '\(archive)/spool'")
        for args in [["stats"], ["search", "khai"], ["show", try FileManager.default.contentsOfDirectory(atPath: t.sub("batch-archive")).sorted()[0]],
                     ["verify", "--quick", "--no-record"]] {
            let r = try Hoso.run(args + ["--archive", archive])
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: archive + "/spool"))
        let scans = try shell("sqlite3 -readonly '\(archive)/catalog.sqlite' \"SELECT id FROM objects WHERE kind = 'scan' ORDER BY id LIMIT 3\"").output
            .split(separator: "\n").map { ObjectID(hex: $0)! }
        try #require(scans.count == 3)
        let store = try S3ObjectStore(client: c, policy: CompressionPolicy(), spool: t.sub("spool"))
        // Overwritten with another object's bytes, deleted, truncated: all behind hoso's back.
        let other = try #require(try c.get(store.key(of: scans[1]), from: 0, count: 1 << 24))
        try c.put(store.key(of: scans[0]), body: other.body, contentMD5: S3ObjectStore.md5(other.body))
        try c.delete(store.key(of: scans[1]))
        let whole = try #require(try c.get(store.key(of: scans[2]), from: 0, count: 1 << 24))
        let cut = whole.body.prefix(whole.body.count / 2)
        try c.put(store.key(of: scans[2]), body: Data(cut), contentMD5: S3ObjectStore.md5(Data(cut)))

        let r = try Hoso.run(["verify", "--archive", archive, "--json"])
        #expect(r.status == 1)
        let codes = try findingCodes(r.stdout)
        #expect(codes["E503"] == [scans[0].prefixed], "\(codes)")
        #expect(codes["E501"] == [scans[1].prefixed], "\(codes)")
        #expect(codes["E502"] == [scans[2].prefixed], "\(codes)")
        // The quick level finds the missing and the truncated ones from sizes and headers alone.
        let quick = try findingCodes(try Hoso.run(["verify", "--archive", archive, "--quick", "--json"]).stdout)
        #expect(quick["E501"] == [scans[1].prefixed] && quick["E502"] == [scans[2].prefixed], "\(quick)")
    }

    /// A dossier folder with one scan of `bytes` random bytes.
    func bigDossier(_ t: TemporaryFolder, batch: String, index: Int, bytes: Int) throws -> String {
        var x = DossierXML()
        x.number = String(format: "000.00.21.H50-230512-%04d", 100 + index)
        x.components = [(id: "c1", role: "result", file: "scan.pdf", size: bytes, pages: 1, sha256: nil)]
        let folder = t.sub(batch + "/d\(index)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let r = try shell("head -c \(bytes) /dev/urandom > '\(folder)/scan.pdf'")
        try #require(r.status == 0)
        try x.text.write(toFile: folder + "/dossier.xml", atomically: false, encoding: .utf8)
        return folder
    }

    func waitForPendingUpload(_ c: S3Client, _ process: Process, seconds: Double = 90) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && process.isRunning {
            if let u = try? c.pendingUploads(prefix: c.location.prefix), !u.isEmpty { return true }
            usleep(20_000)
        }
        return false
    }

    @Test func killedUploadLeavesNoObjectAndRerunCompletes() throws {
        let c = try S3Env.client()
        defer { S3Env.clear(c) }
        let t = TemporaryFolder()
        let archive = t.sub("archive")
        #expect(try Hoso.run(["init", "--archive", archive, "--store", c.location.url, "--endpoint", S3Env.endpoint]).status == 0)
        _ = try bigDossier(t, batch: "batch", index: 1, bytes: 48 << 20)
        let p = try Hoso.start(["ingest", "--archive", archive, t.sub("batch")])
        let caught = waitForPendingUpload(c, p)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        try #require(caught, "the ingest never began a multipart upload")
        // Nothing is visible: no object under the scan's name, nothing committed.
        var objects = 0
        var token: String?
        repeat { let page = try c.list(prefix: c.key("objects/"), continuation: token); objects += page.keys.count; token = page.next } while token != nil
        let sizes = try shell("find '\(t.sub("batch"))' -name scan.pdf -exec sha256sum {} +").output
        let scanID = try #require(ObjectID(hex: String(sizes.prefix(64))))
        let store = try S3ObjectStore(client: c, policy: CompressionPolicy(), spool: t.sub("spool"))
        #expect(try store.storedSize(scanID) == nil, "a partial upload must not be visible")
        #expect(!FileManager.default.fileExists(atPath: archive + "/ledger/HEAD"))
        // The checker lists the unfinished upload as a writer's leftover.
        let check = try Hoso.run(["verify", "--archive", archive, "--json"])
        #expect(try findingCodes(check.stdout)["W510"] != nil, "\(check.stdout)")

        let rerun = try Hoso.run(["ingest", "--archive", archive, t.sub("batch")], timeout: 300)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try c.pendingUploads(prefix: c.location.prefix).isEmpty, "the rerun aborts the unfinished upload")
        #expect(try store.storedSize(scanID) != nil)
        let verify = try Hoso.run(["verify", "--archive", archive, "--json"])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(try findingCodes(verify.stdout).isEmpty, "\(verify.stdout)")
    }

    @Test func serverStoppedMidIngestCommitsNothingUnstoredAndRerunCompletes() throws {
        let c = try S3Env.client()
        defer { S3Env.clear(c) }
        let t = TemporaryFolder()
        let archive = t.sub("archive")
        #expect(try Hoso.run(["init", "--archive", archive, "--store", c.location.url, "--endpoint", S3Env.endpoint]).status == 0)
        for i in 1...4 { _ = try bigDossier(t, batch: "batch", index: i, bytes: 24 << 20) }
        let errPath = t.sub("ingest.err")
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let p = try Hoso.start(["ingest", "--archive", archive, t.sub("batch")], environment: ["HOSO_S3_ATTEMPTS": "3"],
                               stderr: FileHandle(forWritingAtPath: errPath)!)
        let caught = waitForPendingUpload(c, p)
        let stop = try shell("'\(S3Env.scripts("stop-ceph.sh"))' --only-rgw 2>&1")
        var restarted = false
        defer { if !restarted { _ = try? shell("'\(S3Env.scripts("start-ceph.sh"))' >/dev/null 2>&1") } }
        #expect(stop.status == 0, "\(stop.output)")
        p.waitUntilExit()
        try #require(caught, "the ingest never began an upload")
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        #expect(p.terminationStatus == 3, "\(stderr)")
        #expect(stderr.contains("E514"), "\(stderr)")
        #expect(!FileManager.default.fileExists(atPath: archive + "/ledger/HEAD"), "nothing may be committed whose objects are not stored")

        let start = try shell("'\(S3Env.scripts("start-ceph.sh"))' >/dev/null 2>&1")
        restarted = true
        try #require(start.status == 0)
        let rerun = try Hoso.run(["ingest", "--archive", archive, "--json", t.sub("batch")], timeout: 300)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(states(try jsonObject(rerun.stdout)) == ["archived": 4])
        let verify = try Hoso.run(["verify", "--archive", archive, "--json"])
        #expect(verify.status == 0, "\(verify.stdout)")
    }

    @Test func credentialsStayOutOfTheArchiveAndBadOnesAreRefused() throws {
        let c = try S3Env.client()
        defer { S3Env.clear(c) }
        let t = TemporaryFolder()
        let archive = try s3Archive(t, c, count: 2)
        let secret = S3Env.env["AWS_SECRET_ACCESS_KEY"]!, key = S3Env.env["AWS_ACCESS_KEY_ID"]!
        let grep = try shell("grep -rlF -e '\(secret)' -e '\(key)' '\(archive)' || true")
        #expect(grep.output.isEmpty, "credentials written into: \(grep.output)")
        // A wrong secret: refused with E513, not retried as if the service were down.
        let r = try Hoso.run(["verify", "--archive", archive], environment: ["AWS_SECRET_ACCESS_KEY": "wrong" + secret])
        #expect(r.status != 0)
        #expect((r.stdout + r.stderr).contains("E513"), "\(r.stdout)\(r.stderr)")
        #expect(!r.stderr.contains("retrying"))
        // No credentials at all: said so, with what to set.
        let none = try Hoso.run(["stats", "--archive", archive], environment: ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""])
        #expect(none.status == 3 && none.stderr.contains("AWS_ACCESS_KEY_ID"), "\(none.stderr)")
    }

    @Test func rebuildFromTheBucketOnANewHost() throws {
        let c = try S3Env.client()
        defer { S3Env.clear(c) }
        let t = TemporaryFolder()
        let a = try s3Archive(t, c, count: 10)
        let b = t.sub("new-host")
        let r = try Hoso.run(["rebuild", "--archive", b, "--from", c.location.url, "--endpoint", S3Env.endpoint])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try String(contentsOfFile: b + "/ledger/HEAD", encoding: .utf8) == String(contentsOfFile: a + "/ledger/HEAD", encoding: .utf8))
        for q in ["khai sinh", "Quang Tri"] {
            let x = try jsonObject(try Hoso.run(["search", "--archive", a, "--json", q]).stdout)
            let y = try jsonObject(try Hoso.run(["search", "--archive", b, "--json", q]).stdout)
            #expect((x["total"] as? Int) == (y["total"] as? Int) && (x["total"] as? Int ?? 0) > 0, "\(q)")
        }
        #expect(try catalogContent(a) == catalogContent(b))
        let verify = try Hoso.run(["verify", "--archive", b, "--json"])
        #expect(verify.status == 0, "\(verify.stdout)")
        // A second attach to the same folder, or an init over an archive's prefix, is refused.
        #expect(try Hoso.run(["rebuild", "--archive", b, "--from", c.location.url, "--endpoint", S3Env.endpoint]).status == 3)
        #expect(try Hoso.run(["init", "--archive", t.sub("other"), "--store", c.location.url, "--endpoint", S3Env.endpoint]).status == 3)
    }

    @Test func replicateLocalToS3ToLocal() throws {
        let c = try S3Env.client()
        defer { S3Env.clear(c) }
        let t = TemporaryFolder()
        let local = try makeArchive(t, "local")
        let batch = try sampleBatch(t, count: 8)
        #expect(try Hoso.run(["ingest", "--archive", local, batch]).status == 0)
        let objects = try shell("find '\(local)/objects' -type f | wc -l").output.trimmingCharacters(in: .whitespacesAndNewlines)

        let first = try Hoso.run(["replicate", "--archive", local, "--to", c.location.url, "--endpoint", S3Env.endpoint, "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let r1 = try jsonObject(first.stdout)
        #expect(String(r1["copied"] as? Int ?? -1) == objects)
        #expect(r1["headMirrored"] as? String != nil)
        let second = try jsonObject(try Hoso.run(["replicate", "--archive", local, "--to", c.location.url, "--endpoint", S3Env.endpoint, "--json"]).stdout)
        #expect(second["copied"] as? Int == 0 && String(second["alreadyPresent"] as? Int ?? -1) == objects)
        // A replica's spool is made in the temporary folder for the run, and removed after it.
        let tmp = t.sub("tmp")
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let onS3 = try Hoso.run(["verify", "--archive", local, "--store", c.location.url, "--endpoint", S3Env.endpoint, "--json"],
                                environment: ["TMPDIR": tmp])
        #expect(onS3.status == 0, "\(onS3.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp).isEmpty, "no spool folder left behind")
        #expect(try findingCodes(onS3.stdout).isEmpty, "\(onS3.stdout)")

        // The S3 replica alone recovers the archive, which replicates back to a local folder.
        let recovered = t.sub("recovered")
        #expect(try Hoso.run(["rebuild", "--archive", recovered, "--from", c.location.url, "--endpoint", S3Env.endpoint]).status == 0)
        let back = t.sub("replica-store")
        let third = try Hoso.run(["replicate", "--archive", recovered, "--to", back, "--json"])
        #expect(third.status == 0, "\(third.stderr)")
        for archive in [recovered, local] {
            let v = try Hoso.run(["verify", "--archive", archive, "--store", back, "--json"])
            #expect(v.status == 0, "\(v.stdout)")
            #expect(try findingCodes(v.stdout).isEmpty, "\(v.stdout)")
        }
        #expect(try Hoso.run(["verify", "--archive", recovered]).status == 0)
        // A damaged replica is reported as such.
        let victim = try shell("find '\(back)' -type f | sort | head -1").output.trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try shell("chmod u+w '\(victim)' && printf 'x' >> '\(victim)'")
        let damaged = try Hoso.run(["verify", "--archive", local, "--store", back, "--json"])
        #expect(damaged.status == 1)
        #expect(try findingCodes(damaged.stdout)["E505"] != nil, "\(damaged.stdout)")
    }
}

/// libcurl is loaded only when S3 is used, libxml2 only when XML is read: the commands that
/// need neither start without them (about 7 and 2.5 ms of every start when they were linked).
@Suite struct LibraryLoadingTests {
    @Test func localCommandsDoNotLoadLibcurl() throws {
        let t = TemporaryFolder()
        let archive = t.sub("archive")
        // The dynamic loader lists every library it loads on standard error.
        let r = try Hoso.run(["init", "--archive", archive], environment: ["LD_DEBUG": "libs"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("libsqlite3"), "LD_DEBUG listed the libraries loaded")
        #expect(!r.stderr.contains("libcurl"), "a local command loaded libcurl")
    }

    @Test func onlyCommandsThatReadXMLLoadLibxml2() throws {
        let t = TemporaryFolder()
        let archive = t.sub("archive")
        #expect(try Hoso.run(["init", "--archive", archive]).status == 0)
        let ingest = try Hoso.run(["ingest", "--archive", archive, Repository.path("sample-archive/dossiers")], environment: ["LD_DEBUG": "libs"])
        #expect(ingest.status == 0 && ingest.stderr.contains("libxml2.so"), "ingest reads XML: libxml2 loaded")
        let number = try firstDossierNumber(archive)
        for args in [["--version"], ["search", "--archive", archive, "khai sinh"], ["stats", "--archive", archive],
                     ["export", "--archive", archive, number, "--to", t.sub("out")], ["verify", "--archive", archive]] {
            let r = try Hoso.run(args, environment: ["LD_DEBUG": "libs"])
            #expect(r.status == 0 && r.stderr.contains("libsqlite3"), "\(args): \(r.status)")
            #expect(!r.stderr.contains("libxml2") && !r.stderr.contains("libicu"), "\(args) loaded libxml2")
        }
        // show reads the dossier's archived XML: loaded there.
        let show = try Hoso.run(["show", "--archive", archive, number], environment: ["LD_DEBUG": "libs"])
        #expect(show.status == 0 && show.stdout.contains(number) && show.stderr.contains("libxml2.so"), "\(show.stdout)")
        // Validation still works through the loaded library, and says what it found.
        let bad = t.sub("bad")
        try FileManager.default.createDirectory(atPath: bad + "/d1", withIntermediateDirectories: true)
        try "<dossier xmlns=\"urn:hoso:dossier:1\"><unclosed></dossier>".write(toFile: bad + "/d1/dossier.xml", atomically: true, encoding: .utf8)
        let v = try Hoso.run(["validate", bad])
        #expect(v.status != 0 && v.stdout.contains("d1/dossier.xml"), "\(v.stdout)\n\(v.stderr)")
    }

    func firstDossierNumber(_ archive: String) throws -> String {
        let r = try Hoso.run(["search", "--archive", archive, "--json", "--limit", "1", "khai sinh"])
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return ((json?["hits"] as? [[String: Any]])?.first?["number"] as? String) ?? "(none)"
    }
}
