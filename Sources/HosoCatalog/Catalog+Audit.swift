import Foundation
import GRDB
import GRDBSQLite
public import HosoCore

/// Who committed a ledger entry, when and from where, as the entry records it.
public struct LedgerProvenance: Sendable, Equatable {
    public let time: String, `operator`: String, source: String
    public init(time: String, operator: String, source: String) { self.time = time; self.operator = `operator`; self.source = source }
}

/// One way a catalog row differs from what the ledger says.
public struct RowDifference: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The ledger adds the row; the catalog lacks it.
        case missing
        /// The catalog holds the row; no ledger entry adds it.
        case extra
        /// Both have the row, with other values in `changed`.
        case altered
    }
    public struct Change: Sendable, Equatable {
        public var column: String
        public var expected: String?
        public var found: String?
    }
    public var kind: Kind
    public var table: String
    public var key: String
    /// The dossier number the row belongs to, when known.
    public var number: String?
    public var changed: [Change] = []
    public init(kind: Kind, table: String, key: String, number: String? = nil, changed: [Change] = []) {
        self.kind = kind; self.table = table; self.key = key; self.number = number; self.changed = changed
    }
}

/// One offer of an object to the `objects` table, as `apply` makes it (`INSERT OR IGNORE`: the
/// first offer of an object is its row). Kept in an array (56 bytes an offer): a dictionary
/// keyed by object, kept under 75 % full and doubled as it grows, takes two to three times that.
struct ObjectOffer {
    static let kinds = ["ledger", "scan", "xml", "manifest"]
    var id: ObjectID
    /// Unknown for ledger entries (their size is not re-read by an audit).
    var size: UInt64?
    var sequence: Int32
    var order: UInt32
    var kind: UInt8
}

/// Compares the catalog with the ledger one ledger entry at a time, so that an audit holds no more
/// than one entry's versions in memory, then checks what no entry adds. Columns whose values later
/// entries change (`is_current`, `superseded_by`) are checked at the end, from `superseded`.
public struct CatalogAudit {
    public let catalog: Catalog
    /// Manifests the ledger adds, as entries are compared (a sorted list once `finish` runs).
    var manifests: [ObjectID] = []
    /// Later versions: superseded manifest → the manifest that supersedes it.
    public private(set) var superseded: [ObjectID: ObjectID] = [:]
    /// Every offer of an object the ledger implies, in the order `apply` makes them.
    var offers: [ObjectOffer] = []
    /// Versions whose manifest or XML could not be read: what they supersede is unknown.
    public private(set) var undetermined = Set<ObjectID>()
    /// The ledger entry that adds each of them.
    var undeterminedAt: [ObjectID: Int] = [:]

    /// The `dossiers` columns to select, in `Catalog.dossierColumns` order: a catalog written
    /// before a column existed, and not opened for writing since (read-only media), lacks it;
    /// it reads as NULL.
    let dossierSelect: String

    public init(catalog: Catalog) {
        self.catalog = catalog
        let present = Set((try? catalog.db.read { db in try db.columns(in: "dossiers").map(\.name) }) ?? [])
        dossierSelect = Catalog.dossierColumns.map { present.contains($0) ? $0 : "NULL AS \($0)" }.joined(separator: ", ")
    }

    /// Compares the catalog's row for one ledger entry, with who archived what from where and
    /// when (what `show` prints of the entry) when the entry could be read.
    public mutating func compare(sequence: Int, id: ObjectID, previous: ObjectID?, additions: Int,
                                 provenance: LedgerProvenance? = nil) throws -> [RowDifference] {
        var out: [RowDifference] = []
        let key = String(sequence)
        var columns = ["sequence", "id", "previous", "dossier_count"]
        var want = [String(sequence), id.prefixed, previous?.prefixed, String(additions)]
        if let provenance {
            columns += ["time", "operator", "source"]
            want += [provenance.time, provenance.operator, provenance.source]
        }
        let entryRow = try catalog.db.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT \(columns.joined(separator: ", ")) FROM ledger_entries WHERE sequence = ?"),
                             arguments: [sequence])
        }
        if let entryRow {
            if let d = Self.difference("ledger_entries", key, nil, columns, want, Self.texts(entryRow), skipping: []) { out.append(d) }
        } else {
            out.append(RowDifference(kind: .missing, table: "ledger_entries", key: key))
        }
        offer(id, size: nil, kind: "ledger", sequence: sequence)
        return out
    }

    /// Compares the catalog's rows for some of the versions one ledger entry adds: `additions`
    /// names them all, `versions` holds those whose manifest and XML could be read.
    public mutating func compare(sequence: Int, additions: [LedgerAddition], versions: [CatalogVersion]) throws -> [RowDifference] {
        var out: [RowDifference] = []
        manifests += additions.map(\.manifest)
        let readable = Set(versions.map(\.manifestID))
        for a in additions where !readable.contains(a.manifest) { undetermined.insert(a.manifest); undeterminedAt[a.manifest] = sequence }
        for chunk in stride(from: 0, to: versions.count, by: 400).map({ versions[$0..<min($0 + 400, versions.count)] }) {
            let keys = chunk.map(\.manifestID.prefixed)
            let placeholders = keys.map { _ in "?" }.joined(separator: ",")
            let (dossiers, components) = try catalog.db.read { db -> ([String: [String?]], [String: [String?]]) in
                var d: [String: [String?]] = [:], c: [String: [String?]] = [:]
                let rows = try Row.fetchCursor(db, sql: "SELECT \(dossierSelect) FROM dossiers WHERE manifest IN (\(placeholders))",
                                               arguments: StatementArguments(keys))
                while let r = try rows.next() { let v = Self.texts(r); d[v[0] ?? ""] = v }
                let crows = try Row.fetchCursor(db, sql: "SELECT \(Catalog.componentColumns.joined(separator: ", ")) FROM components WHERE manifest IN (\(placeholders))",
                                                arguments: StatementArguments(keys))
                while let r = try crows.next() { let v = Self.texts(r); c[(v[0] ?? "") + "#" + (v[1] ?? "")] = v }
                return (d, c)
            }
            var expectedComponents = Set<String>()
            for v in chunk {
                let number = v.dossier.number
                record(supersedes: v.manifest.supersedes, by: v.manifestID, offers: Catalog.objectRows(v), sequence: sequence)
                let want = Catalog.dossierValues(v, sequence: sequence).map(Catalog.text)
                let rowKey = v.manifestID.prefixed
                if let have = dossiers[rowKey] {
                    if var d = Self.difference("dossiers", rowKey, number, Catalog.dossierColumns, want, have,
                                               skipping: ["is_current", "superseded_by"]) {
                        // Rows written before hoso recorded index digests have none: not a change.
                        d.changed.removeAll { $0.column == "index_digest" && $0.found == nil }
                        if !d.changed.isEmpty { out.append(d) }
                    }
                } else {
                    out.append(RowDifference(kind: .missing, table: "dossiers", key: rowKey, number: number))
                }
                for values in Catalog.componentValues(v) {
                    let want = values.map(Catalog.text)
                    let componentKey = rowKey + "#" + (want[1] ?? "")
                    expectedComponents.insert(componentKey)
                    if let have = components[componentKey] {
                        if let d = Self.difference("components", componentKey, number, Catalog.componentColumns, want, have, skipping: []) { out.append(d) }
                    } else {
                        out.append(RowDifference(kind: .missing, table: "components", key: componentKey, number: number))
                    }
                }
            }
            for k in components.keys.sorted() where !expectedComponents.contains(k) {
                out.append(RowDifference(kind: .extra, table: "components", key: k))
            }
        }
        return out
    }

    /// Notes what one version implies for the rows checked at the end.
    mutating func record(supersedes old: ObjectID?, by manifest: ObjectID, offers: [(id: ObjectID, size: UInt64, kind: String)], sequence: Int) {
        if let old { superseded[old] = manifest }
        for o in offers { offer(o.id, size: o.size, kind: o.kind, sequence: sequence) }
    }

    mutating func offer(_ id: ObjectID, size: UInt64?, kind: String, sequence: Int) {
        offers.append(ObjectOffer(id: id, size: size, sequence: Int32(sequence), order: UInt32(offers.count),
                                  kind: UInt8(ObjectOffer.kinds.firstIndex(of: kind) ?? 0)))
    }

    /// A version whose catalog rows matched the ledger entry's digest.
    public struct VerifiedVersion: Sendable {
        public var manifest: ObjectID
        public var number: String
        /// The XML and the scans it references.
        public var objects: [ObjectID]
        public var indexDigest: ObjectID?
    }

    /// Compares the catalog's rows for the versions one ledger entry adds with the digest the
    /// entry recorded of them, reading the rows in chunks. A match proves the rows are as hoso
    /// derived them when it committed the entry, without parsing the XML again: they count as
    /// compared and the versions come back. Nil when the rows differ (or are missing, or the
    /// digest has another scheme): the caller re-derives the entry and compares row by row.
    /// Columns are hashed straight from SQLite's buffers (no text values made for them): this
    /// runs for every row of a full verify.
    public mutating func compare(sequence: Int, additions: [LedgerAddition], digest: DerivedDigest) throws -> [VerifiedVersion]? {
        guard digest.scheme == DerivedDigest.currentScheme else { return nil }
        struct DossierRow {
            var encoded: [UInt8] = []
            var number: String?, version: String?, sequence: String?, xml: String?, supersedes: String?, indexDigest: String?
        }
        struct Components {
            var count = 0
            var encoded: [UInt8] = []
            var objects: [(id: String, size: String?)] = []
        }
        var hasher = FieldHasher()
        var verified: [VerifiedVersion] = []
        var pending: [(supersedes: ObjectID?, manifest: ObjectID, offers: [(id: ObjectID, size: UInt64, kind: String)])] = []
        let columns = Catalog.dossierColumns
        let at = { (name: String) in Int32(columns.firstIndex(of: name)!) }
        let (numberAt, versionAt, sequenceAt, xmlAt, supersedesAt, indexAt) =
            (at("number"), at("version"), at("ledger_sequence"), at("xml_object"), at("supersedes"), at("index_digest"))
        let objectAt = Int32(Catalog.componentColumns.firstIndex(of: "object")!), sizeAt = Int32(Catalog.componentColumns.firstIndex(of: "size")!)
        var skipped = [Bool](repeating: false, count: columns.count)
        for i in Self.skippedInDigest { skipped[i] = true }
        for start in stride(from: 0, to: additions.count, by: 400) {
            let chunk = additions[start..<min(start + 400, additions.count)]
            let keys = chunk.map(\.manifest.prefixed)
            let marks = keys.map { _ in "?" }.joined(separator: ",")
            let found = try catalog.db.read { db -> (rows: [String: DossierRow], components: [String: Components], sizes: [String: String])? in
                var rows: [String: DossierRow] = [:], components: [String: Components] = [:], sizes: [String: String] = [:]
                let dossiers = try db.cachedStatement(sql: "SELECT \(dossierSelect) FROM dossiers WHERE manifest IN (\(marks))")
                try dossiers.setArguments(StatementArguments(keys))
                try Self.step(dossiers) { st in
                    var r = DossierRow()
                    Self.encode(st, skipping: skipped, into: &r.encoded)
                    (r.number, r.version, r.sequence) = (Self.text(st, numberAt), Self.text(st, versionAt), Self.text(st, sequenceAt))
                    (r.xml, r.supersedes, r.indexDigest) = (Self.text(st, xmlAt), Self.text(st, supersedesAt), Self.text(st, indexAt))
                    rows[Self.text(st, 0) ?? ""] = r
                }
                guard rows.count == keys.count else { return nil }
                let parts = try db.cachedStatement(sql: "SELECT \(Catalog.componentColumns.joined(separator: ", ")) FROM components WHERE manifest IN (\(marks)) ORDER BY manifest, position")
                try parts.setArguments(StatementArguments(keys))
                try Self.step(parts) { st in
                    let key = Self.text(st, 0) ?? ""
                    var c = components[key] ?? Components()
                    c.count += 1
                    Self.encode(st, skipping: nil, into: &c.encoded)
                    c.objects.append((Self.text(st, objectAt) ?? "", Self.text(st, sizeAt)))
                    components[key] = c
                }
                let wanted = keys + rows.values.compactMap(\.xml)
                let objects = try db.cachedStatement(sql: "SELECT id, size FROM objects WHERE id IN (\(wanted.map { _ in "?" }.joined(separator: ",")))")
                try objects.setArguments(StatementArguments(wanted))
                try Self.step(objects) { st in sizes[Self.text(st, 0) ?? ""] = Self.text(st, 1) }
                return (rows, components, sizes)
            }
            guard let found else { return nil }
            for a in chunk {
                let key = a.manifest.prefixed
                guard let row = found.rows[key], let xml = row.xml, let xmlID = ObjectID(hex: xml),
                      let xmlSize = found.sizes[xml].flatMap(UInt64.init), let manifestSize = found.sizes[key].flatMap(UInt64.init),
                      row.number == a.dossier, row.version == String(a.version), row.sequence == String(sequence) else { return nil }
                let parts = found.components[key] ?? Components()
                var offers: [(id: ObjectID, size: UInt64, kind: String)] = []
                offers.reserveCapacity(parts.count + 2)
                for c in parts.objects {
                    guard let id = ObjectID(hex: c.id), let size = c.size.flatMap(UInt64.init) else { return nil }
                    offers.append((id, size, "scan"))
                }
                offers += [(xmlID, xmlSize, "xml"), (a.manifest, manifestSize, "manifest")]
                hasher.add(encoded: row.encoded)
                hasher.add(parts.count)
                hasher.add(encoded: parts.encoded)
                Self.hash(&hasher, offers: offers)
                pending.append((row.supersedes.flatMap { ObjectID(hex: $0) }, a.manifest, offers))
                verified.append(VerifiedVersion(manifest: a.manifest, number: row.number ?? "", objects: offers.dropLast().map(\.id),
                                                indexDigest: row.indexDigest.flatMap { ObjectID(hex: $0) }))
            }
        }
        guard hasher.finish() == digest.rows else { return nil }
        for p in pending {
            manifests.append(p.manifest)
            record(supersedes: p.supersedes, by: p.manifest, offers: p.offers, sequence: sequence)
        }
        return verified
    }

    /// Steps a prepared statement to its end, handing each row to `body`.
    static func step(_ statement: Statement, _ body: (OpaquePointer) throws -> Void) throws {
        let st = statement.sqliteStatement
        defer { sqlite3_reset(st) }
        while true {
            let rc = sqlite3_step(st)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(st))))
            }
            try body(st)
        }
    }

    /// Writes the current row's columns as `FieldHasher` hashes them, from SQLite's own text.
    static func encode(_ st: OpaquePointer, skipping: [Bool]?, into out: inout [UInt8]) {
        for i in 0..<sqlite3_column_count(st) where skipping?[Int(i)] != true {
            if sqlite3_column_type(st, i) == SQLITE_NULL {
                FieldHasher.encode(nil, into: &out)
            } else {
                let text = sqlite3_column_text(st, i)
                FieldHasher.encode(UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(st, i))), into: &out)
            }
        }
    }

    static func text(_ st: OpaquePointer, _ i: Int32) -> String? {
        guard sqlite3_column_type(st, i) != SQLITE_NULL, let p = sqlite3_column_text(st, i) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: Int(sqlite3_column_bytes(st, i))), as: UTF8.self)
    }

    /// What `DerivedDigest.rows` holds for versions hoso derived (when it commits an entry).
    public static func digest(of versions: [CatalogVersion], sequence: Int) -> DerivedDigest {
        var hasher = FieldHasher()
        for v in versions {
            hash(&hasher, dossier: Catalog.dossierValues(v, sequence: sequence).map(Catalog.text),
                 components: Catalog.componentValues(v).map { $0.map(Catalog.text) }, offers: Catalog.objectRows(v))
        }
        return DerivedDigest(rows: hasher.finish())
    }

    /// Scheme hoso-catalog-rows/1, per version in the entry's order: its `dossiers` row as first
    /// written (every column but `is_current` and `superseded_by`, which later versions change),
    /// the number of its `components` rows and each of them, and the objects it offers to the
    /// `objects` table (id, size, kind).
    static func hash(_ h: inout FieldHasher, dossier: [String?], components: [[String?]], offers: [(id: ObjectID, size: UInt64, kind: String)]) {
        for (i, v) in dossier.enumerated() where !skippedInDigest.contains(i) { h.add(v) }
        h.add(components.count)
        for row in components { for v in row { h.add(v) } }
        hash(&h, offers: offers)
    }

    static func hash(_ h: inout FieldHasher, offers: [(id: ObjectID, size: UInt64, kind: String)]) {
        h.add(offers.count)
        for o in offers { h.add(o.id.prefixed); h.add(o.size); h.add(o.kind) }
    }

    static let skippedInDigest: Set<Int> = [Catalog.dossierColumns.firstIndex(of: "is_current")!,
                                            Catalog.dossierColumns.firstIndex(of: "superseded_by")!]

    /// What the entry-by-entry comparison cannot see: rows no entry adds, the columns later
    /// versions change, and the `objects` table.
    public func finish() throws -> [RowDifference] {
        let manifests = ObjectIDList(self.manifests)
        // The first offer of each object, sorted by name.
        var expected = offers.sorted { ($0.id, $0.order) < ($1.id, $1.order) }
        expected.removeAdjacentRepeats { $0.id == $1.id }
        // Objects a version whose manifest cannot be read may have offered first, by what the
        // catalog says that version uses, with that version's ledger entry.
        var unknown: [ObjectID: Set<Int>] = [:]
        for (m, sequence) in undeterminedAt { for o in try catalog.objects(ofVersion: m) { unknown[o, default: []].insert(sequence) } }
        return try catalog.db.read { db in
            var out: [RowDifference] = []
            // Dossier rows (and their components) that no entry adds.
            try Self.step(db.makeStatement(sql: "SELECT manifest, number FROM dossiers")) { st in
                let key = Self.text(st, 0) ?? ""
                if ObjectID(hex: key).map({ manifests.contains($0) }) != true {
                    out.append(RowDifference(kind: .extra, table: "dossiers", key: key, number: Self.text(st, 1)))
                }
            }
            try Self.step(db.makeStatement(sql: "SELECT manifest, position FROM components")) { st in
                let manifest = Self.text(st, 0) ?? ""
                if ObjectID(hex: manifest).map({ manifests.contains($0) }) != true {
                    out.append(RowDifference(kind: .extra, table: "components", key: manifest + "#" + (Self.text(st, 1) ?? "")))
                }
            }
            // Which versions are current, and what supersedes the others.
            var supersededSeen = Set<ObjectID>()
            let later = try Row.fetchCursor(db, sql: "SELECT manifest, number, is_current, superseded_by FROM dossiers WHERE is_current != 1 OR superseded_by IS NOT NULL")
            while let r = try later.next() {
                let key: String = r[0]
                guard let id = ObjectID(hex: key), manifests.contains(id) else { continue }
                supersededSeen.insert(id)
                if let by = Catalog.text(r[3] as DatabaseValue).flatMap({ ObjectID(hex: $0) }), undetermined.contains(by) { continue }
                let by = superseded[id]
                let want = [by == nil ? "1" : "0", by?.prefixed], have = [Catalog.text(r[2] as DatabaseValue), Catalog.text(r[3] as DatabaseValue)]
                if let d = Self.difference("dossiers", key, r[1], ["is_current", "superseded_by"], want, have, skipping: []) { out.append(d) }
            }
            for (old, by) in superseded where manifests.contains(old) && !supersededSeen.contains(old) {
                guard let r = try Row.fetchOne(db, sql: "SELECT number, is_current, superseded_by FROM dossiers WHERE manifest = ?", arguments: [old.prefixed]) else { continue }
                let have = [Catalog.text(r[1] as DatabaseValue), Catalog.text(r[2] as DatabaseValue)]
                if let d = Self.difference("dossiers", old.prefixed, r[0], ["is_current", "superseded_by"], ["0", by.prefixed], have, skipping: []) { out.append(d) }
            }
            // The objects table: compared as numbers where the row holds numbers (the common
            // case, 40,000 rows for 10,000 dossiers), as text otherwise. A row that a version
            // whose manifest could not be read explains (the row dates from that version's entry,
            // no later than the ledger's own first offer) is not judged: the missing manifest is
            // the finding.
            var matched = [Bool](repeating: false, count: expected.count)
            try Self.step(db.makeStatement(sql: "SELECT id, size, kind, first_sequence FROM objects")) { st in
                let key = Self.text(st, 0) ?? ""
                if let id = ObjectID(hex: key), let sequences = unknown[id], sequences.contains(Int(sqlite3_column_int64(st, 3))) {
                    let at = Self.position(of: id, in: expected)
                    if at == nil || sqlite3_column_int64(st, 3) <= Int64(expected[at!].sequence) {
                        if let at { matched[at] = true }
                        return
                    }
                }
                guard let id = ObjectID(hex: key), let at = Self.position(of: id, in: expected) else {
                    out.append(RowDifference(kind: .extra, table: "objects", key: key))
                    return
                }
                matched[at] = true
                let want = expected[at], kind = ObjectOffer.kinds[Int(want.kind)]
                let numeric = sqlite3_column_type(st, 1) == SQLITE_INTEGER && sqlite3_column_type(st, 3) == SQLITE_INTEGER
                if numeric, want.size.map({ Int64($0) == sqlite3_column_int64(st, 1) }) ?? true,
                   Int64(want.sequence) == sqlite3_column_int64(st, 3), Self.text(st, 2) == kind { return }
                let have = (Int32(0)..<4).map { Self.text(st, $0) }
                let wanted = [key, want.size.map { String($0) } ?? have[1], kind, String(want.sequence)]
                if let d = Self.difference("objects", key, nil, ["id", "size", "kind", "first_sequence"], wanted, have, skipping: []) { out.append(d) }
            }
            for (i, o) in expected.enumerated() where !matched[i] {
                out.append(RowDifference(kind: .missing, table: "objects", key: o.id.prefixed))
            }
            return out
        }
    }

    static func position(of id: ObjectID, in sorted: [ObjectOffer]) -> Int? {
        let i = sorted.sortedLowerBound(id) { $0.id }
        return i < sorted.count && sorted[i].id == id ? i : nil
    }

    static func texts(_ row: Row) -> [String?] {
        // By position: GRDB's lookup by name lowercases the name on every access.
        row.databaseValues.map(Catalog.text)
    }

    static func difference(_ table: String, _ key: String, _ number: String?, _ columns: [String],
                           _ want: [String?], _ have: [String?], skipping: Set<String>) -> RowDifference? {
        var changes: [RowDifference.Change] = []
        for (i, column) in columns.enumerated() where !skipping.contains(column) && want[i] != have[i] {
            changes.append(RowDifference.Change(column: column, expected: want[i], found: have[i]))
        }
        guard !changes.isEmpty else { return nil }
        return RowDifference(kind: .altered, table: table, key: key, number: number, changed: changes)
    }
}
