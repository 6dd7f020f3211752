import ArgumentParser
import Foundation
import HosoArchive
import HosoCore
import HosoStore

/// `hoso object …`: plumbing on the object store, for people and scripts (like git's
/// hash-object and cat-file).
struct ObjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "object",
        abstract: "Low-level commands on the object store.",
        subcommands: [ObjectPut.self, ObjectGet.self, ObjectInfoCommand.self, ObjectCheck.self])
}

struct ObjectPut: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "put",
        abstract: "Store files as objects and print each object's name.",
        discussion: """
        A put is a writer: like ingest it takes the archive's lock, so that it never runs beside \
        an ingest (which removes the temp files writers leave behind) or a verify; it fails at \
        once when the lock is held, or waits with --wait.
        """)

    @OptionGroup var archiveOptions: ArchiveOptions
    @Argument(help: "Files to store.") var files: [String] = []
    @Option(name: .long, help: "Also store the files listed in this file, one path per line ('-': standard input).")
    var filesFrom: String?
    @Option(name: .long, help: "The name the (single) file must hash to; nothing is stored otherwise.")
    var expect: String?
    @Option(name: .long, parsing: .unconditional, help: "Parallel workers, as many as processors unless given.") var jobs: Int = Parallel.defaultWorkers
    @Flag(name: .long, help: "Wait for another writer, or a verify, to finish instead of failing at once.") var wait = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if expect != nil && files.count != 1 { throw ValidationError("--expect takes exactly one file") }
        if let expect, ObjectID(hex: expect) == nil { throw ValidationError("--expect: '\(expect)' is not an object name (64 hex digits)") }
        if files.isEmpty && filesFrom == nil { throw ValidationError("name files to store, or --files-from") }
        try checkJobs(jobs)
    }

    func run() throws {
        let archive = try archiveOptions.open()
        let lock = try ArchiveLock(archive: archive, wait: wait, purpose: "hoso object put")
        defer { withExtendedLifetime(lock) {} }
        let expected = expect.flatMap { ObjectID(hex: $0) }
        let files = self.files + (try filesFrom.map(readList) ?? [])
        // Many files: stage them, and make them durable with one flush at the end.
        let staging: (any StagingArea)? = files.count > 1 ? archive.store.makeStagingArea() : nil
        let results = Parallel.map(files, workers: jobs) { file -> Result<PutResult, any Error> in
            Result { try archive.store.put(file: file, expected: expected, staging: staging) }
        }
        try staging?.commit(keeping: nil)
        var failed = false
        struct Entry: Encodable { let file: String; let object: String?; let codec: String?; let size: UInt64?; let stored: UInt64?; let existed: Bool?; let error: String? }
        var entries: [Entry] = []
        for (file, r) in zip(files, results) {
            switch r {
            case .success(let p):
                entries.append(Entry(file: file, object: p.id.prefixed, codec: p.codec.description, size: p.originalSize, stored: p.storedSize, existed: p.existed, error: nil))
                if !output.json { Console.shared.out(p.id.hex) }
            case .failure(let e):
                failed = true
                let message: String
                if case let ObjectFault.hashMismatch(found) = e {
                    message = "E305 \(file): content hashes to \(found.prefixed), not the expected \(expected?.prefixed ?? "")"
                } else if let s = e as? SystemError { message = s.diagnostic.description } else { message = "\(file): \(e)" }
                entries.append(Entry(file: file, object: nil, codec: nil, size: nil, stored: nil, existed: nil, error: message))
                if !output.json { Console.shared.err("hoso: " + message) }
            }
        }
        if output.json { Console.shared.out(JSON.encode(entries)) }
        if failed { throw ExitCode(3) }
    }
}

struct ObjectGet: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get",
        abstract: "Write an object's verified original bytes to standard output or a file.",
        discussion: """
        With -o, the bytes go to a temp file that is renamed into place only once the object is \
        verified; a device or pipe named by -o (or a link to one) is written to as standard output \
        is, never replaced. On standard output, objects up to 64 MiB are verified before the first \
        byte is written; larger ones are verified in a first pass, then written while being \
        verified again.
        """)

    @OptionGroup var archiveOptions: ArchiveOptions
    @Argument(help: "The object name (64 hex digits, optionally after 'sha256:').") var name: String?
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?
    @Option(name: .long, help: "Get every object listed in this file (one name per line) into --to DIR, in parallel.")
    var namesFrom: String?
    @Option(name: .long, help: "The folder for --names-from (each object is written as DIR/<name>).") var to: String?
    @Option(name: .long, parsing: .unconditional, help: "Parallel workers for --names-from.") var jobs: Int = Parallel.defaultWorkers

    func validate() throws {
        if (name == nil) == (namesFrom == nil) { throw ValidationError("name one object, or give --names-from") }
        if namesFrom != nil && to == nil { throw ValidationError("--names-from needs --to DIR") }
        try checkJobs(jobs)
    }

    func run() throws {
        let archive = try archiveOptions.open()
        if let namesFrom, let to {
            let names = try readList(namesFrom).map(parseObjectName)
            try SystemFile.makeDirectories(to)
            let failures = Parallel.map(names, workers: jobs) { id -> String? in
                do { try exportVerified(archive.store, id, to: to + "/" + id.hex); return nil } catch let f as ObjectFault {
                    return Console.shared.render(f.diagnostic(id: id, path: nil))
                } catch { return "\(id.prefixed): \(error)" }
            }.compactMap { $0 }
            for f in failures { Console.shared.err("hoso: " + f) }
            if !failures.isEmpty { throw ExitCode(1) }
            return
        }
        let id = try parseObjectName(name!)
        do {
            if let output {
                try exportVerified(archive.store, id, to: output)
            } else {
                Console.shared.flush()
                try writeVerified(archive.store, id, to: 1, path: "standard output")
            }
        } catch let f as ObjectFault {
            Console.shared.err("hoso: " + Console.shared.render(f.diagnostic(id: id, path: nil)))
            throw ExitCode(f.exitStatus)
        } catch let e as SystemError where output != nil && e.path == output {
            // Advice about where the object goes, not about the archive.
            let advice = switch e.errno {
            case EROFS: "That folder is on a read-only file system: write the object elsewhere (-o)"
            case ENOSPC, EDQUOT: "Free space there, or write the object elsewhere (-o)"
            case EACCES, EPERM: "This user may not write in that folder: write the object elsewhere (-o), or ask for write access"
            default: "Check the folder and its disk, or write the object elsewhere (-o)"
            }
            throw HosoError(.ioFailure, file: e.path, message: "the file cannot be written: \(e.reason); nothing was written there", advice: advice)
        }
    }
}

/// Writes an object to `path` through a temp file that is renamed only after verification, so
/// that the file either holds the whole verified object or does not exist. (Not flushed: these
/// are copies for the user; the archive's own durability does not depend on them.) A device or
/// a pipe there (`-o /dev/null` to read an object through, a FIFO another program reads) is
/// written to as it is, never replaced: renamed over, a device node would be gone for the whole
/// system.
func exportVerified(_ store: any ObjectStore, _ id: ObjectID, to path: String) throws {
    // A descriptor of this process named as a path (`-o /dev/stdout`, /dev/fd/N, or a link to
    // one): written to as it is, with its offset and append mode (`>> file` keeps appending).
    if let fd = descriptorNamed(by: path) {
        try writeVerified(store, id, to: fd, path: path)
        return
    }
    // Otherwise what the name is, links followed: a link is never renamed over; a device or
    // pipe at its end is written to as standard output is.
    var st = stat()
    if stat(path, &st) == 0, st.st_mode & S_IFMT != S_IFREG {
        guard st.st_mode & S_IFMT != S_IFDIR else { throw SystemError(errno: EISDIR, operation: "open", path: path) }
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError(errno: errno, operation: "open", path: path) }
        defer { close(fd) }
        try writeVerified(store, id, to: fd, path: path)
        return
    }
    var link = stat()
    if lstat(path, &link) == 0, link.st_mode & S_IFMT == S_IFLNK {
        // A link to a regular file: that file is written (through a temp file beside it).
        guard let target = realpath(path, nil) else {
            let e = errno
            throw HosoError(.ioFailure, file: path, message: "-o names a link that leads to nothing (\(String(cString: strerror(e))))",
                            advice: "Name a file, or a link to an existing file, device or pipe")
        }
        defer { free(target) }
        return try exportVerified(store, id, to: String(cString: target))
    }
    let temp = SystemFile.parentFolder(path) + "/.hoso-tmp-" + SystemFile.randomSuffix()
    // A failure to write there is said of the file asked for, not of the temp file (removed).
    let fd: Int32
    do { fd = try SystemFile.createExclusive(temp) } catch { throw SystemError(errno: error.errno, operation: "write", path: path) }
    do {
        _ = try store.get(id) { try SystemFile.write(fd, $0, path: temp) }
        close(fd)
    } catch let e as SystemError where e.path == temp {
        close(fd); unlink(temp)
        throw SystemError(errno: e.errno, operation: "write", path: path)
    } catch {
        close(fd); unlink(temp)
        throw error
    }
    guard rename(temp, path) == 0 else {
        let e = errno; unlink(temp)
        throw SystemError(errno: e, operation: "rename", path: path)
    }
}

/// The descriptor a path names, following links (at most 8): /dev/stdin, /dev/stdout,
/// /dev/stderr, /dev/fd/N, /proc/self/fd/N; nil for any other path.
func descriptorNamed(by path: String) -> Int32? {
    var p = path
    for _ in 0..<8 {
        switch p {
        case "/dev/stdin": return 0
        case "/dev/stdout": return 1
        case "/dev/stderr": return 2
        default: break
        }
        for prefix in ["/dev/fd/", "/proc/self/fd/"] where p.hasPrefix(prefix) {
            if let n = Int32(p.dropFirst(prefix.count)) { return n }
        }
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink(p, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let target = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        p = target.hasPrefix("/") ? target : SystemFile.parentFolder(p) + "/" + target
    }
    return nil
}

/// Writes an object's original bytes to `fd` (standard output, a device, a pipe), which cannot
/// be taken back: up to 64 MiB verified before the first byte is written, larger objects
/// verified in a first pass, then written while being verified again.
func writeVerified(_ store: any ObjectStore, _ id: ObjectID, to fd: Int32, path: String) throws {
    if try store.header(id).originalLength <= 64 << 20 {
        let bytes = try store.bytes(of: id, limit: 64 << 20)
        try bytes.withUnsafeBytes { try SystemFile.write(fd, $0, path: path) }
    } else {
        _ = try store.get(id) { _ in }
        _ = try store.get(id) { try SystemFile.write(fd, $0, path: path) }
    }
}

/// Lines of a list file ('-': standard input), empty lines skipped.
func readList(_ path: String) throws -> [String] {
    // Any file that reads: a pipe (`--paths-from <(find …)`) and /dev/null too; at most 2 GiB
    // (a list of paths, not /dev/zero named by mistake).
    let fd = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw SystemError(errno: errno, operation: "open", path: path) }
    defer { if fd != 0 { close(fd) } }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 { if errno == EINTR { continue }; throw SystemError(errno: errno, operation: "read", path: path) }
        if n == 0 { break }
        bytes += chunk[0..<n]
        if bytes.count > 1 << 31 { throw SystemError(errno: EFBIG, operation: "read", path: path) }
    }
    // A byte-order mark, as Windows Notepad writes at the start of a UTF-8 file, is no part of
    // the first path.
    let text = String(decoding: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...], as: UTF8.self)
    // One path a line, as any editor writes a list: Windows line ends ("\r\n" is one Character,
    // a newline), blank lines skipped, spaces and tabs around a path dropped.
    return text.split(whereSeparator: \.isNewline)
        .map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { !$0.isEmpty }
}

func parseObjectName(_ text: String) throws -> ObjectID {
    do { return try ObjectID(parsing: text) } catch { throw ValidationError(error.description) }
}

struct ObjectInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info",
        abstract: "Show an object's codec, sizes and saving (reads the whole object to verify it).")

    @OptionGroup var archiveOptions: ArchiveOptions
    @Argument(help: "The object name.") var name: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        let archive = try archiveOptions.open()
        let id = try parseObjectName(name)
        let info: ObjectInfo
        do { info = try archive.store.get(id) { _ in } } catch let f as ObjectFault {
            if output.json { Console.shared.out(JSON.encode(DiagnosticJSON(d: f.diagnostic(id: id, path: nil)))) }
            else { Console.shared.err("hoso: " + Console.shared.render(f.diagnostic(id: id, path: nil))) }
            throw ExitCode(f.exitStatus)
        }
        struct Out: Encodable { let object: String; let codec: String; let size: UInt64; let stored: UInt64; let saving: Double; let verified: Bool }
        let out = Out(object: id.prefixed, codec: info.codec.description, size: info.originalSize, stored: info.storedSize,
                      saving: (info.saving * 10000).rounded() / 10000, verified: true)
        if output.json { Console.shared.out(JSON.encode(out)); return }
        Console.shared.out("""
        object:   \(id.prefixed)
        codec:    \(info.codec)
        size:     \(info.originalSize) bytes (\(Format.bytes(info.originalSize)))
        stored:   \(info.storedSize) bytes, header included
        saving:   \(String(format: "%.1f%%", info.saving * 100))
        verified: yes (content hashes to its name)
        """)
    }
}

struct ObjectCheck: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check",
        abstract: "Check every object of the store; report every problem (never writes).",
        discussion: "Exit status: 0 no errors (warnings such as temp files may be listed), 1 errors found, 3 the check could not be carried out (not an archive, the store unreadable).")

    @OptionGroup var archiveOptions: ArchiveOptions
    @Flag(name: .long, help: "Check headers and sizes only, without reading the payloads.") var quick = false
    @Option(name: .long, help: "A file listing object names that must be present (one per line).") var expect: String?
    @Option(name: .long, parsing: .unconditional, help: "Parallel workers (default: one per processor; 16 for a store in S3, and for --quick).") var jobs: Int?
    @OptionGroup var output: OutputOptions

    func validate() throws { try checkJobs(jobs) }

    func run() throws {
        let archive = try archiveOptions.open()
        Interruption.explainStop("the check was cut short, before its verdict; it changes nothing. Run it again for a verdict")
        var expected: ObjectIDList?
        if let expect {
            let text = String(decoding: try SystemFile.readAll(expect, limit: 1 << 30), as: UTF8.self)
            var set: [ObjectID] = []
            for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let t = line.trimmingCharacters(in: .whitespaces)
                if t.isEmpty { continue }
                guard let id = ObjectID(hex: t) else { throw ValidationError("\(expect):\(i + 1): '\(t)' is not an object name") }
                set.append(id)
            }
            expected = ObjectIDList(consume set)
        }
        let started = SystemFile.monotonic()
        let meter = ProgressMeter("checking", totalItems: 0)
        if quick { MemoryPolicy.returnLargeBlocksAtOnce() }    // lists every name, reads no payload
        let checker = StoreChecker(store: archive.store, level: quick ? .quick : .full, workers: jobs)
        let report = try checker.run(expected: expected) { meter.advance(items: 1, bytes: $0) }
        meter.finish()
        let seconds = SystemFile.monotonic() - started
        if output.json {
            struct Out: Encodable { let objects: Int; let storedBytes: UInt64; let originalBytes: UInt64; let seconds: Double; let errors: Int; let warnings: Int; let findings: [DiagnosticJSON] }
            Console.shared.out(JSON.encode(Out(objects: report.objects, storedBytes: report.storedBytes, originalBytes: report.originalBytes,
                                               seconds: (seconds * 1000).rounded() / 1000, errors: report.errorCount,
                                               warnings: report.warningCount, findings: report.findings.map { DiagnosticJSON(d: $0) })))
        } else {
            for f in report.findings { Console.shared.out(Console.shared.render(f)) }
            Console.shared.out("\(Format.count(report.objects, "object")), \(Format.bytes(report.storedBytes)) stored (\(Format.bytes(report.originalBytes)) original) checked\(quick ? " (quick)" : "") in \(Format.duration(seconds)) (\(Format.rate(report.storedBytes, seconds))): \(Format.count(report.errorCount, "error")), \(Format.count(report.warningCount, "warning"))")
        }
        // Errors that are all E406 (objects this user may not read): not checked, not damaged.
        if report.errorCount > 0 { throw ExitCode(report.findings.contains { $0.severity == .error && $0.code != .ioFailure } ? 1 : 3) }
    }
}
