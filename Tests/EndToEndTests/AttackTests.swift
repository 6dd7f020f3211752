import Foundation
import Testing
import HosoTestSupport

/// Hostile XML through the real binary: each must be refused quickly, read no file outside the
/// batch and make no connection.
@Suite struct AttackTests {
    /// A canary: a FIFO. Opening it for reading blocks until a writer comes, so a process that
    /// tried to read it would hang and the run's timeout would catch it.
    func makeCanary(_ t: TemporaryFolder) -> String {
        let path = t.sub("canary-fifo")
        #expect(mkfifo(path, 0o644) == 0)
        return path
    }

    /// A listening TCP socket on 127.0.0.1; `connections()` says whether anyone connected.
    final class Listener {
        let fd: Int32
        let port: UInt16
        init() {
            (fd, port) = listenOnLoopback(backlog: 8)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        func connections() -> Int {
            var n = 0
            while true { let c = acceptConnection(fd); if c < 0 { break }; close(c); n += 1 }
            return n
        }
        deinit { close(fd) }
    }

    /// A FIFO where a scan or the XML belongs is refused, never waited on.
    @Test func fifosInABatchAreRefusedAtOnce() throws {
        let t = TemporaryFolder()
        let batch = try sampleBatch(t, count: 2)
        let numbers = try FileManager.default.contentsOfDirectory(atPath: batch).sorted()
        let scan = try FileManager.default.contentsOfDirectory(atPath: batch + "/" + numbers[0] + "/scans").sorted()[0]
        for path in [batch + "/" + numbers[0] + "/scans/" + scan, batch + "/" + numbers[1] + "/dossier.xml"] {
            #expect(unlink(path) == 0 && mkfifo(path, 0o644) == 0)
        }
        let r = try Hoso.run(["validate", "--json", batch], timeout: 20)
        #expect(r.status == 1)
        #expect(reportedCodes(try jsonObject(r.stdout)) == ["E101", "E303"])
    }

    func check(_ name: String, _ bytes: [UInt8], expect codes: Set<String>) throws {
        let t = TemporaryFolder()
        try t.write("batch/\(name)/dossier.xml", bytes)
        let start = Date()
        let r = try Hoso.run(["validate", "--json", t.sub("batch")], timeout: 20)
        let seconds = Date().timeIntervalSince(start)
        #expect(r.status == 1, "\(name): exit \(r.status) \(r.stderr)")
        #expect(seconds < 5, "\(name) took \(seconds) s")
        let got = reportedCodes(try jsonObject(r.stdout))
        #expect(got == codes, "\(name): \(got.sorted())")
    }

    @Test func externalEntitiesReadNothingAndConnectNowhere() throws {
        let t = TemporaryFolder()
        let canary = makeCanary(t)
        let listener = Listener()
        let url = "http://127.0.0.1:\(listener.port)/evil.dtd"
        let cases = [
            ("xxe-file", "<?xml version=\"1.0\"?>\n<!DOCTYPE dossier [<!ENTITY x SYSTEM \"file://\(canary)\">]>\n<dossier xmlns=\"urn:hoso:dossier:1\">&x;</dossier>"),
            ("xxe-url", "<?xml version=\"1.0\"?>\n<!DOCTYPE dossier [<!ENTITY x SYSTEM \"\(url)\">]>\n<dossier xmlns=\"urn:hoso:dossier:1\">&x;</dossier>"),
            ("external-dtd", "<?xml version=\"1.0\"?>\n<!DOCTYPE dossier SYSTEM \"\(url)\">\n<dossier xmlns=\"urn:hoso:dossier:1\"/>"),
            ("parameter-entity", "<?xml version=\"1.0\"?>\n<!DOCTYPE dossier [<!ENTITY % p SYSTEM \"file://\(canary)\"> %p;]>\n<dossier xmlns=\"urn:hoso:dossier:1\"/>"),
            ("parameter-entity-url", "<!DOCTYPE dossier [<!ENTITY % p SYSTEM \"\(url)\"> %p;]><dossier/>"),
        ]
        for (name, text) in cases { try check(name, Array(text.utf8), expect: ["E105"]) }
        #expect(listener.connections() == 0)
    }

    @Test func entityExpansionIsRefused() throws {
        var lol = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol0 \"lol\">"
        for i in 1...9 { lol += "<!ENTITY lol\(i) \"" + String(repeating: "&lol\(i - 1);", count: 10) + "\">" }
        lol += "]>\n<lolz>&lol9;</lolz>"
        try check("billion-laughs", Array(lol.utf8), expect: ["E105"])

        let big = String(repeating: "x", count: 50_000)
        let quadratic = "<?xml version=\"1.0\"?>\n<!DOCTYPE d [<!ENTITY e \"\(big)\">]>\n<d>" + String(repeating: "&e;", count: 50_000) + "</d>"
        try check("quadratic", Array(quadratic.utf8), expect: ["E105"])
    }

    @Test func structuralAttacksAreRefused() throws {
        let depth = 100_000
        try check("deep", Array((String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)).utf8), expect: ["E104"])
        let huge = "<dossier xmlns=\"urn:hoso:dossier:1\" schemaVersion=\"" + String(repeating: "1", count: 12_000_000) + "\"/>"
        try check("huge-attribute", Array(huge.utf8), expect: ["E104"])
        try check("two-roots", Array("<?xml version=\"1.0\"?><a/><b/>".utf8), expect: ["E104"])
        try check("trailing-garbage", Array("<a/>\u{1}garbage".utf8), expect: ["E104"])
    }

    @Test func encodingsAndCompressionAreRefused() throws {
        let plain = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><dossier xmlns=\"urn:hoso:dossier:1\"/>".utf8)
        let t = TemporaryFolder()
        let raw = try t.write("plain.xml", plain)
        _ = try shell("gzip -c '\(raw)' > '\(t.sub("x.gz"))'")
        let gz = Array(try Data(contentsOf: URL(fileURLWithPath: t.sub("x.gz"))))
        try check("gzip", gz, expect: ["E111"])
        let utf16 = [UInt8]([0xFF, 0xFE]) + Array("<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>".utf16).flatMap { u -> [UInt8] in [UInt8(u & 0xFF), UInt8(u >> 8)] }
        try check("utf16", utf16, expect: ["E107"])
        var bad = plain; bad.insert(contentsOf: [0xC3, 0x28], at: 60)
        try check("invalid-utf8", bad, expect: ["E107"])
        try check("empty", [], expect: ["E103"])
    }
}
