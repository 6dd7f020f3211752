import HosoCore

/// The fields of the search index.
///
/// Text fields are analyzed (positions, exact and folded keys) and scored with BM25; keyword
/// fields hold whole values (identifiers matched whole, personal numbers matched exactly) and are
/// never part of free text.
public enum Field: UInt8, CaseIterable, Sendable {
    // Text fields.
    case title = 0
    case applicant = 1
    case procedure = 2
    case agency = 3
    case place = 4
    case other = 5
    // Keyword fields.
    case code = 16          // dossier number, local code, archival code
    case procedureCode = 17
    case agencyCode = 18
    case cccd = 19
    case phone = 20
    case status = 21
    case timeliness = 22
    /// The result document's number and notation (số, ký hiệu), folded (derivation 2 on).
    case result = 23
    /// Who signed the result (người ký), the whole name, folded (derivation 2 on).
    case signer = 24
    /// How the dossier was submitted: in-person, online or postal (derivation 4 on).
    case channel = 25

    public static let textFields: [Field] = [.title, .applicant, .procedure, .agency, .place, .other]

    public var isText: Bool { rawValue < 16 }

    /// The fields a segment of format `version` stores for each document, in order: the result
    /// and signer came with format 3, the channel with format 5.
    static func stored(inFormat version: UInt32) -> [Field] {
        switch version {
        case ..<3: allCases.filter { $0.rawValue <= Field.timeliness.rawValue }
        case 3, 4: allCases.filter { $0.rawValue <= Field.signer.rawValue }
        default: allCases
        }
    }

    /// Keyword fields whose values are folded (no case, no marks) when they become terms: kept
    /// as written in the stored document (derivation 3 on; folded there too before).
    public var isFoldedKeyword: Bool { self == .result || self == .signer }

    /// BM25 weight: what a match in this field is worth (title and procedure above free text).
    public var weight: Double {
        switch self {
        case .title: 3.0
        case .applicant: 3.0
        case .procedure: 2.5
        case .agency: 1.5
        case .place: 1.5
        case .other: 1.0
        default: 1.0
        }
    }

    /// The name used in queries (`title:`, `applicant:` …).
    public var queryName: String {
        switch self {
        case .title: "title"
        case .applicant: "applicant"
        case .procedure: "procedure"
        case .agency: "agency"
        case .place: "place"
        case .other: "other"
        case .code: "code"
        case .procedureCode: "procedurecode"
        case .agencyCode: "agencycode"
        case .cccd: "cccd"
        case .phone: "phone"
        case .status: "status"
        case .timeliness: "timeliness"
        case .result: "result"
        case .signer: "signer"
        case .channel: "channel"
        }
    }

    /// Index of a text field in per-field arrays (norms).
    public var textIndex: Int { Int(rawValue) }
}

/// Which key of a token a term holds.
public enum KeyKind: UInt8, Sendable {
    case exact = 0x45   // "E"
    case folded = 0x46  // "F"
    case keyword = 0x4B // "K"
}

/// A term: field, kind, key bytes. Sorted as bytes in a segment's dictionary, so all keys of one
/// field and kind are contiguous and prefix search is a range.
public enum Term {
    public static func make(_ field: Field, _ kind: KeyKind, _ key: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var t = [UInt8](); t.reserveCapacity(key.count + 2)
        t.append(field.rawValue); t.append(kind.rawValue)
        t.append(contentsOf: key)
        return t
    }
    public static func make(_ field: Field, _ kind: KeyKind, _ key: [UInt8]) -> [UInt8] {
        key.withUnsafeBufferPointer { make(field, kind, $0) }
    }
    /// A keyword value: ASCII letters lowercased, everything else kept (folded, for the fields
    /// that are: `Field.isFoldedKeyword`).
    public static func keyword(_ field: Field, _ value: String) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: value.utf8.count + 2) { buffer, n in
            n = writeKeyword(field, value, into: buffer.baseAddress!, limit: buffer.count)
        }
    }

    /// Writes `keyword(field, value)` into `key`, cut at `limit` bytes; returns its length.
    @inline(__always)
    static func writeKeyword(_ field: Field, _ value: String, into key: UnsafeMutablePointer<UInt8>, limit: Int) -> Int {
        key[0] = field.rawValue; key[1] = KeyKind.keyword.rawValue
        var n = 2
        for b in (field.isFoldedKeyword ? VietnameseText.foldedValue(value) : value).utf8 {
            if n == limit { break }
            key[n] = b >= 0x41 && b <= 0x5A ? b + 32 : b
            n += 1
        }
        return n
    }
}
