import Foundation
import Logging
import PostgresNIO

/// A backup of the whole database as PostgreSQL's own tools make it (`pg_dump --format=custom`),
/// and its restore into a new, empty database, so that `scribe backup` and `scribe restore` work
/// the same against the embedded cluster and against an operator's own server.
///
/// Guarantees:
/// - A backup file is created with mode 0600 before anything is written into it: a dump holds
///   every public key wrapped by the master key and every user's library sealed by her own.
/// - A restore refuses a database that holds any table or any of Scribe's schemas, and changes
///   nothing then: restoring over a server's data would mix two servers' rows.
/// - A restore is one transaction (`--single-transaction --exit-on-error`): it fails whole, with
///   the line `pg_restore` printed, or it succeeds whole. It needs only the module roles (made
///   here when the login user may, as migrations do), never a superuser, and the restored objects
///   belong to the login user whoever owned them before (`--no-owner`).
/// - It never sees the master key: that is kept and put back separately.
public enum DatabaseBackup {
    /// Writes a custom-format dump of `location`'s database to `path` (which must not exist).
    public static func dump(_ location: DatabaseLocation, to path: String) async throws(StorageError) {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw .backupFailed("\(path) already exists; name a new file")
        }
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw .backupFailed("cannot create \(path)")
        }
        do {
            try await client("pg_dump", ["--format=custom", "--file=\(path)", "--no-password"], location: location).run()
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw .backupFailed("\(error)")
        }
    }

    /// Restores the dump at `path` into `location`'s database, which must be empty; the caller
    /// migrates afterwards, which brings an older dump's schema up to date.
    public static func restore(_ path: String, into location: DatabaseLocation, migrator: Migrator) async throws(StorageError) {
        guard FileManager.default.isReadableFile(atPath: path) else { throw .restoreFailed("cannot read \(path)") }
        let found = try await contents(of: location)
        guard found.isEmpty else {
            throw .restoreFailed(
                "the database \(location.database) is not empty (it holds \(found)); restore into a new, empty database (with the embedded cluster, a new SCRIBE_DATA_DIR)"
            )
        }
        // The dump grants its tables' privileges to the module roles, which are not in it.
        try await migrator.provisionRoles(location)
        do {
            try await client(
                "pg_restore",
                ["--no-owner", "--exit-on-error", "--single-transaction", "--no-password", "--dbname=\(location.database)", path],
                location: location
            ).run()
        } catch {
            throw .restoreFailed("\(error)")
        }
    }

    /// What a database already holds that a restore would collide with: its tables, and those of
    /// Scribe's schemas that exist; empty when there is nothing.
    static func contents(of location: DatabaseLocation) async throws(StorageError) -> String {
        let schemas = ModuleSchema.all.map(\.name) + ["storage"]
        do {
            return try await Database.withConnection(to: location, timeoutSeconds: 30) { connection in
                let logger = Logger(label: "scribe.backup")
                let tables = try await connection.query(
                    """
                    SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
                      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
                    """,
                    logger: logger
                ).decode(Int.self).reduce(0, +)
                let present = try await connection.query("SELECT nspname FROM pg_namespace WHERE nspname = ANY(\(schemas))", logger: logger)
                    .decode(String.self).reduce(into: [String]()) { $0.append($1) }
                var parts: [String] = []
                if tables > 0 { parts.append("\(tables) tables") }
                if !present.isEmpty { parts.append("the schemas " + present.sorted().joined(separator: ", ")) }
                return parts.joined(separator: " and ")
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw .databaseUnreachable(Database.reason(error))
        }
    }

    /// A PostgreSQL client program of the version beside the server programs, told where the
    /// database is through libpq's variables (so the password is never on a command line).
    private static func client(_ program: String, _ arguments: [String], location: DatabaseLocation) throws(StorageError) -> ExternalCommand {
        let binaries = try PostgresBinaries.locate(preferringMajorVersion: nil)
        var environment = ["PGUSER": location.username, "PGDATABASE": location.database, "PGAPPNAME": "scribe-\(program)"]
        switch location.endpoint {
        case .unixSocket(let path):
            environment["PGHOST"] = (path as NSString).deletingLastPathComponent
            environment["PGPORT"] = path.split(separator: ".").last.map(String.init) ?? "5432"
        case .tcp(let host, let port, let tls):
            environment["PGHOST"] = host
            environment["PGPORT"] = String(port)
            environment["PGSSLMODE"] = tls.rawValue
        }
        if let password = location.password { environment["PGPASSWORD"] = password }
        return ExternalCommand(executable: binaries.directory + "/" + program, arguments: arguments, extraEnvironment: environment)
    }
}
