#if canImport(Glibc)
import Glibc
#endif
public import Foundation
import Synchronization
import HosoCore
import HosoXML

/// Where a bucket is: `s3://BUCKET/PREFIX` plus the endpoint that serves it.
public struct S3Location: Sendable, Equatable, CustomStringConvertible {
    public var bucket: String
    /// "" or a prefix ending in "/".
    public var prefix: String
    public var endpoint: URL
    public var region: String

    /// Parses `s3://bucket/some/prefix`; nil when `url` is not an s3:// URL.
    public init?(url: String, endpoint: URL, region: String = "us-east-1") {
        guard url.hasPrefix("s3://") else { return nil }
        let rest = url.dropFirst(5)
        let bucket = rest.prefix { $0 != "/" }
        guard !bucket.isEmpty else { return nil }
        var prefix = String(rest.dropFirst(bucket.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if !prefix.isEmpty { prefix += "/" }
        self.bucket = String(bucket); self.prefix = prefix; self.endpoint = endpoint; self.region = region
    }

    /// `s3://bucket/prefix` (no trailing slash).
    public var url: String { prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix.dropLast())" }
    public var description: String { "\(url) at \(endpoint.absoluteString)" }
}

/// An S3 error answer: the HTTP status and, when the body says, S3's error code and message.
public struct S3Error: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var key: String
    public var status: Int
    public var code: String
    public var message: String

    public var description: String {
        "\(operation) \(key): HTTP \(status)\(code.isEmpty ? "" : " \(code)")\(message.isEmpty ? "" : ": \(message)")"
    }

    /// Worth another attempt: the server is busy or failed inside, not the request.
    var isTransient: Bool {
        status >= 500 || status == 429 || ["SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable"].contains(code)
    }
}

/// The S3 store cannot be reached after every retry.
public struct S3Unavailable: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var key: String
    public var attempts: Int
    public var last: String
    public var description: String { "\(operation) \(key): no answer after \(attempts) attempts (last: \(last))" }
}

/// The S3 operations hoso needs, path-style, signed with SigV4, retried with exponential
/// backoff on transport failures and transient answers (5xx, 429, SlowDown).
public final class S3Client: Sendable {
    public let location: S3Location
    let credentials: S3Credentials
    let transport: HTTPTransport
    let host: String
    /// Attempts per request (first try included).
    let attempts: Int
    let baseDelay: Double
    private let retried = Atomic<Int>(0)

    /// Requests retried since this client was made (reported by commands).
    public var retries: Int { retried.load(ordering: .relaxed) }

    public init(location: S3Location, credentials: S3Credentials, attempts: Int = 6, baseDelay: Double = 0.25,
                timeout: Double = 60, connections: Int = 16) {
        self.location = location; self.credentials = credentials
        self.attempts = max(1, attempts); self.baseDelay = baseDelay
        transport = HTTPTransport(timeout: timeout, connections: connections)
        let e = location.endpoint
        host = (e.host ?? "localhost") + (e.port.map { ":\($0)" } ?? "")
    }

    /// The full key of `relative` under the prefix.
    public func key(_ relative: String) -> String { location.prefix + relative }

    /// Sends one request (retrying transient failures); returns any answer below 500 that is
    /// not 429, for the caller to interpret.
    func request(_ method: String, key: String?, query: [(String, String)] = [], headers extra: [String: String] = [:],
                 body: Data? = nil, operation: String) throws -> HTTPResponse {
        let path = "/" + location.bucket + (key.map { "/" + $0 } ?? "")
        let payloadHash = body.map { SigV4.payloadHash($0) } ?? SigV4.emptyPayloadHash
        var base = location.endpoint.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let q = SigV4.canonicalQuery(query)
        guard let url = URL(string: base + SigV4.encode(path, keepSlash: true) + (q.isEmpty ? "" : "?" + q)) else {
            throw S3Error(operation: operation, key: key ?? "", status: 0, code: "BadURL", message: "cannot form a URL from \(base)")
        }
        var lastProblem = ""
        for attempt in 1...attempts {
            var headers = extra.reduce(into: [String: String]()) { $0[$1.key.lowercased()] = $1.value }
            SigV4.sign(method: method, host: host, path: path, query: query, headers: &headers, payloadHash: payloadHash,
                       credentials: credentials, region: location.region)
            do {
                let r = try transport.send(method: method, url: url, headers: headers, body: body)
                if r.status < 500 && r.status != 429 {
                    let e = r.status >= 400 ? Self.error(r, operation: operation, key: key ?? "") : nil
                    if let e, e.isTransient { lastProblem = e.description } else { return r }
                } else {
                    lastProblem = Self.error(r, operation: operation, key: key ?? "").description
                }
            } catch let e as TransportError {
                lastProblem = e.description
            }
            if attempt < attempts {
                retried.add(1, ordering: .relaxed)
                let delay = min(8, baseDelay * Double(1 << (attempt - 1))) * Double.random(in: 0.75...1.25)
                FileHandle.standardError.write(Data("hoso: S3 \(operation) \(key ?? location.bucket): \(lastProblem); retrying in \(String(format: "%.2f", delay)) s (attempt \(attempt + 1) of \(attempts))\n".utf8))
                usleep(useconds_t(delay * 1_000_000))
            }
        }
        throw S3Unavailable(operation: operation, key: key ?? location.bucket, attempts: attempts, last: lastProblem)
    }

    /// The S3 error of an answer (code and message from its XML body when there is one).
    static func error(_ r: HTTPResponse, operation: String, key: String) -> S3Error {
        let xml = XMLTree.parse(Array(r.body))
        return S3Error(operation: operation, key: key, status: r.status, code: xml?["Code"] ?? "", message: xml?["Message"] ?? "")
    }

    func fail(_ r: HTTPResponse, _ operation: String, _ key: String) -> S3Error { Self.error(r, operation: operation, key: key) }

    // MARK: operations

    /// The size and ETag of a key, or nil when there is none.
    public func head(_ key: String) throws -> (size: UInt64, etag: String)? {
        let r = try request("HEAD", key: key, operation: "HEAD")
        if r.status == 404 { return nil }
        guard r.status == 200 else { throw fail(r, "HEAD", key) }
        return (UInt64(r.headers["content-length"] ?? "") ?? 0, r.headers["etag"] ?? "")
    }

    /// Bytes `from...(from + count - 1)` of a key (fewer at its end), with its total size.
    /// Nil when the key does not exist.
    public func get(_ key: String, from: UInt64, count: Int, ifMatch etag: String? = nil) throws -> (body: Data, total: UInt64, etag: String)? {
        var h = ["Range": "bytes=\(from)-\(from + UInt64(count) - 1)"]
        if let etag { h["If-Match"] = etag }
        let r = try request("GET", key: key, headers: h, operation: "GET")
        switch r.status {
        case 404: return nil
        case 200: return (r.body, UInt64(r.body.count), r.headers["etag"] ?? "")
        case 206:
            let total = r.headers["content-range"].flatMap { $0.split(separator: "/").last }.flatMap { UInt64($0) } ?? from + UInt64(r.body.count)
            return (r.body, total, r.headers["etag"] ?? "")
        case 416: return (Data(), 0, r.headers["etag"] ?? "")      // an empty object
        default: throw fail(r, "GET", key)
        }
    }

    /// Stores `body` under `key` in one request, with its MD5 (checked by the server) and its
    /// SHA-256 (signed).
    public func put(_ key: String, body: Data, contentMD5: String) throws {
        let r = try request("PUT", key: key, headers: ["Content-MD5": contentMD5, "Content-Type": "application/octet-stream"],
                            body: body, operation: "PUT")
        guard r.status == 200 else { throw fail(r, "PUT", key) }
    }

    public func delete(_ key: String) throws {
        let r = try request("DELETE", key: key, operation: "DELETE")
        guard r.status == 204 || r.status == 200 || r.status == 404 else { throw fail(r, "DELETE", key) }
    }

    /// Whether the bucket exists and these credentials may use it.
    public func bucketExists() throws -> Bool {
        let r = try request("HEAD", key: nil, operation: "HEAD bucket")
        if r.status == 404 { return false }
        guard r.status == 200 else { throw fail(r, "HEAD bucket", location.bucket) }
        return true
    }

    public func createBucket() throws {
        let r = try request("PUT", key: nil, body: Data(), operation: "CREATE bucket")
        guard r.status == 200 || (r.status == 409 && Self.error(r, operation: "", key: "").code == "BucketAlreadyOwnedByYou") else {
            throw fail(r, "CREATE bucket", location.bucket)
        }
    }

    /// One page of keys under `prefix`: (key, size) pairs and the token of the next page.
    public func list(prefix: String, continuation: String?, maxKeys: Int = 1000) throws -> (keys: [(String, UInt64)], next: String?) {
        var q = [("list-type", "2"), ("prefix", prefix), ("max-keys", String(maxKeys))]
        if let continuation { q.append(("continuation-token", continuation)) }
        let r = try request("GET", key: nil, query: q, operation: "LIST")
        guard r.status == 200, let xml = XMLTree.parse(Array(r.body)) else { throw fail(r, "LIST", prefix) }
        let keys = xml.children("Contents").compactMap { c -> (String, UInt64)? in
            guard let k = c["Key"] else { return nil }
            return (k, UInt64(c["Size"] ?? "") ?? 0)
        }
        let truncated = xml["IsTruncated"] == "true"
        return (keys, truncated ? xml["NextContinuationToken"] : nil)
    }

    /// Multipart uploads begun under `prefix` and neither completed nor aborted: invisible as
    /// objects, but holding space (an interrupted upload).
    public func pendingUploads(prefix: String) throws -> [(key: String, uploadID: String, initiated: Date?)] {
        let r = try request("GET", key: nil, query: [("uploads", ""), ("prefix", prefix)], operation: "LIST uploads")
        guard r.status == 200, let xml = XMLTree.parse(Array(r.body)) else { throw fail(r, "LIST uploads", prefix) }
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return xml.children("Upload").compactMap { u in
            guard let k = u["Key"], let id = u["UploadId"] else { return nil }
            let text = u["Initiated"] ?? ""
            let date = iso.date(from: text) ?? ISO8601DateFormatter().date(from: text)
            return (k, id, date)
        }
    }

    public func createMultipart(_ key: String) throws -> String {
        let r = try request("POST", key: key, query: [("uploads", "")], headers: ["Content-Type": "application/octet-stream"],
                            operation: "CREATE multipart")
        guard r.status == 200, let id = XMLTree.parse(Array(r.body))?["UploadId"] else { throw fail(r, "CREATE multipart", key) }
        return id
    }

    /// Uploads one part; returns its ETag.
    public func uploadPart(_ key: String, uploadID: String, number: Int, body: Data, contentMD5: String) throws -> String {
        let r = try request("PUT", key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)],
                            headers: ["Content-MD5": contentMD5], body: body, operation: "PUT part \(number)")
        guard r.status == 200, let etag = r.headers["etag"] else { throw fail(r, "PUT part \(number)", key) }
        return etag
    }

    public func completeMultipart(_ key: String, uploadID: String, etags: [String]) throws {
        var xml = "<CompleteMultipartUpload>"
        for (i, e) in etags.enumerated() { xml += "<Part><PartNumber>\(i + 1)</PartNumber><ETag>\(e)</ETag></Part>" }
        xml += "</CompleteMultipartUpload>"
        let r = try request("POST", key: key, query: [("uploadId", uploadID)], headers: ["Content-Type": "application/xml"],
                            body: Data(xml.utf8), operation: "COMPLETE multipart")
        // S3 may answer 200 with an error document when completion fails late.
        guard r.status == 200, XMLTree.parse(Array(r.body))?.name != "Error" else { throw fail(r, "COMPLETE multipart", key) }
    }

    public func abortMultipart(_ key: String, uploadID: String) throws {
        let r = try request("DELETE", key: key, query: [("uploadId", uploadID)], operation: "ABORT multipart")
        guard r.status == 204 || r.status == 200 || r.status == 404 else { throw fail(r, "ABORT multipart", key) }
    }
}
