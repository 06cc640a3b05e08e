import Foundation
import Logging
import PostgresNIO

/// What users pin to their profiles (`social.pins`), served as their actor's `featured`
/// collection, newest pin first.
///
/// Guarantees: at most ``maximum`` per user, as Mastodon allows; pinning twice is one pin.
struct Pins: Sendable {
    static let maximum = 5

    let logger: Logger

    /// Pins `objectID`; false when it was pinned already. Throws `invalidInput` past the maximum.
    func add(_ objectID: String, for userID: UUID, on connection: PostgresConnection) async throws -> Bool {
        // One user's pins are counted and added under a lock on that user, so two at once cannot
        // both be the fifth.
        try await connection.query("SELECT pg_advisory_xact_lock(hashtext('social.pins'), hashtext(\(userID.uuidString)))", logger: logger)
        let count =
            try await connection.query("SELECT count(*)::int FROM social.pins WHERE user_id = \(userID)", logger: logger)
            .collect().first?.decode(Int.self) ?? 0
        let added = try await connection.query(
            "INSERT INTO social.pins (user_id, object_id) VALUES (\(userID), \(objectID)) ON CONFLICT DO NOTHING RETURNING 1",
            logger: logger
        ).collect()
        if !added.isEmpty, count >= Self.maximum {
            throw SocialError(.invalidInput, "At most \(Self.maximum) things can be pinned; unpin one first.")
        }
        return !added.isEmpty
    }

    /// Unpins `objectID`; false when it was not pinned.
    func remove(_ objectID: String, for userID: UUID, on connection: PostgresConnection) async throws -> Bool {
        try await !connection.query(
            "DELETE FROM social.pins WHERE user_id = \(userID) AND object_id = \(objectID) RETURNING 1",
            logger: logger
        ).collect().isEmpty
    }

    /// A user's pins, newest first.
    func list(for userID: UUID, on connection: PostgresConnection) async throws -> [String] {
        try await connection.query(
            "SELECT object_id FROM social.pins WHERE user_id = \(userID) ORDER BY pinned_at DESC, object_id",
            logger: logger
        ).collect().map { try $0.decode(String.self) }
    }
}
