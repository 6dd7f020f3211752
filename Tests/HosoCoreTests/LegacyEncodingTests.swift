import Testing
@testable import HosoCore

@Suite struct LegacyEncodingTests {
    @Test func legacyTextIsRecognised() {
        #expect(LegacyEncoding.looksLikeMojibake("Céng hßa x· héi chñ nghÜa ViÖt Nam"))
        #expect(LegacyEncoding.looksLikeMojibake("Chøng thùc b¶n sao Giấy chứng nhận"), "a title typed partly in an old font")
        #expect(!LegacyEncoding.looksLikeMojibake("Cộng hòa xã hội chủ nghĩa Việt Nam"))
        #expect(!LegacyEncoding.looksLikeMojibake("Bản sao © 2020, nhiệt độ 30 °C"), "signs standing apart")
        // Foreign names in Unicode (a spouse in a marriage registration): their TCVN3 reading is
        // no Vietnamese syllable, so their letters are no sign.
        for name in ["Bjørn Søren Ågård", "Jürgen Müller", "Françoise Lefèvre", "Łukasz Nowak"] {
            #expect(!LegacyEncoding.looksLikeMojibake(name), "\(name)")
        }
        #expect(LegacyEncoding.looksLikeMojibake("NguyÔn V¨n Hßa"), "a Vietnamese name in TCVN3 is still one")
    }

    /// A short value holds one sign only; those no word of any language holds are enough
    /// (an archivist found these names archived as mojibake, and not found by search).
    /// Real rhymes: qu's glide (quỳnh, quýt), gi before i (gìn), and what is none (ya, ech).
    @Test func syllablesAreVietnamesesOwn() {
        for w in ["Quỳnh", "quýt", "quých", "gìn", "giữa", "khuya", "khuỷu", "ngoẵng", "rượu", "người", "oong", "ếch", "mênh", "Nguyễn", "Đặng"] {
            #expect(LegacyEncoding.isVietnameseSyllable(w), "\(w)")
        }
        for w in ["nguyôn", "huõ", "peủa", "ya", "ech", "enh", "tuên", "kỹng"] {
            #expect(!LegacyEncoding.isVietnameseSyllable(w), "\(w)")
        }
        #expect(LegacyEncoding.looksLikeMojibake("Lª QuyÌnh"), "Windows-1258's Quỳnh")
    }

    @Test func shortLegacyValuesAreRecognised() {
        let tcvn3 = LegacyEncoding.tcvn3
        for (legacy, unicode) in [("Vò ThÞ Lý", "Vũ Thị Lý"), ("§ç Minh", "Đỗ Minh"), ("Mai Anh Tµi", "Mai Anh Tài"),
                                  ("Lý ThÞ Mai", "Lý Thị Mai"), ("Hé tÞch", "Hộ tịch"), ("GiÊy khai sinh", "Giấy khai sinh"),
                                  ("Ph\u{00AD}êng 1", "Phường 1"), ("QuËn 1", "Quận 1"), ("TrÇn Minh Nam", "Trần Minh Nam"),
                                  ("ViÖt Anh", "Việt Anh"), ("Ninh B×nh", "Ninh Bình"),
                                  // A tester's TCVN3 that passed: one word that only TCVN3 makes Vietnamese.
                                  ("NguyÔn Anh", "Nguyễn Anh"), ("TuÊn Anh", "Tuấn Anh"), ("Ph¹m Minh Quang", "Phạm Minh Quang"),
                                  ("Lª Anh", "Lê Anh"), ("Hå V¨n Minh", "Hồ Văn Minh"), ("Cao B»ng", "Cao Bằng"), ("HuÕ", "Huế"),
                                  ("Phan Thanh HiÒn", "Phan Thanh Hiền"), ("Bïi", "Bùi"), ("Hßa", "Hòa")] {
            #expect(LegacyEncoding.looksLikeMojibake(legacy), "\(legacy)")
            #expect(tcvn3.convertIfLegacy(legacy) == unicode, "\(legacy)")
        }
        // One sign that a word of another language, a measure or a quotation holds is not enough.
        for text in ["Diện tích 120 m²", "Nº 15 phố Huế", "nhiệt độ 50°C", "José Muñoz Peña", "Hélène Côté", "Lò Văn Páo",
                     "Lê Bá Thành", "Tô Vân Hà", "«Hoa Sen»", "Søren", "Zoë Noël", "O´Neill",
                     // A reviewer's Unicode text the first version of this rule refused: units,
                     // the acute accent for an apostrophe, Shift held, two names run together.
                     "sợi 25 µm", "dòng 10 µA", "H´Yên Niê", "K´Ho", "Nguyễn Thị MaiÁnh", "Lê Văn BÙi", "TÂm", "kích thước 3×4",
                     // A measure with digits in the word is no sign alone (without that, · here is).
                     "Thửa đất A·12",
                     // A tester's Unicode text refused by two weak signs.
                     "H´Yên Niê và K´Ho", "Màng lọc 25 µm và 50 µm", "Nº 12 và Nº 15", "Bài «Mai» và «Ông già»",
                     "María Peña Niño", "Loïc Küng", "ThÀnh HÒa", "TrÂn Vân", "Jürgen Groß", "Zoë Brontë",
                     // A last reader's: a short word whose only sign is a letter that follows a
                     // consonant where it is written; Ð pasted for Đ in a plain name.
                     "Lü Wei", "Nü Hua", "Bö Karl", "Sø Jensen", "ÐINH ANH"] {
            #expect(!LegacyEncoding.looksLikeMojibake(text), "\(text)")
        }
    }

    /// What the rhymes cannot tell apart (docs/search.md says so): a foreign word that reads as
    /// Vietnamese in TCVN3 is refused, TCVN3 that reads as Vietnamese as written passes alone.
    @Test func theLimitsThatAreDocumented() {
        #expect(LegacyEncoding.looksLikeMojibake("Mª Luisa"))
        #expect(LegacyEncoding.looksLikeMojibake("Bø Løn"), "two words TCVN3 reads as Vietnamese (Bư Lứn): two signs")
        #expect(!LegacyEncoding.looksLikeMojibake("Hå Minh"), "Hồ Minh in TCVN3, or a Scandinavian name")
        #expect(!LegacyEncoding.looksLikeMojibake("Vò"))
        #expect(!LegacyEncoding.looksLikeMojibake("BÕn Tre"))
        #expect(LegacyEncoding.looksLikeMojibake("BÕn Tre, Vò ThÞ Lý"), "another word gives it away")
    }

    /// The byte scan that spares most text the full check never spares one that holds a sign:
    /// random texts from letters of every kind that matter (ASCII, Vietnamese in Unicode, Latin-1
    /// capitals, signs foreign to Vietnamese, Ð/ð, TCVN3 mojibake).
    @Test func theFastScanNeverMissesASign() {
        let pool: [String] = ["a", "n", "g", "H", "N", "Ô", " ", " ", "1", ".", "à", "ê", "ễ", "ư", "Đ", "À", "Ê", "Ý", "ò",
                              "ø", "ß", "¶", "Ð", "ð", "Ö", "©", "·", "Ü", "ñ", "Ç", "é", "Õ", "×", "µ"]
        var rng = SystemRandomNumberGenerator()
        var spared = 0
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 1...10, using: &rng)).map { _ in pool.randomElement(using: &rng)! }.joined()
            if !LegacyEncoding.mayHoldLegacySigns(text) {
                spared += 1
                #expect(LegacyEncoding.legacyStretches(text).allSatisfy { $0.signs == 0 }, "\(text)")
            }
        }
        #expect(spared > 1000, "the scan spares something")
        for plain in ["Nguyễn Văn Hòa", "Cộng hòa xã hội chủ nghĩa Việt Nam", "NGÔ THỊ HOÀNG", "Ông Lê", "Ý kiến"] {
            #expect(!LegacyEncoding.mayHoldLegacySigns(plain), "\(plain)")
        }
    }

    /// `foldedValue`'s byte path gives what the general path gives, on random texts from every
    /// kind of character that matters (precomposed and combining marks, homoglyphs, white space
    /// beyond ASCII, letters that fold to two or to none).
    @Test func foldedValueOnTheBytesMatchesTheGeneralPath() {
        let pool: [String] = ["a", "Z", "đ", "Đ", "ư", "Ơ", "ễ", "Ặ", "ỹ", "À", "ý", "ß", "æ", "Ø", "ñ", "Ð", "ð", "ɖ",
                              " ", "  ", "\t", "\n", "\u{00A0}", "\u{0085}", "\u{2003}", "\u{0301}", "\u{0323}", "e\u{0302}",
                              "1", "/", "-", ".", "Ω", "ﬁ", "İ", "²", "\u{1EFA}", "\u{1E9E}", "Ĳ"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 0...8, using: &rng)).map { _ in pool.randomElement(using: &rng)! }.joined()
            #expect(VietnameseText.foldedValue(text) == VietnameseText.foldedValueByScalars(text), "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        #expect(VietnameseText.foldedValue("  Số 15/2023/QĐ-UBND ") == "so 15/2023/qd-ubnd")
        #expect(VietnameseText.foldedValue("NGUYỄN\tThị  Ánh") == "nguyen thi anh")
    }

    /// The written-out table of letters the byte path folds holds, entry by entry, what the
    /// general path gives for that letter alone; on a mismatch, the line to write is printed.
    @Test func theTableOfFoldedLettersIsTheGeneralPaths() {
        let ranges = [0x80..<0x250, 0x1EA0..<0x1EFA]
        let expected: [UInt8] = ranges.flatMap { $0.map { v -> UInt8 in
            let f = Array(VietnameseText.foldedValueByScalars(String(Unicode.Scalar(UInt32(v))!)).utf8)
            return f.count == 1 && f[0] >= 0x61 && f[0] <= 0x7A ? f[0] : 0
        } }
        #expect(VietnameseText.foldedLatin.count == 464 + 90)
        for (k, (have, want)) in zip(VietnameseText.foldedLatin, expected).enumerated() where have != want {
            let v = k < 464 ? 0x80 + k : 0x1EA0 + k - 464
            Issue.record("U+\(String(v, radix: 16, uppercase: true)): table \(have), general path \(want)")
        }
        // Among them, the letters of Vietnamese: every one folds.
        for letter in "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ".unicodeScalars {
            #expect(VietnameseText.foldedValue(String(letter)).utf8.count == 1, "\(letter)")
        }
    }

    @Test func ethOpeningAWordIsTheHomoglyphOfD() {
        // Ð (U+00D0) pasted for Đ: not a legacy sign, whatever the rest of the text.
        #expect(!LegacyEncoding.looksLikeMojibake("\u{00D0}INH VĂN \u{00D0}ẠT"))
        // With nothing Unicode beside it, Ð may be Windows-1258's đ: still a sign there.
        #expect(LegacyEncoding.looksLikeMojibake("\u{00D0}INH VAN \u{00D0}AT"))
        #expect(!LegacyEncoding.looksLikeMojibake("\u{00F0}inh v\u{0103}n \u{00F0}\u{1EA1}t"))
        #expect(!LegacyEncoding.looksLikeMojibake("Đăng ký tạm trú cho \u{00D0}INH VĂN \u{00D0}ẠT"))
    }

    /// Windows-1258 read as Latin-1 writes đ as ð: still found, with nothing Unicode beside it.
    @Test func windows1258IsStillFound() {
        for text in ["\u{00D0}ãng kyì \u{00F0}âìt \u{00F0}ai", "\u{00D0}inh Vãn \u{00D0}aòt", "\u{00D0}à NãÞng"] {
            #expect(LegacyEncoding.looksLikeMojibake(text), "\(text)")
        }
    }

    @Test func onlyLegacyStretchesAreConverted() {
        let tcvn3 = LegacyEncoding.tcvn3
        #expect(tcvn3.convertIfLegacy("Chøng thùc b¶n sao Giấy chứng nhận") == "Chứng thực bản sao Giấy chứng nhận")
        // Unicode words are left alone, even beside a homoglyph (ú would otherwise become ỳ).
        let unicode = "Đăng ký tạm trú cho \u{00D0}INH VĂN \u{00D0}ẠT"
        #expect(tcvn3.convertIfLegacy(unicode) == unicode)
        #expect(tcvn3.convertIfLegacy("Hoàng Trọng Khoa") == "Hoàng Trọng Khoa")
        // A stretch between Unicode words is converted on its own, spaces kept.
        #expect(tcvn3.convertIfLegacy("Giấy  chøng  nhận") == "Giấy  chứng  nhận")
        // A capital inside a word of small letters marks TCVN3 words without a foreign sign.
        #expect(tcvn3.convertIfLegacy("CÊp míi Giấy chøng nhËn") == "Cấp mới Giấy chứng nhận")
        #expect(tcvn3.convertIfLegacy("HOÀNG Hoàng") == "HOÀNG Hoàng")
    }
}
