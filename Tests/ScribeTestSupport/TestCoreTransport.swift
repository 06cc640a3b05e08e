import AsyncHTTPClient
import Foundation
import Hummingbird
import ScribeContracts
import ScribeCore
import ScribeCoreClient
import ScribeServer
import ScribeStorage
import ScribeTestFixtures

/// How the application under test hands Core to Marketplace and Social: in-process (the
/// default), or, with `SCRIBE_TEST_CORE=http`, an ``HTTPCoreClient`` talking to a separately
/// started Core server (role `core`, its own pools, its own port) over loopback. `scripts/test`
/// runs the Marketplace and Social suites both ways.
public enum TestCoreTransport {
    case inProcess
    case http

    public static var current: TestCoreTransport {
        ProcessInfo.processInfo.environment["SCRIBE_TEST_CORE"] == "http" ? .http : .inProcess
    }

    /// The secret the test Core servers and their clients share.
    public static let secretText = "scribe-test-service-secret-0123456789abcdef"
    public static let secret = ServiceSecret(secretText)!

    /// One client for every test's calls to its Core server.
    static let client = HTTPClient(eventLoopGroupProvider: .singleton)
}

/// Runs `body` with Core as Marketplace and Social should reach it under ``TestCoreTransport/current``:
/// `nil` in-process (the application uses its own Core), or, per calling service, an
/// ``HTTPCoreClient`` to a Core server started on `location` for the duration of `body`.
public func withTestCoreAPI<Result: Sendable>(
    on location: DatabaseLocation,
    settings: CoreSettings,
    _ body: @Sendable ((@Sendable (CallingService) -> any CoreAPI)?) async throws -> Result
) async throws -> Result {
    guard TestCoreTransport.current == .http else { return try await body(nil) }
    let port = try freePort(host: "127.0.0.1")
    let configuration = try ServerConfiguration.resolve(
        flags: [
            "SCRIBE_ROLE": "core", "SCRIBE_BIND": "127.0.0.1:\(port)", "SCRIBE_SERVICE_SECRET": TestCoreTransport.secretText,
            "SCRIBE_MIGRATIONS_DIR": TestPaths.migrationsDirectory, "SCRIBE_RATE_LIMIT_ADDRESS": "0", "SCRIBE_RATE_LIMIT_ACCOUNT": "0",
        ],
        environment: [:]
    )
    let logger = TestLogger.make("core-service")
    let coreServer = ScribeApplication(
        configuration: configuration,
        database: Database(location: location, connectionsPerModule: 4, schemas: ProcessRole.core.schemas, logger: logger),
        catalog: try MigrationCatalog(directory: TestPaths.migrationsDirectory),
        masterKeys: .testing,
        coreSettings: settings,
        logger: logger
    )
    return try await serving(coreServer.buildApplication(), host: "127.0.0.1", port: port, logger: logger) {
        try await body { service in
            HTTPCoreClient(
                baseURL: URL(string: "http://127.0.0.1:\(port)")!,
                service: service,
                secret: TestCoreTransport.secret,
                client: TestCoreTransport.client,
                logger: logger
            )
        }
    }
}
