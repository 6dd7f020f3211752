#if canImport(Glibc)
import Glibc
#endif
internal import CHosoSys
import Synchronization
public import HosoCore

/// The object store on a local file system: `objects/ab/cdef…`, 256 fan-out folders made when
/// the store is created, one self-describing file per object (see docs/store-format.md).
///
/// Writes follow git's and restic's path: temp file in the store, hash and compress in one pass,
/// compare with the expected name, fsync, chmod read-only, rename without replacing, fsync the
/// folder. A crash at any instant leaves either no object or a whole one, plus at most a temp file.
public final class LocalObjectStore: ObjectStore {
    /// The `objects` folder.
    public let root: String
    public let policy: CompressionPolicy
    /// The prefix shown in paths of findings (e.g. "objects").
    public let displayRoot: String
    /// Where a replica keeps the ledger head of the archive it copies (`HEAD` beside the fan-out
    /// folders of a store folder, `ledger/HEAD` of an archive folder), so that a replica on a
    /// disk can give back a head that was lost or moved back; nil for an archive's own store.
    public let headPath: String?
    /// The writer lock of the archive folder whose head this is (nil: no archive, no lock).
    public let headLockPath: String?

    /// Read-only, for those who may enter the store's folder (see `SystemFile.mode(_:likeFolder:)`).
    let objectMode: mode_t

    public init(root: String, policy: CompressionPolicy = CompressionPolicy(), displayRoot: String = "objects",
                headPath: String? = nil, headLockPath: String? = nil) {
        self.root = root; self.policy = policy; self.displayRoot = displayRoot
        self.headPath = headPath; self.headLockPath = headLockPath
        objectMode = SystemFile.mode(0o444, likeFolder: root)
    }

    /// The name of the head a store folder keeps beside its fan-out folders.
    public static let headFileName = "HEAD"

    public func mirrorHead(_ id: ObjectID) throws {
        _ = try mirrorHead(id) { _ in true }
    }

    public func mirrorHead(_ id: ObjectID, onlyIf accept: (ObjectID?) -> Bool) throws -> Bool {
        guard let headPath else { return false }
        // Into an archive folder: only while no writer of that archive runs.
        var lock: Int32 = -1
        if let headLockPath {
            lock = open(headLockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard lock >= 0 else { throw SystemError(errno: errno, operation: "open", path: headLockPath) }
            guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
                close(lock)
                throw HosoError(.archiveLocked, file: headLockPath, message: "a writer holds the destination archive, so its ledger head was not updated",
                                advice: "Run the replication again when it has finished: the objects copied are kept")
            }
        }
        defer { if lock >= 0 { flock(lock, LOCK_UN); close(lock) } }
        guard accept(try keptHeadOrNone()) else { return false }
        try SystemFile.writeAtomically(Array((id.prefixed + "\n").utf8), to: headPath, likeItsFolder: true)
        return true
    }

    public func mirroredHead() throws -> ObjectID? {
        guard let headPath, SystemFile.exists(headPath) else { return nil }
        let text = String(decoding: try SystemFile.readAll(headPath, limit: 4096).filter { $0 > 0x20 }, as: UTF8.self)
        guard let id = ObjectID(hex: text) else {
            throw HosoError(.ledgerHeadMirror, file: headPath, message: "the ledger head kept here is not a sha256:… name",
                            found: String(text.prefix(80)), advice: "Replicate to it again to write a new one")
        }
        return id
    }

    public var location: String { root }

    /// Creates the `objects` folder and its 256 fan-out folders, durably.
    public static func create(at root: String) throws {
        try SystemFile.makeDirectories(root)
        for i in 0..<256 {
            try SystemFile.makeDirectory(root + "/" + fanOut(i))
        }
        for i in 0..<256 { try SystemFile.syncDirectory(root + "/" + fanOut(i)) }
        try SystemFile.syncDirectory(root)
        try SystemFile.syncDirectory(SystemFile.parentFolder(root))
    }

    static func fanOut(_ i: Int) -> String {
        let d = Array("0123456789abcdef")
        return String(d[i >> 4]) + String(d[i & 15])
    }

    /// The file of an object.
    public func path(of id: ObjectID) -> String {
        let hex = id.hex
        return root + "/" + hex.prefix(2) + "/" + hex.dropFirst(2)
    }

    /// The path shown to people: `objects/ab/cdef…`.
    public func displayPath(of id: ObjectID) -> String {
        let hex = id.hex
        return displayRoot + "/" + hex.prefix(2) + "/" + hex.dropFirst(2)
    }

    // MARK: put

    public func put(file path: String, expected: ObjectID?, staging: (any StagingArea)?) throws -> PutResult {
        let fd = try SystemFile.openForReading(path)
        defer { close(fd) }
        let st = try SystemFile.status(fd, path: path)
        guard SystemFile.isRegular(st) else {
            throw SystemError(errno: SystemFile.isDirectory(st) ? EISDIR : EINVAL, operation: "read (not a regular file)", path: path)
        }
        var source = FileSource(fd: fd, path: path, length: UInt64(st.st_size))
        return try put(source: &source, expected: expected, path: path, staging: staging as? LocalStagingArea)
    }

    public func put(bytes: [UInt8], expected: ObjectID?, staging: (any StagingArea)?) throws -> PutResult {
        var source = MemorySource(bytes)
        return try put(source: &source, expected: expected, path: "(memory)", staging: staging as? LocalStagingArea)
    }

    public func makeStagingArea() -> any StagingArea { LocalStagingArea(store: self) }

    public func put<S: ByteSource>(source: inout S, expected: ObjectID?, path: String, staging: (any StagingArea)?) throws -> PutResult {
        try put(source: &source, expected: expected, path: path, staging: staging as? LocalStagingArea)
    }

    /// Stores a byte source; see `ObjectStore.put(file:expected:staging:)`.
    public func put(source: inout some ByteSource, expected: ObjectID?, path: String,
                    staging: LocalStagingArea? = nil) throws -> PutResult {
        // Known name, already stored or staged: only prove the source is that content (hashing,
        // no writing).
        if let expected, let known = try knownSize(expected, staging) {
            let encoded = try ObjectEncoder.encode(&source, policy: policy, path: path, hashOnly: true) { _ in }
            guard encoded.id == expected else { throw ObjectFault.hashMismatch(found: encoded.id) }
            return PutResult(id: expected, codec: known.codec, originalSize: encoded.originalLength, storedSize: known.size, existed: true)
        }
        let temp = root + "/.tmp-" + SystemFile.randomSuffix()
        let (encoded, fd) = try ObjectEncoder.spool(&source, policy: policy, path: path, expected: expected, to: temp, mode: objectMode)
        var closed = false
        do {
            if let staging {
                close(fd); closed = true
                let result = PutResult(id: encoded.id, codec: encoded.codec, originalSize: encoded.originalLength,
                                       storedSize: encoded.storedLength, existed: false)
                // A declared name was looked up before spooling (and the spool proved the content
                // is that name): no second look. The lock keeps other writers out; workers of this
                // run meet in the staging area.
                let lookedUp = expected != nil
                let alreadyStored = lookedUp ? false : try storedSize(encoded.id) != nil
                if alreadyStored || !staging.staged.add(temp: temp, result: result) {
                    unlink(temp)
                    let known = try knownSize(encoded.id, staging)
                    return PutResult(id: encoded.id, codec: known?.codec ?? encoded.codec, originalSize: encoded.originalLength,
                                     storedSize: known?.size ?? encoded.storedLength, existed: true)
                }
                return result
            }
            try SystemFile.sync(fd, path: temp)
            close(fd); closed = true
            let final = self.path(of: encoded.id)
            let existed = try renameNoReplace(temp, final)
            if existed {
                unlink(temp)
                let size = try storedSize(encoded.id) ?? encoded.storedLength
                let codec = (try? header(encoded.id).codec) ?? encoded.codec
                return PutResult(id: encoded.id, codec: codec, originalSize: encoded.originalLength, storedSize: size, existed: true)
            }
            try SystemFile.syncDirectory(SystemFile.parentFolder(final))
            return PutResult(id: encoded.id, codec: encoded.codec, originalSize: encoded.originalLength,
                             storedSize: encoded.storedLength, existed: false)
        } catch {
            if !closed { close(fd) }
            unlink(temp)
            throw error
        }
    }

    /// The codec and stored size of an object that is stored or staged, or nil.
    private func knownSize(_ id: ObjectID, _ staging: LocalStagingArea?) throws -> (codec: Codec, size: UInt64)? {
        if let size = try storedSize(id) { return ((try? header(id).codec) ?? .raw, size) }
        if let staged = staging?.staged.result(of: id) { return (staged.codec, staged.storedSize) }
        return nil
    }

    /// Renames without ever replacing an existing object; returns true when the target existed.
    func renameNoReplace(_ from: String, _ to: String) throws -> Bool {
        do { try Self.renameNoReplace(from, to) } catch let e as SystemError where e.errno == EEXIST { return true }
        catch let e as SystemError where e.errno == ENOENT && SystemFile.linkStatus(from) != nil {
            // A fan-out folder missing: an archive copied or restored by a tool that keeps no
            // empty folders (git, some backups). Made again, durably, then the rename.
            let folder = SystemFile.parentFolder(to)
            if mkdir(folder, 0o755) != 0 && errno != EEXIST { throw SystemError(errno: errno, operation: "mkdir", path: folder) }
            try SystemFile.syncDirectory(root)
            do { try Self.renameNoReplace(from, to) } catch let e as SystemError where e.errno == EEXIST { return true }
        }
        return false
    }

    /// Renames `from` to `to`, never replacing what `to` names (a file, or with renameat2 a
    /// folder): for objects, and for anything kept as evidence (reports, discarded data).
    /// - Throws: `SystemError` (EEXIST when `to` exists).
    public static func renameNoReplace(_ from: String, _ to: String) throws {
        if choso_rename_noreplace(AT_FDCWD, from, AT_FDCWD, to) == 0 { return }
        let e = errno
        if e == ENOSYS || e == EINVAL, let st = SystemFile.linkStatus(from), !SystemFile.isDirectory(st) {
            // File systems without renameat2: link() also refuses to replace, atomically.
            if link(from, to) == 0 { unlink(from); return }
            throw SystemError(errno: errno, operation: "link", path: to)
        }
        throw SystemError(errno: e, operation: "rename", path: to)
    }

    // MARK: get

    public func get(_ id: ObjectID, into sink: (UnsafeRawBufferPointer) throws -> Void) throws -> ObjectInfo {
        let p = path(of: id)
        let fd: Int32
        do { fd = try SystemFile.openForReading(p, followSymlinks: false) } catch {
            switch error.errno {
            case ENOENT: throw ObjectFault.missing
            case ELOOP: throw ObjectFault.notRegular("a symbolic link")
            case EACCES, EPERM: throw ObjectFault.notPermitted(error.reason)
            default: throw ObjectFault.unreadable(error.reason)
            }
        }
        defer { close(fd) }
        let st = try SystemFile.status(fd, path: p)
        guard SystemFile.isRegular(st) else { throw ObjectFault.notRegular(SystemFile.isDirectory(st) ? "a folder" : "a special file") }
        let decoder = ObjectDecoder(expected: id)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: CompressionPolicy.chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n: Int
            do { n = try SystemFile.read(fd, into: buffer, path: p) } catch { throw ObjectFault.unreadable(error.reason) }
            if n == 0 { break }
            try decoder.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), emit: sink)
        }
        let r = try decoder.finish()
        return ObjectInfo(id: id, codec: r.header.codec, originalSize: r.header.originalLength, storedSize: r.storedSize)
    }

    // MARK: metadata

    public func contains(_ id: ObjectID) throws -> Bool { SystemFile.linkStatus(path(of: id)) != nil }

    public func storedSize(_ id: ObjectID) throws -> UInt64? {
        guard let st = SystemFile.linkStatus(path(of: id)), SystemFile.isRegular(st) else { return nil }
        return UInt64(st.st_size)
    }

    public func header(_ id: ObjectID) throws -> ObjectHeader {
        let p = path(of: id)
        let fd: Int32
        do { fd = try SystemFile.openForReading(p, followSymlinks: false) } catch {
            if error.errno == ENOENT { throw ObjectFault.missing }
            if error.isPermissionDenied { throw ObjectFault.notPermitted(error.reason) }
            throw ObjectFault.unreadable(error.reason)
        }
        defer { close(fd) }
        let st = try SystemFile.status(fd, path: p)
        guard SystemFile.isRegular(st) else { throw ObjectFault.notRegular(SystemFile.isDirectory(st) ? "a folder" : "a special file") }
        var b = [UInt8](repeating: 0, count: ObjectHeader.size)
        let n = try b.withUnsafeMutableBytes { try SystemFile.readFully(fd, into: $0, path: p) }
        guard n == ObjectHeader.size else { throw ObjectFault.truncated("\(n) of the \(ObjectHeader.size) header bytes") }
        do { return try ObjectHeader(parsing: b) } catch { throw ObjectFault.headerCorrupt(error) }
    }

    public func remove(_ id: ObjectID) throws {
        let p = path(of: id)
        try SystemFile.remove(p)
        try SystemFile.syncDirectory(SystemFile.parentFolder(p))
    }

    public func removeStaleTemporaries() throws -> Int { try SystemFile.removeTemporaries(in: root) }

    // MARK: list

    public func list(_ body: ([StoreEntry]) throws -> Void) throws {
        let now = SystemFile.now()
        // Files directly in objects/: writers' temp files, or strays.
        var top: [StoreEntry] = []
        var fanOuts: Set<String> = []
        for (name, type) in try SystemFile.listDirectory(root).sorted(by: { $0.name < $1.name }) {
            let full = root + "/" + name
            let shown = displayRoot + "/" + name
            if name.count == 2 && name.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) && type == UInt8(DT_DIR) {
                fanOuts.insert(name); continue
            }
            // A replica's copy of the ledger head is no stray.
            if full == headPath { continue }
            top.append(Self.classify(name: name, full: full, shown: shown, type: type, now: now, fanOut: nil))
        }
        try body(top)
        // Each entry costs an lstat, which waits for its inode when the page cache is cold:
        // several are kept in flight, as for a quick check's header reads. Folders are taken
        // together until a batch is large enough to be worth the threads.
        var batch: [(name: String, type: UInt8, prefix: String)] = []
        let displayRoot = self.displayRoot, root = self.root, workers = preferredHeaderConcurrency
        func flush() throws {
            guard !batch.isEmpty else { return }
            let items = batch
            batch.removeAll(keepingCapacity: true)
            try body(Parallel.map(items, workers: items.count < 256 ? 1 : workers) { e in
                Self.classify(name: e.name, full: root + "/" + e.prefix + "/" + e.name,
                              shown: displayRoot + "/" + e.prefix + "/" + e.name, type: e.type, now: now, fanOut: e.prefix)
            })
        }
        for i in 0..<256 {
            let prefix = LocalObjectStore.fanOut(i)
            guard fanOuts.contains(prefix) else { continue }
            let listing: [(name: String, type: UInt8)]
            do { listing = try SystemFile.listDirectory(root + "/" + prefix) } catch {
                // One folder that cannot be read does not stop the audit of the other 255.
                try flush()
                try body([.unlistable(path: displayRoot + "/" + prefix, prefix: prefix, reason: error.reason)])
                continue
            }
            for e in listing.sorted(by: { $0.name < $1.name }) { batch.append((e.name, e.type, prefix)) }
            if batch.count >= 2048 { try flush() }
        }
        try flush()
    }

    private static func classify(name: String, full: String, shown: String, type: UInt8, now: Double, fanOut: String?) -> StoreEntry {
        let st = SystemFile.linkStatus(full)
        let isTemp = name.hasPrefix(".tmp-")
        if isTemp, let st, SystemFile.isRegular(st) {
            return .temporary(path: shown, ageSeconds: max(0, now - Double(st.st_mtim.tv_sec)))
        }
        // A writer's temp file renamed into place (or removed) since the listing: a temp file
        // still, not something foreign in the store.
        if isTemp && st == nil { return .temporary(path: shown, ageSeconds: 0) }
        guard let st else { return .unexpected(path: shown) }
        // 62 lowercase hex digits (checked on the bytes: this runs for every object of the store).
        if let fanOut, name.utf8.count == 62, ObjectID.isLowercaseHex(name.utf8), let id = ObjectID(hex: fanOut + name) {
            if SystemFile.isRegular(st) { return .object(id, storedSize: UInt64(st.st_size), path: shown) }
            return .notRegular(path: shown, kind: SystemFile.isSymlink(st) ? "a symbolic link" : SystemFile.isDirectory(st) ? "a folder" : "a special file", id: id)
        }
        if SystemFile.isSymlink(st) { return .notRegular(path: shown, kind: "a symbolic link", id: nil) }
        return .unexpected(path: shown)
    }
}

/// The local store's staging area: temp files written in full, then one `syncfs` for all of them,
/// then renames without replacing, then an fsync of each folder that received a name.
public final class LocalStagingArea: StagingArea {
    private let store: LocalObjectStore
    public let staged = StagedObjects()

    init(store: LocalObjectStore) { self.store = store }

    @discardableResult
    public func commit(keeping: Set<ObjectID>?) throws -> Int {
        let pending = staged.pending(keeping: keeping)
        guard !pending.isEmpty else { return 0 }
        // 1. Every temp file's bytes on stable storage, in one call.
        let fd = open(store.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError(errno: errno, operation: "open folder", path: store.root) }
        defer { close(fd) }
        let hasSyncfs = choso_syncfs(fd) == 0
        if !hasSyncfs {
            let e = errno
            guard e == ENOSYS else { throw SystemError(errno: e, operation: "syncfs", path: store.root) }
            for p in pending {
                let f = try SystemFile.openForReading(p.temp)
                defer { close(f) }
                try SystemFile.sync(f, path: p.temp)
            }
        }
        // 2. Names, never replacing; 3. the names on stable storage (one more syncfs flushes every
        // folder's new entries at once; without syncfs, each folder is fsynced).
        var folders = Set<String>()
        var stored = 0
        for p in pending {
            let final = store.path(of: p.result.id)
            if try store.renameNoReplace(p.temp, final) { unlink(p.temp) } else { folders.insert(SystemFile.parentFolder(final)); stored += 1 }
        }
        if hasSyncfs && !folders.isEmpty {
            guard choso_syncfs(fd) == 0 else { throw SystemError(errno: errno, operation: "syncfs", path: store.root) }
        } else {
            for folder in folders.sorted() { try SystemFile.syncDirectory(folder) }
        }
        // What was not asked for stays staged, for a later commit (or abandon).
        staged.remove(pending)
        return stored
    }
}
