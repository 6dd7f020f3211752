import ArgumentParser
import Foundation
import HosoArchive
import HosoCatalog
import HosoCore
import HosoStore

/// Finds a dossier version by number, or fails with E405 and suggestions.
func lookUp(_ number: String, version: Int?, in catalog: Catalog) throws -> (VersionRow, [VersionRow]) {
    // Numbers are stored as issued (agency codes in capitals); one typed in small letters is found too.
    var all = try catalog.versions(number: number)
    if all.isEmpty && number != number.uppercased() { all = try catalog.versions(number: number.uppercased()) }
    let chosen = version.map { v in all.first { $0.version == v } } ?? all.first { $0.isCurrent }
    guard let row = chosen else {
        if let version, !all.isEmpty {
            let number = all[0].number
            throw HosoError(.dossierNotFound, subject: number, message: "dossier \(number) has no version \(version)",
                            found: "versions " + all.map(\.version).sorted().map(String.init).joined(separator: ", "),
                            advice: "List them with 'hoso show --history \(number)'")
        }
        // Suggestions from the same day's numbers, else the same month's, else the same agency's.
        var near: [String] = []
        for length in [21, 18, 14, number.count] where near.isEmpty && number.count >= length && length > 0 {
            near = try catalog.numbers(prefix: String(number.uppercased().prefix(length)), limit: 5)
        }
        throw HosoError(.dossierNotFound, subject: number,
                        message: "no dossier \(number) in the archive",
                        found: near.isEmpty ? nil : "similar numbers: " + near.joined(separator: ", "),
                        advice: "Check the number (format <agency code>-YYMMDD-NNNN), or find the dossier with 'hoso search'")
    }
    return (row, all)
}

/// `hoso show CODE`: one dossier's fields, components and objects, ledger entry and versions.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show",
        abstract: "Show a dossier: fields, components with their objects, ledger entry and versions.")

    @OptionGroup var archiveOptions: ArchiveOptions
    @Argument(help: "The dossier number (mã số hồ sơ).") var number: String
    @Option(name: .long, help: "Show this version instead of the current one.") var version: Int?
    @Flag(name: .long, help: "List every version of the dossier.") var history = false
    @OptionGroup var output: OutputOptions

    func run() throws {
        let archive = try archiveOptions.open()
        let catalog = try archive.openCatalogForReading()
        let (row, all) = try lookUp(number, version: version, in: catalog)
        let components = try catalog.components(manifest: row.manifest)
        let entry = try catalog.ledgerEntry(sequence: row.ledgerSequence)
        // A conversion from a legacy encoding is recorded in the manifest only (not a catalog
        // field): read it from there, and say so plainly, as the text shown is the converted one.
        let textEncoding = (try? Ledger(archive: archive).manifest(row.manifest))?.textEncoding
        let codecs = components.map { c -> (String, UInt64?) in
            guard let h = try? archive.store.header(c.object) else { return ("missing", nil) }
            return (h.codec.description, UInt64(ObjectHeader.size) + h.payloadLength)
        }
        if output.json {
            struct C: Encodable { let id, role, copyType, name, file, mediaType, object, codec: String; let pages: Int; let size: UInt64; let stored: UInt64? }
            struct V: Encodable { let version: Int; let manifest: String; let current: Bool; let ledgerSequence: Int; let supersedes: String?; let supersededBy: String? }
            struct Out: Encodable {
                let number: String; let version: Int; let current: Bool; let manifest: String; let xml: String
                let fields: [String: String]; let components: [C]; let ledgerEntry: [String: String]?; let versions: [V]
                let textEncoding: String?
            }
            let fields = row.row.filter { !["manifest", "number", "version", "is_current", "xml_object"].contains($0.key) }
            let comps = zip(components, codecs).map { c, k in
                C(id: c.id, role: c.role, copyType: c.copyType, name: c.name, file: c.file, mediaType: c.mediaType,
                  object: c.object.prefixed, codec: k.0, pages: c.pages, size: c.size, stored: k.1)
            }
            let e = entry.map { ["sequence": String($0.sequence), "id": $0.id, "time": $0.time, "operator": $0.operatorName, "source": $0.source] }
            let versions = all.map { V(version: $0.version, manifest: $0.manifest.prefixed, current: $0.isCurrent, ledgerSequence: $0.ledgerSequence,
                                       supersedes: $0["supersedes"], supersededBy: $0["superseded_by"]) }
            Console.shared.out(JSON.encode(Out(number: row.number, version: row.version, current: row.isCurrent, manifest: row.manifest.prefixed,
                                               xml: row.xmlObject.prefixed, fields: fields, components: comps, ledgerEntry: e, versions: versions,
                                               textEncoding: textEncoding?.rawValue)))
            return
        }
        let c = Console.shared
        func f(_ k: String) -> String { row[k] ?? "—" }
        var lines: [String] = []
        lines.append(c.bold("Dossier \(row.number)") + "  (version \(row.version) of \(all.count)\(row.isCurrent ? ", current" : ", superseded"))")
        lines.append("  title:        \(f("title"))")
        lines.append("  procedure:    \(f("procedure_code")) \(f("procedure_name")) (\(f("sector")), \(f("level")))")
        lines.append("  received by:  \(f("receiving_agency_code")) \(f("receiving_agency_name"))")
        lines.append("  handled by:   \(f("handling_agency_code")) \(f("handling_agency_name"))")
        var applicant = "\(f("applicant_name")) (\(f("applicant_kind")))"
        if let id = row["citizen_id"] { applicant += ", CCCD \(id)" }
        if let p = row["phone"] { applicant += ", \(p)" }
        lines.append("  applicant:    \(applicant)")
        lines.append("  address:      \(f("address"))")
        lines.append("  channel:      \(f("channel"))")
        lines.append("  received:     \(f("received_text"))")
        lines.append("  due:          \(f("due_text"))")
        if let t = row["completed_text"] { lines.append("  completed:    \(t)") }
        if let t = row["returned_text"] { lines.append("  returned:     \(t)") }
        lines.append("  status:       \(f("status")) (\(f("timeliness")))")
        if let t = row["result_type"] { lines.append("  result:       \(t)\(row["result_number"].map { " no. \($0)" } ?? "")") }
        lines.append("  archival code: \(f("archival_code"))\(row["local_code"].map { ", local code \($0)" } ?? "")")
        lines.append("  retention:    \(row["retention_years"].map { "\($0) years" } ?? "permanent"); access \(f("access_mode")); language \(f("language"))")
        lines.append("  pages:        \(f("page_count")) in \(f("document_count")) documents\(row["digitized"] == "1" ? "; digitization recorded" : "")")
        if let k = row["keywords"], !k.isEmpty { lines.append("  keywords:     \(k)") }
        if let t = textEncoding {
            lines.append("  text:         converted from \(t.rawValue.uppercased()) when archived (--legacy-encoding); the XML is kept as it came")
        }
        lines.append(c.bold("Components"))
        for (comp, codec) in zip(components, codecs) {
            let saving = codec.1.map { stored in comp.size > 0 ? String(format: "%.0f%%", max(0, 100 * (1 - Double(stored) / Double(comp.size)))) : "0%" } ?? "?"
            lines.append("  \(comp.id)  \(comp.role)/\(comp.copyType)  \(comp.name)")
            lines.append("      \(comp.file)  \(comp.mediaType), \(comp.pages) pages, \(Format.bytes(comp.size)), \(codec.0) (saving \(saving))")
            lines.append("      \(comp.object.prefixed)")
        }
        lines.append(c.bold("Archive"))
        lines.append("  xml:          \(row.xmlObject.prefixed)")
        lines.append("  manifest:     \(row.manifest.prefixed)")
        if let e = entry {
            lines.append("  ledger entry: \(e.sequence) \(e.id)")
            lines.append("                \(e.time) by \(e.operatorName), from \(e.source)")
        }
        if history || all.count > 1 {
            lines.append(c.bold("Versions"))
            for v in all {
                let e = try catalog.ledgerEntry(sequence: v.ledgerSequence)
                lines.append("  \(v.version)\(v.isCurrent ? " (current)" : "")  \(v.manifest.prefixed)  entry \(v.ledgerSequence) \(e?.time ?? "")\(v["superseded_by"].map { "  superseded by \(ObjectID(hex: $0)?.short ?? $0)" } ?? "")")
            }
        }
        for l in lines { c.out(l) }
    }
}
