internal import CHosoZlib

/// How an object's payload is stored.
public enum Codec: UInt8, Sendable, Codable, CustomStringConvertible {
    /// The original bytes, unchanged.
    case raw = 0
    /// A sequence of gzip members (RFC 1952), one per 1 MiB of input: `gzip -dc` and the system
    /// zlib read it back; each member carries its own CRC-32 and length.
    case gzip = 1

    public var description: String { self == .raw ? "raw" : "gzip" }
}

/// The fixed 32-byte header that starts every object file.
///
/// ```
/// offset size  field
///      0    8  magic  89 48 4F 53 4F 0D 0A 1A  ("\x89HOSO\r\n\x1a")
///      8    1  format version (1)
///      9    1  codec (0 raw, 1 gzip)
///     10    6  reserved, zero
///     16    8  original length, little-endian
///     24    4  reserved, zero
///     28    4  CRC-32 of bytes 0..<28, little-endian
/// ```
public struct ObjectHeader: Sendable, Equatable {
    public static let size = 32
    public static let magic: [UInt8] = [0x89, 0x48, 0x4F, 0x53, 0x4F, 0x0D, 0x0A, 0x1A]
    public static let formatVersion: UInt8 = 1

    public var codec: Codec
    public var originalLength: UInt64

    public init(codec: Codec, originalLength: UInt64) {
        self.codec = codec; self.originalLength = originalLength
    }

    /// The 32 header bytes.
    public var bytes: [UInt8] {
        var b = [UInt8](repeating: 0, count: ObjectHeader.size)
        for i in 0..<8 { b[i] = ObjectHeader.magic[i] }
        b[8] = ObjectHeader.formatVersion
        b[9] = codec.rawValue
        for i in 0..<8 { b[16 + i] = UInt8(truncatingIfNeeded: originalLength >> UInt64(8 * i)) }
        let crc = ObjectHeader.crc(b)
        for i in 0..<4 { b[28 + i] = UInt8(truncatingIfNeeded: crc >> UInt32(8 * i)) }
        return b
    }

    static func crc(_ b: [UInt8]) -> UInt32 {
        b.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, 28)) }
    }

    /// Why 32 bytes are not a valid header.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case tooShort(Int)
        case badMagic
        case unknownVersion(UInt8)
        case unknownCodec(UInt8)
        case reservedNotZero
        case checksum

        public var description: String {
            switch self {
            case .tooShort(let n): "the file has \(n) bytes, fewer than the 32-byte header"
            case .badMagic: "the file does not start with the hoso object magic"
            case .unknownVersion(let v): "object format version \(v) is unknown to this hoso"
            case .unknownCodec(let c): "codec \(c) is unknown"
            case .reservedNotZero: "reserved header bytes are not zero"
            case .checksum: "the header checksum does not match"
            }
        }
    }

    /// Parses a header.
    /// - Throws: `ObjectHeader.Problem` when the bytes are not a sound header.
    public init(parsing b: [UInt8]) throws(Problem) {
        guard b.count >= ObjectHeader.size else { throw .tooShort(b.count) }
        guard b[0..<8].elementsEqual(ObjectHeader.magic) else {
            // A damaged magic is reported as such only if the checksum also fails; otherwise the
            // file is not an object at all.
            throw .badMagic
        }
        var stored: UInt32 = 0
        for i in 0..<4 { stored |= UInt32(b[28 + i]) << UInt32(8 * i) }
        guard stored == ObjectHeader.crc(b) else { throw .checksum }
        guard b[8] == ObjectHeader.formatVersion else { throw .unknownVersion(b[8]) }
        guard let codec = Codec(rawValue: b[9]) else { throw .unknownCodec(b[9]) }
        guard b[10..<16].allSatisfy({ $0 == 0 }), b[24..<28].allSatisfy({ $0 == 0 }) else { throw .reservedNotZero }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(b[16 + i]) << UInt64(8 * i) }
        self.codec = codec
        self.originalLength = length
    }
}
