internal import CHosoDeflate
import Synchronization

/// Chooses each object's codec and compresses its chunks.
///
/// Already-compressed formats (JPEG, PNG, GIF, WebP, JPEG 2000, zip, gzip, xz, zstd, bzip2) are
/// recognized by their magic and stored raw without spending a cycle on them. Anything else is
/// probed: its first chunk is compressed, and the object is stored compressed only if that saves at
/// least `minimumSaving` (the compressed first chunk is then reused, so the probe costs nothing).
public struct CompressionPolicy: Sendable, Codable, Equatable {
    /// libdeflate level, 1 (fastest) to 12.
    public var level: Int
    /// Smallest saving on the first chunk that makes compression worth it (0.05 = 5 %).
    public var minimumSaving: Double

    /// The settings an archive may have (its description is refused otherwise).
    public static let levels = 1...12
    public static let savings = 0.0..<1.0
    public var isValid: Bool { Self.levels.contains(level) && Self.savings.contains(minimumSaving) }

    public init(level: Int = 1, minimumSaving: Double = 0.05) {
        self.level = level; self.minimumSaving = minimumSaving
    }

    /// The input size of one gzip member, and the size of each read.
    public static let chunkSize = 1 << 20

    /// Whether the first bytes announce a format that is already compressed.
    public static func isPrecompressed(_ b: UnsafeRawBufferPointer) -> Bool {
        func starts(_ m: [UInt8], at offset: Int = 0) -> Bool {
            b.count >= offset + m.count && m.indices.allSatisfy { b[offset + $0] == m[$0] }
        }
        return starts([0xFF, 0xD8, 0xFF])                                   // JPEG
            || starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])     // PNG
            || starts(Array("GIF8".utf8))                                    // GIF
            || (starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8))
            || starts([0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20])     // JPEG 2000
            || starts([0xFF, 0x4F, 0xFF, 0x51])                             // JPEG 2000 codestream
            || starts([0x50, 0x4B, 0x03, 0x04])                             // zip, docx, odt
            || starts([0x1F, 0x8B])                                          // gzip
            || starts([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00])                 // xz
            || starts([0x28, 0xB5, 0x2F, 0xFD])                             // zstd
            || starts(Array("BZh".utf8))                                     // bzip2
    }
}

/// A libdeflate compressor for one level, owned by one thread at a time.
final class GzipCompressor {
    private let handle: OpaquePointer
    let level: Int

    init(level: Int) {
        guard let h = libdeflate_alloc_compressor(Int32(max(1, min(12, level)))) else {
            fatalError("libdeflate could not allocate a compressor (out of memory)")
        }
        handle = h
        self.level = level
    }

    deinit { libdeflate_free_compressor(handle) }

    /// The largest output `compress` can produce for `count` input bytes.
    func bound(_ count: Int) -> Int { libdeflate_gzip_compress_bound(handle, count) }

    /// Compresses `input` as one gzip member into `output`; returns the member's length.
    func compress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int {
        libdeflate_gzip_compress(handle, input.baseAddress, input.count, output.baseAddress, output.count)
    }
}

/// Compressors are costly to create (hundreds of kilobytes of tables) and cheap to reuse.
final class CompressorPool: Sendable {
    static let shared = CompressorPool()
    private let free = Mutex<[GzipCompressorBox]>([])

    func take(level: Int) -> GzipCompressor {
        let box: GzipCompressorBox? = free.withLock { list in
            if let i = list.lastIndex(where: { $0.value.level == level }) { return list.remove(at: i) }
            return nil
        }
        return box?.value ?? GzipCompressor(level: level)
    }

    func give(_ c: GzipCompressor) {
        free.withLock { list in if list.count < 16 { list.append(GzipCompressorBox(value: c)) } }
    }
}

/// Moves a compressor between threads through the pool; only one thread uses it at a time.
struct GzipCompressorBox: @unchecked Sendable { let value: GzipCompressor }
