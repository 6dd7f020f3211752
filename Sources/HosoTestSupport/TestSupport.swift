import Synchronization
// Helpers shared by the test targets: temporary folders, the repository's files, a builder of
// dossier XML, and a runner for the real `hoso` binary. Not part of any product.
import Foundation

/// A temporary folder, removed when the value is released.
public final class TemporaryFolder: @unchecked Sendable {
    public let path: String

    public init(_ label: String = "hoso-test") {
        let template = NSTemporaryDirectory() + "/\(label)-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let p = mkdtemp(&bytes) else { fatalError("mkdtemp failed") }
        path = String(cString: p)
    }

    deinit { Self.remove(path) }

    static func remove(_ path: String) {
        // Objects are read-only; make everything writable so the folder can go.
        _ = try? Process.run(URL(fileURLWithPath: "/bin/chmod"), arguments: ["-R", "u+w", path]).waitUntilExit()
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Folders held in statics (a fixture a whole suite shares) are never deinitialised: these
    /// are removed when the test process exits.
    private static let atExit = Mutex<[String]>([])

    /// A folder removed when the process exits.
    public static func forTheProcess(_ label: String) -> TemporaryFolder {
        let folder = TemporaryFolder(label)
        let first = atExit.withLock { list in list.append(folder.path); return list.count == 1 }
        if first { atexit { for p in TemporaryFolder.atExit.withLock({ $0 }) { TemporaryFolder.remove(p) } } }
        return folder
    }

    /// A path inside the folder.
    public func sub(_ name: String) -> String { path + "/" + name }

    /// Writes a file (making its folders), returning its path.
    @discardableResult
    public func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let full = sub(name)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
        return full
    }

    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String { try write(name, Array(text.utf8)) }
}

/// Files of the repository.
public enum Repository {
    /// The repository root, found from this file's path.
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    public static func path(_ relative: String) -> String { root + "/" + relative }
}

/// Builds dossier XML for tests, valid unless a part is overridden to break it.
public struct DossierXML {
    public var number = "000.00.21.H50-230512-0007"
    public var agency = "000.00.21.H50"
    public var title = "Đăng ký khai sinh cho cháu Nguyễn Minh Khang"
    public var applicant = "Nguyễn Văn Hòa"
    public var citizenID = "045090001234"
    public var received = "2023-05-12T08:15:00+07:00"
    public var due = "2023-05-12T16:30:00+07:00"
    public var completed: String? = "2023-05-12T10:00:00+07:00"
    public var status = "completed"
    public var procedureCode = "1.001193"
    public var procedureName = "Thủ tục đăng ký khai sinh"
    public var sector = "Hộ tịch"
    public var agencyName = "UBND phường 1, thị xã Quảng Trị"
    public var addressDetail = "12 Trần Hưng Đạo"
    public var commune = "Phường 1"
    public var district: String? = "Thị xã Quảng Trị"
    public var province = "Quảng Trị"
    public var phone = "0912345678"
    public var keywords: [String] = []
    public var resultType = "Giấy khai sinh"
    /// (id, role, file, size, pages, sha256)
    public var components: [(id: String, role: String, file: String, size: Int, pages: Int, sha256: String?)] = []
    public var resultRef = "c1"
    public var pageCount: Int?
    public var prolog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    public var namespace = "urn:hoso:dossier:1"

    public init() {}

    public var text: String {
        let comps = components.map { c in
            "    <component id=\"\(c.id)\" role=\"\(c.role)\" copyType=\"original\"><name>Tệp \(c.id)</name><file>\(c.file)</file><mediaType>application/pdf</mediaType><pages>\(c.pages)</pages><size>\(c.size)</size>\(c.sha256.map { "<sha256>\($0)</sha256>" } ?? "")</component>"
        }.joined(separator: "\n")
        let pages = pageCount ?? components.reduce(0) { $0 + $1.pages }
        return prolog + """
        <dossier xmlns="\(namespace)" schemaVersion="1.0">
          <dossierNumber>\(number)</dossierNumber>
          <archivalCode><organId>\(agency)</organId><year>2023</year><fileNotation>HT.01.07</fileNotation></archivalCode>
          <title>\(title)</title>
          <procedure><code>\(procedureCode)</code><name>\(procedureName)</name><sector>\(sector)</sector><level>commune</level></procedure>
          <receivingAgency><code>\(agency)</code><name>\(agencyName)</name></receivingAgency>
          <handlingAgency><code>\(agency)</code><name>\(agencyName)</name></handlingAgency>
          <applicant kind="individual"><fullName>\(applicant)</fullName><citizenId>\(citizenID)</citizenId>
            <address><detail>\(addressDetail)</detail><commune>\(commune)</commune>\(district.map { "<district>\($0)</district>" } ?? "")<province>\(province)</province></address>
            <phone>\(phone)</phone></applicant>
          <submissionChannel>in-person</submissionChannel>
          <receivedAt>\(received)</receivedAt>
          <dueAt>\(due)</dueAt>
        \(completed.map { "  <completedAt>\($0)</completedAt>" } ?? "")
          <status>\(status)</status>
        \(status == "completed" || status == "returned" ? "  <result><documentType>\(resultType)</documentType><number>123</number><issuedOn>2023-05-12</issuedOn><issuer>\(agencyName)</issuer><componentRef>\(resultRef)</componentRef></result>" : "")
          <retention><permanent/><legalBasis>Thông tư 10/2022/TT-BNV</legalBasis></retention>
          <accessMode>restricted</accessMode>
          <language>vi</language>
        \(keywords.isEmpty ? "" : "  <keywords>" + keywords.map { "<keyword>\($0)</keyword>" }.joined() + "</keywords>")
          <pageCount>\(pages)</pageCount>
          <documentCount>\(components.count)</documentCount>
          <components>
        \(comps)
          </components>
        </dossier>

        """
    }

    /// Writes a dossier folder with one file per component (content derived from the id) and
    /// returns the folder; sizes and digests are filled in from the files written.
    @discardableResult
    public mutating func writeFolder(in folder: TemporaryFolder, name: String, files: [String: [UInt8]]) throws -> String {
        for (i, c) in components.enumerated() {
            if let bytes = files[c.file] {
                try folder.write(name + "/" + c.file, bytes)
                components[i].size = bytes.count
            }
        }
        try folder.write(name + "/dossier.xml", text)
        return folder.sub(name)
    }
}

/// Runs the `hoso` binary built beside the test bundle.
public enum Hoso {
    public struct Outcome: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var stdoutBytes: [UInt8]
    }

    /// The binary: in the same build folder as the running test bundle.
    public static let binary: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = (exe as NSString).deletingLastPathComponent
        // On Linux the test runner is <build>/debug/hosoPackageTests.xctest.
        if dir.hasSuffix(".xctest") { dir = (dir as NSString).deletingLastPathComponent }
        return dir + "/hoso"
    }()

    /// Runs `hoso args…` and waits for it. Output goes through temporary files (reading pipes
    /// from many concurrent children trips over EINTR in Foundation on Linux).
    public static func run(_ args: [String], environment: [String: String] = [:], cwd: String? = nil,
                           timeout: Double = 120) throws -> Outcome {
        let capture = TemporaryFolder("hoso-run")
        let outPath = capture.sub("out"), errPath = capture.sub("err")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let p = try start(args, environment: environment, cwd: cwd,
                          stdout: FileHandle(forWritingAtPath: outPath)!, stderr: FileHandle(forWritingAtPath: errPath)!)
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(2000) }
        var timedOut = false
        if p.isRunning { kill(p.processIdentifier, SIGKILL); timedOut = true }
        p.waitUntilExit()
        let out = (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data()
        let err = (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data()
        return Outcome(status: timedOut ? -9 : p.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                       stderr: timedOut ? "timed out after \(timeout) s" : String(decoding: err, as: UTF8.self), stdoutBytes: Array(out))
    }

    /// Starts `hoso args…` without waiting (for kill tests).
    public static func start(_ args: [String], environment: [String: String] = [:], cwd: String? = nil,
                             stdout: FileHandle = FileHandle.nullDevice, stderr: FileHandle = FileHandle.nullDevice) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "HOSO_ARCHIVE")
        for (k, v) in environment { env[k] = v }
        p.environment = env
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        p.standardOutput = stdout
        p.standardError = stderr
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return p
    }
}

/// Runs a shell command (for peers such as sha256sum and bagit.py in tests); output through a file.
public func shell(_ command: String, cwd: String? = nil) throws -> (status: Int32, output: String) {
    let capture = TemporaryFolder("hoso-sh")
    let outPath = capture.sub("out")
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    let handle = FileHandle(forWritingAtPath: outPath)!
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", command]
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    p.standardOutput = handle
    p.standardError = handle
    p.standardInput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    try? handle.close()
    let data = (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A TCP socket listening on 127.0.0.1 at a port the kernel chose: (descriptor, port).
public func listenOnLoopback(backlog: Int32 = 16) -> (fd: Int32, port: UInt16) {
    // Close-on-exec: the end-to-end tests start hoso processes meanwhile, which must not
    // inherit (and so hold open) a test server's sockets.
    let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    var one: Int32 = 1
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    listen(s, backlog)
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) } }
    return (s, UInt16(bigEndian: addr.sin_port))
}

/// The next connection on a listening socket, closed on exec like the socket itself (-1 when
/// the socket is closed).
public func acceptConnection(_ fd: Int32) -> Int32 {
    let c = accept(fd, nil, nil)
    if c >= 0 { _ = fcntl(c, F_SETFD, FD_CLOEXEC) }
    return c
}

/// A reproducible random number generator (SplitMix64), for tests whose failures must replay.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
