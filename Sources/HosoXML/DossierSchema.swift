internal import CHosoLibXML2
import HosoCore

/// The compiled dossier schema (`schemas/dossier-1.xsd`, embedded in the binary), shared by every
/// validating thread. libxml2's compiled schemas are read-only during validation (checked with
/// helgrind), so one instance serves all threads; each validation has its own context.
public final class DossierSchema: @unchecked Sendable {
    /// The namespace of dossier documents.
    public static let namespace = "urn:hoso:dossier:1"

    let pointer: xmlSchemaPtr

    /// The schema every dossier is validated against, compiled on first use.
    public static let shared: DossierSchema = {
        do { return try DossierSchema(xsd: xsdText) } catch {
            fatalError("the embedded dossier schema does not compile: \(error)")
        }
    }()

    /// Compiles an XSD from memory. Only trusted, bundled schemas are compiled: schema compilation is
    /// not protected by document options, so the denying entity loader must already be in place.
    /// - Throws: `HosoError` (E109) with libxml2's messages when the schema does not compile.
    init(xsd: String) throws {
        XMLLibrary.ensureInitialized()
        let collector = XMLIssueCollector()
        let opaque = Unmanaged.passUnretained(collector).toOpaque()
        let parsed: xmlSchemaPtr? = withExtendedLifetime(collector) {
            xsd.withCString { text -> xmlSchemaPtr? in
                guard let ctxt = xmlSchemaNewMemParserCtxt(text, Int32(xsd.utf8.count)) else { return nil }
                defer { xmlSchemaFreeParserCtxt(ctxt) }
                xmlSchemaSetParserStructuredErrors(ctxt, hosoStructuredErrorHandler, opaque)
                xmlSetStructuredErrorFunc(opaque, hosoStructuredErrorHandler)
                defer { xmlSetStructuredErrorFunc(nil, nil) }
                return xmlSchemaParse(ctxt)
            }
        }
        guard let parsed, collector.externalAttempts.isEmpty else {
            if let parsed { xmlSchemaFree(parsed) }
            throw HosoError(.validatorFailure, message: "the XML schema does not compile: "
                + collector.issues.map(\.message).joined(separator: "; "),
                advice: "This is a defect of hoso; report it")
        }
        pointer = parsed
    }

    deinit { xmlSchemaFree(pointer) }

    /// The version of libxml2 in use.
    public static var libraryVersion: String { XMLLibrary.version }
}
