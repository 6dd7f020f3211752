import ArgumentParser
import Foundation
import HosoArchive
import HosoCatalog
import HosoCore
import HosoIndex
import HosoStore
import HosoXML

/// A dossier number as pasted from a receipt, a spreadsheet or a message: read as search reads
/// pasted text (typographic dashes, no-break and zero-width spaces), then the last word when a
/// label comes before it (`Mã hồ sơ:`), without a full stop or comma after it.
func typedNumber(_ text: String) -> String {
    var s = QueryParser.pasted(text).trimmingCharacters(in: .whitespacesAndNewlines)
    if let last = s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).last, last.contains(where: \.isNumber) { s = String(last) }
    return QueryParser.withoutTrailingPunctuation(s)
}

/// Finds a dossier version by number (or by its local or archival code), or fails with E405 and
/// suggestions.
/// - Parameter archive: where to look for a number the catalog lacks among the ledger entries it
///   does not reflect yet (read-only media, or a user who may not bring it up to date).
func lookUp(_ typed: String, version: Int?, in catalog: Catalog, archive: Archive? = nil) throws -> (VersionRow, [VersionRow]) {
    let number = typedNumber(typed)
    // Numbers are stored as issued (agency codes in capitals); one typed in small letters is found too.
    var all = try catalog.versions(number: number)
    if all.isEmpty && number != number.uppercased() { all = try catalog.versions(number: number.uppercased()) }
    if all.isEmpty {
        // An old receipt's local code (MC19.217593) or the archival code names one dossier.
        let byCode = try catalog.numbers(localOrArchivalCode: number, limit: 2)
        if byCode.count == 1 { all = try catalog.versions(number: byCode[0]) }
    }
    let chosen = version.map { v in all.first { $0.version == v } } ?? all.first { $0.isCurrent }
    // The current version is the last one: a catalog edited by hand must not hand out an older
    // version as current (export would write it out as "verified").
    let currents = all.filter(\.isCurrent)
    if version == nil, currents.count > 1 || (currents.first.map { c in all.contains { $0.version > c.version } } ?? false), let number = all.first?.number {
        throw HosoError(.catalogRowAltered, file: "catalog.sqlite", subject: number,
                        message: "the catalog marks " + (currents.count > 1 ? "\(currents.count) versions of \(number) as current" : "version \(currents[0].version) of \(number) as current, but it holds a later one"),
                        found: "versions " + all.map { "\($0.version)\($0.isCurrent ? " (current)" : "")" }.joined(separator: ", "),
                        advice: "The catalog is damaged: run 'hoso verify' to see what differs, then 'hoso rebuild' (it is made again from the ledger); 'hoso show --version N' shows one version meanwhile")
    }
    guard let row = chosen else {
        if version == nil, let number = all.first?.number {
            throw HosoError(.catalogRowAltered, file: "catalog.sqlite", subject: number,
                            message: "the catalog holds versions of \(number) but none is current",
                            found: "versions " + all.map(\.version).sorted().map(String.init).joined(separator: ", "),
                            advice: "The catalog is damaged: run 'hoso verify' to see what differs, then 'hoso rebuild' (it is made again from the ledger); 'hoso show --version N' shows one version meanwhile")
        }
        // A catalog that could not be brought up to date here: the entries it lacks may hold the
        // number, or the version asked for. (A catalog that reflects no entry yet lacks them all.)
        let applied: (id: ObjectID, sequence: Int)??
        do { applied = .some(try catalog.appliedHead.map { ($0.id, $0.sequence) }) } catch { applied = nil }
        if let archive, let applied,
           let missing = try? Ledger(archive: archive).entries(missingFrom: "the catalog", applied: applied).entries,
           !missing.isEmpty {
            let wanted = all.first?.number ?? number
            let what = version.map { "version \($0) of \(wanted)" } ?? "dossier \(wanted)"
            // (Not in those entries either: the answers below hold.)
            if let found = missing.first(where: { $0.entry.added.contains { ($0.dossier == wanted || $0.dossier == wanted.uppercased()) && (version == nil || $0.version == version) } }) {
                throw HosoError(.dossierNotFound, subject: wanted,
                                message: "\(what) was archived by ledger entry \(found.entry.sequence), which the catalog does not reflect yet",
                                advice: "The catalog could not be brought up to date here (the note above says why: read-only media, a user who may not write, a full disk); "
                                    + "any hoso command run where it can write does it (on read-only media, copy the archive to a writable disk and run 'hoso rebuild' there)")
            }
        }
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
                        advice: "Check the number (format <agency code>-YYMMDD-NNNN), or find the dossier with 'hoso search'; if it was archived, "
                            + "run 'hoso verify': the catalog this answer comes from may be damaged")
    }
    return (row, all)
}

/// The manifest of a catalog row, checked against it: the catalog says which manifest holds a
/// number, and a damaged or altered catalog must not hand out another dossier under it.
func checkedManifest(_ row: VersionRow, archive: Archive) throws -> Manifest {
    let manifest = try Ledger(archive: archive).manifest(row.manifest)
    guard manifest.dossier == row.number, manifest.version == row.version else {
        throw HosoError(.catalogRowAltered, file: "catalog.sqlite", subject: row.number,
                        message: "the catalog gives \(row.number) version \(row.version) the manifest \(row.manifest.short), which describes \(manifest.dossier) version \(manifest.version)",
                        expected: "\(row.number) version \(row.version)", found: "\(manifest.dossier) version \(manifest.version)",
                        advice: "The catalog is damaged or altered: nothing was shown or written; run 'hoso verify', then 'hoso rebuild'")
    }
    return manifest
}

/// What is wrong with the catalog's record of a version (E701–E703): its rows, where they no
/// longer match the digest its ledger entry recorded, compared with what its archived XML makes
/// (each field that differs said), and a record of the entry that is not the ledger's.
func catalogProblems(_ row: VersionRow, entry: LedgerRow?, catalog: Catalog, archive: Archive) -> [Diagnostic] {
    func altered(_ message: String, expected: String?, found: String?, code: DiagnosticCode = .catalogRowAltered) -> Diagnostic {
        Diagnostic(code, file: "catalog.sqlite", subject: row.number, message: message, expected: expected ?? "nothing", found: found ?? "nothing",
                   advice: "The catalog is damaged or altered (the archived XML and the ledger are what counts): run 'hoso verify', then 'hoso rebuild'")
    }
    guard let entry, let id = ObjectID(hex: entry.id), let e = try? Ledger(archive: archive).entry(id) else { return [] }
    var out: [Diagnostic] = []
    if e.sequence != row.ledgerSequence || !e.added.contains(where: { $0.manifest == row.manifest }) {
        out.append(altered("the catalog puts \(row.number) version \(row.version) in ledger entry \(row.ledgerSequence), which does not add it",
                           expected: "the entry that adds manifest \(row.manifest.short)", found: "entry \(e.sequence) (\(id.short))"))
    }
    if e.time != entry.time || e.operator != entry.operatorName {
        out.append(altered("the catalog's record of ledger entry \(e.sequence) is not the entry's", expected: "\(e.time) by \(e.operator)",
                           found: "\(entry.time) by \(entry.operatorName)"))
    }
    guard out.isEmpty else { return out }
    var audit = CatalogAudit(catalog: catalog)
    if let digest = e.derived, (try? audit.compare(sequence: e.sequence, additions: e.added, digest: digest)) != nil { return out }
    // Not the rows the entry recorded (or no digest to tell): this version derived again from
    // its XML by the catalog's rule and its rows compared one by one, as a full verify does. An
    // entry recorded under an older rule (before a 'hoso rebuild') or another dossier of the
    // entry edited is no finding here; this dossier's rows edited are, field by field.
    guard let add = e.added.first(where: { $0.manifest == row.manifest }),
          let version = try? CatalogSync.version(add, ledger: Ledger(archive: archive),
                                                 derivation: (try? catalog.indexDerivation) ?? IndexDocument.currentDerivation),
          let rows = try? audit.compare(sequence: e.sequence, additions: [add], versions: [version]) else { return out }
    for r in rows {
        let place = r.table == "dossiers" ? "\(row.number) version \(row.version)"
            : "component \(r.key.split(separator: "#").last ?? "") of \(row.number) version \(row.version)"
        switch r.kind {
        case .altered:
            for c in r.changed {
                out.append(altered("the catalog's \(c.column) of \(place) is not what its archived XML says", expected: c.expected, found: c.found))
            }
        case .missing:
            out.append(altered("the catalog lacks the row of \(place)", expected: "the row its archived XML makes", found: nil, code: .catalogRowMissing))
        case .extra:
            out.append(altered("the catalog holds a row of \(row.number) version \(row.version) that its archived XML does not make: \(r.table)[\(r.key)]",
                               expected: nil, found: "the row", code: .catalogRowExtra))
        }
    }
    return out
}

/// `hoso show CODE`: one dossier's fields, components and objects, ledger entry and versions.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show",
        abstract: "Show a dossier: fields, components with their objects, ledger entry and versions.")

    @OptionGroup var archiveOptions: ArchiveOptions
    @Argument(help: "The dossier number (mã số hồ sơ).") var number: String
    // Unconditional: '--version -1' is a version refused, not an option missing its value.
    @Option(name: .long, parsing: .unconditional, help: "Show this version instead of the current one.") var version: Int?
    @Flag(name: .long, help: "List every version of the dossier.") var history = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if number.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("give a dossier number (mã số hồ sơ), for example 000.00.21.H50-230512-0007") }
        if let version, version < 1 { throw ValidationError("--version takes a version number: 1 for the first") }
    }

    func run() throws {
        let archive = try archiveOptions.open()
        let catalog = try archive.openCatalogForReading()
        let (row, all) = try lookUp(number, version: version, in: catalog, archive: archive)
        let components = try catalog.components(manifest: row.manifest)
        let entry = try catalog.ledgerEntry(sequence: row.ledgerSequence)
        // A conversion from a legacy encoding is recorded in the manifest only (not a catalog
        // field): read it from there, and say so plainly, as the text shown is the converted one.
        // On a damaged archive, show is what is left to read: a manifest that cannot be read
        // is said, and the catalog's record shown; one that names another dossier is refused.
        // Each object that cannot be read is said, the rest shown, and the exit status is 1 (3
        // when all is E406, this user's permissions): a script or an auditor must not take a
        // damaged dossier's record for a sound one.
        var problems: [Diagnostic] = []
        let manifest: Manifest?
        do { manifest = try checkedManifest(row, archive: archive) } catch let e as HosoError where e.code != .catalogRowAltered {
            // Named by the dossier it holds, as the other problems of this dossier are.
            var d = e.diagnostic
            d.subject = "\(row.number) version \(row.version) (manifest)"
            problems.append(d)
            Console.shared.err("hoso: " + Console.shared.render(d))
            Console.shared.err("hoso: note: what follows is the catalog's record, not checked against the manifest")
            manifest = nil
        }
        if let manifest, components.map({ "\($0.file) \($0.object.hex)" }) != manifest.components.map({ "\($0.file) \($0.object.hex)" }) {
            throw HosoError(.catalogRowAltered, file: "catalog.sqlite", subject: row.number,
                            message: "the catalog's components of \(row.number) version \(row.version) are not those of its manifest \(row.manifest.short)",
                            advice: "The catalog is damaged or altered: run 'hoso verify', then 'hoso rebuild'")
        }
        // What the catalog does not keep (the result's notation, date, issuer and signer; the
        // e-mail address) is read from the archived XML, verified on the way.
        func unreadable(_ what: String, _ id: ObjectID, _ error: any Error) -> Diagnostic {
            if let f = error as? ObjectFault {
                return Diagnostic(f.code, file: archive.store.displayPath(of: id), subject: row.number,
                                  message: "\(what) \(id.short): \(f)", advice: f.advice)
            }
            return Hoso.diagnostic(for: error) ?? Diagnostic(.ioFailure, file: archive.store.displayPath(of: id), subject: row.number,
                                                             message: "\(what) \(id.short): \(error)", advice: "Run 'hoso verify'")
        }
        var dossier: Dossier?
        if let manifest {
            do {
                dossier = try CatalogSync.archivedDossier(manifest, archive: archive)
                // Shown as the catalog's fields are, in canonical text (NFC, Đ for its
                // homoglyphs): an XML written in NFD gave the result block in NFD, which a
                // copy into grep or a spreadsheet then failed to match.
                if var r = dossier?.result {
                    let c = VietnameseText.canonical
                    r.documentType = c(r.documentType); r.issuer = c(r.issuer); r.signer = r.signer.map(c); r.notation = r.notation.map(c)
                    dossier?.result = r
                }
            } catch {
                problems.append(unreadable("the dossier's XML", manifest.xml.object, error))
            }
            // What is shown comes from the catalog: checked, as a full verify checks it, against
            // the digest of its rows that the version's ledger entry recorded, and the entry's
            // own record. Rows that match were written by hoso (a field that differs from what
            // today's rules make of the XML is an older rule's, which 'hoso rebuild' renews);
            // rows that do not were edited: each field that differs is said, with the XML's value.
            problems += catalogProblems(row, entry: entry, catalog: catalog, archive: archive)
        } else {
            // The catalog's record names the XML too: whether it can still be read is said.
            do { _ = try archive.store.bytes(of: row.xmlObject, limit: 64 << 20) } catch {
                problems.append(unreadable("the dossier's XML", row.xmlObject, error))
            }
        }
        // Each scan's object checked as 'verify --quick' checks it (its header, its size against
        // the header's, the original size against the one its manifest records), not read through.
        var quick = StoreChecker(store: archive.store, level: .quick, workers: 1)
        let recorded = Dictionary((manifest?.components ?? []).map { ($0.object, $0.size) }, uniquingKeysWith: { a, _ in a })
        quick.recordedSize = { recorded[$0] }
        let codecs = components.map { c -> (String, UInt64?) in
            do {
                let h = try quick.quickCheck(c.object)
                return (h.codec.description, UInt64(ObjectHeader.size) + h.payloadLength)
            } catch {
                problems.append(unreadable("the scan \(c.file)", c.object, error))
                return (((error as? ObjectFault) == .missing ? "missing" : "unreadable"), nil)
            }
        }
        for p in problems.dropFirst(manifest == nil ? 1 : 0) { Console.shared.err("hoso: " + Console.shared.render(p)) }
        try show(row: row, all: all, components: components, codecs: codecs, entry: entry, dossier: dossier,
                 textEncoding: manifest?.textEncoding, problems: problems, catalog: catalog)
        if !problems.isEmpty {
            // Objects this user may not read (E406) are not known to be damaged: exit 3, as for
            // any command that could not be carried out in full.
            let damage = problems.contains { $0.code != .ioFailure }
            let altered = problems.filter { [.catalogRowAltered, .catalogRowMissing, .catalogRowExtra].contains($0.code) }.count
            let unread = problems.count - altered
            let what = [unread > 0 ? "\(Format.count(unread, "object")) of this dossier could not be read; the rest is shown" : nil,
                        altered > 0 ? "\(Format.count(altered, "catalog record")) shown \(altered == 1 ? "differs" : "differ") from the archived XML or the ledger" : nil]
            Console.shared.err("hoso: " + what.compactMap { $0 }.joined(separator: "; ") + ". "
                               + (damage ? "Run 'hoso verify' to see the archive's state" : "Fix the cause named above (permissions, the disk), then run the command again"))
            throw ExitCode(damage ? 1 : 3)
        }
    }

    private func show(row: VersionRow, all: [VersionRow], components: [ComponentRow], codecs: [(String, UInt64?)],
                      entry: LedgerRow?, dossier: Dossier?, textEncoding: LegacyEncoding?, problems: [Diagnostic],
                      catalog: Catalog) throws {
        if output.json {
            struct C: Encodable { let id, role, copyType, name, file, mediaType, object, codec: String; let pages: Int; let size: UInt64; let stored: UInt64? }
            struct V: Encodable {
                let version: Int; let manifest: String; let current: Bool; let ledgerSequence: Int; let ledgerEntryId: String?; let time: String?
                let supersedes: String?; let supersededBy: String?
                /// The earlier version whose content (XML and files) this one holds again.
                let contentOfVersion: Int?
            }
            struct E: Encodable { let sequence: Int; let id, time, `operator`, source: String }
            /// The catalog's columns: numbers as numbers (counts, times in seconds), flags as
            /// true or false, text as text.
            struct Fields: Encodable {
                let row: VersionRow, names: [String]
                static let flags: Set<String> = ["digitized"]
                typealias Key = JSON.Key
                func encode(to encoder: any Encoder) throws {
                    var c = encoder.container(keyedBy: Key.self)
                    for name in names {
                        guard let v = row[name] else { continue }
                        if row.integerColumns.contains(name), let n = Int64(v) {
                            if Self.flags.contains(name) { try c.encode(n != 0, forKey: Key(name)) } else { try c.encode(n, forKey: Key(name)) }
                        } else {
                            try c.encode(v, forKey: Key(name))
                        }
                    }
                }
            }
            struct Out: Encodable {
                let number: String; let version: Int; let current: Bool; let manifest: String; let xml: String
                let fields: Fields; let components: [C]; let ledgerEntry: E?; let versions: [V]
                let textEncoding: String?; let result: ResultDocument?
                /// What could not be read (the exit status is then 1; 3 when all of it is E406).
                let problems: [DiagnosticJSON]
            }
            let fields = Fields(row: row, names: row.row.keys.filter { !["manifest", "number", "version", "is_current", "xml_object"].contains($0) }.sorted())
            let comps = zip(components, codecs).map { c, k in
                C(id: c.id, role: c.role, copyType: c.copyType, name: c.name, file: c.file, mediaType: c.mediaType,
                  object: c.object.prefixed, codec: k.0, pages: c.pages, size: c.size, stored: k.1)
            }
            let e = entry.map { E(sequence: $0.sequence, id: $0.id, time: $0.time, operator: $0.operatorName, source: $0.source) }
            let versions = try versionHistory(all, catalog: catalog).map { v, e, again in
                V(version: v.version, manifest: v.manifest.prefixed, current: v.isCurrent, ledgerSequence: v.ledgerSequence, ledgerEntryId: e?.id,
                  time: e?.time, supersedes: v["supersedes"], supersededBy: v["superseded_by"], contentOfVersion: again)
            }
            Console.shared.out(JSON.encode(Out(number: row.number, version: row.version, current: row.isCurrent, manifest: row.manifest.prefixed,
                                               xml: row.xmlObject.prefixed, fields: fields, components: comps, ledgerEntry: e, versions: versions,
                                               textEncoding: textEncoding?.rawValue, result: dossier?.result, problems: problems.map { DiagnosticJSON(d: $0) })))
            return
        }
        let c = Console.shared
        func f(_ k: String) -> String { row[k].map(Console.visible) ?? "—" }
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
        lines.append("  status:       \(f("status")) (\(StatusCode.shownTimeliness(status: f("status"), timeliness: f("timeliness"))))")
        if let email = row["email"] { lines.append("  e-mail:       \(email)") }
        if let r = dossier?.result {
            var text = r.documentType
            if let n = r.number { text += " số \(n)" }
            if let notation = r.notation, notation != r.number { text += r.number == nil ? " số \(notation)" : ", ký hiệu \(notation)" }
            lines.append("  result:       \(text)")
            lines.append("                issued \(r.issuedOn) by \(r.issuer)\(r.signer.map { ", signed by \($0)" } ?? ""); in component \(r.componentRef)")
        } else if let t = row["result_type"] {
            lines.append("  result:       \(t)\(row["result_number"].map { " số \($0)" } ?? "")")
        }
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
            lines.append("      \(Console.visible(comp.file))  \(comp.mediaType), \(comp.pages) page\(comp.pages == 1 ? "" : "s"), \(Format.bytes(comp.size)), \(codec.0) (saving \(saving))")
            lines.append("      \(comp.object.prefixed)")
        }
        lines.append(c.bold("Archive"))
        lines.append("  xml:          \(row.xmlObject.prefixed)")
        lines.append("  manifest:     \(row.manifest.prefixed)")
        if let e = entry {
            lines.append("  ledger entry: \(e.sequence) \(e.id)")
            lines.append("                \(e.time) by \(e.operatorName), from \(Console.visible(e.source))")
        }
        if history || all.count > 1 {
            lines.append(c.bold("Versions"))
            for (v, e, again) in try versionHistory(all, catalog: catalog) {
                let same = again.map { "  (the content of version \($0) again)" } ?? ""
                lines.append("  \(v.version)\(v.isCurrent ? " (current)" : "")  \(v.manifest.prefixed)  entry \(v.ledgerSequence) \(e?.time ?? "")\(v["superseded_by"].map { "  superseded by \(ObjectID(hex: $0)?.short ?? $0)" } ?? "")" + same)
            }
        }
        for l in lines { c.out(l) }
    }

    /// Each version with its ledger entry, and the earlier version whose content (XML and
    /// files) it holds again, if any.
    private func versionHistory(_ all: [VersionRow], catalog: Catalog) throws -> [(VersionRow, LedgerRow?, Int?)] {
        var contents: [String: Int] = [:]     // XML and files → the first version holding them
        return try all.map { v in
            let e = try catalog.ledgerEntry(sequence: v.ledgerSequence)
            let content = ([v.xmlObject] + (try catalog.components(manifest: v.manifest)).map(\.object)).map(\.hex).joined(separator: " ")
            let again = contents[content]
            if again == nil { contents[content] = v.version }
            return (v, e, again)
        }
    }
}
