// swift-tools-version: 6.1
import PackageDescription

/// Settings every target shares: Swift 6 language mode (the tools version's default) plus the
/// upcoming features Hummingbird and PostgresNIO use, so imports and existentials stay explicit.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// `SCRIBE_FUZZ=1` (set by `scripts/fuzz` only) declares `scribe-fuzz`, the libFuzzer build, and
/// compiles the parsers under test with libFuzzer's coverage instrumentation. Never for the server.
let fuzzing = Context.environment["SCRIBE_FUZZ"] == "1"
let fuzzedSettings: [SwiftSetting] = strictSettings + (fuzzing ? [.unsafeFlags(["-sanitize=fuzzer"])] : [])

extension Target.Dependency {
    static let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
    static let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
    static let hummingbirdTesting = Target.Dependency.product(name: "HummingbirdTesting", package: "hummingbird")
    static let httpTypes = Target.Dependency.product(name: "HTTPTypes", package: "swift-http-types")
    static let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
    static let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
    static let postgres = Target.Dependency.product(name: "PostgresNIO", package: "postgres-nio")
    static let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
}

let package = Package(
    name: "scribe",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "scribe", targets: ["scribe"]),
        .library(name: "ActivityPubKit", targets: ["ActivityPubKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-http-structured-headers.git", from: "1.7.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // Modules, in dependency order (docs/architecture.md §2; PackageBoundaryTests enforces it).
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // gd.h is in the default include path; gdlib's pkg-config flags only add a define SwiftPM refuses.
        .systemLibrary(name: "CLibGD", providers: [.apt(["libgd-dev"])]),
        // Thumbnails for pages: bytes in, smaller bytes out, nothing else.
        .target(name: "ScribeImages", dependencies: ["CLibGD"], swiftSettings: strictSettings),
        .target(
            name: "ActivityPubKit",
            dependencies: [
                "CLibXML2", .crypto, .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "RawStructuredFieldValues", package: "swift-http-structured-headers"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .nioCore,
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: fuzzedSettings
        ),
        .target(name: "ScribeContracts", dependencies: [.crypto], swiftSettings: strictSettings),
        .target(
            name: "ScribeCoreClient",
            dependencies: [
                "ScribeContracts", .crypto, .logging, .nioCore, .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ScribeStorage",
            dependencies: [
                .postgres, .nioCore, .crypto, .logging, .serviceLifecycle,
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ScribeCore",
            dependencies: [
                "ScribeContracts", "ScribeStorage", .postgres, .logging, .crypto, .nioCore,
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: fuzzedSettings
        ),
        .target(
            name: "ScribeMarketplace",
            dependencies: [
                "ScribeContracts", "ScribeStorage", .postgres, .logging, .crypto, .nioCore,
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ScribeSocial",
            dependencies: [
                "ActivityPubKit", "ScribeContracts", "ScribeStorage", .postgres, .logging, .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ScribeMarketplaceClient",
            dependencies: [
                "ScribeContracts", "ScribeCoreClient", .logging, .nioCore, .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // What every HTTP front of Scribe shares: the error shape, the request contexts' contract.
        .target(
            name: "ScribeHTTP",
            dependencies: ["ScribeContracts", "ScribeImages", .hummingbird, .httpTypes, .nioCore],
            swiftSettings: strictSettings
        ),
        // The pages people use in a browser: they reach Core and the marketplace only through
        // `CoreAPI` and `MarketplaceAPI`, so the process that serves them need not run either.
        .target(
            name: "ScribeWeb",
            dependencies: [
                "ActivityPubKit", "ScribeContracts", "ScribeHTTP", "ScribeImages", "ScribeSocial", .hummingbird, .httpTypes, .nioCore, .crypto,
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "MultipartKit", package: "multipart-kit"),
            ],
            resources: [.copy("Templates"), .copy("Static")],
            swiftSettings: strictSettings
        ),
        // Mastodon's client API, so Mastodon apps sign in to Scribe: an HTTP front over Social, as
        // the pages are, with its own schema for apps, tokens and the ids apps see.
        .target(
            name: "ScribeMastodonAPI",
            dependencies: [
                "ActivityPubKit", "ScribeContracts", "ScribeHTTP", "ScribeImages", "ScribeSocial", "ScribeStorage", "ScribeWeb", .hummingbird,
                .httpTypes,
                .nioCore, .logging, .postgres, .crypto,
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ScribeServer",
            dependencies: [
                "ActivityPubKit", "ScribeContracts", "ScribeCoreClient", "ScribeMarketplaceClient", "ScribeStorage", "ScribeCore",
                "ScribeMarketplace", "ScribeSocial", "ScribeHTTP", "ScribeImages", "ScribeWeb", "ScribeMastodonAPI",
                .hummingbird, .httpTypes, .nioCore, .logging, .serviceLifecycle,
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Metrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "scribe",
            dependencies: [
                "ScribeServer", "ScribeCore", "ScribeCoreClient", "ScribeSocial", "ScribeMarketplace", "ScribeContracts", .logging,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),

        // Benchmarks print figures; they are not tests (docs/benchmarks.md).
        .executableTarget(
            name: "signature-benchmark",
            dependencies: ["ActivityPubKit", .crypto, .product(name: "CryptoExtras", package: "swift-crypto")],
            path: "Benchmarks/SignatureBenchmark",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "scribe-bench",
            dependencies: [
                "ActivityPubKit", "ScribeStorage", .postgres, .logging, .nioCore,
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"), .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            path: "Benchmarks/LoadBenchmark",
            swiftSettings: strictSettings
        ),
        .executableTarget(name: "bench-bare-route", dependencies: [.hummingbird], path: "Benchmarks/BareRoute", swiftSettings: strictSettings),
        .executableTarget(
            name: "migration-benchmark",
            dependencies: ["ScribeStorage", .postgres, .logging],
            path: "Benchmarks/MigrationBenchmark",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "marketplace-benchmark",
            dependencies: ["ScribeContracts", "ScribeMarketplace", "ScribeStorage", .postgres, .logging],
            path: "Benchmarks/MarketplaceBenchmark",
            swiftSettings: strictSettings
        ),

        // Fuzzing (scripts/fuzz): the targets, replayed by the tests, and libFuzzer's entry.
        .target(
            name: "ScribeFuzzTargets",
            dependencies: ["ActivityPubKit", "ScribeCore", .crypto],
            path: "Fuzz/Targets",
            swiftSettings: fuzzedSettings
        ),

        // Tests. ScribeUnitTests is the fast tier: pure logic (parsers, signatures, card formats,
        // SQL scripts, the inbox vocabulary), no PostgreSQL, no server, seconds to run. The other
        // test targets, one per module, run against a real PostgreSQL and real HTTP.
        .target(name: "ScribeTestFixtures", path: "Tests/ScribeTestFixtures", swiftSettings: strictSettings),
        .target(
            name: "ScribeTestSupport",
            dependencies: [
                "ScribeTestFixtures",
                "ActivityPubKit", "ScribeContracts", "ScribeCoreClient", "ScribeStorage", "ScribeCore", "ScribeMarketplace", "ScribeSocial",
                "ScribeServer",
                .hummingbird, .hummingbirdTesting, .postgres, .nioCore,
                .logging, .crypto, .serviceLifecycle,
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            path: "Tests/ScribeTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ScribeUnitTests",
            dependencies: [
                "ActivityPubKit", "ScribeContracts", "ScribeStorage", "ScribeCore", "ScribeSocial", "ScribeImages", "ScribeFuzzTargets",
                "ScribeTestFixtures", .crypto, .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ActivityPubKitTests",
            dependencies: [
                "ActivityPubKit", "ScribeTestSupport", .hummingbird, .hummingbirdTesting, .crypto, .nioCore,
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "ScribeStorageTests", dependencies: ["ScribeStorage", "ScribeTestSupport", .postgres], swiftSettings: strictSettings),
        .testTarget(
            name: "ScribeCoreTests",
            dependencies: [
                "ScribeCore", "ScribeContracts", "ScribeStorage", "ScribeTestSupport", .postgres, .crypto,
                .product(name: "CryptoExtras", package: "swift-crypto"), .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ScribeMarketplaceTests",
            dependencies: [
                "ScribeMarketplace", "ScribeContracts", "ScribeCore", "ScribeSocial", "ScribeStorage", "ScribeTestSupport", .postgres,
                .hummingbirdTesting,
                .httpTypes, .nioCore,
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ScribeSocialTests",
            dependencies: [
                "ActivityPubKit", "ScribeSocial", "ScribeContracts", "ScribeCore", "ScribeStorage", "ScribeTestSupport", .postgres,
                .hummingbirdTesting, .httpTypes, .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ScribeServerTests",
            dependencies: [
                "ScribeServer", "ScribeCore", "ScribeCoreClient", "ScribeMarketplace", "ScribeMarketplaceClient", "ScribeSocial", "ScribeContracts",
                "ScribeStorage", "ScribeHTTP", "ScribeImages", "ScribeWeb", "ScribeMastodonAPI", "ScribeTestSupport", .hummingbirdTesting, .httpTypes,
                .nioCore, .logging,
                .postgres,
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)

if fuzzing {
    package.targets.append(
        .executableTarget(
            name: "scribe-fuzz",
            dependencies: ["ScribeFuzzTargets"],
            path: "Fuzz/Entry",
            swiftSettings: fuzzedSettings,
            linkerSettings: [.unsafeFlags(["-sanitize=fuzzer"])]
        )
    )
}
