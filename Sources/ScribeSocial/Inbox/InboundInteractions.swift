import ActivityPubKit
import Foundation
import Logging
import PostgresNIO
import ScribeContracts

/// What others do with what we publish and what the people we follow post: likes, boosts,
/// notes (replies become comments, posts of followed accounts go to feeds), their edits and
/// deletions, blocks, reports and moves. Each returns its effect once the remote parts are in
/// hand; a quick read that decides whether a fetch is worth it borrows a connection only for
/// that read.
extension InboxProcessor {
    /// The object types kept as notes; Mastodon shows these as posts too.
    /// What Mastodon shows as a status: notes and questions, and the types it converts (an
    /// article, a page, an event, and an image, audio or video object shown as its own media).
    static let noteTypes: Set<String> = ["Note", "Article", "Page", "Question", "Image", "Audio", "Video", "Event"]

    /// A Like of one of our objects: counted, and its owner told.
    func react(_ kind: Reactions.Kind, _ activity: ASObject, by actor: String) -> Effect {
        guard let objectID = activity.object.first?.id, let activityID = activity.id else { return Self.ignore("no object") }
        return { [tables] connection in
            guard let target = try await tables.targets.find(objectID, on: connection) else { return .ignored("the liked object is not ours") }
            if try await tables.blocks.blocks(user: target.ownerID, actor, on: connection) { return .ignored("the owner blocks this actor") }
            if try await tables.reactions.add(kind, actor: actor, object: objectID, activityID: activityID, on: connection) {
                try await tables.notifications.add(
                    kind == .like ? .like : .boost,
                    for: target.ownerID,
                    actor: actor,
                    object: objectID,
                    on: connection
                )
            }
            return .processed
        }
    }

    /// An Announce: of one of our objects, counted and its owner told; by an account our users
    /// follow, shown in their feeds (the boosted post fetched from its own server first).
    func announce(_ activity: ASObject, by actor: String) async throws -> Effect {
        guard let objectID = activity.object.first?.id, let activityID = activity.id else { return Self.ignore("no object") }
        // The boosted post is fetched only for an account our users follow, and only once.
        var boosted: (note: ASObject, author: String, visibility: String)?
        var unusable = false
        if !urls.isLocal(objectID), try await hasLocalFollowers(actor), try await storedNote(objectID) == nil {
            let object = try await remote.object(objectID)
            if !Set(object.types).isDisjoint(with: Self.noteTypes), let author = object.attributedTo?.id, Self.sameOrigin(object.id, author) {
                let authorActor = try? await remote.actor(author)
                boosted = (object, author, Notes.visibility(of: object, authorFollowers: authorActor?.followers))
            } else {
                unusable = true
            }
        }
        return { [tables, urls, boosted, unusable] connection in
            var handled = false
            if let target = try await tables.targets.find(objectID, on: connection),
                try await !tables.blocks.blocks(user: target.ownerID, actor, on: connection)
            {
                if try await tables.reactions.add(.boost, actor: actor, object: objectID, activityID: activityID, on: connection) {
                    try await tables.notifications.add(.boost, for: target.ownerID, actor: actor, object: objectID, on: connection)
                }
                handled = true
            }
            guard try await tables.follows.hasLocalFollowers(actor, prefix: urls.localActorPrefix, on: connection) else {
                return handled ? .processed : .ignored("a boost of nothing of ours by nobody our users follow")
            }
            if unusable { return handled ? .processed : .ignored("the boosted object is not a note by its server's actor") }
            if let boosted {
                try await tables.notes.store(
                    boosted.note,
                    actorID: boosted.author,
                    localAuthor: nil,
                    itemID: nil,
                    visibility: boosted.visibility,
                    on: connection
                )
            } else if !urls.isLocal(objectID), try await tables.notes.find(objectID, on: connection) == nil {
                // Its first follower arrived after the post was planned: the next boost brings it.
                return handled ? .processed : .ignored("the boosted post was not fetched")
            }
            _ = try await tables.reactions.add(.boost, actor: actor, object: objectID, activityID: activityID, on: connection)
            try await tables.feeds.fanOut("boost", object: objectID, actor: actor, on: connection)
            return .processed
        }
    }

    /// A Create of a note. The note must be the actor's own, from the actor's own server: an
    /// embedded copy is used only when it says so and shares the actor's origin, otherwise it
    /// is fetched from its id. Kept when it answers one of our objects (a comment), mentions or
    /// addresses one of our users, or comes from an account our users follow (their feeds).
    ///
    /// Addressing a local user in `to`/`cc` without a `Mention` tag counts as mentioning them
    /// silently, as Mastodon takes it: the note is in their feed, with no notification. A note
    /// that is not public, delivered to a local user's own inbox, is in that user's feed when
    /// they follow its author, even when the author's server hides its followers collection
    /// (so the addressing cannot be read as followers-only).
    func create(_ activity: ASObject, by actor: String, recipient: UUID? = nil) async throws -> Effect {
        guard let reference = activity.object.first, let objectID = reference.id else { return Self.ignore("no object") }
        let note: ASObject
        if let embedded = reference.object, embedded.attributedTo?.id == actor, Self.sameOrigin(objectID, actor) {
            note = embedded
        } else {
            note = try await remote.object(objectID)
        }
        guard !Set(note.types).isDisjoint(with: Self.noteTypes) else {
            return Self.ignore("Create of \(note.types.first ?? "an unknown type") is not a note")
        }
        guard note.attributedTo?.id == actor, note.id == objectID, Self.sameOrigin(objectID, actor) else {
            return Self.ignore("the note is not the actor's own")
        }
        let author = try await remote.actor(actor)
        let visibility = Notes.visibility(of: note, authorFollowers: author.followers)
        let mentionedNames = note.tags.filter { $0.isA("Mention") }.compactMap { $0["href"]?.string }.compactMap(urls.username(ofActor:))
        let addressedNames = (note.to + note.cc).compactMap(urls.username(ofActor:)).filter { !mentionedNames.contains($0) }
        let isPublic = visibility == "public" || visibility == "unlisted"
        // Whose own inbox it came to, asked now, with no connection held.
        let recipientActor = isPublic ? nil : try await recipient.asyncFlatMap { try? await urls.actor(actors.profile(id: $0).username) }
        return { [tables, urls, logger] connection in
            var replyTarget = try await note.inReplyTo?.id.asyncFlatMap { try await tables.targets.find($0, on: connection) }
            if let owner = replyTarget?.ownerID, try await tables.blocks.blocks(user: owner, actor, on: connection) { replyTarget = nil }
            let mentioned = try await Self.localUsers(named: mentionedNames, on: connection, logger: logger)
            let addressed = try await Self.localUsers(named: addressedNames, on: connection, logger: logger)
            let followed =
                visibility != "direct" ? try await tables.follows.hasLocalFollowers(actor, prefix: urls.localActorPrefix, on: connection) : false
            var followingRecipient: UUID?
            if let recipient, let recipientActor,
                try await tables.follows.find(follower: recipientActor, followed: actor, on: connection)?.state == .accepted
            {
                followingRecipient = recipient
            }
            guard replyTarget != nil || !mentioned.isEmpty || !addressed.isEmpty || followed || followingRecipient != nil else {
                return .ignored("the note is for nobody here")
            }

            try await tables.notes.store(note, actorID: actor, localAuthor: nil, itemID: replyTarget?.itemID, visibility: visibility, on: connection)
            if let replyTarget {
                try await tables.notifications.add(.comment, for: replyTarget.ownerID, actor: actor, object: objectID, on: connection)
            }
            for userID in mentioned where userID != replyTarget?.ownerID {
                try await tables.notifications.add(.mention, for: userID, actor: actor, object: objectID, on: connection)
            }
            if followed { try await tables.feeds.fanOut("note", object: objectID, actor: actor, on: connection) }
            try await tables.feeds.fanOut(
                only: addressed + [followingRecipient].compactMap { $0 },
                "note",
                object: objectID,
                actor: actor,
                on: connection
            )
            return .processed
        }
    }

    /// An Update of a note we keep, by its author, with the new version from the author's origin.
    func updateNote(_ activity: ASObject, by actor: String) async throws -> Effect {
        guard let reference = activity.object.first, let objectID = reference.id else { return Self.ignore("no object") }
        // Nothing is fetched for a note we do not keep.
        guard let known = try await storedNote(objectID), known.actorID == actor, !known.deleted else {
            return Self.ignore("not a note of this actor's that we keep")
        }
        let note: ASObject
        if let embedded = reference.object, embedded.attributedTo?.id == actor, Self.sameOrigin(objectID, actor) {
            note = embedded
        } else {
            note = try await remote.object(objectID)
        }
        guard note.attributedTo?.id == actor, note.id == objectID else { return Self.ignore("the update is not the actor's own note") }
        return { [tables] connection in
            guard let stored = try await tables.notes.find(objectID, on: connection), stored.actorID == actor, !stored.deleted else {
                return .ignored("not a note of this actor's that we keep")
            }
            try await tables.notes.store(note, actorID: actor, localAuthor: nil, itemID: stored.itemID, visibility: stored.visibility, on: connection)
            return .processed
        }
    }

    /// A Delete of a note (by id or as a Tombstone), or of the approval of a quote one of our
    /// posts makes (a revoked `QuoteAuthorization`): only its author's counts.
    func deleteNote(_ activity: ASObject, by actor: String) -> Effect {
        guard let objectID = activity.object.first?.id else { return Self.ignore("no object") }
        return { [tables, urls] connection in
            // The quoted author takes back the approval one of our posts carries.
            if try await QuoteAnswers.revoked(objectID, by: actor, tables: tables, urls: urls, on: connection) { return .processed }
            guard try await tables.notes.delete(objectID, by: actor, on: connection) else {
                return .ignored("not a note of this actor's that we keep")
            }
            try await tables.feeds.remove(object: objectID, on: connection)
            return .processed
        }
    }

    /// A remote actor blocks one of our users: the follows between them end, and the block is
    /// remembered so nothing of ours is delivered to them.
    func block(_ activity: ASObject, by actor: String) -> Effect {
        guard let blocked = activity.object.first?.id, urls.username(ofActor: blocked) != nil else {
            return Self.ignore("the block is not of a local actor")
        }
        return { [tables] connection in
            try await tables.follows.remove(follower: actor, followed: blocked, on: connection)
            try await tables.follows.remove(follower: blocked, followed: actor, on: connection)
            try await tables.blocks.add(blocker: actor, blocked: blocked, activityID: activity.id, on: connection)
            return .processed
        }
    }

    /// A report (Flag) goes to the moderation queue.
    func flag(_ activity: ASObject, by actor: String) -> Effect {
        guard let activityID = activity.id else { return Self.ignore("no id") }
        return { [tables] connection in
            try await tables.reports.record(
                activityID: activityID,
                reporter: actor,
                objects: activity.object.compactMap(\.id),
                content: activity.content ?? "",
                on: connection
            )
            return .processed
        }
    }

    /// A Move of an account our users follow: if the new account names the old one in
    /// `alsoKnownAs`, each local follower follows the new account instead.
    func move(_ activity: ASObject, by actor: String) async throws -> Effect {
        guard activity.object.first?.id == actor, let target = activity.target?.id else { return Self.ignore("a Move must move its own actor") }
        let newActor = try await remote.object(target)
        guard newActor.isActor, newActor.id == target, newActor.references("alsoKnownAs").compactMap(\.id).contains(actor) else {
            return Self.ignore("the new account does not name the old one in alsoKnownAs")
        }
        let stored = try await remote.store(newActor)
        return { [tables, urls] connection in
            try await Following.redirectLocalFollowers(of: actor, to: .remote(stored), tables: tables, urls: urls, on: connection)
            return .processed
        }
    }

    /// A remote post asks to quote one of ours (FEP-044f; Mastodon sends the request to the
    /// quoted author's own inbox). A public item, or a public or unlisted post, is approved at
    /// once, as Mastodon approves what its author lets anyone quote: `Accept` with the stamp as
    /// its `result`, and the author is told. Anything else, a post that does not in fact quote
    /// ours, or a requester the author blocks, gets `Reject`.
    func quoteRequest(_ activity: ASObject, by actor: String) async throws -> Effect {
        guard let requestID = activity.id, let quoted = activity.object.first?.id, urls.isLocal(quoted) else {
            return Self.ignore("the quote request is not about one of our objects")
        }
        guard let instrument = activity.references("instrument").first, let quoting = instrument.id, Self.sameOrigin(quoting, actor) else {
            return Self.ignore("the quoting post is not on the requester's server")
        }
        // The quoting post must name ours: embedded when it is the requester's own, else fetched.
        let embedded = instrument.object.flatMap { Self.sameOrigin($0.attributedTo?.id, actor) ? $0 : nil }
        let quotingNote: ASObject
        if let embedded { quotingNote = embedded } else { quotingNote = try await remote.object(quoting) }
        let quotesOurs = NoteDisplay.quote(quotingNote) == quoted
        let requester = try await remote.actor(actor)
        return { [tables] connection in
            guard let target = try await tables.targets.shared(quoted, on: connection) else { return .ignored("the quoted object is not here") }
            let author = target.ownerActor
            let blocked = try await tables.blocks.blocks(user: target.ownerID, actor, on: connection)
            var answer = ASObject.activity(
                "Accept",
                id: "\(author)#accepts/quote_requests/\(UUID().uuidString.lowercased())",
                actor: author,
                object: [
                    "id": .string(requestID), "type": "QuoteRequest", "actor": .string(actor), "object": .string(quoted),
                    "instrument": .string(quoting),
                ],
                to: [actor]
            )
            if target.isOpen, quotesOurs, !blocked {
                answer["result"] = .string(
                    try await tables.quoteAuthorizations.approve(requestID: requestID, quoted: quoted, quoting: quoting, by: target, on: connection)
                )
                try await tables.notifications.add(.quote, for: target.ownerID, actor: actor, object: quoting, on: connection)
            } else {
                answer["type"] = "Reject"
                answer["id"] = .string("\(author)#rejects/quote_requests/\(UUID().uuidString.lowercased())")
            }
            try await tables.deliveries.enqueue(
                answer.document(in: ScribeVocabulary.context),
                to: [requester.inbox],
                signer: target.ownerID,
                on: connection
            )
            return .processed
        }
    }

    // MARK: Reads while planning, each on a connection borrowed for that read only

    func hasLocalFollowers(_ actor: String) async throws -> Bool {
        try await pool.withConnection { try await tables.follows.hasLocalFollowers(actor, prefix: urls.localActorPrefix, on: $0) }
    }

    func storedNote(_ id: String) async throws -> StoredNote? {
        try await pool.withConnection { try await tables.notes.find(id, on: $0) }
    }

    /// The ids of the live local accounts with these names (a note's mentions of our users).
    static func localUsers(named names: [String], on connection: PostgresConnection, logger: Logger) async throws -> [UUID] {
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
