import Testing
import HosoTestSupport
@testable import HosoIndex

/// The scan that joins dossier numbers typed off paper or by a barcode reader, checked against
/// the two regular expressions it replaced, on pieces of numbers mixed at random.
@Suite struct DossierNumberJoinTests {
    /// What the regular expressions gave (the first rewrites a written number's separators, the
    /// second the barcode's run of digits; the second reads what the first wrote).
    static func byRegex(_ s: String) -> String {
        s.replacing(/(^|[^\p{L}\p{N}])([0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Za-z][0-9]{2})[ _\/\-.]([0-9]{6})[ _\/\-.]([0-9]{4})(?![0-9])/) { m in "\(m.1)\(m.2)-\(m.3)-\(m.4)" }
            .replacing(/(^|[^\p{L}\p{N}])([0-9]{3})([0-9]{2})([0-9]{2})([A-Za-z][0-9]{2})([0-9]{6})([0-9]{4})(?![\p{L}\p{N}])/) { m in "\(m.1)\(m.2).\(m.3).\(m.4).\(m.5)-\(m.6)-\(m.7)" }
    }

    static func joined(_ s: String) -> String { String(QueryParser.dossierNumbersJoined(Array(s))) }

    @Test func knownForms() {
        let number = "000.00.21.H50-230512-0007"
        for typed in ["000.00.21.H50 230512 0007", "000.00.21.H50_230512_0007", "000.00.21.H50/230512/0007",
                      "000.00.21.H50.230512.0007", "000.00.21.H50 230512-0007", "0000021H502305120007", number] {
            #expect(Self.joined(typed) == number, "\(typed)")
            #expect(Self.joined("mã: \(typed), hòa") == "mã: \(number), hòa", "\(typed) inside text")
        }
        // A written number may stand before a letter; a barcode's digits may not.
        #expect(Self.joined("000.00.21.H50 230512 0007x") == "000.00.21.H50-230512-0007x")
        // Not numbers: run on into a digit or letter, or preceded by one.
        for other in ["000.00.21.H50 230512 00071", "x000.00.21.H50 230512 0007", "0000021H502305120007x", "50000021H502305120007",
                      "000.00.21.H50 2305120 007", "000.00.21.H5 230512 0007", "Đ0000021H502305120007"] {
            #expect(Self.joined(other) == other, "\(other)")
            #expect(Self.joined(other) == Self.byRegex(other), "\(other)")
        }
    }

    @Test func agreesWithTheRegularExpressions() {
        var random = SeededGenerator(seed: 20261202)
        let pieces = ["000.00.21.H50", "230512", "0007", "0000021H50", "2305120007", "0000021H502305120007", "000.00.21.h50",
                      " ", " ", "_", "/", "-", ".", "x", "đ", "ò", "5", "12", "a\u{301}", ":", "(", "1\u{301}", "Ⅻ", "²", "H"]
        let separators = [" ", "_", "/", "-", ".", ",", "\u{2013}"]
        var checked = 0
        for _ in 0..<4000 {
            var s = ""
            for _ in 0..<Int.random(in: 1...9, using: &random) {
                if Int.random(in: 0..<4, using: &random) == 0 {
                    // A whole written number, its separators drawn apart (some not separators).
                    s += "000.00.21.H50" + separators.randomElement(using: &random)! + "230512" + separators.randomElement(using: &random)! + "0007"
                } else {
                    s += pieces.randomElement(using: &random)!
                }
            }
            let expected = Self.byRegex(s)
            #expect(Self.joined(s) == expected, "\(s.unicodeScalars.map { String($0.value, radix: 16) })")
            if expected != s { checked += 1 }
        }
        #expect(checked > 100, "enough of the strings held a number to join (\(checked))")
    }
}
