import Foundation
import HosoIndex
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

/// The ingest's advice to pack the index: only where an optimize would leave 8 segments fewer
/// or more (what a million dossiers ingested in checkpoints come to), never for the few small
/// segments the automatic merges keep.
@Suite struct OptimizeHintTests {
    func segments(_ docs: [Int]) throws -> [IndexManifest.SegmentEntry] {
        let json = "[" + docs.enumerated().map { "{\"file\":\"seg-\($0.offset).hix\",\"docs\":\($0.element),\"bytes\":1,\"crc\":0,\"deletedDocs\":0}" }.joined(separator: ",") + "]"
        return try JSONDecoder().decode([IndexManifest.SegmentEntry].self, from: Data(json.utf8))
    }

    @Test func adviceOnlyWhereItPays() throws {
        let current = Segment.currentFormatVersion
        // 8 full segments and 23 of about 27,000 (as at a million): 31 into 21.
        let grown = try segments([Int](repeating: 50_000, count: 8) + [Int](repeating: 27_000, count: 23))
        let hint = IngestCommand.optimizeHint(grown, formats: [UInt32](repeating: current, count: 31))
        #expect(hint == "the search index now has 31 segments: 'hoso index optimize' would pack them into 21, for faster searches")
        // The automatic merges' few small segments: an optimize would leave 1, but 7 fewer is not worth a word.
        let small = try segments([400, 300, 200, 100, 90, 80, 70, 60])
        #expect(IngestCommand.optimizeHint(small, formats: [UInt32](repeating: current, count: 8)) == nil)
        // Full segments: nothing to pack.
        let full = try segments([Int](repeating: 50_000, count: 20))
        #expect(IngestCommand.optimizeHint(full, formats: [UInt32](repeating: current, count: 20)) == nil)
    }
}
