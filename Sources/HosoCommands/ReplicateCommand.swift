import ArgumentParser
import Foundation
import HosoArchive
import HosoCore
import HosoStore

/// `hoso replicate`: keeps a second, independent copy of every object.
struct ReplicateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replicate",
        abstract: "Copy every object missing from a second store (S3 or local), verifying each on the way.",
        discussion: """
        The second copy the archival rules ask for. Each object is read through the verifying \
        decoder and stored under its name, which the destination checks again; objects already \
        there are not copied (run it as often as you like). When every object is there, the \
        ledger head is kept too: in the bucket (so that it alone can recover the archive, 'hoso \
        rebuild --from'), as HEAD in a store folder, or as the ledger/HEAD of an archive folder \
        (a standby archive). A kept head only moves forward along this archive's ledger. Check \
        a replica with 'hoso verify --store'.
        With --repair, copies already at the destination are read too, and a damaged one is \
        replaced by the verified copy. With --from, the archive's own store is restored from a \
        replica instead: what it lacks is copied in (with --repair, its damaged copies are \
        replaced too), and a ledger head that was lost, or moved back while the catalog, index \
        or audit log show the archive had gone further, is given back (never backwards, never \
        onto another ledger; --restore-head also undoes a rollback its records agree with); \
        then run 'hoso verify'.
        STORE is s3://bucket/prefix (with --endpoint), an archive folder, or a store folder \
        (created when new).
        Exit status: 0 every object is in the replica (and the head where it should be), 1 some \
        could not be copied or the head could not be kept or restored, 3 failure. (A replica's head \
        further along than this archive's, left as it is because this archive's own records agree \
        with its head, a rollback on purpose, is said and is no failure: 0.)
        """)

    @OptionGroup var archiveOptions: ArchiveOptions
    @Option(name: .long, help: ArgumentHelp("Where to copy: s3://bucket/prefix, an archive folder or a store folder.", valueName: "store"))
    var to: String?
    @Option(name: .long, help: ArgumentHelp("Restore the archive's store from this replica instead (s3://bucket/prefix, an archive folder or a store folder).", valueName: "store"))
    var from: String?
    @Flag(name: .long, help: "Also read the copies already at the destination and replace damaged ones with verified copies.")
    var repair = false
    @Option(name: .long, help: ArgumentHelp("The S3 service's URL for --to or --from (default: $HOSO_S3_ENDPOINT, else $AWS_ENDPOINT_URL).", valueName: "url"))
    var endpoint: String?
    @Option(name: .long, parsing: .unconditional, help: "Objects copied at once, 1 to 256.") var jobs = 8
    @Flag(name: .long, help: "With --from: wait for a running writer, or a verify, instead of failing at once.") var wait = false
    @Flag(name: .long, help: "With --from: move the ledger head forward to the replica's even where the archive's catalog, index and audit log agree with its older head (a rollback to undo).")
    var restoreHead = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try checkJobs(jobs)
        guard (to == nil) != (from == nil) else { throw ValidationError("give one of --to (make a replica) and --from (restore from one)") }
        try checkEndpoint(for: to ?? from, endpoint)
        if restoreHead && from == nil { throw ValidationError("--restore-head goes with --from") }
    }

    func run() throws {
        let archive = try archiveOptions.open()
        let source: (any ObjectStore)?
        let destination: any ObjectStore
        if let from {
            source = try StoreSpec.open(from, endpoint: endpoint, policy: archive.config.compression, create: false)
            destination = archive.store
        } else {
            source = nil
            destination = try StoreSpec.open(to!, endpoint: endpoint, policy: archive.config.compression, create: true)
        }
        guard !StoreSpec.isSame(source ?? destination, archive.store) else {
            throw ValidationError("\(from != nil ? "--from" : "--to") names the archive's own store")
        }
        Interruption.explainStop(from != nil
            ? "the restore was cut short. Every object copied is whole and stays, and is listed in audit/restore.journal; run the same command again to copy the rest (it first records in the audit log what this run wrote back)"
            : "the copy was cut short. Every object copied is whole and stays; run the same command again to copy the rest")
        // Restoring writes into the archive's store: no ingest may run meanwhile.
        let lock = from != nil ? try ArchiveLock(archive: archive, wait: wait, purpose: "hoso replicate --from") : nil
        defer { withExtendedLifetime(lock) {} }
        // A restore stopped before it ended (killed, a power cut, Ctrl-C) left the list of what it
        // wrote back: recorded now, before this run writes anything, as a run of its own.
        var journal = from != nil ? RestoreJournal(archive: archive) : nil
        journal?.operatorName = IngestCommand.loginName
        if let j = journal, let left = j.left(in: archive.store) {
            // A journal whose run the audit log already holds (stopped after its record was
            // written, before the journal was removed) is not recorded twice.
            let nothing = left.written.isEmpty && left.headMoved == nil
            // (Started the same second, and listing every object the journal names, or the head
            // it wrote: the journal may have lost its last second's lines in a power cut.)
            let log = AuditLog(archive: archive)
            let named = Set(left.written.map(\.0))
            let recordedBefore = nothing ? nil : (try? log.allRecords().records)?.last { r in
                r.level == "restore" && r.started == left.started
                    && (named.isEmpty ? r.note?.contains("ledger/HEAD") == true : named.isSubset(of: log.objects(of: r)))
            }
            if nothing {
                j.finish()          // stopped before it wrote anything: nothing to record
            } else if let run = recordedBefore {
                j.finish()
                Console.shared.err("hoso: note: the journal of a restore started \(left.started) was left behind; that restore is already recorded as audit run \(run.sequence): removed")
            } else {
                let note = "restore from \(left.source) stopped before it ended (recorded by the next restore): \(left.written.count - left.replaced) missing objects copied back"
                    + (left.replaced > 0 ? ", \(left.replaced) damaged copies replaced" : "")
                    + (left.headMoved.map { "; ledger/HEAD written: \($0.from?.short ?? "missing or unreadable") → \($0.to.prefixed)" } ?? "")
                do {
                    let run = try AuditLog(archive: archive).append(level: "restore", budget: nil, ledgerHead: try Ledger(archive: archive).head()?.prefixed,
                                                                    started: left.started, seconds: 0, verified: left.written, bytes: left.bytes, findings: [],
                                                                    setAsideIfDamaged: false, note: note, operatorName: left.operatorName).record.sequence
                    j.finish()
                    Console.shared.err("hoso: note: a restore stopped before it ended had written \(Format.count(left.written.count, "object")) back into the archive"
                                       + (left.headMoved != nil ? " and its ledger head" : "") + ": recorded as audit run \(run)")
                } catch {
                    // The repair goes on all the same; the journal stays for a later restore,
                    // and this one keeps none of its own (it would replace that one).
                    journal = nil
                    Console.shared.err("hoso: note: a restore stopped before it ended had written \(Format.count(left.written.count, "object")) back into the archive"
                                       + (left.headMoved != nil ? " and its ledger head" : "") + ", "
                                       + "which cannot be recorded in the audit log now (\(error)): \(j.path) is kept for a later restore to record")
                }
            }
        }
        // Temp files of writers that died (this one holds the lock): not left for verify to name.
        // (An hour old: a copy to this archive as a standby takes no lock of it.)
        if from != nil, archive.store is LocalObjectStore { _ = try? SystemFile.removeTemporaries(in: archive.objectsPath, olderThan: 3600) }
        let meter = ProgressMeter(from != nil ? "restoring" : "replicating", totalItems: 0)
        let r = try Replicator.run(archive: archive, from: source, to: destination, repair: repair, restoreHead: restoreHead, journal: journal,
                                   workers: jobs) { n, b in
            meter.update(items: n, bytes: b)
        }
        meter.finish()
        // What a restore wrote into the archive's store is kept in its audit log: which objects
        // came back, from where, when and by whom (shown by 'hoso verify --history').
        var recorded: Int?
        let headNote = Self.describe(r.headRestore)
        if let source, !r.written.isEmpty || r.headRestore.map(Self.changedHead) == true {
            let note = "restored from \(source.location): \(r.copied - r.repaired) missing objects copied back"
                + (repair ? ", \(r.repaired) damaged copies replaced" : "") + (headNote.map { "; " + $0 } ?? "")
            // (When its journal was started, as the journal says: so a journal left behind by a
            // stop right after this record is known as recorded.)
            let started = journal?.started ?? CanonicalJSON.timestamp(Date(timeIntervalSinceNow: -r.seconds))
            do {
                recorded = try AuditLog(archive: archive).append(level: "restore", budget: nil, ledgerHead: try Ledger(archive: archive).head()?.prefixed,
                                                             started: started, seconds: r.seconds, verified: r.written, bytes: r.copiedBytes,
                                                             findings: r.findings, setAsideIfDamaged: false, note: note,
                                                             operatorName: IngestCommand.loginName).record.sequence
                journal?.finish()
            } catch {
                // The objects are back and verified; only their record is missing.
                Console.shared.err("hoso: note: the restore could not be recorded in the audit log (\(error)); run 'hoso verify' to record the archive's state")
            }
        }
        if output.json {
            struct Out: Encodable {
                let destination: String; let objects: Int; let copied: Int; let copiedBytes: UInt64; let alreadyPresent: Int; let repaired: Int
                let headMirrored: String?; let seconds: Double; let findings: [DiagnosticJSON]; let recordedRun: Int?
                let headRestore: String?
            }
            Console.shared.out(JSON.encode(Out(destination: destination.location, objects: r.objects, copied: r.copied, copiedBytes: r.copiedBytes,
                                               alreadyPresent: r.alreadyPresent, repaired: r.repaired, headMirrored: r.headMirrored?.prefixed, seconds: r.seconds,
                                               findings: r.findings.map { DiagnosticJSON(d: $0) }, recordedRun: recorded,
                                               headRestore: headNote), pretty: true))
        } else {
            let c = Console.shared
            for f in r.findings { c.out(c.render(f)) }
            c.out("\(r.objects) objects: \(r.copied) copied (\(Format.bytes(r.copiedBytes)))\(repair ? ", of which \(r.repaired) replaced damaged copies" : ""), \(r.alreadyPresent) already in \(destination.location)\(repair ? " and verified" : ""), \(r.notCopied) not copied; in \(Format.duration(r.seconds))")
            if let h = r.headMirrored {
                c.out("ledger head \(h.prefixed) kept at \((destination as? LocalObjectStore)?.headPath ?? destination.location + "/HEAD")")
            }
            if let headNote { c.out(headNote) }
            if source != nil && !repair && r.alreadyPresent > 0 {
                c.out("\(r.alreadyPresent == 1 ? "the 1 object" : "the \(r.alreadyPresent) objects") already in the archive "
                      + "\(r.alreadyPresent == 1 ? "was" : "were") trusted, not read: to replace damaged ones (E502–E508) as well, add --repair")
            }
            if let recorded { c.out("recorded as audit run \(recorded) (audit/log; 'hoso verify --history' lists it)") }
        }
        // Nothing written (or recorded above): no journal to keep. (One whose run could not
        // be recorded stays, for the next restore to record.)
        if r.written.isEmpty || recorded != nil { journal?.finish() }
        if !r.findings.isEmpty { throw ExitCode(1) }
    }

    static func changedHead(_ h: HeadRestore) -> Bool {
        switch h {
        case .restored, .adopted, .movedForward: true
        default: false
        }
    }

    /// What a restore did with the ledger head, in a sentence (nil: nothing to say).
    static func describe(_ h: HeadRestore?) -> String? {
        switch h {
        case nil, .same?: nil
        case let .restored(id, n, fromReplica)?:
            "ledger/HEAD was missing or unreadable: restored from the \(fromReplica ? "replica" : "archive's own catalog, index or audit log, which went further than the replica") (entry \(n), \(id.prefixed))"
        case let .adopted(id, n)?:
            "ledger/HEAD set to the replica's (entry \(n), \(id.prefixed)): this archive, which held nothing, is now a copy of the replica's, "
                + "its catalog and index built from it"
        case let .movedForward(from, to, n)?:
            "ledger/HEAD moved forward from \(from.short) to entry \(n) (\(to.prefixed)): the head had been moved back; "
                + "the catalog and index catch up at the next command"
        case let .replicaAhead(id, n)?:
            "the replica's ledger goes further (entry \(n), \(id.short)) than this archive's, whose catalog, index and audit log agree with its head: "
                + "left as it is (a rollback made on purpose?); --restore-head moves it forward"
        case let .replicaBehind(id)?: "the replica's ledger head (\(id.short)) is behind this archive's: left as it is ('hoso replicate --to' brings the replica up to date)"
        case let .diverged(id)?: "the replica's ledger head (\(id.short)) is on a ledger apart from this archive's: ledger/HEAD left as it is"
        case .nothingToRestore?: "ledger/HEAD is missing and nothing names an entry to restore: see above"
        case let .headEntryLost(id)?: "ledger/HEAD (\(id.short)) names an entry that cannot be read, and nothing here extends it: left as it is (see above)"
        }
    }
}
