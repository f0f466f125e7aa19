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
        // libmaxminddb, as Debian's libmaxminddb-dev installs it: reads MaxMind DB (.mmdb) files.
        .systemLibrary(name: "CMaxMindDB", pkgConfig: "libmaxminddb", providers: [.apt(["libmaxminddb-dev"])]),
        // glibc's resolver (libresolv): one reverse lookup, through a tiny C shim (its macros).
        .target(name: "CResolv", linkerSettings: [.linkedLibrary("resolv")]),

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
            "Records",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HummingbirdHTTP2", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        // What an address tells beyond itself: countries and networks' owners from .mmdb files,
        // host names by reverse DNS (Query's AddressLookup, with the system's libraries).
        .target(name: "AddressLookups", dependencies: ["Query", "Records", "CMaxMindDB", "CResolv"]),
        // The interpreter: commands, cache, completion, output, the REPL over a LineReader and
        // a Terminal (both provided by the executable).
        .target(name: "Shell", dependencies: [
            "Records", "Query", "OpenportAPI", "AddressLookups",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The terminal line reader (libedit).
        .target(name: "LineEditor", dependencies: ["CEditLine", "Shell"]),

        .executableTarget(name: "opsh", dependencies: [
            "Shell", "Query", "Records", "LineEditor", "OpenportAPI", "OpenportEmulator", "AddressLookups",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        .executableTarget(name: "opsh-emulator", dependencies: [
            "OpenportEmulator", "OpenportAPI",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // What several test targets share: an emulator served to a client for a test body,
        // and the scan fixtures.
        .target(name: "TestSupport", dependencies: ["OpenportAPI", "OpenportEmulator", "Records"], path: "Tests/TestSupport"),

        .testTarget(name: "RecordsTests", dependencies: ["Records"]),
        .testTarget(name: "QueryTests", dependencies: ["Query", "Records"]),
        .testTarget(name: "OpenportAPITests", dependencies: ["OpenportAPI", "OpenportEmulator", "Records", "TestSupport"]),
        .testTarget(name: "ShellTests", dependencies: ["Shell", "OpenportAPI", "OpenportEmulator", "Query", "Records"]),
        .testTarget(name: "AddressLookupsTests", dependencies: ["AddressLookups", "OpenportEmulator", "OpenportAPI", "Query", "Records", "Shell"]),
        .testTarget(name: "LineEditorTests", dependencies: ["LineEditor", "Shell"]),
        .testTarget(name: "CLITests", dependencies: ["OpenportEmulator", "Query", "Shell"]),
        .testTarget(name: "EmulatorTests", dependencies: ["OpenportEmulator"]),
        // The scan soaks (minutes of both cores): `make soak`, after `make test`.
        .testTarget(name: "SoakTests", dependencies: ["OpenportAPI", "OpenportEmulator", "Records", "TestSupport"]),
        // The emulator and opsh against a Django REST Framework app (conformance/, a Python venv).
        .testTarget(name: "ConformanceTests", dependencies: [
            "OpenportEmulator", "OpenportAPI", "Records", "Query", "Shell",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
