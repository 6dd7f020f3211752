import Testing
import HosoCore

@Suite struct SortedSearchTests {
    /// The binary search agrees with a linear scan on sorted arrays with repeats, misses and ends.
    @Test func lowerBoundAndContainsMatchALinearScan() {
        var rng = SystemRandomNumberGenerator()
        for size in [0, 1, 2, 3, 7, 64, 1000] {
            let a = (0..<size).map { _ in Int.random(in: 0...size, using: &rng) }.sorted()
            for key in -1...(size + 1) {
                #expect(a.sortedLowerBound(key) { $0 } == (a.firstIndex { $0 >= key } ?? a.endIndex), "size \(size), key \(key)")
                #expect(a.sortedContains(key) == a.contains(key), "size \(size), key \(key)")
                #expect(a.sortedIndex(of: key) == a.firstIndex(of: key), "size \(size), key \(key)")
            }
            // A slice keeps its own indices.
            let s = a.dropFirst(size / 2)
            for key in -1...(size + 1) {
                #expect(s.sortedLowerBound(key) { $0 } == (s.firstIndex { $0 >= key } ?? s.endIndex))
            }
        }
    }
}
