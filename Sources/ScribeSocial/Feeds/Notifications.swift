import Foundation
import Logging
import PostgresNIO

/// What a user is told about: new followers and follow requests, likes, boosts, comments and
/// mentions (`social.notifications`).
public struct Notifications: Sendable {
    public enum Kind: String, Codable, Sendable {
        case follow
        case followRequest = "follow_request"
        case like, boost, comment, mention
        /// A remote post quotes one of the user's (its approval was sent).
        case quote
    }

    public struct Notification: Codable, Sendable, Equatable {
        public var id: Int64
        public var kind: Kind
        /// Who did it (an actor id).
        public var actor: String
        /// What it was about (an object id), when it was about something.
        public var object: String?
        public var createdAt: Date

        enum CodingKeys: String, CodingKey {
            case id, kind, actor, object
            case createdAt = "created_at"
        }
    }

    let pool: PostgresClient
    let logger: Logger

    /// Tells `userID` that `actor` did something; callers leave out a user's own actions.
    func add(_ kind: Kind, for userID: UUID, actor: String, object: String?, on connection: PostgresConnection) async throws {
        try await connection.query(
            "INSERT INTO social.notifications (user_id, kind, actor_id, object_id) VALUES (\(userID), \(kind.rawValue), \(actor), \(object))",
            logger: logger
        )
    }

    /// The user's notifications, newest first, before the cursor `before` (an id) when given.
    public func list(for userID: UUID, before: Int64?, limit: Int = 40) async throws(SocialError) -> [Notification] {
        let rows = try await run(logger) {
            try await pool.query(
                """
                SELECT seq, kind, actor_id, object_id, created_at FROM social.notifications
                WHERE user_id = \(userID) AND seq < \(before ?? Int64.max) ORDER BY seq DESC LIMIT \(min(max(limit, 1), 100))
                """,
                logger: logger
            ).collect()
        }
        var notifications: [Notification] = []
        for row in rows {
            let (seq, kind, actor, object, created) = try decode(row, as: (Int64, String, String, String?, Date).self)
            guard let kind = Kind(rawValue: kind) else { continue }
            notifications.append(Notification(id: seq, kind: kind, actor: actor, object: object, createdAt: created))
        }
        return notifications
    }
}
