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
/// What an event needs from Core (the profile, the item as followers see it, the actor's key) is
/// gathered first, with no connection held; the event is then applied in one transaction with the
/// consumer's bookkeeping and the deliveries it queues, so every activity is queued exactly once
/// however often the worker restarts.
struct Publisher: Sendable {
    let core: any CoreAPI
    let consumer: EventConsumer<CoreEvent>
    let urls: ActorURLs
    let actors: LocalActors
    let tables: SocialTables
    let logger: Logger

    var notes: ItemNote { ItemNote(urls: urls) }

    /// What an event needs from Core, gathered before its transaction.
    enum Preparation: Sendable {
        /// An account created or changed: its profile (nil if it is gone) and, for a change of an
        /// active account, its actor document as followers' servers should now show it.
        case account(UserProfile?, document: ASObject?)
        /// An item: as followers see it now, or nil when it is gone, private or unlisted.
        case item(SharedItem, ItemMetadata)
        case goneItem
        /// Nothing to ask Core (an account deleted, an event about nothing we publish).
        case none
    }

    /// Handles every event recorded since the last run; returns how many.
    @discardableResult
    func catchUp() async throws -> Int {
        try await consumer.catchUp(
            fetch: { [core] after, limit in try await core.events(after: after, limit: limit) },
            prepare: { event in try await prepare(event) },
            apply: { event, preparation, connection in try await apply(event, preparation, on: connection) }
        )
    }

    func prepare(_ event: CoreEvent) async throws -> Preparation {
        switch event.type {
        case .userCreated, .userUpdated:
            guard let profile = try? await core.profile(id: event.subjectID) else { return .account(nil, document: nil) }
            let document = event.type == .userUpdated && profile.isActive ? try await actors.document(for: profile) : nil
            return .account(profile, document: document)
        case .userDeleted: return .none
        case .itemPublished, .itemUpdated, .itemUnpublished, .itemDeleted, .itemRestricted:
            guard event.subjectKind != .user else { return .none }
            return try await currentView(event.subjectKind, event.subjectID).map { .item($0.item, $0.metadata) } ?? .goneItem
        }
    }

    func apply(_ event: CoreEvent, _ preparation: Preparation, on connection: PostgresConnection) async throws {
        switch (event.type, preparation) {
        case (.userDeleted, _): try await deleteActor(event.subjectID, on: connection)
        case (_, .account(let profile?, let document)):
            try await recordActor(profile, on: connection)
            if let document { try await updateActor(profile, document: document, on: connection) }
        case (_, .item(let item, let metadata)): try await publish(event.subjectKind, event.subjectID, as: (item, metadata), on: connection)
        case (_, .goneItem): try await publish(event.subjectKind, event.subjectID, as: nil, on: connection)
        case (_, .account(nil, _)), (_, .none): return
        }
    }

    func recordActor(_ profile: UserProfile, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO social.local_actors (user_id, username) VALUES (\(profile.id), \(profile.username))
            ON CONFLICT (user_id) DO UPDATE SET username = EXCLUDED.username
            """,
            logger: logger
        )
    }

    /// The actor's `Update` with its document as it is now (name, bio, avatar), to every server
    /// that follows it, so they refresh what they show.
    func updateActor(_ profile: UserProfile, document: ASObject, on connection: PostgresConnection) async throws {
        let actor = urls.actor(profile.username)
        try await tables.queueToFollowers(actors.update(of: document, actor: actor), of: actor, signer: profile.id, on: connection)
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
        try await tables.deliveries.enqueue(delete, to: inboxes, signer: userID, on: connection)
        try await tables.follows.removeAll(of: actor, on: connection)
        try await connection.query(
            "UPDATE social.published_objects SET deleted_at = now() WHERE owner_id = \(userID) AND deleted_at IS NULL",
            logger: logger
        )
    }

    /// Brings the fediverse's copy of an item in line with `current`, what Core showed followers
    /// when the event was prepared (nil: gone or private).
    func publish(
        _ kind: CoreEvent.SubjectKind,
        _ itemID: UUID,
        as current: (item: SharedItem, metadata: ItemMetadata)?,
        on connection: PostgresConnection
    ) async throws {
        let known = try await connection.query(
            "SELECT owner_id, visibility, deleted_at IS NULL FROM social.published_objects WHERE item_id = \(itemID)",
            logger: logger
        ).collect().first.map { try $0.decode((UUID, String, Bool).self) }
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
            try await tables.deliveries.enqueue(
                delete,
                to: try await followerInboxes(of: urls.actor(username), on: connection),
                signer: ownerID,
                on: connection
            )
            try await connection.query("UPDATE social.published_objects SET deleted_at = now() WHERE item_id = \(itemID)", logger: logger)
            try await tables.feeds.remove(object: id, on: connection)
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
            try await tables.feeds.fanOut(
                "item",
                object: note.id ?? "",
                actor: urls.actor(item.ownerUsername),
                alsoUser: item.ownerID,
                on: connection
            )
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
        try await tables.deliveries.enqueue(
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
        try await tables.follows.inboxes(ofFollowersOf: actor, on: connection)
    }
}
