import Foundation
import Logging
import PostgresNIO

/// Applies the catalog's pending migrations and reports whether a database is current.
///
/// Guarantees:
/// - All pending migrations apply in one transaction that first takes a transaction-scoped
///   advisory lock, so several Scribe processes starting at once apply each file exactly once:
///   the others wait, then find nothing pending.
/// - A failing file rolls back everything this run did; nothing is half-applied.
/// - Applied files are recorded with their checksum in `storage.schema_migrations` and never
///   re-run; an applied file whose text changed stops the run.
/// - Each module's role and schema exist afterwards with privileges on that schema only
///   (created here when the login user may create roles; see `docs/database.md` otherwise).
public struct Migrator: Sendable {
    /// Advisory lock key: "SCRIBEMG" as a big-endian 64-bit integer.
    static let lockKey: Int64 = 0x5343_5249_4245_4D47

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

    private func migrate(on connection: PostgresConnection) async throws -> [String] {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
            try await run(Self.historyTableSQL, on: connection)
            try await provisionRoles(on: connection)
            try await provisionSchemas(on: connection)
            let applied = try await appliedChecksums(on: connection)
            if case .diverged(let reason) = compare(applied) { throw StorageError.migrationFailed(reason) }
            var appliedNow: [String] = []
            for migration in catalog.migrations where applied[migration.identifier] == nil {
                logger.info("applying migration", metadata: ["migration": .string(migration.identifier)])
                do {
                    try await run("SET LOCAL search_path TO \(migration.schema.name), pg_catalog;\n" + migration.sql, on: connection)
                } catch {
                    throw StorageError.migrationFailed("\(migration.identifier).sql: \(Database.reason(error))")
                }
                try await connection.query(
                    """
                    INSERT INTO storage.schema_migrations (schema_name, version, name, checksum)
                    VALUES (\(migration.schema.name), \(migration.version), \(migration.name), \(migration.checksum))
                    """,
                    logger: logger
                )
                appliedNow.append(migration.identifier)
            }
            try await run("RESET search_path;\n" + grantsSQL, on: connection)
            return appliedNow
        }
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
