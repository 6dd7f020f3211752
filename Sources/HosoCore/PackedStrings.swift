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
    /// sorted for a stable batch order).
    public func byteOrder() -> [Int] {
        bytes.withUnsafeBufferPointer { all in
            Array(indices).sorted { all[range($0)].lexicographicallyPrecedes(all[range($1)]) }
        }
    }
}
