import Foundation
import Synchronization
import HosoCore
public import HosoIndex
public import HosoStore

/// `hoso-archive.json`: what kind of folder this is, and the settings fixed at creation.
///
/// The version tells which releases may open the archive. 1: as first released. 2: the index
/// may hold segments of format 5 and documents of derivation rule 4, which releases knowing
/// only version 1 cannot read, and whose catalog rows they would write by their older rule.
/// This hoso reads both, and raises a version 1 archive to 2 just before it first writes such
/// a thing (`Archive.raiseVersionBeforeWriting`), so that an older release refuses it (E402).
public struct ArchiveConfig: Codable, Sendable, Equatable {
    public static let formatName = "hoso-archive"
    public static let currentVersion = 2
    /// The versions this hoso opens.
    public static let readableVersions = 1...currentVersion
    /// The first derivation rule whose catalog rows and documents need version 2.
    public static let firstRuleOfVersion2 = 4

    public var format: String
    public var version: Int
    public var createdAt: String
    public var compression: CompressionPolicy
    /// Where the objects are when not in the archive folder (an S3 bucket); absent: `objects/`.
    public var store: RemoteStoreConfig?

    public init(createdAt: String, compression: CompressionPolicy = CompressionPolicy(), store: RemoteStoreConfig? = nil) {
        format = Self.formatName; version = Self.currentVersion
        self.createdAt = createdAt; self.compression = compression; self.store = store
    }
}

/// An object store outside the archive folder: `s3://BUCKET/PREFIX` and its endpoint. No
/// credentials: they come from the environment of each run.
public struct RemoteStoreConfig: Codable, Sendable, Equatable {
    public var url: String
    public var endpoint: String
    public var region: String

    public init(url: String, endpoint: String, region: String = "us-east-1") {
        self.url = url; self.endpoint = endpoint; self.region = region
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
    /// Where replicate and S3 stores keep verified copies on their way.
    public var spoolFolder: String { root + "/spool" }

    /// Removes what dead writers left beside the store (the caller holds the writer lock):
    /// temp files of atomic writes in the ledger folder, and, an hour old (a verify writing
    /// `audit.tail`, or a copy out that takes no lock, may be at work), in the archive folder and
    /// the spool. Returns how many. (The store's own are removed by `removeStaleTemps`.)
    @discardableResult
    public func removeLeftoverTemporaries() -> Int {
        var removed = (try? SystemFile.removeTemporaries(in: ledgerFolder)) ?? 0
        for folder in [root, spoolFolder] where SystemFile.exists(folder) {
            removed += (try? SystemFile.removeTemporaries(in: folder, olderThan: 3600)) ?? 0
        }
        return removed
    }

    /// Synonym groups the archivists add to the built-in ones (see docs/search.md).
    public var synonymsPath: String { root + "/synonyms.txt" }

    /// The built-in synonym table with the groups of `synonyms.txt` added, when there is one.
    /// - Throws: `HosoError` (E802) naming the line of a malformed group.
    public func synonyms() throws -> SynonymTable {
        var table = SynonymTable.standard
        guard SystemFile.exists(synonymsPath) else { return table }
        let bytes: [UInt8]
        do { bytes = try SystemFile.readAll(synonymsPath, limit: 4 << 20) } catch {
            throw HosoError(Diagnostic(.synonymFile, file: synonymsPath, message: "the synonym file cannot be read: \(error)",
                                       advice: "Check its permissions; it must be a regular file under 4 MiB"))
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw HosoError(Diagnostic(.synonymFile, file: synonymsPath, message: "the synonym file is not UTF-8 text",
                                       advice: "Save it as UTF-8: one group per line, forms separated by '|'"))
        }
        do { try table.add(text: text) } catch {
            throw HosoError(Diagnostic(.synonymFile, file: synonymsPath, line: error.line,
                                       message: "the synonym file cannot be read: \(error.reason)",
                                       advice: "Write one group per line, at least two forms separated by '|' (ủy ban nhân dân | ubnd); '#' starts a comment"))
        }
        return table
    }

    /// Whether this process has brought the archive's format version up to its own.
    private let versionRaised = Mutex(false)

    init(root: String, config: ArchiveConfig, store: any ObjectStore) {
        self.root = root; self.config = config; self.store = store
    }

    /// The same archive read through another store holding the same objects (a replica): for
    /// checking that replica with the archive's ledger.
    public func with(store other: any ObjectStore) -> Archive { Archive(root: root, config: config, store: other) }

    /// Attaches a new archive folder to an S3 store that already holds an archive: writes the
    /// configuration and the ledger head mirrored in the bucket. The catalog and index are then
    /// rebuilt from the store (`hoso rebuild --from`).
    public static func attach(at root: String, store remote: RemoteStoreConfig, compression: CompressionPolicy = CompressionPolicy()) throws -> Archive {
        if SystemFile.exists(root + "/" + configFileName) {
            throw HosoError(.ioFailure, file: root, message: "an archive already exists here",
                            advice: "Attach the store to a new or empty folder; 'hoso rebuild' alone rebuilds this one")
        }
        if SystemFile.exists(root), !((try? SystemFile.listDirectory(root))?.isEmpty ?? true) {
            throw HosoError(.ioFailure, file: root, message: "the folder is not empty", advice: "Attach the store to a new or empty folder")
        }
        let store = try StoreSpec.openRemote(remote, policy: compression, spool: nil)
        let head: ObjectID?
        do { head = try store.mirroredHead() } catch let e as HosoError { throw e } catch {
            throw HosoError(.storeUnavailable, subject: remote.url, message: "the ledger head cannot be read from \(remote.url): \(error)",
                            advice: "Check the location, the endpoint and the credentials")
        }
        guard let head else {
            throw HosoError(.ledgerHeadMissing, subject: remote.url + "/HEAD", message: "\(remote.url) holds no archive (no mirrored ledger head)",
                            advice: "Check the bucket and prefix; an archive whose store was never written has nothing to recover")
        }
        try SystemFile.makeDirectories(root)
        for sub in ["ledger", "index", "audit"] { try SystemFile.makeDirectory(root + "/" + sub) }
        try write(ArchiveConfig(createdAt: ISO8601DateFormatter().string(from: Date()), compression: compression, store: remote), to: root)
        try SystemFile.writeAtomically(Array((head.prefixed + "\n").utf8), to: root + "/ledger/HEAD", likeItsFolder: true)
        try SystemFile.syncDirectory(root)
        return try open(at: root)
    }

    /// The archive location: `--archive`, else `HOSO_ARCHIVE`, else `./archive`.
    public static func location(_ option: String?) -> String {
        if let option, !option.isEmpty { return option }
        if let env = ProcessInfo.processInfo.environment["HOSO_ARCHIVE"], !env.isEmpty { return env }
        return "archive"
    }

    /// Creates an empty archive at `root` (a new or empty folder), its objects in `objects/`
    /// or, with `store`, in an S3 bucket (created when missing; refused when its prefix already
    /// holds an archive's ledger head).
    /// - Throws: `HosoError` when the folder holds anything already.
    public static func create(at root: String, compression: CompressionPolicy = CompressionPolicy(),
                              store remote: RemoteStoreConfig? = nil) throws -> Archive {
        if SystemFile.exists(root) {
            if SystemFile.exists(root + "/" + configFileName) {
                throw HosoError(.ioFailure, file: root, message: "an archive already exists here",
                                advice: "Use it as it is; 'hoso init' never overwrites an archive")
            }
            let entries = (try? SystemFile.listDirectory(root)) ?? []
            if !entries.isEmpty {
                // What an init stopped part way leaves (folders, no file but its temporaries)
                // is taken down and made again; anything else is someone's data.
                guard isHalfCreated(root) else {
                    throw HosoError(.ioFailure, file: root, message: "the folder is not empty",
                                    advice: "Create the archive in a new or empty folder")
                }
                // Its contents only: the folder itself (a link, its owner, its mode) stays.
                for (name, _) in entries { try? FileManager.default.removeItem(atPath: root + "/" + name) }
            }
        }
        if let remote {
            let store = try StoreSpec.openRemote(remote, policy: compression, spool: nil)
            try StoreSpec.prepareBucket(store)
            if let head = try store.mirroredHead() {
                throw HosoError(.ioFailure, subject: store.location,
                                message: "\(store.location) already holds an archive (its ledger head is \(head.short))",
                                advice: "Attach this host to it with 'hoso rebuild --from \(remote.url) --endpoint \(remote.endpoint) --archive \(root)', or choose another prefix")
            }
        }
        try SystemFile.makeDirectories(root)
        if remote == nil { try LocalObjectStore.create(at: root + "/objects") }
        for sub in ["ledger", "index", "audit"] { try SystemFile.makeDirectory(root + "/" + sub) }
        try write(ArchiveConfig(createdAt: ISO8601DateFormatter().string(from: Date()), compression: compression, store: remote), to: root)
        try SystemFile.syncDirectory(root)
        return try open(at: root)
    }

    /// Writes a new `hoso-archive.json` atomically and durably.
    static func write(_ config: ArchiveConfig, to root: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try SystemFile.writeAtomically(Array(try encoder.encode(config)) + [0x0A], to: root + "/" + configFileName, likeItsFolder: true)
    }

    /// Under the writer's lock: the archive is still of a version this hoso knows. A newer
    /// release may have raised it while this process waited for the lock; writing then would
    /// put this release's formats beside ones it cannot read.
    func checkVersionUnderLock() throws {
        _ = try Self.readConfig(root)
    }

    /// Raises the archive's format version to this hoso's just before it first writes what a
    /// release knowing only an older version cannot read (an index segment of format 5, or
    /// catalog rows and documents of derivation rule 4): that release then refuses the archive
    /// (E402) instead of writing beside it. The caller holds the writer's lock; the file on
    /// disk is what counts. Its other keys, mode and group are kept, and the lock file is renewed
    /// (`ArchiveLock.renewHeldLock`), so that an older ingest already queued for the lock stops
    /// before committing.
    public func raiseVersionBeforeWriting() throws {
        if versionRaised.withLock({ $0 }) { return }
        if try Self.readConfig(root).version < ArchiveConfig.currentVersion {
            let path = root + "/" + Self.configFileName
            var st = stat()
            let kept = stat(path, &st) == 0 ? (mode: st.st_mode & 0o7777, group: st.st_gid) : (mode: mode_t(0o644), group: gid_t(getegid()))
            // The file as it is, with its version changed: keys this release does not model
            // (a note an archivist added) are kept.
            guard var object = try JSONSerialization.jsonObject(with: Data(try SystemFile.readAll(path, limit: 1 << 20))) as? [String: Any] else {
                throw HosoError(.notAnArchive, file: path, message: "the archive description is not a JSON object", advice: "Restore it from a backup")
            }
            object["version"] = ArchiveConfig.currentVersion
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            try SystemFile.writeAtomically(Array(data) + [0x0A], to: path, mode: kept.mode, keeping: kept)
            try ArchiveLock.renewHeldLock(archive: self)
        }
        versionRaised.withLock { $0 = true }
    }

    /// Whether `root` holds only what an interrupted `init` makes: its folders (the store's
    /// fan-out included), empty but for temporary files, and no configuration.
    static func isHalfCreated(_ root: String) -> Bool {
        let made: Set<String> = ["objects", "ledger", "index", "audit"]
        guard let top = try? SystemFile.listDirectory(root) else { return false }
        for (name, _) in top where !(made.contains(name) || name.hasPrefix(".tmp-")) { return false }
        guard let walk = FileManager.default.enumerator(atPath: root) else { return false }
        for case let relative as String in walk {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isFolder) else { return false }
            let name = (relative as NSString).lastPathComponent
            if !isFolder.boolValue && !name.hasPrefix(".tmp-") { return false }
            if isFolder.boolValue && relative.split(separator: "/").count > 2 { return false }
        }
        return true
    }

    /// Opens an existing archive.
    /// - Throws: `HosoError` E401 when the folder is not an archive, E402 for an unknown version.
    public static func open(at root: String) throws -> Archive {
        let config = try readConfig(root)
        let store: any ObjectStore
        if let remote = config.store {
            store = try StoreSpec.openRemote(remote, policy: config.compression, spool: root + "/spool")
        } else {
            store = LocalObjectStore(root: root + "/objects", policy: config.compression)
        }
        return Archive(root: root, config: config, store: store)
    }

    /// Reads and checks `hoso-archive.json`: an archive's description, of a version this hoso
    /// knows, with valid settings.
    static func readConfig(_ root: String) throws -> ArchiveConfig {
        let configPath = root + "/" + configFileName
        guard SystemFile.exists(root) else {
            throw HosoError(.notAnArchive, file: root, message: "there is no archive here (the folder does not exist)",
                            advice: "Create one with 'hoso init --archive \(root)', or name the archive with --archive or HOSO_ARCHIVE")
        }
        let bytes: [UInt8]
        do { bytes = try SystemFile.readAll(configPath, limit: 1 << 20) } catch {
            if error.isPermissionDenied {
                // An archive this user may not read: not "no archive", and never 'hoso init'.
                throw HosoError(.ioFailure, file: error.path, message: "the archive cannot be read by this user: \(error.reason)",
                                advice: SystemFile.noPermissionAdvice)
            }
            throw HosoError(.notAnArchive, file: root, message: "the folder is not a hoso archive (it has no readable \(configFileName))",
                            advice: "Name the archive folder with --archive or HOSO_ARCHIVE, or create one with 'hoso init'")
        }
        struct Probe: Decodable { let format: String?; let version: Int? }
        // A folder with a ledger and a store is an archive whose description was damaged, not
        // the wrong folder: the advice differs.
        let looksLikeArchive = SystemFile.exists(root + "/ledger") && SystemFile.exists(root + "/objects")
        let restore = "Restore \(configFileName) from a backup; without one, run 'hoso init --archive NEW' in an empty folder and copy its "
            + "\(configFileName) here (the ledger, store and catalog do not depend on it), then run 'hoso verify'"
        guard let probe = try? JSONDecoder().decode(Probe.self, from: Data(bytes)), probe.format == ArchiveConfig.formatName else {
            throw HosoError(.notAnArchive, file: configPath,
                            message: looksLikeArchive ? "the archive description is damaged (the folder holds a ledger and objects)"
                                                      : "the file does not describe a hoso archive",
                            expected: "\"format\": \"\(ArchiveConfig.formatName)\"", found: String(decoding: bytes.prefix(120), as: UTF8.self),
                            advice: looksLikeArchive ? restore : "Name the archive folder with --archive or HOSO_ARCHIVE")
        }
        guard let version = probe.version, ArchiveConfig.readableVersions.contains(version) else {
            throw HosoError(.unknownArchiveVersion, file: configPath,
                            message: "the archive has format version \(probe.version.map(String.init) ?? "none"), which this hoso does not know",
                            expected: "version \(ArchiveConfig.readableVersions.lowerBound) to \(ArchiveConfig.currentVersion)",
                            found: "version \(probe.version.map(String.init) ?? "none")",
                            advice: "Use the hoso release that wrote this archive, or a newer one that can read it ('hoso --version' names the archive format a release writes)")
        }
        let config: ArchiveConfig
        do { config = try JSONDecoder().decode(ArchiveConfig.self, from: Data(bytes)) } catch {
            throw HosoError(.notAnArchive, file: configPath, message: "the archive description is damaged: \(error)", advice: restore)
        }
        guard config.compression.isValid else {
            throw HosoError(.notAnArchive, file: configPath, message: "the archive description is damaged: its compression settings are out of range",
                            expected: "level 1–12, minimumSaving at least 0 and below 1",
                            found: "level \(config.compression.level), minimumSaving \(config.compression.minimumSaving)", advice: restore)
        }
        return config
    }
}
