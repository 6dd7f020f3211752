import Testing
import HosoCore

@Suite struct PackedStringsTests {
    @Test func keepsEveryStringAndSortsByBytes() {
        let given = ["b", "", "000.00.21.H50-230512-0007", "hồ sơ", "Z", "a/b", "000.00.21.H50-230512-0006", "ä"]
        var packed = PackedStrings()
        for s in given { packed.append(s) }
        #expect(packed.count == given.count)
        #expect(Array(packed) == given)
        #expect(packed.withBytes(3) { Array($0) } == Array("hồ sơ".utf8) && packed.withBytes(1) { $0.isEmpty })
        #expect(packed.withBytes(2) { $0.count } == 25)
        // The order of file names in a batch: bytes, not Unicode's collation ("Z" before "a").
        let sorted = given.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(packed.byteOrder().map { packed[$0] } == sorted)
    }

    /// Sorted by bytes, a string is found by a binary search; equal strings keep the order they
    /// were appended in (a number's later ledger addition is its current version).
    @Test func findsStringsInByteOrder() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = ["0", "1", ".", "H", "a", "ồ", "Đ"]
        let given = (0..<400).map { _ in (0..<Int.random(in: 0...6, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }.joined() }
        var packed = PackedStrings()
        for s in given { packed.append(s) }
        let order = packed.byteOrder()
        for k in 1..<order.count {
            let c = packed.compare(order[k - 1], order[k])
            #expect(c < 0 || (c == 0 && order[k - 1] < order[k] && given[order[k - 1]] == given[order[k]]))
        }
        var sorted = PackedStrings()
        for i in order where sorted.isEmpty || sorted[sorted.count - 1] != given[i] { sorted.append(given[i]) }
        for s in Set(given) {
            let i = sorted.sortedIndex(of: s)
            #expect(i.map { sorted[$0] } == s)
        }
        for absent in ["x", "0000000", "Đồ0"] where !given.contains(absent) { #expect(sorted.sortedIndex(of: absent) == nil) }
        #expect(PackedStrings().sortedIndex(of: "") == nil)
    }
}
