import Foundation
import Testing
import Synchronization
@testable import HosoS3
import HosoTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A one-thread HTTP/1.1 server on 127.0.0.1 that answers each request with the next canned
/// response (closing the connection after each): enough to show how the client treats
/// answers a real service gives only under stress (503 SlowDown, 500, 403).
final class CannedServer: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32
    private let responses: [(Int, String)]
    let served = Atomic<Int>(0)

    init(_ responses: [(Int, String)]) throws {
        self.responses = responses
        (fd, port) = listenOnLoopback()
        let t = Thread { [self] in self.serve() }
        t.start()
    }

    private func serve() {
        for (status, body) in responses {
            let c = acceptConnection(fd)
            if c < 0 { return }
            var buf = [UInt8](repeating: 0, count: 65536)
            var got = [UInt8]()
            while true {
                let n = read(c, &buf, buf.count)
                if n <= 0 { break }
                got += buf[0..<n]
                if let r = String(bytes: got, encoding: .utf8), r.contains("\r\n\r\n") { break }
            }
            let reason = status == 200 ? "OK" : "Error"
            let head = "HTTP/1.1 \(status) \(reason)\r\nContent-Length: \(body.utf8.count)\r\nContent-Type: application/xml\r\nConnection: close\r\n\r\n"
            let bytes = Array((head + body).utf8)
            // Counted before the answer leaves, so that a client holding it sees the count.
            served.add(1, ordering: .relaxed)
            _ = bytes.withUnsafeBytes { write(c, $0.baseAddress, $0.count) }
            close(c)
        }
    }

    deinit { close(fd) }

    func client(attempts: Int) -> S3Client {
        let l = S3Location(url: "s3://b/p", endpoint: URL(string: "http://127.0.0.1:\(port)")!)!
        return S3Client(location: l, credentials: S3Credentials(accessKey: "k", secretKey: "s"), attempts: attempts, baseDelay: 0.01)
    }
}

@Suite struct RetryTests {
    static let slowDown = "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"

    @Test func transientAnswersAreRetriedThenSucceed() throws {
        let server = try CannedServer([(503, Self.slowDown), (500, "<Error><Code>InternalError</Code></Error>"), (200, "")])
        let c = server.client(attempts: 4)
        let head = try c.head("p/objects/ab/cd")
        #expect(head != nil)
        #expect(c.retries == 2)
        #expect(server.served.load(ordering: .relaxed) == 3)
    }

    @Test func persistentFailuresEndAsUnavailable() throws {
        let server = try CannedServer(Array(repeating: (503, Self.slowDown), count: 3))
        let c = server.client(attempts: 3)
        #expect(throws: S3Unavailable.self) { _ = try c.head("p/objects/ab/cd") }
        #expect(c.retries == 2)
    }

    @Test func refusalsAreNotRetried() throws {
        let server = try CannedServer([(403, "<Error><Code>AccessDenied</Code><Message>no</Message></Error>"), (200, "")])
        let c = server.client(attempts: 5)
        do {
            _ = try c.head("p/objects/ab/cd")
            Issue.record("a 403 must be an error")
        } catch let e as S3Error {
            #expect(e.status == 403)
        }
        #expect(c.retries == 0)
        #expect(server.served.load(ordering: .relaxed) == 1)
    }
}
