internal import CHosoZlib
internal import CHosoDeflate
public import HosoCore

/// Streams a stored object back to its original bytes and proves it is intact: header sound,
/// payload decoded within the recorded length (a compression bomb under a valid name is detected,
/// never obeyed), content rehashed and compared with the name, nothing after the payload.
///
/// Fed with the stored bytes in chunks of any size; hands out original bytes as they are decoded.
/// Callers must not trust what they received until `finish()` returns.
public final class ObjectDecoder {
    private let expected: ObjectID?
    private var headerBuffer: [UInt8] = []
    private(set) public var header: ObjectHeader?
    private var hasher = ObjectHasher()
    private var produced: UInt64 = 0
    private var inflater: MemberInflater?
    /// Set once the content is complete (gzip: the member that reached the recorded length ended).
    private var complete = false
    private var payloadSeen: UInt64 = 0
    private var crc: UInt32 = 0

    /// - Parameter expected: the name the content must hash to (nil: only decode and report the hash).
    public init(expected: ObjectID?) { self.expected = expected }

    /// Decodes one more chunk of stored bytes, passing decoded original bytes to `emit`.
    /// - Throws: `ObjectFault` at the first sign of damage; the caller stops reading.
    public func feed(_ chunk: UnsafeRawBufferPointer,
                     emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        var rest = chunk
        if header == nil {
            let need = ObjectHeader.size - headerBuffer.count
            let take = min(need, rest.count)
            headerBuffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[0..<take]))
            rest = UnsafeRawBufferPointer(rebasing: rest[take...])
            guard headerBuffer.count == ObjectHeader.size else { return }
            do { header = try ObjectHeader(parsing: headerBuffer) } catch { throw ObjectFault.headerCorrupt(error) }
            if header!.codec == .gzip { inflater = MemberInflater() }
            if header!.originalLength == 0 && header!.codec == .raw { complete = true }
        }
        guard !rest.isEmpty, let header else { return }
        // Nothing may follow the recorded payload.
        if payloadSeen + UInt64(rest.count) > header.payloadLength { throw ObjectFault.trailingData }
        payloadSeen += UInt64(rest.count)
        crc = CRC32.update(crc, rest)
        switch header.codec {
        case .raw:
            try take(rest, emit)
            if produced == header.originalLength { complete = true }
        case .gzip:
            try inflate(rest, header: header, emit)
        }
    }

    private func take(_ b: UnsafeRawBufferPointer, _ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        hasher.update(b)
        produced += UInt64(b.count)
        try emit(b)
    }

    private func inflate(_ input: UnsafeRawBufferPointer, header: ObjectHeader,
                         _ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let z = inflater else { return }
        var input = input
        let all = payloadSeen == header.payloadLength
        repeat {
            let taken = z.append(input)
            input = UnsafeRawBufferPointer(rebasing: input[taken...])
            // Decode whole members while one surely is buffered, or everything once all is here.
            while z.buffered >= MemberInflater.largestMember || (all && input.isEmpty && z.buffered > 0) {
                if complete { throw ObjectFault.trailingData }
                // Never ask for more than one byte past the recorded length.
                let allowed = Int(min(UInt64(CompressionPolicy.chunkSize), header.originalLength - produced + 1))
                guard let out = try z.decodeMember(maxOutput: allowed) else {
                    if allowed < CompressionPolicy.chunkSize {
                        throw ObjectFault.sizeMismatch(expected: header.originalLength, found: produced + UInt64(allowed))
                    }
                    throw ObjectFault.corruptStream("a gzip member holds more than the 1 MiB hoso writes per member")
                }
                if produced + UInt64(out.count) > header.originalLength {
                    throw ObjectFault.sizeMismatch(expected: header.originalLength, found: produced + UInt64(out.count))
                }
                try take(out, emit)
                if produced == header.originalLength { complete = true }
            }
        } while !input.isEmpty
    }

    /// Declares the end of the stored bytes and checks the whole object.
    /// - Returns: the header, the hash of the decoded content (equal to `expected` when given),
    ///   and the stored size.
    /// - Throws: `ObjectFault` when the object is incomplete, wrong-sized, altered, or not what its
    ///   name says.
    @discardableResult
    public func finish() throws -> (header: ObjectHeader, id: ObjectID, storedSize: UInt64) {
        guard let header else { throw ObjectFault.truncated("\(headerBuffer.count) of the \(ObjectHeader.size) header bytes present") }
        if payloadSeen < header.payloadLength {
            throw ObjectFault.truncated("\(payloadSeen) of \(header.payloadLength) payload bytes present")
        }
        let crcMatches = crc == header.payloadCRC
        if !complete {
            if !crcMatches { throw ObjectFault.corruptStream("the payload checksum does not match and the stream ends early") }
            throw ObjectFault.sizeMismatch(expected: header.originalLength, found: produced)
        }
        if let z = inflater, z.buffered > 0 { throw ObjectFault.trailingData }
        let id = hasher.finalize()
        if let expected, id != expected { throw ObjectFault.hashMismatch(found: id) }
        if !crcMatches {
            throw ObjectFault.corruptStream("the payload checksum does not match (stored bytes were altered where decoding does not notice)")
        }
        return (header, id, UInt64(ObjectHeader.size) + payloadSeen)
    }
}

/// Decodes hoso's gzip payloads one member at a time with libdeflate (about three times zlib's
/// speed). Members written by hoso hold at most 1 MiB of content, so a member always fits the
/// buffers; anything larger is damage or a bomb and is refused.
final class MemberInflater {
    /// The largest compressed member hoso writes (1 MiB that does not compress, plus overhead).
    static let largestMember = CompressionPolicy.chunkSize + (64 << 10)
    private let decompressor: OpaquePointer
    private let input: UnsafeMutableRawBufferPointer
    private let output: UnsafeMutableRawBufferPointer
    private(set) var buffered = 0

    init() {
        guard let d = libdeflate_alloc_decompressor() else { fatalError("libdeflate could not allocate a decompressor") }
        decompressor = d
        input = .allocate(byteCount: 2 * MemberInflater.largestMember, alignment: 64)
        output = .allocate(byteCount: CompressionPolicy.chunkSize + 1, alignment: 64)
    }

    deinit {
        libdeflate_free_decompressor(decompressor)
        input.deallocate(); output.deallocate()
    }

    /// Buffers as much of `bytes` as fits; returns how much was taken.
    func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        let n = min(bytes.count, input.count - buffered)
        if n > 0 { (input.baseAddress! + buffered).copyMemory(from: bytes.baseAddress!, byteCount: n) }
        buffered += n
        return n
    }

    /// Decodes the first buffered member into at most `maxOutput` bytes; nil when it holds more.
    func decodeMember(maxOutput: Int) throws -> UnsafeRawBufferPointer? {
        var used = 0, produced = 0
        let rc = libdeflate_gzip_decompress_ex(decompressor, input.baseAddress, buffered, output.baseAddress,
                                               maxOutput, &used, &produced)
        switch rc {
        case LIBDEFLATE_SUCCESS:
            buffered -= used
            if buffered > 0 { input.baseAddress!.copyMemory(from: input.baseAddress! + used, byteCount: buffered) }
            return UnsafeRawBufferPointer(rebasing: output[0..<produced])
        case LIBDEFLATE_INSUFFICIENT_SPACE:
            return nil   // more content than allowed: past the recorded length, or a member larger than hoso writes
        default:
            throw ObjectFault.corruptStream("a gzip member cannot be decoded (bad data or a damaged CRC or length)")
        }
    }
}

/// zlib's streaming inflater for concatenated gzip members, with one owner and a stable address.
/// Not on the read path (libdeflate is); it proves that the system zlib reads every object back.
final class Inflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private let outBuffer: UnsafeMutableRawBufferPointer
    let capacity = 256 << 10
    /// Whether input has been consumed since the last member ended.
    private(set) var midMember = false

    init() throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        outBuffer = .allocate(byteCount: capacity, alignment: 64)
        // 15 + 16: gzip framing only (a raw zlib or deflate stream is corruption here).
        let rc = choso_inflateInit2(stream, 15 + 16)
        guard rc == Z_OK else {
            stream.deallocate(); outBuffer.deallocate()
            throw ObjectFault.unreadable("zlib could not start (code \(rc))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        outBuffer.deallocate()
    }

    func reset() { inflateReset(stream); midMember = false }

    /// Inflates from `input` into the internal buffer, producing at most `maxOutput` bytes.
    /// - Returns: input bytes consumed, the output produced (valid until the next call), and
    ///   whether a member ended.
    func step(_ input: UnsafeRawBufferPointer, maxOutput: Int) throws -> (Int, UnsafeRawBufferPointer, Bool) {
        let inBase = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.pointee.next_in = inBase
        stream.pointee.avail_in = UInt32(min(input.count, Int(UInt32.max)))
        stream.pointee.next_out = outBuffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = UInt32(max(1, maxOutput))
        let before = stream.pointee.avail_in
        let rc = CHosoZlib.inflate(stream, Z_NO_FLUSH)
        let consumed = Int(before - stream.pointee.avail_in)
        let produced = Int(UInt32(max(1, maxOutput)) - stream.pointee.avail_out)
        if consumed > 0 { midMember = true }
        switch rc {
        case Z_OK, Z_BUF_ERROR:
            return (consumed, UnsafeRawBufferPointer(rebasing: outBuffer[0..<produced]), false)
        case Z_STREAM_END:
            midMember = false
            return (consumed, UnsafeRawBufferPointer(rebasing: outBuffer[0..<produced]), true)
        default:
            let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
            throw ObjectFault.corruptStream(message)
        }
    }
}
