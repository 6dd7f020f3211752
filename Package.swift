// swift-tools-version: 6.1
import PackageDescription

// libxml2's headers, where Debian's libxml2-dev puts them (`pkg-config --cflags libxml-2.0`).
// Given as a flag rather than through a system-library target with pkg-config, whose `-lxml2`
// would make every start of every command load libxml2 and the ICU libraries it brings (about
// 2.5 ms); CHosoXML loads it with dlopen when XML is first read.
let libxml2Headers = "-I/usr/include/libxml2"

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    // (Every Swift target: a module that imports HosoXML may need CHosoXML's header read.)
    .unsafeFlags(["-Xcc", libxml2Headers]),
]

let package = Package(
    name: "hoso",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hoso", targets: ["hoso"]),
        .library(name: "HosoArchive", targets: ["HosoArchive"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // C libraries from the system, each behind a thin shim (see ARCHITECTURE.md).
        // libxml2, loaded with dlopen when XML is first read (its headers: libxml2-dev).
        .target(name: "CHosoXML", cSettings: [.unsafeFlags([libxml2Headers])], linkerSettings: [.linkedLibrary("dl")]),
        .systemLibrary(name: "CHosoZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CHosoDeflate", pkgConfig: "libdeflate",
                       providers: [.apt(["libdeflate-dev"])]),
        .systemLibrary(name: "CHosoSys"),
        // libcurl's header only: the library is loaded with dlopen when S3 is first used.
        .target(name: "CHosoCurl", linkerSettings: [.linkedLibrary("dl")]),

        .target(name: "HosoCore",
                dependencies: ["CHosoDeflate", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: strict),
        .target(name: "HosoXML",
                dependencies: ["HosoCore", "CHosoXML"],
                swiftSettings: strict),
        .target(name: "HosoStore",
                dependencies: ["HosoCore", "CHosoZlib", "CHosoDeflate", "CHosoSys"],
                swiftSettings: strict),
        .target(name: "HosoS3",
                dependencies: ["HosoCore", "HosoStore", "HosoXML", "CHosoCurl", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: strict),
        .target(name: "HosoCatalog",
                dependencies: ["HosoCore", .product(name: "GRDB", package: "GRDB.swift"),
                               .product(name: "GRDBSQLite", package: "GRDB.swift")],
                swiftSettings: strict),
        .target(name: "HosoIndex",
                dependencies: ["HosoCore", "CHosoDeflate"],
                swiftSettings: strict),
        .target(name: "HosoArchive",
                dependencies: ["HosoCore", "HosoXML", "HosoStore", "HosoS3", "HosoCatalog", "HosoIndex"],
                swiftSettings: strict),
        .target(name: "HosoCommands",
                dependencies: ["HosoArchive", "CHosoSys",
                               .product(name: "ArgumentParser", package: "swift-argument-parser")],
                swiftSettings: strict),
        .executableTarget(name: "hoso", dependencies: ["HosoCommands"], swiftSettings: strict),

        // Helpers for the tests only (temporary folders, a dossier XML builder, the binary runner).
        .target(name: "HosoTestSupport", swiftSettings: [.swiftLanguageMode(.v6)]),

        .testTarget(name: "HosoCoreTests", dependencies: ["HosoCore", "HosoTestSupport"], swiftSettings: strict),
        .testTarget(name: "HosoXMLTests", dependencies: ["HosoXML", "HosoTestSupport"], swiftSettings: strict),
        .testTarget(name: "HosoStoreTests", dependencies: ["HosoStore", "HosoTestSupport"], swiftSettings: strict),
        .testTarget(name: "HosoIndexTests", dependencies: ["HosoIndex", "HosoTestSupport"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "HosoArchiveTests", dependencies: ["HosoArchive", "HosoTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
                    swiftSettings: strict),
        .testTarget(name: "HosoS3Tests", dependencies: ["HosoS3", "HosoTestSupport"], swiftSettings: strict),
        .testTarget(name: "EndToEndTests", dependencies: ["hoso", "HosoCommands", "HosoS3", "HosoStore", "HosoTestSupport"], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
