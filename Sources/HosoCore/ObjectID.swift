public import Crypto

/// The name of an object: the SHA-256 digest of its original bytes.
///
/// Printed as 64 lowercase hex digits; in manifests, reports and the catalog it is written with its
/// algorithm, `sha256:…`, so that a future algorithm can sit beside it.
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The 32 digest bytes, as four big-endian words so that the value stays inline and cheap to hash.
    public let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// Creates an id from exactly 32 digest bytes.
    public init<C: Collection>(bytes: C) where C.Element == UInt8 {
        precondition(bytes.count == 32, "an object id has 32 bytes")
        var w = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        for (i, b) in bytes.enumerated() {
            switch i >> 3 {
            case 0: w.0 = w.0 << 8 | UInt64(b)
            case 1: w.1 = w.1 << 8 | UInt64(b)
            case 2: w.2 = w.2 << 8 | UInt64(b)
            default: w.3 = w.3 << 8 | UInt64(b)
            }
        }
        (w0, w1, w2, w3) = w
    }

    private init(words: (UInt64, UInt64, UInt64, UInt64)) { (w0, w1, w2, w3) = words }

    /// Creates an id from a finished SHA-256 digest.
    public init(_ digest: SHA256.Digest) {
        self = digest.withUnsafeBytes { ObjectID(bytes: $0) }
    }

    /// Parses 64 hex digits, optionally prefixed by `sha256:`; upper-case digits are accepted.
    /// Reads the text's bytes in place: catalogs and manifests hold ids by the thousand.
    /// - Throws: `ObjectIDError` naming what is wrong with the text.
    public init(parsing text: some StringProtocol) throws(ObjectIDError) {
        var s = Substring(text)
        if s.hasPrefix("sha256:") { s = s.dropFirst(7) }
        let count = s.utf8.count
        guard count == 64 else { throw .wrongLength(String(text), count) }
        let parsed = s.utf8.withContiguousStorageIfAvailable(Self.words) ?? Array(s.utf8).withUnsafeBufferPointer(Self.words)
        guard let parsed else { throw .notHex(String(text)) }
        self.init(words: parsed)
    }

    /// The four words of 64 hex digits, or nil if one is not a hex digit.
    private static func words(_ digits: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64, UInt64, UInt64)? {
        func word(_ k: Int) -> UInt64? {
            var v: UInt64 = 0
            for i in (16 * k)..<(16 * k + 16) {
                guard let n = nibble(digits[i]) else { return nil }
                v = v << 4 | UInt64(n)
            }
            return v
        }
        guard let a = word(0), let b = word(1), let c = word(2), let d = word(3) else { return nil }
        return (a, b, c, d)
    }

    /// Whether every byte is a lowercase hex digit, the only form hoso writes names in
    /// (`init(hex:)` also takes capitals; a file or a row named so was not written by hoso).
    @inlinable
    public static func isLowercaseHex(_ bytes: some Sequence<UInt8>) -> Bool {
        bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// Parses `text` or returns nil.
    public init?(hex text: some StringProtocol) {
        guard let id = try? ObjectID(parsing: text) else { return nil }
        self = id
    }

    /// Parses exactly 64 hex digits (no prefix) in place, or returns nil: for lists of names
    /// read by the million.
    public init?(hexDigits digits: UnsafeRawBufferPointer) {
        guard digits.count == 64, let words = Self.words(digits.assumingMemoryBound(to: UInt8.self)) else { return nil }
        self.init(words: words)
    }

    @inline(__always) private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// The 32 digest bytes.
    public var bytes: [UInt8] {
        var out = [UInt8](); out.reserveCapacity(32)
        for w in [w0, w1, w2, w3] { for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: w >> UInt64(s))) } }
        return out
    }

    /// 64 lowercase hex digits.
    public var hex: String { digits(prefix: "") }

    /// `sha256:` followed by the hex digits, the form used in manifests and reports.
    public var prefixed: String { digits(prefix: "sha256:") }

    /// `prefix` then the 64 hex digits, written straight into the string's storage.
    private func digits(prefix: StaticString) -> String {
        String(unsafeUninitializedCapacity: prefix.utf8CodeUnitCount + 64) { out in
            var n = 0
            prefix.withUTF8Buffer { for b in $0 { out[n] = b; n += 1 } }
            writeHex(to: out.baseAddress! + n)
            return n + 64
        }
    }

    /// Writes the 64 lowercase hex digits at `out`.
    public func writeHex(to out: UnsafeMutablePointer<UInt8>) {
        var n = 0
        func put(_ w: UInt64) {
            for shift in stride(from: 60, through: 0, by: -4) {
                let v = UInt8(truncatingIfNeeded: w >> UInt64(shift)) & 15
                out[n] = v < 10 ? v + 0x30 : v + 0x57
                n += 1
            }
        }
        put(w0); put(w1); put(w2); put(w3)
    }

    /// The first 12 hex digits, for tables meant for people.
    public var short: String { String(hex.prefix(12)) }

    public var description: String { prefixed }

    public static func < (a: ObjectID, b: ObjectID) -> Bool {
        (a.w0, a.w1, a.w2, a.w3) < (b.w0, b.w1, b.w2, b.w3)
    }

    /// The SHA-256 of `bytes`.
    public static func hashing(_ bytes: UnsafeRawBufferPointer) -> ObjectID {
        var h = SHA256()
        h.update(bufferPointer: bytes)
        return ObjectID(h.finalize())
    }

    /// The SHA-256 of `bytes`.
    public static func hashing(_ bytes: [UInt8]) -> ObjectID {
        bytes.withUnsafeBytes { hashing($0) }
    }
}

/// Why a text is not an object id.
public enum ObjectIDError: Error, CustomStringConvertible, Equatable {
    case wrongLength(String, Int)
    case notHex(String)

    public var description: String {
        switch self {
        case let .wrongLength(t, n):
            return "'\(t)' is not an object name: expected 64 hex digits (optionally after 'sha256:'), found \(n) characters"
        case let .notHex(t):
            return "'\(t)' is not an object name: it contains a character that is not a hex digit"
        }
    }
}

extension ObjectID: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        do { try self.init(parsing: s) } catch {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: error.description)
        }
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(prefixed)
    }
}

/// A streaming SHA-256 that yields an `ObjectID`.
public struct ObjectHasher {
    private var state = SHA256()
    public init() {}
    /// Adds bytes to the digest.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) { state.update(bufferPointer: buffer) }
    /// Finishes the digest.
    public func finalize() -> ObjectID { ObjectID(state.finalize()) }
}
