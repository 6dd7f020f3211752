#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
public import HosoCatalog
public import HosoCore
import HosoIndex
import HosoStore
import HosoXML

/// Keeps the catalog in step with the ledger: it is derived data, so whatever it lacks is replayed
/// from the ledger entries, their manifests and the dossiers' original XML in the store.
public enum CatalogSync {
    /// Reads what one ledger entry adds, in full: manifests and the fields of each dossier's XML.
    public static func versions(of entry: LedgerEntry, ledger: Ledger, derivation: Int, workers: Int = Parallel.defaultWorkers) throws -> [CatalogVersion] {
        let results = Parallel.map(entry.added, workers: workers) { add -> Result<CatalogVersion, any Error> in
            Result { try version(add, ledger: ledger, derivation: derivation) }
        }
        return try results.map { try $0.get() }
    }

    public static func version(_ add: LedgerAddition, ledger: Ledger, derivation: Int) throws -> CatalogVersion {
        let (manifest, size) = try ledger.manifestAndSize(add.manifest)
        guard manifest.dossier == add.dossier, manifest.version == add.version else {
            throw HosoError(.manifestMalformed, subject: add.manifest.prefixed,
                            message: "manifest \(add.manifest.short) describes \(manifest.dossier) version \(manifest.version), not what the ledger says",
                            expected: "\(add.dossier) version \(add.version)", found: "\(manifest.dossier) version \(manifest.version)",
                            advice: "Restore the manifest from a replica")
        }
        let dossier: Dossier
        do { dossier = try archivedDossier(manifest, archive: ledger.archive) } catch let f as ObjectFault {
            throw HosoError(.manifestObjectMissing, subject: manifest.xml.object.prefixed,
                            message: "the XML of \(manifest.dossier) (object \(manifest.xml.object.short)) cannot be read: \(f)",
                            advice: f.advice)
        }
        return CatalogVersion.deriving(manifestID: add.manifest, manifestSize: UInt64(size), manifest: manifest, dossier: dossier,
                                       derivation: derivation)
    }

    /// The dossier a manifest's archived XML records, read from its store (verified on the way)
    /// and converted from a legacy encoding as when it was archived: what the catalog's row is
    /// made of, and what `show` compares the row with.
    /// - Throws: the store's `ObjectFault` when the XML cannot be read; E606 when it does not parse.
    public static func archivedDossier(_ manifest: Manifest, archive: Archive) throws -> Dossier {
        let xml = try archive.store.bytes(of: manifest.xml.object, limit: 64 << 20)
        // Validated against the schema when it was ingested, and its bytes were just checked
        // against their SHA-256: parsing (with the same safe options) is enough here.
        let parsed = DossierParser.parse(xml, file: "\(manifest.dossier) (object \(manifest.xml.object.short))", validate: false)
        guard var dossier = parsed.dossier else {
            throw HosoError(.manifestMalformed, subject: manifest.xml.object.prefixed,
                            message: "the archived XML of \(manifest.dossier) does not parse: \(parsed.diagnostics.first?.message ?? "")",
                            advice: "Restore the object from a replica")
        }
        if let encoding = manifest.textEncoding { dossier = encoding.convert(dossier) }
        return dossier
    }

    /// Applies every committed entry the catalog lacks. The caller holds the writer lock.
    /// - Returns: the number of entries applied.
    @discardableResult
    public static func catchUp(_ catalog: Catalog, ledger: Ledger, progress: ((Int, Int) -> Void)? = nil) throws -> Int {
        let missing = try ledger.entries(missingFrom: "the catalog", applied: try catalog.appliedHead.map { ($0.id, $0.sequence) }).entries
        if missing.isEmpty { return 0 }
        // The catalog's rule for the digests of index documents; a catalog that holds nothing
        // takes the index's (an index kept while the catalog was made again), else the current.
        let derivation: Int, recorded = try catalog.indexDerivation
        if let d = recorded { derivation = try Derivation.known(d) } else {
            derivation = try Derivation.known(Derivation.ofIndex(ledger.archive.indexFolder) ?? IndexDocument.currentDerivation)
        }
        // Rows of a rule older releases do not know: the archive's version is raised first.
        if derivation >= ArchiveConfig.firstRuleOfVersion2 { try ledger.archive.raiseVersionBeforeWriting() }
        if recorded == nil { try catalog.setIndexDerivation(derivation) }
        for (i, (id, entry)) in missing.enumerated() {
            let versions = try versions(of: entry, ledger: ledger, derivation: derivation)
            let size = try ledger.archive.store.bytes(of: id).count
            try catalog.apply(entry: entry, id: id, entrySize: UInt64(size), versions: versions)
            progress?(i + 1, missing.count)
        }
        return missing.count
    }

    /// Recreates the catalog from the store and the ledger alone, into a new file that replaces the
    /// old one only when complete. The caller holds the writer lock.
    /// - Parameter derivation: the rule of the index documents whose digests it records (the
    ///   current one, as `hoso rebuild` makes the index anew by it too).
    public static func rebuild(archive: Archive, derivation: Int, progress: ((Int, Int) -> Void)? = nil) throws -> Int {
        let temp = archive.root + "/catalog.rebuild.sqlite"
        for suffix in ["", "-wal", "-shm"] { try SystemFile.remove(temp + suffix) }
        var applied = 0
        do {
            do {
                // Nothing relies on the new file before the rename: commits are not flushed one by
                // one, the whole file is, once, below.
                let fresh = try Catalog.open(path: temp, mode: .scratch)
                try fresh.setIndexDerivation(derivation)
                applied = try catchUp(fresh, ledger: Ledger(archive: archive), progress: progress)
                try fresh.checkpoint()
            }
            let fd = try SystemFile.openForReading(temp)
            defer { close(fd) }
            try SystemFile.sync(fd, path: temp)
            for suffix in ["-wal", "-shm"] { try SystemFile.remove(temp + suffix) }
        } catch {
            // A half-made catalog helps no one and holds the space a full disk lacks; the one in
            // place is untouched.
            for suffix in ["", "-wal", "-shm"] { try? SystemFile.remove(temp + suffix) }
            if let d = Catalog.diagnostic(for: error, path: "catalog.rebuild.sqlite") { throw HosoError(d) }
            throw error
        }
        for suffix in ["-wal", "-shm"] { try SystemFile.remove(archive.catalogPath + suffix) }
        guard rename(temp, archive.catalogPath) == 0 else {
            throw SystemError(errno: errno, operation: "rename", path: archive.catalogPath)
        }
        try SystemFile.syncDirectory(archive.root)
        return applied
    }
}

extension Archive {
    /// Opens the catalog for reading, up to date with the ledger when possible: if it is behind
    /// and no writer runs, it catches up first (taking the lock for that moment). On read-only
    /// media it is opened immutable, as it is.
    public func openCatalogForReading() throws -> Catalog {
        if !isWritable {
            // Missing, or empty (no table), it is made from the ledger by whoever may write.
            let exists = SystemFile.exists(catalogPath)
            guard let catalog = exists ? try openCatalogWithoutWriting() : nil, catalog.isInitialized || !catalog.hasNoTables else {
                throw HosoError(.catalogRowMissing, file: "catalog.sqlite",
                                message: (exists ? Self.emptyCatalogMessage : "the archive has no catalog yet")
                                    + ", and this user cannot make it (read-only media, or not the archive's owner)",
                                advice: "The archive's owner makes it with any hoso command (for example 'hoso stats'); on read-only media, run 'hoso rebuild' on a writable copy")
            }
            let behind = try checkNotAhead(catalog)
            if behind > 0 { Self.noteBehind("catalog", behind) }
            return catalog
        }
        let head = try Ledger(archive: self).head()
        if SystemFile.exists(catalogPath) {
            let reader = try openCatalogReader()
            if reader.isInitialized, try reader.appliedHead?.id == head { return reader }
        } else if head == nil {
            // A new, empty archive: create the empty catalog.
            if let lock = ArchiveLock.tryAcquire(archive: self, purpose: "catalog creation") {
                _ = try Catalog.open(path: catalogPath, mode: .readWrite)
                withExtendedLifetime(lock) {}
            }
        }
        if let lock = ArchiveLock.tryAcquire(archive: self, purpose: "catalog catch-up") {
            let wasMissing = head != nil && !SystemFile.exists(catalogPath)
            let applied: Int
            do {
                let writer = try Catalog.open(path: catalogPath, mode: .readWrite)
                applied = try CatalogSync.catchUp(writer, ledger: Ledger(archive: self))
            } catch {
                guard Self.isWriteFailure(error), !wasMissing, SystemFile.exists(catalogPath) else { throw error }
                Self.noteNotCaughtUp("catalog", error)
                applied = 0
            }
            withExtendedLifetime(lock) {}
            if wasMissing {
                // Derived data is recreated, but its disappearance is worth a word: it is not
                // something hoso does.
                FileHandle.standardError.write(Data("hoso: note: catalog.sqlite was missing; recreated from the ledger (\(applied) entries)\n".utf8))
            }
        }
        guard SystemFile.exists(catalogPath) else {
            throw HosoError(.catalogRowMissing, file: "catalog.sqlite", message: "the catalog does not exist yet (a writer is creating it)",
                            advice: "Try again in a moment")
        }
        let catalog = try openCatalogReader()
        try checkNotAhead(catalog)      // a writer at work: behind is fine, ahead of the ledger is not
        return catalog
    }

    /// The catalog opened by a user who may not write to the archive (or on read-only media).
    /// Through SQLite's write-ahead log when its files are there (a writer at work, or one that
    /// stopped on a full disk): the log holds committed changes, and the catalog file alone may
    /// be half-way through taking them in. As an immutable file only when nothing is pending in
    /// the log: the file is then whole.
    /// A catalog.sqlite with no table (see `Catalog.hasNoTables`).
    public static let emptyCatalogMessage = "the catalog is empty (no tables): a copy of catalog.sqlite taken without its write-ahead log (catalog.sqlite-wal), or a file emptied"

    public func openCatalogWithoutWriting() throws -> Catalog {
        let pending = SystemFile.status(catalogPath + "-wal").map { $0.st_size > 0 } ?? false
        if pending || SystemFile.exists(catalogPath + "-shm") {
            do {
                let catalog = try Catalog.open(path: catalogPath, mode: .readOnly)
                _ = try catalog.appliedHead           // a log this user cannot read fails here
                return catalog
            } catch where pending && Catalog.isWriteFailure(error) && !SystemFile.exists(catalogPath + "-shm") {
                // SQLite reads a log through its shared-memory index, which it makes when it is
                // missing: it cannot here (a copy without it on read-only media).
                throw HosoError(.ioFailure, file: "catalog.sqlite-shm",
                                message: "the catalog holds committed changes in its write-ahead log (catalog.sqlite-wal), which SQLite reads through catalog.sqlite-shm: that file is missing and cannot be made here (\(Self.diagnostic(for: error)?.message ?? "\(error)"))",
                                advice: "Copy the archive with catalog.sqlite-shm, or to a writable disk (any hoso command there folds the log into the catalog); on the owner's machine, any hoso command does the same")
            } catch where pending && Catalog.isWriteFailure(error) {
                // SQLite could not open the log's files for this user (damage is rethrown below).
                throw HosoError(.ioFailure, file: "catalog.sqlite-wal",
                                message: "the catalog holds committed changes in its write-ahead log, which this user cannot read (\(Self.diagnostic(for: error)?.message ?? "\(error)"))",
                                advice: "Ask the archive's owner for read access to catalog.sqlite-wal and catalog.sqlite-shm, or to run any hoso command (which folds the log into the catalog)")
            } catch where pending {
                throw error
            } catch {}
        }
        return try Catalog.open(path: catalogPath, mode: .immutable)
    }

    /// The catalog opened for reading. A reader of a WAL database makes its shared-memory file
    /// first, which a full disk refuses; a catalog with no pending WAL is whole in its file, and
    /// is then read as on read-only media.
    private func openCatalogReader() throws -> Catalog {
        do { return try Catalog.open(path: catalogPath, mode: .readOnly) } catch {
            guard Self.isWriteFailure(error),
                  (SystemFile.status(catalogPath + "-wal").map { $0.st_size == 0 } ?? true) else { throw error }
            let catalog = try Catalog.open(path: catalogPath, mode: .immutable)
            Self.noteNotCaughtUp("catalog", error, reading: true)
            return catalog
        }
    }

    /// Throws the ledger's E601 or E704 when `catalog` reflects an entry the ledger lost.
    /// - Returns: how many ledger entries the catalog has yet to reflect.
    @discardableResult
    func checkNotAhead(_ catalog: Catalog) throws -> Int {
        let ledger = Ledger(archive: self)
        guard let applied = try catalog.appliedHead else {
            // An empty catalog lags by every entry: the head's sequence number says how many.
            return try ledger.head().map { try ledger.entry($0).sequence } ?? 0
        }
        guard try ledger.head() != applied.id else { return 0 }
        if ledger.namesNoEntry(applied.id) {
            throw HosoError(.catalogRowAltered, file: "catalog.sqlite", subject: "meta",
                            message: "the catalog records its ledger position as \(applied.id.short), an object of the store that is no ledger entry",
                            advice: "The catalog was edited: run 'hoso rebuild' to recreate it from the ledger (leave ledger/HEAD as it is)")
        }
        return try ledger.entries(missingFrom: "the catalog", applied: (applied.id, applied.sequence)).entries.count
    }

    private static let notedOnce = Mutex<Set<String>>([])
    private static let lagging = Mutex<[String: Int?]>([:])

    /// The derived data this process answered from although it lags the ledger (the notes said
    /// on standard error), for machine-readable output: "catalog" and "searchIndex", each with
    /// the number of ledger entries it lacks (nil: not known, it could not be brought up to date).
    public static var answeredBehind: [String: Int?] {
        Dictionary(uniqueKeysWithValues: lagging.withLock { $0 }.map { ($0.key == "search index" ? "searchIndex" : $0.key, $0.value) })
    }

    /// What hoso's own errors say, as a diagnostic (nil for argument errors and the like).
    public static func diagnostic(for error: any Error) -> Diagnostic? {
        switch error {
        case let e as HosoError: return e.diagnostic
        case let e as SystemError: return e.diagnostic
        case let e as IndexFileError:
            return Diagnostic(.indexFileCorrupt, file: e.path, message: e.reason, advice: IndexFileError.advice)
        default: return Catalog.diagnostic(for: error)
        }
    }

    /// A failure to write (a full disk, no permission, a read-only file system), which a reader
    /// may answer despite; never what the ledger or the derived data say is wrong (a constraint
    /// or trigger failing on an edited catalog), which it must not.
    static func isWriteFailure(_ error: any Error) -> Bool {
        if let e = error as? SystemError { return [ENOSPC, EDQUOT, EROFS, EACCES, EPERM, EIO].contains(e.errno) }
        return Catalog.isWriteFailure(error)
    }

    /// A reader brings derived data up to date when it can; when it cannot (a full disk, a
    /// folder it may not write), it answers from what it has, and says so and why.
    static func noteNotCaughtUp(_ what: String, _ error: any Error, reading: Bool = false) {
        // One note for each: a command may open the catalog more than once.
        guard notedOnce.withLock({ $0.insert(what).inserted }) else { return }
        lagging.withLock { $0[what] = .some(nil) }
        let why = diagnostic(for: error).map { "\($0.code.rawValue): \($0.message)" } ?? "\(error)"
        FileHandle.standardError.write(Data((reading
            ? "hoso: note: the \(what) is read as it stands on disk, and may lack what the latest ledger entries archived (\(why)); free space or fix that, so that it can be kept up to date\n"
            : "hoso: note: the \(what) could not be brought up to date with the ledger (\(why)): "
              + "what the latest ledger entries archived may be missing here; fix that, and the next command brings it up to date\n").utf8))
    }

    /// Says on standard error that derived data on read-only media lags the ledger: answers
    /// then miss what the last entries archived, and nothing here can bring it up to date.
    static func noteBehind(_ what: String, _ entries: Int) {
        lagging.withLock { $0[what] = entries }
        FileHandle.standardError.write(Data(("hoso: note: the \(what) is \(entries) ledger entr\(entries == 1 ? "y" : "ies") behind and cannot be "
            + "brought up to date here (read-only media, or this user may not write to the archive): what those entries archived is not "
            + "shown; a search, show or stats run by the archive's owner brings it up to date (on read-only media, 'hoso rebuild' on a writable copy)\n").utf8))
    }

    /// The ledger entries the catalog (the one given, or the archive's when it can be read)
    /// and the search index say they reflect, with their sequence numbers; nil for either that
    /// says none or cannot be read.
    public func derivedPositions(catalog given: Catalog?? = nil) -> (catalog: (ObjectID, Int)?, index: (ObjectID, Int)?) {
        let catalog: Catalog? = given ?? (SystemFile.exists(catalogPath) ? try? Catalog.open(path: catalogPath, mode: .readOnly) : nil)
        let index = (try? IndexSnapshot.open(indexFolder)).flatMap { s in
            s.manifest.ledgerHead.flatMap { ObjectID(hex: $0) }.map { ($0, s.manifest.ledgerSequence) }
        }
        return (catalog.flatMap { try? $0.appliedHead }.map { ($0.id, $0.sequence) }, index)
    }

    /// Checks that the catalog and the index reflect no ledger entry the ledger lost (see
    /// `Ledger.entries(missingFrom:applied:)`); one that cannot be read is left to the rebuild.
    /// With `discard`, each that does is kept aside instead (`catalog.sqlite.discarded-<time>`,
    /// `index.discarded-<time>`), and the names they were given are returned.
    /// - Parameter indexOnly: check the index only (`hoso index rebuild` leaves the catalog alone).
    /// - Throws: the ledger's E601 or E704 without `discard`.
    @discardableResult
    public func checkDerivedDataBeforeRebuild(discard: Bool, indexOnly: Bool = false) throws -> [String] {
        let ledger = Ledger(archive: self)
        func lost(_ what: String, _ applied: (ObjectID, Int)?) throws -> HosoError? {
            guard let applied, !ledger.namesNoEntry(applied.0) else { return nil }
            do { _ = try ledger.entries(missingFrom: what, applied: applied) } catch let e as HosoError
                where e.code == .catalogAhead || e.code == .indexMismatch || e.code == .ledgerHeadMissing { return e }
            return nil
        }
        let positions = derivedPositions(catalog: indexOnly ? .some(nil) : nil)
        let catalogLost = try lost("the catalog", positions.catalog), indexLost = try lost(Ledger.searchIndex, positions.index)
        guard catalogLost != nil || indexLost != nil else { return [] }
        guard discard else { throw (catalogLost ?? indexLost)! }
        let stamp = "-" + CanonicalJSON.timestamp().replacingOccurrences(of: ":", with: "")
        var kept: [String] = []
        if catalogLost != nil {
            // Its log folded into it first: kept aside in one file, a stop between two renames
            // cannot part it from its newest commits (a log left without its database is
            // reset by the next command that opens the archive).
            if SystemFile.exists(catalogPath + "-wal") { try? Catalog.foldLog(path: catalogPath) }
            for suffix in ["", "-wal"] where SystemFile.exists(catalogPath + suffix) {
                try LocalObjectStore.renameNoReplace(catalogPath + suffix, catalogPath + ".discarded" + stamp + suffix)
            }
            try SystemFile.remove(catalogPath + "-shm")
            kept.append("catalog.sqlite.discarded" + stamp)
        }
        if indexLost != nil {
            try LocalObjectStore.renameNoReplace(indexFolder, indexFolder + ".discarded" + stamp)
            try SystemFile.makeDirectory(indexFolder, likeParent: true)
            kept.append("index.discarded" + stamp)
        }
        try SystemFile.syncDirectory(root)
        return kept
    }

    /// The refusal of a command that writes, when this process does not run as the owner.
    public func refusalUnlessOwner() -> HosoError? {
        guard let owner else { return nil }
        return HosoError(.ioFailure, file: root + "/" + Self.configFileName,
                         message: "the archive \(root) belongs to \(owner.name), and hoso writes into it only as its owner (what it made as another user would block \(owner.name)'s next run)",
                         advice: "Run the command as \(owner.name) (for example \"sudo -u '\(owner.name)' hoso …\"); other users may read the archive")
    }

    /// Whether this process may write into the archive: it runs as the archive's owner, and the
    /// folder can be written (not read-only media).
    public var isWritable: Bool { owner == nil && access(root, W_OK) == 0 && access(root + "/ledger", W_OK) == 0 }

    /// The archive's owner (the owner of its description file) when this process runs as
    /// someone else, else nil. hoso writes into an archive only as its owner: what it made as
    /// another user (root's lock file, audit log or catalog) would be that user's, and block the
    /// owner's next run.
    ///
    /// Where a mount maps owners (NFS squashing or an idmap mismatch, CIFS, sshfs), the uid a file
    /// shows is not this process's though its files are the owner's: a file made here to find
    /// out tells (the question is asked only when the uids differ).
    public var owner: (uid: UInt32, name: String)? {
        guard let st = SystemFile.status(root + "/" + Self.configFileName), st.st_uid != geteuid() else { return nil }
        // Asked once per archive and process: readers ask on every open, and a probe file is a
        // write into the archive.
        if let known = Self.ownerProbed.withLock({ $0[root] }) { return known }
        let answer = probeOwner(st)
        Self.ownerProbed.withLock { $0[root] = .some(answer) }
        return answer
    }

    private static let ownerProbed = Mutex<[String: (uid: UInt32, name: String)?]>([:])

    private func probeOwner(_ st: stat) -> (uid: UInt32, name: String)? {
        let probe = root + "/.hoso-owner-" + SystemFile.randomSuffix()
        let fd = Glibc.open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            var made = stat()
            let sameOwner = fstat(fd, &made) == 0 && made.st_uid == st.st_uid
            close(fd)
            unlink(probe)
            if sameOwner { return nil }
        }
        let name = getpwuid(st.st_uid).map { String(cString: $0.pointee.pw_name) } ?? "#\(st.st_uid)"
        return (UInt32(st.st_uid), name)
    }
}
