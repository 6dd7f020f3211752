import Testing
@testable import HosoCommands

@Suite struct FormatTests {
    /// Reports round half up: 5 of 16 is 31.3%, not printf's 31.2% (31.25 rounded to even).
    @Test func percentagesRoundHalfUp() {
        #expect(Format.percent(5, 16) == "31.3%")
        #expect(Format.percent(13, 16) == "81.3%")
        #expect(Format.percent(1, 3) == "33.3%")
        #expect(Format.percent(2, 3) == "66.7%")
        #expect(Format.percent(0, 0) == "-")
        #expect(Format.percent(39, 40) == "97.5%")
    }
}
