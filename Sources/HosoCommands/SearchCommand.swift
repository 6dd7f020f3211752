public import ArgumentParser
import Foundation
import HosoArchive
import HosoCore
import HosoIndex
import Synchronization

extension MatchMode: ExpressibleByArgument {}
extension ResultOrder: ExpressibleByArgument {}

/// `hoso search QUERY`: find dossiers, with or without diacritics.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Find dossiers by applicant, citizen ID, number, procedure, place, date or any words.",
        discussion: """
        Words must all match (AND), typed with or without diacritics; what was typed \
        exactly ranks first. Syntax:
          nguyễn văn hòa             words (hòa also finds hoà; hoa finds both,
                                     bare "hoa" first)
          hòa OR hóa   -kết          either word; without a word
          -- '-kết khai sinh'        a query that starts with '-' goes after --
          "giấy phép xây dựng"       a phrase (words together, in order)
          thủy*                      a prefix
          applicant:"trần thị thủy"  one field; also title: procedure: agency:
                                     place: other:
          ubnd  lí                   also finds Ủy ban nhân dân, lý (synonyms
                                     rank below what was typed)
          000.00.21.H50-230512-0007  a dossier number (also code:…; a prefix
                                     with code:000.00.21.H50-2305*)
          1.001193  procedure:1.001193  agency:000.00.21.H50
          045090001234  cccd:…  phone:…    personal numbers: exact value only
          result:203/GPXD  signer:"đặng thị diệu"   the result's number; who signed it
          status:completed  timeliness:late  timeliness:quá hạn (overdue)
          channel:online  channel:trực tiếp  channel:bưu chính   how it came
          received:2022-01-01..2022-06-30  also 01/01/2022, 12/5/23, 2022, 2022-05,
                                           open ends; due: completed: alike
          từ 01/01/2022 đến 30/06/2022  từ 2023 đến nay  ngày 12 tháng 5 năm 2023
                                     dates typed alone: the day received
        """)

    @OptionGroup var archiveOptions: ArchiveOptions
    @Argument(help: "The query (quote it for the shell).") var query: [String]
    @Flag(name: .long, help: "A word typed with diacritics must match them exactly (má is not mã).") var exact = false
    @Flag(name: .long, help: "Ignore diacritics entirely (má = mã = ma).") var fold = false
    @Option(name: .long, help: "relevance, received or completed (newest day first; within a day, the later serial of the dossier number first: the order each office received them).") var sort: ResultOrder = .relevance
    // Taken whatever follows (a negative number is no option name): '--limit -1' is then told
    // it cannot be negative, not that its value is missing.
    @Option(name: .long, parsing: .unconditional, help: "Results to show.") var limit = 10
    @Option(name: .long, parsing: .unconditional, help: "Results to skip (for paging).") var offset = 0
    @Flag(name: .long, help: "Count results by procedure, agency, year and status.") var facets = false
    @Flag(name: .long, help: "Match only the words typed, not their synonyms (UBND, lí/lý; see ARCHIVE/synonyms.txt).") var noSynonyms = false
    @Option(name: .long, parsing: .unconditional, help: "Parallel workers for a costly query over a large archive, as many as processors unless given (the results do not depend on it).") var jobs: Int = Parallel.defaultWorkers
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if exact && fold { throw ValidationError("choose one of --exact and --fold") }
        if limit < 0 || offset < 0 { throw ValidationError("--limit and --offset cannot be negative") }
        try checkJobs(jobs)
    }

    func run() throws {
        let started = SystemFile.monotonic()
        let text = query.joined(separator: " ")
        let parsed: QueryNode
        do { parsed = try QueryParser.parse(text) } catch {
            // The position is in the query as typed, unless it could only be placed in the query
            // as read (pasted numbers joined…), which is then given too.
            let d = Diagnostic(.querySyntax, column: error.position + 1, subject: "query",
                               message: "the query cannot be read: \(error.message) (position \(error.position + 1)\(error.query == text ? "" : " of the query as read"))",
                               found: error.query == text ? nil : error.query,
                               advice: "Correct the query; 'hoso search --help' shows the syntax")
            if output.json { Console.shared.out(JSON.encode(DiagnosticJSON(d: d))) }
            Console.shared.err("error E801: \(d.message)\n    " + error.pointer.replacingOccurrences(of: "\n", with: "\n    ") + "\n    what to do: \(d.advice)")
            throw ExitCode(2)
        }
        let archive = try archiveOptions.open()
        let snapshot = try archive.openIndexForReading()
        // Said when the query names the fields; a bare code also looks there, quietly.
        // What the query asks of the index that an index made by an older rule lacks. A field
        // typed out would be answered wrongly (nothing; with '-', everything): refused. A result
        // number typed alone is also searched as text: answered, with a note (on standard error,
        // and among the JSON's notes) saying what brings the rest in.
        let rule = snapshot.manifest.rule ?? IndexDocument.currentDerivation, asked = parsed.keywordFields
        // Fields typed out: outside quotes ("result: x" in quotes is words).
        let lowered = text.lowercased().split(separator: "\"", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 0 }.map(\.element).joined(separator: " ")
        let lacking: [(fields: Set<Field>, rule: Int, what: String)] = [
            ([.result, .signer], 2, "result numbers and signers"), ([.channel], 4, "the dossiers' channels")]
        var ruleNotes: [String] = []
        for l in lacking where rule < l.rule && !asked.isDisjoint(with: l.fields) {
            let typed = l.fields.map(\.queryName).sorted().filter { lowered.contains($0 + ":") }
            if let field = typed.first {
                let d = Diagnostic(.fieldNotIndexed, subject: "query",
                                   message: "\(field): cannot be answered: this archive's index (derivation rule \(rule)) was made before \(l.what) were indexed",
                                   advice: "Run 'hoso rebuild' to index them" + (field == "channel" ? " ('hoso stats --by channel' counts the channels now)" : ""))
                throw HosoError(d)
            }
            ruleNotes.append("this archive's index was made before \(l.what) were indexed, so they are not found: run 'hoso rebuild' to find them")
        }
        for n in ruleNotes { Console.shared.err("hoso: note: " + n) }
        var options = SearchOptions()
        options.mode = exact ? .exact : (fold ? .fold : .ranked)
        options.sort = sort
        options.limit = limit
        options.offset = offset
        options.facets = facets
        options.synonyms = noSynonyms ? nil : try archive.synonyms()
        options.threads = jobs
        let searcher = Searcher(snapshot: snapshot)
        let result = searcher.search(parsed, options: options)
        let suggestion = result.total == 0 ? Self.suggestion(for: text, searcher: searcher, options: options) : nil
        let ms = (SystemFile.monotonic() - started) * 1000
        var notes = Self.notes(text) + (output.json ? ruleNotes.map { $0.prefix(1).uppercased() + $0.dropFirst() + "." } : [])
        if result.total == 0 && snapshot.liveDocs == 0, (try? Ledger(archive: archive).head()) == .some(nil) {
            // Nothing committed: not a matter of the words typed. (An index behind a ledger that
            // holds dossiers is said on standard error, with what to do.)
            notes.append("The archive holds no dossier yet: ingest a batch first (hoso ingest BATCH).")
        } else if result.total == 0, suggestion == nil, let (words, filters) = parsed.splittingFilters() {
            // Filters that let none of the dossiers holding the words through: not a spelling
            // matter, and not "no record of this person".
            let found = Self.count(words, searcher: searcher, options: options)
            if found > 0 {
                notes.append("The words alone match \(Format.count(found, "dossier")), but \(found == 1 ? "it does not pass" : "none of them passes") the query's filters ("
                             + filters.joined(separator: ", ") + "): widen or leave out a filter to see \(found == 1 ? "it" : "them").")
            }
        }
        if result.total == 0, suggestion == nil, notes.isEmpty, case let .and(children) = parsed,
           let field = [Field.code, .cccd, .phone].first(where: { f in
               children.allSatisfy { if case .keyword(f, _, false) = $0 { true } else { false } }
           }), children.count > 1 {
            // A pasted list of numbers and nothing else: each dossier has one of each.
            let what = field == .code ? "dossier number" : field == .cccd ? "citizen ID" : "phone number"
            notes.append("No dossier holds all these \(what)s at once: to find each of them, write OR between them (A OR B).")
        } else if result.total == 0, suggestion == nil, notes.isEmpty, options.mode != .exact, let words = Self.wordsRequired(parsed), words.count > 1,
                  words.allSatisfy({ w in
                      let keys = Analyzer().keys(w)
                      return !keys.isEmpty && keys.allSatisfy { snapshot.textFrequency(folded: $0.folded) > 0 }
                  }) {
            // Not a spelling matter. (Not said with --exact, where the marks typed are what
            // is missing, as that advice says.)
            let found = Self.count(.and(words.map { .word($0, fields: nil) }), searcher: searcher, options: options)
            if found > 0 {
                // What else the query asks (a year typed alone, quotes, a field, a value, a word
                // left out) lets none of them through.
                notes.append("The words alone match \(Format.count(found, "dossier")), but \(found == 1 ? "it does not" : "none of them does") as the query asks "
                             + "(side by side where quoted, in the field named, with its dates and values, without the words left out): loosen it to see \(found == 1 ? "it" : "them").")
            } else if words.allSatisfy({ Self.count(.word($0, fields: nil), searcher: searcher, options: options) > 0 }) {
                // (Each in a dossier as it is now: a word only an earlier version held, since
                // replaced, is no word of the archive's answers.)
                notes.append("Each of these words is in the archive, but no dossier holds them all: none is archived as typed. Try fewer words.")
            }
        } else if result.total == 0, suggestion == nil, notes.isEmpty, Self.wordsRequired(parsed)?.isEmpty == true, snapshot.liveDocs > 0 {
            // Numbers, codes and dates only: no word to spell differently.
            notes.append("No archived dossier has these values or falls in these dates: check the numbers and dates, widen a range, or leave out a filter.")
        }
        if result.total == 0, suggestion == nil, notes.isEmpty, options.mode == .exact, parsed.hasDiacritics {
            // Said in --json too: a script that asked --exact learns what would find more.
            notes.append("With --exact, diacritics must match as typed: try again without it, or with --fold to ignore them.")
        }
        if output.json {
            var json = ResultJSON(query: text, mode: options.mode.rawValue, result: result, offset: offset, limit: limit, tookMs: ms)
            json.suggestion = suggestion.map(ResultJSON.SuggestionJSON.init)
            json.notes = notes.isEmpty ? nil : notes
            json.behind = Archive.answeredBehind.isEmpty ? nil : Archive.answeredBehind
            Console.shared.out(JSON.encode(json))
        } else {
            render(result, text: text, parsed: parsed, mode: options.mode, ms: ms, suggestion: suggestion, notes: notes)
        }
        // The process ends next: its exit drops the index's mappings at once. Releasing the
        // snapshot here would unmap them one segment at a time, each call interrupting the other
        // processor that ran the search to flush its address cache (3 ms at 1M dossiers, `perf`).
        _ = Unmanaged.passRetained(snapshot)
    }

    /// A query word that starts with '-' (an exclusion) reaches the argument parser as an option:
    /// unknown, or worse, a group of one-letter options that holds `-h` and prints the help.
    /// Such an argument before any `--` is a query, and the user is told how to pass it.
    static func dashQueryHint(_ arguments: [String]) -> String? {
        guard arguments.first == "search" else { return nil }
        for a in arguments.dropFirst() {
            if a == "--" { return nil }
            // search's only one-letter option is -h: anything longer (not a negative number,
            // which the option checks refuse) is a query word.
            guard a.hasPrefix("-"), !a.hasPrefix("--"), a.count > 2, !a.dropFirst().allSatisfy(\.isNumber) else { continue }
            return "'\(a)' starts with '-', so it reads as an option. Put the query after '--' "
                + "(hoso search [options] -- '\(a)') or start it with a word to search for."
        }
        return nil
    }

    /// How many dossiers `query` matches, in the mode asked (no page, no facets).
    static func count(_ query: QueryNode, searcher: Searcher, options: SearchOptions) -> Int {
        var count = options
        count.limit = 0; count.offset = 0; count.facets = false
        return searcher.search(query, options: count).total
    }

    /// The words a query requires (in phrases too, not those it leaves out), or nil when it
    /// has alternatives of its own (OR) whose words need not all be there, or a prefix.
    static func wordsRequired(_ node: QueryNode) -> [String]? {
        switch node {
        case let .word(w, _): return [w]
        case let .phrase(ws, _): return ws
        case .not, .keyword, .dateRange: return []
        case .prefix: return nil      // (whether some word begins so is another question)
        case let .and(children):
            var out: [String] = []
            for c in children { guard let ws = wordsRequired(c) else { return nil }; out += ws }
            return out
        case let .or(alternatives):
            // A year or day typed alone is its text or a date: a filter, not a word required.
            return alternatives.contains(where: { if case .dateRange = $0 { true } else { false } }) ? [] : nil
        case .synonym: return nil
        }
    }

    /// "Telex" or "VNI" when a word of `text` keeps the keys of that input method, typed with
    /// the Vietnamese keyboard off (the rules of `InputMethodKeys`, which the suggestions use).
    static func typingMethodLeftovers(_ text: String) -> String? {
        var telex = 0, vni = 0
        // Only plain words: a field and its value (status:withdrawn, address:…) are syntax.
        let plain = text.lowercased().split(separator: " ").filter { !$0.contains(":") }.joined(separator: " ")
        for word in plain.split(whereSeparator: { !($0.isASCII && ($0.isLetter || $0.isNumber)) }) {
            // Operators typed in small letters are words, not keys: "or" is no Telex; nor are
            // the English names of statuses (overdue, returned, withdrawn).
            guard !["or", "and", "not", "overdue"].contains(String(word)), !StatusCode.statuses.contains(String(word)),
                  !StatusCode.timeliness.contains(String(word)) else { continue }
            // Only where the keys make a Vietnamese word: robert, anderson or Ksor are names
            // from other languages, not keys of an input method left off.
            guard let (spelled, method) = InputMethodKeys.convert(String(word)), InputMethodKeys.hasSyllableLetters(spelled) else { continue }
            switch method {
            case .telex: telex += 1
            case .vni: vni += 1
            }
        }
        if telex > 0 { return "Telex" }
        return vni > 0 ? "VNI" : nil
    }

    /// A query that finds nothing, rewritten where a word was typed with an input method's
    /// keys or one letter off, if the rewritten query finds something.
    struct Suggested {
        let text: String
        let changes: [QuerySuggestion.Change]
        let result: SearchResult
    }

    static func suggestion(for text: String, searcher: Searcher, options: SearchOptions) -> Suggested? {
        guard !LegacyEncoding.looksLikeMojibake(text) else { return nil }
        let synonyms = options.synonyms
        let snapshot = searcher.snapshot
        let rewrites = QuerySuggestion.rewrites(text, frequency: { snapshot.textFrequency(folded: $0) }, expands: { word in
            guard let synonyms, let node = try? QueryParser.parse(word) else { return false }
            return synonyms.expand(node) != node
        })
        // The first rewrite whose best result holds the words side by side (a name found whole:
        // 'Dang Quoc Trug' is Trung, not the more frequent trú); else the first that finds any.
        // Each rewrite is judged by its best result (relevance, first page, one hit), whatever
        // order and page were asked; the one chosen is then run as asked.
        var trial = options
        trial.sort = .relevance; trial.offset = 0; trial.limit = 1; trial.facets = false
        var chosen: (String, [QuerySuggestion.Change], QueryNode)?
        for (rewritten, changes) in rewrites.prefix(8) {
            guard let node = try? QueryParser.parse(rewritten) else { continue }
            let r = searcher.search(node, options: trial)
            guard r.total > 0 else { continue }
            if r.hits.first?.wordsTogether != false { chosen = (rewritten, changes, node); break }
            if chosen == nil { chosen = (rewritten, changes, node) }
        }
        guard let (text, changes, node) = chosen else { return nil }
        return Suggested(text: text, changes: changes, result: searcher.search(node, options: options))
    }

    /// What was changed and why, grouped by reason: "nguyeenx → nguyễn, vawn → văn: typed in
    /// Telex with the Vietnamese keyboard off".
    static func explain(_ changes: [QuerySuggestion.Change]) -> String {
        var reasons: [QuerySuggestion.Reason] = []
        for c in changes where !reasons.contains(c.reason) { reasons.append(c.reason) }
        return reasons.map { reason in
            let group = changes.filter { $0.reason == reason }
            let why = switch reason {
            case .telex: "typed in Telex with the Vietnamese keyboard off"
            case .vni: "typed in VNI with the Vietnamese keyboard off"
            case .spelling: group.count == 1 ? "no dossier has the word as typed" : "no dossier has these words as typed"
            }
            return group.map { "\($0.typed) → \($0.suggested)" }.joined(separator: ", ") + ": " + why
        }.joined(separator: "; ")
    }

    /// What a query may have meant besides what it finds: the name of a status, timeliness or
    /// channel typed as words (*quá hạn* finds *quả* and *Hân*), OR between phrases (it joins the words
    /// beside it only).
    static func notes(_ text: String) -> [String] {
        var out: [String] = []
        // Plain words only, as typed in small letters (Dung Hân is a name, not đúng hạn): not a
        // field's value, an exclusion, what follows NOT, or words in quotes.
        var words: [String] = [], inQuotes = false, afterNot = false
        // A status's or timeliness's value goes on over the words that still spell a name
        // (timeliness:chưa quá hạn): those are the value, not plain words.
        var value: (key: String, names: [String: String])?
        for token in text.split(separator: " ").map(String.init) {
            let quoted = inQuotes || token.hasPrefix("\"")
            if token.filter({ $0 == "\"" }).count % 2 == 1 { inQuotes.toggle() }
            defer { afterNot = token == "NOT" }
            if let v = value, case let longer = v.key + QueryParser.nameKey(token), v.names.keys.contains(where: { $0.hasPrefix(longer) }) {
                value = (longer, v.names)
                words.append("")
                continue
            }
            value = nil
            if let colon = token.firstIndex(of: ":") {
                let field = token[..<colon].lowercased()
                let names = field == "status" ? QueryParser.vietnameseStatuses : field == "timeliness" ? QueryParser.vietnameseTimeliness
                    : field == "channel" ? QueryParser.vietnameseChannels : nil
                if let names { value = (QueryParser.nameKey(String(token[token.index(after: colon)...])), names) }
            }
            let plain = !quoted && !afterNot && !token.contains(":") && !token.hasPrefix("-") && token != "NOT"
                && token.first.map { !$0.isUppercase } == true
            words.append(plain ? token : "")
        }
        let folded = words.map(QueryParser.nameKey)
        var i = 0
        found: while i < words.count {
            guard !words[i].isEmpty else { i += 1; continue }
            // Names of two words or more (a single syllable such as trễ is too common a word),
            // and not the verbs that titles hold too (tiếp nhận, xử lý, bổ sung, trả kết quả).
            for n in stride(from: min(4, words.count - i), through: 2, by: -1) where !words[i..<(i + n)].contains("") {
                let key = folded[i..<(i + n)].joined()
                let typed = words[i..<(i + n)].joined(separator: " ")
                if Self.wordsOfTitles.contains(key) { continue }
                if let v = QueryParser.vietnameseStatuses[key] {
                    out.append("\"\(typed)\" is also a status (\(v)): add 'status:\(typed)' to filter by it.")
                    i += n; continue found
                }
                if let v = QueryParser.vietnameseTimeliness[key] {
                    out.append("\"\(typed)\" is also a timeliness (\(v == "overdue" ? "overdue, as stats counts it" : v == "within" ? "open, not yet past the appointment" : v)): add 'timeliness:\(typed)' to filter by it.")
                    i += n; continue found
                }
                if let v = QueryParser.vietnameseChannels[key] {
                    out.append("\"\(typed)\" is also a channel (\(v)): add 'channel:\(typed)' to filter by it.")
                    i += n; continue found
                }
            }
            if words[i] == "overdue" || StatusCode.timeliness.contains(words[i]) && words[i] != "unresolved" {
                out.append("'\(words[i])' is also a timeliness: add 'timeliness:\(words[i])' to filter by it.")
            }
            i += 1
        }
        if let or = orBetweenGroups(text) { out.append(or) }
        // `hoso search -- -phép giấy --limit 1` (or --limit=1): after a '--' typed on the command
        // line nothing is an option, and the query language has no use for '--name'.
        let options = text.split(separator: " ").filter { word in
            let name = word.dropFirst(2).prefix { $0 != "=" }
            return word.hasPrefix("--") && !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0 == "-") }
        }
        if CommandLine.arguments.contains("--"), let first = options.first {
            out.append("'\(first)' was read as words of the query, as everything after '--' is: put options before '--'.")
        }
        return out
    }

    /// OR with two plain words or more on each side (`khai sinh OR khai tử` is khai (sinh OR
    /// khai) tử): the grouped form. Not for `Lê Thị Mai OR Lan`, which OR reads as meant.
    static func orBetweenGroups(_ text: String) -> String? {
        guard !text.contains("("), !text.contains("\"") else { return nil }
        let tokens = text.split(separator: " ").map(String.init)
        func plain(_ t: String) -> Bool { !t.contains(":") && !t.hasPrefix("-") && t != "OR" && t != "NOT" }
        for k in tokens.indices where tokens[k] == "OR" && k > 0 && k + 1 < tokens.count {
            var a = k, b = k + 1
            while a > 0 && plain(tokens[a - 1]) { a -= 1 }
            while b < tokens.count && plain(tokens[b]) { b += 1 }
            let left = tokens[a..<k], right = tokens[(k + 1)..<b]
            guard left.count >= 2 && right.count >= 2 else { continue }
            return "OR joins only the two words beside it: for either group of words, write ("
                + left.joined(separator: " ") + ") OR (" + right.joined(separator: " ") + ")."
        }
        return nil
    }

    /// Status names that are also the verbs of titles and procedures (*tiếp nhận hồ sơ*, *để
    /// bổ sung hồ sơ*, *trả kết quả*): no note for them.
    static let wordsOfTitles: Set<String> = ["tiepnhan", "xuly", "bosung", "hoanthanh", "coketqua", "traketqua"]

    /// When a word is both required and excluded (`khai sinh -khai tử`: -khai leaves out every
    /// dossier holding *khai*, which the query needs), what was probably meant.
    static func excludedAndRequired(_ parsed: QueryNode, text: String, mode: MatchMode = .ranked) -> String? {
        guard case let .and(children) = parsed else { return nil }
        func folded(_ w: String) -> String { VietnameseText.foldedValue(w) }
        // The exact key: one for both tone placements (hóa, hoá).
        func exact(_ w: String) -> [UInt8] { Analyzer().keys(w).first?.exact ?? Array(w.utf8) }
        var required = Set<String>(), exactRequired = Set<[UInt8]>(), excluded: [String] = []
        for c in children {
            switch c {
            case let .word(w, _): required.insert(folded(w)); exactRequired.insert(exact(w))
            case let .not(.word(w, _)): excluded.append(w)
            default: break
            }
        }
        // An exclusion typed with marks leaves out that word only (-Hòa keeps Hoa and Hóa), as
        // the search reads it; one typed without leaves out every form, as any with --fold.
        func clashes(_ x: String) -> Bool {
            let accented = mode != .fold && folded(x) != VietnameseText.canonical(x).lowercased()
            return accented ? exactRequired.contains(exact(x)) : required.contains(folded(x))
        }
        guard let word = excluded.first(where: clashes) else { return nil }
        let tokens = text.split(separator: " ").map(String.init)
        var meant = ""
        // The phrase probably meant: the excluded word and the plain word after it, when the
        // query needs that word too (khai sinh -khai tử).
        if let k = tokens.firstIndex(where: { $0.hasPrefix("-") && folded(String($0.dropFirst())) == folded(word) }), k + 1 < tokens.count,
           !tokens[k + 1].contains(":"), !tokens[k + 1].hasPrefix("-"), tokens[k + 1].contains(where: \.isLetter),
           required.contains(folded(tokens[k + 1])) {
            meant = "; to leave out a phrase, quote it: -\"\(tokens[k].dropFirst()) \(tokens[k + 1])\""
        }
        return "'-\(word)' leaves out every dossier holding \(word), which the query also needs\(meant)."
    }

    /// - Parameter notes: said once, for the query typed (not again for a suggested rewrite).
    func render(_ r: SearchResult, text: String, parsed: QueryNode, mode: MatchMode, ms: Double, suggestion: Suggested? = nil, notes: [String] = []) {
        let c = Console.shared
        if r.total == 0 {
            c.out("No dossier matches \"\(text)\".")
            for n in notes { c.out(n) }
            if let conflict = Self.excludedAndRequired(parsed, text: text, mode: mode) {
                c.out(conflict)
                return
            }
            if LegacyEncoding.looksLikeMojibake(text) {
                c.out("The query looks like text in a legacy Vietnamese encoding (TCVN3, VNI): type it again in Unicode.")
            } else if let suggestion {
                // A query with quotes of its own is shown as it is, not quoted again.
                let shown = suggestion.text.contains("\"") ? suggestion.text : "\"" + suggestion.text + "\""
                c.out("Did you mean " + c.bold(shown) + "? (" + Self.explain(suggestion.changes) + ")")
                render(suggestion.result, text: suggestion.text, parsed: parsed, mode: mode, ms: ms)
            } else if let method = Self.typingMethodLeftovers(text) {
                c.out("The query looks typed in \(method) with the Vietnamese keyboard off (\(method == "Telex" ? "nguyeenx for nguyễn" : "nguye6n4 for nguyễn")):")
                c.out("turn the input method on and type it again, or type the words without marks (nguyen).")
            } else if let op = text.split(separator: " ").first(where: { ["or", "not", "and"].contains($0) }) {
                c.out("'\(op)' in small letters is a word to find; write \(op.uppercased()) in capitals for the operator"
                      + (op == "not" ? " (or -word)" : "") + ".")
            } else if !notes.isEmpty {
                // Said above (a status typed as words, OR between groups of words, filters that
                // leave none of the dossiers the words find).
            } else if parsed.hasDiacritics && mode == .ranked {
                c.out("No dossier has these words with or without their diacritics (so --fold would find no more):")
                c.out("check the spelling, or try fewer words, a prefix (word*), or OR between alternatives.")
            } else {
                c.out("Try fewer words, a prefix (word*), or OR between alternatives.")
            }
            return
        }
        if r.hits.isEmpty && offset >= r.total {
            c.out(c.bold(Format.count(r.total, "dossier")) + (r.total == 1 ? " matches" : " match") + " \"\(text)\"; --offset \(offset) is past the last of them (the last page starts at --offset \(max(0, (r.total - 1) / max(1, limit) * max(1, limit))))")
            renderFacets(r)      // of every match, whatever the page, as --json gives them
            return
        }
        let shownTo = min(r.total, offset + r.hits.count)
        c.out(c.bold(Format.count(r.total, "dossier")) + (r.total == 1 ? " matches" : " match") + " \"\(text)\"" + (r.hits.isEmpty ? "" : ", showing \(offset + 1)–\(shownTo)") + " (\(Int(ms.rounded())) ms)")
        for n in notes { c.out(n) }
        // "We have no record of this person" is an answer officers give: say when none of the
        // results holds the words as typed together, so that a list built of syllables found
        // in other names and fields is not taken for one.
        if !r.hits.isEmpty && r.hits.allSatisfy({ $0.wordsTogether == false }) {
            c.out("None of these has the words side by side as typed: each holds them apart, in different names or fields")
            c.out("(to look for a whole name only: applicant:\"…\").")
        }
        for (i, h) in r.hits.enumerated() {
            let d = h.document
            c.out("")
            c.out(Console.fit(Format.aligned(String(offset + i + 1), 3, right: true) + ". " + c.bold(Console.visible(d.number)) + "  " + Console.visible(d.title), columns: c.stdoutColumns))
            // The applicant's commune and district tell namesakes apart.
            let place = Self.place(d)
            let line = Console.visible("     \(d.applicant)\(place.isEmpty ? "" : " (\(place))") · \(d.agencyName) · \(d.procedureCode) \(d.procedureName)")
            // Fitted to a terminal's width; in a file or a pipe, cut at 160 characters.
            c.out(Console.fit(line, columns: c.stdoutColumns ?? 160))
            var dates = "     received \(String(d.receivedText.prefix(10)))"
            if !d.completedText.isEmpty { dates += " · completed \(String(d.completedText.prefix(10)))" }
            dates += " · \(d.status) (\(StatusCode.shownTimeliness(status: d.status, timeliness: d.timeliness)))"
            c.out(Console.fit(dates, columns: c.stdoutColumns))
            if let hl = h.highlight, !hl.ranges.isEmpty {
                let lead = "     \(hl.field.queryName): "
                c.out(Console.fit(lead + snippet(hl, room: c.stdoutColumns.map { $0 - lead.count }), columns: c.stdoutColumns))
            }
        }
        renderFacets(r)
    }

    /// The facet counts of a result, ten a facet, the rest summed.
    func renderFacets(_ r: SearchResult) {
        let c = Console.shared
        if !r.facets.isEmpty {
            for name in ["procedure", "agency", "year", "status"] {
                guard let counts = r.facets[name], !counts.isEmpty else { continue }
                c.out("")
                c.out(c.bold("By \(name)"))
                for f in counts.prefix(10) {
                    c.out("  " + Format.aligned(String(f.count), 6, right: true) + "  " + f.key + (f.label != f.key ? "  " + f.label : ""))
                }
                if counts.count > 10 {
                    let rest = counts.dropFirst(10)
                    c.out("  " + Format.aligned(String(rest.reduce(0) { $0 + $1.count }), 6, right: true)
                          + "  in \(rest.count) more (all of them with --json)")
                }
            }
        }
    }

    /// The highlighted text, matching words in bold on a terminal, «marked» otherwise.
    /// - Parameter room: the characters the line has for it (a terminal's width): where the
    ///   first word found would fall beyond, the text starts a few words before it, after "…",
    ///   so that the line shows why the dossier matched (the procedure comes first in a title,
    ///   the names and places found in it last).
    func snippet(_ h: Highlight, room: Int? = nil) -> String {
        let bytes = Array(h.text.utf8)
        var out = ""
        var at = 0
        if let room, room > 20, let first = h.ranges.first, first.lowerBound <= bytes.count {
            let before = String(decoding: bytes[..<first.lowerBound], as: UTF8.self).count
            let word = String(decoding: bytes[first.lowerBound..<min(first.upperBound, bytes.count)], as: UTF8.self).count
            if before + word > room - 2 {
                // About a quarter of the room before the word, from a word's start.
                var cut = first.lowerBound
                var kept = 0
                while cut > 0 && kept < room / 4 {
                    cut -= 1
                    if bytes[cut] & 0xC0 != 0x80 { kept += 1 }
                }
                while cut < first.lowerBound && bytes[cut] != 0x20 { cut += 1 }
                if cut < first.lowerBound { cut += 1 }      // after the space
                if cut > 0 { out = "…"; at = cut }
            }
        }
        let bold = Console.shared.useColor
        for r in h.ranges {
            guard r.lowerBound >= at, r.upperBound <= bytes.count else { continue }     // (before a cut too)
            out += Console.visible(String(decoding: bytes[at..<r.lowerBound], as: UTF8.self))
            let word = Console.visible(String(decoding: bytes[r], as: UTF8.self))
            out += bold ? "\u{1B}[1m" + word + "\u{1B}[0m" : "«" + word + "»"
            at = r.upperBound
        }
        out += Console.visible(String(decoding: bytes[at...], as: UTF8.self))
        return out
    }

    /// The applicant's commune, then district or province (the address's detail left out).
    static func place(_ d: IndexDocument) -> String {
        let values = d.text[.place] ?? []
        return values.dropFirst().prefix(2).filter { !$0.isEmpty }.joined(separator: ", ")
    }

    struct ResultJSON: Encodable {
        struct Hit: Encodable {
            let number, title, applicant, place, agency, agencyCode, procedureCode, procedure, received, due, status, timeliness, manifest: String
            let completed: String?
            /// How the dossier came (in-person, online, postal); absent from an index made
            /// before the channel was indexed (derivation rule 1 to 3).
            let channel: String?
            let score, points, bm25: Double
            let highlight: HighlightJSON?
            /// Whether the words typed in a row stand side by side in one field (absent: the
            /// query has no two words in a row).
            let wordsTogether: Bool?
        }
        /// `ranges`: [start, end) byte offsets into the UTF-8 of `text` (`rangeUnit` says so in the JSON).
        struct HighlightJSON: Encodable { let field: String; let text: String; let ranges: [[Int]]; var rangeUnit = "utf8-bytes" }
        struct Facet: Encodable { let key, label: String; let count: Int }
        let query: String, mode: String
        let total: Int, offset: Int, limit: Int
        let hits: [Hit]
        let facets: [String: [Facet]]?
        let tookMs: Double
        /// Only when nothing matched and a rewritten query finds something.
        var suggestion: SuggestionJSON? = nil
        /// What the query may have meant besides what it found (a status typed as words, OR
        /// between phrases), as the list says it.
        var notes: [String]? = nil
        /// The derived data answered from although it lags the ledger (read-only media, a user
        /// who may not bring it up to date, a full disk): ledger entries it lacks, by name
        /// (null: not known). Absent when the answer reflects the whole ledger.
        var behind: [String: Int?]? = nil

        struct SuggestionJSON: Encodable {
            struct Change: Encodable { let typed, suggested, reason: String }
            let query: String
            let total: Int
            let changes: [Change]
            /// The rewritten query's first page, as the list shows it.
            let hits: [Hit]
            init(_ s: Suggested) {
                query = s.text; total = s.result.total
                changes = s.changes.map { Change(typed: $0.typed, suggested: $0.suggested, reason: $0.reason.rawValue) }
                hits = ResultJSON.hits(s.result)
            }
        }

        init(query: String, mode: String, result: SearchResult, offset: Int, limit: Int, tookMs: Double) {
            self.query = query; self.mode = mode; total = result.total; self.offset = offset; self.limit = limit
            self.tookMs = (tookMs * 100).rounded() / 100
            hits = Self.hits(result)
            facets = result.facets.isEmpty ? nil : result.facets.mapValues { $0.map { Facet(key: $0.key, label: $0.label, count: $0.count) } }
        }

        static func hits(_ result: SearchResult) -> [Hit] {
            result.hits.map { h in
                let d = h.document
                return Hit(number: d.number, title: d.title, applicant: d.applicant, place: SearchCommand.place(d), agency: d.agencyName, agencyCode: d.agencyCode,
                           procedureCode: d.procedureCode, procedure: d.procedureName, received: d.receivedText, due: d.dueText,
                           // As timeliness: finds it: closed (rejected, withdrawn) is not unresolved.
                           status: d.status, timeliness: StatusCode.shownTimeliness(status: d.status, timeliness: d.timeliness), manifest: d.manifest,
                           completed: d.completedText.isEmpty ? nil : d.completedText, channel: d.keywords[.channel]?.first,
                           score: (h.score * 10000).rounded() / 10000, points: h.points, bm25: (h.bm25 * 10000).rounded() / 10000,
                           highlight: h.highlight.map { HighlightJSON(field: $0.field.queryName, text: $0.text, ranges: $0.ranges.map { [$0.lowerBound, $0.upperBound] }) },
                           wordsTogether: h.wordsTogether)
            }
        }
    }
}

/// `hoso index …`: maintenance of the search index.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "index",
        abstract: "Maintain the search index (it is derived from the ledger; 'hoso rebuild' recreates it).",
        subcommands: [IndexOptimize.self, IndexRebuild.self, IndexStatus.self])
}

struct IndexOptimize: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "optimize", abstract: "Repack the index into as few segments as possible (one up to 50,000 dossiers), dropping deleted entries; worth running after a large import.")
    @OptionGroup var archiveOptions: ArchiveOptions
    @Flag(name: .long, help: "Wait for a running writer, or a verify, instead of failing at once.") var wait = false
    func run() throws {
        let archive = try archiveOptions.open()
        Interruption.explainStop("the repack was cut short. The index is as it was, or repacked; the ledger, the objects and the catalog are untouched")
        let lock = try ArchiveLock(archive: archive, wait: wait, purpose: "hoso index optimize")
        defer { withExtendedLifetime(lock) {} }
        try IndexSync.catchUp(archive: archive)
        let writer = try archive.indexWriter()
        let before = writer.manifest.segments.count, generation = writer.manifest.generation
        let started = SystemFile.monotonic()
        // (The total is known once the plan is: the meter starts with the first report.)
        let meter = Mutex<ProgressMeter?>(nil)
        try writer.optimize { done, total in
            meter.withLock { m in
                if m == nil { m = ProgressMeter("repacking", totalItems: total) }
                m?.update(items: min(done, total), bytes: 0)
            }
        }
        meter.withLock { $0?.finish() }
        let after = writer.manifest.segments.count
        if writer.manifest.generation == generation {
            Console.shared.out("nothing to repack: \(Format.count(after, "segment")) (\(writer.manifest.liveDocs) dossiers)")
        } else {
            Console.shared.out("repacked \(Format.count(before, "segment")) into \(after) (\(writer.manifest.liveDocs) dossiers) in \(Format.duration(SystemFile.monotonic() - started))")
        }
    }
}

struct IndexRebuild: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rebuild", abstract: "Recreate the search index from the ledger and the store.")
    @OptionGroup var archiveOptions: ArchiveOptions
    @Flag(name: .long, help: "Wait for a running writer, or a verify, instead of failing at once.") var wait = false
    func run() throws {
        let archive = try archiveOptions.open()
        Interruption.explainStop("the index rebuild was cut short. The ledger, the objects and the catalog are untouched; run 'hoso index rebuild' again to finish")
        let lock = try ArchiveLock(archive: archive, wait: wait, purpose: "hoso index rebuild")
        defer { withExtendedLifetime(lock) {} }
        // An index ahead of the ledger is evidence: 'hoso rebuild --discard-newer' keeps it aside.
        try archive.checkDerivedDataBeforeRebuild(discard: false, indexOnly: true)
        let started = SystemFile.monotonic()
        let meter = ProgressMeter("indexing", totalItems: 0)
        let n = try IndexSync.rebuild(archive: archive) { done, total in meter.update(items: done, bytes: 0) }
        meter.finish()
        let seconds = SystemFile.monotonic() - started
        Console.shared.out(String(format: "indexed %d dossiers in %@ (%.0f dossiers/s)", n, Format.duration(seconds), Double(n) / max(seconds, 1e-9)))
    }
}

struct IndexStatus: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the index's segments and the ledger entry it reflects.",
        discussion: "Search reads only what a query touches; --check reads every segment whole and checks its checksum, as a full verify does.")
    @OptionGroup var archiveOptions: ArchiveOptions
    @OptionGroup var output: OutputOptions
    @Flag(name: .long, help: "Read every segment and check its checksum (E706 for one that does not match).") var check = false
    func run() throws {
        let archive = try archiveOptions.open()
        let snapshot = try archive.openIndexForReading()
        let m = snapshot.manifest
        // Segments whose bytes no longer match their checksum (a flipped bit that no query
        // has read yet).
        var damaged: [Diagnostic] = []
        if check {
            for (i, seg) in snapshot.segments.enumerated() where !seg.verifyChecksum(releasingPages: true) {
                damaged.append(Diagnostic(.indexFileCorrupt, file: "index/" + m.segments[i].file, message: "the segment's checksum does not match",
                                          advice: IndexFileError.advice))
            }
        }
        // What a script checking many archives after an upgrade needs: the rule the documents
        // were made by and each segment's format, beside what this hoso makes.
        let formats = snapshot.segments.map(\.formatVersion)
        let (currentRule, currentFormat) = (IndexDocument.currentDerivation, Segment.currentFormatVersion)
        // How many segments an optimize would leave (nil: it would change nothing).
        let plan = IndexWriter.optimizePlan(m.segments, formats: formats)
        let afterOptimize = plan.rewrite.isEmpty ? nil : plan.segments
        if output.json {
            struct Upgrade: Encodable { let derivation: Int; let segmentFormat: UInt32 }
            struct Out: Encodable {
                let manifest: IndexManifest; let rule: Int?; let segmentFormats: [UInt32]; let current: Upgrade
                let checked: Int?; let findings: [DiagnosticJSON]?; let afterOptimize: Int?
                enum K: String, CodingKey { case manifest, rule, segmentFormats, current, checked, findings, afterOptimize }
                func encode(to encoder: any Encoder) throws {
                    var c = encoder.container(keyedBy: K.self)
                    // As before: the manifest's keys, or with --check the manifest as one key.
                    if checked == nil { try manifest.encode(to: encoder) } else { try c.encode(manifest, forKey: .manifest) }
                    try c.encodeIfPresent(rule, forKey: .rule)
                    try c.encode(segmentFormats, forKey: .segmentFormats)
                    try c.encode(current, forKey: .current)
                    try c.encodeIfPresent(checked, forKey: .checked)
                    try c.encodeIfPresent(findings, forKey: .findings)
                    try c.encodeIfPresent(afterOptimize, forKey: .afterOptimize)
                }
            }
            Console.shared.out(JSON.encode(Out(manifest: m, rule: m.rule, segmentFormats: formats,
                                               current: Upgrade(derivation: currentRule, segmentFormat: currentFormat),
                                               checked: check ? snapshot.segments.count : nil, findings: check ? damaged.map { DiagnosticJSON(d: $0) } : nil,
                                               afterOptimize: afterOptimize)))
        } else {
            Console.shared.out("index generation \(m.generation), \(m.liveDocs) dossiers in \(m.segments.count) segments, ledger entry \(m.ledgerSequence) \(m.ledgerHead ?? "(none)")"
                + (m.rule.map { ", derivation rule \($0)" } ?? ""))
            for (s, format) in zip(m.segments, formats) {
                let bad = damaged.contains { $0.file == "index/" + s.file }
                Console.shared.out("  \(s.file)  format \(format)  \(s.docs) documents\(s.deletedDocs > 0 ? " (\(s.deletedDocs) deleted)" : "")  \(Format.bytes(UInt64(s.bytes)))"
                                   + (check ? (bad ? "  checksum does not match" : "  checksum ok") : ""))
            }
            if let rule = m.rule, rule < currentRule {
                Console.shared.out("this hoso makes documents by rule \(currentRule): 'hoso rebuild' brings the catalog and the index up to it (the archive answers as it is until then)")
            } else if formats.contains(where: { $0 < currentFormat }) {
                Console.shared.out("this hoso writes segments of format \(currentFormat): older ones are read as they are, and 'hoso index optimize' rewrites them")
            } else if let after = afterOptimize, after < m.segments.count {
                Console.shared.out("'hoso index optimize' would repack the \(m.segments.count) segments into \(after): each segment costs a search a few look-ups")
            }
            for d in damaged { Console.shared.out(Console.shared.render(d)) }
        }
        if !damaged.isEmpty { throw ExitCode(1) }
    }
}
