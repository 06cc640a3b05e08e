// swift-tools-version: 6.1
import PackageDescription

/// Settings every target shares: Swift 6 language mode plus the upcoming features the
/// Hummingbird and PostgresNIO codebases use, so imports and existentials stay explicit.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

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
    ],
    targets: [
        .target(
            name: "ActivityPubKit",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(name: "ScribeContracts", swiftSettings: strictSettings),
        .target(
            name: "ScribeStorage",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .target(name: "ScribeCore", dependencies: ["ScribeContracts", "ScribeStorage", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log")], swiftSettings: strictSettings),
        .target(name: "ScribeMarketplace", dependencies: ["ScribeContracts", "ScribeStorage", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log")], swiftSettings: strictSettings),
        .target(name: "ScribeSocial", dependencies: ["ActivityPubKit", "ScribeContracts", "ScribeStorage", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log")], swiftSettings: strictSettings),
        .target(
            name: "ScribeServer",
            dependencies: [
                "ActivityPubKit", "ScribeContracts", "ScribeStorage", "ScribeCore", "ScribeMarketplace", "ScribeSocial",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "scribe",
            dependencies: ["ScribeServer", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ScribeTestSupport",
            dependencies: [
                "ScribeStorage", "ScribeServer",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/ScribeTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(name: "ActivityPubKitTests", dependencies: ["ActivityPubKit"], swiftSettings: strictSettings),
        .testTarget(name: "ScribeContractsTests", dependencies: ["ScribeContracts"], swiftSettings: strictSettings),
        .testTarget(name: "ScribeStorageTests", dependencies: [.product(name: "PostgresNIO", package: "postgres-nio"), "ScribeStorage", "ScribeTestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "ScribeCoreTests", dependencies: ["ScribeContracts", "ScribeStorage", .product(name: "PostgresNIO", package: "postgres-nio"), "ScribeCore", "ScribeTestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "ScribeMarketplaceTests", dependencies: ["ScribeCore", "ScribeContracts", "ScribeStorage", .product(name: "PostgresNIO", package: "postgres-nio"), "ScribeMarketplace", "ScribeTestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "ScribeSocialTests", dependencies: ["ScribeCore", "ScribeContracts", "ScribeStorage", .product(name: "PostgresNIO", package: "postgres-nio"), "ScribeSocial", "ScribeTestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "ScribeServerTests", dependencies: ["ScribeStorage", .product(name: "Logging", package: "swift-log"), .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "NIOCore", package: "swift-nio"), .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "PostgresNIO", package: "postgres-nio"), "ScribeStorage", "ScribeServer", "ScribeTestSupport"], swiftSettings: strictSettings),
    ]
)
