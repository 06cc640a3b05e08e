import ActivityPubKit
import Foundation
import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// Turns Core's event log into activities for followers (docs/architecture.md §3 "Publish"):
/// `ItemPublished` → `Create`, `ItemUpdated` → `Update`, unpublishing or deletion → `Delete` with
/// a `Tombstone`, `UserDeleted` → `Delete` of the actor. Unlisted items are reachable by link and
/// never announced.
///
/// Each event is handled in one transaction with the consumer's bookkeeping and the deliveries it
/// queues, so every activity is queued exactly once however often the worker restarts.
struct Publisher: Sendable {
    let core: any CoreAPI
    let consumer: EventConsumer<CoreEvent>
    let urls: ActorURLs
    let actors: LocalActors
    let follows: Follows
    let deliveries: DeliveryQueue
    let feeds: Feeds
    let logger: Logger

    var notes: ItemNote { ItemNote(urls: urls) }

    /// Handles every event recorded since the last run; returns how many.
    @discardableResult
    func catchUp() async throws -> Int {
        try await consumer.catchUp(
            fetch: { [core] after, limit in try await core.events(after: after, limit: limit) },
            handle: { event, connection in try await handle(event, on: connection) }
        )
    }

    func handle(_ event: CoreEvent, on connection: PostgresConnection) async throws {
        switch event.type {
        case .userCreated: try await recordActor(event.subjectID, on: connection)
        case .userUpdated:
            try await recordActor(event.subjectID, on: connection)
            try await updateActor(event.subjectID, on: connection)
        case .userDeleted: try await deleteActor(event.subjectID, on: connection)
        case .itemPublished, .itemUpdated, .itemUnpublished, .itemDeleted, .itemRestricted:
            guard event.subjectKind != .user else { return }
            try await publish(event.subjectKind, event.subjectID, on: connection)
        }
    }

    func recordActor(_ userID: UUID, on connection: PostgresConnection) async throws {
        guard let profile = try? await core.profile(id: userID) else { return }
        try await connection.query(
            """
            INSERT INTO social.local_actors (user_id, username) VALUES (\(userID), \(profile.username))
            ON CONFLICT (user_id) DO UPDATE SET username = EXCLUDED.username
            """,
            logger: logger
        )
    }

    /// The actor's `Update` with its document as it is now (name, bio, avatar), to every server
    /// that follows it, so they refresh what they show.
    func updateActor(_ userID: UUID, on connection: PostgresConnection) async throws {
        guard let profile = try? await core.profile(id: userID), profile.isActive else { return }
        let actor = urls.actor(profile.username)
        let inboxes = try await followerInboxes(of: actor, on: connection)
        guard !inboxes.isEmpty else { return }
        let update = ASObject.activity(
            "Update",
            id: urls.activity(UUID()),
            actor: actor,
            object: try await actors.document(for: profile).embedded,
            to: [ItemNote.publicAudience]
        ).document(in: ScribeVocabulary.context)
        try await deliveries.enqueue(update, to: inboxes, signer: userID, on: connection)
    }

    /// The actor's `Delete`, to every server that follows it, signed with its retired key.
    func deleteActor(_ userID: UUID, on connection: PostgresConnection) async throws {
        let rows = try await connection.query(
            "UPDATE social.local_actors SET deleted_at = now() WHERE user_id = \(userID) AND deleted_at IS NULL RETURNING username",
            logger: logger
        ).collect()
        guard let username = try rows.first?.decode(String.self) else { return }
        let actor = urls.actor(username)
        let inboxes = try await followerInboxes(of: actor, on: connection)
        let delete = ASObject.activity(
            "Delete",
            id: actor + "#delete",
            actor: actor,
            object: .string(actor),
            to: [ItemNote.publicAudience]
        ).document(in: ScribeVocabulary.context)
        try await deliveries.enqueue(delete, to: inboxes, signer: userID, on: connection)
        try await follows.removeAll(of: actor, on: connection)
        try await connection.query(
            "UPDATE social.published_objects SET deleted_at = now() WHERE owner_id = \(userID) AND deleted_at IS NULL",
            logger: logger
        )
    }

    /// Brings the fediverse's copy of an item in line with what Core shows now.
    func publish(_ kind: CoreEvent.SubjectKind, _ itemID: UUID, on connection: PostgresConnection) async throws {
        let known = try await connection.query(
            "SELECT owner_id, visibility, deleted_at IS NULL FROM social.published_objects WHERE item_id = \(itemID)",
            logger: logger
        ).collect().first.map { try $0.decode((UUID, String, Bool).self) }
        let current = try await currentView(kind, itemID)
        let federated = current.map { $0.item.visibility == .public || $0.item.visibility == .followers } ?? false

        guard let (item, metadata) = current, federated else {
            // Gone, private or unlisted now: if it was out there, take it back.
            guard let (ownerID, visibility, live) = known, live, let username = try await username(of: ownerID, on: connection) else { return }
            let id = notes.id(kind, itemID)
            let (to, cc) = notes.addressing(SharingVisibility(rawValue: visibility) ?? .followers, owner: username)
            let delete = ASObject.activity(
                "Delete",
                id: urls.activity(UUID()),
                actor: urls.actor(username),
                object: ASObject.tombstone(id: id, formerType: "Note", deleted: Date()).embedded,
                to: to,
                cc: cc
            ).document(in: ScribeVocabulary.context)
            try await deliveries.enqueue(
                delete,
                to: try await followerInboxes(of: urls.actor(username), on: connection),
                signer: ownerID,
                on: connection
            )
            try await connection.query("UPDATE social.published_objects SET deleted_at = now() WHERE item_id = \(itemID)", logger: logger)
            try await connection.query("DELETE FROM social.feed_entries WHERE object_id = \(id)", logger: logger)
            return
        }

        let isNew = known?.2 != true
        try await connection.query(
            """
            INSERT INTO social.published_objects (item_id, kind, owner_id, visibility, published_at, updated_at)
            VALUES (\(itemID), \(kind.rawValue), \(item.ownerID), \(item.visibility.rawValue), \(item.publishedAt), \(item.updatedAt))
            ON CONFLICT (item_id) DO UPDATE SET visibility = EXCLUDED.visibility, updated_at = EXCLUDED.updated_at, deleted_at = NULL,
                published_at = CASE WHEN social.published_objects.deleted_at IS NULL THEN social.published_objects.published_at ELSE EXCLUDED.published_at END
            """,
            logger: logger
        )
        try await connection.query(
            "INSERT INTO social.local_actors (user_id, username) VALUES (\(item.ownerID), \(item.ownerUsername)) ON CONFLICT (user_id) DO NOTHING",
            logger: logger
        )
        let note = notes.note(item, metadata: metadata)
        if isNew {
            try await feeds.fanOut("item", object: note.id ?? "", actor: urls.actor(item.ownerUsername), alsoUser: item.ownerID, on: connection)
        }
        let (to, cc) = notes.addressing(item.visibility, owner: item.ownerUsername)
        let activity = ASObject.activity(
            isNew ? "Create" : "Update",
            id: urls.activity(UUID()),
            actor: urls.actor(item.ownerUsername),
            object: note.embedded,
            to: to,
            cc: cc,
            published: isNew ? item.publishedAt : item.updatedAt
        ).document(in: ScribeVocabulary.context)
        try await deliveries.enqueue(
            activity,
            to: try await followerInboxes(of: urls.actor(item.ownerUsername), on: connection),
            signer: item.ownerID,
            on: connection
        )
    }

    /// The item as followers see it now, or nil when it is gone or private.
    func currentView(_ kind: CoreEvent.SubjectKind, _ itemID: UUID) async throws -> (item: SharedItem, metadata: ItemMetadata)? {
        // Social delivers to followers, so it may see what followers see.
        let viewer = Viewer(followsOwner: true)
        do {
            return (try await core.sharedView(of: kind, id: itemID, for: viewer), try await core.metadata(of: kind, id: itemID, for: viewer))
        } catch {
            if error.code == .notFound { return nil }
            throw error
        }
    }

    func username(of userID: UUID, on connection: PostgresConnection) async throws -> String? {
        try await connection.query("SELECT username FROM social.local_actors WHERE user_id = \(userID)", logger: logger).collect()
            .first.map { try $0.decode(String.self) }
    }

    func followerInboxes(of actor: String, on connection: PostgresConnection) async throws -> [String] {
        try await follows.inboxes(ofFollowersOf: actor, on: connection)
    }
}
