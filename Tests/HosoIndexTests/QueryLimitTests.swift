import Testing
@testable import HosoIndex

/// A query over the clause limit is refused where it passes the limit, not at its start.
@Suite struct QueryLimitTests {
    func error(_ q: String) -> QuerySyntaxError? {
        do { _ = try QueryParser.parse(q); return nil } catch { return error }
    }

    @Test func theCaretStandsAtTheClauseThatPassesTheLimit() throws {
        let limit = QueryParser.maxClauses
        // Words of four characters with their space: the first one over the limit starts at 4 × limit.
        #expect(error(Array(repeating: "hòa", count: limit).joined(separator: " ")) == nil)
        let words = error(Array(repeating: "hòa", count: limit + 44).joined(separator: " "))
        #expect(words?.position == 4 * limit && words?.message.contains("\(limit + 44) words and clauses") == true, "\(String(describing: words))")
        // Inside parentheses and a field's parentheses, the words are counted one by one (the
        // group is not counted again): the caret is at the word inside the group.
        let head = Array(repeating: "hòa", count: limit - 2).joined(separator: " ")
        let grouped = error(head + " title:(an bình phú) thêm")
        #expect(grouped?.position == head.count + " title:(an bình ".count, "\(String(describing: grouped))")
        let exactly = error(head + " (an bình)")
        #expect(exactly == nil)
        // A phrase counts its words, at its opening quote.
        let phrase = error(head + " \"giấy phép xây dựng\"")
        #expect(phrase?.position == head.count + 1 && phrase?.message.contains("\(limit + 2) words") == true, "\(String(describing: phrase))")
        // Pasted groups of digits joined into one citizen ID: the caret is still placed in
        // the query as typed.
        let pasted = error(Array(repeating: "045 090 001 234", count: limit + 1).joined(separator: " "))
        #expect(pasted != nil && pasted!.query.hasPrefix("045 090 001 234"), "\(String(describing: pasted))")
    }
}
