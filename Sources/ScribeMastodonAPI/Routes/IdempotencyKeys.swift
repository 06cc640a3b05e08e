import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import ScribeContracts

/// `Idempotency-Key` on `POST /api/v1/statuses`, as Mastodon keeps it: the same key from the same
/// user within an hour answers with the post the first request made, so an app that retries
/// after a lost answer does not post twice.
struct IdempotencyKeys: Sendable {
    enum Claim: Sendable {
        /// The key is new (or older than an hour): post, then ``record(_:for:as:)``.
        case claimed
        /// The key made this post already.
        case posted(String)
    }

    static let lifetime: TimeInterval = 3600

    let pool: PostgresClient
    let logger: Logger

    func claim(_ key: String, for user: UUID) async throws(MastodonError) -> Claim {
        guard key.count <= 200 else { throw MastodonError.invalid("Idempotency-Key is too long") }
        let expired = Date().addingTimeInterval(-Self.lifetime)
        let row = try await database(logger) {
            try await pool.withTransaction(logger: logger) { connection in
                try await connection.query(
                    "DELETE FROM mastodon.idempotency_keys WHERE user_id = \(user) AND key = \(key) AND created_at < \(expired)",
                    logger: logger
                )
                return try await connection.query(
                    """
                    INSERT INTO mastodon.idempotency_keys (user_id, key) VALUES (\(user), \(key))
                    ON CONFLICT (user_id, key) DO UPDATE SET key = EXCLUDED.key
                    RETURNING status, (xmax = 0)
                    """,
                    logger: logger
                ).collect().first
            }
        }
        guard let row else { throw MastodonError(.serviceUnavailable, "The key could not be kept") }
        let (status, inserted) = try decodeRow(row, as: (String?, Bool).self)
        if inserted { return .claimed }
        guard let status else { throw MastodonError(.conflict, "A request with this Idempotency-Key is still being processed") }
        return .posted(status)
    }

    func record(_ status: String, for key: String, as user: UUID) async throws(MastodonError) {
        try await database(logger) {
            try await pool.query("UPDATE mastodon.idempotency_keys SET status = \(status) WHERE user_id = \(user) AND key = \(key)", logger: logger)
        }
    }

    /// Lets the key be used again: the request that claimed it failed.
    func release(_ key: String, for user: UUID) async {
        _ = try? await database(logger) {
            try await pool.query("DELETE FROM mastodon.idempotency_keys WHERE user_id = \(user) AND key = \(key) AND status IS NULL", logger: logger)
        }
    }
}
