import Testing
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
@testable import HosoCore

@Suite struct ParallelTests {
    /// Every index is visited exactly once, whether the work runs inline, on Dispatch's
    /// per-core pool, or on threads of its own (more workers than cores, for network waits).
    @Test(arguments: [1, 2, SystemFile.processorCount, SystemFile.processorCount * 8 + 1])
    func everyIndexOnce(workers: Int) {
        let count = 1000
        let seen = Mutex<[Int]>(Array(repeating: 0, count: count))
        Parallel.forEach(count: count, workers: workers) { i in seen.withLock { $0[i] += 1 } }
        #expect(seen.withLock { $0 } == Array(repeating: 1, count: count))
    }

    /// With more workers than cores, items that block run side by side: 16 sleeps of 50 ms
    /// on 16 workers take far less than their 800 ms sum.
    @Test func blockingWorkOverlaps() {
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            Parallel.forEach(count: 16, workers: 16) { _ in
                let until = ContinuousClock.now + .milliseconds(50)
                while ContinuousClock.now < until { usleepish() }
            }
        }
        #expect(elapsed < .milliseconds(600))
    }

    @Test func mapKeepsOrder() {
        #expect(Parallel.map(Array(0..<500), workers: 33) { $0 * 2 } == (0..<500).map { $0 * 2 })
    }
}

private func usleepish() {
    #if canImport(Glibc)
    _ = Glibc.usleep(1000)
    #endif
}
