import Foundation
import Logging
import PostgresNIO

/// One of our objects that others can like, boost or answer: a published item, a post or a
/// comment.
struct LocalTarget: Sendable, Equatable {
    var objectID: String
    /// Whose it is, to notify.
    var ownerID: UUID
    /// The published item at the root of its thread.
    var itemID: UUID?
}

/// Finds the local object an id names, if it is live.
struct LocalTargets: Sendable {
    let urls: ActorURLs
    let logger: Logger

    func find(_ objectID: String, on connection: PostgresConnection) async throws -> LocalTarget? {
        guard let (kind, id) = urls.localObject(objectID) else { return nil }
        // Posts and comments are notes of ours; only items are in `published_objects`.
        if kind == "comment" || kind == "post" {
            return try await connection.query(
                "SELECT local_author, item_id FROM social.notes WHERE id = \(objectID) AND local_author IS NOT NULL AND deleted_at IS NULL",
                logger: logger
            ).collect().first.flatMap { row in
                let (author, item) = try row.decode((UUID?, UUID?).self)
                return author.map { LocalTarget(objectID: objectID, ownerID: $0, itemID: item) }
            }
        }
        return try await connection.query(
            "SELECT owner_id FROM social.published_objects WHERE item_id = \(id) AND kind = \(kind) AND deleted_at IS NULL",
            logger: logger
        ).collect().first.map { LocalTarget(objectID: objectID, ownerID: try $0.decode(UUID.self), itemID: id) }
    }

    /// One of our published items or posts: its owner, the owner's actor, and whether anyone may
    /// see it, so quote it or find it pinned.
    struct Shared: Sendable {
        var ownerID: UUID
        var ownerActor: String
        /// Public (or an unlisted post, which Mastodon lets anyone quote too).
        var isOpen: Bool
    }

    /// Whose `objectID` is, if it is ours and live, and whether it is open to everyone.
    func shared(_ objectID: String, on connection: PostgresConnection) async throws -> Shared? {
        guard let (kind, id) = urls.localObject(objectID) else { return nil }
        let prefix = urls.localActorPrefix
        let rows: [PostgresRow]
        if kind == "comment" || kind == "post" {
            rows = try await connection.query(
                """
                SELECT n.local_author, \(prefix) || la.username, n.visibility IN ('public', 'unlisted')
                FROM social.notes n JOIN social.local_actors la ON la.user_id = n.local_author
                WHERE n.id = \(objectID) AND n.deleted_at IS NULL AND la.deleted_at IS NULL
                """,
                logger: logger
            ).collect()
        } else {
            rows = try await connection.query(
                """
                SELECT p.owner_id, \(prefix) || la.username, p.visibility = 'public'
                FROM social.published_objects p JOIN social.local_actors la ON la.user_id = p.owner_id
                WHERE p.item_id = \(id) AND p.kind = \(kind) AND p.deleted_at IS NULL AND la.deleted_at IS NULL
                """,
                logger: logger
            ).collect()
        }
        return try rows.first.map { row in
            let (owner, actor, open) = try row.decode((UUID, String, Bool).self)
            return Shared(ownerID: owner, ownerActor: actor, isOpen: open)
        }
    }
}
