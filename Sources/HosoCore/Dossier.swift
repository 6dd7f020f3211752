/// The metadata of one dossier version, as read from its XML (schema `urn:hoso:dossier:1`).
///
/// Text is kept exactly as the XML gave it; `VietnameseText.canonical` makes the display and search
/// form. The element names and their Vietnamese terms are documented in schemas/README.md.
public struct Dossier: Sendable, Codable, Equatable {
    public var schemaVersion: String
    /// Mã số hồ sơ, `<agency code>-YYMMDD-NNNN`.
    public var number: String
    public var localCode: String?
    public var archivalCode: ArchivalCode
    public var title: String
    public var procedure: Procedure
    public var receivingAgency: Agency
    public var handlingAgency: Agency
    public var applicant: Applicant
    public var submissionChannel: SubmissionChannel
    public var receivedAt: Timestamp
    public var dueAt: Timestamp
    public var completedAt: Timestamp?
    public var returnedAt: Timestamp?
    public var status: DossierStatus
    public var result: ResultDocument?
    public var retention: Retention
    public var accessMode: AccessMode
    public var language: String
    public var keywords: [String]
    public var pageCount: Int
    public var documentCount: Int
    public var digitization: Digitization?
    public var components: [Component]
    /// Line numbers of elements in the XML, for diagnostics (not part of the record's identity).
    public var lines: [String: Int]

    public static func == (a: Dossier, b: Dossier) -> Bool {
        var a = a, b = b
        a.lines = [:]; b.lines = [:]
        for i in a.components.indices { a.components[i].line = 0 }
        for i in b.components.indices { b.components[i].line = 0 }
        return a.isEqualIgnoringLines(b)
    }

    private func isEqualIgnoringLines(_ o: Dossier) -> Bool {
        schemaVersion == o.schemaVersion && number == o.number && localCode == o.localCode
            && archivalCode == o.archivalCode && title == o.title && procedure == o.procedure
            && receivingAgency == o.receivingAgency && handlingAgency == o.handlingAgency
            && applicant == o.applicant && submissionChannel == o.submissionChannel
            && receivedAt == o.receivedAt && dueAt == o.dueAt && completedAt == o.completedAt
            && returnedAt == o.returnedAt && status == o.status && result == o.result
            && retention == o.retention && accessMode == o.accessMode && language == o.language
            && keywords == o.keywords && pageCount == o.pageCount && documentCount == o.documentCount
            && digitization == o.digitization && components == o.components
    }

    public init(schemaVersion: String, number: String, localCode: String? = nil, archivalCode: ArchivalCode,
                title: String, procedure: Procedure, receivingAgency: Agency, handlingAgency: Agency,
                applicant: Applicant, submissionChannel: SubmissionChannel, receivedAt: Timestamp,
                dueAt: Timestamp, completedAt: Timestamp? = nil, returnedAt: Timestamp? = nil,
                status: DossierStatus, result: ResultDocument? = nil, retention: Retention,
                accessMode: AccessMode, language: String, keywords: [String] = [], pageCount: Int,
                documentCount: Int, digitization: Digitization? = nil, components: [Component],
                lines: [String: Int] = [:]) {
        self.schemaVersion = schemaVersion; self.number = number; self.localCode = localCode
        self.archivalCode = archivalCode; self.title = title; self.procedure = procedure
        self.receivingAgency = receivingAgency; self.handlingAgency = handlingAgency
        self.applicant = applicant; self.submissionChannel = submissionChannel
        self.receivedAt = receivedAt; self.dueAt = dueAt; self.completedAt = completedAt
        self.returnedAt = returnedAt; self.status = status; self.result = result
        self.retention = retention; self.accessMode = accessMode; self.language = language
        self.keywords = keywords; self.pageCount = pageCount; self.documentCount = documentCount
        self.digitization = digitization; self.components = components; self.lines = lines
    }

    /// Whether the dossier was resolved before, on, or after its appointment date.
    public var timeliness: Timeliness {
        guard let done = completedAt, status == .completed || status == .returned else { return .unresolved }
        if done.epochSeconds > dueAt.epochSeconds { return .late }
        // "Sớm hạn": resolved on an earlier calendar day than the appointment.
        if done.localDay < dueAt.localDay { return .early }
        return .onTime
    }
}

public struct ArchivalCode: Sendable, Codable, Equatable {
    public var organId: String
    public var year: Int
    public var fileNotation: String
    public init(organId: String, year: Int, fileNotation: String) {
        self.organId = organId; self.year = year; self.fileNotation = fileNotation
    }
    /// The full code as written on a file cover: `organId.year.fileNotation`.
    public var text: String { "\(organId).\(year).\(fileNotation)" }
}

public struct Procedure: Sendable, Codable, Equatable {
    public var code: String, name: String, sector: String, level: String
    public init(code: String, name: String, sector: String, level: String) {
        self.code = code; self.name = name; self.sector = sector; self.level = level
    }
}

public struct Agency: Sendable, Codable, Equatable {
    public var code: String, name: String
    public var validFrom: String?, validTo: String?
    public init(code: String, name: String, validFrom: String? = nil, validTo: String? = nil) {
        self.code = code; self.name = name; self.validFrom = validFrom; self.validTo = validTo
    }
}

public struct Address: Sendable, Codable, Equatable {
    public var detail: String, commune: String, district: String?, province: String
    public init(detail: String, commune: String, district: String? = nil, province: String) {
        self.detail = detail; self.commune = commune; self.district = district; self.province = province
    }
    /// The address on one line, from the most to the least specific part.
    public var text: String { [detail, commune, district, province].compactMap { $0 }.joined(separator: ", ") }
}

public struct Applicant: Sendable, Codable, Equatable {
    public var kind: ApplicantKind
    public var fullName: String
    public var citizenID: String?
    public var address: Address
    public var phone: String?
    public var email: String?
    public init(kind: ApplicantKind, fullName: String, citizenID: String? = nil, address: Address,
                phone: String? = nil, email: String? = nil) {
        self.kind = kind; self.fullName = fullName; self.citizenID = citizenID; self.address = address
        self.phone = phone; self.email = email
    }
}

public struct ResultDocument: Sendable, Codable, Equatable {
    public var documentType: String
    public var number: String?
    public var notation: String?
    public var issuedOn: String
    public var issuer: String
    public var signer: String?
    public var componentRef: String
    public init(documentType: String, number: String? = nil, notation: String? = nil, issuedOn: String,
                issuer: String, signer: String? = nil, componentRef: String) {
        self.documentType = documentType; self.number = number; self.notation = notation
        self.issuedOn = issuedOn; self.issuer = issuer; self.signer = signer; self.componentRef = componentRef
    }
}

public struct Retention: Sendable, Codable, Equatable {
    /// nil means permanent.
    public var years: Int?
    public var legalBasis: String
    public init(years: Int?, legalBasis: String) { self.years = years; self.legalBasis = legalBasis }
    public var text: String { years.map { "\($0) years" } ?? "permanent" }
}

public struct Digitization: Sendable, Codable, Equatable {
    public var digitizedAt: Timestamp
    public var operatorName: String
    public var device: String?
    public var resolutionDPI: Int?
    public var colorMode: String?
    public init(digitizedAt: Timestamp, operatorName: String, device: String? = nil,
                resolutionDPI: Int? = nil, colorMode: String? = nil) {
        self.digitizedAt = digitizedAt; self.operatorName = operatorName; self.device = device
        self.resolutionDPI = resolutionDPI; self.colorMode = colorMode
    }
}

/// Thành phần hồ sơ: one document of the dossier and the file that holds its scan.
public struct Component: Sendable, Codable, Equatable {
    public var id: String
    public var role: ComponentRole
    public var copyType: String
    public var name: String
    /// The path as written in the XML, relative to the dossier folder.
    public var file: String
    public var mediaType: String
    public var pages: Int
    public var size: Int
    public var declaredSHA256: ObjectID?
    /// The line of the `<component>` element (0 when unknown).
    public var line: Int
    public init(id: String, role: ComponentRole, copyType: String, name: String, file: String,
                mediaType: String, pages: Int, size: Int, declaredSHA256: ObjectID? = nil, line: Int = 0) {
        self.id = id; self.role = role; self.copyType = copyType; self.name = name; self.file = file
        self.mediaType = mediaType; self.pages = pages; self.size = size
        self.declaredSHA256 = declaredSHA256; self.line = line
    }
}

public enum ApplicantKind: String, Sendable, Codable { case individual, organization }
public enum SubmissionChannel: String, Sendable, Codable, CaseIterable { case inPerson = "in-person", online, postal }
public enum AccessMode: String, Sendable, Codable { case open, restricted, confidential }
public enum ComponentRole: String, Sendable, Codable { case submitted, result, receipt, other }

public enum DossierStatus: String, Sendable, Codable, CaseIterable {
    case received, processing
    case supplementRequested = "supplement-requested"
    case rejected, withdrawn, completed, returned
}

/// Sớm hạn / đúng hạn / trễ hạn, the figures one-stop offices report.
public enum Timeliness: String, Sendable, Codable, CaseIterable {
    case early, onTime = "on-time", late, unresolved
}
