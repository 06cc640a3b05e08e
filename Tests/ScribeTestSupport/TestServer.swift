import Foundation
import HummingbirdTesting
import ScribeCore
import ScribeServer
import ScribeStorage

/// The whole application over real HTTP on a loopback port, on a fresh migrated database.
///
/// - Parameter flags: settings by environment variable name, e.g. `SCRIBE_PUBLIC_URL`.
public func withTestServer<Result: Sendable>(
    flags: [String: String] = [:], settings: CoreSettings = .testing,
    _ body: @escaping @Sendable (any TestClientProtocol, Database) async throws -> Result
) async throws -> Result {
    try await withTestDatabase { location in
        try await withTestCoreAPI(on: location, settings: settings) { reachCore in
            let configuration = try ServerConfiguration.resolve(
                flags: ["SCRIBE_BIND": "127.0.0.1:0", "SCRIBE_MIGRATIONS_DIR": TestPaths.migrationsDirectory].merging(TestLimits.off) { $1 }
                    .merging(flags) { $1 },
                environment: [:])
            let logger = TestLogger.make("server")
            let database = Database(location: location, connectionsPerModule: 4, logger: logger)
            let application = ScribeApplication(
                configuration: configuration, database: database, catalog: try MigrationCatalog(directory: TestPaths.migrationsDirectory),
                masterKeys: .testing, coreSettings: settings, reachCore: reachCore, logger: logger)
            return try await application.buildApplication().test(.live) { client in
                try await body(client, database)
            }
        }
    }
}
