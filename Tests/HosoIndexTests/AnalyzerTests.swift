import Testing
@testable import HosoIndex

@Suite struct AnalyzerTests {
    func keys(_ s: String) -> [(String, String)] {
        Analyzer().keys(s).map { k in
            var e = k.exact
            let tone = e.removeLast() - 0x30
            e.removeLast()
            return (String(decoding: e, as: UTF8.self) + "|\(tone)", String(decoding: k.folded, as: UTF8.self))
        }
    }

    @Test func exactKeysIgnoreTonePlacement() {
        #expect(keys("hòa")[0] == ("hoa|2", "hoa"))
        #expect(keys("hoà")[0] == ("hoa|2", "hoa"))
        #expect(keys("tóan")[0] == ("toan|1", "toan"))
        #expect(keys("toán")[0] == ("toan|1", "toan"))
        #expect(keys("nứơc")[0] == ("nươc|1", "nuoc"))
        #expect(keys("nước")[0] == ("nươc|1", "nuoc"))
        #expect(keys("thủy")[0].0 == keys("thuỷ")[0].0)
        #expect(keys("khỏe")[0].0 == keys("khoẻ")[0].0)
    }

    @Test func foldedKeysDropEveryMarkAndFoldD() {
        #expect(keys("Đường")[0] == ("đương|2", "duong"))
        #expect(keys("ĐĂNG KÝ").map(\.1) == ["dang", "ky"])
        #expect(keys("Ðông")[0].1 == "dong", "Icelandic eth is a homoglyph of Đ")
    }

    @Test func tonesAreDistinct() {
        let t = ["ma", "má", "mà", "mả", "mã", "mạ"].map { keys($0)[0].0 }
        #expect(Set(t).count == 6)
        #expect(t == ["ma|0", "ma|1", "ma|2", "ma|3", "ma|4", "ma|5"])
    }

    @Test func nfdAndCombiningTonesAfterBases() {
        #expect(keys("Quảng Trị".decomposedStringWithCanonicalMapping).map(\.0) == ["quang|3", "tri|5"])
        #expect(keys("Tiê\u{301}p nhâ\u{323}n").map(\.0) == ["tiêp|1", "nhân|5"])
    }

    @Test func tokensPositionsAndOffsets() {
        var got: [(Int, Int, Int)] = []
        let text = "UBND phường Đông Lương, Quảng Trị (2023)"
        Analyzer().tokenize(text) { t in got.append((t.position, t.start, t.end)) }
        #expect(got.count == 7)
        #expect(got.map(\.0) == Array(0..<7))
        let bytes = Array(text.utf8)
        #expect(String(decoding: bytes[got[2].1..<got[2].2], as: UTF8.self) == "Đông")
        #expect(String(decoding: bytes[got[6].1..<got[6].2], as: UTF8.self) == "2023")
    }

    @Test func otherScriptsStillTokenize() {
        #expect(keys("Ελλάδα Київ").count == 2)
        #expect(keys("a—b").map(\.1) == ["a", "b"])
    }
}
