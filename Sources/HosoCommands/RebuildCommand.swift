import ArgumentParser
import HosoArchive
import HosoCore

/// `hoso rebuild`: recreates the derived data (catalog, search index) from the store and ledger.
struct RebuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rebuild",
        abstract: "Recreate the catalog (and search index) from the object store and the ledger alone.")

    @OptionGroup var archiveOptions: ArchiveOptions
    @Flag(name: .long, help: "Wait for a running writer instead of failing at once.") var wait = false
    @OptionGroup var output: OutputOptions

    func run() throws {
        let archive = try archiveOptions.open()
        let lock = try ArchiveLock(archive: archive, wait: wait, purpose: "hoso rebuild")
        defer { withExtendedLifetime(lock) {} }
        let started = SystemFile.monotonic()
        let meter = ProgressMeter("rebuilding catalog", totalItems: 0)
        let entries = try CatalogSync.rebuild(archive: archive) { done, total in meter.update(items: done, bytes: 0) }
        meter.finish()
        let indexMeter = ProgressMeter("rebuilding index", totalItems: entries)
        let indexed = try IndexSync.rebuild(archive: archive) { done, _ in indexMeter.update(items: done, bytes: 0) }
        indexMeter.finish()
        let seconds = SystemFile.monotonic() - started
        let catalog = try archive.openCatalogForReading()
        let totals = try catalog.totals()
        if output.json {
            struct Out: Encodable { let entries: Int; let versions: Int; let objects: Int; let indexedDossiers: Int; let seconds: Double }
            Console.shared.out(JSON.encode(Out(entries: entries, versions: totals.versions, objects: totals.objects, indexedDossiers: indexed, seconds: seconds)))
        } else {
            Console.shared.out("rebuilt the catalog from \(entries) ledger entries: \(totals.versions) dossier versions, \(totals.objects) objects;")
            Console.shared.out("rebuilt the search index: \(indexed) dossiers; in \(Format.duration(seconds))")
        }
    }
}
