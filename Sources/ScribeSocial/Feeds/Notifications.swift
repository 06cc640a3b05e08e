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
        /// Who did it, as a reader knows them; nil for an account not yet fetched.
        public var account: Feeds.Author?
        /// What it was about (an object id), when it was about something.
        public var object: String?
        /// The name of the item it was about, when it was one of the user's items.
        public var objectName: String?
        /// When that item (a character with art) last changed, which its art's URL names; nil
        /// for anything else.
        public var objectArtVersion: Date?
        /// The words of the comment, mention, reply or quote, as plain text (at most 200 characters).
        public var excerpt: String?
        public var createdAt: Date

        enum CodingKeys: String, CodingKey {
            case id, kind, actor, account, object, excerpt
            case objectName = "object_name"
            case createdAt = "created_at"
        }
    }

    let pool: PostgresClient
    let urls: ActorURLs
    let domain: String
    let logger: Logger

    /// Tells `userID` that `actor` did something; callers leave out a user's own actions.
    func add(_ kind: Kind, for userID: UUID, actor: String, object: String?, on connection: PostgresConnection) async throws {
        try await connection.query(
            "INSERT INTO social.notifications (user_id, kind, actor_id, object_id) VALUES (\(userID), \(kind.rawValue), \(actor), \(object))",
            logger: logger
        )
    }

    /// The user's notifications, newest first, before the cursor `before` (an id) when given.
    /// `kinds`, when given, keeps those kinds only; `after` keeps those newer than it (the
    /// newest of them, or with `oldestFirst` the ones right after it; newest first either way).
    public func list(
        for userID: UUID,
        before: Int64?,
        after: Int64? = nil,
        oldestFirst: Bool = false,
        kinds: [Kind]? = nil,
        limit: Int = 40
    ) async throws(SocialError) -> [Notification] {
        let kindNames = (kinds ?? []).map(\.rawValue)
        let order = oldestFirst ? "ASC" : "DESC"
        let rows = try await run(logger) {
            try await pool.query(
                """
                SELECT n.seq, n.kind, n.actor_id, n.object_id, n.created_at, ra.preferred_username, ra.host, ra.document->>'name',
                    ra.document->'icon'->>'url', sn.content
                FROM social.notifications n LEFT JOIN social.remote_actors ra ON ra.id = n.actor_id
                LEFT JOIN social.notes sn ON sn.id = n.object_id AND sn.deleted_at IS NULL
                WHERE n.user_id = \(userID) AND n.seq < \(before ?? Int64.max) AND n.seq > \(after ?? 0)
                    AND (\(kinds == nil) OR n.kind = ANY(\(kindNames)))
                ORDER BY n.seq \(unescaped: order) LIMIT \(min(max(limit, 1), 100))
                """,
                logger: logger
            ).collect()
        }
        var notifications: [Notification] = []
        for row in rows {
            let (seq, kind, actor, object, created, username, host, name, avatar, content) = try decode(
                row,
                as: (Int64, String, String, String?, Date, String?, String?, String?, String?, String?).self
            )
            guard let kind = Kind(rawValue: kind) else { continue }
            notifications.append(
                Notification(
                    id: seq,
                    kind: kind,
                    actor: actor,
                    account: Feeds.author(actor, username: username, host: host, name: name, avatar: avatar, urls: urls, domain: domain),
                    object: object,
                    excerpt: content.flatMap { NoteDisplay.plainText($0, limit: 200) },
                    createdAt: created
                )
            )
        }
        return oldestFirst ? notifications.reversed() : notifications
    }
}
