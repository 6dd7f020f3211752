#if canImport(Glibc)
import Glibc
#endif

/// Many short strings as one run of UTF-8 bytes and their ends: a few bytes of overhead each,
/// where a `String` over 15 bytes is an allocation of its own (48 bytes or more, plus 16 in the
/// array). What a batch of a million dossiers lists before it reads the first is kept this way.
public struct PackedStrings: Sendable, RandomAccessCollection {
    private var bytes: [UInt8] = []
    private var ends: [UInt32] = []

    public init() {}

    public var startIndex: Int { 0 }
    public var endIndex: Int { ends.count }

    public mutating func append(_ s: some Collection<UInt8>) {
        bytes.append(contentsOf: s)
        precondition(bytes.count <= Int(UInt32.max), "over 4 GB of names")
        ends.append(UInt32(bytes.count))
    }

    public mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { append($0) }
    }

    private func range(_ i: Int) -> Range<Int> { (i == 0 ? 0 : Int(ends[i - 1]))..<Int(ends[i]) }

    public subscript(i: Int) -> String {
        let r = range(i)
        return bytes.withUnsafeBufferPointer { String(decoding: $0[r], as: UTF8.self) }
    }

    /// Calls `body` with string `i`'s bytes, without making a `String`.
    public func withBytes<T>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        let r = range(i)
        return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[r])) }
    }

    /// The positions of the strings in byte order (the order of `memcmp`, as file names are
    /// sorted for a stable batch order); equal strings in the order they were appended.
    public func byteOrder() -> [Int] {
        Array(indices).sorted { a, b in
            let c = compare(a, b)
            return c != 0 ? c < 0 : a < b
        }
    }

    /// String `i` against string `j` by their bytes: negative, zero or positive, as `memcmp`.
    public func compare(_ i: Int, _ j: Int) -> Int {
        withBytes(j) { y in compare(i, y) }
    }

    /// String `i` against `other`'s bytes: negative, zero or positive, as `memcmp`.
    public func compare(_ i: Int, _ other: UnsafeBufferPointer<UInt8>) -> Int {
        withBytes(i) { x in
            let n = Swift.min(x.count, other.count)
            let c = n == 0 ? 0 : Int(memcmp(x.baseAddress!, other.baseAddress!, n))
            return c != 0 ? c : x.count - other.count
        }
    }

    /// In strings sorted by their bytes, the position of `s` (nil when absent): a binary search.
    public func sortedIndex(of s: String) -> Int? {
        var s = s
        return s.withUTF8 { key in
            var low = 0, n = count
            while n > 0 {
                let half = n / 2
                if compare(low + half, key) < 0 { low += half + 1; n -= half + 1 } else { n = half }
            }
            return low < count && compare(low, key) == 0 ? low : nil
        }
    }
}
