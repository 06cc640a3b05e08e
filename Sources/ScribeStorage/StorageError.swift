/// Everything that can go wrong while reaching, starting or migrating the database.
///
/// Each description is one line an operator can act on: it names the setting, program or file
/// involved and never includes a password.
public enum StorageError: Error, CustomStringConvertible, Sendable {
    /// The PostgreSQL server programs are not on this machine.
    case postgresNotInstalled
    /// The embedded cluster could not be initialised, started or stopped.
    case clusterFailed(String)
    /// `DATABASE_URL` is not a PostgreSQL URL we can use.
    case invalidDatabaseURL(String)
    /// The database server did not accept a connection.
    case databaseUnreachable(String)
    /// A migration could not be applied, or the applied history disagrees with the files.
    case migrationFailed(String)
    /// `pg_dump` could not write a backup.
    case backupFailed(String)
    /// A backup could not be restored: the target is not empty, or `pg_restore` failed.
    case restoreFailed(String)

    public var description: String {
        switch self {
        case .postgresNotInstalled:
            "PostgreSQL server programs (initdb, pg_ctl, postgres) not found: install them with "
                + "'apt-get install postgresql', or set DATABASE_URL to use an existing server"
        case .clusterFailed(let reason): "embedded PostgreSQL: \(reason)"
        case .invalidDatabaseURL(let reason): "DATABASE_URL is invalid: \(reason)"
        case .databaseUnreachable(let reason): "database unreachable: \(reason)"
        case .migrationFailed(let reason): "migration failed: \(reason)"
        case .backupFailed(let reason): "backup failed: \(reason)"
        case .restoreFailed(let reason): "restore failed: \(reason)"
        }
    }
}
