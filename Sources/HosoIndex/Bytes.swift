/// An append-only little-endian byte buffer with variable-length integers (LEB128).
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    var count: Int { bytes.count }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes.append(UInt8(truncatingIfNeeded: v)); bytes.append(UInt8(truncatingIfNeeded: v >> 8)) }
    mutating func u32(_ v: UInt32) { for s in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(s))) } }
    mutating func u64(_ v: UInt64) { for s in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(s))) } }
    mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }

    @inline(__always)
    mutating func varint(_ value: UInt32) {
        var v = value
        while v >= 0x80 { bytes.append(UInt8(truncatingIfNeeded: v) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }

    /// `values` packed `bits` bits each, least significant bits first, padded to a byte
    /// (`BitPacking.byteCount(count:bits:)` bytes; none when `bits` is 0).
    mutating func packed(_ values: ArraySlice<UInt32>, bits: Int) {
        guard bits > 0 else { return }
        var pending: UInt64 = 0, held = 0
        for v in values {
            pending |= UInt64(v) << UInt64(held)
            held += bits
            while held >= 8 { bytes.append(UInt8(truncatingIfNeeded: pending)); pending >>= 8; held -= 8 }
        }
        if held > 0 { bytes.append(UInt8(truncatingIfNeeded: pending)) }
    }

    mutating func append(_ b: [UInt8]) { bytes.append(contentsOf: b) }
    mutating func append(_ b: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: b) }

    /// A length-prefixed UTF-8 string.
    mutating func string(_ s: String) {
        func put(_ u: UnsafeBufferPointer<UInt8>) { varint(UInt32(u.count)); bytes.append(contentsOf: u) }
        // Borrowing the bytes in place; a copy only for a string not stored as contiguous UTF-8.
        if s.utf8.withContiguousStorageIfAvailable(put) == nil {
            var copy = s
            copy.withUTF8(put)
        }
    }

    /// Pads with zeros to a multiple of `n`.
    mutating func align(_ n: Int) { while bytes.count % n != 0 { bytes.append(0) } }

    /// Overwrites a u32 at `offset`.
    mutating func patch32(_ v: UInt32, at offset: Int) {
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: v >> UInt32(8 * i)) }
    }
}

/// Reads little-endian values and varints from memory (a mapped segment file).
struct ByteReader {
    let base: UnsafeRawPointer
    let count: Int
    var offset: Int

    init(_ base: UnsafeRawPointer, count: Int, offset: Int = 0) {
        self.base = base; self.count = count; self.offset = offset
    }

    @inline(__always) func u8(at o: Int) -> UInt8 { base.load(fromByteOffset: o, as: UInt8.self) }
    @inline(__always) func u16(at o: Int) -> UInt16 { UInt16(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt16.self)) }
    @inline(__always) func u32(at o: Int) -> UInt32 { UInt32(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
    @inline(__always) func u64(at o: Int) -> UInt64 { UInt64(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
    @inline(__always) func i32(at o: Int) -> Int32 { Int32(bitPattern: u32(at: o)) }

    @inline(__always)
    mutating func varint() -> UInt32 {
        var result: UInt32 = 0
        var shift: UInt32 = 0
        while true {
            let b = base.load(fromByteOffset: offset, as: UInt8.self)
            offset &+= 1
            result |= UInt32(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift &+= 7
        }
    }

    mutating func string() -> String {
        let n = Int(varint())
        let s = String(decoding: UnsafeRawBufferPointer(start: base + offset, count: n), as: UTF8.self)
        offset += n
        return s
    }

    mutating func skipString() {
        let n = Int(varint())
        offset += n
    }
}

/// Fixed-width packing of postings blocks (segment format 2).
enum BitPacking {
    /// Bits needed for the largest of `values` (0 when all are 0).
    static func width(_ values: ArraySlice<UInt32>) -> Int {
        let m = values.reduce(0, |)
        return UInt32.bitWidth - m.leadingZeroBitCount
    }

    static func byteCount(count: Int, bits: Int) -> Int { (count * bits + 7) / 8 }

    /// Calls `body(i, value)` for the `count` values of `bits` bits packed at `base + offset`.
    /// Reads whole 64-bit words, so up to 7 bytes past the packed run must be mapped (the
    /// postings section ends with padding for this). No branch per value: the loop is what
    /// makes version 2 postings decode several times faster than varints.
    @inline(__always)
    static func unpack(_ base: UnsafeRawPointer, at offset: Int, count: Int, bits: Int, _ body: (Int, UInt32) -> Void) {
        guard bits > 0 else {
            for i in 0..<count { body(i, 0) }
            return
        }
        let mask = (UInt64(1) << UInt64(bits)) &- 1
        var bit = 0
        for i in 0..<count {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset &+ (bit &>> 3), as: UInt64.self))
            body(i, UInt32(truncatingIfNeeded: (word &>> UInt64(bit & 7)) & mask))
            bit &+= bits
        }
    }
}
