public import HosoCore

/// One dossier found in a batch: its folder and its XML file.
public struct DossierSource: Sendable, Hashable {
    /// The dossier folder (component paths are relative to it).
    public var folder: String
    /// The folder the user named, inside which every file must stay.
    public var batchRoot: String
    /// The XML's path when it is not the folder's dossier.xml (a path naming one XML file).
    fileprivate var otherXML: String?

    public init(folder: String, xmlPath: String, batchRoot: String) {
        self.folder = folder; self.batchRoot = batchRoot
        otherXML = xmlPath == folder + "/" + BatchDiscovery.metadataFileName ? nil : xmlPath
    }

    fileprivate init(folder: String, batchRoot: String, otherXML: String?) {
        self.folder = folder; self.batchRoot = batchRoot; self.otherXML = otherXML
    }

    /// The XML metadata file.
    public var xmlPath: String { otherXML ?? folder + "/" + BatchDiscovery.metadataFileName }
}

/// The dossiers of a batch, in batch order, in little memory. A batch is listed whole before its
/// first dossier is read (the count makes the progress and the ETA), so a million dossiers must
/// not cost a million paths: each dossier keeps its folder's name in one shared run of bytes, and
/// the folders holding them (few) are kept once; a `DossierSource` is made when asked for.
/// About 40 bytes a dossier, where an array of sources took about 260.
public struct DossierSources: RandomAccessCollection, Sendable {
    // Folders are told apart by their bytes: Swift's String == holds a name in NFC equal to its
    // twin in NFD, which are two folders on Linux.
    private var parents: [String] = []          // "batch/", each once
    private var parentIndex: [[UInt8]: UInt32] = [:]
    private var roots: [String] = []
    private var rootIndex: [[UInt8]: UInt32] = [:]
    private var names = PackedStrings()         // each dossier folder's own name
    private var places: [(parent: UInt32, root: UInt32)] = []
    private var otherXML: [Int: String] = [:]   // an XML that is not the folder's dossier.xml

    public init() {}
    public init(_ sources: some Sequence<DossierSource>) { for s in sources { append(s) } }

    public var startIndex: Int { 0 }
    public var endIndex: Int { places.count }

    public subscript(i: Int) -> DossierSource {
        DossierSource(folder: parents[Int(places[i].parent)] + names[i], batchRoot: roots[Int(places[i].root)], otherXML: otherXML[i])
    }

    public mutating func append(_ s: DossierSource) {
        // "batch/a" is kept as "batch/" (shared) and "a"; "/a" as "/" and "a"; "a" as "" and "a".
        let utf8 = s.folder.utf8
        let cut = utf8.lastIndex(of: UInt8(ascii: "/")).map { utf8.index(after: $0) } ?? utf8.startIndex
        func index(_ key: String, _ list: inout [String], _ map: inout [[UInt8]: UInt32]) -> UInt32 {
            let bytes = Array(key.utf8)
            if let i = map[bytes] { return i }
            let i = UInt32(list.count)
            list.append(key); map[bytes] = i
            return i
        }
        let p = index(String(s.folder[..<cut]), &parents, &parentIndex), r = index(s.batchRoot, &roots, &rootIndex)
        if let other = s.otherXML { otherXML[places.count] = other }
        names.append(utf8[cut...])
        places.append((p, r))
    }
}

/// Finds the dossiers under the paths a user names.
///
/// Layout (docs/batch-layout.md): a dossier is a folder holding `dossier.xml` and its scans; a
/// batch is a folder of dossier folders, nested to any depth. A path may also name one XML file.
/// Folders whose name starts with "." and macOS's `__MACOSX` are skipped, with a warning. Order is
/// stable (byte order of names).
public enum BatchDiscovery {
    public static let metadataFileName = "dossier.xml"

    /// The dossiers under `paths`, and a problem for each path that holds none.
    /// - Parameter found: told the number found so far after each dossier (listing a million
    ///   dossier folders on a cold disk takes minutes: the user sees it move).
    public static func discover(_ paths: [String], found: ((Int) -> Void)? = nil) -> (dossiers: DossierSources, problems: [Diagnostic]) {
        var dossiers = DossierSources()
        var problems: [Diagnostic] = []
        // A dossier reached twice (a path named twice, a batch and a folder inside it) is one
        // dossier, not a duplicate number.
        for raw in distinctPaths(paths) {
            let path = normalize(raw)
            guard let st = SystemFile.status(path) else {
                var d = Diagnostic(.noDossierFound, file: raw, message: "the path does not exist", advice: "Check the path of the batch")
                if let twin = normalizationTwin(of: path) {
                    // Typed in NFC, made in NFD on a Mac (or the other way): names are bytes here.
                    d.found = "'\(twin)' exists, with its name in another Unicode normalization (NFC/NFD)"
                    d.advice = "Give the path as it is on disk (copy it from 'ls'), or rename the folder in NFC (for example 'convmv -f utf8 -t utf8 --nfc -r --notest FOLDER')"
                }
                problems.append(d)
                continue
            }
            let before = dossiers.count
            if SystemFile.isRegular(st) {
                dossiers.append(DossierSource(folder: SystemFile.parentFolder(path), xmlPath: path,
                                              batchRoot: SystemFile.parentFolder(path)))
            } else if SystemFile.isDirectory(st) {
                walk(path, root: path, into: &dossiers, problems: &problems, found: found)
            }
            if dossiers.count == before {
                problems.append(Diagnostic(.noDossierFound, file: raw,
                    message: "no dossier found (no folder under it holds a \(metadataFileName))",
                    advice: "Name a dossier folder, a batch of dossier folders, or a dossier XML file (see docs/batch-layout.md)"))
            }
        }
        return (dossiers, problems)
    }

    /// - Parameter insideReported: a folder under one already reported (its metadata under
    ///   another name): its own files are not said again.
    private static func walk(_ folder: String, root: String, into out: inout DossierSources, problems: inout [Diagnostic],
                             found: ((Int) -> Void)?, insideReported: Bool = false) {
        let xml = folder + "/" + metadataFileName
        // Whatever is there is the dossier's metadata; if it is not a readable file, validation says so.
        if SystemFile.linkStatus(xml) != nil {
            out.append(DossierSource(folder: folder, xmlPath: xml, batchRoot: root))
            found?(out.count)
            checkNoDossierInside(folder, of: xml, problems: &problems)
            return
        }
        let names: PackedStrings
        do { names = try SystemFile.listNames(folder) } catch {
            problems.append(Diagnostic(.unreadableFile, file: folder,
                                       message: "the folder cannot be listed (\(error.reason)): the dossiers in it, if any, are not read",
                                       advice: "Check the folder's permissions (for example chmod -R u+rX), then run the command again"))
            return
        }
        // Byte order. A batch folder may hold a million dossiers: its names stay packed, and a
        // String is made for one name at a time.
        let order = names.byteOrder()
        // The metadata under another name (Dossier.xml from a case-blind disk, 000.00.21….xml):
        // the folder is a dossier hoso would otherwise pass over without a word.
        let xmlNames = order.filter { i in
            names.withBytes(i) { b in
                // Ends in ".xml", in any case; not hidden (macOS's "._dossier.xml" beside a copy
                // holds the file's Finder data, not a dossier).
                let n = b.count
                return n >= 4 && b[0] != 0x2E && b[n - 4] == 0x2E && b[n - 3] | 0x20 == 0x78 && b[n - 2] | 0x20 == 0x6D && b[n - 1] | 0x20 == 0x6C
            }
                && SystemFile.status(folder + "/" + names[i]).map(SystemFile.isRegular) == true
        }.map { names[$0] }
        let before = out.count
        defer {
            // Beside dossier folders (a list of the batch), an XML file is no dossier: said. In a
            // folder with no dossier under it, it is the dossier's metadata under another name.
            if xmlNames.isEmpty && out.count == before && folder != root && !insideReported,
               let file = order.lazy.map({ names[$0] }).first(where: { name in
                   (!name.hasPrefix(".") || name == "._" + metadataFileName) && !Self.systemLitter.contains(name.lowercased())
                       && SystemFile.linkStatus(folder + "/" + name).map(SystemFile.isRegular) == true
               }) {
                // Scans with no metadata beside them, or only macOS's Finder data of one (a
                // dossier whose XML was left out of the copy): passed over, and said once, for
                // the folder (not again for its scans/ folder).
                problems.removeAll { $0.code == .folderSkipped && ($0.file ?? "").hasPrefix(folder + "/") && $0.message.contains("but no \(metadataFileName)") }
                problems.append(Diagnostic(.folderSkipped, file: folder,
                    message: "this folder holds files (\(file)\(names.count > 1 ? ", …" : "")) but no \(metadataFileName) and no dossier folder: it is not read",
                    advice: "If it is a dossier, add its \(metadataFileName) (it was perhaps left out of the copy); otherwise nothing to do"))
            }
            if let other = xmlNames.first {
                problems.append(out.count > before
                    ? Diagnostic(.folderSkipped, file: folder + "/" + other,
                                 message: "\(xmlNames.joined(separator: ", ")) beside dossier folders is not read (only a folder's \(metadataFileName) is)",
                                 advice: "Nothing to do if it lists the batch; if it is a dossier's metadata, put it in a folder of its own as \(metadataFileName)")
                    : Diagnostic(.noDossierFound, file: folder + "/" + other,
                                 message: "this folder holds \(xmlNames.joined(separator: ", ")) but no \(metadataFileName): it is not read as a dossier",
                                 expected: metadataFileName, found: other,
                                 advice: "Rename the dossier's metadata file to \(metadataFileName) (in small letters; see docs/batch-layout.md)"))
            }
        }
        for i in order {
            let name = names[i]
            let child = folder + "/" + name
            if let bad = unreadableName(name, in: folder) { problems.append(bad); continue }
            guard let st = SystemFile.linkStatus(child) else { continue }
            // Do not follow links to folders: a batch is walked as it lies on disk. Hidden
            // folders (a tool's own, .git) are skipped. Both are said, never silent.
            if SystemFile.isSymlink(st), let target = SystemFile.status(child), SystemFile.isDirectory(target) {
                problems.append(Diagnostic(.folderSkipped, file: child, message: "a link to a folder is not followed",
                                           advice: "Copy the folder into the batch if it holds dossiers to archive"))
            } else if SystemFile.isDirectory(st) {
                if name.hasPrefix(".") {
                    problems.append(Diagnostic(.folderSkipped, file: child, message: "a hidden folder is skipped",
                                               advice: "Rename it without the leading '.' if it holds dossiers to archive"))
                } else if name == "__MACOSX" {
                    // What macOS's Archive Utility adds to a ZIP: "._" files holding Finder data.
                    problems.append(Diagnostic(.folderSkipped, file: child,
                        message: "macOS's ZIP leftovers (Finder data of the files beside it, no dossiers) are skipped",
                        advice: "Nothing to do; delete the folder to be rid of this warning"))
                } else {
                    walk(child, root: root, into: &out, problems: &problems, found: found, insideReported: insideReported || !xmlNames.isEmpty)
                }
            }
        }
    }

    /// Files an operating system leaves in folders (thumbnail caches, folder settings): no sign
    /// of a dossier.
    static let systemLitter: Set<String> = ["thumbs.db", "desktop.ini", "ehthumbs.db"]

    /// The path as it is on disk when `path` names it but for the Unicode normalization of some
    /// of its parts (the same text, other bytes), or nil.
    static func normalizationTwin(of path: String) -> String? {
        var onDisk = path.hasPrefix("/") ? "" : "."
        var differs = false
        for part in path.split(separator: "/").map(String.init) {
            let next = onDisk + "/" + part
            if SystemFile.linkStatus(next) != nil { onDisk = next; continue }
            guard let entries = try? SystemFile.listDirectory(onDisk.isEmpty ? "/" : onDisk),
                  let twin = entries.first(where: { $0.name == part }) else { return nil }     // String ==: canonical equivalence
            onDisk += "/" + twin.name
            differs = true
        }
        guard differs else { return nil }
        return path.hasPrefix("/") ? onDisk : String(onDisk.dropFirst(2))
    }

    /// A name that is not UTF-8 (a legacy-encoded name from a ZIP made on Windows): listed with
    /// its bytes replaced, it cannot be opened, so whatever it holds would be passed over.
    static func unreadableName(_ name: String, in folder: String) -> Diagnostic? {
        guard name.contains("\u{FFFD}") else { return nil }
        return Diagnostic(.unreadableFile, file: folder + "/" + name,
            message: "this name is not UTF-8 (shown with \u{FFFD} for the bytes that are not): hoso cannot open what it names, so it is not read",
            advice: "Rename it in UTF-8 (for example 'convmv -f cp1258 -t utf-8 -r --notest FOLDER', or unpack the ZIP with its encoding named), then run the command again")
    }

    /// A dossier folder inside a dossier folder (a supplement filed inside the main dossier) is
    /// not read: said, as an error, rather than left as an unreferenced file.
    static func checkNoDossierInside(_ folder: String, of xml: String, problems: inout [Diagnostic], depth: Int = 0) {
        guard depth < 8, let entries = try? SystemFile.listDirectory(folder) else { return }
        for e in entries.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) {
            // Files are left to the validator (an unreferenced file is W301, a name that is not
            // UTF-8 among them); the entry's type from the listing spares a stat where it is known.
            if e.type != 0 && e.type != 4 { continue }          // not DT_UNKNOWN, not DT_DIR
            let child = folder + "/" + e.name
            guard !e.name.contains("\u{FFFD}") else { continue }
            if e.type == 0 { guard let st = SystemFile.linkStatus(child), SystemFile.isDirectory(st) else { continue } }
            if SystemFile.linkStatus(child + "/" + metadataFileName) != nil {
                problems.append(Diagnostic(.noDossierFound, file: child + "/" + metadataFileName,
                    message: "a dossier folder inside the dossier of \(xml): it is not read",
                    advice: "Move it out, beside the other dossier folders of the batch (a supplement is a dossier of its own, or a new version of this one)"))
            } else {
                checkNoDossierInside(child, of: xml, problems: &problems, depth: depth + 1)
            }
        }
    }

    /// The paths without those that name the same place as an earlier one, or a place inside
    /// another: a batch named twice, or beside one of its own dossiers, is walked once (a walk
    /// follows no links, so it cannot reach a dossier twice by itself).
    static func distinctPaths(_ paths: [String]) -> [String] {
        guard paths.count > 1 else { return paths }
        // By bytes: a folder named in NFC and its twin in NFD are two folders on Linux, though
        // Swift's String == calls them equal. A map of the places named, not a comparison of
        // every pair: `hoso ingest batch/*` names thousands.
        let resolved = paths.map { SystemFile.canonicalPath($0).map { Array($0.utf8) } }
        var first: [[UInt8]: Int] = [:]
        for (i, r) in resolved.enumerated() { if let r, first[r] == nil { first[r] = i } }
        return paths.indices.filter { i in
            guard let mine = resolved[i] else { return true }      // reported as missing
            if first[mine] != i { return false }                   // named before
            // Inside another place named: a folder above it, cut at a slash.
            for k in mine.indices.dropFirst() where mine[k] == UInt8(ascii: "/") {
                if first[Array(mine[..<k])] != nil { return false }
            }
            return true
        }.map { paths[$0] }
    }

    /// Drops trailing slashes ("batch/" → "batch").
    static func normalize(_ p: String) -> String {
        var s = p
        while s.count > 1 && s.hasSuffix("/") { s.removeLast() }
        return s
    }
}
