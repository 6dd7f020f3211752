#if canImport(Glibc)
import Glibc
#endif
public import HosoCore

/// What encoding produced.
public struct EncodedObject: Sendable {
    public var id: ObjectID
    public var codec: Codec
    public var originalLength: UInt64
    /// Header plus payload.
    public var storedLength: UInt64
    /// The final header, to be written at offset 0 once the payload is out.
    public var header: ObjectHeader
}

/// The changed-while-reading error: the source delivered another length than announced.
public struct SourceChanged: Error, CustomStringConvertible {
    public let path: String
    public let expected: UInt64
    public let found: UInt64
    public var description: String {
        "\(path) changed while it was read (\(expected) bytes announced, \(found) read); copy it again when it is complete"
    }
}

/// Turns a byte source into an object file's bytes in one streaming pass: hashes the original
/// bytes, picks the codec on the first chunk, compresses chunk by chunk, checksums the payload, and
/// hands the payload to a sink. The header, which records the payload's length and CRC, is returned
/// at the end: the caller writes it in front (the local store reserves the first 40 bytes and fills
/// them in before fsync). Memory: one input chunk and one output chunk, whatever the source size.
public enum ObjectEncoder {
    /// Encodes `source` into `sink`.
    /// - Parameters:
    ///   - hashOnly: compute the name without producing output (used when the object may exist).
    /// - Throws: the source's and sink's errors; `SourceChanged` when the length differs.
    public static func encode(_ source: inout some ByteSource, policy: CompressionPolicy, path: String,
                              hashOnly: Bool = false,
                              sink: (UnsafeRawBufferPointer) throws -> Void) throws -> EncodedObject {
        let length = source.length
        let chunk = CompressionPolicy.chunkSize
        let inCapacity = Int(min(UInt64(chunk), max(length, 1)))
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: inCapacity, alignment: 64)
        defer { input.deallocate() }
        var hasher = ObjectHasher()
        var total: UInt64 = 0

        var n = try source.read(into: input)
        total += UInt64(n)
        hasher.update(UnsafeRawBufferPointer(rebasing: input[0..<n]))

        if hashOnly {
            while n > 0 {
                n = try source.read(into: input)
                total += UInt64(n)
                hasher.update(UnsafeRawBufferPointer(rebasing: input[0..<n]))
            }
            guard total == length else { throw SourceChanged(path: path, expected: length, found: total) }
            return EncodedObject(id: hasher.finalize(), codec: .raw, originalLength: total, storedLength: 0,
                                 header: ObjectHeader(codec: .raw, originalLength: total, payloadLength: total, payloadCRC: 0))
        }

        // Choose the codec on the first chunk.
        var codec = Codec.raw
        var compressor: GzipCompressor?
        var output: UnsafeMutableRawBufferPointer?
        var firstMember = 0
        let first = UnsafeRawBufferPointer(rebasing: input[0..<n])
        if n > 0 && !CompressionPolicy.isPrecompressed(first) {
            let c = CompressorPool.shared.take(level: policy.level)
            let out = UnsafeMutableRawBufferPointer.allocate(byteCount: c.bound(inCapacity), alignment: 64)
            let m = c.compress(first, into: out)
            if m > 0 && Double(m) <= Double(n) * (1 - policy.minimumSaving) {
                codec = .gzip; compressor = c; output = out; firstMember = m
            } else {
                CompressorPool.shared.give(c); out.deallocate()
            }
        }
        defer {
            if let compressor { CompressorPool.shared.give(compressor) }
            output?.deallocate()
        }

        var stored: UInt64 = 0
        var crc: UInt32 = 0
        func emit(_ piece: UnsafeRawBufferPointer) throws {
            crc = CRC32.update(crc, piece)
            stored += UInt64(piece.count)
            try sink(piece)
        }
        if codec == .gzip, let output {
            try emit(UnsafeRawBufferPointer(rebasing: output[0..<firstMember]))
        } else if n > 0 {
            try emit(first)
        }
        while n > 0 {
            n = try source.read(into: input)
            if n == 0 { break }
            total += UInt64(n)
            let piece = UnsafeRawBufferPointer(rebasing: input[0..<n])
            hasher.update(piece)
            if let compressor, let output {
                let m = compressor.compress(piece, into: output)
                precondition(m > 0, "libdeflate output bound too small")
                try emit(UnsafeRawBufferPointer(rebasing: output[0..<m]))
            } else {
                try emit(piece)
            }
            if total > length { break }
        }
        guard total == length else { throw SourceChanged(path: path, expected: length, found: total) }
        let header = ObjectHeader(codec: codec, originalLength: total, payloadLength: stored, payloadCRC: crc)
        return EncodedObject(id: hasher.finalize(), codec: codec, originalLength: total,
                             storedLength: stored + UInt64(ObjectHeader.size), header: header)
    }
}

extension ObjectEncoder {
    /// Encodes a source into a new file at `temp` (created exclusively, mode 0444 when done):
    /// the header is reserved, the payload written as it is compressed, then the header filled
    /// in. The file is neither synced nor renamed: the caller decides where it goes (a rename
    /// into a local store, an upload to S3). On error the file is removed.
    /// - Returns: the encoded object and the still-open file descriptor (the caller closes it).
    /// - Parameter mode: the object's permissions (0444, or fewer: see `SystemFile.mode(_:likeFolder:)`).
    public static func spool(_ source: inout some ByteSource, policy: CompressionPolicy, path: String,
                             expected: ObjectID?, to temp: String, mode: mode_t = 0o444) throws -> (EncodedObject, Int32) {
        let fd = try SystemFile.createExclusive(temp, mode: 0o644)
        do {
            try [UInt8](repeating: 0, count: ObjectHeader.size).withUnsafeBytes { try SystemFile.write(fd, $0, path: temp) }
            let encoded = try encode(&source, policy: policy, path: path) { chunk in
                try SystemFile.write(fd, chunk, path: temp)
            }
            if let expected, encoded.id != expected { throw ObjectFault.hashMismatch(found: encoded.id) }
            try encoded.header.bytes.withUnsafeBytes { try SystemFile.writeAt(fd, $0, offset: 0, path: temp) }
            guard fchmod(fd, mode) == 0 else { throw SystemError(errno: errno, operation: "chmod", path: temp) }
            return (encoded, fd)
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
    }
}
