import Foundation
import Testing
@testable import HosoArchive
import HosoCore
import HosoStore
import HosoTestSupport

@Suite struct SourceChangeTests {
    /// Reads like the hashing handler, then writes one byte into the file in place, as a
    /// scanner or a copy still at work would while ingest reads it.
    struct WritingWhileReading: ComponentFileHandler {
        let write: Bool
        func handle(fd: Int32, path: String, size: UInt64, declared: ObjectID?) throws -> (ObjectID, PutResult?) {
            let read = try HashingFileHandler().handle(fd: fd, path: path, size: size, declared: declared)
            if write {
                let out = open(path, O_WRONLY)
                var byte: UInt8 = 0x20
                _ = pwrite(out, &byte, 1, off_t(size / 2))
                close(out)
            }
            return read
        }
    }

    /// A file written to while it was read holds bytes it never held at once: refused (E304),
    /// though its size did not change; a file left alone passes.
    @Test func aFileWrittenToWhileItIsReadIsRefused() throws {
        let t = TemporaryFolder()
        let name = "000.00.21.H50-230512-0007"
        #expect(try shell("cp -a '\(Repository.path("sample-archive/dossiers"))/\(name)' '\(t.path)/' && chmod -R u+w '\(t.path)'"
                          + " && find '\(t.path)' -type f -exec touch -d '1 hour ago' {} +").status == 0)
        let source = DossierSource(folder: t.sub(name), xmlPath: t.sub(name + "/dossier.xml"), batchRoot: t.path)
        for write in [false, true] {
            let validator = DossierValidator(fileHandler: WritingWhileReading(write: write))
            let check = validator.check(source)
            let changed = check.diagnostics.filter { $0.code == .sizeMismatch && $0.message.contains("changed while it was read") }
            #expect(write ? !changed.isEmpty && !check.isValid : changed.isEmpty && check.isValid, "write: \(write): \(check.diagnostics.map(\.message))")
        }
    }
}
