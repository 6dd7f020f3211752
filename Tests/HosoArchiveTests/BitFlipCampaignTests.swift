import Foundation
import Testing
import HosoCatalog
import HosoCore
import HosoStore
import HosoTestSupport
@testable import HosoArchive

@Suite struct BitFlipCampaignTests {
    /// 1,000 single-bit flips at random places of random objects of a real archive (scans raw and
    /// compressed, dossier XML, manifests, ledger entries): the verifier's object check finds
    /// every one, and after restoring the bit the archive is clean again.
    @Test func everyFlipIsDetected() throws {
        let t = TemporaryFolder()
        let archive = try Archive.create(at: t.sub("archive"))
        let catalog = try Catalog.open(path: archive.catalogPath, mode: .readWrite)
        let (sources, _) = BatchDiscovery.discover([Repository.path("sample-archive/dossiers")])
        var options = IngestOptions(operatorName: "test")
        options.checkpointDossiers = 20
        let summary = try Ingest(archive: archive, catalog: catalog, options: options).run(DossierSources(sources.prefix(30))) { _ in }
        #expect(summary.archived == 30)
        let store = archive.store as! LocalObjectStore
        var objects: [ObjectID] = []
        try store.list { for e in $0 { if case let .object(id, _, _) = e { objects.append(id) } } }
        #expect(objects.count > 100)
        let checker = StoreChecker(store: store, level: .full)
        var rng = SystemRandomNumberGenerator()
        var codecs = Set<Codec>()
        for _ in 0..<1000 {
            let id = objects.randomElement(using: &rng)!
            let path = store.path(of: id)
            chmod(path, 0o644)
            var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            let bit = Int.random(in: 0..<(bytes.count * 8), using: &rng)
            bytes[bit / 8] ^= UInt8(1 << (bit % 8))
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            if let h = try? store.header(id) { codecs.insert(h.codec) }
            let (fault, _) = checker.check(id, storedSize: UInt64(bytes.count))
            #expect(fault != nil, "bit \(bit) of \(id.short) (\(bytes.count) bytes) not detected")
            bytes[bit / 8] ^= UInt8(1 << (bit % 8))
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        #expect(codecs == [.raw, .gzip])
        let report = try Verifier(archive: archive, options: VerifyOptions()).run()
        #expect(report.findings.isEmpty, "\(report.findings)")
    }
}
