import Foundation
public import GRDB
public import HosoCore

/// One dossier version to record: its manifest (and the manifest object's name and size) and the
/// typed fields read from its XML.
public struct CatalogVersion: Sendable {
    public var manifestID: ObjectID
    public var manifestSize: UInt64
    public var manifest: Manifest
    public var dossier: Dossier
    /// The digest of the version's index document (`IndexDocument.digest`).
    public var indexDigest: ObjectID?
    /// The `dossiers` row, made once (its canonical text is not cheap, and an ingest needs it
    /// twice: for the ledger entry's digest, then for the row), on the thread that derives the
    /// version; `ledger_sequence` is set when the entry is known.
    let dossierRow: [DatabaseValue]

    public init(manifestID: ObjectID, manifestSize: UInt64, manifest: Manifest, dossier: Dossier, indexDigest: ObjectID?) {
        self.manifestID = manifestID; self.manifestSize = manifestSize; self.manifest = manifest; self.dossier = dossier
        self.indexDigest = indexDigest
        dossierRow = Catalog.makeDossierRow(manifestID: manifestID, manifest: manifest, dossier: dossier, indexDigest: indexDigest)
    }
}

/// The newest ledger entry the catalog has applied.
public struct AppliedHead: Sendable, Equatable {
    public var id: ObjectID
    public var sequence: Int
}

/// The catalog (`catalog.sqlite`): typed fields of every dossier version, components, objects and
/// ledger entries, derived from the ledger. SQLite through GRDB, WAL, synchronous=FULL.
public final class Catalog: Sendable {
    public enum Mode: Sendable {
        /// The writer (holds the archive lock): may migrate and apply entries.
        case readWrite
        /// A reader beside a running writer: sees the last committed state.
        case readOnly
        /// An archive on read-only media: SQLite opened immutable, nothing written anywhere.
        case immutable
        /// A file that nothing relies on until its writer says it is complete (a rebuild before
        /// it replaces the catalog): commits are not flushed one by
        /// one (synchronous=OFF); `checkpoint()` then `SystemFile.sync` make it durable.
        case scratch
    }

    public let db: any DatabaseWriter
    public let path: String
    public let mode: Mode

    private init(db: any DatabaseWriter, path: String, mode: Mode) {
        self.db = db; self.path = path; self.mode = mode
    }

    /// Opens (and, in read-write mode, creates and migrates) the catalog at `path`.
    public static func open(path: String, mode: Mode) throws -> Catalog {
        var config = Configuration()
        config.busyMode = .timeout(30)
        switch mode {
        case .readWrite, .scratch:
            let synchronous = mode == .scratch ? "OFF" : "FULL"
            config.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
                // (The pool's reader connections keep SQLite's defaults.)
                guard !db.configuration.readonly else { return }
                // The writer inserts into indexes keyed by digests, at random places: with
                // SQLite's default 2 MB page cache, each checkpoint of an ingest re-reads pages
                // of a 34 MB catalog (10,000 dossiers) from the kernel. 32 MB holds them.
                try db.execute(sql: "PRAGMA cache_size = -32768")
                // A checkpoint of an ingest dirties 3,000–6,000 pages; with SQLite's default
                // (1,000 pages) the log is copied into the catalog after every checkpoint, and
                // the same index pages again after the next. Every 32 MB of log instead.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 8192")
            }
            // Made here, not by SQLite, so that it is readable as its folder is, whatever the
            // umask (see SystemFile.mode(_:likeFolder:)); its log files take its mode.
            if !SystemFile.exists(path), let fd = try? SystemFile.createExclusive(path, mode: 0o600) {
                _ = fchmod(fd, SystemFile.mode(0o644, likeFolder: SystemFile.parentFolder(path)))
                _ = SystemFile.closeDescriptor(fd)
            }
            let pool = try DatabasePool(path: path, configuration: config)
            try CatalogSchema.migrator.migrate(pool)
            return Catalog(db: pool, path: path, mode: mode)
        case .readOnly:
            config.readonly = true
            let pool = try DatabasePool(path: path, configuration: config)
            return Catalog(db: pool, path: path, mode: mode)
        case .immutable:
            config.readonly = true
            let uri = "file:" + (path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path) + "?immutable=1"
            let queue = try DatabaseQueue(path: uri, configuration: config)
            return Catalog(db: queue, path: path, mode: mode)
        }
    }

    /// Whether the catalog has been migrated (a read-only open of a catalog never written has not).
    public var isInitialized: Bool {
        (try? db.read { try $0.tableExists("meta") }) ?? false
    }

    /// Whether the database holds no table at all: an empty file, or a copy of catalog.sqlite
    /// taken without its write-ahead log while everything was still in it (a first ingest).
    /// Not a catalog altered by hand, whose tables differ.
    public var hasNoTables: Bool {
        (try? db.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_master") == 0 }) ?? false
    }

    /// How the catalog's tables, indexes and triggers differ from what its migrations create,
    /// in words (empty when they are the same). A table dropped or a trigger added by hand
    /// passes every row comparison, and breaks or bends the next ingest.
    public func schemaDifferences() throws -> [String] {
        let migrator = CatalogSchema.migrator
        let applied = try db.read { try migrator.appliedIdentifiers($0) }
        let reference = try DatabaseQueue()
        if let last = migrator.migrations.last(where: { applied.contains($0) }) {
            try migrator.migrate(reference, upTo: last)
        }
        // SQLite's own objects and GRDB's record of the migrations are theirs, not hoso's; the
        // statements are compared with their spacing collapsed.
        let sql = "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name != 'grdb_migrations' ORDER BY type, name"
        func objects(_ db: Database) throws -> [String: (type: String, sql: String?)] {
            var out: [String: (type: String, sql: String?)] = [:]
            for row in try Row.fetchAll(db, sql: sql) {
                let text: String? = row[2]
                out[row[1]] = (row[0], text.map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") })
            }
            return out
        }
        let expected = try reference.read(objects)
        let found = try db.read(objects)
        var differences: [String] = []
        for (name, e) in expected.sorted(by: { $0.key < $1.key }) {
            guard let f = found[name] else { differences.append("\(e.type) \(name) is missing"); continue }
            if f.type != e.type || f.sql != e.sql { differences.append("\(e.type) \(name) differs from its definition") }
        }
        for (name, f) in found.sorted(by: { $0.key < $1.key }) where expected[name] == nil {
            differences.append("\(f.type) \(name) is not one hoso makes")
        }
        return differences
    }

    // MARK: the ledger position

    public var appliedHead: AppliedHead? {
        get throws {
            guard isInitialized else { return nil }
            return try db.read { db in
                guard let id = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'ledger_head'"),
                      let seq = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'ledger_sequence'"),
                      let oid = ObjectID(hex: id), let s = Int(seq) else { return nil }
                return AppliedHead(id: oid, sequence: s)
            }
        }
    }

    /// The rule of the index documents whose digests `index_digest` holds: as recorded; 1 for a
    /// catalog that holds entries from before it was recorded; nil for one that holds none yet.
    public var indexDerivation: Int? {
        get throws {
            guard isInitialized else { return nil }
            if let d = try db.read({ try String.fetchOne($0, sql: "SELECT value FROM meta WHERE key = 'index_derivation'") }).flatMap({ Int($0) }) {
                return d
            }
            return try appliedHead == nil ? nil : 1
        }
    }

    public func setIndexDerivation(_ d: Int) throws {
        try db.write { try $0.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('index_derivation', ?)", arguments: [String(d)]) }
    }

    /// Records one ledger entry and the versions it adds, in one transaction.
    public func apply(entry: LedgerEntry, id: ObjectID, entrySize: UInt64, versions: [CatalogVersion],
                      cache: [CacheRecord] = []) throws {
        try db.write { db in
            try Catalog.insert(db, entry: entry, id: id, entrySize: entrySize, versions: versions)
            try Catalog.insertCache(db, cache)
        }
    }

    static func insert(_ db: Database, entry: LedgerEntry, id: ObjectID, entrySize: UInt64, versions: [CatalogVersion]) throws {
        try db.cachedStatement(sql: """
            INSERT INTO ledger_entries (sequence, id, previous, time, operator, source, dossier_count)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [entry.sequence, id.prefixed, entry.previous?.prefixed, entry.time, entry.operator,
                             entry.source, entry.added.count])
        try insertObject(db, id, size: entrySize, kind: "ledger", sequence: entry.sequence)
        for v in versions {
            let m = v.manifest
            if let old = m.supersedes {
                try db.cachedStatement(sql: "UPDATE dossiers SET is_current = 0, superseded_by = ? WHERE manifest = ?")
                    .execute(arguments: [v.manifestID.prefixed, old.prefixed])
            }
            try db.cachedStatement(sql: insertDossierSQL)
                .execute(arguments: StatementArguments(dossierValues(v, sequence: entry.sequence)))
            for values in componentValues(v) {
                try db.cachedStatement(sql: insertComponentSQL).execute(arguments: StatementArguments(values))
            }
            for o in objectRows(v) { try insertObject(db, o.id, size: o.size, kind: o.kind, sequence: entry.sequence) }
        }
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('ledger_head', ?), ('ledger_sequence', ?)",
                       arguments: [id.hex, String(entry.sequence)])
    }

    static func insertObject(_ db: Database, _ id: ObjectID, size: UInt64, kind: String, sequence: Int) throws {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO objects (id, size, kind, first_sequence) VALUES (?, ?, ?, ?)")
            .execute(arguments: [id.prefixed, Int64(size), kind, sequence])
    }

    // MARK: what a version's rows hold (one definition for `apply` and for `hoso verify`)

    static let insertDossierSQL = insertSQL("dossiers", dossierColumns)
    static let insertComponentSQL = insertSQL("components", componentColumns)

    static func insertSQL(_ table: String, _ columns: [String]) -> String {
        "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
    }

    /// The columns of a `dossiers` row, in the order of `dossierValues`.
    public static let dossierColumns = [
        "manifest", "number", "version", "is_current", "superseded_by", "supersedes", "ledger_sequence",
        "xml_object", "local_code", "archival_code", "title", "procedure_code", "procedure_name", "sector", "level",
        "receiving_agency_code", "receiving_agency_name", "handling_agency_code", "handling_agency_name",
        "applicant_kind", "applicant_name", "citizen_id", "phone", "email", "address", "commune", "district", "province",
        "channel", "received_at", "received_text", "received_day", "due_at", "due_text", "completed_at", "completed_text",
        "returned_at", "returned_text", "status", "timeliness", "result_type", "result_number", "retention_years",
        "access_mode", "language", "keywords", "page_count", "document_count", "digitized", "index_digest",
    ]

    /// The `dossiers` row `apply` writes for a version, as it is before any later version
    /// supersedes it (`is_current` 1, `superseded_by` NULL).
    public static func dossierValues(_ v: CatalogVersion, sequence: Int) -> [DatabaseValue] {
        var row = v.dossierRow
        row[sequenceColumn] = sequence.databaseValue
        return row
    }

    static let sequenceColumn = dossierColumns.firstIndex(of: "ledger_sequence")!

    static func makeDossierRow(manifestID: ObjectID, manifest m: Manifest, dossier d: Dossier, indexDigest: ObjectID?) -> [DatabaseValue] {
        let canonical = { (s: String) in VietnameseText.canonical(s) }
        var args: [(any DatabaseValueConvertible)?] = []
        args.reserveCapacity(dossierColumns.count)
        // ledger_sequence (0 here) is set by `dossierValues` once the entry is known.
        args += [manifestID.prefixed, d.number, m.version, 1, nil, m.supersedes?.prefixed, 0, m.xml.object.prefixed]
        args += [d.localCode, d.archivalCode.text, canonical(d.title), d.procedure.code, canonical(d.procedure.name)]
        args += [canonical(d.procedure.sector), d.procedure.level, d.receivingAgency.code, canonical(d.receivingAgency.name)]
        args += [d.handlingAgency.code, canonical(d.handlingAgency.name), d.applicant.kind.rawValue, canonical(d.applicant.fullName)]
        args += [d.applicant.citizenID, d.applicant.phone, d.applicant.email, canonical(d.applicant.address.text)]
        args += [canonical(d.applicant.address.commune), d.applicant.address.district.map(canonical), canonical(d.applicant.address.province)]
        args += [d.submissionChannel.rawValue, d.receivedAt.epochSeconds, d.receivedAt.text, d.receivedAt.localDateText]
        args += [d.dueAt.epochSeconds, d.dueAt.text, d.completedAt?.epochSeconds, d.completedAt?.text]
        args += [d.returnedAt?.epochSeconds, d.returnedAt?.text, d.status.rawValue, d.timeliness.rawValue]
        args += [d.result.map { canonical($0.documentType) }, d.result?.number, d.retention.years, d.accessMode.rawValue, d.language]
        args += [d.keywords.map(canonical).joined(separator: "; "), d.pageCount, d.documentCount, d.digitization == nil ? 0 : 1]
        args += [indexDigest?.prefixed]
        return args.map { $0?.databaseValue ?? .null }
    }

    /// The columns of a `components` row, in the order of `componentValues`.
    public static let componentColumns = ["manifest", "position", "component_id", "role", "copy_type", "name", "file",
                                          "object", "size", "media_type", "pages"]

    /// The `components` rows `apply` writes for a version, by position.
    public static func componentValues(_ v: CatalogVersion) -> [[DatabaseValue]] {
        v.manifest.components.enumerated().map { i, c in
            let values: [any DatabaseValueConvertible] = [v.manifestID.prefixed, i, c.id, c.role, c.copyType, VietnameseText.canonical(c.name),
                                                          c.file, c.object.prefixed, Int64(c.size), c.mediaType, c.pages]
            return values.map(\.databaseValue)
        }
    }

    /// The `objects` rows a version contributes, in the order `apply` offers them (the first
    /// offer of an object wins: `INSERT OR IGNORE`).
    public static func objectRows(_ v: CatalogVersion) -> [(id: ObjectID, size: UInt64, kind: String)] {
        v.manifest.components.map { ($0.object, $0.size, "scan") }
            + [(v.manifest.xml.object, v.manifest.xml.size, "xml"), (v.manifestID, v.manifestSize, "manifest")]
    }

    // MARK: look-ups

    /// The current version of a dossier.
    public func current(number: String) throws -> VersionRow? {
        try db.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM dossiers WHERE number = ? AND is_current = 1"), arguments: [number]).map(VersionRow.init)
        }
    }

    /// Every version of a dossier, oldest first.
    public func versions(number: String) throws -> [VersionRow] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM dossiers WHERE number = ? ORDER BY version", arguments: [number]).map(VersionRow.init)
        }
    }

    public func components(manifest: ObjectID) throws -> [ComponentRow] {
        try db.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM components WHERE manifest = ? ORDER BY position"), arguments: [manifest.prefixed]).map(ComponentRow.init)
        }
    }

    /// The objects the catalog says a version uses: its manifest, its XML and its components'
    /// scans. What an audit takes as that version's when its manifest cannot be read.
    public func objects(ofVersion manifest: ObjectID) throws -> [ObjectID] {
        try db.read { db in
            let xml = try String.fetchAll(db.cachedStatement(sql: "SELECT xml_object FROM dossiers WHERE manifest = ?"), arguments: [manifest.prefixed])
            let scans = try String.fetchAll(db.cachedStatement(sql: "SELECT object FROM components WHERE manifest = ?"), arguments: [manifest.prefixed])
            return [manifest] + (xml + scans).compactMap { ObjectID(hex: $0) }
        }
    }

    public func ledgerEntry(sequence: Int) throws -> LedgerRow? {
        try db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM ledger_entries WHERE sequence = ?", arguments: [sequence]).map(LedgerRow.init)
        }
    }

    /// Numbers of the dossiers whose current version has this local code (an office's own, as on
    /// an old receipt) or archival code, at most `limit`.
    public func numbers(localOrArchivalCode code: String, limit: Int = 10) throws -> [String] {
        try db.read { db in
            try String.fetchAll(db, sql: """
                SELECT DISTINCT number FROM dossiers WHERE is_current = 1 AND (local_code = ?1 COLLATE NOCASE OR archival_code = ?1 COLLATE NOCASE)
                ORDER BY number LIMIT ?2
                """, arguments: [code, limit])
        }
    }

    /// Numbers of dossiers whose number starts with `prefix` (for suggestions), at most `limit`.
    public func numbers(prefix: String, limit: Int = 10) throws -> [String] {
        try db.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT number FROM dossiers WHERE number >= ? AND number < ? ORDER BY number LIMIT ?",
                                arguments: [prefix, prefix + "\u{10FFFF}", limit])
        }
    }

    /// Counts: dossier versions, current dossiers, objects and their original bytes.
    public func totals() throws -> (versions: Int, dossiers: Int, objects: Int, bytes: Int64, entries: Int) {
        try db.read { db in
            let v = try Int.fetchOne(db, sql: "SELECT count(*) FROM dossiers") ?? 0
            let c = try Int.fetchOne(db, sql: "SELECT count(*) FROM dossiers WHERE is_current = 1") ?? 0
            let o = try Int.fetchOne(db, sql: "SELECT count(*) FROM objects") ?? 0
            let b = try Int64.fetchOne(db, sql: "SELECT coalesce(sum(size), 0) FROM objects") ?? 0
            let e = try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger_entries") ?? 0
            return (v, c, o, b, e)
        }
    }

    /// What an object is to the archive ("scan", "xml", "manifest", "ledger"), nil when the
    /// catalog does not name it.
    public func objectKind(_ object: ObjectID) throws -> String? {
        try db.read { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT kind FROM objects WHERE id = ?"), arguments: [object.prefixed])
        }
    }

    /// The dossier versions and files that use an object (as a scan or as the dossier's XML).
    public func uses(of object: ObjectID) throws -> [ObjectUse] {
        try db.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT d.number AS number, d.version AS version, c.file AS file
                  FROM components c JOIN dossiers d ON d.manifest = c.manifest WHERE c.object = ?
                UNION ALL
                SELECT number, version, 'dossier.xml' FROM dossiers WHERE xml_object = ?
                ORDER BY number, version
                """, arguments: [object.prefixed, object.prefixed])
            return rows.map { ObjectUse(dossier: $0["number"], version: $0["version"], path: $0["file"]) }
        }
    }

    /// Every object the ledger references (through the catalog), with its size.
    public func referencedObjects(_ body: ([(ObjectID, UInt64?, String)]) throws -> Void) throws {
        try db.read { db in
            // With what the dossiers' rows name but the objects table lacks (a row deleted; kind
            // "… no row"): a check of presence must not miss an object because its row went first.
            // (Names only, from the indexes: reading each component's row for its size took 17
            // times as long on a catalog of a million dossiers.)
            let rows = try Row.fetchCursor(db, sql: """
                SELECT id, size, kind FROM objects
                UNION ALL SELECT DISTINCT object, NULL, 'scan, no row' FROM components WHERE object NOT IN (SELECT id FROM objects)
                UNION ALL SELECT DISTINCT xml_object, NULL, 'xml, no row' FROM dossiers WHERE xml_object NOT IN (SELECT id FROM objects)
                ORDER BY 1
                """)
            var batch: [(ObjectID, UInt64?, String)] = []
            while let r = try rows.next() {
                if let id = ObjectID(hex: r[0] as String) { batch.append((id, (r[1] as Int64?).map { UInt64($0) }, r[2])) }
                if batch.count == 4096 { try body(batch); batch.removeAll(keepingCapacity: true) }
            }
            if !batch.isEmpty { try body(batch) }
        }
    }

    // MARK: the re-ingest cache

    /// A version whose original XML is a given object, with each component's file, object and
    /// the identity its file had when last hashed (nil when not cached): what a rerun needs to
    /// tell that a dossier folder is unchanged, in one query read by position.
    public struct ArchivedFiles: Sendable {
        public var manifest: ObjectID
        public var number: String
        public var version: Int
        public var isCurrent: Bool
        public var files: [(file: String, object: ObjectID)]
    }

    /// Every version whose XML is `xml`, with its component files.
    public func archivedFiles(xml: ObjectID) throws -> [ArchivedFiles] {
        try db.read { db in try Self.archivedFiles(db, xml: xml) }
    }

    private static func archivedFiles(_ db: Database, xml: ObjectID) throws -> [ArchivedFiles] {
        var out: [ArchivedFiles] = []
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT d.manifest, d.number, d.version, d.is_current, c.file, c.object
              FROM dossiers d LEFT JOIN components c ON c.manifest = d.manifest
             WHERE d.xml_object = ? ORDER BY d.manifest, c.position
            """), arguments: [xml.prefixed])
        while let r = try rows.next() {
            guard let manifest = ObjectID(hex: r[0] as String) else { continue }
            if out.last?.manifest != manifest {
                out.append(ArchivedFiles(manifest: manifest, number: r[1], version: r[2], isCurrent: (r[3] as Int) == 1, files: []))
            }
            if let file = r[4] as String?, let object = (r[5] as String?).flatMap({ ObjectID(hex: $0) }) {
                out[out.count - 1].files.append((file, object))
            }
        }
        return out
    }

    /// The version (the current one first) whose XML is `xml` and whose every component file, in `folder`, is in
    /// the cache with the identity `identity` gives it now and the object the version holds: a
    /// dossier a rerun need not read. Both look-ups in one read of the catalog (each read is a
    /// hop through the pool's queue, which costs a rerun more than the queries).
    public func unchangedVersion(xml: ObjectID, folder: String,
                                 identity: (String) -> (device: UInt64, inode: UInt64, size: Int64, mtimeNs: Int64, ctimeNs: Int64)?) throws -> ArchivedFiles? {
        try db.read { db in
            // The current version first: content made current again (--new-version with an
            // earlier version's files) is current, not the superseded version that held it first.
            let all = try Self.archivedFiles(db, xml: xml)
            let versions = all.filter(\.isCurrent) + all.filter { !$0.isCurrent }
            let cache = try db.cachedStatement(sql: "SELECT device, inode, size, mtime_ns, ctime_ns, object FROM source_cache WHERE path = ?")
            search: for v in versions {
                for f in v.files {
                    let path = folder + "/" + f.file
                    guard let i = identity(path), let row = try Row.fetchOne(cache, arguments: [Self.cacheKey(path)]),
                          (row[0] as Int64) == Int64(bitPattern: i.device), (row[1] as Int64) == Int64(bitPattern: i.inode),
                          (row[2] as Int64) == i.size, (row[3] as Int64) == i.mtimeNs, (row[4] as Int64) == i.ctimeNs,
                          ObjectID(hex: row[5] as String) == f.object else { continue search }
                }
                return v
            }
            return nil
        }
    }

    /// The archived dossier numbers and XML objects as a compact filter, or nil when the catalog
    /// holds more than `limit` versions (loading it would then cost more than it saves).
    public func archivedKeys(limit: Int) throws -> ArchivedKeys? {
        try db.read { db in
            // An upper bound of the rows, read from the table's b-tree in O(log n).
            let bound = try Int.fetchOne(db, sql: "SELECT max(rowid) FROM dossiers") ?? 0
            guard bound <= limit else { return nil }
            var numbers: [UInt64] = [], xmls: [UInt64] = []
            numbers.reserveCapacity(bound); xmls.reserveCapacity(bound)
            let rows = try Row.fetchCursor(db, sql: "SELECT number, xml_object FROM dossiers")
            while let r = try rows.next() {
                try r.withUnsafeData(atIndex: 0) { numbers.append(ArchivedKeys.key($0 ?? Data())) }
                try r.withUnsafeData(atIndex: 1) { xmls.append(ArchivedKeys.key($0 ?? Data())) }
            }
            return ArchivedKeys(numbers: numbers, xmls: xmls)
        }
    }

    public struct CacheRecord: Sendable {
        public var path: String, device: UInt64, inode: UInt64, size: Int64, mtimeNs: Int64, ctimeNs: Int64, object: ObjectID
        public init(path: String, device: UInt64, inode: UInt64, size: Int64, mtimeNs: Int64, ctimeNs: Int64, object: ObjectID) {
            self.path = path; self.device = device; self.inode = inode; self.size = size
            self.mtimeNs = mtimeNs; self.ctimeNs = ctimeNs; self.object = object
        }
    }

    public func updateCache(_ records: [CacheRecord]) throws {
        guard !records.isEmpty else { return }
        try db.write { db in try Catalog.insertCache(db, records) }
    }

    /// The process's working folder, read once: relative paths are made absolute against it.
    static let workingFolder = FileManager.default.currentDirectoryPath

    /// A source file's key in the cache: its absolute path, with "." and ".." resolved (by the
    /// name, not by following links), so that a rerun from another folder, or naming the batch
    /// another way (../batch, ./batch/), still finds the files it read before.
    static func cacheKey(_ path: String) -> Data {
        let full = path.hasPrefix("/") ? path : workingFolder + "/" + path
        return Data((isNormalAbsolute(full) ? full : SystemFile.lexicallyResolved(full)).utf8)
    }

    /// Whether `path` is already what `cacheKey` makes of it: absolute, with no empty, "." or
    /// ".." part (the common case, checked on its bytes without splitting it).
    static func isNormalAbsolute(_ path: String) -> Bool {
        path.utf8.withContiguousStorageIfAvailable { b in
            guard b.count > 1, b[0] == 0x2F, b[b.count - 1] != 0x2F else { return false }
            var start = 1                       // the first byte of the current part
            for i in 1...b.count where i == b.count || b[i] == 0x2F {
                let n = i - start
                if n == 0 || (b[start] == 0x2E && (n == 1 || (n == 2 && b[start + 1] == 0x2E))) { return false }
                start = i + 1
            }
            return true
        } ?? false
    }

    static func insertCache(_ db: Database, _ records: [CacheRecord]) throws {
        for r in records {
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO source_cache (path, device, inode, size, mtime_ns, ctime_ns, object) VALUES (?, ?, ?, ?, ?, ?, ?)")
                .execute(arguments: [cacheKey(r.path), Int64(bitPattern: r.device), Int64(bitPattern: r.inode), r.size, r.mtimeNs, r.ctimeNs, r.object.prefixed])
        }
    }

    // MARK: comparison

    /// A canonical text of every table but the cache, for proving two catalogs equal.
    public func dump() throws -> String {
        try db.read { db in
            var out = ""
            for (table, order) in [("meta", "key"), ("ledger_entries", "sequence"), ("dossiers", "manifest"),
                                   ("components", "manifest, position"), ("objects", "id")] {
                out += "## \(table)\n"
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY \(order)")
                for r in rows {
                    out += r.columnNames.map { name in "\(name)=\(r[name] as DatabaseValue)" }.joined(separator: "|") + "\n"
                }
            }
            return out
        }
    }

    /// What SQLite's own check of the file's structure finds (`PRAGMA quick_check`: pages,
    /// B-trees, records; not index contents against tables), empty when it is sound. A damaged
    /// page that no query of a check happens to read is found here.
    public func structuralProblems(limit: Int = 10) throws -> [String] {
        try db.read { db in
            let lines = try String.fetchAll(db, sql: "PRAGMA quick_check(\(limit))")
            guard lines != ["ok"] else { return [] }
            return lines.flatMap { $0.split(separator: "\n").map(String.init) }.filter { !$0.hasPrefix("***") }
        }
    }

    /// Folds the write-ahead log of the database at `path` into it, as it is (no migration, no
    /// check): for a catalog about to be kept aside whole, in one file.
    public static func foldLog(path: String) throws {
        var config = Configuration()
        config.readonly = false
        let queue = try DatabaseQueue(path: path, configuration: config)
        try queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try queue.close()
    }

    /// Truncates the write-ahead log into the main file (writers, before a clean exit).
    public func checkpoint() throws {
        guard mode == .readWrite || mode == .scratch, let pool = db as? DatabasePool else { return }
        try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }
}

/// A dossier version as the catalog holds it.
public struct VersionRow: Sendable {
    public let row: [String: String]
    public let manifest: ObjectID
    public let number: String
    public let version: Int
    public let isCurrent: Bool
    public let ledgerSequence: Int
    public let xmlObject: ObjectID
    /// The columns stored as integers (counts, times in seconds, flags): numbers in JSON.
    public let integerColumns: Set<String>

    init(_ r: Row) {
        var dict: [String: String] = [:]
        var integers = Set<String>()
        // By position: GRDB's lookup by name lowercases the name on every access.
        for (name, v) in r {
            if let t = Catalog.text(v) { dict[name] = t }
            if case .int64 = v.storage { integers.insert(name) }
        }
        row = dict
        integerColumns = integers
        manifest = ObjectID(hex: dict["manifest"] ?? "") ?? ObjectID(bytes: [UInt8](repeating: 0, count: 32))
        number = dict["number"] ?? ""
        version = Int(dict["version"] ?? "") ?? 0
        isCurrent = dict["is_current"] == "1"
        ledgerSequence = Int(dict["ledger_sequence"] ?? "") ?? 0
        xmlObject = ObjectID(hex: dict["xml_object"] ?? "") ?? ObjectID(bytes: [UInt8](repeating: 0, count: 32))
    }

    public subscript(_ key: String) -> String? { row[key] }
}

public struct ComponentRow: Sendable {
    public let id: String, role: String, copyType: String, name: String, file: String, mediaType: String
    public let object: ObjectID
    public let size: UInt64
    public let pages: Int
    init(_ r: Row) {
        id = r["component_id"]; role = r["role"]; copyType = r["copy_type"]; name = r["name"]; file = r["file"]
        mediaType = r["media_type"]
        object = ObjectID(hex: r["object"] as String) ?? ObjectID(bytes: [UInt8](repeating: 0, count: 32))
        size = UInt64(r["size"] as Int64); pages = r["pages"]
    }
}

public struct LedgerRow: Sendable {
    public let sequence: Int, id: String, previous: String?, time: String, operatorName: String, source: String, dossierCount: Int
    init(_ r: Row) {
        sequence = r["sequence"]; id = r["id"]; previous = r["previous"]; time = r["time"]
        operatorName = r["operator"]; source = r["source"]; dossierCount = r["dossier_count"]
    }
}

extension Catalog {
    /// A value as plain text (nil for NULL).
    static func text(_ v: DatabaseValue) -> String? {
        switch v.storage {
        case .null: nil
        case .int64(let i): String(i)
        case .double(let d): String(d)
        case .string(let s): s
        case .blob(let b): String(decoding: b, as: UTF8.self)
        }
    }

    /// The ledger entries the catalog records: sequence, id and previous id.
    public func ledgerChain() throws -> [(sequence: Int, id: String, previous: String?)] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT sequence, id, previous FROM ledger_entries ORDER BY sequence").map {
                (sequence: $0["sequence"] as Int, id: $0["id"] as String, previous: $0["previous"] as String?)
            }
        }
    }

    /// What each ledger entry added, as the catalog records it.
    public func additions() throws -> [Int: [LedgerAddition]] {
        try db.read { db in
            var out: [Int: [LedgerAddition]] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT number, version, manifest, ledger_sequence FROM dossiers ORDER BY ledger_sequence, rowid") {
                if let m = ObjectID(hex: r["manifest"] as String) {
                    out[r["ledger_sequence"] as Int, default: []].append(LedgerAddition(dossier: r["number"], version: r["version"], manifest: m))
                }
            }
            return out
        }
    }

    /// The object names in column `key` of every row of `table` (`sha256:` and 64 lowercase hex
    /// digits, as hoso writes them), and every other value as it stands: 32 bytes a name, where a
    /// set of the strings took four times that for a million dossiers.
    public func objectNames(of table: String, key: String) throws -> (names: ObjectIDList, other: [String]) {
        try db.read { db in
            var names: [ObjectID] = [], other: [String] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT \(key) FROM \(table)")
            while let r = try rows.next() {
                let text = Catalog.text(r[0] as DatabaseValue) ?? ""
                let canonical = text.utf8.count == 71 && text.hasPrefix("sha256:") && ObjectID.isLowercaseHex(text.utf8.dropFirst(7))
                if canonical, let id = ObjectID(hex: text) { names.append(id) } else { other.append(text) }
            }
            return (ObjectIDList(consume names), other)
        }
    }
}

/// Which dossier numbers and XML objects a catalog held when it was read, as sorted 64-bit keys
/// (16 bytes per version): "no" is certain, "maybe" (a hit, or a collision of keys) sends the
/// caller to the catalog itself. An ingest reads it once so that a new dossier, the common
/// case, costs no catalog query at all.
public struct ArchivedKeys: Sendable {
    private let numbers: [UInt64]
    private let xmls: [UInt64]

    init(numbers: [UInt64], xmls: [UInt64]) {
        self.numbers = numbers.sorted(); self.xmls = xmls.sorted()
    }

    /// Whether a dossier with this number may be archived.
    public func mayHoldNumber(_ number: String) -> Bool { numbers.sortedContains(Self.key(Data(number.utf8))) }
    /// Whether a version with this XML object may be archived.
    public func mayHoldXML(_ xml: ObjectID) -> Bool { xmls.sortedContains(Self.key(Data(xml.prefixed.utf8))) }

    /// The key of a column's bytes: FNV-1a, then a final mix (a collision only costs a query).
    static func key(_ bytes: Data) -> UInt64 {
        bytes.withUnsafeBytes { raw in
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in raw { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
            h ^= h >> 33; h = h &* 0xff51_afd7_ed55_8ccd; h ^= h >> 33
            return h
        }
    }
}

extension Catalog {
    /// Whether SQLite failed to write (a full disk, a read-only file or folder, no permission,
    /// an I/O error), as opposed to finding something wrong in the catalog.
    public static func isWriteFailure(_ error: any Error) -> Bool {
        guard let e = error as? DatabaseError else { return false }
        return [.SQLITE_FULL, .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN, .SQLITE_IOERR].contains(e.resultCode.primaryResultCode)
    }

    /// What an SQLite failure means for the archive, with a code and what to do; nil for an
    /// error that is not SQLite's. The catalog is derived data: damage is repaired by a rebuild,
    /// never by editing it.
    public static func diagnostic(for error: any Error, path: String = "catalog.sqlite") -> Diagnostic? {
        guard let e = error as? DatabaseError else { return nil }
        switch e.resultCode.primaryResultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return Diagnostic(.catalogRowAltered, file: path, message: "the catalog is damaged: \(e.message ?? "not a database")",
                              advice: "Run 'hoso rebuild': the catalog is recreated from the store and the ledger (keep the damaged file aside first if it is evidence)")
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH:
            return Diagnostic(.ioFailure, file: path, message: "the catalog cannot be written: \(e.message ?? "\(e.resultCode)")",
                              advice: "Check the permissions of catalog.sqlite and of the archive folder, or run as the archive's owner")
        case .SQLITE_CANTOPEN:
            return Diagnostic(.ioFailure, file: path, message: "the catalog cannot be opened: \(e.message ?? "\(e.resultCode)")",
                              advice: "Check the permissions of catalog.sqlite and of the archive folder, or run as the archive's owner")
        case .SQLITE_FULL, .SQLITE_IOERR:
            return Diagnostic(.ioFailure, file: path, message: "the catalog could not be written: \(e.message ?? "\(e.resultCode)")",
                              advice: "Free space on the disk and check it (dmesg), then run the command again: what was committed is kept")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            // hoso's own processes share the catalog without this (one writer, WAL readers):
            // another program holds it, a sqlite3 shell or a backup tool in a transaction.
            return Diagnostic(.ioFailure, file: path,
                              message: "the catalog is locked by another program (\(e.message ?? "database is locked")); hoso waited 30 s for it",
                              advice: "Close the program that has catalog.sqlite open in a transaction (a sqlite3 shell, a backup or sync tool), then run the command again; nothing is damaged")
        case .SQLITE_ERROR where (e.message ?? "").hasPrefix("no such table") || (e.message ?? "").hasPrefix("no such column"):
            return Diagnostic(.catalogRowAltered, file: path, message: "the catalog's structure was changed outside hoso: \(e.message ?? "")",
                              advice: "Run 'hoso rebuild': the catalog is recreated from the store and the ledger")
        default:
            return Diagnostic(.ioFailure, file: path, message: "the catalog failed: \(e.message ?? "\(e.resultCode)")",
                              advice: "Run 'hoso verify'; if the catalog is damaged, 'hoso rebuild' recreates it")
        }
    }
}
