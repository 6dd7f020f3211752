internal import CHosoXML
public import HosoCore

/// The outcome of reading one dossier XML: every problem found, and the record when the XML is
/// well-formed and valid against the schema (rules beyond the schema are checked by the caller).
public struct DossierParseOutcome: Sendable {
    public var diagnostics: [Diagnostic]
    public var dossier: Dossier?
}

/// Parses and validates dossier XML with libxml2, safely: from memory only, no DTD, no entity
/// substitution, no network, no XInclude, no recovery, no HUGE limits.
public enum DossierParser {
    /// Largest XML file accepted by default (dossier metadata is a few kilobytes).
    public static let defaultMaxBytes = 16 << 20

    /// Checks, parses and validates `bytes` (the whole file, read by the caller under a size cap).
    /// - Parameters:
    ///   - bytes: the file's bytes.
    ///   - file: the path shown in diagnostics.
    ///   - schema: the compiled schema to validate against.
    ///   - validate: false skips the schema (and only the schema) for XML that was validated
    ///     when it was archived and whose bytes were verified since: rebuilding derived data.
    public static func parse(_ bytes: [UInt8], file: String, schema: DossierSchema = .shared, validate: Bool = true) -> DossierParseOutcome {
        bytes.withUnsafeBytes { parse(buffer: $0, file: file, schema: schema, validate: validate) }
    }

    public static func parse(buffer: UnsafeRawBufferPointer, file: String, schema: DossierSchema, validate: Bool = true) -> DossierParseOutcome {
        if let problem = XMLPrecheck.check(buffer, file: file) {
            return DossierParseOutcome(diagnostics: [problem], dossier: nil)
        }
        return parseChecked(buffer: buffer, file: file, schema: schema, validate: validate)
    }

    /// Parses without the byte prechecks: for tests of the layers behind them only.
    static func parseSkippingPrecheck(_ bytes: [UInt8], file: String) -> DossierParseOutcome {
        bytes.withUnsafeBytes { parseChecked(buffer: $0, file: file, schema: .shared) }
    }

    /// libxml2's message for a limit it enforces, in words a user can act on (nil for others).
    static func limitMessage(_ message: String) -> String? {
        if message.contains("Excessive depth") {
            return "elements are nested more than 256 levels deep (dossier metadata needs fewer than 10)"
        }
        if message.contains("huge text node") || message.contains("XML_PARSE_HUGE") {
            return "a text or value is longer than the parser accepts (10 MB): the file is not dossier metadata, or it is damaged"
        }
        return nil
    }

    private static func parseChecked(buffer: UnsafeRawBufferPointer, file: String, schema: DossierSchema, validate: Bool = true) -> DossierParseOutcome {
        if let problem = XMLLibrary.ensureInitialized() {
            return DossierParseOutcome(diagnostics: [Diagnostic(.validatorFailure, file: file, message: problem,
                advice: XMLLibrary.installAdvice)], dossier: nil)
        }
        let collector = XMLIssueCollector()
        return withExtendedLifetime(collector) {
            let opaque = Unmanaged.passUnretained(collector).toOpaque()
            guard let ctxt = hoso_xmlNewParserCtxt() else {
                return DossierParseOutcome(diagnostics: [Diagnostic(.validatorFailure, file: file,
                    message: "libxml2 could not create a parser (out of memory?)", advice: "Retry with fewer parallel jobs")], dossier: nil)
            }
            defer { hoso_xmlFreeParserCtxt(ctxt) }
            ctxt.pointee._private = opaque
            hoso_xmlSetStructuredErrorFunc(opaque, hosoStructuredErrorHandler)
            let doc = buffer.withMemoryRebound(to: CChar.self) { chars in
                hoso_xmlCtxtReadMemory(ctxt, chars.baseAddress, Int32(chars.count), "dossier.xml", nil, XMLLibrary.parseOptions)
            }
            hoso_xmlSetStructuredErrorFunc(nil, nil)
            defer { if let doc { hoso_xmlFreeDoc(doc) } }

            if !collector.externalAttempts.isEmpty {
                return DossierParseOutcome(diagnostics: [Diagnostic(.externalResource, file: file,
                    message: "the document tried to load an external resource",
                    expected: "no external resources", found: collector.externalAttempts.joined(separator: ", "),
                    advice: "Remove the reference; hoso never loads files or URLs named inside XML")], dossier: nil)
            }
            var parseErrors = collector.issues.filter { $0.level >= 2 }
            // A limit of the parser (depth, size of a text): what follows it is its consequence
            // ("Extra content at the end"), and libxml2's advice (XML_PARSE_HUGE) is not the user's.
            if let limit = parseErrors.firstIndex(where: { Self.limitMessage($0.message) != nil }) {
                parseErrors = [parseErrors[limit]]
                parseErrors[0].message = Self.limitMessage(parseErrors[0].message)!
            }
            guard let doc, parseErrors.isEmpty else {
                let diags = parseErrors.isEmpty
                    ? [Diagnostic(.notWellFormed, file: file, message: "the XML could not be parsed", advice: "Check the file is complete XML")]
                    : parseErrors.map { issue in
                        Diagnostic(.notWellFormed, file: file, line: issue.line, column: issue.column,
                                   message: "the XML is not well-formed: " + issue.message,
                                   advice: "Correct the XML at this position; hoso never repairs broken XML")
                    }
                return DossierParseOutcome(diagnostics: diags, dossier: nil)
            }
            if doc.pointee.intSubset != nil || doc.pointee.extSubset != nil {
                return DossierParseOutcome(diagnostics: [Diagnostic(.doctypeForbidden, file: file,
                    message: "the document has a DOCTYPE declaration", expected: "no DOCTYPE", found: "a DOCTYPE",
                    advice: "Remove the DOCTYPE; hoso refuses DTDs and entities")], dossier: nil)
            }
            guard let root = hoso_xmlDocGetRootElement(doc) else {
                return DossierParseOutcome(diagnostics: [Diagnostic(.notWellFormed, file: file,
                    message: "the document has no root element", advice: "Check the file is complete XML")], dossier: nil)
            }
            let rootName = root.pointee.name.map { String(cString: $0) } ?? ""
            let rootNS = root.pointee.ns?.pointee.href.map { String(cString: $0) } ?? ""
            if rootName != "dossier" || rootNS != DossierSchema.namespace {
                return DossierParseOutcome(diagnostics: [Diagnostic(.wrongDocumentType, file: file,
                    line: Int(hoso_xmlGetLineNo(root)),
                    message: "the root element is not a hoso dossier",
                    expected: "<dossier xmlns=\"\(DossierSchema.namespace)\">",
                    found: "<\(rootName)\(rootNS.isEmpty ? "" : " xmlns=\"\(rootNS)\"")>",
                    advice: "Only dossier metadata in the hoso schema (schemas/dossier-1.xsd) can be validated")], dossier: nil)
            }
            if let version = attribute(root, "schemaVersion"), !version.hasPrefix("1.") {
                return DossierParseOutcome(diagnostics: [Diagnostic(.wrongDocumentType, file: file,
                    line: Int(hoso_xmlGetLineNo(root)),
                    message: "the document uses schema version \(version), which this hoso does not know",
                    expected: "schemaVersion 1.x", found: version,
                    advice: "Upgrade hoso, or export the dossier in schema version 1")], dossier: nil)
            }

            // XSD validation with a context of our own on the shared compiled schema.
            collector.issues.removeAll()
            if !validate { return extract(root, file: file) }
            guard let vctxt = hoso_xmlSchemaNewValidCtxt(schema.pointer) else {
                return DossierParseOutcome(diagnostics: [Diagnostic(.validatorFailure, file: file,
                    message: "libxml2 could not create a validation context", advice: "Retry with fewer parallel jobs")], dossier: nil)
            }
            defer { hoso_xmlSchemaFreeValidCtxt(vctxt) }
            hoso_xmlSchemaSetValidStructuredErrors(vctxt, hosoStructuredErrorHandler, opaque)
            let rc = withExtendedLifetime(schema) { hoso_xmlSchemaValidateDoc(vctxt, doc) }
            if rc != 0 {
                var diags = collector.issues.filter { $0.level >= 2 }.map { issue in
                    Diagnostic(.schemaViolation, file: file, line: issue.line > 0 ? issue.line : nil,
                               subject: issue.path,
                               message: readableSchemaMessage(issue.message, path: issue.path),
                               advice: "Correct the element as schemas/dossier-1.xsd requires (each element is explained in schemas/README.md)")
                }
                if rc < 0 || diags.isEmpty {
                    diags.append(Diagnostic(.validatorFailure, file: file,
                        message: "libxml2 could not complete validation (code \(rc))",
                        advice: "The document is treated as invalid; report the file to the hoso maintainers"))
                }
                return DossierParseOutcome(diagnostics: diags, dossier: nil)
            }
            return extract(root, file: file)
        }
    }

    private static func extract(_ root: xmlNodePtr, file: String) -> DossierParseOutcome {
        do {
            return DossierParseOutcome(diagnostics: [], dossier: try DossierExtractor.extract(root))
        } catch {
            return DossierParseOutcome(diagnostics: [Diagnostic(.validatorFailure, file: file,
                message: "the document could not be read: \(error)",
                advice: "Report the file to the hoso maintainers")], dossier: nil)
        }
    }

    /// libxml2's message without the namespace in braces, led by the readable element path.
    static func readableSchemaMessage(_ message: String, path: String?) -> String {
        let cleaned = message.replacing("{\(DossierSchema.namespace)}", with: "")
        if let path { return "\(path): \(cleaned)" }
        return cleaned
    }

    static func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
        guard let v = hoso_xmlGetProp(node, name) else { return nil }
        defer { hoso_xml_free(v) }
        return String(cString: v)
    }
}

