import Foundation
import Testing
import HosoArchive
import HosoCore
import HosoTestSupport

@Suite struct BatchDiscoveryTests {
    /// Links to folders and hidden folders are not walked, and each is said; a dossier reached
    /// by two paths is found once.
    @Test func skippedFoldersAreReportedAndDossiersFoundOnce() throws {
        let t = TemporaryFolder()
        try t.write("batch/a/dossier.xml", "<x/>")
        try t.write("batch/.hidden/b/dossier.xml", "<x/>")
        try t.write("elsewhere/c/dossier.xml", "<x/>")
        #expect(symlink(t.sub("elsewhere"), t.sub("batch/linked")) == 0)
        let (found, problems) = BatchDiscovery.discover([t.sub("batch"), t.sub("batch/"), t.sub("batch/a")])
        #expect(found.map(\.xmlPath) == [t.sub("batch/a/dossier.xml")])
        #expect(problems.map(\.code) == [.folderSkipped, .folderSkipped])
        #expect(problems.map { $0.file ?? "" }.sorted() == [t.sub("batch/.hidden"), t.sub("batch/linked")])
    }
}
