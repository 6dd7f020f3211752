import Testing
import HosoCore

/// Decimal digits written into bytes are `String(n)`'s, for every width and sign.
@Suite struct DecimalDigitsTests {
    static func written<I: FixedWidthInteger>(_ n: I) -> String {
        var bytes = [UInt8](repeating: 0xFF, count: DecimalDigits.maximumCount + 1)
        let count = bytes.withUnsafeMutableBytes { DecimalDigits.write(n, to: $0.baseAddress!) }
        #expect(bytes[count] == 0xFF, "wrote past its count for \(n)")
        return String(decoding: bytes[0..<count], as: UTF8.self)
    }

    @Test func theSameBytesAsString() {
        for n: Int64 in [0, 1, -1, 9, 10, -10, 99, 100, 1_780_000_000, Int64.max, Int64.min, Int64.min + 1] {
            #expect(Self.written(n) == String(n))
        }
        #expect(Self.written(UInt64.max) == String(UInt64.max))
        #expect(Self.written(Int8.min) == "-128" && Self.written(UInt8(7)) == "7")
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let n = Int64.random(in: Int64.min...Int64.max, using: &rng) >> Int64.random(in: 0...63, using: &rng)
            #expect(Self.written(n) == String(n))
        }
    }
}
