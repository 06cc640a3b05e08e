import Foundation
import Logging
import PostgresNIO
import ScribeStorage

/// Stores verified activities with group commit (``GroupCommit``): what concurrent requests
/// bring while one insert is being committed goes into the next, as one multi-row `INSERT` and
/// one commit. PostgreSQL serializes the commits of transactions that notify (the inbox's
/// trigger announces each insert), so one commit per request capped the inbox at what one
/// commit at a time can do; one per batch does not.
///
/// Guarantees:
/// - ``store(_:)`` returns only after the commit that holds its row (or that found it already
///   stored), so a 202 always means stored; durability is PostgreSQL's (`fsync` stays on);
/// - a batch that fails is retried row by row, so one row PostgreSQL refuses (a NUL character)
///   fails only its own request;
/// - two rows with the same activity id in one batch store it once: the first is stored, the
///   other a duplicate, as if they had come one after the other.
struct InboxWriter: Sendable {
    /// One verified activity to store.
    struct Row: Sendable {
        var activityID: String
        var actorID: String
        var type: String
        var recipient: UUID?
        var document: String
    }

    /// Rows per `INSERT` at most.
    static let maximumBatch = 500

    private let batches: GroupCommit<Row, Result<Bool, SocialError>>

    init(pool: PostgresClient, logger: Logger) {
        batches = GroupCommit(maximumBatch: Self.maximumBatch) { rows in await Self.insert(rows, pool: pool, logger: logger) }
    }

    /// Stores `row`: true if it is new, false if its activity id was already stored.
    func store(_ row: Row) async throws(SocialError) -> Bool {
        try await batches.submit(row).get()
    }

    /// One result per row, in order.
    private static func insert(_ rows: [Row], pool: PostgresClient, logger: Logger) async -> [Result<Bool, SocialError>] {
        do {
            let stored = try await insertTogether(rows, pool: pool, logger: logger)
            var seen: Set<String> = []
            return rows.map { row in .success(stored.contains(row.activityID) && seen.insert(row.activityID).inserted) }
        } catch {
            guard rows.count > 1 else { return [.failure(error)] }
            var results: [Result<Bool, SocialError>] = []
            for row in rows { results += await insert([row], pool: pool, logger: logger) }
            return results
        }
    }

    /// The activity ids among `rows` that this statement stored.
    private static func insertTogether(_ rows: [Row], pool: PostgresClient, logger: Logger) async throws(SocialError) -> Set<String> {
        let ids = rows.map(\.activityID)
        let actors = rows.map(\.actorID)
        let types = rows.map(\.type)
        // Arrays of optional uuids do not bind; an empty text is no recipient (the shared inbox).
        let recipients = rows.map { $0.recipient?.uuidString ?? "" }
        let documents = rows.map(\.document)
        let stored = try await run(logger) {
            try await pool.query(
                """
                INSERT INTO social.inbox_activities (activity_id, actor_id, type, recipient, document)
                SELECT activity_id, actor_id, type, NULLIF(recipient, '')::uuid, document::jsonb
                FROM unnest(\(ids)::text[], \(actors)::text[], \(types)::text[], \(recipients)::text[], \(documents)::text[])
                    AS batch (activity_id, actor_id, type, recipient, document)
                ON CONFLICT (activity_id) DO NOTHING RETURNING activity_id
                """,
                logger: logger
            ).collect()
        }
        var inserted: Set<String> = []
        for row in stored { inserted.insert(try decode(row, as: String.self)) }
        return inserted
    }
}
