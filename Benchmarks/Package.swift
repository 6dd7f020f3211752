// swift-tools-version: 6.1
// Benchmarks that need hoso's libraries in process (search latency, index building from
// records). A separate package, so that `swift build` and `swift test` of hoso do not pay for it.
import PackageDescription

let package = Package(
    name: "hoso-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "hoso", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "hoso-bench",
            dependencies: [.product(name: "HosoArchive", package: "hoso")],
            path: "Sources/hoso-bench",
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
    ],
    swiftLanguageModes: [.v6]
)
