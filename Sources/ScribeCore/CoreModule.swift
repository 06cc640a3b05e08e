import Foundation
import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// Core as the rest of the server sees it: accounts and sessions for the HTTP layer, and the
/// in-process implementation of ``CoreAPI`` for Marketplace and Social. It reaches the database
/// only through the `core` schema's pool.
public struct CoreModule: CoreAPI {
    public static let schema = ModuleSchema.core

    public let eventLog: EventLog
    public let accounts: Accounts
    public let characters: Characters
    public let lorebooks: Lorebooks
    public let chats: Chats
    let pool: PostgresClient

    public init(database: Database, settings: CoreSettings = .standard, masterKeys: MasterKeyring, logger: Logger) {
        self.pool = database.pool(for: Self.schema)
        self.eventLog = EventLog(pool: pool, logger: logger)
        self.accounts = Accounts(pool: pool, eventLog: eventLog, settings: settings, logger: logger)
        self.characters = Characters(pool: pool, eventLog: eventLog, masterKeys: masterKeys, logger: logger)
        self.lorebooks = Lorebooks(pool: pool, logger: logger)
        self.chats = Chats(pool: pool, logger: logger)
    }

    public func events(after cursor: Int64, limit: Int) async throws(CoreAPIError) -> [CoreEvent] {
        try await eventLog.events(after: cursor, limit: limit)
    }

    public func sharedView(of kind: CoreEvent.SubjectKind, id: UUID, for viewer: Viewer) async throws(CoreAPIError) -> SharedItem {
        do {
            switch kind {
            case .character: return try await characters.sharedView(id, for: viewer)
            case .lorebook, .user: throw CoreError(.notFound, "Only characters are shared so far.")
            }
        } catch let error as CoreError where error.code == .notFound {
            throw CoreAPIError(.notFound, error.message)
        } catch {
            throw CoreAPIError(.unavailable, "The item cannot be read right now.")
        }
    }

    /// Whether Core's role can reach its own tables: part of the server's readiness.
    public func checkStorage() async throws {
        try await pool.query("SELECT count(*) FROM core.events", logger: eventLog.logger)
    }
}
