import Foundation
import HosoCore
public import HosoStore

/// `hoso-archive.json`: what kind of folder this is, and the settings fixed at creation.
public struct ArchiveConfig: Codable, Sendable, Equatable {
    public static let formatName = "hoso-archive"
    public static let currentVersion = 1

    public var format: String
    public var version: Int
    public var createdAt: String
    public var compression: CompressionPolicy

    public init(createdAt: String, compression: CompressionPolicy = CompressionPolicy()) {
        format = Self.formatName; version = Self.currentVersion
        self.createdAt = createdAt; self.compression = compression
    }
}

/// An archive folder: its configuration, object store, ledger head, catalog and index.
///
/// ```
/// ARCHIVE/
///   hoso-archive.json   format name and version, settings
///   objects/ab/cdef…    the object store
///   ledger/HEAD         name of the newest ledger entry: the commit point
///   catalog.sqlite      derived: the catalog
///   index/              derived: the search index
///   audit/              verification log (outside objects/)
///   lock                held by the single writer
/// ```
public final class Archive: Sendable {
    public static let configFileName = "hoso-archive.json"

    public let root: String
    public let config: ArchiveConfig
    public let store: any ObjectStore

    public var objectsPath: String { root + "/objects" }
    public var ledgerFolder: String { root + "/ledger" }
    public var headPath: String { root + "/ledger/HEAD" }
    public var catalogPath: String { root + "/catalog.sqlite" }
    public var indexFolder: String { root + "/index" }
    public var auditFolder: String { root + "/audit" }
    public var lockPath: String { root + "/lock" }

    init(root: String, config: ArchiveConfig, store: any ObjectStore) {
        self.root = root; self.config = config; self.store = store
    }

    /// The archive location: `--archive`, else `HOSO_ARCHIVE`, else `./archive`.
    public static func location(_ option: String?) -> String {
        if let option, !option.isEmpty { return option }
        if let env = ProcessInfo.processInfo.environment["HOSO_ARCHIVE"], !env.isEmpty { return env }
        return "archive"
    }

    /// Creates an empty archive at `root` (a new or empty folder).
    /// - Throws: `HosoError` when the folder holds anything already.
    public static func create(at root: String, compression: CompressionPolicy = CompressionPolicy()) throws -> Archive {
        if SystemFile.exists(root) {
            if SystemFile.exists(root + "/" + configFileName) {
                throw HosoError(.ioFailure, file: root, message: "an archive already exists here",
                                advice: "Use it as it is; 'hoso init' never overwrites an archive")
            }
            let entries = (try? SystemFile.listDirectory(root)) ?? []
            guard entries.isEmpty else {
                throw HosoError(.ioFailure, file: root, message: "the folder is not empty",
                                advice: "Create the archive in a new or empty folder")
            }
        }
        try SystemFile.makeDirectories(root)
        try LocalObjectStore.create(at: root + "/objects")
        for sub in ["ledger", "index", "audit"] { try SystemFile.makeDirectory(root + "/" + sub) }
        let config = ArchiveConfig(createdAt: ISO8601DateFormatter().string(from: Date()), compression: compression)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(config)
        try SystemFile.writeAtomically(Array(data) + [0x0A], to: root + "/" + configFileName)
        try SystemFile.syncDirectory(root)
        return try open(at: root)
    }

    /// Opens an existing archive.
    /// - Throws: `HosoError` E401 when the folder is not an archive, E402 for an unknown version.
    public static func open(at root: String) throws -> Archive {
        let configPath = root + "/" + configFileName
        guard SystemFile.exists(root) else {
            throw HosoError(.notAnArchive, file: root, message: "there is no archive here (the folder does not exist)",
                            advice: "Create one with 'hoso init --archive \(root)', or name the archive with --archive or HOSO_ARCHIVE")
        }
        let bytes: [UInt8]
        do { bytes = try SystemFile.readAll(configPath, limit: 1 << 20) } catch {
            throw HosoError(.notAnArchive, file: root, message: "the folder is not a hoso archive (it has no readable \(configFileName))",
                            advice: "Name the archive folder with --archive or HOSO_ARCHIVE, or create one with 'hoso init'")
        }
        struct Probe: Decodable { let format: String?; let version: Int? }
        guard let probe = try? JSONDecoder().decode(Probe.self, from: Data(bytes)), probe.format == ArchiveConfig.formatName else {
            throw HosoError(.notAnArchive, file: configPath, message: "the file does not describe a hoso archive",
                            expected: "\"format\": \"\(ArchiveConfig.formatName)\"", found: String(decoding: bytes.prefix(120), as: UTF8.self),
                            advice: "Name the archive folder with --archive or HOSO_ARCHIVE")
        }
        guard probe.version == ArchiveConfig.currentVersion else {
            throw HosoError(.unknownArchiveVersion, file: configPath,
                            message: "the archive has format version \(probe.version.map(String.init) ?? "none"), which this hoso does not know",
                            expected: "version \(ArchiveConfig.currentVersion)", found: "version \(probe.version.map(String.init) ?? "none")",
                            advice: "Use the hoso release that wrote this archive, or a newer one that can read it")
        }
        let config: ArchiveConfig
        do { config = try JSONDecoder().decode(ArchiveConfig.self, from: Data(bytes)) } catch {
            throw HosoError(.notAnArchive, file: configPath, message: "the archive description is damaged: \(error)",
                            advice: "Restore \(configFileName) from a backup")
        }
        let store = LocalObjectStore(root: root + "/objects", policy: config.compression)
        return Archive(root: root, config: config, store: store)
    }
}
