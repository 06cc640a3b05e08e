import Foundation
import Logging
import PostgresNIO

/// Applies the catalog's pending migrations and reports whether a database is current.
///
/// Guarantees:
/// - Pending migrations apply in one transaction that first takes a transaction-scoped
///   advisory lock, so several Scribe processes starting at once apply each file exactly once:
///   the others wait, then find nothing pending.
/// - A failing file rolls back everything that transaction did; nothing is half-applied.
/// - The exception is a file marked ``Migration/outsideTransactionMarker``, for what PostgreSQL
///   cannot do in a transaction (`CREATE INDEX CONCURRENTLY`, which keeps the table writable
///   while the index builds). The files before it commit first; it runs alone under a lock of
///   its own and is recorded only once every statement succeeded; then the files after it run.
///   Its statements must be repeatable (`IF NOT EXISTS`), because a failed run starts over.
/// - Applied files are recorded with their checksum in `storage.schema_migrations` and never
///   re-run; an applied file whose text changed stops the run.
/// - Each module's role and schema exist afterwards with privileges on that schema only
///   (created here when the login user may create roles; see `docs/database.md` otherwise).
public struct Migrator: Sendable {
    /// Advisory lock key: "SCRIBEMG" as a big-endian 64-bit integer.
    static let lockKey: Int64 = 0x5343_5249_4245_4D47
    /// Advisory lock key of migrations run outside a transaction: "SCRIBEMC".
    static let outsideTransactionLockKey: Int64 = 0x5343_5249_4245_4D43

    public let catalog: MigrationCatalog
    let logger: Logger

    public init(catalog: MigrationCatalog, logger: Logger) {
        self.catalog = catalog
        self.logger = logger
    }

    /// What a database has compared with the catalog.
    public enum Status: Sendable, Equatable {
        case current
        case pending([String])
        case diverged(String)
    }

    /// Applies what is pending, on a connection of its own as the login user. Returns the
    /// identifiers of the migrations this call applied.
    ///
    /// The connection may take 30 s to open: by now the server has found the database
    /// reachable (``Database/checkReachable(_:)`` fails fast), and a busy database that is slow to
    /// accept one more connection is no reason to refuse to start (seen under load as
    /// "Connect timeout (5 s)" on a start that would have succeeded).
    @discardableResult
    public func migrate(_ location: DatabaseLocation) async throws(StorageError) -> [String] {
        do {
            return try await Database.withConnection(to: location, timeoutSeconds: 30) { connection in
                try await migrate(on: connection)
            }
        } catch let error as PostgresTransactionError {
            if let storageError = error.closureError as? StorageError { throw storageError }
            throw .migrationFailed(Database.reason(error))
        } catch let error as StorageError {
            throw error
        } catch {
            throw .migrationFailed(Database.reason(error))
        }
    }

    /// Applies pending migrations in catalog order: every run of ordinary files in one
    /// transaction, and each file marked ``Migration/outsideTransactionMarker`` on its own.
    private func migrate(on connection: PostgresConnection) async throws -> [String] {
        var appliedNow: [String] = []
        while true {
            let (applied, outside) = try await applyInTransaction(on: connection)
            appliedNow += applied
            guard let outside else { return appliedNow }
            if try await applyOutsideTransaction(outside, on: connection) { appliedNow.append(outside.identifier) }
        }
    }

    /// Applies, in one transaction under the migration lock, the pending migrations up to the
    /// first that must run outside a transaction, which it returns (nil when none is pending).
    private func applyInTransaction(on connection: PostgresConnection) async throws -> ([String], Migration?) {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
            try await run(Self.historyTableSQL, on: connection)
            try await provisionRoles(on: connection)
            try await provisionSchemas(on: connection)
            let applied = try await appliedChecksums(on: connection)
            if case .diverged(let reason) = compare(applied) { throw StorageError.migrationFailed(reason) }
            var appliedNow: [String] = []
            var outside: Migration?
            for migration in catalog.migrations where applied[migration.identifier] == nil {
                if migration.runsOutsideTransaction {
                    outside = migration
                    break
                }
                logger.info("applying migration", metadata: ["migration": .string(migration.identifier)])
                do {
                    try await run("SET LOCAL search_path TO \(migration.schema.name), pg_catalog;\n" + migration.sql, on: connection)
                } catch {
                    throw StorageError.migrationFailed("\(migration.identifier).sql: \(Database.reason(error))")
                }
                try await record(migration, on: connection)
                appliedNow.append(migration.identifier)
            }
            try await run("RESET search_path;\n" + grantsSQL, on: connection)
            return (appliedNow, outside)
        }
    }

    /// Runs a migration that cannot run in a transaction (`CREATE INDEX CONCURRENTLY`), statement
    /// by statement, and records it once all of them succeeded. Returns false when another
    /// process applied it meanwhile.
    ///
    /// Its own lock is taken with `pg_try_advisory_lock`, polled, never waited on inside a
    /// statement: a concurrent index build waits for every transaction older than itself, and a
    /// process blocked on a lock inside one would wait for the build in turn. A file that failed
    /// half-way runs again from its first statement, so its statements must be repeatable
    /// (`IF NOT EXISTS`); an index a failed concurrent build left invalid is dropped first.
    private func applyOutsideTransaction(_ migration: Migration, on connection: PostgresConnection) async throws -> Bool {
        while try await
            !(connection.query("SELECT pg_try_advisory_lock(\(Self.outsideTransactionLockKey))", logger: logger).decode(Bool.self)
            .reduce(false) { $0 || $1 })
        {
            try await Task.sleep(for: .milliseconds(200))
        }
        do {
            let applied = try await appliedChecksums(on: connection)
            guard applied[migration.identifier] == nil else {
                try await unlockOutsideTransaction(on: connection)
                return false
            }
            logger.info("applying migration outside a transaction", metadata: ["migration": .string(migration.identifier)])
            try await connection.query(PostgresQuery(unsafeSQL: "SET search_path TO \(migration.schema.name), pg_catalog"), logger: logger)
            do {
                for statement in SQLScript.statements(in: migration.sql) {
                    if let index = Self.concurrentlyBuiltIndex(in: statement) {
                        try await dropIfInvalid(index, schema: migration.schema, on: connection)
                    }
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
            } catch {
                throw StorageError.migrationFailed("\(migration.identifier).sql: \(Database.reason(error))")
            }
            try await connection.query("RESET search_path", logger: logger)
            try await connection.withTransaction(logger: logger) { connection in
                try await record(migration, on: connection)
                try await run(grantsSQL, on: connection)
            }
            try await unlockOutsideTransaction(on: connection)
            return true
        } catch {
            try? await connection.query("RESET search_path", logger: logger)
            try? await unlockOutsideTransaction(on: connection)
            throw error
        }
    }

    private func unlockOutsideTransaction(on connection: PostgresConnection) async throws {
        try await connection.query("SELECT pg_advisory_unlock(\(Self.outsideTransactionLockKey))", logger: logger)
    }

    /// The name of the index a `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name` statement
    /// builds, if it is one.
    static func concurrentlyBuiltIndex(in statement: String) -> String? {
        let words = statement.split(whereSeparator: \.isWhitespace).map { $0.lowercased() }
        guard let create = words.firstIndex(of: "create"), let concurrently = words.firstIndex(of: "concurrently"), create < concurrently,
            words[create..<concurrently].contains("index")
        else { return nil }
        var rest = words[(concurrently + 1)...]
        if rest.starts(with: ["if", "not", "exists"]) { rest = rest.dropFirst(3) }
        guard let name = rest.first, name != "on" else { return nil }
        return String(name.split(separator: ".").last ?? "")
    }

    /// Drops `index` in `schema` when a failed concurrent build left it invalid, so that
    /// `CREATE INDEX CONCURRENTLY IF NOT EXISTS` builds it again instead of keeping the husk.
    private func dropIfInvalid(_ index: String, schema: ModuleSchema, on connection: PostgresConnection) async throws {
        let invalid = try await connection.query(
            """
            SELECT count(*)::int FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = \(schema.name) AND c.relname = \(index) AND NOT i.indisvalid
            """,
            logger: logger
        ).decode(Int.self).reduce(0, +)
        guard invalid > 0 else { return }
        logger.warning("dropping an index a failed concurrent build left invalid", metadata: ["index": .string("\(schema.name).\(index)")])
        try await connection.query(PostgresQuery(unsafeSQL: "DROP INDEX CONCURRENTLY IF EXISTS \(schema.name).\(index)"), logger: logger)
    }

    private func record(_ migration: Migration, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO storage.schema_migrations (schema_name, version, name, checksum)
            VALUES (\(migration.schema.name), \(migration.version), \(migration.name), \(migration.checksum))
            """,
            logger: logger
        )
    }

    /// Compares the database's history with the catalog without changing anything.
    public func status(_ database: Database) async throws -> Status {
        let exists = try await database.owner.query("SELECT to_regclass('storage.schema_migrations') IS NOT NULL", logger: logger)
            .decode(Bool.self).reduce(false) { $0 || $1 }
        guard exists else { return .pending(catalog.migrations.map(\.identifier)) }
        var applied: [String: String] = [:]
        for try await (schema, version, name, checksum) in try await database.owner.query(Self.historyQuery, logger: logger)
            .decode((String, Int, String, String).self)
        {
            applied[Migration.identifier(schema: schema, version: version, name: name)] = checksum
        }
        return compare(applied)
    }

    // MARK: - Pieces

    static let historyTableSQL = """
        CREATE SCHEMA IF NOT EXISTS storage;
        REVOKE ALL ON SCHEMA storage FROM PUBLIC;
        CREATE TABLE IF NOT EXISTS storage.schema_migrations (
            schema_name text NOT NULL,
            version integer NOT NULL,
            name text NOT NULL,
            checksum text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (schema_name, version)
        );
        """

    static let historyQuery: PostgresQuery = "SELECT schema_name, version, name, checksum FROM storage.schema_migrations"

    private func appliedChecksums(on connection: PostgresConnection) async throws -> [String: String] {
        var applied: [String: String] = [:]
        for try await (schema, version, name, checksum) in try await connection.query(Self.historyQuery, logger: logger)
            .decode((String, Int, String, String).self)
        {
            applied[Migration.identifier(schema: schema, version: version, name: name)] = checksum
        }
        return applied
    }

    private func compare(_ applied: [String: String]) -> Status {
        let known = Dictionary(uniqueKeysWithValues: catalog.migrations.map { ($0.identifier, $0.checksum) })
        if let unknown = applied.keys.sorted().first(where: { known[$0] == nil }) {
            return .diverged("the database has migration \(unknown), which this build does not know (is it older than the database?)")
        }
        if let changed = applied.keys.sorted().first(where: { known[$0] != applied[$0] }) {
            return .diverged("migration \(changed) was edited after it was applied; add a new migration instead")
        }
        let pending = catalog.migrations.map(\.identifier).filter { applied[$0] == nil }
        return pending.isEmpty ? .current : .pending(pending)
    }

    /// Makes sure each module's role exists and the login user is a member of it, as
    /// ``migrate(_:)`` does first, and nothing else: a restore needs the roles its dump grants
    /// privileges to, and must leave creating the schemas to the dump.
    public func provisionRoles(_ location: DatabaseLocation) async throws(StorageError) {
        do {
            try await Database.withConnection(to: location, timeoutSeconds: 30) { connection in
                try await provisionRoles(on: connection)
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw .migrationFailed(Database.reason(error))
        }
    }

    /// Creates each module's role when missing, if the login user may; otherwise checks that an
    /// operator has, and says what to run.
    private func provisionRoles(on connection: PostgresConnection) async throws {
        let mayCreateRoles = try await connection.query(
            "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user",
            logger: logger
        ).decode(Bool.self).reduce(false) { $0 || $1 }
        for schema in ModuleSchema.all {
            let exists =
                try await connection.query("SELECT count(*) FROM pg_roles WHERE rolname = \(schema.role)", logger: logger)
                .decode(Int.self).reduce(0, +) > 0
            if !exists {
                guard mayCreateRoles else {
                    throw StorageError.migrationFailed(
                        "role \(schema.role) does not exist and the DATABASE_URL user may not create roles; run the SQL in docs/database.md as an administrator"
                    )
                }
                // Roles are shared by every database of the server: another database's migration
                // may create it at the same moment, which is fine.
                try await run(
                    """
                    DO $$ BEGIN
                        CREATE ROLE \(schema.role) NOLOGIN;
                    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                    END $$;
                    """,
                    on: connection
                )
            }
            let isMember = try await connection.query(
                "SELECT pg_has_role(current_user, \(schema.role), 'MEMBER') OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)",
                logger: logger
            ).decode(Bool.self).reduce(false) { $0 || $1 }
            if !isMember {
                guard mayCreateRoles else {
                    throw StorageError.migrationFailed(
                        "the DATABASE_URL user is not a member of \(schema.role); run: GRANT \(schema.role) TO <that user>"
                    )
                }
                try await run("GRANT \(schema.role) TO CURRENT_USER;", on: connection)
            }
        }
    }

    /// Creates each module's schema when missing, private to its role.
    private func provisionSchemas(on connection: PostgresConnection) async throws {
        for schema in ModuleSchema.all {
            try await run(
                """
                CREATE SCHEMA IF NOT EXISTS \(schema.name);
                REVOKE ALL ON SCHEMA \(schema.name) FROM PUBLIC;
                GRANT USAGE ON SCHEMA \(schema.name) TO \(schema.role);
                """,
                on: connection
            )
        }
    }

    /// Each role may read and write the tables of its own schema, now and in later migrations.
    private var grantsSQL: String {
        ModuleSchema.all.map { schema in
            """
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \(schema.name) TO \(schema.role);
            GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA \(schema.name) TO \(schema.role);
            GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA \(schema.name) TO \(schema.role);
            """
        }.joined(separator: "\n")
    }

    /// Runs SQL text that may hold several statements, one statement at a time.
    private func run(_ sql: String, on connection: PostgresConnection) async throws {
        for statement in SQLScript.statements(in: sql) {
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
    }
}
