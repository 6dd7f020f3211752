public import HosoCore

/// Checks a store on its own, like `git fsck` or `restic check --read-data`: walks every entry,
/// verifies every object, keeps going after each problem, and returns typed findings. Never writes.
public struct StoreChecker: Sendable {
    public enum Level: String, Sendable {
        /// Header and size only: no payload read.
        case quick
        /// Every byte decoded and rehashed.
        case full
    }

    /// The outcome of a check.
    public struct Report: Sendable {
        public var findings: [Diagnostic] = []
        public var objects = 0
        public var storedBytes: UInt64 = 0
        public var originalBytes: UInt64 = 0
        /// Objects that verified cleanly (full level).
        public var verified: [ObjectID] = []
        /// Every object found in the store (for orphan detection).
        public var present: [ObjectID] = []
        /// Objects present under their name but not as regular files (each already a finding).
        public var unreadable: [ObjectID] = []
        /// Fan-out prefixes whose folder could not be listed: their objects are not reported missing.
        public var unlisted: Set<String> = []
        public init() {}
        public var errorCount: Int { findings.filter { $0.severity == .error }.count }
        public var warningCount: Int { findings.filter { $0.severity == .warning }.count }

        /// Every name the store holds, readable or not. A listing comes in name order, so this
        /// is usually `present` itself, shared: a quick check of a million dossiers holds four
        /// million names, and each copy of them is 128 MB.
        public func storedNames() -> ObjectIDList { ObjectIDList(unreadable.isEmpty ? present : present + unreadable) }

        /// A finding for each of `expected` the store does not hold at all (`stored`: from
        /// `storedNames()`), named by `path` when given.
        public func missing(from expected: ObjectIDList, stored: ObjectIDList, path: ((ObjectID) -> String)? = nil) -> [Diagnostic] {
            expected.subtracting(stored).filter { unlisted.isEmpty || !unlisted.contains(String($0.hex.prefix(2))) }
                .map { ObjectFault.missing.diagnostic(id: $0, path: path?($0)) }
        }

        /// Takes one entry of a store's listing: an object is returned (and counted present),
        /// anything else becomes a finding (a broken entry under an object's name is present
        /// but unreadable, a folder that cannot be listed hides its prefix from "missing").
        public mutating func take(_ e: StoreEntry) -> (id: ObjectID, storedSize: UInt64, path: String)? {
            switch e {
            case let .object(id, size, path):
                present.append(id)
                return (id, size, path)
            case let .notRegular(_, _, id):
                if let id { unreadable.append(id) }   // present, but broken: one finding, not also "missing"
            case let .unlistable(_, prefix, _):
                unlisted.insert(prefix)
            default: break
            }
            if let f = StoreChecker.finding(for: e) { findings.append(f) }
            return nil
        }
    }

    public let store: any ObjectStore
    public let level: Level
    public let workers: Int
    /// The original size recorded for a name (by the ledger, through the catalog), if any: a
    /// quick check compares it with the header, which tells a swapped file without reading it.
    public var recordedSize: (@Sendable (ObjectID) -> UInt64?)?

    /// - Parameter workers: reads in flight; nil: the store's preference for the level (a quick
    ///   check reads headers alone, which wait on the disk rather than on a processor).
    public init(store: any ObjectStore, level: Level = .full, workers: Int? = nil) {
        self.store = store; self.level = level
        self.workers = max(1, workers ?? (level == .quick ? store.preferredHeaderConcurrency : store.preferredConcurrency))
    }

    /// The quick check of one object, without reading its payload: its header, the stored
    /// size against the header's, the original size against the one recorded.
    /// - Parameter header: given the header once read (for the original size of a fault).
    /// - Returns: the header; throws the `ObjectFault` found.
    public func quickCheck(_ id: ObjectID, storedSize: UInt64? = nil, header seen: (ObjectHeader) -> Void = { _ in }) throws -> ObjectHeader {
        let h = try store.header(id)
        seen(h)
        guard let size = try storedSize ?? store.storedSize(id) else { throw ObjectFault.missing }
        let expected = UInt64(ObjectHeader.size) + h.payloadLength
        if size < expected { throw ObjectFault.truncated("\(size) of \(expected) bytes present") }
        if size > expected { throw ObjectFault.trailingData }
        if let recorded = recordedSize?(id), recorded != h.originalLength {
            throw ObjectFault.recordedSizeDiffers(recorded: recorded, header: h.originalLength)
        }
        return h
    }

    /// Checks one object.
    /// - Returns: nil when intact, else the fault found, and the original size when known.
    public func check(_ id: ObjectID, storedSize: UInt64?) -> (fault: ObjectFault?, originalSize: UInt64) {
        switch level {
        case .quick:
            var original: UInt64 = 0
            do {
                let h = try quickCheck(id, storedSize: storedSize) { original = $0.originalLength }
                return (nil, h.originalLength)
            } catch let f as ObjectFault {
                return (f, original)
            } catch {
                return (.unreadable("\(error)"), 0)
            }
        case .full:
            do {
                let info = try store.get(id) { _ in }
                return (nil, info.originalSize)
            } catch let f as ObjectFault {
                return (f, 0)
            } catch {
                return (.unreadable("\(error)"), 0)
            }
        }
    }

    /// The finding for a store entry that is not an object (nil for an object: reading tells).
    public static func finding(for entry: StoreEntry) -> Diagnostic? {
        switch entry {
        case .object: return nil
        case let .temporary(path, age):
            return Diagnostic(.objectStaleTemp, file: path,
                message: age < 0 ? "a temporary file is left in the store (dated \(Self.age(-age)) in the future: a clock set wrong, or a copy's dates)"
                                 : "a temporary file is left in the store (\(Self.age(age)) old)",
                advice: "It is the remains of an interrupted write, or of a writer still running; the next 'hoso ingest' removes it, or delete it once no writer runs")
        case let .notRegular(path, kind, id):
            return Diagnostic(.objectNotRegular, file: path, subject: id?.prefixed,
                message: "the store entry is \(kind), not a regular file",
                advice: ObjectFault.notRegular(kind).advice)
        case let .unlistable(path, _, reason):
            return Diagnostic(.objectUnreadable, file: path,
                message: "the fan-out folder cannot be listed (\(reason)): its objects were not checked",
                advice: "Restore the folder's permissions or the disk under it, then run 'hoso verify' again")
        case let .unexpected(path):
            return Diagnostic(.objectUnexpectedFile, file: path,
                message: "the file's name is not an object name in its fan-out folder",
                expected: "objects/<2 hex digits>/<62 hex digits>", found: path,
                advice: "Something other than hoso wrote into the store; move the file out, then run 'hoso verify'")
        }
    }

    /// Checks the whole store.
    /// - Parameters:
    ///   - expected: objects that must be present (from the ledger); each absent one is a finding.
    ///   - progress: called after each checked object with the stored bytes it had.
    public func run(expected: ObjectIDList? = nil,
                    progress: (@Sendable (UInt64) -> Void)? = nil) throws -> Report {
        var report = Report()
        try store.list { entries in
            var objects: [(ObjectID, UInt64, String)] = []
            for e in entries {
                if let o = report.take(e) { objects.append((o.id, o.storedSize, o.path)) }
            }
            let items = objects
            let checker = self
            let results = Parallel.map(Array(items.indices), workers: workers) { i in
                let (fault, original) = checker.check(items[i].0, storedSize: items[i].1)
                progress?(items[i].1)
                return (fault, original)
            }
            for (i, (fault, original)) in results.enumerated() {
                report.objects += 1
                report.storedBytes += items[i].1
                report.originalBytes += original
                if let fault {
                    report.findings.append(fault.diagnostic(id: items[i].0, path: items[i].2))
                } else if level == .full {
                    report.verified.append(items[i].0)
                }
            }
        }
        if let expected { report.findings += report.missing(from: expected, stored: report.storedNames()) }
        return report
    }

    /// Checks only the objects named (a budgeted audit), in parallel; absent ones are findings.
    public func run(objects: [(id: ObjectID, storedSize: UInt64?)], path: (ObjectID) -> String,
                    progress: (@Sendable (UInt64) -> Void)? = nil, shouldStop: (@Sendable () -> Bool)? = nil) -> Report {
        var report = Report()
        let checker = self
        // nil: not checked, the budget's time being up.
        let results = Parallel.map(Array(objects.indices), workers: workers) { i -> (ObjectFault?, UInt64)? in
            if shouldStop?() == true { return nil }
            let (fault, original) = checker.check(objects[i].id, storedSize: objects[i].storedSize)
            progress?(objects[i].storedSize ?? original)
            return (fault, original)
        }
        for (i, result) in results.enumerated() {
            guard let (fault, original) = result else { continue }
            report.objects += 1
            report.storedBytes += objects[i].storedSize ?? 0
            report.originalBytes += original
            if let fault {
                report.findings.append(fault.diagnostic(id: objects[i].id, path: fault == .missing ? nil : path(objects[i].id)))
            } else if level == .full {
                report.verified.append(objects[i].id)
            }
        }
        return report
    }

    static func age(_ seconds: Double) -> String {
        if seconds < 120 { return "\(Int(seconds)) s" }
        if seconds < 7200 { return "\(Int(seconds / 60)) min" }
        if seconds < 172800 { return "\(Int(seconds / 3600)) h" }
        return "\(Int(seconds / 86400)) days"
    }
}
