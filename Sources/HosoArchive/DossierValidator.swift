#if canImport(Glibc)
import Glibc
#endif
public import HosoCore
public import HosoXML
public import HosoStore

/// One component file after its checks: where it is, and what it hashed to.
public struct CheckedFile: Sendable {
    public var component: Component
    /// The file's path on disk.
    public var path: String
    public var size: UInt64
    public var digest: ObjectID
    /// Filled when the file was stored (ingest).
    public var put: PutResult?
    /// The file's identity on disk when it was read (for the re-ingest cache).
    public var identity: FileIdentity
}

/// Where a file is on disk and when it last changed: equal identities mean unchanged content
/// (as git's index assumes; the ctime cannot be set back by users).
public struct FileIdentity: Sendable, Equatable {
    public var device: UInt64, inode: UInt64, size: Int64, mtimeNs: Int64, ctimeNs: Int64
    init(_ st: stat) {
        device = UInt64(st.st_dev); inode = UInt64(st.st_ino); size = Int64(st.st_size)
        mtimeNs = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        ctimeNs = Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec)
    }
}

/// Everything learned about one dossier of a batch.
public struct DossierCheck: Sendable {
    public var source: DossierSource
    public var xmlBytes: [UInt8]?
    /// Set when ingest found the dossier already archived without validating it again.
    public var alreadyArchived: AlreadyArchived?
    public var dossier: Dossier?
    public var files: [CheckedFile] = []
    public var diagnostics: [Diagnostic] = []
    /// Bytes of component files read.
    public var bytesRead: UInt64 = 0
    /// The legacy encoding the dossier's text was converted from (`--legacy-encoding`).
    public var convertedFrom: LegacyEncoding?
    /// What ingest prepared for this dossier (on the worker that checked it).
    public var ingest: IngestPreparation?
    /// The archive itself could not be written (its store full, read-only, not permitted): not
    /// a problem of this dossier, and a reason to stop the whole run.
    public var archiveFailure: HosoError?

    public var number: String? { dossier?.number ?? alreadyArchived?.number }
    public var isValid: Bool { !diagnostics.contains { $0.severity == .error } }
    public var errorCodes: [DiagnosticCode] {
        Array(Set(diagnostics.filter { $0.severity == .error }.map(\.code))).sorted()
    }
}

/// What is done with each component file once its path, type and size have been checked:
/// validation only hashes it; ingest stores it (hashing on the way). One seam, so that ingest
/// validates exactly as `hoso validate` does.
/// A dossier that ingest recognised as archived already: same XML, unchanged files.
public struct AlreadyArchived: Sendable {
    public var number: String
    public var manifest: ObjectID
    public var version: Int
    public var isCurrent: Bool
    public init(number: String, manifest: ObjectID, version: Int, isCurrent: Bool) {
        self.number = number; self.manifest = manifest; self.version = version; self.isCurrent = isCurrent
    }
}

public protocol ComponentFileHandler: Sendable {
    /// Reads the open file `fd` (regular, `size` bytes) and returns its digest, plus the put result
    /// when it was stored. Throws `ObjectFault.hashMismatch` when `declared` is given and differs.
    func handle(fd: Int32, path: String, size: UInt64, declared: ObjectID?) throws -> (ObjectID, PutResult?)
}

/// Hashes a file without storing it.
public struct HashingFileHandler: ComponentFileHandler {
    public init() {}
    public func handle(fd: Int32, path: String, size: UInt64, declared: ObjectID?) throws -> (ObjectID, PutResult?) {
        var source = FileSource(fd: fd, path: path, length: size)
        let encoded = try ObjectEncoder.encode(&source, policy: CompressionPolicy(), path: path, hashOnly: true) { _ in }
        if let declared, declared != encoded.id { throw ObjectFault.hashMismatch(found: encoded.id) }
        return (encoded.id, nil)
    }
}

/// Validates one dossier: its XML (safely, against the schema), the rules beyond the schema,
/// and every file it references.
public struct DossierValidator: Sendable {
    public var maxXMLBytes: Int
    /// What is done with each file of a dossier whose metadata passed (ingest stores it); the
    /// files of a dossier already refused are only hashed, so that ingest reports every problem
    /// `validate` does without storing what it will not archive.
    public var fileHandler: any ComponentFileHandler
    public var schema: DossierSchema
    /// Convert text that looks legacy-encoded from this encoding, instead of refusing it (E407).
    public var legacyEncoding: LegacyEncoding?
    /// Keep text that looks legacy-encoded as it is, without E407 (ingest, for XML bytes the
    /// archive holds already, archived that way).
    public var keepsLegacyLookingText = false
    /// Check the files a dossier references (off for a metadata-only validation).
    public var checkFiles = true

    public init(maxXMLBytes: Int = DossierParser.defaultMaxBytes,
                fileHandler: any ComponentFileHandler = HashingFileHandler(),
                schema: DossierSchema = .shared, legacyEncoding: LegacyEncoding? = nil) {
        self.maxXMLBytes = maxXMLBytes; self.fileHandler = fileHandler; self.schema = schema
        self.legacyEncoding = legacyEncoding
    }

    public func check(_ source: DossierSource) -> DossierCheck {
        var result = DossierCheck(source: source)
        guard let bytes = readXML(source, into: &result) else { return result }
        check(source, xmlBytes: bytes, into: &result)
        return result
    }

    /// Reads the XML under the size cap; records E101/E102 and returns nil when it cannot.
    public func readXML(_ source: DossierSource, into result: inout DossierCheck) -> [UInt8]? {
        let xml = source.xmlPath
        do {
            do {
                return try SystemFile.readAll(xml, limit: maxXMLBytes, followSymlinks: false)
            } catch where error.errno == ELOOP {
                // The XML is a symbolic link: like a scan's, it must stay inside the batch.
                guard let real = realPath(xml) else {
                    result.diagnostics.append(Diagnostic(.notRegularFile, file: xml, message: "the XML file is a symbolic link that points nowhere",
                        expected: "a regular file", found: "a dangling link", advice: "Replace the link by a copy of the file"))
                    return nil
                }
                guard let root = realPath(source.batchRoot), real == root || real.hasPrefix(root + "/") else {
                    result.diagnostics.append(Diagnostic(.notRegularFile, file: xml, message: "the XML file resolves outside the batch through a symbolic link",
                        expected: "a file inside \(source.batchRoot)", found: real, advice: "Replace the link by a copy of the file"))
                    return nil
                }
                return try SystemFile.readAll(xml, limit: maxXMLBytes)
            }
        } catch {
            if error.errno == EFBIG {
                result.diagnostics.append(Diagnostic(.fileTooLarge, file: xml,
                    message: "the XML file is larger than \(maxXMLBytes) bytes",
                    expected: "at most \(maxXMLBytes) bytes", found: "\(SystemFile.status(xml).map { Int($0.st_size) } ?? 0) bytes",
                    advice: "Dossier metadata is a few kilobytes; check the file is the right one, or raise the limit with --max-xml-size"))
            } else if let st = SystemFile.status(xml), !SystemFile.isRegular(st) {
                result.diagnostics.append(Diagnostic(.unreadableFile, file: xml, message: "the XML file is \(Self.kind(st)), not a regular file",
                                                     advice: "Put the dossier's XML file itself there"))
            } else {
                result.diagnostics.append(Diagnostic(.unreadableFile, file: xml, message: "the XML file cannot be read: \(error.reason)",
                                                     advice: "Check that the file exists and is readable"))
            }
            return nil
        }
    }

    /// Validates a dossier whose XML bytes are already read.
    public func check(_ source: DossierSource, xmlBytes bytes: [UInt8], into result: inout DossierCheck) {
        let xml = source.xmlPath
        result.xmlBytes = bytes
        let parsed = DossierParser.parse(bytes, file: xml, schema: schema)
        result.diagnostics += parsed.diagnostics
        guard var dossier = parsed.dossier else { return }
        let suspicious = keepsLegacyLookingText && legacyEncoding == nil ? [] : LegacyEncoding.suspiciousFields(dossier)
        if !suspicious.isEmpty {
            if let encoding = legacyEncoding {
                dossier = encoding.convert(dossier)
                result.convertedFrom = encoding
            } else {
                for (element, text, line) in suspicious {
                    result.diagnostics.append(Diagnostic(.legacyEncoding, file: xml, line: line,
                        subject: element, message: "the text of <\(element)> looks like Vietnamese in a legacy encoding read as Latin-1",
                        found: String(text.prefix(80)),
                        advice: "Convert the source to Unicode, or run again with --legacy-encoding tcvn3 to convert it (the conversion is recorded in the manifest)"))
                }
            }
        }
        result.dossier = dossier
        result.diagnostics += DossierRules.check(dossier, file: xml)
        // Every file is checked, as `validate` does; ingest stores only those of a dossier whose
        // metadata is sound (it will not archive the others).
        if checkFiles {
            checkFiles(dossier, source: source, handler: result.isValid ? fileHandler : HashingFileHandler(), into: &result)
        }
    }

    // MARK: files

    /// What a file that is not a regular one is, in words.
    static func kind(_ st: stat) -> String {
        switch st.st_mode & S_IFMT {
        case S_IFDIR: "a folder"
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFSOCK: "a socket"
        case S_IFCHR, S_IFBLK: "a device"
        default: "a special file"
        }
    }

    /// `s` in single quotes for a shell command shown in advice.
    static func shellQuoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    private func checkFiles(_ d: Dossier, source: DossierSource, handler: any ComponentFileHandler, into result: inout DossierCheck) {
        let xml = source.xmlPath
        var rootRealCache: String??
        func rootReal() -> String? {
            if let r = rootRealCache { return r }
            let r = realPath(source.batchRoot); rootRealCache = .some(r); return r
        }
        var referenced = Set<[UInt8]>()
        for c in d.components {
            // `./scans/a.jpg` and `scans/./a.jpg` name the same file as `scans/a.jpg`.
            referenced.insert(Self.withoutDotParts(Array(c.file.utf8)))
            if c.file != c.file.trimmingCharacters(in: .whitespacesAndNewlines) {
                // A path split over lines by an editor's "format document", or a space typed after it.
                let trimmed = c.file.trimmingCharacters(in: .whitespacesAndNewlines)
                result.diagnostics.append(Diagnostic(.unsafePath, file: xml, line: c.line, subject: c.id,
                    message: "component '\(c.id)': the path in <file> has spaces or line breaks around it",
                    expected: trimmed.debugDescription, found: c.file.debugDescription,
                    advice: SystemFile.linkStatus(source.folder + "/" + c.file) != nil
                        // The file itself is named so (a space typed after its name): both change.
                        ? "A file is named so, with the spaces: rename it without them (mv \(Self.shellQuoted(c.file)) \(Self.shellQuoted(trimmed)) in the dossier folder), then write <file>\(trimmed)</file>"
                        : "Write the path on one line with nothing around it: <file>\(trimmed)</file>"))
                continue
            }
            if let why = Self.unsafePathReason(c.file) {
                result.diagnostics.append(Diagnostic(.unsafePath, file: xml, line: c.line, subject: c.id,
                    message: "component '\(c.id)' names an unsafe file path: \(why)",
                    expected: "a relative path inside the dossier folder", found: c.file,
                    advice: "Name the file by its path relative to the dossier folder (for example scans/to-khai.pdf), and copy it there if it is elsewhere"))
                continue
            }
            let path = source.folder + "/" + c.file
            guard let lst = SystemFile.linkStatus(path) else {
                let why = errno
                if why == EACCES {
                    // A folder on the way that cannot be entered, not a missing file.
                    result.diagnostics.append(Diagnostic(.unreadableFile, file: xml, line: c.line, subject: c.id,
                        message: "component '\(c.id)': \(path) cannot be reached: \(String(cString: strerror(why)))",
                        advice: "A folder on the way cannot be entered by this user: check the permissions of the dossier's folders (for example chmod -R u+rX)"))
                    continue
                }
                var d = Diagnostic(.missingFile, file: xml, line: c.line, subject: c.id,
                    message: "component '\(c.id)' names a file that does not exist",
                    expected: path, found: "no such file",
                    advice: "Add the file to the dossier folder, or correct the path in the XML")
                if let twin = Self.canonicalTwin(of: c.file, in: source.folder) {
                    d.found = "no file with exactly these bytes in its name; '\(twin)' differs only in Unicode normalization (NFC/NFD)"
                    d.advice = "Rename the file or the reference so that both use the same normalization (NFC is recommended)"
                } else if let twin = Self.caseTwin(of: c.file, in: source.folder) {
                    d.found = "no such file; '\(twin)' differs only in capital and small letters"
                    d.advice = "Names are told apart by case here: rename the file or correct the path in the XML so that both are written alike"
                } else if let twin = Self.spacedTwin(of: c.file, in: source.folder) {
                    d.found = "no such file; \(twin.debugDescription) differs only in spaces around its name"
                    d.advice = "Rename the file without them (mv \(Self.shellQuoted(twin)) \(Self.shellQuoted(c.file)) in the dossier folder)"
                }
                result.diagnostics.append(d)
                continue
            }
            // A link (anywhere on the path) must resolve inside the batch. Dossier folders are found
            // without following links, so only links inside the dossier folder need resolving.
            let throughLink = SystemFile.isSymlink(lst) || Self.hasLinkedFolder(c.file, in: source.folder)
            let real = throughLink ? realPath(path) : nil
            if throughLink && real == nil {
                result.diagnostics.append(Diagnostic(.notRegularFile, file: xml, line: c.line, subject: c.id,
                    message: "component '\(c.id)' is a symbolic link that points nowhere",
                    expected: "a regular file", found: "a dangling link",
                    advice: "Replace the link by a copy of the file"))
                continue
            }
            if let real, let rootReal = rootReal() {
                if !(real == rootReal || real.hasPrefix(rootReal + "/")) {
                    result.diagnostics.append(Diagnostic(.notRegularFile, file: xml, line: c.line, subject: c.id,
                        message: "component '\(c.id)' resolves outside the batch through a symbolic link",
                        expected: "a file inside \(source.batchRoot)", found: real,
                        advice: "Replace the link by a copy of the file"))
                    continue
                }
            }
            let fd: Int32
            do { fd = try SystemFile.openForReading(path) } catch {
                result.diagnostics.append(Diagnostic(.unreadableFile, file: xml, line: c.line, subject: c.id,
                    message: "component '\(c.id)': \(path) cannot be opened: \(error.reason)",
                    advice: error.errno == EACCES || error.errno == EPERM
                        ? "This user may not read the file: give read access (for example chmod a+r), or run as a user who may read the batch"
                        : "Check the file (it may be on a disk that fails: dmesg), then run the command again"))
                continue
            }
            defer { close(fd) }
            guard let st = try? SystemFile.status(fd, path: path), SystemFile.isRegular(st) else {
                let target = (try? SystemFile.status(fd, path: path)).map(Self.kind) ?? "something else"
                result.diagnostics.append(Diagnostic(.notRegularFile, file: xml, line: c.line, subject: c.id,
                    message: "component '\(c.id)' names something that is not a regular file",
                    expected: "a regular file", found: SystemFile.isSymlink(lst) ? "a link to \(target)" : target,
                    advice: "Point the component at the scan file itself"))
                continue
            }
            let size = UInt64(st.st_size)
            if let why = Self.contentMismatch(fd: fd, size: size, mediaType: c.mediaType, pages: c.pages) {
                // A failed scan or download whose size and digest were written afterwards: the
                // digest faithfully "proves" an empty file or an error page.
                result.diagnostics.append(Diagnostic(.contentNotMediaType, file: xml, line: c.line, subject: c.id,
                    message: "component '\(c.id)' (\(c.file)): \(why)",
                    advice: "Check the scan: scan or copy it again if it is not the document; it is archived as it is"))
            }
            if size != UInt64(c.size) {
                result.diagnostics.append(Diagnostic(.sizeMismatch, file: xml, line: c.line, subject: c.id,
                    message: "component '\(c.id)': the file's size differs from the declared size",
                    expected: "\(c.size) bytes", found: "\(size) bytes (\(path))",
                    advice: "The file may be incomplete or replaced; copy it again from the source, or correct <size>"))
                continue
            }
            do {
                let (digest, put) = try handler.handle(fd: fd, path: path, size: size, declared: c.declaredSHA256)
                result.bytesRead += size
                // Written to while it was read (same size, in place): what was read mixes two
                // states of the file, bytes it never held at once. Its modification time moved:
                // refused as a file whose size changed is. (Not its change time alone, which a
                // chmod, a new hard link or a backup's relabelling moves without a write.)
                let before = FileIdentity(st)
                if let after = (try? SystemFile.status(fd, path: path)).map(FileIdentity.init),
                   (after.size, after.mtimeNs, after.device, after.inode) != (before.size, before.mtimeNs, before.device, before.inode) {
                    result.diagnostics.append(Diagnostic(.sizeMismatch, file: xml, line: c.line, subject: c.id,
                        message: "component '\(c.id)': the file changed while it was read (it was written to meanwhile)",
                        expected: "the file as it was when opened", found: "modified during the read (\(path))",
                        advice: "Wait until whatever writes the file (a scanner, a copy) has finished, then run the command again"))
                    continue
                }
                result.files.append(CheckedFile(component: c, path: path, size: size, digest: digest, put: put, identity: FileIdentity(st)))
            } catch let ObjectFault.hashMismatch(found) {
                result.bytesRead += size
                result.diagnostics.append(Diagnostic(.digestMismatch, file: xml, line: c.line, subject: c.id,
                    message: "component '\(c.id)': the file's SHA-256 differs from the declared digest",
                    expected: c.declaredSHA256?.prefixed, found: "\(found.prefixed) (\(path))",
                    advice: "The file is not the one that was declared (damaged or replaced); copy it again from the source, or correct <sha256>"))
            } catch let e as SourceChanged {
                result.diagnostics.append(Diagnostic(.sizeMismatch, file: xml, line: c.line, subject: c.id,
                    message: "component '\(c.id)': the file changed while it was read",
                    expected: "\(e.expected) bytes", found: "\(e.found) bytes",
                    advice: "Wait until the copy of the batch is complete, then run the command again"))
            } catch let e as ArchiveWriteFailure {
                result.archiveFailure = HosoError(e.diagnostic)
                return
            } catch let e as SystemError {
                result.diagnostics.append(Diagnostic(.unreadableFile, file: xml, line: c.line, subject: c.id,
                    message: "component '\(c.id)': \(e.operation) \(e.path) failed: \(e.reason)",
                    advice: e.diagnostic.advice))
            } catch {
                result.diagnostics.append(Diagnostic(.ioFailure, file: xml, line: c.line, subject: c.id,
                    message: "component '\(c.id)': \(error)", advice: "Check the disk and run the command again"))
            }
        }
        // Files in the dossier folder that no component names.
        for extra in Self.unreferencedFiles(in: source.folder, referenced: referenced, xmlName: Array(xml.utf8)) {
            if extra.hasSuffix("/") {
                // A dossier inside this one: one finding for the folder, not one per file of it.
                result.diagnostics.append(Diagnostic(.unreferencedFile, file: source.folder + "/" + extra.dropLast(),
                    message: "a dossier folder (it holds a dossier.xml) is inside this dossier: none of its files is this dossier's, and it is not archived with it",
                    advice: "Move it beside this dossier in the batch, so that it is archived as a dossier of its own"))
                continue
            }
            result.diagnostics.append(Diagnostic(.unreferencedFile, file: source.folder + "/" + extra,
                message: "the file is in the dossier folder but no component names it",
                advice: "Add a component for it, or move it out of the dossier folder; unreferenced files are not archived"))
        }
    }

    /// Why a file's first bytes do not fit its declared media type, or nil (types whose
    /// signature hoso does not know are not judged).
    static func contentMismatch(fd: Int32, size: UInt64, mediaType: String, pages: Int) -> String? {
        if size == 0 { return pages > 0 ? "the file is empty, for \(pages) page\(pages == 1 ? "" : "s")" : nil }
        var head = [UInt8](repeating: 0, count: 8)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 8, 0) }
        guard n > 0 else { return nil }
        head = Array(head.prefix(n))
        let signatures: [String: [[UInt8]]] = [
            "application/pdf": [Array("%PDF-".utf8)],
            "image/jpeg": [[0xFF, 0xD8, 0xFF]],
            "image/tiff": [[0x49, 0x49, 0x2A, 0x00], [0x4D, 0x4D, 0x00, 0x2A]],
            "image/png": [[0x89, 0x50, 0x4E, 0x47]],
        ]
        guard let expected = signatures[mediaType.lowercased()] else { return nil }
        if expected.contains(where: { head.starts(with: $0) }) { return nil }
        let seen = Array("<html".utf8).starts(with: head.prefix(5).map { $0 | 0x20 }) || head.starts(with: Array("<!DOC".utf8)) ? "an HTML page"
            : head.starts(with: Array("%PDF".utf8)) ? "a PDF" : head.starts(with: [0xFF, 0xD8]) ? "a JPEG image"
            : head.starts(with: [0x89, 0x50]) ? "a PNG image" : (head.starts(with: [0x49, 0x49]) || head.starts(with: [0x4D, 0x4D])) ? "a TIFF image" : "something else"
        return "declared \(mediaType), but its content is \(seen) (it starts with \(head.prefix(4).map { String(format: "%02X", $0) }.joined(separator: " ")))"
    }

    /// Why a component path is unsafe, or nil. Checks bytes, never normalizes.
    public static func unsafePathReason(_ path: String) -> String? {
        let b = Array(path.utf8)
        if b.isEmpty { return "it is empty" }
        if b.first == UInt8(ascii: "/") { return "it is absolute" }
        if b.contains(UInt8(ascii: "\\")) { return "it contains a backslash" }
        if b.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return "it contains a control character" }
        // A URL scheme or a drive letter: letters, digits, + . - before the first ':'.
        if let colon = b.firstIndex(of: UInt8(ascii: ":")), colon > 0,
           b[0..<colon].allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2B || $0 == 0x2E || $0 == 0x2D }) {
            return "it is a URL or a drive path"
        }
        for segment in b.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if segment.elementsEqual([0x2E, 0x2E]) { return "it climbs out with '..'" }
            if segment.isEmpty { return "it has an empty segment ('//' or a trailing '/')" }
        }
        return nil
    }

    /// A relative path's bytes without its "." parts (`./scans/./a.jpg` is `scans/a.jpg`).
    static func withoutDotParts(_ path: [UInt8]) -> [UInt8] {
        // Nearly every path holds no "." part: no split for those.
        guard path.first == UInt8(ascii: ".") || path.indices.dropFirst().contains(where: { path[$0] == UInt8(ascii: ".") && path[$0 - 1] == UInt8(ascii: "/") })
        else { return path }
        let parts = path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard parts.contains(where: { $0.elementsEqual([UInt8(ascii: ".")]) }) else { return path }
        return Array(parts.filter { !$0.elementsEqual([UInt8(ascii: ".")]) }.joined(separator: [UInt8(ascii: "/")]))
    }

    /// Whether a folder on a relative path (not the last part) is a symbolic link.
    static func hasLinkedFolder(_ relative: String, in folder: String) -> Bool {
        let parts = relative.split(separator: "/")
        guard parts.count > 1 else { return false }
        var path = folder
        for p in parts.dropLast() {
            path += "/" + p
            if let st = SystemFile.linkStatus(path), SystemFile.isSymlink(st) { return true }
        }
        return false
    }

    /// A name in the same folder that is canonically equivalent but byte-different (NFC vs NFD).
    static func canonicalTwin(of relative: String, in folder: String) -> String? {
        let full = folder + "/" + relative
        let dir = SystemFile.parentFolder(full)
        let name = String(full.split(separator: "/").last ?? "")
        guard let entries = try? SystemFile.listDirectory(dir) else { return nil }
        for e in entries where e.name == name && !Array(e.name.utf8).elementsEqual(Array(name.utf8)) {
            return e.name
        }
        return nil
    }

    /// A name in the same folder that differs only by white space around it (a space typed after
    /// a file's name), as a path relative to the dossier folder, or nil.
    static func spacedTwin(of relative: String, in folder: String) -> String? {
        let full = folder + "/" + relative
        let name = String(full.split(separator: "/").last ?? "")
        guard let entries = try? SystemFile.listDirectory(SystemFile.parentFolder(full)) else { return nil }
        let matches = entries.filter { $0.name != name && $0.name.trimmingCharacters(in: .whitespaces) == name }
        guard matches.count == 1 else { return nil }
        let dir = SystemFile.parentFolder(relative)
        return dir == "." ? matches[0].name : dir + "/" + matches[0].name
    }

    /// A path that names an existing file but for the case of its letters (a Windows export), as
    /// it is on disk, or nil.
    static func caseTwin(of relative: String, in folder: String) -> String? {
        var path = folder, parts: [String] = []
        for part in relative.split(separator: "/").map(String.init) {
            guard let entries = try? SystemFile.listDirectory(path) else { return nil }
            if entries.contains(where: { $0.name == part }) { parts.append(part); path += "/" + part; continue }
            let matches = entries.filter { $0.name.lowercased() == part.lowercased() }
            guard matches.count == 1 else { return nil }
            parts.append(matches[0].name); path += "/" + matches[0].name
        }
        let found = parts.joined(separator: "/")
        return found == relative ? nil : found
    }

    /// Relative paths of regular files under `folder` that are not referenced (the XML excepted).
    static func unreferencedFiles(in folder: String, referenced: Set<[UInt8]>, xmlName: [UInt8]) -> [String] {
        var out: [String] = []
        func walk(_ dir: String, _ prefix: String, depth: Int) {
            guard depth < 16, let entries = try? SystemFile.listDirectory(dir) else { return }
            for e in entries.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) {
                if e.name.hasPrefix(".") { continue }
                let rel = prefix.isEmpty ? e.name : prefix + "/" + e.name
                // A name that is not UTF-8 cannot be reached by its listed form: still not archived.
                if e.name.contains("\u{FFFD}") { out.append(rel); continue }
                let full = dir + "/" + e.name
                // The listing's type spares a stat per file; a file system that gives none
                // (DT_UNKNOWN) is asked. A link is never a folder here: links are not followed.
                let isFolder: Bool
                switch e.type {
                case 4: isFolder = true                                    // DT_DIR
                case 0: guard let st = SystemFile.linkStatus(full) else { continue }
                        isFolder = SystemFile.isDirectory(st)
                default: isFolder = false
                }
                if isFolder {
                    // A dossier inside this one: named once (as "folder/"), not file by file as
                    // if its files were this dossier's.
                    if SystemFile.exists(full + "/" + BatchDiscovery.metadataFileName) { out.append(rel + "/"); continue }
                    walk(full, rel, depth: depth + 1)
                } else if !referenced.contains(Array(rel.utf8)) && !Array(full.utf8).elementsEqual(xmlName)
                            && !(prefix.isEmpty && e.name == BatchDiscovery.metadataFileName) {
                    out.append(rel)
                }
            }
        }
        walk(folder, "", depth: 0)
        return out
    }

    private func realPath(_ p: String) -> String? { SystemFile.canonicalPath(p) }
}
