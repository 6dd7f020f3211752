public import Foundation
import Crypto

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
    /// A digest of the catalog rows the entry adds, as hoso derived them when it committed the
    /// entry: a full `hoso verify` compares the catalog with it instead of parsing every
    /// dossier's XML again. Absent from entries written before hoso recorded it.
    public var derived: DerivedDigest?

    public init(sequence: Int, previous: ObjectID?, time: String, operator: String, source: String, added: [LedgerAddition],
                derived: DerivedDigest? = nil) {
        format = Self.formatName
        self.sequence = sequence; self.previous = previous; self.time = time
        self.operator = `operator`; self.source = source; self.added = added; self.derived = derived
    }
}

/// The SHA-256 of what a ledger entry's dossiers make in the catalog, under a named scheme (what
/// is hashed, in which order): a newer hoso that derives rows differently uses another scheme,
/// and verify then re-derives instead of comparing.
public struct DerivedDigest: Codable, Sendable, Equatable {
    public static let currentScheme = "hoso-catalog-rows/1"
    public var scheme: String
    public var rows: ObjectID
    public init(scheme: String = Self.currentScheme, rows: ObjectID) { self.scheme = scheme; self.rows = rows }
}

/// SHA-256 over a sequence of fields, each written with its length (a NULL distinct from an
/// empty text), so that two different sequences never feed the hash the same bytes. Fields are
/// gathered in a buffer and hashed 64 KiB at a time: one hash call per field cost more than the
/// field (a catalog row has 50, a verify hashes every row of the archive).
public struct FieldHasher {
    private var hash = SHA256()
    private var buffer: [UInt8] = []
    public init() { buffer.reserveCapacity(1024) }

    static let flushAt = 64 << 10
    static let null: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF]

    public mutating func add(_ text: String?) {
        guard var text else { buffer += Self.null; return }
        text.withUTF8 { Self.encode(UnsafeRawBufferPointer($0), into: &buffer) }
        flushIfFull()
    }

    /// Adds a number as its decimal text (the same bytes as `add(String(n))`).
    public mutating func add<I: FixedWidthInteger>(_ n: I) {
        add(magnitude: UInt64(n.magnitude), negative: n < 0)
    }

    /// The digits on concrete types: the generic `add` above is called from other modules,
    /// where arithmetic through `BinaryInteger`'s witnesses costs more than the hashing.
    private mutating func add(magnitude: UInt64, negative: Bool) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)   // 24 bytes: room for any Int64 with its sign
        let count = withUnsafeMutableBytes(of: &digits) { DecimalDigits.write(magnitude: magnitude, negative: negative, to: $0.baseAddress!) }
        withUnsafeBytes(of: &digits) { Self.encode(UnsafeRawBufferPointer(rebasing: $0[0..<count]), into: &buffer) }
        flushIfFull()
    }

    /// Adds fields written by `encode` (the same bytes as adding them one by one).
    public mutating func add(encoded bytes: [UInt8]) {
        buffer += bytes
        flushIfFull()
    }

    /// Writes one field (nil: NULL) as `add` hashes it, for `add(encoded:)`.
    public static func encode(_ field: UnsafeRawBufferPointer?, into out: inout [UInt8]) {
        guard let field else { out += null; return }
        var n = UInt32(field.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(contentsOf: field)
    }

    private mutating func flushIfFull() {
        guard buffer.count >= Self.flushAt else { return }
        buffer.withUnsafeBytes { hash.update(bufferPointer: $0) }
        buffer.removeAll(keepingCapacity: true)
    }

    public func finish() -> ObjectID {
        var h = hash
        buffer.withUnsafeBytes { h.update(bufferPointer: $0) }
        return ObjectID(h.finalize())
    }
}

/// Canonical JSON: keys sorted, no insignificant white space, UTF-8 as is; in strings only `"`,
/// `\` and control characters are escaped (controls as `\u00xx`); integers only. Manifests and
/// ledger entries are written by hand in this form (fast, and the same bytes forever); anything
/// else Encodable goes through JSONEncoder with sorted keys.
public enum CanonicalJSON {
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        if let w = value as? any CanonicalJSONWritable {
            var writer = JSONWriter()
            w.write(to: &writer)
            return writer.bytes
        }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try e.encode(value))
    }

    /// Decodes, and insists the bytes are exactly the canonical encoding of what they decode to:
    /// an edited entry that still parses, but was not written by hoso, is caught.
    /// What is wrong with a JSON document that did not decode, in a few words (no decoder
    /// internals): which field is missing or of the wrong kind, or that it is no JSON.
    public static func problem(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        func path(_ c: [any CodingKey]) -> String { c.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") }
        switch e {
        case let .keyNotFound(key, ctx): return "'\((path(ctx.codingPath) + (ctx.codingPath.isEmpty ? "" : ".") + key.stringValue))' is missing"
        case let .typeMismatch(_, ctx), let .valueNotFound(_, ctx):
            return "'\(path(ctx.codingPath))' is not of the expected kind"
        case let .dataCorrupted(ctx):
            return ctx.codingPath.isEmpty ? (ctx.debugDescription.contains("canonical") ? "it is not in canonical form (it was rewritten by another tool)" : "it is not JSON")
                : "'\(path(ctx.codingPath))' has a value that cannot be read"
        @unknown default: return "\(error)"
        }
    }

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

/// A value that writes its own canonical JSON.
public protocol CanonicalJSONWritable {
    func write(to w: inout JSONWriter)
}

/// Writes canonical JSON: the caller gives keys in sorted order.
public struct JSONWriter {
    public var bytes: [UInt8] = []
    var needsComma: [Bool] = []

    public init() { bytes.reserveCapacity(1024) }

    mutating func separator() {
        if let last = needsComma.last {
            if last { bytes.append(UInt8(ascii: ",")) }
            needsComma[needsComma.count - 1] = true
        }
    }

    public mutating func beginObject() { separator(); bytes.append(UInt8(ascii: "{")); needsComma.append(false) }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma.removeLast() }
    public mutating func beginArray() { separator(); bytes.append(UInt8(ascii: "[")); needsComma.append(false) }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma.removeLast() }

    public mutating func key(_ k: StaticString) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        k.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma[needsComma.count - 1] = false
    }

    public mutating func string(_ s: String) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case 0..<0x20:
                bytes += Array("\\u00".utf8)
                bytes.append(hex[Int(b >> 4)]); bytes.append(hex[Int(b & 15)])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func int<I: BinaryInteger>(_ v: I) { separator(); bytes += Array(String(v).utf8) }
    public mutating func null() { separator(); bytes += Array("null".utf8) }
}

extension ManifestFile: CanonicalJSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("object"); w.string(object.prefixed)
        w.key("size"); w.int(size)
        w.endObject()
    }
}

extension ManifestComponent: CanonicalJSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("copyType"); w.string(copyType)
        w.key("file"); w.string(file)
        w.key("id"); w.string(id)
        w.key("mediaType"); w.string(mediaType)
        w.key("name"); w.string(name)
        w.key("object"); w.string(object.prefixed)
        w.key("pages"); w.int(pages)
        w.key("role"); w.string(role)
        w.key("size"); w.int(size)
        w.endObject()
    }
}

extension Manifest: CanonicalJSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("components"); w.beginArray(); for c in components { c.write(to: &w) }; w.endArray()
        w.key("dossier"); w.string(dossier)
        w.key("format"); w.string(format)
        if let s = supersedes { w.key("supersedes"); w.string(s.prefixed) }
        if let t = textEncoding { w.key("textEncoding"); w.string(t.rawValue) }
        w.key("version"); w.int(version)
        w.key("xml"); xml.write(to: &w)
        w.endObject()
    }
}

extension LedgerAddition: CanonicalJSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("dossier"); w.string(dossier)
        w.key("manifest"); w.string(manifest.prefixed)
        w.key("version"); w.int(version)
        w.endObject()
    }
}

extension LedgerEntry: CanonicalJSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("added"); w.beginArray(); for a in added { a.write(to: &w) }; w.endArray()
        if let d = derived {
            w.key("derived"); w.beginObject()
            w.key("rows"); w.string(d.rows.prefixed)
            w.key("scheme"); w.string(d.scheme)
            w.endObject()
        }
        w.key("format"); w.string(format)
        w.key("operator"); w.string(`operator`)
        if let p = previous { w.key("previous"); w.string(p.prefixed) }
        w.key("sequence"); w.int(sequence)
        w.key("source"); w.string(source)
        w.key("time"); w.string(time)
        w.endObject()
    }
}
