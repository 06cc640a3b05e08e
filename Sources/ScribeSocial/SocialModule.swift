import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// The social module: actors, inboxes, follows and delivery. It reaches Core only through `CoreAPI` and the
/// database only through the `social` schema's pool, whose role can touch nothing else.
public struct SocialModule: Sendable {
    public static let schema = ModuleSchema.social

    public let core: any CoreAPI
    public let pool: PostgresClient
    let logger: Logger

    public init(core: any CoreAPI, database: Database, logger: Logger) {
        self.core = core
        self.pool = database.pool(for: Self.schema)
        self.logger = logger
    }

    /// Whether this module's role can reach its own tables: part of the server's readiness.
    public func checkStorage() async throws {
        try await pool.query("SELECT count(*) FROM social.event_consumers", logger: logger)
    }
}
