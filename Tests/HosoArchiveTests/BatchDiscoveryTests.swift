import Foundation
import Testing
@testable import HosoArchive
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

    /// The compact list gives back every source as it was added, whatever the shape of its path.
    @Test func compactListGivesBackEverySource() {
        let given = [
            DossierSource(folder: "batch/000.00.21.H50-230512-0007", xmlPath: "batch/000.00.21.H50-230512-0007/dossier.xml", batchRoot: "batch"),
            DossierSource(folder: "batch/sub/b", xmlPath: "batch/sub/b/dossier.xml", batchRoot: "batch"),
            DossierSource(folder: "batch/c", xmlPath: "batch/c/dossier.xml", batchRoot: "batch"),
            DossierSource(folder: "a", xmlPath: "a/dossier.xml", batchRoot: "a"),
            DossierSource(folder: "/abs", xmlPath: "/abs/dossier.xml", batchRoot: "/"),
            DossierSource(folder: "/srv/lô 2/hồ sơ", xmlPath: "/srv/lô 2/hồ sơ/000.xml", batchRoot: "/srv/lô 2/hồ sơ"),
            DossierSource(folder: ".", xmlPath: "x.xml", batchRoot: "."),
        ]
        let list = DossierSources(given)
        #expect(list.count == given.count)
        #expect(Array(list) == given)
        #expect(list.map(\.xmlPath) == given.map(\.xmlPath))
        #expect(list[5].xmlPath == "/srv/lô 2/hồ sơ/000.xml" && list[1].folder == "batch/sub/b")
        // String == calls a name in NFC equal to its twin in NFD; on disk they are two folders.
        let nfc = "Phường Bến Nghé", nfd = "Phu\u{031B}o\u{031B}\u{0300}ng Be\u{0302}\u{0301}n Nghe\u{0301}"
        #expect(nfc == nfd && !nfc.utf8.elementsEqual(nfd.utf8))
        let twins = DossierSources([DossierSource(folder: nfc + "/a", xmlPath: nfc + "/a/dossier.xml", batchRoot: nfc),
                                    DossierSource(folder: nfd + "/a", xmlPath: nfd + "/a/dossier.xml", batchRoot: nfd)])
        #expect(twins.map { Array($0.folder.utf8) } == [Array((nfc + "/a").utf8), Array((nfd + "/a").utf8)])
        #expect(twins.map { Array($0.batchRoot.utf8) } == [Array(nfc.utf8), Array(nfd.utf8)])
    }

    /// A place named twice, or inside another place named (before or after it), is walked once;
    /// a name that only starts like another (batch-2 beside batch) is a place of its own.
    @Test func placesNamedTwiceOrInsideAnotherAreDropped() throws {
        let t = TemporaryFolder()
        for f in ["batch/a", "batch/b", "batch-2/c"] + (0..<3000).map({ "many/d\($0)" }) { try t.write(f + "/dossier.xml", "<x/>") }
        let named = [t.sub("batch/a"), t.sub("batch"), t.sub("batch-2"), t.sub("batch/"), t.sub("batch-2/c"), t.sub("./batch/b")]
        #expect(BatchDiscovery.distinctPaths(named) == [t.sub("batch"), t.sub("batch-2")])
        let many = (0..<3000).map { t.sub("many/d\($0)") }
        #expect(BatchDiscovery.distinctPaths(many + many) == many)
    }

    /// Two batches whose names differ only in Unicode form are two folders: both are walked.
    @Test func batchesNamedInNFCAndNFDAreBothRead() throws {
        let t = TemporaryFolder()
        let nfc = "Phường 1", nfd = "Phu\u{031B}o\u{031B}\u{0300}ng 1"
        try t.write(nfc + "/a/dossier.xml", "<x/>")
        try t.write(nfd + "/a/dossier.xml", "<x/>")
        let (found, problems) = BatchDiscovery.discover([t.sub(nfc), t.sub(nfd)])
        #expect(problems.isEmpty, "\(problems)")
        #expect(found.map { Array($0.xmlPath.utf8) } == [Array(t.sub(nfc + "/a/dossier.xml").utf8), Array(t.sub(nfd + "/a/dossier.xml").utf8)])
    }
}
