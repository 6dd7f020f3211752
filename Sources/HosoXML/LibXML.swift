internal import CHosoXML
import Synchronization

/// What one parse or validation collected from libxml2's callbacks. One per operation and thread.
final class XMLIssueCollector {
    struct Issue {
        var domain: Int32
        var code: Int32
        var level: Int32
        var line: Int
        var column: Int
        var message: String
        var path: String?
    }
    var issues: [Issue] = []
    /// URLs libxml2 tried to load (external entities, DTDs, XInclude); any is a rejection.
    var externalAttempts: [String] = []
}

/// libxml2's structured-error callback. A file-scope constant in a non-main file, so that Swift
/// does not infer main-actor isolation for it (libxml2 calls it on worker threads).
let hosoStructuredErrorHandler: xmlStructuredErrorFunc = { userData, errorPointer in
    guard let userData, let e = errorPointer?.pointee else { return }
    let collector = Unmanaged<XMLIssueCollector>.fromOpaque(userData).takeUnretainedValue()
    // After a fatal error, another at the very same place is its consequence (a comment too
    // big, then "start tag expected" where it stopped): one problem, said once.
    if let last = collector.issues.last, last.level == Int32(XML_ERR_FATAL.rawValue), last.line == Int(e.line), last.column == Int(e.int2) { return }
    var message = e.message.map { String(cString: $0) } ?? "unknown error"
    while message.last == "\n" || message.last == " " { message.removeLast() }
    var path: String?
    if let raw = e.node {
        path = XMLNodePath.readable(raw.assumingMemoryBound(to: xmlNode.self))
    }
    collector.issues.append(.init(domain: e.domain, code: e.code, level: Int32(e.level.rawValue),
                                  line: Int(e.line), column: Int(e.int2), message: message, path: path))
}

/// The external-entity loader installed for the whole process: it loads nothing, ever, and records
/// the attempt in the collector of the parse that made it (reached through the parser context's
/// `_private` field), because libxml2 goes on silently when a loader returns NULL.
let hosoDenyingEntityLoader: xmlExternalEntityLoader = { url, publicID, ctxt in
    let what = url.map { String(cString: $0) } ?? publicID.map { String(cString: $0) } ?? "(unnamed)"
    if let ctxt, let priv = ctxt.pointee._private {
        Unmanaged<XMLIssueCollector>.fromOpaque(priv).takeUnretainedValue().externalAttempts.append(what)
    }
    XMLLibrary.deniedLoads.add(1, ordering: .relaxed)
    return nil
}

/// Process-wide set-up of libxml2, done once before any thread uses it.
enum XMLLibrary {
    /// Loads refused by the entity loader in this process (for tests and diagnostics).
    static let deniedLoads = Atomic<Int>(0)

    /// Why libxml2 cannot be used (not installed, too old), or nil once it is loaded, set up
    /// and guarded by the denying loader. libxml2 is loaded on first use, not linked: the
    /// commands that read no XML (search, stats, export, verify) start without it.
    private static let loadProblem: String? = {
        var message = [CChar](repeating: 0, count: 512)
        guard hoso_xml_load(&message, message.count) == 0 else {
            return String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        hoso_xmlInitParser()
        hoso_xmlSetExternalEntityLoader(hosoDenyingEntityLoader)
        return nil
    }()

    /// Loads and initializes libxml2 and installs the denying loader (cheap after the first
    /// call); nil when it is ready, else why it cannot be used and what to do. Nothing of
    /// libxml2 may be called unless this returned nil.
    static func ensureInitialized() -> String? { loadProblem }

    /// What to do when `ensureInitialized` says libxml2 cannot be used.
    static let installAdvice = "Install libxml2, then run the command again"

    /// Parser options: no network, CDATA as text, real line numbers above 65535. Never NOENT
    /// (entity substitution), DTDLOAD, DTDATTR, DTDVALID, XINCLUDE, HUGE or RECOVER.
    static let parseOptions: Int32 = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue
                                            | XML_PARSE_BIG_LINES.rawValue)
}

/// Readable element paths such as `/dossier/components/component[2]/size`, without namespace noise.
enum XMLNodePath {
    static func readable(_ node: xmlNodePtr) -> String {
        var parts: [String] = []
        var current: xmlNodePtr? = node
        while let n = current, n.pointee.type == XML_ELEMENT_NODE || n.pointee.type == XML_ATTRIBUTE_NODE {
            let name = n.pointee.name.map { String(cString: $0) } ?? "?"
            if n.pointee.type == XML_ATTRIBUTE_NODE {
                parts.append("@" + name)
            } else {
                // Position among same-named siblings, only when there are several.
                var index = 1, total = 1
                var s = n.pointee.prev
                while let p = s { if p.pointee.type == XML_ELEMENT_NODE && hoso_xmlStrEqual(p.pointee.name, n.pointee.name) != 0 { index += 1; total += 1 }; s = p.pointee.prev }
                s = n.pointee.next
                while let p = s { if p.pointee.type == XML_ELEMENT_NODE && hoso_xmlStrEqual(p.pointee.name, n.pointee.name) != 0 { total += 1 }; s = p.pointee.next }
                parts.append(total > 1 ? "\(name)[\(index)]" : name)
            }
            current = n.pointee.parent
        }
        return "/" + parts.reversed().joined(separator: "/")
    }
}
