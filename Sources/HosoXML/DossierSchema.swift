internal import CHosoXML
import HosoCore

/// The compiled dossier schema (`schemas/dossier-1.xsd`, embedded in the binary), shared by every
/// validating thread. libxml2's compiled schemas are read-only during validation (checked with
/// helgrind), so one instance serves all threads; each validation has its own context.
public final class DossierSchema: @unchecked Sendable {
    /// The namespace of dossier documents.
    public static let namespace = "urn:hoso:dossier:1"

    /// nil only for the shared schema of a process where libxml2 cannot be loaded: every parse
    /// then reports that, before any schema is used.
    let pointer: xmlSchemaPtr?

    /// The schema every dossier is validated against, compiled on first use.
    public static let shared: DossierSchema = {
        if XMLLibrary.ensureInitialized() != nil { return DossierSchema(unavailable: ()) }
        do { return try DossierSchema(xsd: xsdText) } catch {
            fatalError("the embedded dossier schema does not compile: \(error)")
        }
    }()

    private init(unavailable: Void) { pointer = nil }

    /// Throws, saying what to do, when libxml2 cannot be loaded: for the commands that read
    /// XML, before they start (else each dossier would be reported with it).
    public static func requireLibrary() throws {
        if let problem = XMLLibrary.ensureInitialized() {
            throw HosoError(.validatorFailure, message: problem, advice: XMLLibrary.installAdvice)
        }
    }

    /// Compiles an XSD from memory. Only trusted, bundled schemas are compiled: schema compilation is
    /// not protected by document options, so the denying entity loader must already be in place.
    /// - Throws: `HosoError` (E109) with libxml2's messages when the schema does not compile.
    init(xsd: String) throws {
        try Self.requireLibrary()
        let collector = XMLIssueCollector()
        let opaque = Unmanaged.passUnretained(collector).toOpaque()
        let parsed: xmlSchemaPtr? = withExtendedLifetime(collector) {
            xsd.withCString { text -> xmlSchemaPtr? in
                guard let ctxt = hoso_xmlSchemaNewMemParserCtxt(text, Int32(xsd.utf8.count)) else { return nil }
                defer { hoso_xmlSchemaFreeParserCtxt(ctxt) }
                hoso_xmlSchemaSetParserStructuredErrors(ctxt, hosoStructuredErrorHandler, opaque)
                hoso_xmlSetStructuredErrorFunc(opaque, hosoStructuredErrorHandler)
                defer { hoso_xmlSetStructuredErrorFunc(nil, nil) }
                return hoso_xmlSchemaParse(ctxt)
            }
        }
        guard let parsed, collector.externalAttempts.isEmpty else {
            if let parsed { hoso_xmlSchemaFree(parsed) }
            throw HosoError(.validatorFailure, message: "the XML schema does not compile: "
                + collector.issues.map(\.message).joined(separator: "; "),
                advice: "This is a defect of hoso; report it")
        }
        pointer = parsed
    }

    deinit { if let pointer { hoso_xmlSchemaFree(pointer) } }
}
