import Testing
@testable import HosoXML

@Suite struct PrecheckTests {
    func firstBad(_ bytes: [UInt8]) -> Int? { bytes.withUnsafeBytes { XMLPrecheck.firstInvalidUTF8($0) } }

    @Test func utf8Validation() {
        #expect(firstBad(Array("Tiếng Việt 𝄞".utf8)) == nil)
        #expect(firstBad([0x41, 0x80]) == 1)
        #expect(firstBad([0x41, 0xE1, 0xBA]) == 1)          // truncated sequence
        #expect(firstBad([0xE0, 0x80, 0x80]) == 0)          // overlong
        #expect(firstBad([0xED, 0xB0, 0x80]) == 0)          // surrogate
        #expect(firstBad([0xF5, 0x80, 0x80, 0x80]) == 0)    // above U+10FFFF
        #expect(firstBad([0x41, 0x00]) == 1)                // NUL
    }

    /// The encoding named as it is: UTF-32 is not taken for UTF-16 (its mark begins like
    /// UTF-16's), and a declared legacy encoding is named with the invalid byte it explains.
    @Test func encodingsAreNamedAsTheyAre() {
        func message(_ bytes: [UInt8]) -> String? { bytes.withUnsafeBytes { XMLPrecheck.check($0, file: "d.xml")?.message } }
        #expect(message([0xFF, 0xFE, 0, 0, 0x3C, 0, 0, 0])?.contains("UTF-32") == true)
        #expect(message([0xFF, 0xFE, 0x3C, 0])?.contains("UTF-16") == true)
        let cp1258 = Array("<?xml version=\"1.0\" encoding=\"windows-1258\"?><d>".utf8) + [0xD0, 0xE0] + Array("</d>".utf8)
        #expect(message(cp1258)?.contains("its XML declaration names the encoding 'windows-1258'") == true, "\(String(describing: message(cp1258)))")
        // A declaration that is no encoding's name never reaches the advice's example command.
        let crafted = Array("<?xml version=\"1.0\" encoding=\"cp1258 | sh; x\"?><d>".utf8) + [0xE9] + Array("</d>".utf8)
        let advice = crafted.withUnsafeBytes { XMLPrecheck.check($0, file: "d.xml")?.advice } ?? ""
        #expect(!advice.contains("| sh") && !advice.isEmpty, "\(advice)")
    }

    @Test func positionCountsCharactersNotBytes() {
        let text = Array("ab\nViệt x".utf8)
        let offset = text.count - 1
        let (line, col) = text.withUnsafeBytes { XMLPrecheck.position(of: offset, in: $0) }
        #expect(line == 2)
        #expect(col == 6)
    }

    @Test func doctypeOnlyInTheProlog() {
        func at(_ s: String) -> Int? { Array(s.utf8).withUnsafeBytes { XMLPrecheck.doctypeOffset($0) } }
        #expect(at("<?xml version=\"1.0\"?>\n<!-- x --> <!DOCTYPE a><a/>") == 33)
        #expect(at("<a><!-- <!DOCTYPE in a comment --></a>") == nil)
        #expect(at("\u{FEFF}<!DOCTYPE a><a/>") == 3)
    }

    @Test func elementsWithTooManyAttributesAreFoundBeforeParsing() {
        func crowded(_ s: String) -> (offset: Int, count: Int)? { Array(s.utf8).withUnsafeBytes { XMLPrecheck.crowdedElement($0) } }
        let many = (0...XMLPrecheck.maxAttributes).map { " a\($0)=\"v\"" }.joined()
        let limit = (1...XMLPrecheck.maxAttributes).map { " a\($0)='v'" }.joined()
        #expect(crowded("<?xml version=\"1.0\"?>\n<r><x\(many)/></r>")?.offset == 25)
        #expect(crowded("<r\(limit)/>") == nil, "exactly the limit is allowed")
        #expect(crowded("<r a=\"\(String(repeating: "=", count: 100))\" b='>=<'>text = x</r>") == nil, "quoted values and text are not attributes")
        #expect(crowded("<r><!-- \(many) --><![CDATA[<x\(many)>]]></r>") == nil, "comments and CDATA are skipped")
        let big = "<r" + (0..<40_000).map { " a\($0)=\"1\"" }.joined() + "/>"
        let diagnostic = Array(big.utf8).withUnsafeBytes { XMLPrecheck.check($0, file: "d.xml") }
        #expect(diagnostic?.code == .notWellFormed && diagnostic?.line == 1 && diagnostic?.column == 1)
    }
}
