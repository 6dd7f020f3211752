/// A date-time with its UTC offset, as written in dossier XML (`2023-05-12T08:15:00+07:00`).
///
/// Kept as the original text plus the instant it names, so that it prints back exactly as received
/// and compares by instant.
public struct Timestamp: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The text as written.
    public let text: String
    /// Seconds since 1970-01-01T00:00:00Z.
    public let epochSeconds: Int64
    /// Microseconds past `epochSeconds`.
    public let microseconds: Int32
    /// The offset from UTC in seconds (25200 for +07:00).
    public let offsetSeconds: Int32

    /// Parses `YYYY-MM-DDTHH:MM:SS[.ffffff](Z|±HH:MM)`; returns nil for anything else.
    /// `24:00:00` is the end of the day, as XML Schema's dateTime allows: the next day's start.
    public init?(_ text: String) {
        let b = Array(text.utf8)
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for i in from..<(from + count) {
                let c = b[i]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2),
              let h = num(11, 2), let mi = num(14, 2), let s = num(17, 2),
              (1...12).contains(mo), d >= 1, d <= Timestamp.daysInMonth(y, mo), h <= 23 || (h == 24 && mi == 0 && s == 0), mi <= 59, s <= 59
        else { return nil }
        var i = 19
        var micros = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if digits < 6 { micros = micros * 10 + Int(b[i] - 48) }
                digits += 1; i += 1
            }
            guard digits > 0, h < 24 || micros == 0 else { return nil }
            if digits < 6 { for _ in digits..<6 { micros *= 10 } }
        }
        var offset = 0
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: "Z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard let oh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == UInt8(ascii: ":"), let om = num(i + 4, 2),
                  oh <= 14, om <= 59 else { return nil }
            offset = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else { return nil }
        guard i == b.count else { return nil }
        let days = Timestamp.daysFromCivil(y, mo, d)
        self.text = text
        self.epochSeconds = Int64(days) * 86400 + Int64(h * 3600 + mi * 60 + s) - Int64(offset)
        self.microseconds = Int32(micros)
        self.offsetSeconds = Int32(offset)
    }

    /// The calendar date in the timestamp's own offset, as `(year, month, day)`.
    public var localDate: (year: Int, month: Int, day: Int) {
        let local = epochSeconds + Int64(offsetSeconds)
        let days = Int(local >= 0 ? local / 86400 : (local - 86399) / 86400)
        return Timestamp.civilFromDays(days)
    }

    /// Days since 1970-01-01 in the timestamp's own offset; compares calendar days.
    public var localDay: Int {
        let local = epochSeconds + Int64(offsetSeconds)
        return Int(local >= 0 ? local / 86400 : (local - 86399) / 86400)
    }

    /// `YYYY-MM-DD` in the timestamp's own offset.
    public var localDateText: String {
        let (y, m, d) = localDate
        return Timestamp.pad(y, 4) + "-" + Timestamp.pad(m, 2) + "-" + Timestamp.pad(d, 2)
    }

    public var description: String { text }

    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.epochSeconds, a.microseconds) < (b.epochSeconds, b.microseconds)
    }
    public static func == (a: Timestamp, b: Timestamp) -> Bool { a.text == b.text }
    public func hash(into h: inout Hasher) { h.combine(text) }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let t = Timestamp(s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(s)' is not a date-time with offset")
        }
        self = t
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }

    // Howard Hinnant's civil-calendar algorithms (public domain), proleptic Gregorian.
    public static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public static func civilFromDays(_ z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Parses a calendar date `YYYY-MM-DD` to days since 1970-01-01, or nil.
    public static func day(fromISODate s: some StringProtocol) -> Int? {
        let b = Array(s.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
        var parts = [0, 0, 0]
        for (k, r) in [(0, 0..<4), (1, 5..<7), (2, 8..<10)] {
            for i in r {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                parts[k] = parts[k] * 10 + Int(b[i] - 48)
            }
        }
        guard (1...12).contains(parts[1]), parts[2] >= 1, parts[2] <= daysInMonth(parts[0], parts[1]) else { return nil }
        return daysFromCivil(parts[0], parts[1], parts[2])
    }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
