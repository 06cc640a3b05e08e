import Crypto
import Foundation
import Logging
import PostgresNIO
import ScribeContracts
import ScribeCore
import ScribeMarketplace
import ScribeServer
import ScribeSocial
import ScribeStorage
import ScribeTestFixtures

/// The modules of one server in role `all`, composed exactly as the server composes them
/// (Marketplace and Social holding Core as `any CoreAPI`, in-process or over HTTP as
/// ``TestCoreTransport`` says), over one ``Database``.
///
/// A module's tests reach the modules through this value, never through the composition root,
/// so that they do not import `ScribeServer`.
public struct TestModules: Sendable {
    public let core: CoreModule
    public let marketplace: MarketplaceModule
    public let social: SocialModule
    public let database: Database

    init(_ application: ScribeApplication) {
        core = application.coreModule!
        marketplace = application.marketplaceModule!
        social = application.socialModule!
        database = application.database
    }
}

/// Runs `body` with the modules composed as the server composes them, on a fresh migrated
/// database.
public func withTestModules<Result: Sendable>(
    settings: CoreSettings = .testing,
    logger: Logger = TestLogger.make("modules"),
    _ body: @Sendable (TestModules) async throws -> Result
) async throws -> Result {
    try await withTestPools { database in
        try await withTestCoreAPI(on: database.location, settings: settings) { reachCore in
            let configuration = try ServerConfiguration.resolve(flags: ["SCRIBE_MIGRATIONS_DIR": TestPaths.migrationsDirectory], environment: [:])
            let application = ScribeApplication(
                configuration: configuration,
                database: database,
                catalog: try MigrationCatalog(directory: TestPaths.migrationsDirectory),
                masterKeys: .testing,
                coreSettings: settings,
                reachCore: reachCore,
                logger: logger
            )
            do {
                let result = try await body(TestModules(application))
                try await application.shutdown()
                return result
            } catch {
                try? await application.shutdown()
                throw error
            }
        }
    }
}

/// Records one event in Core's log the way Core's own operations do: inside a transaction.
@discardableResult
public func recordTestEvent(_ type: CoreEvent.Kind = .itemPublished, in core: CoreModule, database: Database) async throws -> Int64 {
    let logger = TestLogger.make("events")
    return try await database.pool(for: .core).withTransaction(logger: logger) { connection in
        try await core.eventLog.append(type, subjectKind: .character, subjectID: UUID(), on: connection)
    }
}

/// The SQLSTATE a statement fails with on `pool`, or nil when it succeeds. `42501` is
/// insufficient_privilege: what a module gets for touching another module's schema.
public func sqlState(of sql: String, on pool: PostgresClient) async -> String? {
    do {
        try await pool.query(PostgresQuery(unsafeSQL: sql), logger: TestLogger.make("probe"))
        return nil
    } catch let error as PSQLError {
        return error.serverInfo?[.sqlState]
    } catch {
        return "unexpected: \(error)"
    }
}

extension CoreSettings {
    /// Production rules with a KDF cheap enough for tests (scrypt N = 2^10). The parameters are
    /// recorded per user exactly as production ones are.
    public static var testing: CoreSettings {
        var settings = CoreSettings.standard
        settings.passwordKDF = PasswordKDF(rounds: 1 << 10)
        return settings
    }
}

extension MasterKeyring {
    /// One fixed master key for the whole test run, as a server has one keyring.
    public static let testing: MasterKeyring = try! MasterKeyring(keys: [SymmetricKey(size: .bits256)])
}
