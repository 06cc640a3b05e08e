import Foundation
import Hummingbird
import Logging
import ScribeCore
import ScribeMarketplace
import ScribeSocial
import ScribeStorage
import ServiceLifecycle
import UnixSignals

/// How a `scribe` process gets its database and runs: the embedded cluster or `DATABASE_URL`,
/// migrations, the service group, and an orderly stop on SIGTERM or SIGINT at any point.
public enum ServerRuntime {
    /// Runs the server until SIGTERM or SIGINT.
    public static func serve(_ configuration: ServerConfiguration, logger: Logger) async throws {
        let catalog = try MigrationCatalog(directory: configuration.migrationsDirectory)
        try await withDatabase(configuration, logger: logger) { location in
            // Only the process that runs Core holds the master keys.
            let masterKeys =
                configuration.role.runsCore
                ? try await MasterKeyring.load(
                    configured: configuration.masterKey,
                    dataDirectory: configuration.dataDirectory,
                    checkedAgainst: location
                )
                : nil
            let database = Database(location: location, replicas: configuration.databaseReplicas, schemas: configuration.role.schemas, logger: logger)
            let application = ScribeApplication(
                configuration: configuration,
                database: database,
                catalog: catalog,
                masterKeys: masterKeys,
                logger: logger
            )
            // The drain is last, so it is the first to stop (see DrainBeforeStop).
            var group = ServiceGroupConfiguration(
                services: [application.buildApplication(), DrainBeforeStop(notice: application.stopping, period: configuration.drainPeriod)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
            // A graceful stop drains, then waits for requests in flight, and one waiting for a
            // database that is gone never ends: past the drain and the grace they are cancelled
            // (a wait for a connection ends at once), and a process that still cannot stop 10 s
            // later ends itself (a fatal error).
            group.maximumGracefulShutdownDuration = configuration.drainPeriod + configuration.shutdownGrace
            group.maximumCancellationDuration = .seconds(10)
            try await ServiceGroup(configuration: group).run()
        }
    }

    /// Applies pending migrations and returns what it applied.
    public static func migrate(_ configuration: ServerConfiguration, logger: Logger) async throws -> [String] {
        let catalog = try MigrationCatalog(directory: configuration.migrationsDirectory)
        return try await withDatabase(configuration, logger: logger) { location in
            try await Migrator(catalog: catalog, logger: logger).migrate(location)
        }
    }

    /// Writes a custom-format dump of the database `serve` uses (a running embedded cluster is
    /// shared) to `path`. The master key is not in it (`docs/operations.md`).
    public static func backup(_ configuration: ServerConfiguration, to path: String, logger: Logger) async throws {
        try await withDatabase(configuration, logger: logger) { location in
            try await DatabaseBackup.dump(location, to: path)
        }
    }

    /// What ``restore(_:from:logger:)`` did, for the operator.
    public struct Restored: Sendable {
        /// The migrations applied after the dump was restored (an older dump's schema brought up to date).
        public var appliedMigrations: [String]
        /// Why `serve` will refuse this database as configured now (its master key is missing), if it will.
        public var missingMasterKey: String?
    }

    /// Restores a dump into the configured database, which must be empty (on the embedded
    /// default: a new data directory), migrates it, and says whether the master key the restored
    /// data needs is in place. Writes nothing when the database is not empty or the dump fails.
    public static func restore(_ configuration: ServerConfiguration, from path: String, logger: Logger) async throws -> Restored {
        let catalog = try MigrationCatalog(directory: configuration.migrationsDirectory)
        return try await withDatabase(configuration, logger: logger) { location in
            let migrator = Migrator(catalog: catalog, logger: logger)
            try await DatabaseBackup.restore(path, into: location, migrator: migrator)
            let applied = try await migrator.migrate(location)
            var missing: String?
            do {
                _ = try await MasterKeyring.load(
                    configured: configuration.masterKey,
                    dataDirectory: configuration.dataDirectory,
                    checkedAgainst: location
                )
            } catch let error as MissingMasterKey {
                missing = error.description
            }
            return Restored(appliedMigrations: applied, missingMasterKey: missing)
        }
    }

    /// Runs an administration command against Core: the same database as `serve` (a running
    /// embedded cluster is shared), migrated first so the command works on a fresh data directory.
    /// - Parameter keyring: how to get the master keys once the database is reached; by default,
    ///   the configured key and the data directory's key file, which must hold every key the
    ///   database's sealed keys name.
    public static func withCore<Result: Sendable>(
        _ configuration: ServerConfiguration,
        logger: Logger,
        keyring: (@Sendable () throws -> MasterKeyring)? = nil,
        _ body: @Sendable (CoreModule) async throws -> Result
    ) async throws -> Result {
        try await withModules(configuration, logger: logger, keyring: keyring) { core, _ in try await body(core) }
    }

    /// Runs an administration command against Social, composed as the server composes it.
    public static func withSocial<Result: Sendable>(
        _ configuration: ServerConfiguration,
        logger: Logger,
        _ body: @Sendable (SocialModule) async throws -> Result
    ) async throws -> Result {
        try await withModules(configuration, logger: logger, keyring: nil) { core, database in
            let social = SocialModule(
                core: core,
                database: database,
                settings: configuration.socialSettings,
                logger: logger
            )
            do {
                let result = try await body(social)
                try await social.shutdown()
                return result
            } catch {
                try? await social.shutdown()
                throw error
            }
        }
    }

    /// Runs an administration command against the marketplace, composed as the server composes it.
    public static func withMarketplace<Result: Sendable>(
        _ configuration: ServerConfiguration,
        logger: Logger,
        _ body: @Sendable (MarketplaceModule) async throws -> Result
    ) async throws -> Result {
        try await withModules(configuration, logger: logger, keyring: nil) { core, database in
            try await body(configuration.marketplace(core: core, database: database, logger: logger))
        }
    }

    /// Reaches and migrates the database, then runs `body` with Core over running pools.
    static func withModules<Result: Sendable>(
        _ configuration: ServerConfiguration,
        logger: Logger,
        keyring: (@Sendable () throws -> MasterKeyring)?,
        _ body: @Sendable (CoreModule, Database) async throws -> Result
    ) async throws -> Result {
        let catalog = try MigrationCatalog(directory: configuration.migrationsDirectory)
        return try await withDatabase(configuration, logger: logger) { location in
            try await Migrator(catalog: catalog, logger: logger).migrate(location)
            let masterKeys: MasterKeyring
            if let keyring {
                masterKeys = try keyring()
            } else {
                masterKeys = try await MasterKeyring.load(
                    configured: configuration.masterKey,
                    dataDirectory: configuration.dataDirectory,
                    checkedAgainst: location
                )
            }
            return try await Database(location: location, connectionsPerModule: 2, logger: logger).withRunningPools { database in
                try await body(CoreModule(database: database, masterKeys: masterKeys, logger: logger), database)
            }
        }
    }

    /// Finds or starts the database, runs `body`, and stops an embedded cluster this process
    /// owns afterwards, whether `body` returned or threw. A signal that arrives while the
    /// cluster is still starting ends the process cleanly once the start has finished.
    static func withDatabase<Result: Sendable>(
        _ configuration: ServerConfiguration,
        logger: Logger,
        _ body: (DatabaseLocation) async throws -> Result
    ) async throws -> Result {
        if let location = configuration.database {
            // Reach the server before anything else, so a wrong URL fails in one line and
            // nothing is written anywhere.
            try await Database.checkReachable(location)
            return try await body(location)
        }
        let cluster = EmbeddedCluster(dataDirectory: configuration.dataDirectory, logger: logger)
        let earlySignal = Task {
            for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) { return Optional(signal) }
            return nil
        }
        do {
            try await cluster.start()
        } catch {
            earlySignal.cancel()
            throw error
        }
        earlySignal.cancel()
        if let signal = await earlySignal.value {
            logger.info("received \(signal) during start-up; stopping")
            try await cluster.stop()
            throw CancellationError()
        }
        let location = cluster.location
        do {
            try await Database.createDatabase(location.database, on: location)
            let result = try await body(location)
            try await cluster.stop()
            return result
        } catch {
            try? await cluster.stop()
            throw error
        }
    }
}
