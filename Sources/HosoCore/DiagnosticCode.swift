/// Every problem hoso can report has a stable code. Codes never change meaning once shipped;
/// wording may improve. `docs/errors.md` lists them all (a test keeps the two in step).
///
/// Ranges: E1xx reading and parsing XML, E2xx rules of a dossier, E3xx files of a batch,
/// E4xx archive and ingest, E5xx objects in the store, E6xx the ledger, E7xx derived data
/// (catalog and index), E8xx search queries, E9xx seals and audits. Codes starting with W are warnings.
public enum DiagnosticCode: String, Sendable, Codable, CaseIterable, Comparable {
    // XML input
    case unreadableFile = "E101"
    case fileTooLarge = "E102"
    case emptyFile = "E103"
    case notWellFormed = "E104"
    case doctypeForbidden = "E105"
    case externalResource = "E106"
    case notUTF8 = "E107"
    case schemaViolation = "E108"
    case validatorFailure = "E109"
    case wrongDocumentType = "E110"
    case compressedInput = "E111"
    // dossier rules
    case numberDateMismatch = "E201"
    case datesOutOfOrder = "E202"
    case implausibleCitizenID = "E203"
    case pageTotalMismatch = "E204"
    case documentCountMismatch = "E205"
    case duplicateComponentID = "E206"
    case danglingResultReference = "E207"
    case statusInconsistent = "E208"
    case numberAgencyMismatch = "E209"
    // files of a batch
    case missingFile = "E301"
    case unsafePath = "E302"
    case notRegularFile = "E303"
    case sizeMismatch = "E304"
    case digestMismatch = "E305"
    case duplicateDossierNumber = "E306"
    case noDossierFound = "E307"
    case unreferencedFile = "W301"
    case folderSkipped = "W302"
    case contentNotMediaType = "W303"
    // archive and ingest
    case notAnArchive = "E401"
    case unknownArchiveVersion = "E402"
    case archiveLocked = "E403"
    case conflictingVersion = "E404"
    case dossierNotFound = "E405"
    case ioFailure = "E406"
    case legacyEncoding = "E407"
    case earlierContentRestored = "W408"
    case commandLine = "E409"
    // objects
    case objectMissing = "E501"
    case objectTruncated = "E502"
    case objectHashMismatch = "E503"
    case objectCorruptStream = "E504"
    case objectTrailingData = "E505"
    case objectSizeMismatch = "E506"
    case objectHeaderCorrupt = "E507"
    case objectNotRegular = "E508"
    case objectUnexpectedFile = "E509"
    case objectUnreadable = "E511"
    case storeAccessDenied = "E513"
    case storeUnavailable = "E514"
    case objectKnownDamaged = "E516"
    case objectStaleTemp = "W510"
    case objectOrphan = "W512"
    case replicaIncomplete = "W515"
    // ledger
    case ledgerHeadMissing = "E601"
    case ledgerEntryMissing = "E602"
    case ledgerEntryMalformed = "E603"
    case ledgerChainBroken = "E604"
    case manifestMissing = "E605"
    case manifestMalformed = "E606"
    case manifestObjectMissing = "E607"
    case ledgerHeadMirror = "W608"
    case ledgerEntryLost = "E609"
    case ledgerTimeBackwards = "W610"
    case ledgerDigestAbsent = "W611"
    case ledgerEntryUncommitted = "W612"
    case headSeenInDoubt = "W613"
    // derived data
    case catalogRowAltered = "E701"
    case catalogRowExtra = "E702"
    case catalogRowMissing = "E703"
    case catalogAhead = "E704"
    case indexMismatch = "E705"
    case indexFileCorrupt = "E706"
    case catalogBehind = "W707"
    case indexBehind = "W708"
    case indexSegmentNotCompared = "W709"
    // queries
    case querySyntax = "E801"
    case synonymFile = "E802"
    case fieldNotIndexed = "E803"
    // seals and audits
    case sealNotExtended = "E901"
    case sealMalformed = "E902"
    case auditLogBroken = "E903"
    case auditLogBehind = "W904"

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// Whether this code is a warning (reported, but not a failure).
    public var isWarning: Bool { rawValue.hasPrefix("W") }

    /// When the code is reported and what to do, from the row of docs/errors.md compiled into
    /// the binary (`Scripts/embed-errors.sh`); nil for a code the document lacks.
    public var explanation: (when: String, whatToDo: String)? {
        let start = "| \(rawValue) |"
        guard let line = Self.docText.split(separator: "\n").first(where: { $0.hasPrefix(start) }) else { return nil }
        // Cells between '|', a '\|' being a bar of the text.
        let cells = line.replacingOccurrences(of: "\\|", with: "\u{0}").split(separator: "|", omittingEmptySubsequences: false)
            .map { $0.replacingOccurrences(of: "\u{0}", with: "|").trimmingCharacters(in: .whitespaces) }
        guard cells.count >= 6 else { return nil }
        return (cells[3], cells[4])
    }

    /// A short title, as listed in docs/errors.md.
    public var title: String {
        switch self {
        case .unreadableFile: "file cannot be read"
        case .fileTooLarge: "file too large"
        case .emptyFile: "empty file"
        case .notWellFormed: "XML not well-formed"
        case .doctypeForbidden: "DOCTYPE not allowed"
        case .externalResource: "external resource access attempted"
        case .notUTF8: "not UTF-8"
        case .schemaViolation: "schema violation"
        case .validatorFailure: "validator failure"
        case .wrongDocumentType: "not a hoso dossier document"
        case .compressedInput: "compressed file given as XML"
        case .numberDateMismatch: "dossier number date differs from received date"
        case .datesOutOfOrder: "dates out of order"
        case .implausibleCitizenID: "implausible citizen ID"
        case .pageTotalMismatch: "page total differs from the components"
        case .documentCountMismatch: "document count differs from the components"
        case .duplicateComponentID: "duplicate component id"
        case .danglingResultReference: "result refers to no component"
        case .statusInconsistent: "status inconsistent with dates or result"
        case .numberAgencyMismatch: "dossier number agency differs from receiving agency"
        case .missingFile: "referenced file missing"
        case .unsafePath: "unsafe file path"
        case .notRegularFile: "not a regular file inside the batch"
        case .sizeMismatch: "file size differs from the declared size"
        case .digestMismatch: "file SHA-256 differs from the declared digest"
        case .duplicateDossierNumber: "dossier number used twice in the batch"
        case .noDossierFound: "no dossier found"
        case .unreferencedFile: "file not referenced by the dossier"
        case .folderSkipped: "folder skipped in a batch"
        case .contentNotMediaType: "file content does not fit its media type"
        case .notAnArchive: "not a hoso archive"
        case .unknownArchiveVersion: "unknown archive format version"
        case .archiveLocked: "archive locked (another writer, or a verify)"
        case .conflictingVersion: "dossier already archived with different content"
        case .dossierNotFound: "dossier not found"
        case .ioFailure: "input/output failure"
        case .legacyEncoding: "legacy Vietnamese encoding detected"
        case .earlierContentRestored: "new version with an earlier version's content"
        case .commandLine: "command line not understood"
        case .objectMissing: "object missing"
        case .objectTruncated: "object truncated"
        case .objectHashMismatch: "object content does not match its name"
        case .objectCorruptStream: "object compressed stream corrupt"
        case .objectTrailingData: "object has trailing data"
        case .objectSizeMismatch: "object size differs from its header"
        case .objectHeaderCorrupt: "object header corrupt"
        case .objectNotRegular: "not a regular file in the store"
        case .objectUnexpectedFile: "unexpected file in the store"
        case .objectUnreadable: "object cannot be read"
        case .objectKnownDamaged: "object found damaged earlier, not verified since"
        case .storeAccessDenied: "store refused access"
        case .storeUnavailable: "store unavailable"
        case .replicaIncomplete: "replica lacks an object"
        case .objectStaleTemp: "temporary file left behind"
        case .objectOrphan: "object referenced by no manifest"
        case .ledgerHeadMissing: "ledger HEAD missing or unreadable"
        case .ledgerEntryMissing: "ledger entry missing"
        case .ledgerEntryMalformed: "ledger entry malformed"
        case .ledgerChainBroken: "ledger chain broken"
        case .manifestMissing: "manifest missing"
        case .manifestMalformed: "manifest malformed"
        case .manifestObjectMissing: "object named by a manifest missing"
        case .ledgerHeadMirror: "ledger head mirrored in the store differs"
        case .ledgerEntryLost: "ledger entry off the ledger"
        case .ledgerTimeBackwards: "ledger entry dated before its predecessor"
        case .ledgerDigestAbsent: "ledger entry without the digest its predecessors record"
        case .ledgerEntryUncommitted: "ledger entry never committed, or lost"
        case .headSeenInDoubt: "head seen by a run that doubted the ledger"
        case .catalogRowAltered: "catalog row differs from the ledger"
        case .catalogRowExtra: "catalog row not in the ledger"
        case .catalogRowMissing: "catalog row missing"
        case .catalogAhead: "catalog ahead of or beside the ledger"
        case .indexMismatch: "search index differs from the ledger"
        case .indexFileCorrupt: "search index file corrupt"
        case .catalogBehind: "catalog behind the ledger"
        case .indexBehind: "search index behind the ledger"
        case .indexSegmentNotCompared: "index segment of an old format not compared"
        case .querySyntax: "query syntax error"
        case .synonymFile: "synonym file malformed"
        case .fieldNotIndexed: "field not in this archive's index"
        case .sealNotExtended: "ledger does not extend the seal"
        case .sealMalformed: "seal malformed"
        case .auditLogBroken: "audit log damaged"
        case .auditLogBehind: "audit log shorter than recorded"
        }
    }
}

/// How serious a diagnostic is.
public enum Severity: String, Sendable, Codable {
    case error, warning
}
