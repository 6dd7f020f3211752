import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Runs independent work on all cores with a fixed number of workers pulling from a shared index,
/// so that slow items do not hold up a whole share of the work.
public enum Parallel {
    /// Workers to use by default: one per processor.
    public static var defaultWorkers: Int { SystemFile.processorCount }

    /// Calls `body(i)` for every i in 0..<count, on up to `workers` threads, and returns when all
    /// calls have returned. Order of calls is unspecified.
    public static func forEach(count: Int, workers: Int = defaultWorkers, _ body: @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        let threads = max(1, min(workers, count))
        if threads == 1 {
            for i in 0..<count { body(i) }
            return
        }
        let next = Atomic<Int>(0)
        if threads <= SystemFile.processorCount {
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                while true {
                    let i = next.add(1, ordering: .relaxed).oldValue
                    if i >= count { break }
                    body(i)
                }
            }
            return
        }
        // More workers than processors (requests that mostly wait on a network): Dispatch would
        // run no more than one per processor, so these get threads of their own. Each thread
        // releases its job before it ends and all are joined, so the body does not outlive the
        // call (withoutActuallyEscaping checks exactly that).
        withoutActuallyEscaping(body) { body in
            var ids: [pthread_t] = []
            for _ in 0..<threads {
                let job = ThreadJob {
                    while true {
                        let i = next.add(1, ordering: .relaxed).oldValue
                        if i >= count { break }
                        body(i)
                    }
                }
                if let id = start(job) { ids.append(id) }
            }
            for id in ids { pthread_join(id, nil) }
        }
    }

    /// Runs `side` on a thread of its own while `body` runs on this one, and returns both results
    /// once both have finished (`side` does not outlive the call, even when `body` throws). For
    /// two pipelines that each use `forEach`: Dispatch runs a `concurrentPerform` nested in
    /// another one on a single thread.
    public static func concurrently<A: Sendable, B>(_ side: @Sendable () -> A, _ body: () throws -> B) rethrows -> (A, B) {
        let slot = ResultSlot<A>()
        return try withoutActuallyEscaping(side) { side in
            let thread = start(ThreadJob { slot.value = side() })
            let b: B
            do { b = try body() } catch {
                if let thread { pthread_join(thread, nil) }
                throw error
            }
            if let thread { pthread_join(thread, nil) }
            return (slot.value!, b)
        }
    }

    /// Starts `job` on a new thread; when no thread can be had (resource limits), runs it here
    /// and returns nil.
    private static func start(_ job: ThreadJob) -> pthread_t? {
        var id = pthread_t()
        let context = Unmanaged.passRetained(job).toOpaque()
        let started = pthread_create(&id, nil, { context in
            Unmanaged<ThreadJob>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
        guard started == 0 else {
            Unmanaged<ThreadJob>.fromOpaque(context).release()
            job.run()
            return nil
        }
        return id
    }

    /// Maps `items` in parallel, keeping their order.
    ///
    /// Each result goes straight to its own slot of the new array, without a lock: every index
    /// is taken by exactly one worker, and `forEach` returns only once all have finished. (One
    /// lock for all the results cost more than a warm `lstat` when 16 threads shared it.)
    public static func map<T: Sendable, R: Sendable>(_ items: [T], workers: Int = defaultWorkers,
                                                       _ transform: @Sendable (T) -> R) -> [R] {
        guard !items.isEmpty else { return [] }
        return [R](unsafeUninitializedCapacity: items.count) { buffer, initialized in
            let slots = Slots(base: buffer.baseAddress!)
            forEach(count: items.count, workers: workers) { i in
                (slots.base + i).initialize(to: transform(items[i]))
            }
            initialized = items.count
        }
    }
}

/// The slots of an array being filled, one index per worker (see `Parallel.map`).
private struct Slots<R>: @unchecked Sendable {
    let base: UnsafeMutablePointer<R>
}

/// A result written by one thread before it is joined, and read after the join.
private final class ResultSlot<A>: @unchecked Sendable {
    var value: A?
}

/// A closure handed to a thread.
private final class ThreadJob: @unchecked Sendable {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}
