/// The rules a dossier must meet beyond its XML schema (docs/errors.md, E2xx).
///
/// Pure: works on the parsed record only. File checks (E3xx) need the file system and live with
/// the batch validator.
public enum DossierRules {
    /// Province codes of birth registration used in the first three digits of a citizen ID
    /// (Thông tư 59/2021/TT-BCA, appendix), one per province before the 2025 mergers.
    public static let citizenIDProvinces: Set<String> = [
        "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022",
        "024", "025", "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042",
        "044", "045", "046", "048", "049", "051", "052", "054", "056", "058", "060", "062", "064", "066",
        "067", "068", "070", "072", "074", "075", "077", "079", "080", "082", "083", "084", "086", "087",
        "089", "091", "092", "093", "094", "095", "096",
    ]

    /// Every rule violation of `d`, in a stable order. `file` is the XML path shown to the user.
    public static func check(_ d: Dossier, file: String) -> [Diagnostic] {
        var out: [Diagnostic] = []
        func line(_ key: String) -> Int? { d.lines[key] }
        let number = d.number

        // E209 / E201: the dossier number is <receiving agency>-<YYMMDD>-<NNNN>.
        let parts = number.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 3 {
            if parts[0] != d.receivingAgency.code {
                out.append(Diagnostic(.numberAgencyMismatch, file: file, line: line("dossierNumber"),
                    subject: number,
                    message: "the dossier number does not start with the receiving agency's code",
                    expected: d.receivingAgency.code, found: String(parts[0]),
                    advice: "A one-stop dossier number starts with the code of the agency that received it (Thông tư 01/2018/TT-VPCP, art. 19); correct the number or the receiving agency"))
            }
            // The received date in Vietnam time (+07:00), whatever offset the text carries.
            // (Days counted down to the earlier one before 1970, as Timestamp.localDay counts.)
            let vnSeconds = d.receivedAt.epochSeconds + 25200
            let vn = Timestamp.civilFromDays(Int(vnSeconds >= 0 ? vnSeconds / 86400 : (vnSeconds - 86399) / 86400))
            let expected = Timestamp.pad(vn.year % 100, 2) + Timestamp.pad(vn.month, 2) + Timestamp.pad(vn.day, 2)
            if parts[1] != expected {
                out.append(Diagnostic(.numberDateMismatch, file: file, line: line("dossierNumber"),
                    subject: number,
                    message: "the date in the dossier number is not the received date",
                    expected: "\(expected) (from receivedAt \(d.receivedAt.text))", found: String(parts[1]),
                    advice: "The middle part of the number is the day the dossier was received, YYMMDD; correct the number or receivedAt"))
            }
        }

        // E202: dates in order.
        if d.dueAt < d.receivedAt {
            out.append(Diagnostic(.datesOutOfOrder, file: file, line: line("dueAt"), subject: number,
                message: "the appointment date is before the received date",
                expected: "dueAt ≥ \(d.receivedAt.text)", found: d.dueAt.text,
                advice: "Correct dueAt or receivedAt"))
        }
        if let c = d.completedAt, c < d.receivedAt {
            out.append(Diagnostic(.datesOutOfOrder, file: file, line: line("completedAt"), subject: number,
                message: "the dossier is completed before it was received",
                expected: "completedAt ≥ \(d.receivedAt.text)", found: c.text,
                advice: "Correct completedAt or receivedAt"))
        }
        if let r = d.returnedAt {
            let floor = d.completedAt ?? d.receivedAt
            if r < floor {
                out.append(Diagnostic(.datesOutOfOrder, file: file, line: line("returnedAt"), subject: number,
                    message: "the result is returned before the dossier was \(d.completedAt == nil ? "received" : "completed")",
                    expected: "returnedAt ≥ \(floor.text)", found: r.text,
                    advice: "Correct returnedAt"))
            }
        }

        // E208: status consistent with dates and result.
        if d.status == .completed || d.status == .returned {
            if d.completedAt == nil {
                out.append(Diagnostic(.statusInconsistent, file: file, line: line("status"), subject: number,
                    message: "status '\(d.status.rawValue)' needs a completion date",
                    expected: "a completedAt element", found: "none",
                    advice: "Add completedAt, or correct the status"))
            }
            if d.result == nil {
                out.append(Diagnostic(.statusInconsistent, file: file, line: line("status"), subject: number,
                    message: "status '\(d.status.rawValue)' needs a result document",
                    expected: "a result element", found: "none",
                    advice: "Add the result element naming the component that holds the result, or correct the status"))
            }
            if d.status == .returned && d.returnedAt == nil {
                out.append(Diagnostic(.statusInconsistent, file: file, line: line("status"), subject: number,
                    message: "status 'returned' needs a return date",
                    expected: "a returnedAt element", found: "none",
                    advice: "Add returnedAt, or correct the status"))
            }
        }

        // E203: a citizen ID's province and century digits.
        if let id = d.applicant.citizenID, let problem = citizenIDProblem(id, receivedYear: d.receivedAt.localDate.year) {
            out.append(Diagnostic(.implausibleCitizenID, file: file, line: line("citizenId"), subject: number,
                message: "the citizen ID is not plausible: \(problem)", found: id,
                advice: "Check the ID against the applicant's card; digits 1–3 are the province of birth registration, digit 4 the century and sex, digits 5–6 the birth year"))
        }

        // E204 / E205: totals.
        let pages = d.components.reduce(0) { $0 + $1.pages }
        if pages != d.pageCount {
            out.append(Diagnostic(.pageTotalMismatch, file: file, line: line("pageCount"), subject: number,
                message: "the page total is not the sum of the components' pages",
                expected: String(pages), found: String(d.pageCount),
                advice: "Correct pageCount or the components' pages"))
        }
        if d.components.count != d.documentCount {
            out.append(Diagnostic(.documentCountMismatch, file: file, line: line("documentCount"), subject: number,
                message: "the document count is not the number of components",
                expected: String(d.components.count), found: String(d.documentCount),
                advice: "Correct documentCount or the list of components"))
        }

        // E206: unique component ids.
        var seen: [String: Int] = [:]
        for c in d.components {
            if let first = seen[c.id] {
                out.append(Diagnostic(.duplicateComponentID, file: file, line: c.line, subject: number,
                    message: "component id '\(c.id)' is used twice",
                    expected: "a unique id", found: "'\(c.id)' also at line \(first)",
                    advice: "Give each component its own id"))
            } else { seen[c.id] = c.line }
        }

        // E207: the result points to a component.
        if let r = d.result, seen[r.componentRef] == nil {
            out.append(Diagnostic(.danglingResultReference, file: file, line: line("componentRef"), subject: number,
                message: "the result refers to component '\(r.componentRef)', which the dossier does not have",
                expected: "one of: " + d.components.map(\.id).joined(separator: ", "), found: r.componentRef,
                advice: "Point componentRef at the component that holds the result document"))
        }
        return out
    }

    /// Why a 12-digit citizen ID is implausible, or nil when it is plausible.
    public static func citizenIDProblem(_ id: String, receivedYear: Int) -> String? {
        let b = Array(id.utf8)
        guard b.count == 12, b.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return "it is not 12 digits" }
        let province = String(decoding: b[0..<3], as: UTF8.self)
        guard citizenIDProvinces.contains(province) else {
            return "province code \(province) does not exist"
        }
        let century = 1900 + Int(b[3] - 48) / 2 * 100
        let year = century + Int(b[4] - 48) * 10 + Int(b[5] - 48)
        if year > receivedYear {
            return "it says born in \(year), after the dossier was received (\(receivedYear))"
        }
        if receivedYear - year > 120 {
            return "it says born in \(year), more than 120 years before the dossier was received"
        }
        return nil
    }
}
