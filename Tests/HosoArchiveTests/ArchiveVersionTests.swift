import Foundation
import Testing
import HosoTestSupport
import Synchronization
@testable import HosoArchive

/// Raising an archive's format version renews its lock file: a writer of an older release
/// already waiting for the old file finds it no longer in place (and stops before committing),
/// while a writer or check of this release moves on to the file now in place.
@Suite struct ArchiveVersionTests {
    @Test func raisingTheVersionRenewsTheLockFileAndWaitersFollowIt() throws {
        let t = TemporaryFolder()
        let created = try Archive.create(at: t.sub("archive"))
        let config = created.root + "/hoso-archive.json"
        let text = try String(contentsOfFile: config, encoding: .utf8)
        try text.replacingOccurrences(of: "\"version\" : \(ArchiveConfig.currentVersion)", with: "\"version\" : 1")
            .write(toFile: config, atomically: false, encoding: .utf8)
        let archive = try Archive.open(at: created.root)
        #expect(archive.config.version == 1)

        var first: ArchiveLock? = try ArchiveLock(archive: archive, wait: false, purpose: "first")
        // An older writer's view: a descriptor of the file as it is now, which it will lock.
        let old = open(archive.lockPath, O_RDWR)
        defer { close(old) }
        // A writer of this release waits for the lock meanwhile.
        let waiter = Mutex<ArchiveLock?>(nil)
        let started = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        Thread {
            started.signal()
            let l = try? ArchiveLock(archive: archive, wait: true, purpose: "second")
            waiter.withLock { $0 = l }
            done.signal()
        }.start()
        started.wait()
        usleep(200_000)
        try archive.raiseVersionBeforeWriting()
        #expect(try String(contentsOfFile: config, encoding: .utf8).contains("\"version\" : \(ArchiveConfig.currentVersion)"))
        #expect(first?.isStillInPlace == true, "the raising writer holds the new file")
        // And the old one still, so that nothing waiting for it runs beside this writer.
        #expect(flock(old, LOCK_EX | LOCK_NB) != 0)
        #expect(done.wait(timeout: .now() + 0.3) == .timedOut, "the waiter of this release waits on")
        first = nil
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(waiter.withLock { $0?.isStillInPlace } == true, "the waiter took the file now in place")
        // The older writer gets the old file, which is no longer the lock.
        #expect(flock(old, LOCK_EX | LOCK_NB) == 0)
        var held = stat(), there = stat()
        #expect(fstat(old, &held) == 0 && stat(archive.lockPath, &there) == 0 && held.st_ino != there.st_ino)
    }
}
