public import HosoCore
import Foundation

/// Runs a check over every dossier of a batch on all cores, a window at a time (memory stays
/// bounded whatever the batch size), and hands each result to the caller in batch order, on one
/// thread. Applies the batch-wide rule: a dossier number is used once.
public struct BatchRunner: Sendable {
    /// The work done for each dossier, on any thread.
    public var work: @Sendable (DossierSource) -> DossierCheck
    public var workers: Int
    /// Dossiers in flight at once.
    public var window: Int

    /// A runner that validates each dossier (and drops its XML bytes, which validation does not need).
    public init(validator: DossierValidator, workers: Int = Parallel.defaultWorkers, window: Int = 256) {
        self.init(workers: workers, window: window) { source in
            var c = validator.check(source)
            c.xmlBytes = nil
            return c
        }
    }

    public init(workers: Int = Parallel.defaultWorkers, window: Int = 256, work: @escaping @Sendable (DossierSource) -> DossierCheck) {
        self.work = work; self.workers = workers; self.window = max(1, window)
    }

    /// Progress after each window: dossiers done and component bytes read so far.
    public typealias Progress = (_ dossiers: Int, _ bytes: UInt64) -> Void

    /// Checks `sources`; calls `each` for every dossier in order, on the calling thread, while
    /// the workers already check the dossiers after it (at most `window` ahead: memory stays
    /// bounded). Returns the batch-wide findings about dossiers already handed out (the first
    /// holder of a duplicated number).
    /// - Parameter each: returns false to stop early.
    public func run(_ sources: DossierSources, progress: Progress? = nil,
                    each: (DossierCheck) throws -> Bool) throws -> [Diagnostic] {
        // The first holder of each number, by its place in `sources` (a path is made only for a
        // duplicate) and the line of its number: one small entry per dossier of the batch.
        var firstHolder: [String: (index: Int, line: Int?)] = [:]
        var reported: Set<String> = []
        var late: [Diagnostic] = []
        var bytes: UInt64 = 0
        let pipeline = Pipeline(count: sources.count, window: window)
        let work = self.work
        for _ in 0..<max(1, min(workers, sources.count)) {
            let thread = Thread { pipeline.work(sources, work) }
            thread.stackSize = 8 << 20
            thread.start()
        }
        defer { pipeline.stopAndWait() }
        var lastProgress = SystemFile.monotonic()
        for i in 0..<sources.count {
            var check = pipeline.take(i)
            if let number = check.number {
                if let holder = firstHolder[number] {
                    let first = sources[holder.index].xmlPath
                    check.diagnostics.append(Diagnostic(.duplicateDossierNumber, file: check.source.xmlPath,
                        line: check.dossier?.lines["dossierNumber"], subject: number,
                        message: "dossier number \(number) is used by two dossiers read in this run",
                        expected: "a number used once", found: "also used by \(first)",
                        advice: "Each dossier has its own number; correct one of them, or remove the duplicate folder"))
                    if !reported.contains(number) {
                        reported.insert(number)
                        late.append(Diagnostic(.duplicateDossierNumber, file: first, line: holder.line, subject: number,
                            message: "dossier number \(number) is used by two dossiers read in this run",
                            expected: "a number used once", found: "also used by \(check.source.xmlPath)",
                            advice: "Each dossier has its own number; correct one of them, or remove the duplicate folder"))
                    }
                } else {
                    firstHolder[number] = (i, check.dossier?.lines["dossierNumber"])
                }
            }
            bytes += check.bytesRead
            if try !each(check) { return late }
            let now = SystemFile.monotonic()
            if now - lastProgress >= 0.1 || i + 1 == sources.count { progress?(i + 1, bytes); lastProgress = now }
        }
        return late
    }
}

/// Hands dossiers to worker threads and their results back in order, never more than `window`
/// ahead of the consumer.
final class Pipeline: @unchecked Sendable {
    private let condition = NSCondition()
    private var slots: [DossierCheck?]
    private let count: Int
    private let window: Int
    private var nextClaim = 0
    private var consumed = 0
    private var stopped = false
    private var running = 0
    /// Who sleeps on the condition, so that only they are woken: the consumer (waiting for the
    /// result of dossier `consumerWaitsFor`) and workers waiting for room in the window. Waking
    /// every thread at every result cost a rerun (about 90 µs a dossier) an eighth of its CPU in
    /// futex calls.
    private var consumerWaitsFor = -1
    private var workersWaiting = 0

    init(count: Int, window: Int) {
        self.count = count; self.window = window
        slots = Array(repeating: nil, count: window)
    }

    func work(_ sources: DossierSources, _ body: @Sendable (DossierSource) -> DossierCheck) {
        condition.lock(); running += 1; condition.unlock()
        while true {
            condition.lock()
            while !stopped && nextClaim < count && nextClaim >= consumed + window {
                workersWaiting += 1
                condition.wait()
                workersWaiting -= 1
            }
            if stopped || nextClaim >= count {
                running -= 1; condition.broadcast(); condition.unlock()
                return
            }
            let i = nextClaim
            nextClaim += 1
            condition.unlock()
            let result = body(sources[i])
            condition.lock()
            slots[i % window] = result
            if i == consumerWaitsFor { condition.broadcast() }
            condition.unlock()
        }
    }

    /// Waits for the result of dossier `i` (results are taken in order).
    func take(_ i: Int) -> DossierCheck {
        condition.lock()
        while slots[i % window] == nil {
            consumerWaitsFor = i
            condition.wait()
        }
        consumerWaitsFor = -1
        let r = slots[i % window]!
        slots[i % window] = nil
        consumed = i + 1
        if workersWaiting > 0 { condition.broadcast() }
        condition.unlock()
        return r
    }

    /// Stops handing out work and waits for every worker to finish what it holds.
    func stopAndWait() {
        condition.lock()
        stopped = true
        condition.broadcast()
        // A worker not started yet sees `stopped` and does nothing; wait for those at work.
        while running > 0 { condition.wait() }
        condition.unlock()
    }
}
