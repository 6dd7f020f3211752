internal import CHosoXML
import Glibc
import HosoCore

/// Reads a `Dossier` out of a document that has passed schema validation.
///
/// The schema guarantees the structure, so a missing element here is a defect, reported as an
/// error rather than a crash. Text is whitespace-collapsed (the schema's token types collapse it
/// for validation too).
enum DossierExtractor {
    struct Missing: Error, CustomStringConvertible {
        let what: String
        var description: String { "element \(what) is missing" }
    }

    /// One element: its local name, line, collapsed text and child elements.
    struct Node {
        let pointer: xmlNodePtr
        var name: String { pointer.pointee.name.map { String(cString: $0) } ?? "" }
        var line: Int { Int(hoso_xmlGetLineNo(pointer)) }

        var text: String {
            guard let c = hoso_xmlNodeGetContent(pointer) else { return "" }
            defer { hoso_xml_free(c) }
            return Node.collapse(String(cString: c))
        }

        var children: [Node] {
            var out: [Node] = []
            var c = pointer.pointee.children
            while let n = c {
                if n.pointee.type == XML_ELEMENT_NODE { out.append(Node(pointer: n)) }
                c = n.pointee.next
            }
            return out
        }

        /// The first child element named `name` (compared as C strings: no allocation).
        func child(_ name: String) -> Node? {
            name.withCString { wanted -> Node? in
                var c = pointer.pointee.children
                while let n = c {
                    if n.pointee.type == XML_ELEMENT_NODE, let nm = n.pointee.name,
                       strcmp(UnsafeRawPointer(nm).assumingMemoryBound(to: CChar.self), wanted) == 0 {
                        return Node(pointer: n)
                    }
                    c = n.pointee.next
                }
                return nil
            }
        }

        func required(_ name: String) throws -> Node {
            guard let c = child(name) else { throw Missing(what: name) }
            return c
        }

        func string(_ name: String) throws -> String { try required(name).text }
        func optional(_ name: String) -> String? { child(name)?.text }

        func int(_ name: String) throws -> Int {
            guard let v = Int(try string(name)) else { throw Missing(what: "\(name) (a number)") }
            return v
        }

        func timestamp(_ name: String) throws -> Timestamp {
            guard let t = Timestamp(try string(name)) else { throw Missing(what: "\(name) (a date-time)") }
            return t
        }

        func attribute(_ name: String) -> String? {
            guard let v = hoso_xmlGetProp(pointer, name) else { return nil }
            defer { hoso_xml_free(v) }
            return Node.collapse(String(cString: v))
        }

        /// Trims and collapses runs of XML white space to one space (on bytes; most values need
        /// nothing and are returned as they are).
        static func collapse(_ s: String) -> String {
            let u = s.utf8
            func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
            var clean = true
            var previousSpace = true
            for b in u {
                let sp = isSpace(b)
                if sp && (previousSpace || b != 0x20) { clean = false; break }
                previousSpace = sp
            }
            if clean && !previousSpace { return s }
            var out = [UInt8]()
            out.reserveCapacity(u.count)
            var pending = false
            for b in u {
                if isSpace(b) { pending = !out.isEmpty } else {
                    if pending { out.append(0x20); pending = false }
                    out.append(b)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    static func extract(_ rootPointer: xmlNodePtr) throws -> Dossier {
        let root = Node(pointer: rootPointer)
        var lines: [String: Int] = [:]
        for c in root.children { lines[c.name] = c.line }

        let archival = try root.required("archivalCode")
        let proc = try root.required("procedure")
        let applicantNode = try root.required("applicant")
        let address = try applicantNode.required("address")
        if let id = applicantNode.child("citizenId") { lines["citizenId"] = id.line }
        // The lines of the text elements inside others, for problems found in their text (E407).
        func note(_ key: String, _ node: Node?) { if let node { lines[key] = node.line } }
        note("procedure/name", proc.child("name")); note("procedure/sector", proc.child("sector"))
        note("applicant/fullName", applicantNode.child("fullName"))
        note("address/detail", address.child("detail")); note("address/commune", address.child("commune"))
        note("address/district", address.child("district")); note("address/province", address.child("province"))

        var result: ResultDocument?
        if let r = root.child("result") {
            if let ref = r.child("componentRef") { lines["componentRef"] = ref.line }
            note("result/documentType", r.child("documentType")); note("result/issuer", r.child("issuer"))
            note("result/signer", r.child("signer")); note("result/notation", r.child("notation"))
            result = ResultDocument(documentType: try r.string("documentType"), number: r.optional("number"),
                                    notation: r.optional("notation"), issuedOn: try r.string("issuedOn"),
                                    issuer: try r.string("issuer"), signer: r.optional("signer"),
                                    componentRef: try r.string("componentRef"))
        }
        let retentionNode = try root.required("retention")
        let retention = Retention(years: retentionNode.child("years").flatMap { Int($0.text) },
                                  legalBasis: try retentionNode.string("legalBasis"))
        var digitization: Digitization?
        if let d = root.child("digitization") {
            digitization = Digitization(digitizedAt: try d.timestamp("digitizedAt"), operatorName: try d.string("operator"),
                                        device: d.optional("device"), resolutionDPI: d.optional("resolutionDpi").flatMap { Int($0) },
                                        colorMode: d.optional("colorMode"))
        }
        let components = try (try root.required("components")).children.enumerated().map { i, c -> Component in
            note("component \(i)", c.child("name"))
            let sha = c.optional("sha256").flatMap { ObjectID(hex: $0) }
            guard let role = ComponentRole(rawValue: c.attribute("role") ?? "") else { throw Missing(what: "component/@role") }
            return Component(id: c.attribute("id") ?? "", role: role, copyType: c.attribute("copyType") ?? "",
                             name: try c.string("name"), file: try rawText(c.required("file")),
                             mediaType: try c.string("mediaType"), pages: try c.int("pages"),
                             size: try c.int("size"), declaredSHA256: sha, line: c.line)
        }
        func agency(_ name: String) throws -> Agency {
            let a = try root.required(name)
            note(name + "/name", a.child("name"))
            return Agency(code: try a.string("code"), name: try a.string("name"),
                          validFrom: a.optional("validFrom"), validTo: a.optional("validTo"))
        }
        let keywordNodes = root.child("keywords")?.children ?? []
        for (i, k) in keywordNodes.enumerated() { lines["keyword \(i)"] = k.line }
        let keywords = keywordNodes.map(\.text)
        guard let kind = ApplicantKind(rawValue: applicantNode.attribute("kind") ?? ""),
              let channel = SubmissionChannel(rawValue: try root.string("submissionChannel")),
              let status = DossierStatus(rawValue: try root.string("status")),
              let access = AccessMode(rawValue: try root.string("accessMode"))
        else { throw Missing(what: "an enumerated value") }

        return Dossier(
            schemaVersion: root.attribute("schemaVersion") ?? "",
            number: try root.string("dossierNumber"),
            localCode: root.optional("localCode"),
            archivalCode: ArchivalCode(organId: try archival.string("organId"), year: try archival.int("year"),
                                       fileNotation: try archival.string("fileNotation")),
            title: try root.string("title"),
            procedure: Procedure(code: try proc.string("code"), name: try proc.string("name"),
                                 sector: try proc.string("sector"), level: try proc.string("level")),
            receivingAgency: try agency("receivingAgency"),
            handlingAgency: try agency("handlingAgency"),
            applicant: Applicant(kind: kind, fullName: try applicantNode.string("fullName"),
                                 citizenID: applicantNode.optional("citizenId"),
                                 address: Address(detail: try address.string("detail"), commune: try address.string("commune"),
                                                  district: address.optional("district"), province: try address.string("province")),
                                 phone: applicantNode.optional("phone"), email: applicantNode.optional("email")),
            submissionChannel: channel,
            receivedAt: try root.timestamp("receivedAt"),
            dueAt: try root.timestamp("dueAt"),
            completedAt: try root.child("completedAt").map { _ in try root.timestamp("completedAt") },
            returnedAt: try root.child("returnedAt").map { _ in try root.timestamp("returnedAt") },
            status: status,
            result: result,
            retention: retention,
            accessMode: access,
            language: try root.string("language"),
            keywords: keywords,
            pageCount: try root.int("pageCount"),
            documentCount: try root.int("documentCount"),
            digitization: digitization,
            components: components,
            lines: lines)
    }

    /// A file path exactly as written (no white-space collapsing: the bytes name a file).
    static func rawText(_ node: Node) -> String {
        guard let c = hoso_xmlNodeGetContent(node.pointer) else { return "" }
        defer { hoso_xml_free(c) }
        return String(cString: c)
    }
}
