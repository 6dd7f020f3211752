import Testing
import HosoCore

@Suite struct RoundingTests {
    @Test func halfUpFromTheCounts() {
        // Halves exact in binary, which printf rounds to even.
        #expect(Rounding.halfUp(1, 32, places: 4) == "0.0313")
        #expect(Rounding.halfUp(500, 16, places: 1) == "31.3")
        // Halves that binary division puts just below.
        #expect(Rounding.halfUp(20100, 400, places: 1) == "50.3")
        #expect(Rounding.halfUp(57, 800, places: 4) == "0.0713")
        #expect(Rounding.halfUp(0, 7, places: 4) == "0.0000")
        #expect(Rounding.halfUp(7, 7, places: 4) == "1.0000")
        #expect(Rounding.halfUp(2, 3, places: 0) == "1")
        #expect(Rounding.halfUp(1, 3, places: 2) == "0.33")
        // Against exact rational arithmetic for every share up to 400.
        var wrong: [String] = []
        for whole in 1...400 {
            for part in 0...whole {
                let scaled = part * 10_000
                let q = scaled / whole, r = scaled % whole
                let expected = 2 * r >= whole ? q + 1 : q
                let s = Rounding.halfUp(part, whole, places: 4)
                if Int(String(s.filter { $0 != "." })) != expected { wrong.append("\(part)/\(whole) -> \(s)") }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
    }
}
