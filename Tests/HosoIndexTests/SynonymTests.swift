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

    /// Words typed as one form are also read by the shorter forms they hold, and a quoted
    /// phrase by every spelling of its forms; a form nested in another (an archive's own
    /// group) is spelled out, never dropped (a dropped one left "một thành viên" alone).
    @Test func shorterFormsAndNestedForms() throws {
        var t = SynonymTable.standard
        try t.add(text: "công ty trách nhiệm hữu hạn một thành viên | cty tnhh mtv")
        func phrases(_ q: String) throws -> [[String]] {
            guard case let .or(alternatives) = t.expand(try QueryParser.parse(q)) else { return [] }
            return alternatives.compactMap { if case let .synonym(.phrase(ws, _), _) = $0 { ws.map { $0.lowercased() } } else { nil } }
        }
        let long = try phrases("\"công ty trách nhiệm hữu hạn một thành viên\"")
        #expect(long.contains(["cty", "tnhh", "mtv"]) && long.contains(["công", "ty", "tnhh", "một", "thành", "viên"])
                && long.contains(["cty", "tnhh", "một", "thành", "viên"]), "\(long)")
        #expect(long.allSatisfy { $0.count >= 3 } && !long.contains(["một", "thành", "viên"]), "\(long)")
        let short = try phrases("\"công ty tnhh\"")
        #expect(short.contains(["cty", "tnhh"]) && short.contains(["công", "ty", "trách", "nhiệm", "hữu", "hạn"]), "\(short)")
        // A quoted name with the other i/y spelling.
        #expect(try phrases("\"lý văn tám\"").contains(["lí", "văn", "tám"]))
        #expect(SynonymTable.spellings([.or([.word("a", fields: nil), .synonym(.and([.word("b", fields: nil), .or([.word("c", fields: nil), .word("d", fields: nil)])]), covers: 1)])])
                == [["a"], ["b", "c"], ["b", "d"]])
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
