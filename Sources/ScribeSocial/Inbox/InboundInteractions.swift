import ActivityPubKit
import Foundation
import PostgresNIO

/// What others do with what we publish and what the people we follow post: likes, boosts,
/// notes (replies become comments, posts of followed accounts go to feeds), their edits and
/// deletions, blocks, reports and moves.
extension InboxProcessor {
    /// The object types kept as notes; Mastodon shows these as posts too.
    static let noteTypes: Set<String> = ["Note", "Article", "Page", "Question"]

    /// A Like of one of our objects: counted, and its owner told.
    func react(_ kind: Reactions.Kind, _ activity: ASObject, by actor: String, on connection: PostgresConnection) async throws -> Outcome {
        guard let objectID = activity.object.first?.id, let activityID = activity.id else { return .ignored("no object") }
        guard let target = try await targets.find(objectID, on: connection) else { return .ignored("the liked object is not ours") }
        if try await isBlocked(actor, byUser: target.ownerID, on: connection) { return .ignored("the owner blocks this actor") }
        if try await reactions.add(kind, actor: actor, object: objectID, activityID: activityID, on: connection) {
            try await notifications.add(kind == .like ? .like : .boost, for: target.ownerID, actor: actor, object: objectID, on: connection)
        }
        return .processed
    }

    /// An Announce: of one of our objects, counted and its owner told; by an account our users
    /// follow, shown in their feeds (the boosted post fetched from its own server).
    func announce(_ activity: ASObject, by actor: String, on connection: PostgresConnection) async throws -> Outcome {
        guard let objectID = activity.object.first?.id, let activityID = activity.id else { return .ignored("no object") }
        var handled = false
        if let target = try await targets.find(objectID, on: connection), try await !isBlocked(actor, byUser: target.ownerID, on: connection) {
            if try await reactions.add(.boost, actor: actor, object: objectID, activityID: activityID, on: connection) {
                try await notifications.add(.boost, for: target.ownerID, actor: actor, object: objectID, on: connection)
            }
            handled = true
        }
        if try await hasLocalFollowers(actor, on: connection) {
            if !urls.isLocal(objectID), try await notes.find(objectID, on: connection) == nil {
                let object = try await remote.object(objectID)
                guard !Set(object.types).isDisjoint(with: Self.noteTypes), let author = object.attributedTo?.id, Self.sameOrigin(object.id, author)
                else {
                    return handled ? .processed : .ignored("the boosted object is not a note by its server's actor")
                }
                let authorActor = try? await remote.actor(author)
                try await notes.store(
                    object,
                    actorID: author,
                    localAuthor: nil,
                    itemID: nil,
                    visibility: Notes.visibility(of: object, authorFollowers: authorActor?.followers),
                    on: connection
                )
            }
            _ = try await reactions.add(.boost, actor: actor, object: objectID, activityID: activityID, on: connection)
            try await feeds.fanOut("boost", object: objectID, actor: actor, on: connection)
            handled = true
        }
        return handled ? .processed : .ignored("a boost of nothing of ours by nobody our users follow")
    }

    /// A Create of a note. The note must be the actor's own, from the actor's own server: an
    /// embedded copy is used only when it says so and shares the actor's origin, otherwise it
    /// is fetched from its id. Kept when it answers one of our objects (a comment), mentions one
    /// of our users, or comes from an account our users follow (their feeds).
    func create(_ activity: ASObject, by actor: String, on connection: PostgresConnection) async throws -> Outcome {
        guard let reference = activity.object.first, let objectID = reference.id else { return .ignored("no object") }
        let note: ASObject
        if let embedded = reference.object, embedded.attributedTo?.id == actor, Self.sameOrigin(objectID, actor) {
            note = embedded
        } else {
            note = try await remote.object(objectID)
        }
        guard !Set(note.types).isDisjoint(with: Self.noteTypes) else {
            return .ignored("Create of \(note.types.first ?? "an unknown type") is not a note")
        }
        guard note.attributedTo?.id == actor, note.id == objectID, Self.sameOrigin(objectID, actor) else {
            return .ignored("the note is not the actor's own")
        }
        let author = try await remote.actor(actor)
        let visibility = Notes.visibility(of: note, authorFollowers: author.followers)
        var replyTarget = try await note.inReplyTo?.id.asyncFlatMap { try await targets.find($0, on: connection) }
        if let owner = replyTarget?.ownerID, try await isBlocked(actor, byUser: owner, on: connection) { replyTarget = nil }
        let mentioned = try await mentionedUsers(note, on: connection)
        let followed = visibility != "direct" ? try await hasLocalFollowers(actor, on: connection) : false
        guard replyTarget != nil || !mentioned.isEmpty || followed else { return .ignored("the note is for nobody here") }

        try await notes.store(note, actorID: actor, localAuthor: nil, itemID: replyTarget?.itemID, visibility: visibility, on: connection)
        if let replyTarget {
            try await notifications.add(.comment, for: replyTarget.ownerID, actor: actor, object: objectID, on: connection)
        }
        for userID in mentioned where userID != replyTarget?.ownerID {
            try await notifications.add(.mention, for: userID, actor: actor, object: objectID, on: connection)
        }
        if followed { try await feeds.fanOut("note", object: objectID, actor: actor, on: connection) }
        return .processed
    }

    /// An Update of a note we keep, by its author, with the new version from the author's origin.
    func updateNote(_ activity: ASObject, by actor: String, on connection: PostgresConnection) async throws -> Outcome {
        guard let reference = activity.object.first, let objectID = reference.id else { return .ignored("no object") }
        guard let stored = try await notes.find(objectID, on: connection), stored.actorID == actor, !stored.deleted else {
            return .ignored("not a note of this actor's that we keep")
        }
        let note: ASObject
        if let embedded = reference.object, embedded.attributedTo?.id == actor, Self.sameOrigin(objectID, actor) {
            note = embedded
        } else {
            note = try await remote.object(objectID)
        }
        guard note.attributedTo?.id == actor, note.id == objectID else { return .ignored("the update is not the actor's own note") }
        try await notes.store(note, actorID: actor, localAuthor: nil, itemID: stored.itemID, visibility: stored.visibility, on: connection)
        return .processed
    }

    /// A Delete of a note (by id or as a Tombstone): only its author's counts.
    func deleteNote(_ activity: ASObject, by actor: String, on connection: PostgresConnection) async throws -> Outcome {
        guard let objectID = activity.object.first?.id else { return .ignored("no object") }
        return try await notes.delete(objectID, by: actor, on: connection) ? .processed : .ignored("not a note of this actor's that we keep")
    }

    /// A remote actor blocks one of our users: the follows between them end, and the block is
    /// remembered so nothing of ours is delivered to them.
    func block(_ activity: ASObject, by actor: String, on connection: PostgresConnection) async throws -> Outcome {
        guard let blocked = activity.object.first?.id, urls.username(ofActor: blocked) != nil else {
            return .ignored("the block is not of a local actor")
        }
        try await follows.remove(follower: actor, followed: blocked, on: connection)
        try await follows.remove(follower: blocked, followed: actor, on: connection)
        try await connection.query(
            "INSERT INTO social.blocks (blocker, blocked, activity_id) VALUES (\(actor), \(blocked), \(activity.id)) ON CONFLICT DO NOTHING",
            logger: logger
        )
        return .processed
    }

    /// A report (Flag) goes to the moderation queue; Mastodon truncates its text to 5000 characters.
    func flag(_ activity: ASObject, by actor: String, on connection: PostgresConnection) async throws -> Outcome {
        guard let activityID = activity.id else { return .ignored("no id") }
        let objects = activity.object.compactMap(\.id)
        let content = String((activity.content ?? "").prefix(5000))
        try await connection.query(
            """
            INSERT INTO social.reports (activity_id, reporter, objects, content) VALUES (\(activityID), \(actor), \(objects), \(HTMLSanitizer.sanitize(content)))
            ON CONFLICT (activity_id) DO NOTHING
            """,
            logger: logger
        )
        return .processed
    }

    /// A Move of an account our users follow: if the new account names the old one in
    /// `alsoKnownAs`, each local follower follows the new account instead.
    func move(_ activity: ASObject, by actor: String, on connection: PostgresConnection) async throws -> Outcome {
        guard activity.object.first?.id == actor, let target = activity.target?.id else { return .ignored("a Move must move its own actor") }
        let newActor = try await remote.object(target)
        guard newActor.isActor, newActor.id == target, newActor.references("alsoKnownAs").compactMap(\.id).contains(actor) else {
            return .ignored("the new account does not name the old one in alsoKnownAs")
        }
        let stored = try await remote.store(newActor)
        let prefix = urls.origin + "/users/"
        let rows = try await connection.query(
            """
            SELECT la.user_id, f.follower FROM social.follows f JOIN social.local_actors la ON f.follower = \(prefix) || la.username
            WHERE f.followed = \(actor)
            """,
            logger: logger
        ).collect()
        for row in rows {
            let (userID, follower) = try row.decode((UUID, String).self)
            try await follows.remove(follower: follower, followed: actor, on: connection)
            let activityID = urls.activity(UUID())
            _ = try await follows.record(follower: follower, followed: stored.id, activityID: activityID, state: .pending, on: connection)
            let follow = ASObject.activity("Follow", id: activityID, actor: follower, object: .string(stored.id), to: [stored.id])
                .document(in: ScribeVocabulary.context)
            try await deliveries.enqueue(follow, to: [stored.inbox], signer: userID, on: connection)
        }
        return .processed
    }

    // MARK: Pieces

    /// Whether a local actor blocks `actor`.
    func isBlocked(_ actor: String, by localActor: String, on connection: PostgresConnection) async throws -> Bool {
        try await !connection.query("SELECT 1 FROM social.blocks WHERE blocker = \(localActor) AND blocked = \(actor)", logger: logger).collect()
            .isEmpty
    }

    /// Whether the local user `userID` blocks `actor`.
    func isBlocked(_ actor: String, byUser userID: UUID, on connection: PostgresConnection) async throws -> Bool {
        let prefix = urls.origin + "/users/"
        return try await !connection.query(
            """
            SELECT 1 FROM social.blocks b JOIN social.local_actors la ON b.blocker = \(prefix) || la.username
            WHERE la.user_id = \(userID) AND b.blocked = \(actor)
            """,
            logger: logger
        ).collect().isEmpty
    }

    func hasLocalFollowers(_ actor: String, on connection: PostgresConnection) async throws -> Bool {
        let prefix = urls.origin + "/users/"
        return try await !connection.query(
            "SELECT 1 FROM social.follows WHERE followed = \(actor) AND state = 'accepted' AND starts_with(follower, \(prefix)) LIMIT 1",
            logger: logger
        ).collect().isEmpty
    }

    /// Local users a note mentions (its `Mention` tags naming our actors).
    func mentionedUsers(_ note: ASObject, on connection: PostgresConnection) async throws -> [UUID] {
        let names = note.tags.filter { $0.isA("Mention") }.compactMap { $0["href"]?.string }.compactMap(urls.username(ofActor:))
        guard !names.isEmpty else { return [] }
        return try await connection.query(
            "SELECT user_id FROM social.local_actors WHERE lower(username) = ANY(\(names.map { $0.lowercased() })) AND deleted_at IS NULL",
            logger: logger
        ).collect().map { try $0.decode(UUID.self) }
    }

    /// Whether two ids are on the same scheme, host and port.
    static func sameOrigin(_ first: String?, _ second: String?) -> Bool {
        guard let first, let second, let a = URL(string: first), let b = URL(string: second), let hostA = a.host()?.lowercased(),
            let hostB = b.host()?.lowercased()
        else { return false }
        return a.scheme?.lowercased() == b.scheme?.lowercased() && hostA == hostB && a.port == b.port
    }
}

extension Optional {
    func asyncFlatMap<Mapped>(_ transform: (Wrapped) async throws -> Mapped?) async rethrows -> Mapped? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
