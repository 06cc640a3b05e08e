import ActivityPubKit
import Foundation
import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// The collections an actor and its objects expose: followers, following, outbox, and the
/// published objects themselves. Each collection names its size and its first page (Mastodon
/// treats one without `first` as hidden); pages are newest first, linked by `next`.
public struct Collections: Sendable {
    let actors: LocalActors
    let core: any CoreAPI
    let urls: ActorURLs
    let follows: Follows
    let deliveries: DeliveryQueue
    let quotes: QuoteAuthorizations
    let pins: Pins
    /// Public `Note`s as served, kept current by the database's notices.
    let documents: DocumentCache
    let pool: PostgresClient
    let logger: Logger

    static let pageSize = 20

    public enum Name: String, Sendable {
        case followers, following, outbox
    }

    /// The bytes of ``collection(_:of:page:)``. The outbox, which anyone may read and which
    /// changes only when its owner publishes, is served from memory when it may be.
    public func servedCollection(_ name: Name, of username: String, page: Int?) async throws(SocialError) -> Data {
        guard name == .outbox else { return try LocalActors.encoded(try await collection(name, of: username, page: page)) }
        let served = try await documents.document(for: "outbox:\(username):\(page.map(String.init) ?? "")") { () async throws(SocialError) in
            let made = try await madeCollection(name, of: username, page: page)
            return DocumentCache.Document(bytes: try LocalActors.encoded(made.document), subjects: made.subjects)
        }
        guard let served else { throw SocialError(.notFound, "No such user.") }
        return served.bytes
    }

    /// The collection (no page) or one page of it (1-based).
    public func collection(_ name: Name, of username: String, page: Int?) async throws(SocialError) -> ASObject {
        try await madeCollection(name, of: username, page: page).document
    }

    /// The collection or page, and the subjects it was made from: its owner, and its items.
    private func madeCollection(_ name: Name, of username: String, page: Int?) async throws(SocialError) -> (document: ASObject, subjects: [String]) {
        let profile = try await actors.profile(username: username)
        let actor = urls.actor(profile.username)
        let id = "\(actor)/\(name.rawValue)"
        let total = try await count(name, actor: actor, ownerID: profile.id)
        var subjects = [LocalActors.subject(profile.id)]
        guard let page else {
            return (ASObject.orderedCollection(id: id, totalItems: total, first: id + "?page=1").document(in: ScribeVocabulary.context), subjects)
        }
        guard page >= 1, page <= 10_000 else { throw SocialError(.badRequest, "The page must be a number from 1.") }
        let offset = (page - 1) * Self.pageSize
        let items: [JSONLDValue]
        switch name {
        case .followers, .following:
            let (mine, theirs) = name == .followers ? ("followed", "follower") : ("follower", "followed")
            let rows = try await run(logger) {
                try await pool.query(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT \(theirs) FROM social.follows WHERE \(mine) = $1 AND state = 'accepted'
                            ORDER BY accepted_at DESC, \(theirs) LIMIT $2 OFFSET $3
                            """,
                        binds: Self.binds(actor, Self.pageSize, offset)
                    ),
                    logger: logger
                ).collect()
            }
            var ids: [JSONLDValue] = []
            for row in rows { ids.append(.string(try decode(row, as: String.self))) }
            items = ids
        case .outbox:
            let outbox = try await outboxItems(ownerID: profile.id, offset: offset)
            items = outbox.items
            subjects += outbox.subjects
        }
        let next = offset + items.count < total ? "\(id)?page=\(page + 1)" : nil
        let document = ASObject.orderedCollectionPage(id: "\(id)?page=\(page)", partOf: id, items: items, next: next, totalItems: total)
            .document(in: ScribeVocabulary.context)
        return (document, subjects)
    }

    private func count(_ name: Name, actor: String, ownerID: UUID) async throws(SocialError) -> Int {
        let rows = try await run(logger) {
            switch name {
            case .followers:
                try await pool.query("SELECT count(*)::int FROM social.follows WHERE followed = \(actor) AND state = 'accepted'", logger: logger)
                    .collect()
            case .following:
                try await pool.query("SELECT count(*)::int FROM social.follows WHERE follower = \(actor) AND state = 'accepted'", logger: logger)
                    .collect()
            case .outbox:
                try await pool.query(
                    "SELECT count(*)::int FROM social.published_objects WHERE owner_id = \(ownerID) AND deleted_at IS NULL AND visibility = 'public'",
                    logger: logger
                ).collect()
            }
        }
        guard let row = rows.first else { return 0 }
        return try decode(row, as: Int.self)
    }

    /// The outbox lists what anyone may see: `Create`s of public items, newest first.
    private func outboxItems(ownerID: UUID, offset: Int) async throws(SocialError) -> (items: [JSONLDValue], subjects: [String]) {
        let rows = try await run(logger) {
            try await pool.query(
                """
                SELECT item_id, kind FROM social.published_objects WHERE owner_id = \(ownerID) AND deleted_at IS NULL AND visibility = 'public'
                ORDER BY published_at DESC, item_id LIMIT \(Self.pageSize) OFFSET \(offset)
                """,
                logger: logger
            ).collect()
        }
        var items: [JSONLDValue] = []
        var subjects: [String] = []
        for row in rows {
            let (itemID, kindText) = try decode(row, as: (UUID, String).self)
            subjects.append(ChangeNotices.subject(kindText, itemID))
            guard let kind = CoreEvent.SubjectKind(rawValue: kindText), let note = try? await object(kind, itemID) else { continue }
            var activity = ASObject.activity(
                "Create",
                id: (note.id ?? "") + "#create",
                actor: note.attributedTo?.id ?? "",
                object: .null,
                to: note.to,
                cc: note.cc,
                published: note.published
            )
            var embedded = note
            embedded["@context"] = nil
            activity["object"] = embedded.embedded
            items.append(activity.embedded)
        }
        return (items, subjects)
    }

    /// The bytes of ``object(_:_:signedBy:)``: a `Note` anyone may see from memory when it may
    /// be (it is made from the item and its owner), any other answer made afresh.
    public func servedObject(_ kind: CoreEvent.SubjectKind, _ itemID: UUID, signedBy signer: String?) async throws(SocialError) -> Data {
        let served = try await documents.document(for: "note:\(kind.rawValue):\(itemID.uuidString.lowercased())") {
            () async throws(SocialError) -> DocumentCache.Document? in
            guard let (item, metadata) = try? await publicView(kind, itemID) else { return nil }
            return DocumentCache.Document(
                bytes: try LocalActors.encoded(ItemNote(urls: urls).note(item, metadata: metadata).document(in: ScribeVocabulary.context)),
                subjects: [ChangeNotices.subject(kind.rawValue, itemID), LocalActors.subject(item.ownerID)]
            )
        }
        if let served { return served.bytes }
        return try LocalActors.encoded(try await object(kind, itemID, signedBy: signer))
    }

    /// A published item as anyone may see it, from Core.
    private func publicView(_ kind: CoreEvent.SubjectKind, _ itemID: UUID) async throws(CoreAPIError) -> (SharedItem, ItemMetadata) {
        (try await core.sharedView(of: kind, id: itemID, for: .anonymous), try await core.metadata(of: kind, id: itemID, for: .anonymous))
    }

    /// A published object as anyone may see it: a public or unlisted item's `Note`. A deleted one
    /// is `gone` (410 with a Tombstone); a private or followers-only one `notFound`.
    ///
    /// - Parameter signer: the actor whose signature the request carries, verified. A
    ///   followers-only item is shown to an accepted follower, or to a server where one is.
    public func object(_ kind: CoreEvent.SubjectKind, _ itemID: UUID, signedBy signer: String? = nil) async throws(SocialError) -> ASObject {
        let notes = ItemNote(urls: urls)
        var failure: CoreAPIError
        do {
            let (item, metadata) = try await publicView(kind, itemID)
            return notes.note(item, metadata: metadata).document(in: ScribeVocabulary.context)
        } catch {
            failure = error
        }
        if failure.code == .notFound, let signer {
            // Asked as a follower would be; shown only if the signer is one (or speaks for a
            // server where one is).
            let asFollower = Viewer(followsOwner: true)
            var shown: (item: SharedItem, metadata: ItemMetadata)?
            do {
                shown = (
                    try await core.sharedView(of: kind, id: itemID, for: asFollower), try await core.metadata(of: kind, id: itemID, for: asFollower)
                )
            } catch {
                failure = error
            }
            if let shown, try await admitsToFollowersOnly(urls.actor(shown.item.ownerUsername), signer: signer) {
                return notes.note(shown.item, metadata: shown.metadata).document(in: ScribeVocabulary.context)
            }
        }
        guard failure.code == .notFound else { throw LocalActors.socialError(failure) }
        let rows = try await run(logger) {
            try await pool.query(
                "SELECT deleted_at FROM social.published_objects WHERE item_id = \(itemID) AND deleted_at IS NOT NULL",
                logger: logger
            ).collect()
        }
        if let row = rows.first {
            let deleted = try decode(row, as: Date.self)
            var gone = SocialError(.gone, "This object was deleted.")
            gone.document = ASObject.tombstone(id: notes.id(kind, itemID), formerType: "Note", deleted: deleted).document(
                in: ScribeVocabulary.context
            )
            throw gone
        }
        throw SocialError(.notFound, "No such object.")
    }

    func admitsToFollowersOnly(_ actor: String, signer: String) async throws(SocialError) -> Bool {
        guard let origin = Self.origin(of: signer) else { return false }
        return try await run(logger) {
            try await pool.withConnection { try await follows.admitsToFollowersOnly(actor, signer: signer, origin: origin, on: $0) }
        }
    }

    /// A comment or post of ours as a `Note`; a deleted one is `gone`. A post for followers goes
    /// to a signer who follows its author (or a server where one does) or is mentioned; a direct
    /// one only to a signer it mentions, as Mastodon serves them; anyone else gets 404.
    public func localNote(_ objectID: String, signedBy signer: String? = nil) async throws(SocialError) -> ASObject {
        let rows = try await run(logger) {
            try await pool.query(
                "SELECT document::text, deleted_at, visibility, actor_id FROM social.notes WHERE id = \(objectID) AND local_author IS NOT NULL",
                logger: logger
            ).collect()
        }
        guard let row = rows.first else { throw SocialError(.notFound, "No such note.") }
        let (json, deleted, visibility, author) = try decode(row, as: (String, Date?, String, String).self)
        if let deleted {
            var gone = SocialError(.gone, "This note was deleted.")
            gone.document = ASObject.tombstone(id: objectID, formerType: "Note", deleted: deleted).document(in: ScribeVocabulary.context)
            throw gone
        }
        guard var note = try? ASObject.decode(Data(json.utf8)) else { throw SocialError(.unavailable, "A stored note could not be read.") }
        if visibility == "followers" || visibility == "direct" {
            let mentioned = note.tags.filter { $0.isA("Mention") }.compactMap { $0["href"]?.string }
            guard let signer else { throw SocialError(.notFound, "No such note.") }
            let follows = visibility == "followers" ? try await admitsToFollowersOnly(author, signer: signer) : false
            guard mentioned.contains(signer) || follows else { throw SocialError(.notFound, "No such note.") }
        }
        note["likes"] = .string(objectID + "/likes")
        note["shares"] = .string(objectID + "/shares")
        note["replies"] = .string(objectID + "/replies")
        return note.document(in: ScribeVocabulary.context)
    }

    /// An activity we sent (`/activities/{id}`), as it was sent: to anyone when it was public,
    /// else to a signer on a server it went to. What we keep no record of sending is 404.
    public func activity(_ activityID: String, signedBy signer: String? = nil) async throws(SocialError) -> ASObject {
        let sent = try await run(logger) { try await pool.withConnection { try await deliveries.sent(activityID, on: $0) } }
        guard let sent, let activity = try? ASObject.decode(sent.body) else { throw SocialError(.notFound, "No such activity.") }
        if !activity.isPublic {
            guard let origin = signer.flatMap(Self.origin(of:)), sent.inboxes.contains(where: { $0.hasPrefix(origin + "/") }) else {
                throw SocialError(.notFound, "No such activity.")
            }
        }
        return activity
    }

    /// What the user pinned (`featured`), as Mastodon serves it: one page, the notes embedded,
    /// newest pin first. A pin whose object is gone or no longer public is left out.
    public func featured(of username: String) async throws(SocialError) -> ASObject {
        let profile = try await actors.profile(username: username)
        let pinned = try await run(logger) { try await pool.withConnection { try await pins.list(for: profile.id, on: $0) } }
        var notes: [JSONLDValue] = []
        for objectID in pinned {
            let note: ASObject?
            if let (kind, id) = urls.localObject(objectID), let subject = CoreEvent.SubjectKind(rawValue: kind) {
                note = try? await object(subject, id)
            } else {
                note = try? await localNote(objectID)
            }
            guard var note, note.isPublic else { continue }
            note["@context"] = nil
            notes.append(note.embedded)
        }
        let collection: ASObject = [
            "id": .string(urls.featured(profile.username)), "type": "OrderedCollection", "totalItems": .integer(Int64(notes.count)),
            "orderedItems": .array(notes),
        ]
        return collection.document(in: ScribeVocabulary.context)
    }

    /// A quote approval we gave (`/users/{name}/quote_authorizations/{id}`), for any server that
    /// checks a quote of ours: it is public, as the quoting post and ours are.
    public func quoteAuthorization(_ id: String) async throws(SocialError) -> ASObject {
        let stamp = try await run(logger) { try await pool.withConnection { try await quotes.stamp(id, on: $0) } }
        guard let stamp else { throw SocialError(.notFound, "No such quote authorization.") }
        return stamp
    }

    /// `scheme://host[:port]` of an actor id.
    static func origin(of actor: String) -> String? {
        guard let url = URL(string: actor), let scheme = url.scheme, let host = url.host() else { return nil }
        return "\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")
    }

    public enum Interaction: String, Sendable, CaseIterable {
        case likes, shares, replies
    }

    /// Who liked or boosted one of our objects, or the public replies to it, as a collection or
    /// one page of it. The object must be one anyone may see.
    public func interactions(_ interaction: Interaction, of objectID: String, page: Int?) async throws(SocialError) -> ASObject {
        guard let (kind, id) = urls.localObject(objectID) else { throw SocialError(.notFound, "No such object.") }
        if kind == "comment" || kind == "post" {
            _ = try await localNote(objectID)
        } else if let subject = CoreEvent.SubjectKind(rawValue: kind) {
            _ = try await object(subject, id)
        }
        let collectionID = objectID + "/" + interaction.rawValue
        let total: Int
        var items: [JSONLDValue] = []
        let offset = max((page ?? 1) - 1, 0) * Self.pageSize
        do {
            switch interaction {
            case .likes, .shares:
                let kind: Reactions.Kind = interaction == .likes ? .like : .boost
                let reactions = Reactions(logger: logger)
                total = try await reactions.count(kind, of: objectID, on: pool)
                if page != nil {
                    items = try await reactions.actors(kind, of: objectID, limit: Self.pageSize, offset: offset, on: pool).map(JSONLDValue.string)
                }
            case .replies:
                total =
                    try await pool.query(
                        """
                        SELECT count(*)::int FROM social.notes WHERE in_reply_to = \(objectID) AND deleted_at IS NULL AND visibility IN ('public', 'unlisted')
                        """,
                        logger: logger
                    ).collect().first?.decode(Int.self) ?? 0
                if page != nil {
                    items = try await pool.query(
                        """
                        SELECT id FROM social.notes WHERE in_reply_to = \(objectID) AND deleted_at IS NULL AND visibility IN ('public', 'unlisted')
                        ORDER BY published_at, id LIMIT \(Self.pageSize) OFFSET \(offset)
                        """,
                        logger: logger
                    ).collect().map { .string(try $0.decode(String.self)) }
                }
            }
        } catch {
            throw SocialError(.unavailable, "The database could not complete the operation; try again shortly.")
        }
        guard let page else {
            return ASObject.orderedCollection(id: collectionID, totalItems: total, first: collectionID + "?page=1").document(
                in: ScribeVocabulary.context
            )
        }
        let next = offset + items.count < total ? "\(collectionID)?page=\(page + 1)" : nil
        return ASObject.orderedCollectionPage(id: "\(collectionID)?page=\(page)", partOf: collectionID, items: items, next: next, totalItems: total)
            .document(in: ScribeVocabulary.context)
    }

    static func binds(_ actor: String, _ limit: Int, _ offset: Int) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(actor)
        binds.append(limit)
        binds.append(offset)
        return binds
    }
}
