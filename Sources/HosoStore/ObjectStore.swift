#if canImport(Glibc)
import Glibc
#endif
public import HosoCore
import Synchronization

/// What a put did.
public struct PutResult: Sendable, Hashable {
    public var id: ObjectID
    public var codec: Codec
    public var originalSize: UInt64
    /// Bytes on the storage, header included (of the existing copy when `existed`).
    public var storedSize: UInt64
    /// The object was already stored; nothing was written.
    public var existed: Bool

    public init(id: ObjectID, codec: Codec, originalSize: UInt64, storedSize: UInt64, existed: Bool) {
        self.id = id; self.codec = codec; self.originalSize = originalSize
        self.storedSize = storedSize; self.existed = existed
    }

    /// The share of the original size saved by compression (0 for raw objects).
    public var saving: Double {
        originalSize == 0 ? 0 : max(0, 1 - Double(storedSize) / Double(originalSize))
    }
}

/// An object as read back: its header and sizes, after verification.
public struct ObjectInfo: Sendable, Equatable {
    public var id: ObjectID
    public var codec: Codec
    public var originalSize: UInt64
    public var storedSize: UInt64
    public var saving: Double { originalSize == 0 ? 0 : max(0, 1 - Double(storedSize) / Double(originalSize)) }

    public init(id: ObjectID, codec: Codec, originalSize: UInt64, storedSize: UInt64) {
        self.id = id; self.codec = codec; self.originalSize = originalSize; self.storedSize = storedSize
    }
}

/// One entry found when listing a store.
public enum StoreEntry: Sendable, Equatable {
    /// A regular file under a valid object name.
    case object(ObjectID, storedSize: UInt64, path: String)
    /// A writer's temporary file (a running writer's, or left by a crash).
    case temporary(path: String, ageSeconds: Double)
    /// A symbolic link, folder or special file where an object should be (with the object name
    /// its path spells, if any).
    case notRegular(path: String, kind: String, id: ObjectID?)
    /// A file whose name is not an object name, or in the wrong fan-out folder.
    case unexpected(path: String)
    /// A fan-out folder that cannot be listed (its permissions, a failing disk): the objects
    /// named with `prefix` are neither seen nor missing.
    case unlistable(path: String, prefix: String, reason: String)
}

/// Where one byte source comes from, for put.
public protocol ByteSource {
    /// The number of bytes the source will deliver.
    var length: UInt64 { get }
    /// Reads the next bytes; 0 at the end.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// The storage protocol: everything above it (ingest, verify, export) talks only to this, so a
/// second backend (an S3-compatible object store) needs no change above the store.
///
/// Every read verifies: there is no way to get bytes that were not checked against the name.
public protocol ObjectStore: Sendable {
    /// Stores the file at `path`, durably before returning. When `expected` is given, the content
    /// must hash to it; otherwise nothing is stored and `ObjectFault.hashMismatch` is thrown.
    /// With a staging area, the object becomes visible (and durable) only at the area's commit.
    func put(file path: String, expected: ObjectID?, staging: (any StagingArea)?) throws -> PutResult

    /// Stores bytes held in memory (manifests, ledger entries, dossier XML).
    func put(bytes: [UInt8], expected: ObjectID?, staging: (any StagingArea)?) throws -> PutResult

    /// Stores whatever a byte source delivers (an open file, for example).
    func put<S: ByteSource>(source: inout S, expected: ObjectID?, path: String, staging: (any StagingArea)?) throws -> PutResult

    /// A staging area for many puts made durable together (one flush instead of one per object).
    func makeStagingArea() -> any StagingArea

    /// Streams the verified original bytes of `id` to `sink`. The sink sees bytes before the final
    /// check; when this throws, whatever the sink received must be discarded.
    /// - Throws: `ObjectFault` when the object is missing or damaged; `SystemError` for I/O.
    func get(_ id: ObjectID, into sink: (UnsafeRawBufferPointer) throws -> Void) throws -> ObjectInfo

    /// Whether an object of that name is stored (not whether it is intact).
    func contains(_ id: ObjectID) throws -> Bool

    /// The stored size of an object, or nil when it is absent (a quick, content-free check).
    func storedSize(_ id: ObjectID) throws -> UInt64?

    /// The header of a stored object, read without decoding the payload.
    func header(_ id: ObjectID) throws -> ObjectHeader

    /// Every entry of the store, in a stable order, in batches (of any size: one or more fan-out
    /// folders, or a page of a listing).
    func list(_ body: ([StoreEntry]) throws -> Void) throws

    /// Removes an object (repair and garbage collection only).
    func remove(_ id: ObjectID) throws

    /// A human-readable location of the store (a folder, an s3:// URL).
    var location: String { get }

    /// Where an object is, as shown to people (`objects/ab/cdef…`, `s3://bucket/…`).
    func displayPath(of id: ObjectID) -> String

    /// How many reads to keep in flight by default: one per processor on a local disk, more
    /// for a store across a network, where each request mostly waits.
    var preferredConcurrency: Int { get }

    /// How many header reads (a quick check: no payload, no hashing) to keep in flight by
    /// default. Each mostly waits for the disk or the network, not for a processor.
    var preferredHeaderConcurrency: Int { get }

    /// Removes what interrupted writers left (temp files, unfinished uploads); only with the
    /// archive's writer lock held. Returns how many were removed.
    func removeStaleTemporaries() throws -> Int

    /// Keeps a copy of the ledger head with the objects, so that the store alone is enough to
    /// recover an archive (a remote store); nothing for a store inside the archive folder.
    func mirrorHead(_ id: ObjectID) throws

    /// The ledger head mirrored with the objects, if any.
    func mirroredHead() throws -> ObjectID?

    /// Mirrors the head only if `accept` takes the head kept now (nil: none); returns whether
    /// it was written. A store in another archive's folder reads, checks and writes under that
    /// archive's writer lock, so that a commit there cannot come in between.
    func mirrorHead(_ id: ObjectID, onlyIf accept: (ObjectID?) -> Bool) throws -> Bool
}

/// Puts made together: each object is written in full to a temporary file, and `commit` makes
/// them all durable, then visible (flush, then rename without replacing, then flush the folders).
/// An object is thus never visible before its bytes are on stable storage, as with a single put.
/// A crash before commit leaves only temporary files, which the next writer removes.
public protocol StagingArea: AnyObject, Sendable {
    /// Makes the staged objects named in `keeping` durable and visible (all of them when nil); the
    /// others stay staged for a later commit, or `abandon` (objects of refused dossiers).
    /// - Returns: the number of objects that became visible (not counting ones already stored).
    @discardableResult
    func commit(keeping: Set<ObjectID>?) throws -> Int
    /// The staged temp files and their put results.
    var staged: StagedObjects { get }
    /// Says that the next commit will keep these staged objects (the objects of a dossier the
    /// ingest accepted). A store whose commit is slow, one in S3, may start storing them now;
    /// the commit still returns only once they are stored.
    func prepareToCommit(_ ids: [ObjectID])
    /// Drops every staged object (nothing is committed) and removes its temporary file.
    func abandon()
}

extension StagingArea {
    public func prepareToCommit(_ ids: [ObjectID]) {}
    public func abandon() { staged.abandon() }
    /// Objects staged and not yet committed.
    public var count: Int { staged.count }
}

/// What every staging area keeps: the staged temp files, in staging order, and each object's
/// put result; thread-safe.
public final class StagedObjects: Sendable {
    public typealias Entry = (temp: String, result: PutResult)
    private struct State {
        var entries: [Entry] = []
        var byID: [ObjectID: PutResult] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    /// Registers a staged temp file; false when the object is already staged (caller discards).
    public func add(temp: String, result: PutResult) -> Bool {
        state.withLock { s in
            if s.byID[result.id] != nil { return false }
            s.byID[result.id] = result
            s.entries.append((temp, result))
            return true
        }
    }

    /// The put result of a staged object.
    public func result(of id: ObjectID) -> PutResult? { state.withLock { $0.byID[id] } }

    /// The staged entries of these objects (those not staged are left out).
    public func entries(of ids: [ObjectID]) -> [Entry] {
        let wanted = Set(ids)
        return state.withLock { $0.entries.filter { wanted.contains($0.result.id) } }
    }

    public var count: Int { state.withLock { $0.entries.count } }

    /// The entries a commit of `keeping` covers (all when nil).
    public func pending(keeping: Set<ObjectID>?) -> [Entry] {
        let all = state.withLock { $0.entries }
        return keeping.map { k in all.filter { k.contains($0.result.id) } } ?? all
    }

    /// Forgets committed entries; the others stay staged.
    public func remove(_ committed: [Entry]) {
        let done = Set(committed.map(\.result.id))
        state.withLock { s in
            s.entries.removeAll { done.contains($0.result.id) }
            for id in done { s.byID.removeValue(forKey: id) }
        }
    }

    /// Forgets everything and removes every staged temp file.
    public func abandon() {
        let all = state.withLock { s -> [Entry] in
            let e = s.entries; s = State(); return e
        }
        for p in all { unlink(p.temp) }
    }
}

extension ObjectStore {
    public var preferredConcurrency: Int { Parallel.defaultWorkers }
    /// 16: on a virtual disk with a cold page cache, `verify --quick` over 400,000 objects took
    /// 37 s with 2 reads in flight, 21 s with 16 and 18.7 s with 64; with a warm cache, 6.0 s
    /// with 2, 6.4 s with 16 and 7.2 s with 64 (see Benchmarks/README.md).
    public var preferredHeaderConcurrency: Int { max(16, preferredConcurrency) }
    public func mirrorHead(_ id: ObjectID) throws {}
    public func mirroredHead() throws -> ObjectID? { nil }
    /// The kept head; nil also where what is kept names no entry (garbage is replaced like a
    /// missing head). A failure to read it (a service down) is thrown.
    func keptHeadOrNone() throws -> ObjectID? {
        do { return try mirroredHead() } catch let e as HosoError where e.code == .ledgerHeadMirror || e.code == .ledgerHeadMissing { return nil }
    }

    public func mirrorHead(_ id: ObjectID, onlyIf accept: (ObjectID?) -> Bool) throws -> Bool {
        guard accept(try keptHeadOrNone()) else { return false }
        try mirrorHead(id)
        return true
    }

    public func put(file path: String, expected: ObjectID?) throws -> PutResult {
        try put(file: path, expected: expected, staging: nil)
    }
    public func put(bytes: [UInt8], expected: ObjectID?) throws -> PutResult {
        try put(bytes: bytes, expected: expected, staging: nil)
    }

    /// The verified bytes of a small object, held in memory.
    /// - Parameter limit: the largest object accepted.
    public func bytes(of id: ObjectID, limit: Int = 64 << 20) throws -> [UInt8] {
        var out: [UInt8] = []
        let h = try header(id)
        guard h.originalLength <= UInt64(limit) else {
            throw HosoError(.fileTooLarge, subject: id.prefixed,
                            message: "the object is \(h.originalLength) bytes, more than the \(limit) expected here",
                            advice: "This object cannot be a manifest or ledger entry; run 'hoso verify'")
        }
        out.reserveCapacity(Int(h.originalLength))
        _ = try get(id) { out.append(contentsOf: $0) }
        return out
    }
}

/// A byte source over memory.
public struct MemorySource: ByteSource {
    let bytes: [UInt8]
    var offset = 0
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var length: UInt64 { UInt64(bytes.count) }
    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - offset)
        if n > 0 {
            bytes.withUnsafeBytes { src in
                buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n)
            }
        }
        offset += n
        return n
    }
}

/// A byte source over an open file.
public struct FileSource: ByteSource {
    let fd: Int32
    let path: String
    public let length: UInt64
    public init(fd: Int32, path: String, length: UInt64) { self.fd = fd; self.path = path; self.length = length }
    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try SystemFile.readFully(fd, into: buffer, path: path)
    }
}
