import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import ServiceLifecycle

/// The connection pools of one Scribe process: one per module, each assuming that module's
/// role, plus a small pool as the login user for migrations and readiness checks.
///
/// The pools open when it runs (``run(applying:)``) and close when that task is cancelled, which
/// a server does after the HTTP server has drained (service groups stop services in reverse
/// order). A module's pool opens only once the schema is current: its connections assume the
/// module's role, which the first migration creates, so a pool opened earlier would fail every
/// connection until then (`role "scribe_social" does not exist`).
public final class Database: Service, Sendable {
    public let location: DatabaseLocation
    /// The login user itself: owner of the schemas, used by migrations and health checks only.
    public let owner: PostgresClient
    private let modulePools: [ModuleSchema: PostgresClient]
    /// Each module's pools on the streaming replicas, if any are configured.
    private let replicaPools: [ModuleSchema: [PostgresClient]]
    private let lagTolerant: [ModuleSchema: LagTolerantReads]
    /// Opens when the module pools run; fails if the migrations that must come first fail.
    private let modulePoolsOpen = Latch()
    private let logger: Logger
    /// What this process hears about changes, for what it keeps in memory.
    public let changes = ChangeNotices()

    /// Connections each module's pool may open, unless told otherwise.
    public static let defaultConnectionsPerModule = 10

    /// - Parameter schemas: the schemas this process's modules use; it has pools for these only,
    ///   so a process running one module holds no connection that could reach another's tables.
    /// - Parameter replicas: streaming replicas of `location` (`SCRIBE_DATABASE_REPLICA_URLS`),
    ///   for the reads a module names as tolerating a second of lag (``lagTolerantReads(for:)``).
    public init(
        location: DatabaseLocation,
        replicas: [DatabaseLocation] = [],
        connectionsPerModule: Int = Database.defaultConnectionsPerModule,
        schemas: [ModuleSchema] = ModuleSchema.all,
        logger: Logger
    ) {
        self.location = location
        self.logger = logger
        self.owner = PostgresClient(configuration: location.clientConfiguration(role: nil, maximumConnections: 2), backgroundLogger: logger)
        func pools(on location: DatabaseLocation, application: String) -> [ModuleSchema: PostgresClient] {
            var pools: [ModuleSchema: PostgresClient] = [:]
            for schema in schemas {
                pools[schema] = PostgresClient(
                    configuration: location.clientConfiguration(
                        role: schema.role,
                        application: application,
                        maximumConnections: connectionsPerModule
                    ),
                    backgroundLogger: logger
                )
            }
            return pools
        }
        self.modulePools = pools(on: location, application: "scribe")
        var replicaPools: [ModuleSchema: [PostgresClient]] = [:]
        for replica in replicas {
            for (schema, pool) in pools(on: replica, application: "scribe-replica") { replicaPools[schema, default: []].append(pool) }
        }
        self.replicaPools = replicaPools
        self.lagTolerant = modulePools.reduce(into: [:]) { reads, entry in
            reads[entry.key] = LagTolerantReads(primary: entry.value, replicas: replicaPools[entry.key] ?? [], logger: logger)
        }
    }

    /// The pool a module uses: every connection in it runs as `schema.role`. Asking for a schema
    /// the process was not built with is a programming error.
    public func pool(for schema: ModuleSchema) -> PostgresClient {
        guard let pool = modulePools[schema] else { preconditionFailure("this process has no pool for the \(schema) schema") }
        return pool
    }

    /// Where a module's reads that tolerate a second of lag go: its pools on the streaming
    /// replicas when there are any, else its own pool.
    public func lagTolerantReads(for schema: ModuleSchema) -> LagTolerantReads {
        guard let reads = lagTolerant[schema] else { preconditionFailure("this process has no pool for the \(schema) schema") }
        return reads
    }

    /// Runs the pools of a database whose schema is already current, until cancelled.
    public func run() async throws {
        try await run(applying: nil)
    }

    /// Runs the pools until cancelled. With a `migrator`, the owner's pool opens first, pending
    /// migrations apply (creating each module's role and schema), and only then do the module
    /// pools open; work that needs them waits with ``waitUntilOpen()``. A failed migration
    /// throws here, and every waiter gets the same error.
    public func run(applying migrator: Migrator?) async throws {
        try await run(applying: migrator, announcingEachStart: {})
    }

    /// Returns once the module pools run, so the first query cannot reach a pool that is not
    /// open yet; throws the migration failure that kept them shut, or `CancellationError`.
    public func waitUntilOpen() async throws {
        try await modulePoolsOpen.wait()
    }

    private var modulePoolsInOrder: [PostgresClient] {
        ModuleSchema.all.compactMap { modulePools[$0] } + ModuleSchema.all.flatMap { replicaPools[$0] ?? [] }
    }

    /// Runs every pool; `announce` is called in each pool's task just before it starts.
    private func run(applying migrator: Migrator?, announcingEachStart announce: @escaping @Sendable () -> Void) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                announce()
                await self.owner.run()
            }
            if let migrator {
                do {
                    try await migrator.migrate(location)
                } catch {
                    modulePoolsOpen.fail(error)
                    throw error
                }
            }
            for client in modulePoolsInOrder {
                group.addTask {
                    announce()
                    await client.run()
                }
            }
            modulePoolsOpen.open()
        }
    }

    /// Runs the pools for the duration of `body`: for commands and tests that are not part of
    /// a service group, on a database already migrated. `body` starts once every pool has
    /// started, so its first query does not race the pools' start.
    public func withRunningPools<Result: Sendable>(_ body: @Sendable (Database) async throws -> Result) async throws -> Result {
        let (starts, announced) = AsyncStream<Void>.makeStream()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.run(applying: nil, announcingEachStart: { announced.yield() }) }
            defer { group.cancelAll() }
            var started = 0
            for await _ in starts {
                started += 1
                if started == 1 + modulePoolsInOrder.count { break }
            }
            return try await body(self)
        }
    }

    /// Connections to this database by module role and state (`active`, `idle`, …), across every
    /// Scribe process on it: how full the pools are. Each pool names itself `scribe-<role>`.
    public func connectionCounts() async throws -> [(role: String, state: String, count: Int)] {
        let rows = try await owner.query(
            """
            SELECT substr(application_name, 8), coalesce(state, 'unknown'), count(*)::int FROM pg_stat_activity
            WHERE datname = current_database() AND application_name LIKE 'scribe-%' GROUP BY 1, 2
            """,
            logger: logger
        )
        var counts: [(role: String, state: String, count: Int)] = []
        for try await (role, state, count) in rows.decode((String, String, Int).self) { counts.append((role, state, count)) }
        return counts
    }

    /// Opens and closes one connection, so start-up can fail fast with a clear reason instead of
    /// pools retrying in the background.
    public static func checkReachable(_ location: DatabaseLocation) async throws(StorageError) {
        do {
            try await withConnection(to: location) { _ in }
        } catch {
            throw .databaseUnreachable("\(location.redacted): \(Self.reason(error))")
        }
    }

    /// Runs `body` on a single connection outside any pool: for start-up checks and for
    /// administration that must not hold a pooled connection (creating databases).
    ///
    /// - Parameter statementTimeoutSeconds: when set, the server cancels any statement on this
    ///   connection that runs longer, so a statement stuck behind a lock or a barrier ends with an
    ///   error that names it instead of waiting for ever.
    public static func withConnection<Result>(
        to location: DatabaseLocation,
        timeoutSeconds: Int64 = 5,
        statementTimeoutSeconds: Int? = nil,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        var quiet = Logger(label: "scribe.database.connection")
        quiet.logLevel = .critical
        var configuration: PostgresConnection.Configuration
        switch location.endpoint {
        case .tcp(let host, let port, let tls):
            configuration = .init(
                host: host,
                port: port,
                username: location.username,
                password: location.password,
                database: location.database,
                tls: try tls.connectionTLS()
            )
        case .unixSocket(let path):
            configuration = .init(unixSocketPath: path, username: location.username, password: location.password, database: location.database)
        }
        configuration.options.connectTimeout = .seconds(timeoutSeconds)
        if let statementTimeoutSeconds {
            configuration.options.additionalStartupParameters = [("options", "-c statement_timeout=\(statementTimeoutSeconds)s")]
        }
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: quiet)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Creates `name` (optionally as a copy of `template`) unless it exists. Used for the
    /// embedded cluster's database and for the per-test databases; safe when several processes
    /// create the same database at once. `timeoutSeconds` bounds the connection's set-up: a test
    /// run that starts hundreds of databases on two cores needs more than a server's start-up.
    /// The statement itself may take ``administrationStatementTimeout`` seconds.
    public static func createDatabase(
        _ name: String,
        template: String? = nil,
        on server: DatabaseLocation,
        timeoutSeconds: Int64 = 5
    ) async throws(StorageError) {
        do {
            try await withConnection(
                to: server.with(database: "postgres"),
                timeoutSeconds: timeoutSeconds,
                statementTimeoutSeconds: administrationStatementTimeout
            ) { connection in
                let exists =
                    try await connection.query("SELECT count(*) FROM pg_database WHERE datname = \(name)", logger: connection.logger)
                    .decode(Int.self).reduce(0, +) > 0
                guard !exists else { return }
                let templateClause = template.map { " TEMPLATE \(quoteIdentifier($0))" } ?? ""
                do {
                    try await connection.query(
                        PostgresQuery(unsafeSQL: "CREATE DATABASE \(quoteIdentifier(name))\(templateClause)"),
                        logger: connection.logger
                    )
                } catch let error as PSQLError where ["42P04", "23505"].contains(error.serverInfo?[.sqlState]) {
                    // Created by another process at the same moment: duplicate_database, or the
                    // unique index of pg_database when both got past the check together.
                }
            }
        } catch {
            throw .databaseUnreachable("cannot create database \(name) on \(server.redacted): \(reason(error))")
        }
    }

    /// Drops `name`, disconnecting anyone still using it. PostgreSQL 15 waits for a checkpoint and
    /// for every backend of the cluster to acknowledge the drop (a `ProcSignalBarrier`, which its
    /// own sources say "can take arbitrarily long"); the drop is therefore bounded by
    /// ``administrationStatementTimeout`` too.
    public static func dropDatabase(_ name: String, on server: DatabaseLocation, timeoutSeconds: Int64 = 5) async throws(StorageError) {
        do {
            try await withConnection(
                to: server.with(database: "postgres"),
                timeoutSeconds: timeoutSeconds,
                statementTimeoutSeconds: administrationStatementTimeout
            ) { connection -> Void in
                try await connection.query(
                    PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(quoteIdentifier(name)) WITH (FORCE)"),
                    logger: connection.logger
                )
            }
        } catch {
            throw .databaseUnreachable("cannot drop database \(name) on \(server.redacted): \(reason(error))")
        }
    }

    /// How long `CREATE DATABASE` and `DROP DATABASE` may run: far beyond what either takes on a
    /// busy machine (a few seconds), short of a hang.
    public static let administrationStatementTimeout = 120

    /// A double-quoted SQL identifier.
    public static func quoteIdentifier(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The human part of a PostgresNIO error: its server message or underlying cause. The
    /// error's own description is deliberately generic, to keep query data out of logs.
    public static func reason(_ error: any Error) -> String {
        if let error = error as? PostgresTransactionError {
            return reason(error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError ?? error)
        }
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] {
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return message + state
        }
        if let underlying = error.underlying { return connectionFailure(underlying) }
        return "\(error.code)"
    }

    /// Whether `error` only says that the work was called off: the task doing it was cancelled
    /// (the server is stopping, or the request that asked for it has gone), and a wait or a query
    /// ended because of that. Such an ending is expected, so callers neither log it as a fault nor
    /// count it against what they were doing.
    public static func isCancellation(_ error: any Error) -> Bool {
        if Task.isCancelled || error is CancellationError { return true }
        if let error = error as? PostgresTransactionError {
            return [error.closureError, error.beginError, error.commitError].contains { $0.map(isCancellation) ?? false }
        }
        return (error as? PSQLError)?.code == .queryCancelled
    }

    /// "connection refused" rather than NIO's nested failure records.
    private static func connectionFailure(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError {
            if let dnsError = error.dnsAError ?? error.dnsAAAAError { return "cannot resolve \(error.host): \(dnsError)" }
            if let first = error.connectionErrors.first { return connectionFailure(first.error) }
        }
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)).lowercased() }
        return "\(error)"
    }
}

extension DatabaseLocation.TLSMode {
    fileprivate var clientTLS: PostgresClient.Configuration.TLS {
        switch self {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }

    fileprivate func connectionTLS() throws -> PostgresConnection.Configuration.TLS {
        switch self {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }
}

extension DatabaseLocation {
    /// Pool settings for this location. With a `role`, every connection assumes it at start-up
    /// (`options=-c role=...`), so queries run with that role's privileges only.
    fileprivate func clientConfiguration(role: String?, application: String = "scribe", maximumConnections: Int) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        switch endpoint {
        case .tcp(let host, let port, let tls):
            configuration = .init(host: host, port: port, username: username, password: password, database: database, tls: tls.clientTLS)
        case .unixSocket(let path):
            configuration = .init(unixSocketPath: path, username: username, password: password, database: database)
        }
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        // An idle connection closes after 20 s, before its keep-alive query would run (every
        // 30 s): an idle server sends PostgreSQL nothing, and reconnecting costs milliseconds.
        configuration.options.connectionIdleTimeout = .seconds(20)
        // The application name lets `connectionCounts()` tell the pools apart.
        configuration.options.additionalStartupParameters = [("application_name", "\(application)-\(role ?? "owner")")]
        if let role { configuration.options.additionalStartupParameters.append(("options", "-c role=\(role)")) }
        return configuration
    }
}
