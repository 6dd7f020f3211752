public import HosoCore

/// One dossier as the index sees it: text per field, keyword values, columns for filters, facets
/// and sorting, and what a result line displays. All text is canonical (NFC).
public struct IndexDocument: Sendable, Equatable {
    /// The dossier number: the document's identity (one current version per number).
    public var number: String
    /// The manifest of the version indexed (`sha256:…`).
    public var manifest: String
    /// Text per text field; a field may have several values (positions leave a gap between them).
    public var text: [Field: [String]]
    /// Keyword values per keyword field.
    public var keywords: [Field: [String]]
    /// Days since 1970-01-01 (Vietnam calendar day); -1 when absent.
    public var receivedDay: Int32
    public var dueDay: Int32
    public var completedDay: Int32
    public var status: String
    public var timeliness: String
    public var procedureCode: String
    public var procedureName: String
    public var agencyCode: String
    public var agencyName: String
    /// Display texts.
    public var title: String
    public var applicant: String
    public var receivedText: String
    public var dueText: String
    public var completedText: String

    public init(number: String, manifest: String, text: [Field: [String]], keywords: [Field: [String]],
                receivedDay: Int32, dueDay: Int32, completedDay: Int32, status: String, timeliness: String,
                procedureCode: String, procedureName: String, agencyCode: String, agencyName: String,
                title: String, applicant: String, receivedText: String, dueText: String, completedText: String) {
        self.number = number; self.manifest = manifest; self.text = text; self.keywords = keywords
        self.receivedDay = receivedDay; self.dueDay = dueDay; self.completedDay = completedDay
        self.status = status; self.timeliness = timeliness; self.procedureCode = procedureCode
        self.procedureName = procedureName; self.agencyCode = agencyCode; self.agencyName = agencyName
        self.title = title; self.applicant = applicant; self.receivedText = receivedText
        self.dueText = dueText; self.completedText = completedText
    }

    /// The year received (for facets).
    public var year: Int {
        guard receivedDay >= 0 else { return 0 }
        var z = Int(receivedDay) + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let m = mp < 10 ? mp + 3 : mp - 9
        z = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return z
    }
}

extension IndexDocument {
    /// How documents are made from dossiers. 1: the fields of 2026-11; 2: also the result
    /// document's number and notation, and its signer (`result:`, `signer:`), folded; 3: those
    /// kept as written (shown so in a hit; folded as terms all the same); 4: also the channel the
    /// dossier came by (`channel:`). An index and the catalog's digests of it keep the rule they
    /// were made by until `hoso rebuild`.
    public static let currentDerivation = 4
}

/// Status and timeliness are stored as small numbers in columns.
public enum StatusCode {
    public static let statuses = ["received", "processing", "supplement-requested", "rejected", "withdrawn", "completed", "returned"]
    public static let timeliness = ["early", "on-time", "late", "unresolved"]
    public static func status(_ s: String) -> UInt8 { UInt8(statuses.firstIndex(of: s) ?? 255) }
    public static func timeliness(_ s: String) -> UInt8 { UInt8(timeliness.firstIndex(of: s) ?? 255) }

    /// The timeliness as shown to people: a rejected or withdrawn dossier is closed, not
    /// "unresolved" (which reads as still pending).
    public static func shownTimeliness(status: String, timeliness: String) -> String {
        timeliness == "unresolved" && (status == "rejected" || status == "withdrawn") ? "closed" : timeliness
    }
}

extension IndexDocument {
    /// The SHA-256 of every field, in a fixed order: what `hoso verify` compares an indexed
    /// document with (the catalog records it for each version it holds).
    public var digest: ObjectID {
        var h = FieldHasher()
        h.add(number); h.add(manifest)
        for values in [text, keywords] {
            h.add(values.count)
            for (field, list) in values.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                h.add(field.rawValue); h.add(list.count)
                for v in list { h.add(v) }
            }
        }
        h.add(receivedDay); h.add(dueDay); h.add(completedDay)
        for v in [status, timeliness, procedureCode, procedureName, agencyCode, agencyName,
                  title, applicant, receivedText, dueText, completedText] { h.add(v) }
        return h.finish()
    }
}
