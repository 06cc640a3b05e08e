import Foundation
import HTTPTypes
import NIOCore
import ScribeCore
import ScribeServer
import ScribeStorage
import ScribeTestFixtures

// Debug builds, which every test build is, compile Hummingbird's test module for testing; its
// `TestResponse` has no public initialiser, and ``LiveTestClient`` must make one.
#if DEBUG
@testable import HummingbirdTesting
#else
import HummingbirdTesting
#endif

/// The whole application over real HTTP on a loopback port, on a fresh migrated database.
///
/// The server runs under ``serving(_:host:port:logger:_:)``, not Hummingbird's `.test(.live)`:
/// that harness waits for ever for the port of a server that failed to start, and lets a stop
/// wait for ever for requests still in flight (seen as five hung tests in one run on a loaded
/// machine). Here a server that cannot start fails its test at once, requests still in flight
/// 30 s into the stop are cancelled, and SIGTERM to the test process stops no test server.
///
/// - Parameter flags: settings by environment variable name, e.g. `SCRIBE_PUBLIC_URL`.
public func withTestServer<Result: Sendable>(
    flags: [String: String] = [:],
    settings: CoreSettings = .testing,
    _ body: @escaping @Sendable (any TestClientProtocol, Database) async throws -> Result
) async throws -> Result {
    let host = "127.0.0.1"
    let port = try freePort(host: host)
    return try await withTestDatabase { location in
        try await withTestCoreAPI(on: location, settings: settings) { reachCore in
            let configuration = try ServerConfiguration.resolve(
                flags: ["SCRIBE_BIND": "\(host):\(port)", "SCRIBE_MIGRATIONS_DIR": TestPaths.migrationsDirectory].merging(TestLimits.off) { $1 }
                    .merging(flags) { $1 },
                environment: [:]
            )
            let logger = TestLogger.make("server")
            let database = Database(location: location, connectionsPerModule: 4, logger: logger)
            let application = ScribeApplication(
                configuration: configuration,
                database: database,
                catalog: try MigrationCatalog(directory: TestPaths.migrationsDirectory),
                masterKeys: .testing,
                coreSettings: settings,
                reachCore: reachCore,
                logger: logger
            )
            #if DEBUG
            return try await serving(application.buildApplication(), host: host, port: port, logger: logger) {
                try await LiveTestClient.with(host: host, port: port) { client in try await body(client, database) }
            }
            #else
            return try await application.buildApplication().test(.live) { client in try await body(client, database) }
            #endif
        }
    }
}

#if DEBUG
/// Hummingbird's live-test client, as `.test(.live)` uses it, for a server started elsewhere:
/// one keep-alive connection, requests addressed to `localhost`, a 20 s read timeout.
struct LiveTestClient: TestClientProtocol {
    let client: TestClient

    var port: Int? { client.port }

    /// Connects to `host:port`, runs `body`, and closes the connection, pass or fail.
    static func with<Result: Sendable>(host: String, port: Int, _ body: (LiveTestClient) async throws -> Result) async throws -> Result {
        let client = TestClient(host: host, port: port, configuration: .init(timeout: .seconds(20)))
        client.connect()
        do {
            let result = try await body(LiveTestClient(client: client))
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        var headers = headers
        headers[.connection] = "keep-alive"
        let response = try await client.execute(TestClient.Request(uri, method: method, authority: "localhost", headers: headers, body: body))
        return TestResponse(head: response.head, body: response.body ?? ByteBuffer(), trailerHeaders: response.trailerHeaders)
    }
}
#endif
