import Foundation
import GRDB
public import HosoCore

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

/// What the `objects` table must hold for one object: the first offer of it (`INSERT OR IGNORE`).
public struct ExpectedObjectRow: Sendable {
    public var kind: String
    /// Nil for ledger entries (their size is not re-read by an audit).
    public var size: UInt64?
    public var firstSequence: Int
    public init(kind: String, size: UInt64?, firstSequence: Int) {
        self.kind = kind; self.size = size; self.firstSequence = firstSequence
    }
}

/// Compares the catalog with the ledger one ledger entry at a time, so that an audit holds no more
/// than one entry's versions in memory, then checks what no entry adds. Columns whose values later
/// entries change (`is_current`, `superseded_by`) are checked at the end, from `superseded`.
public struct CatalogAudit {
    public let catalog: Catalog
    /// Manifests the ledger adds, as entries are compared.
    public private(set) var manifests = Set<ObjectID>()
    /// Later versions: superseded manifest → the manifest that supersedes it.
    public private(set) var superseded: [ObjectID: ObjectID] = [:]
    /// Objects the ledger implies, with the first offer of each.
    public private(set) var objects: [ObjectID: ExpectedObjectRow] = [:]
    /// Versions whose manifest or XML could not be read: what they supersede is unknown.
    public private(set) var undetermined = Set<ObjectID>()

    public init(catalog: Catalog) { self.catalog = catalog }

    /// Compares the catalog's row for one ledger entry.
    public mutating func compare(sequence: Int, id: ObjectID, previous: ObjectID?, additions: Int) throws -> [RowDifference] {
        var out: [RowDifference] = []
        let key = String(sequence)
        let columns = ["sequence", "id", "previous", "dossier_count"]
        let want = [String(sequence), id.prefixed, previous?.prefixed, String(additions)]
        let entryRow = try catalog.db.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT sequence, id, previous, dossier_count FROM ledger_entries WHERE sequence = ?"),
                             arguments: [sequence])
        }
        if let entryRow {
            if let d = Self.difference("ledger_entries", key, nil, columns, want, Self.texts(entryRow), skipping: []) { out.append(d) }
        } else {
            out.append(RowDifference(kind: .missing, table: "ledger_entries", key: key))
        }
        if objects[id] == nil { objects[id] = ExpectedObjectRow(kind: "ledger", size: nil, firstSequence: sequence) }
        return out
    }

    /// Compares the catalog's rows for some of the versions one ledger entry adds: `additions`
    /// names them all, `versions` holds those whose manifest and XML could be read.
    public mutating func compare(sequence: Int, additions: [LedgerAddition], versions: [CatalogVersion]) throws -> [RowDifference] {
        var out: [RowDifference] = []
        for a in additions { manifests.insert(a.manifest) }
        let readable = Set(versions.map(\.manifestID))
        for a in additions where !readable.contains(a.manifest) { undetermined.insert(a.manifest) }
        for chunk in stride(from: 0, to: versions.count, by: 400).map({ versions[$0..<min($0 + 400, versions.count)] }) {
            let keys = chunk.map(\.manifestID.prefixed)
            let placeholders = keys.map { _ in "?" }.joined(separator: ",")
            let (dossiers, components) = try catalog.db.read { db -> ([String: [String?]], [String: [String?]]) in
                var d: [String: [String?]] = [:], c: [String: [String?]] = [:]
                let rows = try Row.fetchCursor(db, sql: "SELECT \(Catalog.dossierColumns.joined(separator: ", ")) FROM dossiers WHERE manifest IN (\(placeholders))",
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
                if let old = v.manifest.supersedes { superseded[old] = v.manifestID }
                for o in Catalog.objectRows(v) where objects[o.id] == nil {
                    objects[o.id] = ExpectedObjectRow(kind: o.kind, size: o.size, firstSequence: sequence)
                }
                let want = Catalog.dossierValues(v, sequence: sequence).map(Catalog.text)
                let rowKey = v.manifestID.prefixed
                if let have = dossiers[rowKey] {
                    if let d = Self.difference("dossiers", rowKey, number, Catalog.dossierColumns, want, have,
                                               skipping: ["is_current", "superseded_by"]) { out.append(d) }
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

    /// What the entry-by-entry comparison cannot see: rows no entry adds, the columns later
    /// versions change, and the `objects` table.
    public func finish() throws -> [RowDifference] {
        try catalog.db.read { db in
            var out: [RowDifference] = []
            // Dossier rows (and their components) that no entry adds.
            var extraManifests = Set<String>()
            let rows = try Row.fetchCursor(db, sql: "SELECT manifest, number FROM dossiers")
            while let r = try rows.next() {
                let key: String = r[0]
                if ObjectID(hex: key).map({ manifests.contains($0) }) != true {
                    extraManifests.insert(key)
                    out.append(RowDifference(kind: .extra, table: "dossiers", key: key, number: r[1]))
                }
            }
            let components = try Row.fetchCursor(db, sql: "SELECT manifest, position FROM components")
            while let r = try components.next() {
                let manifest: String = r[0]
                if ObjectID(hex: manifest).map({ manifests.contains($0) }) != true {
                    out.append(RowDifference(kind: .extra, table: "components", key: manifest + "#" + String(r[1] as Int64)))
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
            // The objects table.
            var seen = Set<ObjectID>()
            let objectRows = try Row.fetchCursor(db, sql: "SELECT id, size, kind, first_sequence FROM objects")
            while let r = try objectRows.next() {
                let key: String = r[0]
                guard let id = ObjectID(hex: key), let want = objects[id] else {
                    out.append(RowDifference(kind: .extra, table: "objects", key: key))
                    continue
                }
                seen.insert(id)
                let have = (0..<4).map { Catalog.text(r[$0] as DatabaseValue) }
                let expected = [key, want.size.map { String($0) } ?? have[1], want.kind, String(want.firstSequence)]
                if let d = Self.difference("objects", key, nil, ["id", "size", "kind", "first_sequence"], expected, have, skipping: []) { out.append(d) }
            }
            for id in objects.keys where !seen.contains(id) {
                out.append(RowDifference(kind: .missing, table: "objects", key: id.prefixed))
            }
            return out
        }
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
