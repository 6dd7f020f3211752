import ArgumentParser
import HosoArchive

/// `--archive PATH`, else `HOSO_ARCHIVE`, else `./archive`.
struct ArchiveOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The archive folder (default: $HOSO_ARCHIVE, else ./archive).", valueName: "path"))
    var archive: String?

    var location: String { Archive.location(archive) }

    func open() throws -> Archive { try Archive.open(at: location) }
}
