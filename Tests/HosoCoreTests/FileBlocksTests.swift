import Foundation
import Testing
import HosoCore
import HosoTestSupport

/// Files read in blocks and written piece by piece: what a list of millions of lines goes
/// through without being held whole.
@Suite struct FileBlocksTests {
    /// Lines cut anywhere by the blocks' ends come out whole: empty lines, a last line without
    /// its newline, a line longer than several blocks.
    @Test func linesAcrossBlocks() throws {
        let t = TemporaryFolder()
        var rng = SystemRandomNumberGenerator()
        for round in 0..<40 {
            var text = [UInt8]()
            for _ in 0..<Int.random(in: 0...30, using: &rng) {
                let length = [0, 1, 3, 17, 64, 200][Int.random(in: 0..<6, using: &rng)]
                text += (0..<length).map { _ in UInt8.random(in: 0x20...0x7E, using: &rng) } + [0x0A]
            }
            if round % 3 == 0 { text += Array("no newline at the end".utf8) }
            let path = t.sub("lines-\(round)")
            try SystemFile.writeAtomically(text, to: path)
            var expected = text.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
            if text.last == 0x0A || text.isEmpty { expected.removeLast() }
            for blockSize in [1, 2, 5, 64, 1 << 20] {
                var lines: [[UInt8]] = []
                try SystemFile.forEachLine(path, blockSize: blockSize) { lines.append(Array($0)) }
                #expect(lines == expected, "round \(round), blocks of \(blockSize)")
            }
        }
    }

    /// Blocks cover the file in order; a folder or a missing file is the error `readAll` gives.
    @Test func blocksAndTheirErrors() throws {
        let t = TemporaryFolder()
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let path = t.sub("data")
        try SystemFile.writeAtomically(bytes, to: path)
        var read: [UInt8] = []
        try SystemFile.forEachBlock(path, blockSize: 999) { read += $0 }
        #expect(read == bytes)
        #expect(try SystemFile.digestOrFail(path).id == ObjectID.hashing(bytes))
        #expect(try SystemFile.digestOrFail(path).size == 10_000)
        #expect(throws: SystemError.self) { try SystemFile.forEachBlock(t.sub("none")) { _ in } }
        do { try SystemFile.forEachBlock(t.path) { _ in }; Issue.record("a folder was read") } catch { #expect(error.errno == EISDIR) }
        do { _ = try SystemFile.digestOrFail(t.sub("none")); Issue.record("a missing file was read") } catch { #expect(error.errno == ENOENT) }
    }

    /// Content written piece by piece lands whole or not at all: a failure while producing it
    /// leaves neither the file nor a temp file behind, and an existing file as it was.
    @Test func writtenPieceByPieceOrNotAtAll() throws {
        let t = TemporaryFolder()
        let path = t.sub("list")
        try SystemFile.writeAtomically(to: path) { (write: (UnsafeRawBufferPointer) throws(SystemError) -> Void) throws(SystemError) in
            for i in 0..<1_000 {
                let piece = Array("line \(i)\n".utf8)
                var failure: SystemError?
                piece.withUnsafeBytes { b in do throws(SystemError) { try write(b) } catch { failure = error } }
                if let failure { throw failure }
            }
        }
        let whole = try SystemFile.readAll(path, limit: 1 << 20)
        #expect(whole == Array((0..<1_000).map { "line \($0)\n" }.joined().utf8))
        do {
            try SystemFile.writeAtomically(to: path) { (write: (UnsafeRawBufferPointer) throws(SystemError) -> Void) throws(SystemError) in
                var failure: SystemError?
                Array("half".utf8).withUnsafeBytes { b in do throws(SystemError) { try write(b) } catch { failure = error } }
                if let failure { throw failure }
                throw SystemError(errno: ENOSPC, operation: "write", path: path)
            }
            Issue.record("the failure was not passed on")
        } catch {
            #expect(error.errno == ENOSPC)
        }
        #expect(try SystemFile.readAll(path, limit: 1 << 20) == whole)
        #expect(try SystemFile.listDirectory(t.path).map(\.name) == ["list"])
    }
}
