import Foundation
import Logging
import PostgresNIO
import ScribeStorage
import ScribeTestFixtures

#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL every test runs against: one embedded cluster per test run, started by the
/// same ``EmbeddedCluster`` launcher `scribe serve` uses, and a fresh database per test, cloned
/// from a template that was migrated once. Tests are therefore isolated and may run in parallel.
///
/// The cluster lives in `.build/scribe-test-cluster` (or `SCRIBE_TEST_DATA_DIR`), is reused by
/// the next run, and is stopped when the test process exits.
public actor TestDatabases {
    public static let shared = TestDatabases()

    private var server: Task<DatabaseLocation, any Error>?
    private var template: Task<String, any Error>?
    /// How many databases are being created or dropped now, and who waits for a turn.
    private var administering = 0
    private var waitingToAdminister: [CheckedContinuation<Void, Never>] = []

    /// Database creations and drops that may run at once. The whole suite starts together on two
    /// cores; unbounded, a few dozen `CREATE DATABASE`s at once made the cluster slow to accept
    /// any connection, and a test's own connection ran out of its 5 s (CI, 2026-12-06).
    private static let administrationWidth = 4

    /// Starts the cluster on first use; later calls return at once.
    public func serverLocation() async throws -> DatabaseLocation {
        if let server { return try await server.value }
        let task = Task { try await Self.startCluster() }
        server = task
        return try await task.value
    }

    /// A new, fully migrated database of its own.
    public func makeDatabase() async throws -> DatabaseLocation {
        let server = try await serverLocation()
        let template = try await migratedTemplate(on: server)
        let name = "scribe_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await administering {
            try await Self.retryingWhileTemplateBusy {
                try await Database.createDatabase(name, template: template, on: server, timeoutSeconds: Self.connectTimeout)
            }
        }
        return server.with(database: name)
    }

    /// A new database with nothing in it, not even migrations: for migration tests.
    public func makeEmptyDatabase() async throws -> DatabaseLocation {
        let server = try await serverLocation()
        let name = "scribe_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await administering {
            try await Database.createDatabase(name, on: server, timeoutSeconds: Self.connectTimeout)
        }
        return server.with(database: name)
    }

    public func drop(_ location: DatabaseLocation) async throws {
        try await administering {
            try await Database.dropDatabase(location.database, on: location, timeoutSeconds: Self.connectTimeout)
        }
    }

    /// Runs `body` once fewer than ``administrationWidth`` creations or drops are under way.
    private func administering(_ body: () async throws -> Void) async throws {
        if administering >= Self.administrationWidth {
            await withCheckedContinuation { waitingToAdminister.append($0) }
        } else {
            administering += 1
        }
        defer {
            if waitingToAdminister.isEmpty { administering -= 1 } else { waitingToAdminister.removeFirst().resume() }
        }
        try await body()
    }

    /// How long the administrative connections that create and drop test databases may take to
    /// open. The whole suite starts at once on two cores, beside Chromium and PostgreSQL copying
    /// templates: CI once saw 5 s run out (2026-11-27).
    private static let connectTimeout: Int64 = 60

    private func migratedTemplate(on server: DatabaseLocation) async throws -> String {
        if let template { return try await template.value }
        let task = Task {
            let catalog = try MigrationCatalog(directory: TestPaths.migrationsDirectory)
            let fingerprint = catalog.migrations.map(\.checksum).joined().utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) {
                ($0 ^ UInt64($1)) &* 0x100_0000_01b3
            }
            let name = "scribe_template_\(String(fingerprint, radix: 36))"
            try await Database.createDatabase(name, on: server, timeoutSeconds: Self.connectTimeout)
            try await Migrator(catalog: catalog, logger: TestLogger.make("template")).migrate(server.with(database: name))
            return name
        }
        template = task
        return try await task.value
    }

    private static func startCluster() async throws -> DatabaseLocation {
        let directory = ProcessInfo.processInfo.environment["SCRIBE_TEST_DATA_DIR"] ?? TestPaths.packageRoot + "/.build/scribe-test-cluster"
        // Tests run many databases at once, each with a pool per module.
        let cluster = EmbeddedCluster(dataDirectory: directory, maxConnections: 1000, logger: TestLogger.make("cluster"))
        try await cluster.start()
        if await cluster.isOwner {
            clusterDirectoryToStop = directory
            atexit { if let directory = clusterDirectoryToStop { EmbeddedCluster.stopSynchronously(dataDirectory: directory) } }
        }
        let location = cluster.location
        try await relaxDurability(on: location)
        try await dropLeftovers(on: location)
        try await Database.createDatabase(location.database, on: location)
        return location
    }

    /// The test cluster is thrown away, and no test crashes the machine under it: it need not wait
    /// for the disk. Without `fsync`, a database copied from the template costs memory, not
    /// seconds of I/O. A commit is still written before it returns, so a test that kills a server
    /// or restarts PostgreSQL still finds every acknowledged row (the fault tests that restart
    /// PostgreSQL run a cluster of their own anyway).
    private static func relaxDurability(on server: DatabaseLocation) async throws {
        try await Database.withConnection(to: server.with(database: "postgres")) { connection in
            try await connection.query("ALTER SYSTEM SET fsync = off", logger: connection.logger)
            try await connection.query("ALTER SYSTEM SET full_page_writes = off", logger: connection.logger)
            try await connection.query("SELECT pg_reload_conf()", logger: connection.logger)
        }
    }

    /// Removes the databases of earlier runs that ended before cleaning up.
    private static func dropLeftovers(on server: DatabaseLocation) async throws {
        let names = try await Database.withConnection(to: server.with(database: "postgres")) { connection in
            var names: [String] = []
            let rows = try await connection.query(
                "SELECT datname FROM pg_database WHERE datname LIKE 'scribe\\_test\\_%' AND (SELECT count(*) FROM pg_stat_activity a WHERE a.datname = pg_database.datname) = 0",
                logger: connection.logger
            )
            for try await name in rows.decode(String.self) { names.append(name) }
            return names
        }
        for name in names { try await Database.dropDatabase(name, on: server) }
    }

    /// `CREATE DATABASE ... TEMPLATE` fails while another session is still leaving the template.
    private static func retryingWhileTemplateBusy(_ body: () async throws -> Void) async throws {
        for attempt in 1...20 {
            do {
                return try await body()
            } catch let error as StorageError where error.description.contains("SQLSTATE 55006") && attempt < 20 {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}

/// Set once, read by the `atexit` handler (which cannot capture context).
nonisolated(unsafe) private var clusterDirectoryToStop: String?

/// Runs `body` with a fresh migrated database and drops it afterwards, pass or fail.
///
/// Dropping is clean-up, not what the test checks: a drop that fails (PostgreSQL bounds it with
/// ``Database/administrationStatementTimeout``) is reported on standard error with its reason, and
/// the database is left for the next run's start to remove.
public func withTestDatabase<Result: Sendable>(_ body: (DatabaseLocation) async throws -> Result) async throws -> Result {
    let location = try await TestDatabases.shared.makeDatabase()
    let result: Result
    do {
        result = try await body(location)
    } catch {
        await dropReportingFailure(location)
        throw error
    }
    await dropReportingFailure(location)
    return result
}

private func dropReportingFailure(_ location: DatabaseLocation) async {
    do {
        try await TestDatabases.shared.drop(location)
    } catch {
        FileHandle.standardError.write(Data("scribe tests: \(error); the database is left for the next run\n".utf8))
    }
}

/// Runs `body` with the module pools of a fresh migrated database, running for its duration.
public func withTestPools<Result: Sendable>(_ body: @Sendable (Database) async throws -> Result) async throws -> Result {
    try await withTestDatabase { location in
        try await Database(location: location, connectionsPerModule: 4, logger: TestLogger.make("pools")).withRunningPools(body)
    }
}
