public import HosoCore

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

    /// Checks `sources`; calls `each` for every dossier in order. Returns the batch-wide findings
    /// about dossiers already handed out (the first holder of a duplicated number).
    /// - Parameter shouldStop: asked after each dossier; true ends the run early.
    public func run(_ sources: [DossierSource], progress: Progress? = nil,
                    each: (DossierCheck) throws -> Bool) rethrows -> [Diagnostic] {
        var firstHolder: [String: String] = [:]
        var reported: Set<String> = []
        var late: [Diagnostic] = []
        var done = 0
        var bytes: UInt64 = 0
        var start = 0
        let work = self.work
        while start < sources.count {
            let slice = Array(sources[start..<min(sources.count, start + window)])
            let checks = Parallel.map(slice, workers: workers, work)
            for var check in checks {
                if let number = check.number {
                    if let first = firstHolder[number] {
                        check.diagnostics.append(Diagnostic(.duplicateDossierNumber, file: check.source.xmlPath,
                            line: check.dossier?.lines["dossierNumber"], subject: number,
                            message: "dossier number \(number) is used twice in the batch",
                            expected: "a number used once", found: "also used by \(first)",
                            advice: "Each dossier has its own number; correct one of them, or remove the duplicate folder"))
                        if !reported.contains(number) {
                            reported.insert(number)
                            late.append(Diagnostic(.duplicateDossierNumber, file: first, subject: number,
                                message: "dossier number \(number) is used twice in the batch",
                                expected: "a number used once", found: "also used by \(check.source.xmlPath)",
                                advice: "Each dossier has its own number; correct one of them, or remove the duplicate folder"))
                        }
                    } else {
                        firstHolder[number] = check.source.xmlPath
                    }
                }
                done += 1
                bytes += check.bytesRead
                if try !each(check) { return late }
            }
            progress?(done, bytes)
            start += window
        }
        return late
    }
}
