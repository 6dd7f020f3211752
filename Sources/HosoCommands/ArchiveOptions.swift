import ArgumentParser
import Foundation
import HosoArchive

/// `--archive PATH`, else `HOSO_ARCHIVE`, else `./archive`.
struct ArchiveOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The archive folder (default: $HOSO_ARCHIVE, else ./archive).", valueName: "path"))
    var archive: String?

    var location: String { Archive.location(archive) }

    func open() throws -> Archive { try Archive.open(at: location) }
}

/// An `s3://` location needs an endpoint: its absence (or a URL that is not http or https) is a
/// mistake on the command line, told before anything is opened (exit status 2).
func checkEndpoint(for spec: String?, _ option: String?) throws {
    guard let spec, spec.hasPrefix("s3://") else { return }
    guard let endpoint = StoreSpec.endpoint(option) else {
        throw ValidationError("\(spec) needs the S3 service's URL: give --endpoint (for example http://127.0.0.1:17480) or set HOSO_S3_ENDPOINT")
    }
    guard let url = URL(string: endpoint), url.scheme == "http" || url.scheme == "https", url.host != nil else {
        throw ValidationError("the endpoint '\(endpoint)' is not an http:// or https:// URL with a host")
    }
}
