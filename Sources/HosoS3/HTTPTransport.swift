import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
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

/// Synchronous HTTP over URLSession (libcurl underneath on Linux): the store's callers are
/// plain threads, and a blocked thread per request in flight is what bounds memory and
/// concurrency here. One session is shared; it keeps connections alive.
final class HTTPTransport: Sendable {
    private let session: URLSession

    init(timeout: TimeInterval, connections: Int) {
        let c = URLSessionConfiguration.ephemeral
        c.timeoutIntervalForRequest = timeout
        c.timeoutIntervalForResource = max(timeout * 10, 600)
        c.httpMaximumConnectionsPerHost = connections
        c.requestCachePolicy = .reloadIgnoringLocalCacheData
        c.urlCache = nil
        c.httpCookieStorage = nil
        c.httpShouldSetCookies = false
        session = URLSession(configuration: c)
    }

    deinit { session.finishTasksAndInvalidate() }

    func send(method: String, url: URL, headers: [String: String], body: Data?) throws -> HTTPResponse {
        var request = URLRequest(url: url)
        request.httpMethod = method
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        // The body is given in full with its length: Ceph 16 refuses streamed (chunked) uploads.
        if let body { request.setValue(String(body.count), forHTTPHeaderField: "Content-Length") }
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<HTTPResponse, TransportError>?>(nil)
        let handler: @Sendable (Data?, URLResponse?, (any Error)?) -> Void = { data, response, error in
            let r: Result<HTTPResponse, TransportError>
            if let http = response as? HTTPURLResponse, error == nil {
                var hs: [String: String] = [:]
                for (k, v) in http.allHeaderFields { hs[String(describing: k).lowercased()] = String(describing: v) }
                r = .success(HTTPResponse(status: http.statusCode, headers: hs, body: data ?? Data()))
            } else {
                r = .failure(TransportError(description: error.map { ($0 as NSError).localizedDescription } ?? "no HTTP response"))
            }
            outcome.withLock { $0 = r }
            done.signal()
        }
        let task: URLSessionTask
        if let body, method == "PUT" || method == "POST" {
            task = session.uploadTask(with: request, from: body, completionHandler: handler)
        } else {
            task = session.dataTask(with: request, completionHandler: handler)
        }
        task.resume()
        done.wait()
        return try outcome.withLock { $0! }.get()
    }
}
