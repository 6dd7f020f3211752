public import HosoCore
import HosoStore

/// How much of the archive was verified recently, from the audit log.
public struct Coverage: Sendable {
    public var windowSeconds: Double
    public var objects = 0
    public var bytes: UInt64 = 0
    public var verifiedObjects = 0
    public var verifiedBytes: UInt64 = 0
    public var neverVerified = 0
    /// Objects whose last check found them damaged or missing (not counted as verified).
    public var damaged = 0
    /// The object verified longest ago (or never), and when (nil: never).
    public var oldest: (id: ObjectID, time: Int64?)?
    /// Stored bytes per second of recent runs that read objects (for projections).
    public var rate: Double?
    public var runs = 0
    public var findings: [Diagnostic] = []

    public var share: Double { objects == 0 ? 1 : Double(verifiedObjects) / Double(objects) }

    /// Days a daily budget of `seconds` needs to verify every object once, at `rate`.
    public func daysToCover(dailySeconds: Double) -> Double? {
        guard let rate, rate > 0, dailySeconds > 0 else { return nil }
        return Double(bytes) / (rate * dailySeconds)
    }

    /// Computes coverage of the objects in the store over the last `window` seconds.
    public static func compute(archive: Archive, window: Double) throws -> Coverage {
        var c = Coverage(windowSeconds: window)
        let log = AuditLog(archive: archive)
        let history = log.read(.sinceCheckpoint)
        let records = history.records
        c.findings = history.findings
        c.runs = records.count
        // The listing's names and sizes side by side (40 bytes an object), then when each was
        // last verified, beside them.
        var names: [ObjectID] = [], sizes: [UInt64] = []
        try archive.store.list { entries in
            for e in entries {
                guard case let .object(id, size, _) = e else { continue }
                names.append(id)
                sizes.append(size)
            }
        }
        let (last, damaged) = log.verificationState(history, of: names)
        let now = Int64(SystemFile.now())
        let since = now - Int64(window)
        var oldest: (ObjectID, Int64?)?
        for k in names.indices {
            let id = names[k], size = sizes[k], t = last[k]
            c.objects += 1
            c.bytes += size
            if damaged[id] != nil { c.damaged += 1 }
            if t != Int64.min {
                if t >= since { c.verifiedObjects += 1; c.verifiedBytes += size }
                if oldest == nil || (oldest!.1 != nil && t < oldest!.1!) { oldest = (id, t) }
            } else {
                if damaged[id] == nil { c.neverVerified += 1 }      // (damaged: said as such)
                // The first never verified, in the listing's order, is the oldest.
                if oldest == nil || oldest!.1 != nil { oldest = (id, nil) }
            }
        }
        c.oldest = oldest.map { (id: $0.0, time: $0.1) }
        // The speed of verifying, from the last runs that verified (a restore's speed is the
        // replica's, not the archive's).
        let reading = records.filter { $0.level != "restore" }.suffix(10).filter { $0.bytes > 0 && $0.seconds > 0 }
        if !reading.isEmpty {
            c.rate = Double(reading.reduce(UInt64(0)) { $0 + $1.bytes }) / reading.reduce(0) { $0 + $1.seconds }
        }
        return c
    }
}
