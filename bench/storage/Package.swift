// swift-tools-version:6.0
import PackageDescription
let package = Package(
    name: "storebench",
    targets: [
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .target(name: "Records", path: "Sources/Records"),
        .executableTarget(name: "storebench", dependencies: ["CSQLite", "Records"], path: "Sources/storebench"),
    ]
)
