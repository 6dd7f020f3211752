#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import HosoCore

/// The single-writer lock: an advisory `flock` on `ARCHIVE/lock`, held for the life of this value
/// (and released by the kernel if the process dies). The file records who holds it, for the
/// message the next writer prints.
///
/// A writer holds it exclusively. A check that must see the archive keep still while it reads
/// (verify compares the ledger, the catalog, the index and the store) holds it shared: checks run
/// side by side, and no writer moves the archive under them.
public final class ArchiveLock: @unchecked Sendable {
    /// The descriptor holding the lock; another one once the lock file is renewed.
    private let descriptor: Mutex<Int32>
    private var fd: Int32 { descriptor.withLock { $0 } }
    /// Lock files this lock replaced, still held (locked) until it ends.
    private let retired = Mutex<[Int32]>([])
    private let shared: Bool
    private let path: String
    private let purpose: String

    /// The writer's lock this process holds on each lock file, so that the archive can renew it
    /// (`renewHeldLock`) from wherever it writes.
    private final class Held: @unchecked Sendable { weak var lock: ArchiveLock? }
    private static let held = Mutex<[String: Held]>([:])

    /// Takes the lock for writing.
    /// - Parameter wait: wait for the current holder to finish instead of failing at once.
    /// - Throws: `HosoError` E403 naming the holder when the lock is taken and `wait` is false.
    public convenience init(archive: Archive, wait: Bool, purpose: String) throws {
        if let refusal = archive.refusalUnlessOwner() { throw refusal }
        var fd: Int32 = -1
        // A lock file renewed while this one waited for it (an archive's version raised) is
        // no longer the lock: the one now in place is taken instead.
        for attempt in 0..<10 {
            fd = open(archive.lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw SystemError(errno: errno, operation: "open", path: archive.lockPath) }
            try Self.take(fd, LOCK_EX, path: archive.lockPath, wait: wait,
                          message: "another writer, or a verify, holds the archive",
                          advice: "Wait for it to finish, or run again with --wait to queue behind it; search, show, stats and export are not affected")
            if Self.isInPlace(fd, archive.lockPath) || attempt == 9 { break }
            close(fd)
        }
        self.init(fd: fd, shared: false, path: archive.lockPath, purpose: purpose)
        // A newer release may have raised the archive's version while this one waited.
        try archive.checkVersionUnderLock()
        let entry = Held()
        entry.lock = self
        Self.held.withLock { $0[archive.lockPath] = entry }
    }

    /// Replaces the lock file under the writer's lock this process holds on `archive` (a new
    /// file of the same mode and group, locked, renamed over the old one), and goes on holding
    /// the old file too until this lock ends. A command of an older release already waiting for
    /// the old file gets it only then, with nothing running beside it; an older ingest then finds
    /// its lock file no longer in place and stops before committing.
    static func renewHeldLock(archive: Archive) throws {
        guard let lock = held.withLock({ $0[archive.lockPath]?.lock }), !lock.shared else { return }
        var st = stat()
        let old = lock.fd
        let (mode, group) = fstat(old, &st) == 0 ? (st.st_mode & 0o7777, st.st_gid) : (mode_t(0o644), gid_t(getegid()))
        // Named as the archive's temporary files are: one left by a crash is found and removed.
        let temp = SystemFile.parentFolder(lock.path) + "/.tmp-" + SystemFile.randomSuffix()
        let nfd = open(temp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard nfd >= 0 else { throw SystemError(errno: errno, operation: "open", path: temp) }
        _ = fchown(nfd, uid_t.max, group)
        _ = fchmod(nfd, mode)
        guard flock(nfd, LOCK_EX | LOCK_NB) == 0, rename(temp, lock.path) == 0 else {
            let e = errno
            close(nfd); unlink(temp)
            throw SystemError(errno: e, operation: "rename", path: lock.path)
        }
        lock.descriptor.withLock { $0 = nfd }
        lock.retired.withLock { $0.append(old) }
        lock.writeNote()
    }

    /// Takes the lock shared, for a check that reads the whole archive; nil on read-only media,
    /// where nothing can write.
    /// - Throws: `HosoError` E403 naming the writer when one is at work and `wait` is false.
    public static func forChecking(archive: Archive, wait: Bool, purpose: String, retries: Int = 9) throws -> ArchiveLock? {
        let path = archive.lockPath
        // A user who may only read the archive (an auditor's account) locks it through a
        // descriptor opened for reading: flock does not ask for more. Only the owner makes the
        // file (one made by another user would be theirs, and block the owner's writers).
        var fd = archive.owner == nil ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) : -1
        if fd < 0 { fd = open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else {
            let e = errno
            // Read-only media, or another user's archive, without a lock file: no writer has run.
            if !archive.isWritable || e == ENOENT { return nil }
            throw SystemError(errno: e, operation: "open", path: path)
        }
        var held = flock(fd, LOCK_SH | LOCK_NB) == 0
        var e = held ? 0 : errno
        if !held && e == EWOULDBLOCK && !wait {
            // A reader catching the catalog or index up holds the lock for a moment: ridden out.
            for _ in 0..<100 {
                usleep(50_000)
                if flock(fd, LOCK_SH | LOCK_NB) == 0 { held = true; break }
                e = errno
                if e != EWOULDBLOCK { break }
            }
        }
        if !held && e != EWOULDBLOCK && e != EINTR {
            // A file system without flock (some network mounts): checked without it, as before.
            close(fd)
            return nil
        }
        if !held {
            try take(fd, LOCK_SH, path: path, wait: wait,
                     message: "a writer is changing the archive, and a check now would see it half-way",
                     advice: "Wait for it to finish, or run again with --wait to start when it has")
        }
        // The lock file renewed while this check waited (a writer raising the archive's
        // version): that writer holds the new one; wait for it there.
        if !isInPlace(fd, path) && retries > 0 {
            close(fd)
            return try forChecking(archive: archive, wait: wait, purpose: purpose, retries: retries - 1)
        }
        return ArchiveLock(fd: fd, shared: true, path: path, purpose: purpose)
    }

    private init(fd: Int32, shared: Bool, path: String, purpose: String) {
        self.descriptor = Mutex(fd); self.shared = shared; self.path = path; self.purpose = purpose
        // Only a writer leaves a note (and clears it when done): shared holders are many, and one
        // could not clear another's.
        if !shared { writeNote() }
    }

    private func writeNote() {
        let note = "pid \(getpid()), \(purpose), since \(CanonicalJSON.timestamp())\n"
        ftruncate(fd, 0)
        _ = note.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    /// Flocks `fd` at once, or waits when asked; closes it and throws E403 when it is held.
    private static func take(_ fd: Int32, _ operation: Int32, path: String, wait: Bool, message: String, advice: String) throws {
        if flock(fd, operation | LOCK_NB) == 0 { return }
        let busy = errno == EWOULDBLOCK
        guard busy, wait else {
            let e = errno
            close(fd)
            guard busy else { throw SystemError(errno: e, operation: "flock", path: path) }
            let holder = (try? SystemFile.readAll(path, limit: 4096)).map { String(decoding: $0, as: UTF8.self).trimmingWhitespace } ?? ""
            throw HosoError(.archiveLocked, file: path, message: message + (holder.isEmpty ? "" : " (\(holder))"), advice: advice)
        }
        while flock(fd, operation) != 0 {
            guard errno == EINTR else {
                let e = errno
                close(fd)
                throw SystemError(errno: e, operation: "flock", path: path)
            }
        }
    }

    /// Whether the lock file is still the one this holds: a lock file removed (or replaced) under
    /// a writer lets a second writer in, which the holder must not go on beside.
    public var isStillInPlace: Bool { Self.isInPlace(fd, path) }

    private static func isInPlace(_ fd: Int32, _ path: String) -> Bool {
        var held = stat(), there = stat()
        guard fstat(fd, &held) == 0, stat(path, &there) == 0 else { return false }
        return held.st_ino == there.st_ino && held.st_dev == there.st_dev
    }

    /// Tries to take the lock for writing without waiting; nil when it is held.
    public static func tryAcquire(archive: Archive, purpose: String) -> ArchiveLock? {
        try? ArchiveLock(archive: archive, wait: false, purpose: purpose)
    }

    deinit {
        if !shared {
            ftruncate(fd, 0)
            ArchiveLock.held.withLock { held in
                if let h = held[path], h.lock == nil || h.lock === self { held[path] = nil }
            }
        }
        flock(fd, LOCK_UN)
        close(fd)
        for old in retired.withLock({ $0 }) {
            ftruncate(old, 0)
            flock(old, LOCK_UN)
            close(old)
        }
    }
}
