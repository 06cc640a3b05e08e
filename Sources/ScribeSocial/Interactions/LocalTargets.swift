import Foundation
import Logging
import PostgresNIO

/// One of our objects that others can like, boost or answer: a published item or a comment.
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
        if kind == "comment" {
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
}
