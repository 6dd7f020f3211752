#if canImport(Glibc)
public import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

/// A failed system call, with its errno, the operation and the path it was about.
public struct SystemError: Error, Sendable, CustomStringConvertible, Equatable {
    public let errno: Int32
    public let operation: String
    public let path: String

    public init(errno: Int32, operation: String, path: String) {
        self.errno = errno; self.operation = operation; self.path = path
    }

    /// The C library's text for the errno ("No space left on device").
    public var reason: String { String(cString: strerror(errno)) }

    /// Whether this user may not do it (not damage, not absence).
    public var isPermissionDenied: Bool { errno == EACCES || errno == EPERM }

    public var description: String { "\(operation) \(path): \(reason)" }

    /// The diagnostic for this failure, with advice that fits the errno.
    public var diagnostic: Diagnostic {
        let advice: String
        switch errno {
        case ENOSPC, EDQUOT: advice = "Free space on the disk (or raise the quota) and run the command again; nothing half-written was kept"
        case EACCES, EPERM: advice = "Check the permissions of the path, or run as the archive's owner"
        case EROFS: advice = "The file system is mounted read-only: remount it read-write, or copy the archive to writable media (a disc or squashfs image cannot be), to change it"
        case EIO: advice = "The disk reported an input/output error; check it (dmesg, smartctl) before going on"
        case ENOENT: advice = "Check that the path exists"
        default: advice = "Check the path and the disk, then run the command again"
        }
        // A temporary file (removed on the failure) is no place to look at: its folder is.
        let name = path.split(separator: "/").last ?? ""
        if name.hasPrefix(".tmp-") || name.hasPrefix(".hoso-tmp-") {
            return Diagnostic(.ioFailure, file: SystemFile.parentFolder(path), message: "\(operation) of a new file in this folder failed: \(reason)", advice: advice)
        }
        return Diagnostic(.ioFailure, file: path, message: "\(operation) failed: \(reason)", advice: advice)
    }
}

/// The few system calls hoso makes on files, in one place (the I/O seam of STYLE.md).
public enum SystemFile {
    /// The absolute path with links and `.`/`..` resolved (nil when it does not exist).
    public static func canonicalPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// Whether `path`, which need not exist yet, lies in the folder `folder` (or is it): both
    /// with links resolved, a path that does not exist yet through its deepest existing folder.
    public static func isWithin(_ path: String, folder: String) -> Bool {
        guard let base = canonicalPath(folder) else { return false }
        var existing = path.isEmpty ? "." : path
        var rest: [Substring] = []
        while canonicalPath(existing) == nil {
            let parent = parentFolder(existing)
            guard parent != existing else { return false }
            rest.insert(existing.split(separator: "/").last ?? "", at: 0)
            existing = parent
        }
        guard let resolved = canonicalPath(existing) else { return false }
        let full = lexicallyResolved(([resolved] + rest.map(String.init)).joined(separator: "/"))
        return full == base || full.hasPrefix(base == "/" ? base : base + "/")
    }

    /// An absolute path with its empty, "." and ".." parts resolved by name (links not followed).
    public static func lexicallyResolved(_ absolute: String) -> String {
        var parts: [Substring] = []
        for c in absolute.split(separator: "/") {
            if c == "." { continue }
            if c == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(c)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Opens a file for reading. Never waits: a FIFO put where a file belongs opens at once (and
    /// the callers, which check that they read a regular file, refuse it) instead of hanging
    /// until some writer appears; for regular files the flag changes nothing.
    public static func openForReading(_ path: String, followSymlinks: Bool = true) throws(SystemError) -> Int32 {
        var flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK
        if !followSymlinks { flags |= O_NOFOLLOW }
        let fd = open(path, flags)
        guard fd >= 0 else { throw SystemError(errno: errno, operation: "open", path: path) }
        return fd
    }

    /// Creates a new file that must not exist yet (O_EXCL), for writing.
    public static func createExclusive(_ path: String, mode: mode_t = 0o644) throws(SystemError) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SystemError(errno: errno, operation: "create", path: path) }
        return fd
    }

    /// Reads up to `buffer.count` bytes, retrying on EINTR; 0 means end of file.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws(SystemError) -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw SystemError(errno: errno, operation: "read", path: path)
        }
    }

    /// Reads until `buffer` is full or the file ends; returns the bytes read.
    public static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws(SystemError) -> Int {
        var total = 0
        while total < buffer.count {
            let n = try read(fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[total...]), path: path)
            if n == 0 { break }
            total += n
        }
        return total
    }

    /// Writes all of `buffer`, retrying short writes and EINTR.
    public static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws(SystemError) {
        var offset = 0
        while offset < buffer.count {
            let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError(errno: errno, operation: "write", path: path)
            }
            if n == 0 { throw SystemError(errno: EIO, operation: "write", path: path) }
            offset += n
        }
    }

    /// Writes all of `buffer` at `offset` without moving the file position.
    public static func writeAt(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, offset: Int, path: String) throws(SystemError) {
        var done = 0
        while done < buffer.count {
            let n = pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError(errno: errno, operation: "write", path: path)
            }
            if n == 0 { throw SystemError(errno: EIO, operation: "write", path: path) }
            done += n
        }
    }

    /// Flushes a file's data and metadata to stable storage. A failure is never ignored: after a
    /// failed fsync the kernel may have dropped the dirty pages, so the write must count as lost.
    public static func sync(_ fd: Int32, path: String) throws(SystemError) {
        while fsync(fd) != 0 {
            if errno == EINTR { continue }
            throw SystemError(errno: errno, operation: "fsync", path: path)
        }
    }

    /// fsyncs a folder, so that names created or renamed in it survive a power loss.
    public static func syncDirectory(_ path: String) throws(SystemError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError(errno: errno, operation: "open folder", path: path) }
        defer { close(fd) }
        try sync(fd, path: path)
    }

    /// The status of a path (lstat: links are not followed).
    public static func linkStatus(_ path: String) -> stat? {
        var st = stat()
        return lstat(path, &st) == 0 ? st : nil
    }

    /// The status of a path, following links.
    public static func status(_ path: String) -> stat? {
        var st = stat()
        return stat(path, &st) == 0 ? st : nil
    }

    /// The status of an open file.
    public static func status(_ fd: Int32, path: String) throws(SystemError) -> stat {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SystemError(errno: errno, operation: "stat", path: path) }
        return st
    }

    public static func isRegular(_ st: stat) -> Bool { (st.st_mode & S_IFMT) == S_IFREG }
    public static func isDirectory(_ st: stat) -> Bool { (st.st_mode & S_IFMT) == S_IFDIR }
    public static func isSymlink(_ st: stat) -> Bool { (st.st_mode & S_IFMT) == S_IFLNK }

    /// Opens (creating it) the lock file at `path` and takes its exclusive `flock`, waiting for
    /// any holder; the lock lasts until the returned descriptor is closed.
    public static func lockExclusively(_ path: String) throws(SystemError) -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError(errno: errno, operation: "open", path: path) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let e = errno
                close(fd)
                throw SystemError(errno: e, operation: "flock", path: path)
            }
        }
        return fd
    }

    /// Removes the temporary files (`.tmp-*`, as `writeAtomically` and the stores name them)
    /// directly in `folder`; returns how many.
    /// - Parameter olderThan: only those not written to for this many seconds (where another
    ///   process may be writing into the folder, one that holds no lock there).
    @discardableResult
    public static func removeTemporaries(in folder: String, olderThan: Double? = nil) throws(SystemError) -> Int {
        var removed = 0
        let now = now()
        for (name, _) in try listDirectory(folder) where name.hasPrefix(".tmp-") {
            let path = folder + "/" + name
            if let olderThan {
                guard let st = linkStatus(path), now - Double(st.st_mtim.tv_sec) > olderThan else { continue }
            }
            try remove(path)
            removed += 1
        }
        return removed
    }

    /// Closes a descriptor (for code that does not import the C library itself).
    @discardableResult
    public static func closeDescriptor(_ fd: Int32) -> Int32 { close(fd) }

    /// Whether something exists at `path` (without following a final link).
    public static func exists(_ path: String) -> Bool { linkStatus(path) != nil }

    /// Whether something exists at `path`, where "cannot tell" (a folder on the way this user
    /// may not enter) is an error, not "no": an unreadable ledger or index is not an empty one.
    public static func existsOrFails(_ path: String) throws(SystemError) -> Bool {
        var st = stat()
        if lstat(path, &st) == 0 { return true }
        let e = errno
        if e == ENOENT || e == ENOTDIR { return false }
        throw SystemError(errno: e, operation: "look up", path: path)
    }

    /// Advice for a file this user may not read.
    public static let noPermissionAdvice = "Ask the archive's owner for read access (the archive's folders r-x and files r for your group), or run as a user who has it"

    /// Creates a folder; an existing folder is fine.
    /// - Parameter likeParent: an archive's folder, made again after `init` (an index set
    ///   aside): open to whom its parent is (see `mode(_:likeFolder:)`), and set-group-ID as it.
    public static func makeDirectory(_ path: String, mode: mode_t = 0o755, likeParent: Bool = false) throws(SystemError) {
        let made: Int32
        if likeParent {
            // Made with the mode wanted, not chmod-ed after: the kernel gives a folder made in a
            // set-group-ID folder its group and the bit, and a chmod by an owner outside that
            // group would take the bit away again (the group's files would then be the
            // owner's group's). The umask is set aside for this one call (folders are made
            // before a command's workers start, or after they end).
            let wanted = Self.mode(mode, likeFolder: parentFolder(path))
            let old = umask(0)
            made = mkdir(path, wanted)
            umask(old)
        } else {
            made = mkdir(path, mode)
        }
        if made != 0 && errno != EEXIST { throw SystemError(errno: errno, operation: "create folder", path: path) }
    }

    /// Creates a folder and its missing parents.
    public static func makeDirectories(_ path: String) throws(SystemError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            try makeDirectory(prefix)
            prefix += "/"
        }
    }

    /// Removes a file; a missing file is fine.
    public static func remove(_ path: String) throws(SystemError) {
        if unlink(path) != 0 && errno != ENOENT {
            throw SystemError(errno: errno, operation: "remove", path: path)
        }
    }

    /// The SHA-256 and size of the regular file at `path`, read in blocks; nil if it is not a
    /// regular file or cannot be read.
    public static func digest(of path: String) -> (id: ObjectID, size: UInt64)? {
        try? digestOrFail(path)
    }

    /// The SHA-256 and size of the regular file at `path`, read in blocks.
    /// - Throws: `SystemError` as `forEachBlock` does.
    public static func digestOrFail(_ path: String) throws(SystemError) -> (id: ObjectID, size: UInt64) {
        var hasher = ObjectHasher()
        var size: UInt64 = 0
        try forEachBlock(path) { block in
            hasher.update(block)
            size += UInt64(block.count)
        }
        return (hasher.finalize(), size)
    }

    /// Reads the regular file at `path` from start to end in blocks of up to `blockSize`
    /// bytes, one buffer reused: memory stays the same whatever the file's size. A block is
    /// valid only during the call.
    /// - Throws: `SystemError`: the open's or a read's errno; EISDIR for a folder, EINVAL for
    ///   what is no regular file (a FIFO, a device), as `readAll` says them.
    public static func forEachBlock(_ path: String, blockSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) -> Void) throws(SystemError) {
        let fd = try openForReading(path)
        defer { close(fd) }
        let st = try status(fd, path: path)
        guard isRegular(st) else { throw SystemError(errno: isDirectory(st) ? EISDIR : EINVAL, operation: "read (not a regular file)", path: path) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = try read(fd, into: buffer, path: path)
            if n == 0 { return }
            body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// Calls `body` with each line of the regular file at `path`, without its newline (a last
    /// line without one too), read in blocks: a list of millions of lines is never held whole.
    /// A line is valid only during the call.
    /// - Throws: `SystemError` as `forEachBlock` does.
    public static func forEachLine(_ path: String, blockSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) -> Void) throws(SystemError) {
        var partial: [UInt8] = []       // a line cut by the end of a block
        try forEachBlock(path, blockSize: blockSize) { block in
            var start = 0
            while start < block.count {
                let rest = block.count - start
                guard let found = memchr(block.baseAddress! + start, 0x0A, rest) else {
                    partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: block[start...]))
                    return
                }
                let end = block.baseAddress!.distance(to: UnsafeRawPointer(found))
                if partial.isEmpty {
                    body(UnsafeRawBufferPointer(rebasing: block[start..<end]))
                } else {
                    partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: block[start..<end]))
                    partial.withUnsafeBytes(body)
                    partial.removeAll(keepingCapacity: true)
                }
                start = end + 1
            }
        }
        if !partial.isEmpty { partial.withUnsafeBytes(body) }
    }

    /// Reads a whole small file, refusing files larger than `limit`.
    /// - Throws: `SystemError`; EFBIG when the file is over the limit.
    public static func readAll(_ path: String, limit: Int, followSymlinks: Bool = true) throws(SystemError) -> [UInt8] {
        let fd = try openForReading(path, followSymlinks: followSymlinks)
        defer { close(fd) }
        let st = try status(fd, path: path)
        // A folder, a FIFO or a device: EISDIR says "Is a directory", true of the first only.
        guard isRegular(st) else { throw SystemError(errno: isDirectory(st) ? EISDIR : EINVAL, operation: "read (not a regular file)", path: path) }
        guard Int(st.st_size) <= limit else { throw SystemError(errno: EFBIG, operation: "read", path: path) }
        // Read one byte more than the limit to catch a file that grew after fstat.
        var out = [UInt8](repeating: 0, count: Int(st.st_size) + 1)
        var n = 0
        var failure: SystemError?
        out.withUnsafeMutableBytes { b in
            do throws(SystemError) { n = try readFully(fd, into: b, path: path) } catch { failure = error }
        }
        if let failure { throw failure }
        guard n <= limit else { throw SystemError(errno: EFBIG, operation: "read", path: path) }
        out.removeLast(out.count - n)
        return out
    }

    /// Writes `bytes` to `path` atomically and durably: temp file in the same folder, fsync,
    /// rename over the old file, fsync the folder. Readers see the old or the new file, never a mix.
    /// - Parameter keeping: a mode and group the file gets exactly (the umask aside), as the file
    ///   it replaces had them; without it, `mode` as the umask leaves it, and the user's group.
    /// - Parameter likeItsFolder: an archive's file: `mode` as `mode(_:likeFolder:)` gives it,
    ///   whatever the umask (unless `keeping` is given).
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644,
                                       keeping: (mode: mode_t, group: gid_t)? = nil, likeItsFolder: Bool = false) throws(SystemError) {
        try writeAtomically(to: path, mode: mode, keeping: keeping, likeItsFolder: likeItsFolder) { (write: (UnsafeRawBufferPointer) throws(SystemError) -> Void) throws(SystemError) in
            var failure: SystemError?
            bytes.withUnsafeBytes { b in
                do throws(SystemError) { try write(b) } catch { failure = error }
            }
            if let failure { throw failure }
        }
    }

    /// As `writeAtomically(_:to:…)`, for content made piece by piece: `produce` hands each
    /// piece to the `write` it is given (a list of millions of lines need not be held whole).
    /// Whatever `produce` throws leaves no file and no temp file behind.
    public static func writeAtomically(to path: String, mode: mode_t = 0o644, keeping: (mode: mode_t, group: gid_t)? = nil,
                                       likeItsFolder: Bool = false,
                                       _ produce: (_ write: (UnsafeRawBufferPointer) throws(SystemError) -> Void) throws(SystemError) -> Void) throws(SystemError) {
        let folder = parentFolder(path)
        let temp = folder + "/.tmp-" + randomSuffix()
        let fd = try createExclusive(temp, mode: mode)
        if let keeping {
            // The group first: changing it may clear set-id bits, which the mode then restores.
            _ = fchown(fd, uid_t.max, keeping.group)
            _ = fchmod(fd, keeping.mode)
        } else if likeItsFolder {
            _ = fchmod(fd, Self.mode(mode, likeFolder: folder))
        }
        do throws(SystemError) {
            try produce { (b: UnsafeRawBufferPointer) throws(SystemError) in try write(fd, b, path: temp) }
            try sync(fd, path: temp)
            close(fd)
        } catch {
            close(fd); unlink(temp)
            throw error
        }
        guard rename(temp, path) == 0 else {
            let e = errno
            unlink(temp)
            throw SystemError(errno: e, operation: "rename", path: path)
        }
        try syncDirectory(folder)
    }

    /// The permissions of a file an archive writes into `folder`: `mode`'s bits for the owner,
    /// and for the group and for others only where they may enter and list the folder. Who may
    /// read an archive is said by its folders (made at `init`, or changed with chmod), not by
    /// the umask of whichever run writes: a run under umask 077 (a cron job, `sudo -u`) would
    /// otherwise lock a group of auditors out of the ledger head it rewrites.
    public static func mode(_ mode: mode_t, likeFolder folder: String) -> mode_t {
        guard let st = status(folder) else { return mode }
        var m = mode & 0o700
        if st.st_mode & 0o050 == 0o050 { m |= mode & 0o070 }
        if st.st_mode & 0o005 == 0o005 { m |= mode & 0o007 }
        return m
    }

    /// The folder part of a path ("." when there is none).
    public static func parentFolder(_ path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        if slash == path.utf8.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// 16 random hex digits, for temp-file names.
    public static func randomSuffix() -> String {
        var g = SystemRandomNumberGenerator()
        let v = g.next() as UInt64
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// The names in a folder (without "." and ".."), with their types where the file system says.
    public static func listDirectory(_ path: String) throws(SystemError) -> [(name: String, type: UInt8)] {
        var out: [(String, UInt8)] = []
        try forEachEntry(path) { name, type in out.append((String(decoding: name, as: UTF8.self), type)) }
        return out
    }

    /// The names alone, packed: for a folder that may hold a million (a batch of dossiers).
    public static func listNames(_ path: String) throws(SystemError) -> PackedStrings {
        var names = PackedStrings()
        try forEachEntry(path) { name, _ in names.append(name) }
        return names
    }

    private static func forEachEntry(_ path: String, _ body: (UnsafeRawBufferPointer.SubSequence, UInt8) -> Void) throws(SystemError) {
        guard let dir = opendir(path) else { throw SystemError(errno: errno, operation: "list", path: path) }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let type = entry.pointee.d_type
            withUnsafeBytes(of: entry.pointee.d_name) { raw in
                let name = raw.prefix { $0 != 0 }
                // "." and ".."
                if name.count <= 2 && name.allSatisfy({ $0 == UInt8(ascii: ".") }) && !name.isEmpty { return }
                body(name, type)
            }
        }
    }

    /// The number of processors this process may use.
    public static var processorCount: Int {
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return n > 0 ? n : 1
    }

    /// Whether a file descriptor is a terminal.
    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Seconds since the epoch, with fractions, from the system clock.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Monotonic seconds, for durations and rates.
    public static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
