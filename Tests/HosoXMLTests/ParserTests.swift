import Foundation
import Testing
import HosoCore
import HosoTestSupport
@testable import HosoXML

@Suite struct ParserTests {
    func parse(_ text: String) -> DossierParseOutcome { DossierParser.parse(Array(text.utf8), file: "d.xml") }
    func codes(_ text: String) -> [DiagnosticCode] { parse(text).diagnostics.map(\.code) }

    func valid() -> DossierXML {
        var x = DossierXML()
        x.components = [(id: "c1", role: "result", file: "scans/a.pdf", size: 10, pages: 2, sha256: nil)]
        return x
    }

    @Test func embeddedSchemaIsTheSchemaFile() throws {
        let file = try String(contentsOfFile: Repository.path("schemas/dossier-1.xsd"), encoding: .utf8)
        #expect(DossierSchema.xsdText == file, "run Scripts/embed-schema.sh after changing schemas/dossier-1.xsd")
    }

    @Test func readsAValidDossier() throws {
        let outcome = parse(valid().text)
        #expect(outcome.diagnostics.isEmpty)
        let d = try #require(outcome.dossier)
        #expect(d.number == "000.00.21.H50-230512-0007")
        #expect(d.applicant.fullName == "Nguyễn Văn Hòa")
        #expect(d.procedure.code == "1.001193")
        #expect(d.components.count == 1)
        #expect(d.components[0].file == "scans/a.pdf")
        #expect(d.status == .completed)
        #expect(d.lines["dossierNumber"] == 3)
        #expect(d.timeliness == .onTime)
    }

    /// libxml2 follows a fatal error with another at the same place ("Comment too big", then
    /// "Start tag expected" where it stopped): one problem, reported once.
    @Test func aFatalErrorIsNotFollowedByItsEcho() {
        let text = valid().text.replacingOccurrences(of: "<dossierNumber>", with: "<!--" + String(repeating: "x", count: 10_500_000) + "--><dossierNumber>")
        let found = parse(text).diagnostics.filter { $0.code == .notWellFormed }
        #expect(found.count == 1 && found[0].message.contains("longer than the parser accepts"), "\(found.map(\.message))")
    }

    @Test func schemaViolationsAreAllReportedWithLines() {
        var x = valid(); x.procedureCode = "1.1193"; x.status = "done"
        let diags = parse(x.text).diagnostics
        #expect(diags.count >= 2)
        #expect(diags.allSatisfy { $0.code == .schemaViolation })
        #expect(diags.allSatisfy { ($0.line ?? 0) > 0 })
        #expect(diags.contains { $0.message.contains("/dossier/procedure/code") })
        #expect(!diags.contains { $0.message.contains("{urn:hoso") })
    }

    @Test func wrongNamespaceAndVersion() {
        var x = valid(); x.namespace = "urn:example:other"
        #expect(codes(x.text) == [.wrongDocumentType])
        let v2 = valid().text.replacingOccurrences(of: "schemaVersion=\"1.0\"", with: "schemaVersion=\"2.0\"")
        #expect(codes(v2) == [.wrongDocumentType])
    }

    @Test func notWellFormedPointsAtLineAndColumn() throws {
        let broken = valid().text.replacingOccurrences(of: "</title>", with: "</titel>")
        let d = try #require(parse(broken).diagnostics.first)
        #expect(d.code == .notWellFormed)
        #expect(d.line == 5)
        #expect((d.column ?? 0) > 0)
    }

    @Test(arguments: [
        ("", DiagnosticCode.emptyFile),
        ("   \n", .emptyFile),
        ("<a/><b/>", .notWellFormed),
        ("<dossier xmlns=\"urn:hoso:dossier:1\"/>garbage", .notWellFormed),
        ("\u{1}<a/>", .notWellFormed),
    ])
    func malformed(_ text: String, _ code: DiagnosticCode) {
        #expect(codes(text).first == code)
    }

    @Test func refusesNonUTF8() {
        let utf16 = [UInt8]([0xFF, 0xFE]) + Array("<a/>".utf8).flatMap { b -> [UInt8] in [b, 0] }
        #expect(DossierParser.parse(utf16, file: "x").diagnostics.map(\.code) == [.notUTF8])
        let noBOM = Array("<a/>".utf8).flatMap { b -> [UInt8] in [b, 0] }
        #expect(DossierParser.parse(noBOM, file: "x").diagnostics.map(\.code) == [.notUTF8])
        var bad = Array(valid().text.utf8)
        bad.insert(contentsOf: [0xC3, 0x28], at: 200)
        let d = DossierParser.parse(bad, file: "x").diagnostics
        #expect(d.map(\.code) == [.notUTF8])
        #expect(d.first?.line != nil)
        let latin = valid().text.replacingOccurrences(of: "encoding=\"UTF-8\"", with: "encoding=\"ISO-8859-1\"")
        #expect(codes(latin) == [.notUTF8])
        for seq: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x00]] {
            var b = Array(valid().text.utf8); b.insert(contentsOf: seq, at: 150)
            #expect(DossierParser.parse(b, file: "x").diagnostics.map(\.code) == [.notUTF8], "\(seq)")
        }
    }

    @Test func refusesCompressedXML() {
        let gz: [UInt8] = [0x1F, 0x8B, 0x08, 0x00] + [UInt8](repeating: 0, count: 20)
        #expect(DossierParser.parse(gz, file: "x").diagnostics.map(\.code) == [.compressedInput])
    }

    /// A scan given as the metadata is named as such, not sent to be converted from a legacy
    /// encoding.
    @Test func aScanGivenAsTheMetadataIsNamed() {
        for (head, kind) in [(Array("%PDF-1.7\n".utf8) + [0xE2, 0xE3, 0xCF, 0xD3], "a PDF document"), ([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46], "a JPEG image"),
                             ([0x49, 0x49, 0x2A, 0x00, 0x08, 0x00], "a TIFF image"), ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00], "a PNG image"),
                             (Array("RIFF\u{10}\0\0\0WEBPVP8 ".utf8), "a WebP image"), ([0, 0, 0, 0x18] + Array("ftypheic".utf8), "an HEIC photo"),
                             ([0x50, 0x4B, 0x03, 0x04, 0x14, 0, 0, 0] + Array("\0\0\0\0[Content_Types].xml".utf8), "a Word or Excel document (.docx, .xlsx)")] {
            let d = DossierParser.parse(head + [UInt8](repeating: 0x80, count: 20), file: "x").diagnostics
            #expect(d.map(\.code) == [.wrongDocumentType] && d.first?.message == "the file is \(kind), not XML" && d.first?.advice.contains("legacy") == false, "\(d)")
        }
    }

    @Test func refusesDoctypeInAllItsForms() {
        let forms = [
            "<?xml version=\"1.0\"?>\n<!DOCTYPE dossier [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<dossier>&x;</dossier>",
            "<!-- c --><!DOCTYPE dossier SYSTEM \"http://127.0.0.1:9/x.dtd\"><dossier/>",
            "<?pi x?><!DOCTYPE d [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]><d/>",
            "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]><lolz>&lol2;</lolz>",
        ]
        for f in forms { #expect(codes(f) == [.doctypeForbidden], "\(f)") }
    }

    @Test func loaderDeniesEvenWithoutThePrecheck() throws {
        // Defence in depth: hand libxml2 a document with an external entity directly; the
        // denying loader must refuse, and the DOCTYPE check after parsing must still reject it.
        let text = "<!DOCTYPE d SYSTEM \"file:///etc/passwd\"><d/>"
        let before = XMLLibrary.deniedLoads.load(ordering: .relaxed)
        let outcome = DossierParser.parseSkippingPrecheck(Array(text.utf8), file: "x")
        #expect(outcome.dossier == nil)
        #expect(outcome.diagnostics.map(\.code) == [.doctypeForbidden] || outcome.diagnostics.map(\.code) == [.externalResource])
        #expect(XMLLibrary.deniedLoads.load(ordering: .relaxed) >= before)
    }

    @Test func xincludeIsNotProcessed() {
        let x = valid().text.replacingOccurrences(of: "<title>", with: "<title><xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"file:///etc/passwd\" parse=\"text\"/>")
        let d = parse(x)
        #expect(d.dossier == nil)
        #expect(d.diagnostics.allSatisfy { $0.code == .schemaViolation })
    }

    @Test func deepNestingIsRefusedQuickly() {
        let depth = 100_000
        let text = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        let start = Date()
        #expect(codes(text).first == .notWellFormed)
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func validatesInParallel() {
        let good = valid().text
        var bad = valid(); bad.status = "done"
        let inputs = (0..<400).map { $0 % 2 == 0 ? good : bad.text }
        let results = HosoCore.Parallel.map(inputs) { DossierParser.parse(Array($0.utf8), file: "x").dossier != nil }
        #expect(results.filter { $0 }.count == 200)
        for (i, ok) in results.enumerated() { #expect(ok == (i % 2 == 0)) }
    }

    @Test func textIsCollapsedButFilePathsAreKeptAsBytes() throws {
        var x = valid()
        x.title = "  Đăng   ký\n khai sinh "
        let nfd = "scans/ho\u{0300}a.pdf"
        x.components = [(id: "c1", role: "result", file: nfd, size: 10, pages: 2, sha256: nil)]
        let d = try #require(parse(x.text).dossier)
        #expect(d.title == "Đăng ký khai sinh")
        #expect(Array(d.components[0].file.utf8) == Array(nfd.utf8))
    }

    /// E109: a schema that does not compile is a validator failure, never a pass; one that names
    /// another file (xs:include) is refused by the denying loader without reading it.
    @Test func schemasThatDoNotCompileAreE109() {
        #expect { _ = try DossierSchema(xsd: "<notASchema/>") } throws: { ($0 as? HosoError)?.diagnostic.code == .validatorFailure }
        let including = """
            <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:include schemaLocation="file:///etc/hostname"/></xs:schema>
            """
        #expect { _ = try DossierSchema(xsd: including) } throws: { ($0 as? HosoError)?.diagnostic.code == .validatorFailure }
    }

    /// Even with the byte precheck out of the way, a DTD that reaches for a file or a URL never
    /// gets libxml2 to ask for it (E106, the denying loader's finding, stays unreachable: the
    /// parser options load nothing) and the document is refused for its DOCTYPE alone.
    @Test(arguments: [
        "<!DOCTYPE d [<!ENTITY % p SYSTEM \"file:///etc/hostname\"> %p;]><d/>",
        "<!DOCTYPE d SYSTEM \"http://127.0.0.1:9/x.dtd\"><d/>",
        "<!DOCTYPE d [<!ENTITY e SYSTEM \"file:///etc/hostname\">]><d>&e;</d>",
    ])
    func externalReferencesAreNeverLoaded(_ xml: String) {
        let codes = DossierParser.parseSkippingPrecheck(Array(xml.utf8), file: "d.xml").diagnostics.map(\.code)
        #expect(codes == [.doctypeForbidden])
    }
}
