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

    /// Two pipelines side by side: both results come back, the side one ran on another thread
    /// (they overlap in time), and an error from the body is thrown only after the side ended.
    @Test func concurrentlyRunsBothAndJoins() throws {
        let clock = ContinuousClock()
        let (a, b) = Parallel.concurrently({ () -> Int in
            let until = ContinuousClock.now + .milliseconds(200)
            while ContinuousClock.now < until { usleepish() }
            return Parallel.map(Array(0..<100), workers: 2) { $0 }.reduce(0, +)
        }, { () -> String in
            let until = ContinuousClock.now + .milliseconds(200)
            while ContinuousClock.now < until { usleepish() }
            return "body"
        })
        #expect(a == 4950 && b == "body")
        struct Stop: Error {}
        let sideDone = Mutex(false)
        let started = clock.now
        #expect(throws: Stop.self) {
            _ = try Parallel.concurrently({ () -> Int in
                let until = ContinuousClock.now + .milliseconds(100)
                while ContinuousClock.now < until { usleepish() }
                sideDone.withLock { $0 = true }
                return 1
            }, { () throws -> Int in throw Stop() })
        }
        #expect(sideDone.withLock { $0 }, "the side thread is joined before the error leaves")
        #expect(clock.now - started >= .milliseconds(100))
    }

    @Test func mapKeepsOrder() {
        #expect(Parallel.map(Array(0..<500), workers: 33) { $0 * 2 } == (0..<500).map { $0 * 2 })
    }

    /// Results that own memory (strings, arrays, objects) land in their slots intact and are
    /// released with the array, on every path (inline, Dispatch, threads of their own), and an
    /// empty input gives an empty array.
    @Test(arguments: [1, 2, SystemFile.processorCount * 8 + 1])
    func mapFillsEverySlotWithOwnedResults(workers: Int) {
        let count = 3000
        let out = Parallel.map(Array(0..<count), workers: workers) { i in
            (String(repeating: "đ", count: i % 40) + "\(i)", [UInt8](repeating: UInt8(i & 0xFF), count: i % 300))
        }
        #expect(out.count == count)
        for (i, (text, bytes)) in out.enumerated() {
            #expect(text == String(repeating: "đ", count: i % 40) + "\(i)")
            #expect(bytes.count == i % 300 && bytes.allSatisfy { $0 == UInt8(i & 0xFF) })
        }
        #expect(Parallel.map([Int](), workers: workers) { $0 }.isEmpty)
        final class Counter: Sendable { let n = Atomic<Int>(0) }
        let made = Counter(), freed = Counter()
        final class Tracked: Sendable {
            let i: Int; let freed: Counter
            init(_ i: Int, _ made: Counter, _ freed: Counter) { self.i = i; self.freed = freed; made.n.add(1, ordering: .relaxed) }
            deinit { freed.n.add(1, ordering: .relaxed) }
        }
        do {
            let objects = Parallel.map(Array(0..<count), workers: workers) { Tracked($0, made, freed) }
            #expect(objects.map(\.i) == Array(0..<count))
            #expect(freed.n.load(ordering: .relaxed) == 0)
        }
        #expect(made.n.load(ordering: .relaxed) == count)
        #expect(freed.n.load(ordering: .relaxed) == count, "every result is released once, with the array")
    }
}

private func usleepish() {
    #if canImport(Glibc)
    _ = Glibc.usleep(1000)
    #endif
}
