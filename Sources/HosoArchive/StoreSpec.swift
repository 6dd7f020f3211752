import Foundation
import HosoCore
public import HosoStore
public import HosoS3

/// Opens object stores named on the command line: `s3://BUCKET/PREFIX` (with an endpoint), an
/// archive folder (its `objects/`), or a bare store folder.
public enum StoreSpec {
    /// The endpoint from `--endpoint`, else `HOSO_S3_ENDPOINT`, else `AWS_ENDPOINT_URL`.
    public static func endpoint(_ option: String?) -> String? {
        if let option, !option.isEmpty { return option }
        let env = ProcessInfo.processInfo.environment
        for name in ["HOSO_S3_ENDPOINT", "AWS_ENDPOINT_URL"] { if let v = env[name], !v.isEmpty { return v } }
        return nil
    }

    /// The region from `AWS_REGION`, else `AWS_DEFAULT_REGION`, else us-east-1 (any name works
    /// with Ceph; it is part of the signature).
    public static var region: String {
        let env = ProcessInfo.processInfo.environment
        return env["AWS_REGION"].flatMap { $0.isEmpty ? nil : $0 } ?? env["AWS_DEFAULT_REGION"].flatMap { $0.isEmpty ? nil : $0 } ?? "us-east-1"
    }

    /// The configuration of an s3:// URL, checked.
    public static func remote(_ url: String, endpoint option: String?) throws -> RemoteStoreConfig {
        guard let endpoint = endpoint(option), let e = URL(string: endpoint), e.scheme == "http" || e.scheme == "https", e.host != nil else {
            throw HosoError(.storeUnavailable, subject: url, message: "no S3 endpoint was given for \(url)",
                            advice: "Give the service's URL with --endpoint (for example http://127.0.0.1:17480) or HOSO_S3_ENDPOINT")
        }
        guard S3Location(url: url, endpoint: e) != nil else {
            throw HosoError(.storeUnavailable, subject: url, message: "'\(url)' is not an S3 location",
                            expected: "s3://BUCKET/PREFIX", found: url, advice: "Name the bucket and an optional prefix")
        }
        return RemoteStoreConfig(url: url, endpoint: endpoint, region: region)
    }

    /// Opens an S3 store. `spool` is where objects are encoded before upload (a temporary
    /// folder when nil: stores opened only to read or to check).
    public static func openRemote(_ c: RemoteStoreConfig, policy: CompressionPolicy, spool: String?) throws -> S3ObjectStore {
        guard let e = URL(string: c.endpoint), let location = S3Location(url: c.url, endpoint: e, region: c.region) else {
            throw HosoError(.storeUnavailable, subject: c.url, message: "the archive names an invalid S3 store (\(c.url) at \(c.endpoint))",
                            advice: "Correct \"store\" in \(Archive.configFileName)")
        }
        guard let credentials = S3Credentials.fromEnvironment() else {
            throw HosoError(.storeAccessDenied, subject: c.url, message: "no S3 credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set",
                            advice: "Export them for this run; hoso never writes credentials into the archive")
        }
        let env = ProcessInfo.processInfo.environment
        let attempts = env["HOSO_S3_ATTEMPTS"].flatMap { Int($0) } ?? 6
        let client = S3Client(location: location, credentials: credentials, attempts: attempts)
        let folder = spool ?? (NSTemporaryDirectory() + "hoso-spool-" + SystemFile.randomSuffix())
        return try S3ObjectStore(client: client, policy: policy, spool: folder, spoolIsTemporary: spool == nil)
    }

    /// Whether two stores are one: the same S3 location, or local folders that resolve to the
    /// same place (`ARCHIVE/.`, a link to it).
    public static func isSame(_ a: any ObjectStore, _ b: any ObjectStore) -> Bool {
        if a.location == b.location { return true }
        guard !a.location.hasPrefix("s3://"), !b.location.hasPrefix("s3://"),
              let ra = SystemFile.canonicalPath(a.location), let rb = SystemFile.canonicalPath(b.location) else { return false }
        return ra == rb
    }

    /// Makes sure the bucket exists (creating it when missing).
    public static func prepareBucket(_ store: S3ObjectStore) throws {
        do {
            if try !store.client.bucketExists() { try store.client.createBucket() }
        } catch let e as S3Error {
            throw HosoError(e.status == 403 ? .storeAccessDenied : .storeUnavailable, subject: store.location,
                            message: "the bucket cannot be used: \(e)",
                            advice: e.status == 403 ? "Check the credentials and the bucket's permissions" : "Check the bucket name and the service")
        } catch let e as S3Unavailable {
            throw HosoError(.storeUnavailable, subject: store.location, message: "the S3 service does not answer: \(e)",
                            advice: "Check that the service at \(store.client.location.endpoint.absoluteString) is running")
        }
    }

    /// Opens the store named `spec`: s3:// (bucket created when `create`), an archive folder
    /// (its objects, local or remote), or a store folder (created when `create` and missing).
    public static func open(_ spec: String, endpoint: String?, policy: CompressionPolicy = CompressionPolicy(),
                            create: Bool) throws -> any ObjectStore {
        if spec.hasPrefix("s3://") {
            let store = try openRemote(try remote(spec, endpoint: endpoint), policy: policy, spool: nil)
            if create { try prepareBucket(store) }
            return store
        }
        if SystemFile.exists(spec + "/" + Archive.configFileName) {
            let archive = try Archive.open(at: spec)
            // Written as another user, its lock, head and objects would block its owner.
            if create, let refusal = archive.refusalUnlessOwner() { throw refusal }
            // Another archive's own folder store keeps the head in its ledger, under its lock.
            guard let local = archive.store as? LocalObjectStore else { return archive.store }
            return LocalObjectStore(root: local.root, policy: local.policy, displayRoot: spec + "/objects",
                                    headPath: archive.headPath, headLockPath: archive.lockPath)
        }
        if !SystemFile.exists(spec) || ((try? SystemFile.listDirectory(spec))?.isEmpty ?? false) {
            guard create else {
                throw HosoError(.notAnArchive, file: spec, message: "there is no object store here", advice: "Name an archive folder, a store folder or an s3:// location")
            }
            try LocalObjectStore.create(at: spec)
        }
        return LocalObjectStore(root: spec, policy: policy, displayRoot: spec, headPath: spec + "/" + LocalObjectStore.headFileName)
    }
}
