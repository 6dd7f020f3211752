public import Foundation

/// A file of a dossier version as stored: its object and size.
public struct ManifestFile: Codable, Sendable, Equatable {
    public var object: ObjectID
    public var size: UInt64
    public init(object: ObjectID, size: UInt64) { self.object = object; self.size = size }
}

/// One component in a manifest.
public struct ManifestComponent: Codable, Sendable, Equatable {
    public var id: String
    public var role: String
    public var copyType: String
    public var name: String
    /// The path relative to the dossier folder, as the XML wrote it.
    public var file: String
    public var object: ObjectID
    public var size: UInt64
    public var mediaType: String
    public var pages: Int
    public init(id: String, role: String, copyType: String, name: String, file: String, object: ObjectID,
                size: UInt64, mediaType: String, pages: Int) {
        self.id = id; self.role = role; self.copyType = copyType; self.name = name; self.file = file
        self.object = object; self.size = size; self.mediaType = mediaType; self.pages = pages
    }
}

/// One dossier version: its number, the object holding its original XML, and its components.
/// Stored as canonical JSON in an object; contains no time, so the same dossier content always
/// gives the same manifest (and the same name).
public struct Manifest: Codable, Sendable, Equatable {
    public static let formatName = "hoso-manifest/1"
    public var format: String
    public var dossier: String
    public var version: Int
    /// The manifest of the version this one replaces.
    public var supersedes: ObjectID?
    public var xml: ManifestFile
    public var components: [ManifestComponent]
    /// The legacy encoding the XML's text was converted from when it was archived (the archived
    /// XML keeps the original bytes; the catalog and index hold the converted text).
    public var textEncoding: LegacyEncoding?

    public init(dossier: String, version: Int, supersedes: ObjectID?, xml: ManifestFile, components: [ManifestComponent],
                textEncoding: LegacyEncoding? = nil) {
        format = Self.formatName
        self.dossier = dossier; self.version = version; self.supersedes = supersedes
        self.xml = xml; self.components = components; self.textEncoding = textEncoding
    }

    /// Every object this manifest references.
    public var objects: [ObjectID] { [xml.object] + components.map(\.object) }
}

/// What one ledger entry adds.
public struct LedgerAddition: Codable, Sendable, Equatable {
    public var dossier: String
    public var version: Int
    public var manifest: ObjectID
    public init(dossier: String, version: Int, manifest: ObjectID) {
        self.dossier = dossier; self.version = version; self.manifest = manifest
    }
}

/// One committed step of an ingest: a checkpoint. Chained to the previous entry by its name;
/// `ledger/HEAD` names the newest.
public struct LedgerEntry: Codable, Sendable, Equatable {
    public static let formatName = "hoso-ledger-entry/1"
    public var format: String
    public var sequence: Int
    public var previous: ObjectID?
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    public var time: String
    public var `operator`: String
    public var source: String
    public var added: [LedgerAddition]

    public init(sequence: Int, previous: ObjectID?, time: String, operator: String, source: String, added: [LedgerAddition]) {
        format = Self.formatName
        self.sequence = sequence; self.previous = previous; self.time = time
        self.operator = `operator`; self.source = source; self.added = added
    }
}

/// Canonical JSON: keys sorted, no insignificant white space, slashes unescaped, UTF-8.
public enum CanonicalJSON {
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try e.encode(value))
    }

    /// Decodes, and insists the bytes are exactly the canonical encoding of what they decode to:
    /// an edited entry that still parses, but was not written by hoso, is caught.
    public static func decodeStrict<T: Codable & Equatable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let value = try JSONDecoder().decode(T.self, from: Data(bytes))
        guard try encode(value) == bytes else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not in canonical form"))
        }
        return value
    }

    /// The current time as the ledger writes it.
    public static func timestamp(_ date: Date = Date()) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }
}
