import Foundation
import Testing
import Synchronization
@testable import HosoS3
import HosoCore
import HosoStore

@Suite struct UploadPoolTests {
    static func job(_ i: Int) -> StagedObjects.Entry {
        ("/nonexistent/\(i)", PutResult(id: ObjectID.hashing([UInt8(i)]), codec: .raw, originalSize: 1, storedSize: 1, existed: false))
    }

    /// Uploads that wait (as on a network) overlap up to the pool's width; the wait returns
    /// once all named objects are stored, counting only those actually uploaded.
    @Test func uploadsOverlapAndWaitCounts() throws {
        let running = Atomic<Int>(0), peak = Atomic<Int>(0)
        let pool = UploadPool(workers: 4) { job in
            let now = running.add(1, ordering: .relaxed).newValue
            _ = peak.max(now, ordering: .relaxed)
            usleep(30_000)
            running.subtract(1, ordering: .relaxed)
            return job.result.id != ObjectID.hashing([UInt8(0)])   // object 0 "was already there"
        }
        let jobs = (0..<12).map(Self.job)
        let clock = ContinuousClock()
        var stored = 0
        let elapsed = try clock.measure {
            pool.start(Array(jobs.prefix(6)))
            stored = try pool.wait(for: jobs.map(\.result.id).prefix(6).map { $0 })
            pool.start(Array(jobs.suffix(6)))
            stored += try pool.wait(for: jobs.suffix(6).map(\.result.id))
        }
        #expect(stored == 11)
        #expect(peak.load(ordering: .relaxed) == 4)
        #expect(elapsed < .milliseconds(12 * 30), "uploads ran side by side: \(elapsed)")
        pool.stop()
    }

    /// A failure reaches the commit that waits, and uploads not yet begun are not tried.
    @Test func failureIsReportedAndStopsTheRest() throws {
        struct Down: Error {}
        let tried = Atomic<Int>(0)
        let pool = UploadPool(workers: 1) { _ in
            tried.add(1, ordering: .relaxed)
            usleep(5_000)
            throw Down()
        }
        let jobs = (0..<20).map(Self.job)
        pool.start(jobs)
        #expect(throws: Down.self) { try pool.wait(for: jobs.map(\.result.id)) }
        pool.stop()
        #expect(tried.load(ordering: .relaxed) < 20)
    }

    /// Stopping drops what has not begun and returns only once the running uploads ended.
    @Test func stopWaitsForRunningUploads() {
        let finished = Atomic<Int>(0)
        let begun = Atomic<Int>(0)
        let pool = UploadPool(workers: 2) { _ in
            begun.add(1, ordering: .relaxed)
            usleep(50_000)
            finished.add(1, ordering: .relaxed)
            return true
        }
        pool.start((0..<10).map(Self.job))
        // Both workers busy (not a fixed sleep: a loaded host may start them late).
        while begun.load(ordering: .relaxed) < 2 { usleep(1_000) }
        pool.stop()
        let done = finished.load(ordering: .relaxed)
        #expect(done == 2, "the two running uploads finished before stop returned; the rest never began")
        usleep(80_000)
        #expect(finished.load(ordering: .relaxed) == done)
    }
}
