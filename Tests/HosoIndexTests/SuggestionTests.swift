import Testing
@testable import HosoIndex

@Suite struct SuggestionTests {
    @Test func telexKeysBecomeLettersAndTones() {
        let cases = [
            ("nguyeenx", "nguyễn"), ("vawn", "văn"), ("hoaf", "hoà"), ("dduwowngf", "đường"), ("nguowif", "người"),
            ("thuyr", "thuỷ"), ("quanr", "quản"), ("quaanr", "quẩn"), ("giaasy", "giấy"), ("Trongj", "Trọng"), ("khoer", "khoẻ"),
            ("hwowngs", "hướng"), ("tuaans", "tuấn"), ("maf", "mà"), ("huwux", "hữu"), ("ngoaif", "ngoài"),
        ]
        for (typed, word) in cases {
            let converted = InputMethodKeys.convert(typed)
            #expect(converted?.0 == word && converted?.1 == .telex, "\(typed) → \(String(describing: converted))")
        }
        for plain in ["hoa", "nguyen", "tran", "h", "ab1"] where InputMethodKeys.convert(plain)?.1 == .telex {
            Issue.record("\(plain) holds no Telex key")
        }
    }

    @Test func vniDigitsBecomeMarks() {
        let cases = [("nguye6n4", "nguyễn"), ("d9u7o7ng2", "đường"), ("va8n", "văn"), ("hoa2", "hoà"), ("nguye4n", "nguyẽn"), ("Tro5ng", "Trọng")]
        for (typed, word) in cases {
            let converted = InputMethodKeys.convert(typed)
            #expect(converted?.0 == word && converted?.1 == .vni, "\(typed) → \(String(describing: converted))")
        }
        // Codes and numbers after a consonant, or a digit with nothing to mark, are no VNI.
        for code in ["h50", "kp5", "mc24", "9", "b8"] {
            #expect(InputMethodKeys.convert(code) == nil, "\(code)")
        }
    }

    /// The rewrites to try come most frequent correction first, then each word's next ones;
    /// two letters swapped (every letter typed kept) before any other correction.
    @Test func rewritesOfferTheNextCorrectionsAndPreferASwap() {
        let held: [String: Int] = ["dang": 500, "quoc": 300, "tru": 900, "trung": 40, "luong": 80, "dieu": 70, "lan": 600, "loan": 30]
        let frequency: ([UInt8]) -> Int = { held[String(decoding: $0, as: UTF8.self)] ?? 0 }
        let trug = QuerySuggestion.rewrites("Dang Quoc Trug", frequency: frequency).map(\.text)
        #expect(trug.prefix(2) == ["Dang Quoc Tru", "Dang Quoc Trung"], "\(trug)")
        let laon = QuerySuggestion.rewrites("Luong Dieu Laon", frequency: frequency).map(\.text)
        #expect(laon.first == "Luong Dieu Loan" && laon.contains("Luong Dieu Lan"), "\(laon)")
        #expect(QuerySuggestion.rewrite("Luong Dieu Laon", frequency: frequency)?.text == "Luong Dieu Loan")
    }

    /// Damerau (optimal string alignment) distance, the reference for one edit.
    func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in stride(from: 1, through: a.count, by: 1) {
            for j in stride(from: 1, through: b.count, by: 1) {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }

    /// Every word of a–z one edit away, checked against all words of the lengths it can have.
    @Test func oneEditAwayIsExactlyTheWordsAtDistanceOne() {
        let letters = Array(UInt8(ascii: "a")...UInt8(ascii: "z"))
        var rng = SystemRandomNumberGenerator()
        for w in [[UInt8]("ab".utf8), [UInt8]("aa".utf8), [UInt8]("ba".utf8)] + (0..<3).map({ _ in (0..<2).map { _ in letters.randomElement(using: &rng)! } }) {
            let got = QuerySuggestion.oneEditAway(w)
            #expect(Set(got).count == got.count, "no repeats")
            var all: [[UInt8]] = [[]]
            var expected = Set<[UInt8]>()
            for _ in 1...(w.count + 1) {
                all = all.flatMap { p in letters.map { p + [$0] } }
                for c in all where distance(c, w) == 1 { expected.insert(c) }
            }
            #expect(Set(got) == expected, "\(String(decoding: w, as: UTF8.self))")
        }
    }

    func rewrite(_ text: String, _ known: [String: Int] = ["nguyen": 50, "van": 30, "thi": 10, "thu": 4, "sinh": 5, "khai": 5, "duong": 3])
        -> (text: String, changes: [QuerySuggestion.Change])? {
        QuerySuggestion.rewrite(text, frequency: { known[String(decoding: $0, as: UTF8.self)] ?? 0 }, expands: { $0 == "ubnd" })
    }

    @Test func onlyWordsNoDocumentHoldsAreRewritten() {
        #expect(rewrite("nguyn van")?.text == "nguyen van")
        #expect(rewrite("Ngyen Thi")?.text == "Nguyen Thi", "a capital stays")
        #expect(rewrite("NGYEN THI")?.text == "NGUYEN THI", "capitals stay")
        #expect(rewrite("khai sinhh")?.changes == [.init(typed: "sinhh", suggested: "sinh", reason: .spelling)])
        #expect(rewrite("nguyeenx vawn")?.text == "nguyễn văn")
        #expect(rewrite("dduwowngf")?.changes.first?.reason == .telex)
        #expect(rewrite("\"nguyn van\" thi")?.text == "\"nguyen van\" thi", "words of a phrase too")
        // The most frequent word one edit away wins: thj → thi (10) over thu (4).
        #expect(rewrite("thj")?.text == "thi")
    }

    @Test func possibleSyllablesAndTypos() {
        for w in ["nguyen", "binh", "dinh", "hoa", "ngoai", "khuyen", "nghieng", "quyet", "giu", "gi", "gin", "yeu", "ke", "ca",
                  "truong", "huynh", "xoong", "thuy", "uyen", "oanh", "thiet", "chuyen", "muon", "tuoi", "khoe", "ghe", "nhieu",
                  "quynh", "quyt", "quych", "thuo", "huo", "khuo", "quy", "quyen", "nguoi", "huou",
                  // Names of the Central Highlands, written in Vietnamese letters.
                  "krong", "dak", "lak", "pak", "plei", "blao"] {
            #expect(VietnameseSyllable.isPossible(folded: Array(w.utf8)), "\(w) is a syllable")
        }
        for w in ["nguyn", "ngyen", "sinhh", "vna", "nguyenn", "ce", "ka", "nge", "ngha", "gha", "tyen", "trn", "hoaf", "xyzzyq", "bnh"] {
            #expect(!VietnameseSyllable.isPossible(folded: Array(w.utf8)), "\(w) is no syllable")
        }
    }

    @Test func syntaxAndIdentifiersAreLeftAsTyped() {
        for q in ["nguyn*", "van -nguyn", "van NOT nguyn", "applicant:nguyn", "applicant:\"Nguyễn Vna\"", "status:nguyn", "hoa or khai", "thi OR xyzzyq", "ubnd thi",
                  "000.00.21.H50-230512-9999", "le vo", "xyzzyq", "nguyen van",
                  // Words Vietnamese can have are taken as meant, even where no dossier has them.
                  "Bình Định", "binh dinh", "tho", "khuyen", "nghieng", "quyet"] {
            #expect(rewrite(q) == nil, "\(q): \(String(describing: rewrite(q)))")
        }
    }
}
