internal import CHosoXML

/// An element of a small XML document read whole: its local name, its text (the concatenated
/// text of its own text children) and its child elements. For service responses (S3's
/// `ListBucketResult`, `Error`), parsed with the same safe libxml2 options as dossiers.
public struct XMLTreeNode: Sendable, Equatable {
    public var name: String
    public var text: String
    public var children: [XMLTreeNode]

    /// The first child element named `name`.
    public func child(_ name: String) -> XMLTreeNode? { children.first { $0.name == name } }
    /// Every child element named `name`.
    public func children(_ name: String) -> [XMLTreeNode] { children.filter { $0.name == name } }
    /// The text of the first child named `name`.
    public subscript(_ name: String) -> String? { child(name)?.text }
}

public enum XMLTree {
    /// The root element of `bytes`, or nil when they are not well-formed XML (no DTD, no
    /// entities, no network; documents above `maxBytes` are refused).
    public static func parse(_ bytes: [UInt8], maxBytes: Int = 16 << 20) -> XMLTreeNode? {
        guard !bytes.isEmpty, bytes.count <= maxBytes else { return nil }
        // (Without libxml2, nothing is read: the caller reports the response as unreadable.)
        guard XMLLibrary.ensureInitialized() == nil else { return nil }
        let doc = bytes.withUnsafeBytes { b in
            b.withMemoryRebound(to: CChar.self) { hoso_xmlReadMemory($0.baseAddress, Int32($0.count), "response.xml", nil,
                                                  XMLLibrary.parseOptions | Int32(XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)) }
        }
        guard let doc else { return nil }
        defer { hoso_xmlFreeDoc(doc) }
        guard doc.pointee.intSubset == nil, let root = hoso_xmlDocGetRootElement(doc) else { return nil }
        return node(root)
    }

    private static func node(_ n: xmlNodePtr) -> XMLTreeNode {
        var out = XMLTreeNode(name: n.pointee.name.map { String(cString: $0) } ?? "", text: "", children: [])
        var c = n.pointee.children
        while let child = c {
            switch child.pointee.type {
            case XML_ELEMENT_NODE: out.children.append(node(child))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = child.pointee.content { out.text += String(cString: content) }
            default: break
            }
            c = child.pointee.next
        }
        return out
    }
}
