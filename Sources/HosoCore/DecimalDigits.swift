/// Integers as decimal text written straight into bytes, for the hot paths that would otherwise
/// make a `String` per number (a ledger entry's canonical bytes, an audit run's list).
public enum DecimalDigits {
    /// The most bytes `write` produces: 20 digits and a sign.
    public static let maximumCount = 21

    /// Writes `magnitude`'s digits, after a '-' when `negative`, at `out` (the same bytes as
    /// `String(n)`); returns how many bytes it wrote.
    @inlinable
    public static func write(magnitude: UInt64, negative: Bool, to out: UnsafeMutableRawPointer) -> Int {
        var count = negative ? 1 : 0
        if negative { out.storeBytes(of: UInt8(ascii: "-"), as: UInt8.self) }
        var v = magnitude
        repeat { count += 1; v /= 10 } while v != 0
        v = magnitude
        var i = count
        repeat {
            i -= 1
            out.storeBytes(of: UInt8(ascii: "0") + UInt8(v % 10), toByteOffset: i, as: UInt8.self)
            v /= 10
        } while v != 0
        return count
    }

    /// Writes `n` as `String(n)` would; returns how many bytes it wrote.
    @inlinable
    public static func write<I: FixedWidthInteger>(_ n: I, to out: UnsafeMutableRawPointer) -> Int {
        write(magnitude: UInt64(n.magnitude), negative: n < 0, to: out)
    }
}
