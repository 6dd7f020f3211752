import ArgumentParser
import Foundation
import HosoArchive
import HosoCore

/// `--archive PATH`, else `HOSO_ARCHIVE`, else `./archive`.
struct ArchiveOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The archive folder (default: $HOSO_ARCHIVE, else ./archive).", valueName: "path"))
    var archive: String?

    var location: String { Archive.location(archive) }

    func open() throws -> Archive { try Archive.open(at: location) }
}

/// Every `--jobs`: a count of workers or transfers at once, 1 to 256 (a usage error otherwise,
/// exit status 2). Numeric options are read with `parsing: .unconditional`, so that a negative
/// value reaches this check instead of being taken for an option ("Missing value").
func checkJobs(_ jobs: Int?) throws {
    if let jobs, !(1...256).contains(jobs) { throw ValidationError("--jobs must be between 1 and 256 (got \(jobs))") }
}

/// An `s3://` location needs an endpoint: its absence (or a URL that is not http or https) is a
/// mistake on the command line, told before anything is opened (exit status 2).
func checkEndpoint(for spec: String?, _ option: String?) throws {
    guard let spec, spec.hasPrefix("s3://") else { return }
    guard let endpoint = StoreSpec.endpoint(option) else {
        throw ValidationError("\(spec) needs the S3 service's URL: give --endpoint (for example http://127.0.0.1:17480), or set HOSO_S3_ENDPOINT or AWS_ENDPOINT_URL")
    }
    guard let url = URL(string: endpoint), url.scheme == "http" || url.scheme == "https", url.host != nil else {
        throw ValidationError("the endpoint '\(endpoint)' is not an http:// or https:// URL with a host")
    }
}

/// What `validate` and `ingest` read: paths on the command line and, for more dossier folders
/// than a command line holds (`batch/*` of 30,000 folders exceeds it), a list in a file.
struct BatchPaths: ParsableArguments {
    @Argument(help: "Batch folders, dossier folders or dossier XML files.") var paths: [String] = []
    @Option(name: .long, help: ArgumentHelp("Also the paths listed in this file, one per line ('-': standard input; blank lines and spaces around a path are ignored).", valueName: "file"))
    var pathsFrom: String?

    func validate() throws {
        if paths.isEmpty && pathsFrom == nil { throw ValidationError("name batch folders, dossier folders or XML files, or --paths-from FILE") }
    }

    /// Every path named, the command line's first.
    func all() throws -> [String] {
        guard let pathsFrom else { return paths }
        let listed: [String]
        do { listed = try readList(pathsFrom) } catch {
            throw HosoError(.ioFailure, file: pathsFrom, message: "the list of paths cannot be read: \((error as? SystemError)?.reason ?? "\(error)")",
                            advice: "Check the file's name and permissions")
        }
        if paths.isEmpty && listed.isEmpty {
            throw ValidationError("--paths-from \(pathsFrom) names no path (an empty list, or a search that found nothing): nothing to read")
        }
        return paths + listed
    }

    /// How the paths were named, for the ledger's record of an ingest's source: the first few
    /// and a count, so that thousands of folders do not go into every ledger entry.
    func described(_ all: [String]) -> String {
        let shown = all.prefix(8).map { $0.contains(where: \.isWhitespace) ? "\"\($0)\"" : $0 }.joined(separator: " ")
        var s = all.count > 8 ? shown + " … (\(all.count) paths)" : shown
        if let pathsFrom { s += " (--paths-from \(pathsFrom))" }
        return s
    }
}
