import Foundation
import Testing
@testable import HosoS3

@Suite struct SigV4Tests {
    /// The worked example of AWS's S3 documentation ("GET Object" with a Range header, signed
    /// with the example keys on 24 May 2013): the signature is published, so the whole chain
    /// (canonical request, string to sign, key derivation) is checked against it.
    @Test func matchesTheDocumentedExample() {
        var headers = ["range": "bytes=0-9"]
        let credentials = S3Credentials(accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        SigV4.sign(method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt", query: [], headers: &headers,
                   payloadHash: SigV4.emptyPayloadHash, credentials: credentials, region: "us-east-1",
                   date: Date(timeIntervalSince1970: 1_369_353_600))
        #expect(headers["authorization"] == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(headers["x-amz-date"] == "20130524T000000Z")
        #expect(headers["host"] == nil, "the HTTP client sends Host itself")
    }

    @Test func encodesPathsAndQueriesCanonically() {
        #expect(SigV4.encode("a b/ç~-_.", keepSlash: true) == "a%20b/%C3%A7~-_.")
        #expect(SigV4.encode("a/b", keepSlash: false) == "a%2Fb")
        #expect(SigV4.canonicalQuery([("uploads", ""), ("prefix", "p/q"), ("list-type", "2")]) == "list-type=2&prefix=p%2Fq&uploads=")
    }

    @Test func locationsParse() throws {
        let e = URL(string: "http://127.0.0.1:17480")!
        let l = try #require(S3Location(url: "s3://bucket/a/b/", endpoint: e))
        #expect(l.bucket == "bucket" && l.prefix == "a/b/" && l.url == "s3://bucket/a/b")
        #expect(S3Location(url: "s3://bucket", endpoint: e)?.prefix == "")
        #expect(S3Location(url: "s3:///x", endpoint: e) == nil)
        #expect(S3Location(url: "/local/path", endpoint: e) == nil)
    }

    @Test func credentialsComeFromTheEnvironmentOnly() {
        #expect(S3Credentials.fromEnvironment([:]) == nil)
        #expect(S3Credentials.fromEnvironment(["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_SESSION_TOKEN": "t"])
                == S3Credentials(accessKey: "a", secretKey: "b", sessionToken: "t"))
    }
}
