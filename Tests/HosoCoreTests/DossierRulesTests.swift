import Testing
@testable import HosoCore

@Suite struct DossierRulesTests {
    static func sample() -> Dossier {
        Dossier(schemaVersion: "1.0", number: "000.00.21.H50-230512-0007",
                archivalCode: ArchivalCode(organId: "000.00.21.H50", year: 2023, fileNotation: "HT.01"),
                title: "Đăng ký khai sinh", procedure: Procedure(code: "1.001193", name: "Đăng ký khai sinh", sector: "Hộ tịch", level: "commune"),
                receivingAgency: Agency(code: "000.00.21.H50", name: "UBND phường 1"),
                handlingAgency: Agency(code: "000.00.21.H50", name: "UBND phường 1"),
                applicant: Applicant(kind: .individual, fullName: "Nguyễn Văn Hòa", citizenID: "045090001234",
                                     address: Address(detail: "12 Trần Hưng Đạo", commune: "Phường 1", province: "Quảng Trị")),
                submissionChannel: .inPerson,
                receivedAt: Timestamp("2023-05-12T08:15:00+07:00")!, dueAt: Timestamp("2023-05-12T16:30:00+07:00")!,
                completedAt: Timestamp("2023-05-12T10:00:00+07:00")!, status: .completed,
                result: ResultDocument(documentType: "Giấy khai sinh", issuedOn: "2023-05-12", issuer: "UBND", componentRef: "c2"),
                retention: Retention(years: nil, legalBasis: "TT 10/2022"), accessMode: .restricted, language: "vi",
                pageCount: 3, documentCount: 2,
                components: [Component(id: "c1", role: .submitted, copyType: "original", name: "Tờ khai", file: "a.pdf", mediaType: "application/pdf", pages: 2, size: 10),
                             Component(id: "c2", role: .result, copyType: "electronic", name: "GKS", file: "b.pdf", mediaType: "application/pdf", pages: 1, size: 10)])
    }

    func codes(_ d: Dossier) -> [DiagnosticCode] { DossierRules.check(d, file: "x.xml").map(\.code) }

    @Test func validSampleHasNoFindings() { #expect(codes(Self.sample()).isEmpty) }

    @Test func numberDate() {
        var d = Self.sample(); d.number = "000.00.21.H50-230513-0007"
        #expect(codes(d) == [.numberDateMismatch])
    }

    @Test func numberDateUsesVietnamTimeWhateverTheOffset() {
        var d = Self.sample()
        // 2023-05-11T20:00Z is 2023-05-12 03:00 in Vietnam.
        d.receivedAt = Timestamp("2023-05-11T20:00:00Z")!
        #expect(codes(d) == [])
    }

    /// Before 1970 the day is counted down, not towards zero (1969-12-31 is 691231, not 700101).
    @Test func numberDateBefore1970() {
        var d = Self.sample()
        d.number = "000.00.21.H50-691231-0007"
        d.receivedAt = Timestamp("1969-12-31T08:15:00+07:00")!
        d.dueAt = Timestamp("1969-12-31T16:30:00+07:00")!
        d.completedAt = Timestamp("1969-12-31T10:00:00+07:00")!
        #expect(!codes(d).contains(.numberDateMismatch), "\(codes(d))")
    }

    @Test func numberAgency() {
        var d = Self.sample(); d.number = "000.00.22.H50-230512-0007"
        #expect(codes(d) == [.numberAgencyMismatch])
    }

    @Test func datesOrder() {
        var d = Self.sample(); d.completedAt = Timestamp("2023-05-12T07:00:00+07:00")!
        #expect(codes(d) == [.datesOutOfOrder])
        d = Self.sample(); d.dueAt = Timestamp("2023-05-11T07:00:00+07:00")!
        #expect(codes(d).contains(.datesOutOfOrder))
    }

    @Test func statusNeedsCompletion() {
        var d = Self.sample(); d.completedAt = nil
        #expect(codes(d) == [.statusInconsistent])
        d = Self.sample(); d.status = .returned
        #expect(codes(d) == [.statusInconsistent])
    }

    @Test func totals() {
        var d = Self.sample(); d.pageCount = 4
        #expect(codes(d) == [.pageTotalMismatch])
        d = Self.sample(); d.documentCount = 3
        #expect(codes(d) == [.documentCountMismatch])
    }

    @Test func componentIdsAndResult() {
        var d = Self.sample(); d.components[1].id = "c1"; d.result?.componentRef = "c1"
        #expect(codes(d) == [.duplicateComponentID])
        d = Self.sample(); d.result?.componentRef = "c9"
        #expect(codes(d) == [.danglingResultReference])
    }

    @Test(arguments: [("045090001234", 2023, true), ("999090001234", 2023, false), ("045290001234", 2023, false),
                      ("045201001234", 2023, true), ("045000001234", 2023, false), ("04509000123", 2023, false),
                      ("001390001234", 2025, false), ("001305001234", 2025, true)])
    func citizenID(_ id: String, _ year: Int, _ plausible: Bool) {
        #expect((DossierRules.citizenIDProblem(id, receivedYear: year) == nil) == plausible)
    }

    @Test func timeliness() {
        var d = Self.sample()
        #expect(d.timeliness == .onTime)
        d.dueAt = Timestamp("2023-05-15T16:30:00+07:00")!
        #expect(d.timeliness == .early)
        d.completedAt = Timestamp("2023-05-16T08:00:00+07:00")!
        #expect(d.timeliness == .late)
        d.status = .processing
        #expect(d.timeliness == .unresolved)
    }
}
