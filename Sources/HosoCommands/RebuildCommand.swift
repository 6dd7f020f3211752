import ArgumentParser
import HosoArchive
import HosoCore
import HosoIndex

/// `hoso rebuild`: recreates the derived data (catalog, search index) from the store and ledger.
struct RebuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rebuild",
        abstract: "Recreate the catalog (and search index) from the object store and the ledger alone.")

    @OptionGroup var archiveOptions: ArchiveOptions
    @Option(name: .long, help: ArgumentHelp("Recover on a new host: attach a new archive folder to the S3 store of an archive (its ledger head is mirrored there), then rebuild.", valueName: "s3://bucket/prefix"))
    var from: String?
    @Option(name: .long, help: ArgumentHelp("The S3 service's URL, with --from (default: $HOSO_S3_ENDPOINT, else $AWS_ENDPOINT_URL).", valueName: "url"))
    var endpoint: String?
    @Flag(name: .long, help: "Wait for a running writer, or a verify, instead of failing at once.") var wait = false
    @Flag(name: .customLong("discard-newer"), help: "Rebuild even though the catalog or index reflects ledger entries the ledger no longer reaches (its head moved back or was deleted, entries removed): only once the ledger is known to be right. What is replaced is kept aside as catalog.sqlite.discarded-<time> and index.discarded-<time>.")
    var discardNewer = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let from, !from.hasPrefix("s3://") { throw ValidationError("--from takes an s3://bucket/prefix location") }
        if endpoint != nil && from == nil { throw ValidationError("--endpoint goes with --from") }
        try checkEndpoint(for: from, endpoint)
    }

    func run() throws {
        if let from {
            let attached = try Archive.attach(at: archiveOptions.location, store: try StoreSpec.remote(from, endpoint: endpoint))
            if !output.json { Console.shared.out("attached \(attached.root) to \(from); ledger head \(try Ledger(archive: attached).head()?.prefixed ?? "none")") }
        }
        Interruption.explainStop("the rebuild was cut short. The ledger and the objects are untouched; the catalog and the index are each as they were, kept aside (--discard-newer), or rebuilt. Run the same command again to finish"
                                 + (discardNewer ? " ('hoso rebuild --discard-newer': what was kept aside stays)" : ""))
        let archive = try archiveOptions.open()
        let lock = try ArchiveLock(archive: archive, wait: wait, purpose: "hoso rebuild")
        defer { withExtendedLifetime(lock) {} }
        // A catalog ahead of the ledger is the record of what the ledger lost: not rebuilt away
        // unless asked.
        for aside in try archive.checkDerivedDataBeforeRebuild(discard: discardNewer) {
            Console.shared.err("hoso: kept what reflects entries the ledger lost as \(aside)")
        }
        let started = SystemFile.monotonic()
        let meter = ProgressMeter("rebuilding catalog", totalItems: 0)
        // Both made anew by this hoso's rule (an archive from an older one is brought up to it).
        let entries = try CatalogSync.rebuild(archive: archive, derivation: IndexDocument.currentDerivation) { done, total in meter.update(items: done, bytes: 0) }
        meter.finish()
        let indexMeter = ProgressMeter("rebuilding index", totalItems: entries)
        let indexed = try IndexSync.rebuild(archive: archive, derivation: IndexDocument.currentDerivation) { done, _ in indexMeter.update(items: done, bytes: 0) }
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
            // Made from the ledger and the XML alone: the scans were not read.
            Console.shared.out("the scans were not read: 'hoso verify --quick' checks that every object is there")
        }
    }
}
