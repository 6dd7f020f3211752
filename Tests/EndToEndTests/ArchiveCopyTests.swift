import Foundation
import Testing
import HosoTestSupport

/// Archives copied as archives are in practice: backups taken while an ingest ran, ledgers
/// restored older, catalogs copied without their write-ahead log. Verify must say what is true
/// of such a copy, the quick run as the full one does.
@Suite struct ArchiveCopyTests {
    /// Two batches of three sample dossiers each.
    func twoBatches(_ t: TemporaryFolder) throws -> (String, String) {
        let all = try FileManager.default.contentsOfDirectory(atPath: Repository.path("sample-archive/dossiers")).sorted()
        for (name, part) in [("b1", all[0..<3]), ("b2", all[3..<6])] {
            _ = try shell("mkdir -p '\(t.sub(name))'")
            for f in part { _ = try shell("cp -a '\(Repository.path("sample-archive/dossiers"))/\(f)' '\(t.sub(name))/'") }
        }
        return (t.sub("b1"), t.sub("b2"))
    }

    /// An archive holding the first of two batches (`twoBatches`).
    func archiveWithTheFirstBatch(_ t: TemporaryFolder) throws -> (archive: String, b1: String, b2: String) {
        let (b1, b2) = try twoBatches(t)
        let archive = try makeArchive(t)
        #expect(try Hoso.run(["ingest", "--archive", archive, b1]).status == 0)
        return (archive, b1, b2)
    }

    /// The object of a dossier's first component, as a hex name.
    func firstObject(of number: String, in archive: String) throws -> String {
        let shown = try jsonObject(try Hoso.run(["show", "--json", "--archive", archive, number]).stdout)
        return try #require(((shown["components"] as? [[String: Any]])?.first?["object"] as? String)?.split(separator: ":").last.map(String.init))
    }

    func codes(_ verify: Hoso.Outcome) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for f in (try jsonObject(verify.stdout)["findings"] as? [[String: Any]]) ?? [] { out[f["code"] as? String ?? "?", default: 0] += 1 }
        return out
    }

    /// A backup that reached the catalog after the ledger and the store, while an ingest ran:
    /// the catalog is ahead (E704), and nothing the backup's ledger archived is missing. The
    /// quick run took what is archived from the catalog's rows, and called every object of the
    /// entries beyond the ledger missing (E501, "used by" dossiers the backup never held).
    @Test func aBackupWhoseCatalogIsAheadLosesNothing() throws {
        let t = TemporaryFolder()
        let (archive, _, b2) = try archiveWithTheFirstBatch(t)
        let backup = t.sub("backup")
        _ = try shell("mkdir -p '\(backup)' && cp -a '\(archive)/hoso-archive.json' '\(archive)/ledger' '\(archive)/objects' '\(backup)/'")
        #expect(try Hoso.run(["ingest", "--archive", archive, b2]).status == 0)
        _ = try shell("cp -a '\(archive)'/catalog.sqlite* '\(backup)/'")
        let full = try Hoso.run(["verify", "--json", "--no-record", "--archive", backup])
        let quick = try Hoso.run(["verify", "--quick", "--json", "--no-record", "--archive", backup])
        #expect(try codes(full)["E704"] == 1 && codes(full)["E501"] == nil, "\(full.stdout)")
        #expect(try codes(quick)["E704"] == 1 && codes(quick)["E501"] == nil, "\(quick.stdout)")
    }

    /// An object a recorded run found missing, and that the archive no longer references (its
    /// ledger restored older, the catalog rebuilt from it): a full run never reads it, so a
    /// quick run must not keep calling it damaged (E516) for ever.
    @Test func damageOfObjectsNoLongerArchivedIsNotCarriedOn() throws {
        let t = TemporaryFolder()
        let (archive, _, b2) = try archiveWithTheFirstBatch(t)
        _ = try shell("cp '\(archive)/ledger/HEAD' '\(t.sub("HEAD1"))'")
        #expect(try Hoso.run(["ingest", "--archive", archive, b2]).status == 0)
        let number = try FileManager.default.contentsOfDirectory(atPath: b2).sorted()[0]
        let object = try firstObject(of: number, in: archive)
        _ = try shell("rm -f '\(archive)/objects/\(object.prefix(2))/\(object.dropFirst(2))'")
        let first = try Hoso.run(["verify", "--quick", "--json", "--archive", archive])
        #expect(try codes(first)["E501"] == 1, "\(first.stdout)")
        // Still archived: a later quick run says it is known missing.
        let again = try Hoso.run(["verify", "--quick", "--json", "--no-record", "--archive", archive])
        #expect(try codes(again)["E516"] == 1 || codes(again)["E501"] == 1, "\(again.stdout)")
        _ = try shell("cp '\(t.sub("HEAD1"))' '\(archive)/ledger/HEAD'")
        #expect(try Hoso.run(["rebuild", "--discard-newer", "--archive", archive]).status == 0)
        let after = try Hoso.run(["verify", "--quick", "--json", "--no-record", "--archive", archive])
        #expect(try codes(after)["E516"] == nil && codes(after)["E501"] == nil, "\(after.stdout)")
    }

    /// A catalog with no tables (an empty file, or catalog.sqlite copied without its -wal during
    /// a first ingest) is a missing catalog, made again from the ledger: W707, not "structure
    /// changed outside hoso" (E701).
    @Test func anEmptyCatalogIsMissingNotAltered() throws {
        let t = TemporaryFolder()
        let (archive, b1, _) = try archiveWithTheFirstBatch(t)
        _ = try shell("rm -f '\(archive)'/catalog.sqlite-* && : > '\(archive)/catalog.sqlite'")
        let v = try Hoso.run(["verify", "--json", "--no-record", "--archive", archive])
        let found = try codes(v)
        #expect(v.status == 0 && found == ["W707": 1], "\(v.stdout)")
        #expect(v.stdout.contains("empty"))
        // A user who cannot write the archive is told what it is, and what to do.
        _ = try shell("chmod -R a+rX '\(t.path)'")
        if try Unprivileged.available("-r '\(archive)/catalog.sqlite'") {
            let number = try FileManager.default.contentsOfDirectory(atPath: b1).sorted()[0]
            let r = try Unprivileged.hoso("show --archive '\(archive)' '\(number)'")
            #expect(r.status == 3 && r.output.contains("the catalog is empty") && !r.output.contains("outside hoso"), "\(r.output)")
            // The ledger head is sealed all the same, without counts.
            let seal = try Unprivileged.hoso("seal --archive '\(archive)'")
            #expect(seal.status == 0 && seal.output.contains("ledger entry: 1") && seal.output.contains("the seal carries no counts") && seal.output.contains("dossiers:     not counted"), "\(seal.output)")
        }
        // Opened by its owner, it is made again.
        #expect(try Hoso.run(["stats", "--archive", archive]).status == 0)
        #expect(try Hoso.run(["verify", "--no-record", "--archive", archive]).status == 0)
    }
}

extension ArchiveCopyTests {
    /// A reader who cannot bring a lagging catalog and index up to date (read-only media, not the
    /// owner) answers from them: the JSON says so, and show names the entry that holds a number
    /// the catalog lacks instead of calling it not archived.
    @Test func answersFromLaggingDataSaySo() throws {
        let t = TemporaryFolder()
        let (archive, _, b2) = try archiveWithTheFirstBatch(t)
        _ = try shell("cp -a '\(archive)/catalog.sqlite' '\(t.sub("catalog1"))' && cp -a '\(archive)/index' '\(t.sub("index1"))'")
        #expect(try Hoso.run(["ingest", "--archive", archive, b2]).status == 0)
        _ = try shell("rm -rf '\(archive)'/catalog.sqlite* '\(archive)/index' && cp -a '\(t.sub("catalog1"))' '\(archive)/catalog.sqlite' && cp -a '\(t.sub("index1"))' '\(archive)/index' && chmod -R a+rX '\(t.path)'")
        guard try Unprivileged.available("-r '\(archive)/catalog.sqlite'") else { return }
        let number = try FileManager.default.contentsOfDirectory(atPath: b2).sorted()[0]
        let show = try Unprivileged.hoso("show --archive '\(archive)' '\(number)'")
        #expect(show.status == 3 && show.output.contains("archived by ledger entry 2") && !show.output.contains("may be damaged"), "\(show.output)")
        let stats = try shell("\(Unprivileged.prefix) '\(Hoso.binary)' stats --json --archive '\(archive)' 2>/dev/null")
        let behind = try jsonObject(stats.output)["behind"] as? [String: Any]
        #expect(behind?["catalog"] as? Int == 1, "\(stats.output)")
        let search = try shell("\(Unprivileged.prefix) '\(Hoso.binary)' search --json --archive '\(archive)' '\(number)' 2>/dev/null")
        let found = try jsonObject(search.output)
        #expect(found["total"] as? Int == 0 && (found["behind"] as? [String: Any])?["searchIndex"] as? Int == 1, "\(search.output)")
        // Brought up to date by the owner, nothing is said.
        #expect(try Hoso.run(["stats", "--archive", archive]).status == 0)
        let current = try jsonObject(try Hoso.run(["stats", "--json", "--archive", archive]).stdout)
        #expect(current["behind"] == nil)
    }
}

extension ArchiveCopyTests {
    /// An export into a folder that fills up says so once, by the dossier being written, and
    /// stops: the dossiers after it would fail the same way (it printed one error per dossier,
    /// each naming a temporary file already removed). Needs root, for a small file system.
    @Test func anExportIntoAFullFolderStopsAndSaysWhy() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        #expect(try Hoso.run(["ingest", "--archive", archive, Repository.path("sample-archive/dossiers")]).status == 0)
        let small = t.sub("small")
        guard getuid() == 0, try shell("mkdir -p '\(small)' && mount -t tmpfs -o size=400k tmpfs '\(small)'").status == 0 else { return }
        defer { _ = try? shell("umount '\(small)'") }
        let numbers = try FileManager.default.contentsOfDirectory(atPath: Repository.path("sample-archive/dossiers")).sorted().prefix(30)
        let r = try Hoso.run(["export", "--archive", archive, "--to", small + "/out"] + numbers)
        #expect(r.status == 3)
        let errors = r.stderr.components(separatedBy: "\n").filter { $0.contains("error E406") }
        #expect(errors.count == 1 && errors[0].contains("is full") && !errors[0].contains(".tmp") && !errors[0].contains(".hoso-"), "\(r.stderr)")
        // What was exported is whole: every folder written verifies against the archive.
        let again = try Hoso.run(["export", "--archive", archive, "--to", small + "/out"] + numbers.prefix(1))
        #expect(again.status == 0 && again.stdout.contains("already exported"), "\(again.stdout)\(again.stderr)")
    }
}

extension ArchiveCopyTests {
    /// An archive shared with a group through its folders stays readable by that group whatever
    /// the umask of a run that writes (a cron job or `sudo -u` under umask 077 made the ledger
    /// head and new index files owner-only, locking every auditor out).
    @Test func aGroupSharedArchiveStaysSharedWhateverTheUmask() throws {
        let t = TemporaryFolder()
        let (b1, b2) = try twoBatches(t)
        // The owner (uid 65533) is not in the readers' group (65534, that of Unprivileged): a
        // chmod by such an owner drops a folder's set-group-ID bit, which root's does not.
        guard getuid() == 0, try Unprivileged.available("-x '\(Hoso.binary)'") else { return }
        let owned = t.sub("owned"), archive = owned + "/shared"
        _ = try shell("mkdir -p '\(owned)' && chown 65533:65533 '\(owned)' && chmod -R a+rX '\(t.path)'")
        let owner = "setpriv --reuid 65533 --regid 65533 --clear-groups '\(Hoso.binary)'"
        func asOwner(_ umask: String, _ commands: [String]) throws -> (status: Int32, output: String) {
            let r = try shell("umask \(umask) && " + commands.map { "\(owner) \($0) --archive '\(archive)' 2>&1" }.joined(separator: " && "))
            return (r.status, r.output)
        }
        #expect(try asOwner("027", ["init"]).status == 0)
        _ = try shell("chgrp -R 65534 '\(archive)' && find '\(archive)' -type d -exec chmod g+s {} +")
        #expect(try asOwner("027", ["ingest '\(b1)'"]).status == 0)
        let late = try asOwner("077", ["ingest '\(b2)'", "index optimize", "verify", "seal", "index rebuild"])
        #expect(late.status == 0, "\(late.output)")
        // (Lock files hold nothing to read: only the owner's commands take them.)
        let unreadable = try shell("find '\(archive)' ! -perm -g+r ! -name '*lock' -printf '%m %p\\n'").output
        #expect(unreadable.isEmpty, "\(unreadable)")
        let otherGroup = try shell("find '\(archive)' ! -group 65534 -printf '%g %p\\n'").output
        #expect(otherGroup.isEmpty, "\(otherGroup)")
        let noSetGID = try shell("find '\(archive)' -type d ! -perm -g+s -printf '%m %p\\n'").output
        #expect(noSetGID.isEmpty, "\(noSetGID)")
        // Nothing was opened to others: the folders let no one else in.
        let open = try shell("find '\(archive)' -perm /o+r -printf '%m %p\\n'").output
        #expect(open.isEmpty, "\(open)")
        let number = try FileManager.default.contentsOfDirectory(atPath: b2).sorted()[0]
        for command in ["search --archive '\(archive)' '\(number)'", "show --archive '\(archive)' '\(number)'", "verify --quick --archive '\(archive)'",
                        "verify --history --archive '\(archive)'"] {
            let r = try Unprivileged.hoso(command)
            #expect(r.status == 0, "\(command): \(r.output)")
        }
    }
}

extension ArchiveCopyTests {
    /// `object get -o` into a read-only folder names the file asked for (not a temporary file)
    /// and advises writing elsewhere (it advised remounting the archive). Needs root, for a
    /// read-only bind mount.
    @Test func anObjectWrittenIntoAReadOnlyFolderIsSaidOfTheFileAskedFor() throws {
        let t = TemporaryFolder()
        let archive = try makeArchive(t)
        let scan = Repository.path("sample-archive/dossiers/000.00.21.H50-230512-0007/scans/cccd.jpg")
        let name = try Hoso.run(["object", "put", "--archive", archive, scan]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let folder = t.sub("ro")
        guard getuid() == 0, try shell("mkdir -p '\(folder)' && mount --bind '\(folder)' '\(folder)' && mount -o remount,bind,ro '\(folder)'").status == 0 else { return }
        defer { _ = try? shell("umount '\(folder)'") }
        let r = try Hoso.run(["object", "get", "--archive", archive, name, "-o", folder + "/cccd.jpg"])
        #expect(r.status == 3 && r.stderr.contains(folder + "/cccd.jpg: error E406") && !r.stderr.contains(".hoso-tmp")
                && r.stderr.contains("write the object elsewhere"), "\(r.stderr)")
    }
}

extension ArchiveCopyTests {
    /// Damage a recorded run found is said by every later quick run until a run verifies the
    /// object intact, with a catalog or without one (without it, a quick run knows no
    /// references, and must not take that for "referenced by nothing").
    @Test func knownDamageIsSaidWithoutACatalogToo() throws {
        let t = TemporaryFolder()
        let (archive, b1, _) = try archiveWithTheFirstBatch(t)
        let number = try FileManager.default.contentsOfDirectory(atPath: b1).sorted()[0]
        let object = try firstObject(of: number, in: archive)
        let path = archive + "/objects/" + object.prefix(2) + "/" + object.dropFirst(2)
        _ = try shell("chmod u+w '\(path)' && \(flipMiddleByte) '\(path)'")
        #expect(try Hoso.run(["verify", "--archive", archive]).status == 1)
        _ = try shell("mv '\(archive)/catalog.sqlite' '\(t.sub("catalog.kept"))' && rm -f '\(archive)'/catalog.sqlite-*")
        let quick = try Hoso.run(["verify", "--quick", "--json", "--no-record", "--archive", archive])
        let found = try codes(quick)
        #expect(quick.status == 1 && found["E516"] == 1, "\(quick.stdout)")
    }
}

extension ArchiveCopyTests {
    /// An ingest that stored its ledger entry but could not move ledger/HEAD to it (a full disk,
    /// here a folder made immutable) names that entry, and the W612 verify will say of it.
    /// Needs root and a file system with chattr.
    @Test func aHeadThatCannotMoveNamesTheEntryLeftOff() throws {
        let t = TemporaryFolder()
        let (archive, _, b2) = try archiveWithTheFirstBatch(t)
        guard getuid() == 0, try shell("chattr +i '\(archive)/ledger'").status == 0 else { return }
        let r = try Hoso.run(["ingest", "--archive", archive, b2])
        _ = try shell("chattr -i '\(archive)/ledger'")
        #expect(r.status == 3 && r.stderr.contains("ledger entry 2 (sha256:") && r.stderr.contains("W612"), "\(r.stderr)")
        let v = try Hoso.run(["verify", "--json", "--no-record", "--archive", archive])
        #expect(try codes(v)["W612"] == 1, "\(v.stdout)")
    }
}

extension ArchiveCopyTests {
    /// A catalog made before the first commit (a backup taken then) is behind by every entry,
    /// not ahead of the ledger: W707, as search and show say, not a rollback alarm (E704).
    @Test func aCatalogOfNoEntryIsBehindNotAhead() throws {
        let t = TemporaryFolder()
        let (b1, _) = try twoBatches(t)
        let archive = try makeArchive(t)
        #expect(try Hoso.run(["stats", "--archive", archive]).status == 0)
        _ = try shell("cp '\(archive)/catalog.sqlite' '\(t.sub("catalog0"))'")
        #expect(try Hoso.run(["ingest", "--archive", archive, b1]).status == 0)
        _ = try shell("rm -f '\(archive)'/catalog.sqlite* && cp '\(t.sub("catalog0"))' '\(archive)/catalog.sqlite'")
        for level in [["--quick"], []] {
            let v = try Hoso.run(["verify", "--json", "--no-record", "--archive", archive] + level)
            let found = try codes(v)
            #expect(v.status == 0 && found["W707"] == 1 && found["E704"] == nil, "\(level): \(v.stdout)")
        }
        // One whose position was deleted while its rows remain is altered, not behind.
        #expect(try Hoso.run(["rebuild", "--archive", archive]).status == 0)
        _ = try shell("sqlite3 '\(archive)/catalog.sqlite' \"DELETE FROM meta WHERE key IN ('ledger_head', 'ledger_sequence')\"")
        let altered = try Hoso.run(["verify", "--quick", "--json", "--no-record", "--archive", archive])
        #expect(try altered.status == 1 && codes(altered)["W707"] == nil, "\(altered.stdout)")
    }
}

extension ArchiveCopyTests {
    /// An init on a disk out of room says what to do, and the next init completes the folders
    /// the first one made. Needs root, for a small file system.
    @Test func anInitOutOfRoomIsCompletedByTheNext() throws {
        let t = TemporaryFolder()
        let small = t.sub("small")
        guard getuid() == 0, try shell("mkdir -p '\(small)' && mount -t tmpfs -o size=2m,nr_inodes=60 tmpfs '\(small)'").status == 0 else { return }
        defer { _ = try? shell("umount '\(small)'") }
        let first = try Hoso.run(["init", "--archive", small + "/archive"])
        #expect(first.status == 3 && first.stderr.contains("run 'hoso init' again"), "\(first.stderr)")
        #expect(try shell("mount -o remount,nr_inodes=2000 '\(small)'").status == 0)
        #expect(try Hoso.run(["init", "--archive", small + "/archive"]).status == 0)
        #expect(try Hoso.run(["verify", "--quick", "--no-record", "--archive", small + "/archive"]).status == 0)
    }
}
