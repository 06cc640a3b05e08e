import Foundation
import Logging
import PostgresNIO
import ScribeTestFixtures
import ScribeTestSupport
import Testing

@testable import ScribeStorage

@Suite("Applying migrations to a real PostgreSQL")
struct MigratorTests {
    let logger = TestLogger.make("migrator")

    /// Runs `body` on a new database with no migrations applied, dropped afterwards.
    func withEmptyDatabase(_ body: (DatabaseLocation) async throws -> Void) async throws {
        let location = try await TestDatabases.shared.makeEmptyDatabase()
        defer { Task { try? await TestDatabases.shared.drop(location) } }
        try await body(location)
    }

    func appliedCount(_ location: DatabaseLocation) async throws -> Int {
        try await Database.withConnection(to: location) { connection in
            let exists = try await connection.query("SELECT to_regclass('storage.schema_migrations') IS NOT NULL", logger: logger)
                .decode(Bool.self).reduce(false) { $0 || $1 }
            guard exists else { return 0 }
            return try await connection.query("SELECT count(*)::int FROM storage.schema_migrations", logger: logger)
                .decode(Int.self).reduce(0, +)
        }
    }

    @Test("applies every migration once, records it, and applies nothing the second time")
    func appliesOnce() async throws {
        let catalog = try MigrationCatalog(directory: TestPaths.migrationsDirectory)
        try await withEmptyDatabase { location in
            let migrator = Migrator(catalog: catalog, logger: logger)
            let first = try await migrator.migrate(location)
            #expect(first == catalog.migrations.map(\.identifier))
            let second = try await migrator.migrate(location)
            #expect(second.isEmpty)
            #expect(try await appliedCount(location) == catalog.migrations.count)
        }
    }

    @Test("eight migrators starting together apply each migration exactly once")
    func concurrentMigratorsApplyOnce() async throws {
        let catalog = try MigrationCatalog(directory: TestPaths.migrationsDirectory)
        try await withEmptyDatabase { location in
            let applied = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await Migrator(catalog: catalog, logger: logger).migrate(location).count }
                }
                return try await group.reduce(0, +)
            }
            #expect(applied == catalog.migrations.count)
            #expect(try await appliedCount(location) == catalog.migrations.count)
        }
    }

    @Test("a failing migration rolls back the whole run: no table, no record")
    func failureRollsBackEverything() async throws {
        let root = try temporaryMigrations([
            ("core", "0001_good.sql", "CREATE TABLE core.first_table (id int);"),
            ("core", "0002_bad.sql", "CREATE TABLE core.second_table (id int);\nCREATE TABEL oops (x int);"),
        ])
        try await withEmptyDatabase { location in
            let migrator = Migrator(catalog: try MigrationCatalog(directory: root), logger: logger)
            do {
                try await migrator.migrate(location)
                Issue.record("the broken migration was applied")
            } catch {
                #expect("\(error)".contains("core/0002_bad.sql"))
            }
            let leftovers = try await Database.withConnection(to: location) { connection in
                try await connection.query(
                    "SELECT count(*)::int FROM pg_tables WHERE tablename IN ('first_table', 'second_table', 'schema_migrations')",
                    logger: logger
                ).decode(Int.self).reduce(0, +)
            }
            #expect(leftovers == 0)
        }
    }

    @Test("a migration edited after it was applied stops the run and makes the status diverged")
    func editedMigrationIsRefused() async throws {
        let original = try temporaryMigrations([("core", "0001_table.sql", "CREATE TABLE core.t (id int);")])
        let edited = try temporaryMigrations([("core", "0001_table.sql", "CREATE TABLE core.t (id bigint);")])
        try await withEmptyDatabase { location in
            try await Migrator(catalog: try MigrationCatalog(directory: original), logger: logger).migrate(location)
            let migrator = Migrator(catalog: try MigrationCatalog(directory: edited), logger: logger)
            await #expect(throws: StorageError.self) { try await migrator.migrate(location) }
            let status = try await Database(location: location, connectionsPerModule: 1, logger: logger).withRunningPools { database in
                try await migrator.status(database)
            }
            guard case .diverged(let reason) = status else {
                Issue.record("expected a diverged status, got \(status)")
                return
            }
            #expect(reason.contains("core/0001_table"))
        }
    }

    @Test("the status lists what is pending on a database behind the catalog")
    func reportsPending() async throws {
        let one = try temporaryMigrations([("core", "0001_a.sql", "CREATE TABLE core.a (id int);")])
        let two = try temporaryMigrations([
            ("core", "0001_a.sql", "CREATE TABLE core.a (id int);"), ("social", "0001_b.sql", "CREATE TABLE social.b (id int);"),
        ])
        try await withEmptyDatabase { location in
            try await Migrator(catalog: try MigrationCatalog(directory: one), logger: logger).migrate(location)
            let status = try await Database(location: location, connectionsPerModule: 1, logger: logger).withRunningPools { database in
                try await Migrator(catalog: try MigrationCatalog(directory: two), logger: logger).status(database)
            }
            #expect(status == .pending(["social/0001_b"]))
        }
    }

    /// Whether `index` exists in `schema` and is valid (a failed concurrent build leaves it invalid).
    func indexIsValid(_ index: String, schema: String, _ location: DatabaseLocation) async throws -> Bool? {
        try await Database.withConnection(to: location) { connection in
            try await connection.query(
                """
                SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = \(schema) AND c.relname = \(index)
                """,
                logger: logger
            ).decode(Bool.self).reduce(nil as Bool?) { $1 }
        }
    }

    @Test(
        "a migration marked to run outside a transaction builds its index concurrently, between the files before and after it, once among eight migrators"
    )
    func outsideTransaction() async throws {
        let root = try temporaryMigrations([
            (
                "core", "0001_table.sql",
                "CREATE TABLE core.items (id int, name text);\nINSERT INTO core.items SELECT n, 'item ' || n FROM generate_series(1, 5000) n;"
            ),
            (
                "core", "0002_index.sql",
                "\(Migration.outsideTransactionMarker)\n-- Built without stopping writes.\nCREATE INDEX CONCURRENTLY IF NOT EXISTS items_name ON core.items (name);"
            ),
            ("core", "0003_after.sql", "ALTER TABLE core.items ADD COLUMN note text;"),
        ])
        let catalog = try MigrationCatalog(directory: root)
        #expect(catalog.migrations.map(\.runsOutsideTransaction) == [false, true, false])
        try await withEmptyDatabase { location in
            let applied = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<8 { group.addTask { try await Migrator(catalog: catalog, logger: logger).migrate(location) } }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(applied.sorted() == ["core/0001_table", "core/0002_index", "core/0003_after"])
            #expect(try await indexIsValid("items_name", schema: "core", location) == true)
            let status = try await Database(location: location, connectionsPerModule: 1, logger: logger).withRunningPools { database in
                try await Migrator(catalog: catalog, logger: logger).status(database)
            }
            #expect(status == .current)
        }
    }

    @Test("a concurrent index build that failed leaves nothing recorded; once the data is fixed, the next run drops the invalid index and builds it")
    func failedConcurrentBuildIsRetried() async throws {
        let root = try temporaryMigrations([
            ("core", "0001_table.sql", "CREATE TABLE core.names (name text);\nINSERT INTO core.names VALUES ('twice'), ('twice'), ('once');"),
            (
                "core", "0002_unique.sql",
                "\(Migration.outsideTransactionMarker)\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS names_unique ON core.names (name);"
            ),
        ])
        let migrator = Migrator(catalog: try MigrationCatalog(directory: root), logger: logger)
        try await withEmptyDatabase { location in
            do {
                try await migrator.migrate(location)
                Issue.record("a unique index was built over duplicates")
            } catch {
                #expect("\(error)".contains("core/0002_unique.sql"))
            }
            #expect(try await appliedCount(location) == 1)
            #expect(try await indexIsValid("names_unique", schema: "core", location) == false)
            try await Database.withConnection(to: location) { connection in
                _ = try await connection.query(
                    "DELETE FROM core.names WHERE ctid = (SELECT min(ctid) FROM core.names WHERE name = 'twice')",
                    logger: logger
                )
            }
            #expect(try await migrator.migrate(location) == ["core/0002_unique"])
            #expect(try await indexIsValid("names_unique", schema: "core", location) == true)
        }
    }

    @Test("the index a CREATE INDEX CONCURRENTLY statement names")
    func concurrentlyBuiltIndexName() {
        #expect(Migrator.concurrentlyBuiltIndex(in: "CREATE INDEX CONCURRENTLY IF NOT EXISTS items_name ON core.items (name)") == "items_name")
        #expect(Migrator.concurrentlyBuiltIndex(in: "create unique index concurrently core.a_b on core.t (x)") == "a_b")
        #expect(Migrator.concurrentlyBuiltIndex(in: "CREATE INDEX items_name ON core.items (name)") == nil)
        #expect(Migrator.concurrentlyBuiltIndex(in: "CREATE INDEX CONCURRENTLY ON core.items (name)") == nil)
    }
}
