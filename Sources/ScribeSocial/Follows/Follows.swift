import ActivityPubKit
import Foundation
import Logging
import PostgresNIO

/// Follow relations (`social.follows`), by actor id, in both directions.
struct Follows: Sendable {
    let logger: Logger

    enum State: String, Sendable {
        case pending, accepted
    }

    struct Follow: Sendable, Equatable {
        var follower: String
        var followed: String
        var state: State
        var activityID: String
    }

    /// Records a follow, or refreshes the activity id of an existing one (a re-sent Follow).
    /// Returns the relation as stored: an accepted follow stays accepted.
    func record(follower: String, followed: String, activityID: String, state: State, on connection: PostgresConnection) async throws -> Follow {
        let rows = try await connection.query(
            """
            INSERT INTO social.follows (follower, followed, state, activity_id, accepted_at)
            VALUES (\(follower), \(followed), \(state.rawValue), \(activityID), CASE WHEN \(state.rawValue) = 'accepted' THEN now() END)
            ON CONFLICT (follower, followed) DO UPDATE SET activity_id = EXCLUDED.activity_id
            RETURNING state
            """,
            logger: logger
        ).collect()
        let stored = try rows.first.map { State(rawValue: try $0.decode(String.self)) ?? .pending } ?? state
        return Follow(follower: follower, followed: followed, state: stored, activityID: activityID)
    }

    func find(follower: String, followed: String, on connection: PostgresConnection) async throws -> Follow? {
        try await connection.query(
            "SELECT state, activity_id FROM social.follows WHERE follower = \(follower) AND followed = \(followed)",
            logger: logger
        ).collect().first.map { row in
            let (state, activityID) = try row.decode((String, String).self)
            return Follow(follower: follower, followed: followed, state: State(rawValue: state) ?? .pending, activityID: activityID)
        }
    }

    func find(activityID: String, on connection: PostgresConnection) async throws -> Follow? {
        try await connection.query(
            "SELECT follower, followed, state FROM social.follows WHERE activity_id = \(activityID)",
            logger: logger
        ).collect().first.map { row in
            let (follower, followed, state) = try row.decode((String, String, String).self)
            return Follow(follower: follower, followed: followed, state: State(rawValue: state) ?? .pending, activityID: activityID)
        }
    }

    func accept(follower: String, followed: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE social.follows SET state = 'accepted', accepted_at = now() WHERE follower = \(follower) AND followed = \(followed)",
            logger: logger
        )
    }

    @discardableResult
    func remove(follower: String, followed: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            "DELETE FROM social.follows WHERE follower = \(follower) AND followed = \(followed) RETURNING 1",
            logger: logger
        ).collect()
        return !rows.isEmpty
    }

    /// Removes every follow an actor is part of (its account was deleted).
    func removeAll(of actor: String, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM social.follows WHERE follower = \(actor) OR followed = \(actor)", logger: logger)
    }

    /// Whether any local user follows `actor` (accepted follows only).
    func hasLocalFollowers(_ actor: String, prefix: String, on connection: PostgresConnection) async throws -> Bool {
        try await !connection.query(
            "SELECT 1 FROM social.follows WHERE followed = \(actor) AND state = 'accepted' AND starts_with(follower, \(prefix)) LIMIT 1",
            logger: logger
        ).collect().isEmpty
    }

    /// Whether `signer` may see what `actor` shows its followers: it is an accepted follower, or
    /// it speaks for a server where one is (that server already received those posts by
    /// delivery; Mastodon and others fetch as their instance actor). `origin` is the signer's
    /// `scheme://host[:port]`.
    func admitsToFollowersOnly(_ actor: String, signer: String, origin: String, on connection: PostgresConnection) async throws -> Bool {
        try await !connection.query(
            """
            SELECT 1 FROM social.follows WHERE followed = \(actor) AND state = 'accepted'
                AND (follower = \(signer) OR starts_with(follower, \(origin + "/"))) LIMIT 1
            """,
            logger: logger
        ).collect().isEmpty
    }

    /// The local users who follow `actor` (any state), with their actor ids.
    func localFollowers(of actor: String, prefix: String, on connection: PostgresConnection) async throws -> [(userID: UUID, follower: String)] {
        try await connection.query(
            """
            SELECT la.user_id, f.follower FROM social.follows f JOIN social.local_actors la ON f.follower = \(prefix) || la.username
            WHERE f.followed = \(actor)
            """,
            logger: logger
        ).collect().map { row in
            let (userID, follower) = try row.decode((UUID, String).self)
            return (userID, follower)
        }
    }

    /// Accepted followers of `actor`, oldest first.
    func followers(of actor: String, on connection: PostgresConnection) async throws -> [String] {
        try await connection.query(
            "SELECT follower FROM social.follows WHERE followed = \(actor) AND state = 'accepted' ORDER BY accepted_at, follower",
            logger: logger
        ).collect().map { try $0.decode(String.self) }
    }

    /// The inboxes to reach an actor's remote followers: each one's shared inbox when it has one,
    /// so a server with many followers gets one copy.
    func inboxes(ofFollowersOf actor: String, on connection: PostgresConnection) async throws -> [String] {
        try await connection.query(
            """
            SELECT DISTINCT coalesce(a.shared_inbox, a.inbox) FROM social.follows f JOIN social.remote_actors a ON a.id = f.follower
            WHERE f.followed = \(actor) AND f.state = 'accepted'
            """,
            logger: logger
        ).collect().map { try $0.decode(String.self) }.sorted()
    }
}
