import ArgumentParser
import HosoArchive
import HosoStore

/// `hoso init`: creates an empty archive.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create an empty archive.")

    @OptionGroup var archiveOptions: ArchiveOptions

    @Option(name: .long, help: "Compression level for compressible scans, 1 (fastest) to 12 (smallest).")
    var compressionLevel: Int = CompressionPolicy().level

    @Option(name: .long, help: "Smallest saving (0–1) on a scan's first MiB that makes compressing it worthwhile.")
    var minimumSaving: Double = CompressionPolicy().minimumSaving

    func validate() throws {
        guard (1...12).contains(compressionLevel) else { throw ValidationError("--compression-level must be 1 to 12") }
        guard (0.0..<1.0).contains(minimumSaving) else { throw ValidationError("--minimum-saving must be at least 0 and below 1") }
    }

    func run() throws {
        let path = archiveOptions.location
        let archive = try Archive.create(at: path, compression: CompressionPolicy(level: compressionLevel, minimumSaving: minimumSaving))
        Console.shared.out("created archive \(archive.root) (format \(archive.config.format) \(archive.config.version))")
    }
}
