#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HosoCore

/// The single-writer lock: an advisory `flock` on `ARCHIVE/lock`, held for the life of this value
/// (and released by the kernel if the process dies). The file records who holds it, for the
/// message the next writer prints.
public final class ArchiveLock: @unchecked Sendable {
    private let fd: Int32

    /// Takes the lock.
    /// - Parameter wait: wait for the current writer to finish instead of failing at once.
    /// - Throws: `HosoError` E403 naming the holder when the lock is taken and `wait` is false.
    public init(archive: Archive, wait: Bool, purpose: String) throws {
        let path = archive.lockPath
        let fd: Int32
        let tried = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard tried >= 0 else { throw SystemError(errno: errno, operation: "open", path: path) }
        if flock(tried, LOCK_EX | LOCK_NB) == 0 {
            fd = tried
        } else {
            let busy = errno == EWOULDBLOCK
            close(tried)
            guard busy, wait else {
                let holder = (try? SystemFile.readAll(path, limit: 4096)).map { String(decoding: $0, as: UTF8.self).trimmingWhitespace } ?? ""
                throw HosoError(.archiveLocked, file: path,
                                message: "another writer holds the archive" + (holder.isEmpty ? "" : " (\(holder))"),
                                advice: "Wait for it to finish, or run again with --wait to queue behind it; readers (search, show, verify) are not affected")
            }
            fd = try SystemFile.lockExclusively(path)
        }
        self.fd = fd
        let note = "pid \(getpid()), \(purpose), since \(CanonicalJSON.timestamp())\n"
        ftruncate(fd, 0)
        _ = note.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    /// Tries to take the lock without waiting; nil when a writer holds it.
    public static func tryAcquire(archive: Archive, purpose: String) -> ArchiveLock? {
        try? ArchiveLock(archive: archive, wait: false, purpose: purpose)
    }

    deinit {
        ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }
}
