import CHosoCurl
import Foundation
import Synchronization

/// A response held in memory (S3 bodies here are bounded: object ranges of a few MiB, listings
/// of 1,000 keys, small error documents).
struct HTTPResponse: Sendable {
    var status: Int
    var headers: [String: String]       // names lowercase
    var body: Data
}

/// A request that did not get an HTTP answer (refused, reset, timed out, DNS).
struct TransportError: Error, CustomStringConvertible {
    var description: String
}

/// libcurl cannot be loaded: nothing to retry, the machine lacks the library.
public struct HTTPLibraryMissing: Error, CustomStringConvertible {
    public var description: String
}

/// Synchronous HTTP over libcurl: the store's callers are plain threads, and a blocked thread
/// per request in flight is what bounds memory and concurrency here. libcurl is loaded on first
/// use (see CHosoCurl), so commands that never reach S3 do not load it. Handles are kept in a
/// pool, each with its live connection; at most `connections` requests are in flight at once.
final class HTTPTransport: Sendable {
    private let pool: HandlePool
    private let connectTimeoutMs: Int
    private let idleTimeoutS: Int
    private let totalTimeoutMs: Int

    /// - Parameters:
    ///   - timeout: seconds to connect, and seconds an answer may stall before it is abandoned.
    ///   - connections: requests in flight at once (others wait for a handle).
    init(timeout: TimeInterval, connections: Int) {
        pool = HandlePool(limit: max(1, connections))
        connectTimeoutMs = Int(timeout * 1000)
        idleTimeoutS = max(1, Int(timeout.rounded(.up)))
        totalTimeoutMs = Int(max(timeout * 10, 600) * 1000)
    }

    func send(method: String, url: URL, headers: [String: String], body: Data?) throws -> HTTPResponse {
        var error = [CChar](repeating: 0, count: 512)
        guard hoso_curl_load(&error, error.count) == 0 else {
            throw HTTPLibraryMissing(description: Self.text(error))
        }
        var lines = headers.map { "\($0.key): \($0.value)" }
        // libcurl would label a body as a form; an S3 body has no type unless the caller says.
        if body != nil && !headers.keys.contains(where: { $0.lowercased() == "content-type" }) { lines.append("Content-Type:") }
        let handle = try pool.take()
        defer { pool.give(handle) }
        let collector = Collector()
        var status = 0
        let rc = withCStrings(lines) { headerLines in
            (body ?? Data()).withUnsafeBytes { b in
                hoso_curl_perform(handle, method, url.absoluteString, headerLines, lines.count,
                                  b.baseAddress, b.count, body == nil ? 0 : 1,
                                  connectTimeoutMs, idleTimeoutS, totalTimeoutMs,
                                  { data, length, context in
                                      let c = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
                                      if let data, length > 0 { c.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: length) }
                                      return length
                                  },
                                  { data, length, context in
                                      let c = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
                                      if let data { c.header(UnsafeRawBufferPointer(start: data, count: length)) }
                                      return length
                                  },
                                  Unmanaged.passUnretained(collector).toOpaque(), &status, &error, error.count)
            }
        }
        guard rc == 0 else {
            throw TransportError(description: Self.text(error))
        }
        return HTTPResponse(status: status, headers: collector.headers, body: collector.body)
    }

    /// The message in a NUL-terminated buffer the C side filled.
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Calls `body` with the strings as a C array of NUL-terminated strings.
    private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

/// What one request received; filled by libcurl's callbacks on the calling thread.
private final class Collector {
    var body = Data()
    var headers: [String: String] = [:]

    /// One header line ("Name: value\r\n"); a status line starts the headers afresh (after an
    /// interim answer such as 100 Continue).
    func header(_ line: UnsafeRawBufferPointer) {
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("HTTP/") { headers = [:]; return }
        guard let colon = text.firstIndex(of: ":") else { return }
        let name = text[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        headers[name] = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
}

/// libcurl handles to reuse (each keeps its connection alive); at most `limit` out at once.
private final class HandlePool: @unchecked Sendable {
    private let condition = NSCondition()
    private var idle: [UnsafeMutableRawPointer] = []    // guarded by condition
    private var out = 0                                 // guarded by condition
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    deinit { for h in idle { hoso_curl_handle_free(h) } }

    func take() throws -> UnsafeMutableRawPointer {
        condition.lock(); defer { condition.unlock() }
        while out >= limit { condition.wait() }
        if let h = idle.popLast() { out += 1; return h }
        guard let h = hoso_curl_handle_new() else { throw TransportError(description: "libcurl could not make a handle (out of memory)") }
        out += 1
        return h
    }

    func give(_ handle: UnsafeMutableRawPointer) {
        condition.lock(); defer { condition.unlock() }
        idle.append(handle)
        out -= 1
        condition.signal()
    }
}
