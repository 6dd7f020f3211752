import ArgumentParser
import Foundation
import HosoArchive
import HosoCatalog
import HosoCore
import HosoStore

/// `hoso export CODE… --to DIR`: the original XML and scans back out, each verified.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export",
        abstract: "Write dossiers' original XML and scans to a folder, each verified on the way out.",
        discussion: """
        Each dossier goes to DIR/<number>/ with dossier.xml and its scans at their original relative \
        paths; sha256sum of every exported file equals its recorded digest. With --bagit each \
        dossier becomes a BagIt bag (RFC 8493): data/ holds the files, manifest-sha256.txt their \
        digests, bag-info.txt the dossier's key fields. Nothing is overwritten: a dossier's folder \
        that exists already is left as it is, reported as already exported when it holds exactly \
        the recorded files (a rerun), refused otherwise. A dossier's folder appears only once all its files are written and \
        verified; one that cannot be exported (a damaged object) is reported and leaves nothing, the \
        others are still exported, and the exit status is then 3. With --result-only, only the \
        result documents' scans are written (a copy for the citizen: no metadata, no other papers); \
        a dossier whose access is restricted is exported with a note saying so.
        """)

    @OptionGroup var archiveOptions: ArchiveOptions
    @Argument(help: "Dossier numbers.") var numbers: [String]
    @Option(name: .long, help: "The folder to write into (created if needed).") var to: String
    @Flag(name: .long, help: "Write each dossier as a BagIt bag.") var bagit = false
    @Option(name: .long, parsing: .unconditional, help: "Export this version instead of the current one (one dossier only).") var version: Int?
    @Flag(name: .long, help: "Only the result documents' scans (components of role 'result'), without dossier.xml.") var resultOnly = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if version != nil && numbers.count != 1 { throw ValidationError("--version takes exactly one dossier number") }
        if let version, version < 1 { throw ValidationError("--version takes a version number: 1 for the first") }
        if numbers.contains(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) { throw ValidationError("an empty dossier number was given: name each dossier by its number (mã số hồ sơ)") }
        if resultOnly && bagit { throw ValidationError("--result-only writes the result's scans alone; a BagIt bag holds the whole dossier: choose one") }
        if bagit { _ = try Self.baggingTime() }
    }

    /// When the bags are made, in seconds since 1970: `SOURCE_DATE_EPOCH` when set (the
    /// reproducible-builds convention: two exports of one dossier then make identical bags),
    /// else now. A value that is not a count of seconds is refused, not ignored.
    static func baggingTime() throws -> Int64 {
        guard let text = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"] else { return Int64(Date().timeIntervalSince1970) }
        guard let seconds = Int64(text), seconds >= 0, seconds < 253_402_300_800 else {
            throw ValidationError("SOURCE_DATE_EPOCH is '\(text)', not a count of seconds since 1970-01-01 UTC: correct it, or unset it to date the bags today")
        }
        return seconds
    }

    struct Written: Encodable {
        let number: String; let folder: String; let files: Int; let bytes: UInt64
        /// Found already exported, identical (a rerun), and left as it was.
        let already: Bool
    }
    struct Failed: Encodable { let number: String; let code: String; let message: String }

    func run() throws {
        let archive = try archiveOptions.open()
        if SystemFile.isWithin(to, folder: archive.root) {
            throw ValidationError("--to '\(to)' is inside the archive, where hoso writes only its own files: export into a folder outside it")
        }
        if let st = SystemFile.status(to), !SystemFile.isDirectory(st) {
            throw ValidationError("--to '\(to)' is a file, not a folder: name a folder (it is created if needed)")
        }
        let catalog = try archive.openCatalogForReading()
        // A destination this user may not write is said once, as such (not per dossier, and
        // not with the archive's advice of running as its owner).
        // The folders this run makes, deepest first: removed again if nothing is exported.
        var made: [String] = []
        var missing = to.count > 1 && to.hasSuffix("/") ? String(to.dropLast()) : to
        while !missing.isEmpty && missing != "." && missing != "/" && !SystemFile.exists(missing) {
            made.append(missing)
            missing = SystemFile.parentFolder(missing)
        }
        do { try SystemFile.makeDirectories(to) } catch {
            throw [EACCES, EPERM, EROFS].contains(error.errno) ? notWritable(error.errno) : error
        }
        guard access(to, W_OK | X_OK) == 0 else { throw notWritable(errno) }
        removeAbandonedPartials()
        Interruption.explainStop("the export was cut short. Every dossier folder written is complete; the one being written is left out (its hidden folder is removed by the next export on this machine). Run the same command again: what is there is recognised")
        var written: [Written] = [], failed: [Failed] = []
        // Each dossier on its own: one that cannot be exported (a damaged object, a folder in
        // the way) is reported, and the others are still written.
        for (i, number) in numbers.enumerated() {
            do {
                let w = try export(number, archive: archive, catalog: catalog)
                written.append(w)
                if !output.json {
                    Console.shared.out(w.already ? "already exported: \(w.number) in \(w.folder), every file as recorded"
                                                 : "exported \(w.number) to \(w.folder)\(bagit ? " (BagIt)" : ""): \(Format.count(w.files, "file")), \(Format.bytes(w.bytes)), all verified")
                }
            } catch let e as SystemError where [ENOSPC, EDQUOT].contains(e.errno) && !SystemFile.isWithin(e.path, folder: archive.root) {
                // The destination is full: every dossier after this one would fail the same way
                // (said once, by the dossier, not by the temporary file it was writing).
                let d = Diagnostic(.ioFailure, file: to, subject: number,
                    message: "the folder to export into is full (\(e.reason)) while \(number) was written: it is left out, and the \(numbers.count - i - 1) dossier\(numbers.count - i - 1 == 1 ? "" : "s") after it are not tried",
                    advice: "Free space there, or export to another disk (--to), then run the same command again: the dossiers exported are recognised, every file verified")
                for n in numbers[i...] { failed.append(Failed(number: n, code: d.code.rawValue, message: n == number ? d.message : "not tried: the folder to export into is full")) }
                Console.shared.flush()
                Console.shared.err("hoso: " + Console.shared.render(d))
                break
            } catch {
                let d = (error as? HosoError)?.diagnostic ?? (error as? SystemError)?.diagnostic
                    ?? Diagnostic(.ioFailure, subject: number, message: "\(error)", advice: "Run 'hoso verify'")
                failed.append(Failed(number: number, code: d.code.rawValue, message: d.message))
                Console.shared.flush()
                Console.shared.err("hoso: " + Console.shared.render(d))
            }
        }
        if output.json {
            struct Out: Encodable { let exported: [Written]; let failed: [Failed] }
            Console.shared.out(JSON.encode(Out(exported: written, failed: failed)))
        } else if !failed.isEmpty {
            Console.shared.out("\(failed.count) of \(numbers.count) dossiers not exported: " + failed.map(\.number).joined(separator: ", "))
        }
        if !failed.isEmpty {
            // A folder made for nothing is not left behind (rmdir takes only an empty one).
            if written.isEmpty { for folder in made { rmdir(folder) } }
            throw ExitCode(3)
        }
    }

    private func notWritable(_ errno: Int32) -> HosoError {
        if errno == EROFS {
            return HosoError(.ioFailure, file: to, message: "the folder to export into is on a read-only file system",
                             advice: "Export to writable media (--to); nothing was exported")
        }
        return HosoError(.ioFailure, file: to, message: "the folder to export into cannot be written by this user: \(String(cString: strerror(errno)))",
                         advice: "Export into a folder you may write (--to), or ask the folder's owner for write access; nothing was exported")
    }

    /// Writes one dossier into a hidden folder beside its destination, renamed into place once
    /// every file is written and verified: a dossier's folder is complete or absent.
    func export(_ number: String, archive: Archive, catalog: Catalog) throws -> Written {
        let (row, _) = try lookUp(number, version: version, in: catalog, archive: archive)
        let manifest = try checkedManifest(row, archive: archive)
        let folder = (to.count > 1 && to.hasSuffix("/") ? String(to.dropLast()) : to) + "/" + row.number
        var files: [(relative: String, id: ObjectID, size: UInt64)] = resultOnly ? [] : [("dossier.xml", manifest.xml.object, manifest.xml.size)]
        for c in manifest.components where !resultOnly || c.role == "result" {
            if let why = DossierValidator.unsafePathReason(c.file) {
                throw HosoError(.unsafePath, subject: row.number, message: "component \(c.id) has an unsafe path: \(why)",
                                found: c.file, advice: "The manifest is damaged; run 'hoso verify'")
            }
            if !files.contains(where: { $0.relative == c.file }) { files.append((c.file, c.object, c.size)) }
        }
        if resultOnly && files.isEmpty {
            throw HosoError(.dossierNotFound, subject: row.number, message: "\(row.number) has no result document among its components",
                            advice: "Export the whole dossier (without --result-only), or check with 'hoso show \(row.number)'")
        }
        if let mode = row["access_mode"], mode != "open" {
            Console.shared.err("hoso: note: \(row.number) is \(mode) (accessMode): hand it only to those entitled to it")
        }
        rmdir(folder)               // an empty folder holds nothing to keep: the export takes its place (rmdir takes nothing else)
        if SystemFile.exists(folder) {
            // A rerun (after an interruption, or of the same list): a folder already holding
            // exactly these files, each with its recorded digest, is this export; anything
            // else is not overwritten.
            let payload = bagit ? folder + "/data" : folder
            // A bag says which version it holds: one of another version (the same scans, as
            // when a later version brought an earlier content back) is not this export.
            if bagit, let info = try? SystemFile.readAll(folder + "/bag-info.txt", limit: 1 << 20) {
                // "Name: value" lines.
                let fields = Dictionary(String(decoding: info, as: UTF8.self).split(separator: "\n").compactMap { line -> (String, String)? in
                    guard let colon = line.firstRange(of: ": ") else { return nil }
                    return (String(line[..<colon.lowerBound]), String(line[colon.upperBound...]))
                }, uniquingKeysWith: { first, _ in first })
                if let held = fields["Hoso-Manifest"], held != row.manifest.prefixed {
                    throw HosoError(.ioFailure, file: folder,
                                    message: "the export folder holds a bag of another version of \(row.number)\(fields["Hoso-Dossier-Version"].map { " (version \($0))" } ?? ""), not of version \(row.version)",
                                    expected: "manifest \(row.manifest.prefixed)", found: "manifest \(held)",
                                    advice: "Choose another --to folder (one for each version), or move the existing bag away; export never overwrites")
                }
            }
            let expected = Set(files.map { (bagit ? "data/" : "") + $0.relative })
                .union(bagit ? ["bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt"] : [])
            let same = files.allSatisfy { f in
                SystemFile.digest(of: payload + "/" + f.relative).map { $0.id == f.id && $0.size == f.size } ?? false
            } && Self.filesUnder(folder) == expected
            guard same else {
                throw HosoError(.ioFailure, file: folder, message: "the export folder exists already, with other content",
                                advice: "Choose another --to folder (one for each version, when exporting several versions of a dossier), or move the existing one away; export never overwrites")
            }
            return Written(number: row.number, folder: folder, files: files.count, bytes: files.reduce(0) { $0 + $1.size }, already: true)
        }
        let partial = to + "/.hoso-export-\(getpid())@\(Self.hostName)-" + SystemFile.randomSuffix()
        var done = false
        defer { if !done { try? FileManager.default.removeItem(atPath: partial) } }
        let payload = bagit ? partial + "/data" : partial
        var bytes: UInt64 = 0
        for f in files {
            let dest = payload + "/" + f.relative
            try SystemFile.makeDirectories(SystemFile.parentFolder(dest))
            do { try exportVerified(archive.store, f.id, to: dest) } catch let fault as ObjectFault {
                throw HosoError(fault.code, file: f.relative, subject: f.id.prefixed,
                                message: "\(row.number): \(f.relative) (object \(f.id.short)) cannot be exported: \(fault)",
                                advice: fault.advice)
            }
            bytes += f.size
        }
        if bagit { try BagItWriter.finish(bag: partial, files: files, row: row, manifestID: row.manifest) }
        try LocalObjectStore.renameNoReplace(partial, folder)      // never over a folder that appeared meanwhile
        done = true
        try SystemFile.syncDirectory(to)
        return Written(number: row.number, folder: folder, files: files.count, bytes: bytes, already: false)
    }

    /// The relative paths of the files under `folder` (links and special files included; a
    /// folder that cannot be listed holds an entry nothing matches).
    static func filesUnder(_ folder: String) -> Set<String> {
        var out = Set<String>()
        func walk(_ dir: String, _ prefix: String, depth: Int) {
            guard depth < 32, let entries = try? SystemFile.listDirectory(dir) else { out.insert(prefix + "?"); return }
            for e in entries {
                let rel = prefix + e.name
                if let st = SystemFile.linkStatus(dir + "/" + e.name), SystemFile.isDirectory(st) {
                    walk(dir + "/" + e.name, rel + "/", depth: depth + 1)
                } else {
                    out.insert(rel)
                }
            }
        }
        walk(folder, "", depth: 0)
        return out
    }

    /// This machine's name, in the hidden folder of an export: a folder shared by several
    /// machines tells whose process made it.
    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.filter { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }()

    /// Removes the hidden folders of exports killed part way into `to`: made by a process of
    /// this machine that no longer runs, or, made elsewhere (or by a release that did not name
    /// its machine), by a process that does not run here and untouched for an hour.
    func removeAbandonedPartials() {
        for (name, _) in (try? SystemFile.listDirectory(to)) ?? [] where name.hasPrefix(".hoso-export-") {
            let rest = name.dropFirst(".hoso-export-".count)
            let pid = Int32(rest.prefix { $0.isNumber }) ?? 0
            guard pid > 0, kill(pid, 0) != 0, errno == ESRCH else { continue }
            // The machine: between the @ and the last dash (the random suffix after it has none).
            let afterPID = rest.drop { $0.isNumber }
            let host = afterPID.hasPrefix("@") ? afterPID.dropFirst().split(separator: "-", omittingEmptySubsequences: false).dropLast().joined(separator: "-") : nil
            let mine = !Self.hostName.isEmpty && host == Self.hostName
            if !mine {
                guard let st = SystemFile.status(to + "/" + name), Int(st.st_mtim.tv_sec) < Int(time(nil)) - 3600 else { continue }
            }
            try? FileManager.default.removeItem(atPath: to + "/" + name)
        }
    }
}

/// Writes the tag files of a BagIt 1.0 bag (RFC 8493) whose payload is already in `data/`.
enum BagItWriter {
    static func finish(bag: String, files: [(relative: String, id: ObjectID, size: UInt64)], row: VersionRow, manifestID: ObjectID) throws {
        // Each written and synced in place: the bag is a hidden folder until it is complete and
        // renamed into place, so no temp file, rename or folder sync each (which made --bagit
        // several times slower than a plain export). Synced, as an export found again takes a
        // bag's tag files by their names.
        func write(_ name: String, _ text: String) throws -> ObjectID {
            let bytes = Array(text.utf8)
            let path = bag + "/" + name
            let fd = try SystemFile.createExclusive(path)
            defer { SystemFile.closeDescriptor(fd) }
            try bytes.withUnsafeBytes { try SystemFile.write(fd, $0, path: path) }
            try SystemFile.sync(fd, path: path)
            return ObjectID.hashing(bytes)
        }
        // Paths in manifests: percent-encode CR, LF and % only (RFC 8493 §2.1.3).
        func encodePath(_ p: String) -> String {
            p.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\n", with: "%0A").replacingOccurrences(of: "\r", with: "%0D")
        }
        func clean(_ v: String?) -> String { (v ?? "").replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ") }
        let bagitTxt = try write("bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
        let manifest = files.map { "\($0.id.hex)  data/\(encodePath($0.relative))\n" }.joined()
        let manifestTxt = try write("manifest-sha256.txt", manifest)
        let total = files.reduce(UInt64(0)) { $0 + $1.size }
        // The day in Vietnam, where the dossiers' own dates are read (a bag made at 01:00 there is
        // of that day, not of the day before in UTC).
        let day = String(DayArgument.vietnamTime(try ExportCommand.baggingTime()).prefix(10))
        var info: [(String, String)] = [
            ("Source-Organization", clean(row["receiving_agency_name"])),
            ("Hoso-Agency-Code", clean(row["receiving_agency_code"])),  // Organization-Address is a postal address
            ("External-Identifier", row.number),
            ("External-Description", clean(row["title"])),
            ("Bagging-Date", day),
            ("Bag-Software-Agent", "hoso \(HosoVersion.text)"),
            ("Payload-Oxum", "\(total).\(files.count)"),
            ("Hoso-Dossier-Version", String(row.version)),
            ("Hoso-Manifest", manifestID.prefixed),
            ("Hoso-Procedure", clean("\(row["procedure_code"] ?? "") \(row["procedure_name"] ?? "")")),
            ("Hoso-Applicant", clean(row["applicant_name"])),
            ("Hoso-Received", clean(row["received_text"])),
            ("Hoso-Status", clean(row["status"])),
        ]
        if let c = row["completed_text"] { info.append(("Hoso-Completed", c)) }
        let bagInfo = try write("bag-info.txt", info.map { "\($0.0): \($0.1)\n" }.joined())
        _ = try write("tagmanifest-sha256.txt", "\(bagitTxt.hex)  bagit.txt\n\(bagInfo.hex)  bag-info.txt\n\(manifestTxt.hex)  manifest-sha256.txt\n")
    }
}
