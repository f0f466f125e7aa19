// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "opsh",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "opsh", targets: ["opsh"]),
        .executable(name: "opsh-emulator", targets: ["opsh-emulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        // Already built for async-http-client (through swift-certificates): SHA-256 for file names.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // libedit, as Debian's libedit-dev installs it, and a shim for its variadic calls.
        .systemLibrary(name: "CLibEdit", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        .target(name: "CEditLine", dependencies: ["CLibEdit"]),

        // Pure: the record model shared by every layer (values, timestamps, JSON).
        .target(name: "Records"),
        // Pure: the command language (lexer, parser, AST, evaluation, completion analysis).
        .target(name: "Query", dependencies: ["Records"]),
        // The HTTP client for API v2.
        .target(name: "OpenportAPI", dependencies: [
            "Records",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        // A local copy of API v2 for --demo, tests and benchmarks.
        .target(name: "OpenportEmulator", dependencies: [
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HummingbirdHTTP2", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        // The interpreter: commands, cache, completion, output, the REPL over a LineReader and
        // a Terminal (both provided by the executable).
        .target(name: "Shell", dependencies: [
            "Records", "Query", "OpenportAPI",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The terminal line reader (libedit).
        .target(name: "LineEditor", dependencies: ["CEditLine", "Shell"]),

        .executableTarget(name: "opsh", dependencies: [
            "Shell", "Query", "LineEditor", "OpenportAPI", "OpenportEmulator",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        .executableTarget(name: "opsh-emulator", dependencies: [
            "OpenportEmulator",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // What several test targets share: an emulator served to a client for a test body,
        // and the scan fixtures.
        .target(name: "TestSupport", dependencies: ["OpenportAPI", "OpenportEmulator", "Records"], path: "Tests/TestSupport"),

        .testTarget(name: "RecordsTests", dependencies: ["Records"]),
        .testTarget(name: "QueryTests", dependencies: ["Query", "Records"]),
        .testTarget(name: "OpenportAPITests", dependencies: ["OpenportAPI", "OpenportEmulator", "Records", "TestSupport"]),
        .testTarget(name: "ShellTests", dependencies: ["Shell", "OpenportAPI", "OpenportEmulator", "Query", "Records"]),
        .testTarget(name: "LineEditorTests", dependencies: ["LineEditor", "Shell"]),
        .testTarget(name: "CLITests", dependencies: ["OpenportEmulator", "Query", "Shell"]),
        .testTarget(name: "EmulatorTests", dependencies: ["OpenportEmulator"]),
        // The scan soaks (minutes of both cores): `make soak`, after `make test`.
        .testTarget(name: "SoakTests", dependencies: ["OpenportAPI", "OpenportEmulator", "Records", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
