import Foundation
import Logging
import PostgresNIO

/// Who blocks whom (`social.blocks`): a local user blocking any account, or a remote actor
/// blocking one of our users. Nothing of a blocker's is delivered to, or accepted from, the
/// account it blocks.
struct Blocks: Sendable {
    let urls: ActorURLs
    let logger: Logger

    /// Records a block; `activityID` is the `Block` activity that carried it, if any.
    func add(blocker: String, blocked: String, activityID: String?, on connection: PostgresConnection) async throws {
        try await connection.query(
            "INSERT INTO social.blocks (blocker, blocked, activity_id) VALUES (\(blocker), \(blocked), \(activityID)) ON CONFLICT DO NOTHING",
            logger: logger
        )
    }

    /// Removes a block; answers whether there was one, and the id of the `Block` activity it came with.
    func remove(blocker: String, blocked: String, on connection: PostgresConnection) async throws -> (existed: Bool, activityID: String?) {
        let rows = try await connection.query(
            "DELETE FROM social.blocks WHERE blocker = \(blocker) AND blocked = \(blocked) RETURNING activity_id",
            logger: logger
        ).collect()
        guard let row = rows.first else { return (false, nil) }
        return (true, try row.decode(String?.self))
    }

    /// Whether the local actor `localActor` blocks `actor`.
    func blocks(_ localActor: String, _ actor: String, on connection: PostgresConnection) async throws -> Bool {
        try await !connection.query("SELECT 1 FROM social.blocks WHERE blocker = \(localActor) AND blocked = \(actor)", logger: logger)
            .collect().isEmpty
    }

    /// Those of `actors` that block `actor`.
    func blockers(of actor: String, among actors: [String], on connection: PostgresConnection) async throws -> Set<String> {
        guard !actors.isEmpty else { return [] }
        let rows = try await connection.query(
            "SELECT blocker FROM social.blocks WHERE blocked = \(actor) AND blocker = ANY(\(actors))",
            logger: logger
        ).collect()
        return Set(try rows.map { try $0.decode(String.self) })
    }

    /// Whether the local user `userID` blocks `actor`.
    func blocks(user userID: UUID, _ actor: String, on connection: PostgresConnection) async throws -> Bool {
        try await !connection.query(
            """
            SELECT 1 FROM social.blocks b JOIN social.local_actors la ON b.blocker = \(urls.localActorPrefix) || la.username
            WHERE la.user_id = \(userID) AND b.blocked = \(actor)
            """,
            logger: logger
        ).collect().isEmpty
    }
}
