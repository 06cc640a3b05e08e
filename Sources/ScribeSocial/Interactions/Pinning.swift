import ActivityPubKit
import Foundation
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// Pinning one's own public items and posts to one's profile, as Mastodon pins statuses: the
/// actor's `featured` collection lists them, and every server that follows the user is sent
/// `Add` (or `Remove`) with that collection as its `target`.
extension SocialActions {
    /// Pins one of the user's own public (or unlisted) items or posts.
    public func pin(_ objectID: String, as userID: UUID) async throws(SocialError) {
        try await changePin(objectID, pinned: true, as: userID)
    }

    /// Unpins it; `notFound` when it was not pinned.
    public func unpin(_ objectID: String, as userID: UUID) async throws(SocialError) {
        try await changePin(objectID, pinned: false, as: userID)
    }

    /// What the user pinned, newest first (object ids).
    public func pins(of userID: UUID) async throws(SocialError) -> [String] {
        try await run(logger) { try await pool.withConnection { try await tables.pins.list(for: userID, on: $0) } }
    }

    private func changePin(_ objectID: String, pinned: Bool, as userID: UUID) async throws(SocialError) {
        let me = try await actors.profile(id: userID)
        let myActor = urls.actor(me.username)
        try await transaction(on: pool, logger: logger) { connection in
            if pinned {
                guard let object = try await tables.targets.shared(objectID, on: connection), object.ownerID == userID, object.isOpen else {
                    throw SocialError(.invalidInput, "Only your own public items and posts can be pinned.")
                }
                guard try await tables.pins.add(objectID, for: userID, on: connection) else { return }
            } else {
                guard try await tables.pins.remove(objectID, for: userID, on: connection) else { throw SocialError(.notFound, "That is not pinned.") }
            }
            var change = ASObject.activity(
                pinned ? "Add" : "Remove",
                id: urls.activity(UUID()),
                actor: myActor,
                object: .string(objectID),
                to: [Notes.publicAudience]
            )
            change["target"] = .string(urls.featured(me.username))
            try await tables.queueToFollowers(change.document(in: ScribeVocabulary.context), of: myActor, signer: userID, on: connection)
        }
        await deliveryBell.ring()
    }
}
