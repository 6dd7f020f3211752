internal import CHosoDeflate

/// CRC-32 (the zlib/gzip polynomial), computed by libdeflate with carry-less multiplication.
public enum CRC32 {
    public static func update(_ crc: UInt32, _ b: UnsafeRawBufferPointer) -> UInt32 {
        guard b.count > 0 else { return crc }
        return libdeflate_crc32(crc, b.baseAddress, b.count)
    }
}
