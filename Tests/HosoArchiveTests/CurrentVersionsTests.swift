import Testing
import HosoCore
@testable import HosoArchive

/// What a verify compares the index with: each number's latest addition on the ledger.
@Suite struct CurrentVersionsTests {
    @Test func aNumbersLatestAdditionIsItsCurrentVersion() {
        var rng = SystemRandomNumberGenerator()
        let numbers = (0..<60).map { i in i % 7 == 0 ? "Đ-\(i)" : "000.00.\(i % 13).H50-2305\(i)" }
        var additions: [LedgerAddition] = []
        var expected: [String: ObjectID] = [:]
        for k in 0..<500 {
            let n = numbers.randomElement(using: &rng)!
            let m = ObjectID.hashing(Array("\(k)".utf8))
            additions.append(LedgerAddition(dossier: n, version: k, manifest: m))
            expected[n] = m
        }
        let current = CurrentVersions(additions)
        #expect(current.count == expected.count)
        #expect((0..<current.count).map(current.number) == expected.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        for (n, m) in expected {
            #expect(current[n] == m)
            #expect(current.index(of: n).map(current.manifest) == m)
        }
        #expect(current["000.00.99.H50-230599"] == nil && CurrentVersions([]).count == 0)
    }
}
