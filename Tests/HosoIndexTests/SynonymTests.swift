import Testing
@testable import HosoIndex

@Suite struct SynonymTests {
    @Test func builtInGroupsAllParse() throws {
        let lines = SynonymTable.defaultText.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
        #expect(SynonymTable.standard.groups.count == lines.count)
    }

    @Test func wordsBecomeAlternatives() throws {
        let t = try SynonymTable(text: "ủy ban nhân dân | ubnd")
        let q = try QueryParser.parse("ubnd xã")
        #expect(t.expand(q) == .and([.or([.word("ubnd", fields: nil), .synonym(.phrase(["ủy", "ban", "nhân", "dân"], fields: nil), covers: 1)]),
                                     .word("xã", fields: nil)]))
        // A multi-word form is found inside a longer query and replaced as a whole.
        let long = t.expand(try QueryParser.parse("giấy của Ủy Ban nhân dân"))
        guard case let .and(parts) = long else { Issue.record("\(long)"); return }
        #expect(parts.count == 3)
        #expect(parts[2] == .or([.and([.word("Ủy", fields: nil), .word("Ban", fields: nil), .word("nhân", fields: nil), .word("dân", fields: nil)]),
                                 .synonym(.word("ubnd", fields: nil), covers: 4)]))
    }

    @Test func tonedFormsMatchTheirTonesOnly() throws {
        let t = try SynonymTable(text: "lý | lí")
        #expect(t.expand(try QueryParser.parse("lý")) != .word("lý", fields: nil))
        #expect(t.expand(try QueryParser.parse("ly")) != .word("ly", fields: nil), "an unaccented word matches any tone")
        #expect(t.expand(try QueryParser.parse("lỳ")) == .word("lỳ", fields: nil), "another tone is another word")
        let q = try QueryParser.parse("hồ -lý")
        guard case let .and(parts) = t.expand(q) else { Issue.record("\(q)"); return }
        #expect(parts.last == .not(.word("lý", fields: nil)), "exclusions stay literal")
    }

    @Test func fieldsAreKept() throws {
        let t = try SynonymTable(text: "tp | thành phố")
        let e = t.expand(try QueryParser.parse("place:tp"))
        guard case let .or(alts) = e, case let .synonym(.phrase(_, fields), _) = alts[1] else { Issue.record("\(e)"); return }
        #expect(fields == [.place])
    }

    @Test func malformedLinesAreNamed() {
        #expect(throws: SynonymFileError.self) { _ = try SynonymTable(text: "a | b\nonly one\n") }
        do { _ = try SynonymTable(text: "# c\na | b\n\nx | | y\n") } catch { #expect(error.line == 4) }
        do { _ = try SynonymTable(text: "a | b\nlonely\n") } catch { #expect(error.line == 2) }
    }
}
