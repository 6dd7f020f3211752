import Testing
@testable import HosoCore

@Suite struct TimestampTests {
    @Test func parsesVietnamTime() throws {
        let t = try #require(Timestamp("2023-05-12T08:15:00+07:00"))
        #expect(t.epochSeconds == 1_683_854_100)
        #expect(t.offsetSeconds == 25200)
        #expect(t.localDateText == "2023-05-12")
        #expect(t.description == "2023-05-12T08:15:00+07:00")
    }

    @Test func localDateCrossesMidnight() throws {
        // 00:30 in Vietnam is still the previous day in UTC.
        let t = try #require(Timestamp("2024-03-01T00:30:00+07:00"))
        #expect(t.localDateText == "2024-03-01")
        let u = try #require(Timestamp("2024-02-29T17:30:00Z"))
        #expect(u.epochSeconds == t.epochSeconds)
        #expect(u.localDateText == "2024-02-29")
    }

    @Test func fractionsAndOrdering() throws {
        let a = try #require(Timestamp("2023-05-12T08:15:00.5+07:00"))
        let b = try #require(Timestamp("2023-05-12T08:15:00.25+07:00"))
        #expect(a.microseconds == 500_000)
        #expect(b < a)
    }

    @Test(arguments: ["2023-02-29T08:00:00+07:00", "2023-13-01T08:00:00+07:00", "2023-05-12 08:15:00+07:00",
                      "2023-05-12T08:15:00", "2023-05-12T24:00:01+07:00", "2023-05-12T24:00:00.5+07:00", "2023-05-12T08:15:00+07:00x",
                      "2023-05-12T08:15:00.+07:00", ""])
    func refusesMalformed(_ text: String) {
        #expect(Timestamp(text) == nil)
    }

    /// 24:00:00 ends the day, as XML Schema's dateTime allows: the next day's 00:00:00.
    @Test func midnightAtTheEndOfTheDay() throws {
        let end = try #require(Timestamp("2023-05-12T24:00:00+07:00"))
        let next = try #require(Timestamp("2023-05-13T00:00:00+07:00"))
        #expect(end.epochSeconds == next.epochSeconds && end.localDay == next.localDay && end.text.hasSuffix("T24:00:00+07:00"))
    }

    @Test func civilRoundTrip() {
        for day in stride(from: -800_000, through: 800_000, by: 997) {
            let (y, m, d) = Timestamp.civilFromDays(day)
            #expect(Timestamp.daysFromCivil(y, m, d) == day)
        }
        #expect(Timestamp.day(fromISODate: "1970-01-01") == 0)
        #expect(Timestamp.day(fromISODate: "2000-02-30") == nil)
    }
}
