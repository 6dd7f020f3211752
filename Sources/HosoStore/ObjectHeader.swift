import HosoCore

/// How an object's payload is stored.
public enum Codec: UInt8, Sendable, Codable, CustomStringConvertible {
    /// The original bytes, unchanged.
    case raw = 0
    /// A sequence of gzip members (RFC 1952), one per 1 MiB of input: `gzip -dc` and the system
    /// zlib read it back; each member carries its own CRC-32 and length.
    case gzip = 1

    public var description: String { self == .raw ? "raw" : "gzip" }
}

/// The fixed 40-byte header that starts every object file.
///
/// ```
/// offset size  field
///      0    8  magic  89 48 4F 53 4F 0D 0A 1A  ("\x89HOSO\r\n\x1a")
///      8    1  format version (1)
///      9    1  codec (0 raw, 1 gzip)
///     10    2  reserved, zero
///     12    4  CRC-32 of the payload (the stored bytes after the header), little-endian
///     16    8  original length (bytes of the content), little-endian
///     24    8  payload length (stored bytes after the header), little-endian
///     32    4  reserved, zero
///     36    4  CRC-32 of bytes 0..<36, little-endian
/// ```
/// The payload CRC makes every change of a stored bit detectable, including bits that a
/// decompressor ignores (gzip header fields, padding after the last deflate block); the SHA-256 of
/// the content, which is the object's name, proves the content itself.
public struct ObjectHeader: Sendable, Equatable {
    public static let size = 40
    public static let magic: [UInt8] = [0x89, 0x48, 0x4F, 0x53, 0x4F, 0x0D, 0x0A, 0x1A]
    public static let formatVersion: UInt8 = 1

    public var codec: Codec
    public var originalLength: UInt64
    public var payloadLength: UInt64
    public var payloadCRC: UInt32

    public init(codec: Codec, originalLength: UInt64, payloadLength: UInt64, payloadCRC: UInt32) {
        self.codec = codec; self.originalLength = originalLength
        self.payloadLength = payloadLength; self.payloadCRC = payloadCRC
    }

    /// The 40 header bytes.
    public var bytes: [UInt8] {
        var b = [UInt8](repeating: 0, count: ObjectHeader.size)
        for i in 0..<8 { b[i] = ObjectHeader.magic[i] }
        b[8] = ObjectHeader.formatVersion
        b[9] = codec.rawValue
        ObjectHeader.put(UInt64(payloadCRC), 4, at: 12, in: &b)
        ObjectHeader.put(originalLength, 8, at: 16, in: &b)
        ObjectHeader.put(payloadLength, 8, at: 24, in: &b)
        ObjectHeader.put(UInt64(ObjectHeader.crc(b, 36)), 4, at: 36, in: &b)
        return b
    }

    static func put(_ v: UInt64, _ width: Int, at offset: Int, in b: inout [UInt8]) {
        for i in 0..<width { b[offset + i] = UInt8(truncatingIfNeeded: v >> UInt64(8 * i)) }
    }

    static func get(_ width: Int, at offset: Int, in b: [UInt8]) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<width { v |= UInt64(b[offset + i]) << UInt64(8 * i) }
        return v
    }

    static func crc(_ b: [UInt8], _ count: Int) -> UInt32 {
        b.withUnsafeBytes { CRC32.update(0, UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }

    /// Why bytes are not a valid header.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case tooShort(Int)
        case badMagic
        case unknownVersion(UInt8)
        case unknownCodec(UInt8)
        case reservedNotZero
        case checksum
        case inconsistent(String)

        public var description: String {
            switch self {
            case .tooShort(let n): "the file has \(n) bytes, fewer than the \(ObjectHeader.size)-byte header"
            case .badMagic: "the file does not start with the hoso object magic"
            case .unknownVersion(let v): "object format version \(v) is unknown to this hoso"
            case .unknownCodec(let c): "codec \(c) is unknown"
            case .reservedNotZero: "reserved header bytes are not zero"
            case .checksum: "the header checksum does not match"
            case .inconsistent(let s): s
            }
        }
    }

    /// Parses a header.
    /// - Throws: `ObjectHeader.Problem` when the bytes are not a sound header.
    public init(parsing b: [UInt8]) throws(Problem) {
        guard b.count >= ObjectHeader.size else { throw .tooShort(b.count) }
        guard b[0..<8].elementsEqual(ObjectHeader.magic) else { throw .badMagic }
        guard UInt32(ObjectHeader.get(4, at: 36, in: b)) == ObjectHeader.crc(b, 36) else { throw .checksum }
        guard b[8] == ObjectHeader.formatVersion else { throw .unknownVersion(b[8]) }
        guard let codec = Codec(rawValue: b[9]) else { throw .unknownCodec(b[9]) }
        guard b[10] == 0, b[11] == 0, b[32..<36].allSatisfy({ $0 == 0 }) else { throw .reservedNotZero }
        self.codec = codec
        originalLength = ObjectHeader.get(8, at: 16, in: b)
        payloadLength = ObjectHeader.get(8, at: 24, in: b)
        payloadCRC = UInt32(ObjectHeader.get(4, at: 12, in: b))
        if codec == .raw && payloadLength != originalLength {
            throw .inconsistent("a raw object's payload length differs from its original length")
        }
    }
}

