#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Crypto
import Synchronization
public import HosoCore
public import HosoStore

/// The object store in an S3 bucket: the same object files as on disk (header and payload,
/// docs/store-format.md), under `PREFIX/objects/ab/cdef…`, so a downloaded object checks by
/// hand exactly like a local one.
///
/// Writing: the object is encoded (hashed and compressed in one streaming pass) into a spool
/// file on the archive host, then uploaded as a sized body: in one PUT up to 8 MiB, above that
/// as a multipart upload of 8 MiB parts. Every request carries the body's MD5 (checked by the
/// server) and SHA-256 (signed). S3 makes an object visible only once complete, so a dropped
/// connection never leaves a partial object; an unfinished multipart upload is listed by the
/// checker as a temporary entry and aborted on failure. An object already in the bucket is not
/// uploaded again. Reading: ranged GETs of 8 MiB feed the same verifying decoder as on disk.
public final class S3ObjectStore: ObjectStore {
    public static let singlePutLimit = 8 << 20
    public static let partSize = 8 << 20
    public static let readChunk = 8 << 20
    /// A writer asks the bucket whether it holds an object (one HEAD) only above this size:
    /// below it, asking costs the same round trip as storing the same bytes again under the
    /// same name, which is harmless (the name is the content). Above it, an object the bucket
    /// holds is never uploaded again.
    public static let checkBeforeUploadAbove: UInt64 = 256 << 10

    public let client: S3Client
    public let policy: CompressionPolicy
    /// Local folder for spool files (inside the archive, so it is on the archive's disk).
    public let spool: String
    /// Uploads in flight when a staging area commits.
    public let uploadConcurrency: Int

    /// Whether the spool folder was made for this store alone (a replica's, in the system's
    /// temporary folder): removed when the store goes, so that runs leave nothing behind.
    let spoolIsTemporary: Bool

    public init(client: S3Client, policy: CompressionPolicy, spool: String, spoolIsTemporary: Bool = false,
                uploadConcurrency: Int = 8) throws {
        self.client = client; self.policy = policy; self.spool = spool; self.uploadConcurrency = max(1, uploadConcurrency)
        self.spoolIsTemporary = spoolIsTemporary
    }

    /// Whether the spool folder is known to exist.
    private let spoolMade = Atomic<Bool>(false)

    /// The spool folder, made when first written into: opening the store for reading makes
    /// nothing in the archive (a user who may not write there would fail, or leave a folder the
    /// archive's owner cannot write into).
    private func spoolFolder() throws(SystemError) -> String {
        if !spoolMade.load(ordering: .acquiring) {
            try SystemFile.makeDirectories(spool)
            spoolMade.store(true, ordering: .releasing)
        }
        return spool
    }

    deinit {
        guard spoolIsTemporary else { return }
        _ = try? SystemFile.removeTemporaries(in: spool)
        _ = rmdir(spool)
    }

    public var location: String { client.location.url }

    /// Requests wait on the network and the service far more than on this host's processors.
    public var preferredConcurrency: Int { 16 }

    /// The key of an object.
    public func key(of id: ObjectID) -> String {
        let hex = id.hex
        return client.key("objects/" + hex.prefix(2) + "/" + hex.dropFirst(2))
    }

    public func displayPath(of id: ObjectID) -> String { "s3://\(client.location.bucket)/\(key(of: id))" }

    // MARK: put

    public func put(file path: String, expected: ObjectID?, staging: (any StagingArea)?) throws -> PutResult {
        let fd = try SystemFile.openForReading(path)
        defer { close(fd) }
        let st = try SystemFile.status(fd, path: path)
        guard SystemFile.isRegular(st) else { throw SystemError(errno: SystemFile.isDirectory(st) ? EISDIR : EINVAL, operation: "read (not a regular file)", path: path) }
        var source = FileSource(fd: fd, path: path, length: UInt64(st.st_size))
        return try put(source: &source, expected: expected, path: path, staging: staging)
    }

    public func put(bytes: [UInt8], expected: ObjectID?, staging: (any StagingArea)?) throws -> PutResult {
        var source = MemorySource(bytes)
        return try put(source: &source, expected: expected, path: "(memory)", staging: staging)
    }

    public func makeStagingArea() -> any StagingArea { S3StagingArea(store: self) }

    public func put<S: ByteSource>(source: inout S, expected: ObjectID?, path: String, staging: (any StagingArea)?) throws -> PutResult {
        let staging = staging as? S3StagingArea
        if let expected, staging == nil || source.length > Self.checkBeforeUploadAbove, let known = try knownSize(expected, staging) {
            let encoded = try ObjectEncoder.encode(&source, policy: policy, path: path, hashOnly: true) { _ in }
            guard encoded.id == expected else { throw ObjectFault.hashMismatch(found: encoded.id) }
            return PutResult(id: expected, codec: known.codec, originalSize: encoded.originalLength, storedSize: known.size, existed: true)
        }
        let temp = try spoolFolder() + "/.tmp-" + SystemFile.randomSuffix()
        let (encoded, fd) = try ObjectEncoder.spool(&source, policy: policy, path: path, expected: expected, to: temp)
        close(fd)
        let result = PutResult(id: encoded.id, codec: encoded.codec, originalSize: encoded.originalLength,
                               storedSize: encoded.storedLength, existed: false)
        if let staging {
            if staging.staged.add(temp: temp, result: result) { return result }
            unlink(temp)
            var r = result; r.existed = true
            return r
        }
        defer { unlink(temp) }
        if let size = try remoteSize(encoded.id) {
            var r = result; r.existed = true; r.storedSize = size
            return r
        }
        try upload(temp, id: encoded.id, size: Int(encoded.storedLength))
        return result
    }

    private func knownSize(_ id: ObjectID, _ staging: S3StagingArea?) throws -> (codec: Codec, size: UInt64)? {
        if let staged = staging?.staged.result(of: id) { return (staged.codec, staged.storedSize) }
        if let size = try remoteSize(id) { return ((try? header(id).codec) ?? .raw, size) }
        return nil
    }

    /// Uploads a spool file under the object's key (one PUT, or multipart above 8 MiB).
    func upload(_ file: String, id: ObjectID, size: Int) throws {
        let key = key(of: id)
        let fd = try SystemFile.openForReading(file)
        defer { close(fd) }
        func read(_ offset: Int, _ count: Int) throws -> Data {
            var data = Data(count: count)
            let n = try data.withUnsafeMutableBytes { b -> Int in
                var done = 0
                while done < count {
                    let r = pread(fd, b.baseAddress! + done, count - done, off_t(offset + done))
                    if r < 0 { if errno == EINTR { continue }; throw SystemError(errno: errno, operation: "read", path: file) }
                    if r == 0 { break }
                    done += r
                }
                return done
            }
            guard n == count else { throw SystemError(errno: EIO, operation: "read (file shrank)", path: file) }
            return data
        }
        do {
            if size <= Self.singlePutLimit {
                let body = try read(0, size)
                try client.put(key, body: body, contentMD5: Self.md5(body))
                return
            }
            let uploadID = try client.createMultipart(key)
            do {
                var etags: [String] = []
                var offset = 0
                while offset < size {
                    let n = min(Self.partSize, size - offset)
                    let body = try read(offset, n)
                    etags.append(try client.uploadPart(key, uploadID: uploadID, number: etags.count + 1, body: body, contentMD5: Self.md5(body)))
                    offset += n
                }
                try client.completeMultipart(key, uploadID: uploadID, etags: etags)
            } catch {
                try? client.abortMultipart(key, uploadID: uploadID)
                throw error
            }
        } catch {
            throw storeError(error, "object \(id.short) could not be stored in \(location)")
        }
    }

    /// A failed request as the error a writer reports (E513/E514, with what to do).
    func storeError(_ error: any Error, _ what: String) -> any Error {
        switch error {
        case let e as S3Error:
            return HosoError(e.status == 403 ? .storeAccessDenied : .storeUnavailable, subject: location, message: "\(what): \(e)",
                             advice: e.status == 403 ? "Check the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and the bucket's permissions"
                                 : e.code == "NoSuchBucket" ? "The bucket does not exist: check the archive's \"store\" setting"
                                 : "Check the S3 service, then run the same command again: nothing is committed before its objects are stored")
        case let e as S3Unavailable:
            return HosoError(.storeUnavailable, subject: location, message: "\(what): \(e)",
                             advice: "Check that the S3 service at \(client.location.endpoint.absoluteString) is running, then run the same command again: nothing is committed before its objects are stored")
        default: return error
        }
    }

    /// The stored size of an object for a writer (errors are store errors, not object faults).
    func remoteSize(_ id: ObjectID) throws -> UInt64? {
        do { return try client.head(key(of: id))?.size } catch { throw storeError(error, "cannot ask \(location) for \(id.short)") }
    }

    static func md5(_ data: Data) -> String { Data(Insecure.MD5.hash(data: data)).base64EncodedString() }

    // MARK: get

    /// Maps a failed request to the fault a reader reports.
    func fault(_ error: any Error) -> any Error {
        switch error {
        case let e as S3Error where e.status == 403: return ObjectFault.accessDenied(e.description)
        case let e as S3Error: return ObjectFault.unreadable(e.description)
        case let e as S3Unavailable: return ObjectFault.unreadable(e.description)
        default: return error
        }
    }

    public func get(_ id: ObjectID, into sink: (UnsafeRawBufferPointer) throws -> Void) throws -> ObjectInfo {
        let key = key(of: id)
        let decoder = ObjectDecoder(expected: id)
        var offset: UInt64 = 0
        var total: UInt64 = 0
        var etag: String?
        repeat {
            let part: (body: Data, total: UInt64, etag: String)?
            do { part = try client.get(key, from: offset, count: Self.readChunk, ifMatch: etag) } catch let e as S3Error where e.status == 412 {
                throw ObjectFault.unreadable("the object changed while it was read (\(e))")
            } catch { throw fault(error) }
            guard let part else {
                if offset == 0 { throw ObjectFault.missing }
                throw ObjectFault.unreadable("the object disappeared while it was read")
            }
            total = part.total
            etag = part.etag.isEmpty ? nil : part.etag
            if part.body.isEmpty { break }
            try part.body.withUnsafeBytes { try decoder.feed($0, emit: sink) }
            offset += UInt64(part.body.count)
        } while offset < total
        let r = try decoder.finish()
        return ObjectInfo(id: id, codec: r.header.codec, originalSize: r.header.originalLength, storedSize: r.storedSize)
    }

    // MARK: metadata

    public func contains(_ id: ObjectID) throws -> Bool { try storedSize(id) != nil }

    public func storedSize(_ id: ObjectID) throws -> UInt64? {
        do { return try client.head(key(of: id))?.size } catch { throw fault(error) }
    }

    public func header(_ id: ObjectID) throws -> ObjectHeader {
        let part: (body: Data, total: UInt64, etag: String)?
        do { part = try client.get(key(of: id), from: 0, count: ObjectHeader.size) } catch { throw fault(error) }
        guard let part else { throw ObjectFault.missing }
        guard part.body.count >= ObjectHeader.size else { throw ObjectFault.truncated("\(part.body.count) of the \(ObjectHeader.size) header bytes") }
        do { return try ObjectHeader(parsing: Array(part.body.prefix(ObjectHeader.size))) } catch { throw ObjectFault.headerCorrupt(error) }
    }

    public func remove(_ id: ObjectID) throws {
        do { try client.delete(key(of: id)) } catch { throw fault(error) }
    }

    public func removeStaleTemporaries() throws -> Int {
        var removed = 0
        do {
            for u in try client.pendingUploads(prefix: client.key("objects/")) {
                try client.abortMultipart(u.key, uploadID: u.uploadID)
                removed += 1
            }
        } catch { throw storeError(error, "unfinished uploads cannot be cleared") }
        return removed + (try SystemFile.existsOrFails(spool) ? SystemFile.removeTemporaries(in: spool) : 0)
    }

    // MARK: list

    public func list(_ body: ([StoreEntry]) throws -> Void) throws {
        do { try listEntries(body) } catch let e as S3Error {
            throw HosoError(e.status == 403 ? .storeAccessDenied : .storeUnavailable, subject: location,
                            message: "the store cannot be listed: \(e)",
                            advice: e.code == "NoSuchBucket" ? "The bucket does not exist: check the archive's \"store\" setting, or restore the bucket from a replica"
                                : e.status == 403 ? "Check the credentials and the bucket's permissions" : "Check the S3 service, then run the command again")
        } catch let e as S3Unavailable {
            throw HosoError(.storeUnavailable, subject: location, message: "the store cannot be listed: \(e)",
                            advice: "Check that the S3 service at \(client.location.endpoint.absoluteString) is running, then run the command again")
        }
    }

    private func listEntries(_ body: ([StoreEntry]) throws -> Void) throws {
        let objects = client.key("objects/")
        // Unfinished multipart uploads first: the S3 form of a writer's temp file.
        let now = Date()
        let pending = try client.pendingUploads(prefix: objects).map { u in
            StoreEntry.temporary(path: "s3://\(client.location.bucket)/\(u.key) (upload \(u.uploadID))",
                                 ageSeconds: u.initiated.map { max(0, now.timeIntervalSince($0)) } ?? 0)
        }
        if !pending.isEmpty { try body(pending) }
        var token: String?
        repeat {
            let page = try client.list(prefix: objects, continuation: token)
            let entries = page.keys.map { (k, size) -> StoreEntry in
                let shown = "s3://\(client.location.bucket)/\(k)"
                let rel = k.dropFirst(objects.count)
                let parts = rel.split(separator: "/", omittingEmptySubsequences: false)
                if parts.count == 2, parts[0].count == 2, parts[1].count == 62,
                   let id = ObjectID(hex: String(parts[0] + parts[1])), id.hex == String(parts[0] + parts[1]) {
                    return .object(id, storedSize: size, path: shown)
                }
                return .unexpected(path: shown)
            }
            try body(entries)
            token = page.next
        } while token != nil
    }

    // MARK: the ledger head

    public func mirrorHead(_ id: ObjectID) throws {
        let body = Data((id.prefixed + "\n").utf8)
        do { try client.put(client.key("HEAD"), body: body, contentMD5: Self.md5(body)) } catch {
            throw HosoError(.storeUnavailable, subject: client.key("HEAD"), message: "the ledger head could not be mirrored to \(location): \(error)",
                            advice: "The archive itself is committed; the next ingest mirrors the head again")
        }
    }

    public func mirroredHead() throws -> ObjectID? {
        let got: (body: Data, total: UInt64, etag: String)?
        do { got = try client.get(client.key("HEAD"), from: 0, count: 4096) } catch { throw storeError(error, "the mirrored ledger head cannot be read") }
        guard let part = got else { return nil }
        let text = String(decoding: part.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let id = ObjectID(hex: text) else {
            throw HosoError(.ledgerHeadMissing, subject: client.key("HEAD"), message: "the mirrored ledger head is not an object name",
                            found: String(text.prefix(80)), advice: "Restore HEAD from the archive host's ledger/HEAD")
        }
        return id
    }
}

/// Puts staged for one commit. The objects of a dossier the ingest accepted start uploading at
/// once (`prepareToCommit`), several at a time, while the rest of the checkpoint is prepared;
/// `commit` uploads whatever has not started and returns once every kept object is stored, so
/// the ledger never names an object the bucket lacks. An object is visible in the bucket once
/// its upload completes (an unfinished multipart upload never is); if the ingest stops before
/// its commit, what was uploaded is an unreferenced object that a later ingest of the same
/// content reuses.
public final class S3StagingArea: StagingArea {
    private let store: S3ObjectStore
    public let staged = StagedObjects()
    private let uploads: UploadPool

    init(store: S3ObjectStore) {
        self.store = store
        uploads = UploadPool(workers: store.uploadConcurrency) { entry in
            if entry.result.originalSize > S3ObjectStore.checkBeforeUploadAbove, try store.remoteSize(entry.result.id) != nil { return false }
            try store.upload(entry.temp, id: entry.result.id, size: Int(entry.result.storedSize))
            return true
        }
    }

    deinit { uploads.stop() }

    public func prepareToCommit(_ ids: [ObjectID]) {
        uploads.start(staged.entries(of: ids))
    }

    @discardableResult
    public func commit(keeping: Set<ObjectID>?) throws -> Int {
        let pending = staged.pending(keeping: keeping)
        guard !pending.isEmpty else { return 0 }
        uploads.start(pending)
        let stored = try uploads.wait(for: pending.map(\.result.id))
        for p in pending { unlink(p.temp) }
        staged.remove(pending)
        uploads.forget(pending.map(\.result.id))
        return stored
    }

    public func abandon() {
        uploads.stop()
        staged.abandon()
    }
}

/// Uploads on threads of their own (they wait on the network, not on this host's processors),
/// at most `workers` at once, in the order started. After a failure the uploads not yet begun
/// are not tried: the commit that waits for them reports the failure.
final class UploadPool: @unchecked Sendable {
    typealias Job = StagedObjects.Entry
    private enum Outcome { case queued, running, stored(Bool), failed(any Error) }

    private let condition = NSCondition()           // guards everything below
    private var queue: [Job] = []
    private var head = 0
    private var outcomes: [ObjectID: Outcome] = [:]
    private var failure: (any Error)?
    private var threads: [Thread] = []
    private var running = 0
    private var stopping = false
    private let workers: Int
    private let upload: @Sendable (Job) throws -> Bool

    init(workers: Int, upload: @escaping @Sendable (Job) throws -> Bool) {
        self.workers = max(1, workers); self.upload = upload
    }

    /// Queues the jobs not queued yet.
    func start(_ jobs: [Job]) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return }
        for j in jobs where outcomes[j.result.id] == nil {
            outcomes[j.result.id] = .queued
            queue.append(j)
        }
        while threads.count < min(workers, queue.count - head + running) {
            let t = Thread { [self] in work() }
            t.stackSize = 1 << 20
            threads.append(t)
            t.start()
        }
        condition.broadcast()
    }

    /// Waits until all these objects are stored; throws the first failure as soon as it is known.
    /// - Returns: how many were uploaded (the others were already in the bucket).
    func wait(for ids: [ObjectID]) throws -> Int {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let failure { throw failure }
            if stopping { throw CancellationError() }
            var uploaded = 0, done = true
            for id in ids {
                switch outcomes[id] {
                case .stored(let fresh): if fresh { uploaded += 1 }
                case .failed(let e): throw e
                default: done = false
                }
            }
            if done { return uploaded }
            condition.wait()
        }
    }

    /// Forgets the outcomes of committed objects.
    func forget(_ ids: [ObjectID]) {
        condition.lock()
        for id in ids { outcomes.removeValue(forKey: id) }
        condition.unlock()
    }

    /// Drops the uploads not begun, waits for those under way, and ends the threads.
    func stop() {
        condition.lock()
        stopping = true
        queue.removeAll(); head = 0
        condition.broadcast()
        while running > 0 || !threads.isEmpty { condition.wait() }
        condition.unlock()
    }

    private func work() {
        condition.lock()
        while true {
            while head == queue.count && !stopping { condition.wait() }
            if head == queue.count {
                threads.removeAll { $0 == Thread.current }
                condition.broadcast()
                condition.unlock()
                return
            }
            let job = queue[head]
            head += 1
            if head > 1024 && head * 2 > queue.count { queue.removeFirst(head); head = 0 }
            if let failure {
                outcomes[job.result.id] = .failed(failure)
                condition.broadcast()
                continue
            }
            outcomes[job.result.id] = .running
            running += 1
            condition.unlock()
            let outcome: Outcome
            do { outcome = .stored(try upload(job)) } catch { outcome = .failed(error) }
            condition.lock()
            running -= 1
            if case .failed(let e) = outcome, failure == nil { failure = e }
            if outcomes[job.result.id] != nil { outcomes[job.result.id] = outcome }
            condition.broadcast()
        }
    }
}
