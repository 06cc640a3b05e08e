import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// Core as the rest of the server sees it: the in-process implementation of ``CoreAPI``.
/// It reaches the database only through the `core` schema's pool.
public struct CoreModule: CoreAPI {
    public static let schema = ModuleSchema.core

    public let eventLog: EventLog
    let pool: PostgresClient

    public init(database: Database, logger: Logger) {
        self.pool = database.pool(for: Self.schema)
        self.eventLog = EventLog(pool: pool, logger: logger)
    }

    public func events(after cursor: Int64, limit: Int) async throws(CoreAPIError) -> [CoreEvent] {
        try await eventLog.events(after: cursor, limit: limit)
    }
}

extension CoreModule {
    /// Whether Core's role can reach its own tables: part of the server's readiness.
    public func checkStorage() async throws {
        try await pool.query("SELECT count(*) FROM core.events", logger: eventLog.logger)
    }
}
