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
}
