import Foundation
import Testing
import HosoArchive
import HosoCore
import HosoTestSupport

/// A commit follows the head its writer read: two writers at once (the lock file deleted under
/// the first) cannot drop one's entries from the chain.
@Suite struct LedgerCommitTests {
    @Test func aHeadMovedByAnotherWriterIsNotOverwritten() throws {
        let t = TemporaryFolder()
        let archive = try Archive.create(at: t.sub("archive"))
        let ledger = Ledger(archive: archive)
        func entry(_ sequence: Int, after previous: ObjectID?, _ note: String) -> LedgerEntry {
            LedgerEntry(sequence: sequence, previous: previous, time: "2026-11-30T00:00:00Z", operator: note, source: note, added: [])
        }
        let first = try ledger.commit(entry(1, after: nil, "first")).id
        // Two writers both read `first` as the head; the second commits before the first.
        let second = try ledger.commit(entry(2, after: first, "writer B")).id
        #expect(throws: HosoError.self) { try ledger.commit(entry(2, after: first, "writer A")) }
        #expect(try ledger.head() == second)
        // Following the head it read, a writer commits as before.
        let third = try ledger.commit(entry(3, after: second, "writer A again")).id
        #expect(try ledger.head() == third)
    }
}
