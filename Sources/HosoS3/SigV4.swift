#if canImport(Glibc)
import Glibc
#endif
public import Foundation
import Crypto

/// Credentials for S3, from the standard environment variables only: they are never written
/// into an archive's files.
public struct S3Credentials: Sendable, Equatable {
    public var accessKey: String
    public var secretKey: String
    public var sessionToken: String?

    public init(accessKey: String, secretKey: String, sessionToken: String? = nil) {
        self.accessKey = accessKey; self.secretKey = secretKey; self.sessionToken = sessionToken
    }

    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and, when set, `AWS_SESSION_TOKEN`.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> S3Credentials? {
        guard let a = env["AWS_ACCESS_KEY_ID"], !a.isEmpty, let s = env["AWS_SECRET_ACCESS_KEY"], !s.isEmpty else { return nil }
        let t = env["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return S3Credentials(accessKey: a, secretKey: s, sessionToken: t)
    }
}

/// AWS Signature Version 4 for S3 requests (header form), as documented by AWS: a canonical
/// request, a string to sign over its SHA-256, and an HMAC-SHA256 chain over date, region and
/// service for the key.
enum SigV4 {
    static let algorithm = "AWS4-HMAC-SHA256"

    /// Percent-encodes per RFC 3986: unreserved characters stay, everything else is %XX
    /// (uppercase). `keepSlash` for paths.
    static func encode(_ s: String, keepSlash: Bool) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        let hex = Array("0123456789ABCDEF")
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                out.append("%"); out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)])
            }
        }
        return out
    }

    /// The query string in canonical form (sorted by name, then value; both encoded).
    static func canonicalQuery(_ items: [(String, String)]) -> String {
        items.map { (encode($0.0, keepSlash: false), encode($0.1, keepSlash: false)) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// `20261129T010203Z` and `20261129` for a time.
    static func stamps(_ date: Date) -> (time: String, day: String) {
        var t = time_t(date.timeIntervalSince1970)
        var tm = tm()
        gmtime_r(&t, &tm)
        let day = String(format: "%04d%02d%02d", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday))
        return (day + String(format: "T%02d%02d%02dZ", Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec)), day)
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let h = Array("0123456789abcdef")
        var s = ""
        for b in digest { s.append(h[Int(b >> 4)]); s.append(h[Int(b & 15)]) }
        return s
    }

    /// The hex SHA-256 of a payload.
    static func payloadHash(_ data: Data) -> String { hex(SHA256.hash(data: data)) }
    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// Adds `x-amz-date`, `x-amz-content-sha256`, the session token when there is one, and
    /// `Authorization` to `headers` (names lowercase).
    static func sign(method: String, host: String, path: String, query: [(String, String)], headers: inout [String: String],
                     payloadHash: String, credentials: S3Credentials, region: String, date: Date = Date()) {
        let (time, day) = stamps(date)
        headers["host"] = host
        headers["x-amz-date"] = time
        headers["x-amz-content-sha256"] = payloadHash
        if let token = credentials.sessionToken { headers["x-amz-security-token"] = token }
        let names = headers.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(headers[$0]!.trimmingCharacters(in: .whitespaces))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let canonicalRequest = [method, encode(path, keepSlash: true), canonicalQuery(query), canonicalHeaders, signedHeaders, payloadHash]
            .joined(separator: "\n")
        let scope = "\(day)/\(region)/s3/aws4_request"
        let stringToSign = [algorithm, time, scope, hex(SHA256.hash(data: Data(canonicalRequest.utf8)))].joined(separator: "\n")
        func hmac(_ key: SymmetricKey, _ s: String) -> SymmetricKey {
            SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(s.utf8), using: key)))
        }
        var key = SymmetricKey(data: Data(("AWS4" + credentials.secretKey).utf8))
        for part in [day, region, "s3", "aws4_request"] { key = hmac(key, part) }
        let signature = hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
        headers["authorization"] = "\(algorithm) Credential=\(credentials.accessKey)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        headers.removeValue(forKey: "host")      // the HTTP client sends it from the URL
    }
}
