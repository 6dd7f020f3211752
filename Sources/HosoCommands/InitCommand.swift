import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import HosoArchive
import HosoStore
import HosoCore

/// `hoso init`: creates an empty archive.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create an empty archive.")

    @OptionGroup var archiveOptions: ArchiveOptions

    @Option(name: .long, help: ArgumentHelp("Keep the objects in an S3 bucket instead of the archive folder (path-style; credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, never stored).", valueName: "s3://bucket/prefix"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp("The S3 service's URL (default: $HOSO_S3_ENDPOINT, else $AWS_ENDPOINT_URL).", valueName: "url"))
    var endpoint: String?

    @Option(name: .long, parsing: .unconditional, help: "Compression level for compressible scans, 1 (fastest) to 12 (smallest).")
    var compressionLevel: Int = CompressionPolicy().level

    @Option(name: .long, parsing: .unconditional, help: "Smallest saving (0–1) on a scan's first MiB that makes compressing it worthwhile.")
    var minimumSaving: Double = CompressionPolicy().minimumSaving

    func validate() throws {
        guard CompressionPolicy.levels.contains(compressionLevel) else { throw ValidationError("--compression-level must be 1 to 12") }
        guard CompressionPolicy.savings.contains(minimumSaving) else { throw ValidationError("--minimum-saving must be at least 0 and below 1") }
        if let store, !store.hasPrefix("s3://") { throw ValidationError("--store takes an s3://bucket/prefix location") }
        if endpoint != nil && store == nil { throw ValidationError("--endpoint goes with --store") }
        try checkEndpoint(for: store, endpoint)
    }

    func run() throws {
        let path = archiveOptions.location
        let remote = try store.map { try StoreSpec.remote($0, endpoint: endpoint) }
        let archive: Archive
        do {
            archive = try Archive.create(at: path, compression: CompressionPolicy(level: compressionLevel, minimumSaving: minimumSaving), store: remote)
        } catch let e as SystemError where [ENOSPC, EDQUOT].contains(e.errno) {
            // Folders made before the disk filled stay (harmless): said, with what completes them.
            var d = e.diagnostic
            d.advice = "Free space on the disk (an empty archive needs about 260 files and folders), then run 'hoso init' again: it completes an init cut short"
            throw HosoError(d)
        }
        Console.shared.out("created archive \(archive.root) (format \(archive.config.format) \(archive.config.version))"
                           + (remote.map { ", objects in \($0.url) at \($0.endpoint)" } ?? ""))
    }
}
