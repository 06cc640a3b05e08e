import ActivityPubKit
import Foundation
import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// What a local user does to an object, local or remote — like, boost, comment, block — and
/// the activities that carry it to the servers concerned. Each action, its bookkeeping and its
/// deliveries commit in one transaction.
public struct SocialActions: Sendable {
    let actors: LocalActors
    let remote: RemoteActors
    /// Resolves mentions by handle (WebFinger).
    let following: Following
    let core: any CoreAPI
    let urls: ActorURLs
    let tables: SocialTables
    let deliveryBell: Doorbell
    let pool: PostgresClient
    let logger: Logger

    /// The object an action is about, and who to tell.
    struct Target {
        var objectID: String
        var author: String
        /// Where the author's server is told, when the author is remote: its shared inbox when it
        /// has one, else the author's own.
        var remoteInbox: String?
        var localOwner: UUID?
        var itemID: UUID?
        /// Whether anyone may see it (only those may be boosted).
        var isPublic: Bool
    }

    // MARK: Likes and boosts

    public func like(_ objectID: String, as userID: UUID) async throws(SocialError) {
        try await react(.like, objectID, as: userID)
    }

    public func unlike(_ objectID: String, as userID: UUID) async throws(SocialError) {
        try await unreact(.like, objectID, as: userID)
    }

    public func boost(_ objectID: String, as userID: UUID) async throws(SocialError) {
        try await react(.boost, objectID, as: userID)
    }

    public func unboost(_ objectID: String, as userID: UUID) async throws(SocialError) {
        try await unreact(.boost, objectID, as: userID)
    }

    func react(_ kind: Reactions.Kind, _ objectID: String, as userID: UUID) async throws(SocialError) {
        let me = try await actors.profile(id: userID)
        let myActor = urls.actor(me.username)
        let target = try await resolve(objectID, for: me)
        if kind == .boost && !target.isPublic { throw SocialError(.invalidInput, "Only public posts can be boosted.") }
        let activityID = urls.activity(UUID())
        let inboxes = kind == .boost ? try await followerInboxes(of: myActor) : []
        try await transaction(on: pool, logger: logger) { connection in
            guard try await tables.reactions.add(kind, actor: myActor, object: objectID, activityID: activityID, on: connection) else { return }
            if let owner = target.localOwner, owner != userID {
                try await tables.notifications.add(kind == .like ? .like : .boost, for: owner, actor: myActor, object: objectID, on: connection)
            }
            let activity: ASObject
            if kind == .like {
                activity = ASObject.activity("Like", id: activityID, actor: myActor, object: .string(objectID), to: [target.author])
            } else {
                activity = ASObject.activity(
                    "Announce",
                    id: activityID,
                    actor: myActor,
                    object: .string(objectID),
                    to: [Notes.publicAudience],
                    cc: [target.author, urls.followers(me.username)],
                    published: Date()
                )
                try await tables.feeds.fanOut("boost", object: objectID, actor: myActor, alsoUser: userID, on: connection)
            }
            try await tables.deliveries.enqueue(
                activity.document(in: ScribeVocabulary.context),
                to: inboxes + [target.remoteInbox].compactMap { $0 },
                signer: userID,
                on: connection
            )
        }
        await deliveryBell.ring()
    }

    func unreact(_ kind: Reactions.Kind, _ objectID: String, as userID: UUID) async throws(SocialError) {
        let me = try await actors.profile(id: userID)
        let myActor = urls.actor(me.username)
        let target = try? await resolve(objectID, for: me)
        let inboxes = kind == .boost ? try await followerInboxes(of: myActor) : []
        let removed = try await transaction(on: pool, logger: logger) { connection -> Bool in
            guard let activityID = try await tables.reactions.remove(kind, actor: myActor, object: objectID, activityID: nil, on: connection) else {
                return false
            }
            if kind == .boost { try await tables.feeds.removeBoost(by: myActor, of: objectID, on: connection) }
            let original = ASObject.activity(kind == .like ? "Like" : "Announce", id: activityID, actor: myActor, object: .string(objectID))
            let undo = ASObject.activity(
                "Undo",
                id: urls.activity(UUID()),
                actor: myActor,
                object: original.embedded,
                to: kind == .like ? [target?.author].compactMap { $0 } : [Notes.publicAudience]
            )
            try await tables.deliveries.enqueue(
                undo.document(in: ScribeVocabulary.context),
                to: inboxes + [target?.remoteInbox].compactMap { $0 },
                signer: userID,
                on: connection
            )
            return true
        }
        guard removed else { throw SocialError(.notFound, kind == .like ? "You have not liked that." : "You have not boosted that.") }
        await deliveryBell.ring()
    }

    // MARK: Comments

    public struct Comment: Codable, Sendable, Equatable {
        public var id: String
        public var inReplyTo: String
        public var content: String

        enum CodingKeys: String, CodingKey {
            case id, content
            case inReplyTo = "in_reply_to"
        }
    }

    /// Comments on `objectID`: a public post answering it (``post(_:as:)``), at a comment's
    /// id, sent to the commenter's followers and to the object's author.
    public func comment(on objectID: String, text: String, as userID: UUID) async throws(SocialError) -> Comment {
        let post = try await publish(PostDraft(text: text, audience: .public, inReplyTo: objectID), as: userID, id: urls.comment(UUID()))
        return Comment(id: post.id, inReplyTo: objectID, content: post.content)
    }

    /// Deletes one's own comment: a `Delete` with a `Tombstone` to the same servers.
    public func deleteComment(_ commentID: String, as userID: UUID) async throws(SocialError) {
        let me = try await actors.profile(id: userID)
        let myActor = urls.actor(me.username)
        let stored = try await run(logger) { try await pool.withConnection { try await tables.notes.find(commentID, on: $0) } }
        guard let stored, stored.localAuthor == userID, !stored.deleted else { throw SocialError(.notFound, "No such comment of yours.") }
        let target = try? await stored.inReplyTo.asyncFlatMap { try await resolve($0, for: me) }
        let inboxes = try await followerInboxes(of: myActor) + [target?.remoteInbox].compactMap { $0 }
        try await transaction(on: pool, logger: logger) { connection in
            _ = try await tables.notes.delete(commentID, by: myActor, on: connection)
            try await tables.feeds.remove(object: commentID, on: connection)
            let delete = ASObject.activity(
                "Delete",
                id: urls.activity(UUID()),
                actor: myActor,
                object: ASObject.tombstone(id: commentID, formerType: "Note", deleted: Date()).embedded,
                to: [Notes.publicAudience],
                cc: [urls.followers(me.username)] + [target?.author].compactMap { $0 }
            )
            try await tables.deliveries.enqueue(delete.document(in: ScribeVocabulary.context), to: inboxes, signer: userID, on: connection)
        }
        await deliveryBell.ring()
    }

    // MARK: Blocks

    /// Blocks an account: follows between the two end, and a remote server is sent `Block`.
    public func block(_ actorID: String, as userID: UUID) async throws(SocialError) {
        let me = try await actors.profile(id: userID)
        let myActor = urls.actor(me.username)
        guard actorID != myActor else { throw SocialError(.invalidInput, "You cannot block yourself.") }
        let remoteActor = urls.isLocal(actorID) ? nil : try await remote.actor(actorID)
        try await transaction(on: pool, logger: logger) { connection in
            let activityID = urls.activity(UUID())
            try await tables.blocks.add(blocker: myActor, blocked: actorID, activityID: activityID, on: connection)
            try await tables.follows.remove(follower: myActor, followed: actorID, on: connection)
            try await tables.follows.remove(follower: actorID, followed: myActor, on: connection)
            if let remoteActor {
                let block = ASObject.activity("Block", id: activityID, actor: myActor, object: .string(actorID), to: [actorID])
                try await tables.deliveries.enqueue(
                    block.document(in: ScribeVocabulary.context),
                    to: [remoteActor.inbox],
                    signer: userID,
                    on: connection
                )
            }
        }
        await deliveryBell.ring()
    }

    public func unblock(_ actorID: String, as userID: UUID) async throws(SocialError) {
        let me = try await actors.profile(id: userID)
        let myActor = urls.actor(me.username)
        let remoteActor = urls.isLocal(actorID) ? nil : try await remote.cached(actorID)
        let removed = try await transaction(on: pool, logger: logger) { connection -> Bool in
            let removed = try await tables.blocks.remove(blocker: myActor, blocked: actorID, on: connection)
            guard removed.existed else { return false }
            if let remoteActor, let activityID = removed.activityID {
                let original = ASObject.activity("Block", id: activityID, actor: myActor, object: .string(actorID))
                let undo = ASObject.activity("Undo", id: urls.activity(UUID()), actor: myActor, object: original.embedded, to: [actorID])
                try await tables.deliveries.enqueue(
                    undo.document(in: ScribeVocabulary.context),
                    to: [remoteActor.inbox],
                    signer: userID,
                    on: connection
                )
            }
            return true
        }
        guard removed else { throw SocialError(.notFound, "You have not blocked that account.") }
        await deliveryBell.ring()
    }

    // MARK: Pieces

    /// Finds what an object id names and whether `me` may see it.
    func resolve(_ objectID: String, for me: UserProfile) async throws(SocialError) -> Target {
        if let (kind, id) = urls.localObject(objectID) {
            if kind == "comment" || kind == "post" {
                let stored = try await run(logger) { try await pool.withConnection { try await tables.notes.find(objectID, on: $0) } }
                guard let stored, let author = stored.localAuthor, !stored.deleted else { throw SocialError(.notFound, "No such comment.") }
                return Target(
                    objectID: objectID,
                    author: stored.actorID,
                    remoteInbox: nil,
                    localOwner: author,
                    itemID: stored.itemID,
                    isPublic: stored.visibility == "public"
                )
            }
            guard let subject = CoreEvent.SubjectKind(rawValue: kind) else { throw SocialError(.notFound, "No such object.") }
            let followsOwner = try await follows(me, ownerOf: subject, id)
            let item: SharedItem
            do { item = try await core.sharedView(of: subject, id: id, for: Viewer(accountID: me.id, followsOwner: followsOwner)) } catch {
                throw LocalActors.socialError(error)
            }
            return Target(
                objectID: objectID,
                author: urls.actor(item.ownerUsername),
                remoteInbox: nil,
                localOwner: item.ownerID,
                itemID: item.id,
                isPublic: item.visibility == .public
            )
        }
        let stored = try await run(logger) { try await pool.withConnection { try await tables.notes.find(objectID, on: $0) } }
        let authorID: String
        let visibility: String
        if let stored, !stored.deleted {
            authorID = stored.actorID
            visibility = stored.visibility
        } else {
            let object = try await remote.object(objectID)
            guard let author = object.attributedTo?.id, InboxProcessor.sameOrigin(author, objectID) else {
                throw SocialError(.remoteFailed, "That object has no author on its own server.")
            }
            let authorActor = try await remote.actor(author)
            authorID = author
            visibility = Notes.visibility(of: object, authorFollowers: authorActor.followers)
            try await transaction(on: pool, logger: logger) { connection in
                try await tables.notes.store(object, actorID: author, localAuthor: nil, itemID: nil, visibility: visibility, on: connection)
            }
        }
        let author = try await remote.actor(authorID)
        // One copy per server: the author's server gets it once, at its shared inbox when it has one,
        // even when followers there get the same activity (the delivery queue drops the repeat).
        return Target(
            objectID: objectID,
            author: authorID,
            remoteInbox: author.sharedInbox ?? author.inbox,
            localOwner: nil,
            itemID: nil,
            isPublic: visibility == "public"
        )
    }

    func follows(_ me: UserProfile, ownerOf kind: CoreEvent.SubjectKind, _ id: UUID) async throws(SocialError) -> Bool {
        let myActor = urls.actor(me.username)
        let rows = try await run(logger) {
            try await pool.query(
                """
                SELECT 1 FROM social.published_objects p JOIN social.local_actors la ON la.user_id = p.owner_id
                JOIN social.follows f ON f.followed = \(urls.localActorPrefix) || la.username AND f.follower = \(myActor) AND f.state = 'accepted'
                WHERE p.item_id = \(id)
                """,
                logger: logger
            ).collect()
        }
        return !rows.isEmpty
    }

    func followerInboxes(of actor: String) async throws(SocialError) -> [String] {
        try await run(logger) { try await pool.withConnection { try await tables.follows.inboxes(ofFollowersOf: actor, on: $0) } }
    }

    /// `@user@host` for a mention's name.
    func handle(of actor: String) async throws(SocialError) -> String {
        if let username = urls.username(ofActor: actor) { return "@\(username)@\(following.domain)" }
        let cached = try await remote.cached(actor)
        let host = URL(string: actor)?.host() ?? ""
        return "@\(cached?.preferredUsername ?? "someone")@\(host)"
    }
}
