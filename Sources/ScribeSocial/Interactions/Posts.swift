import ActivityPubKit
import Foundation
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// Posts a user writes: text with mentions and hashtags, an optional content warning, an
/// audience, and optionally the post it answers. Each is a `Note` addressed as Mastodon
/// addresses a status (`docs/federation.md`), sent to the followers' servers and to every
/// mentioned account's, edited with an `Update` whose `updated` moves forward, and deleted with
/// a `Delete` to the same servers.
extension SocialActions {
    /// Who a post is for, as Mastodon's visibilities.
    public enum Audience: String, Codable, Sendable, CaseIterable {
        /// Everyone, and listed in public timelines.
        case `public`
        /// Everyone with the link; not in public timelines.
        case unlisted
        /// The author's approved followers (and those mentioned).
        case followers
        /// Only the accounts mentioned.
        case direct
    }

    /// What a user writes.
    public struct PostDraft: Sendable {
        public var text: String
        public var contentWarning: String?
        public var audience: Audience
        /// The post it answers (any object id, local or remote).
        public var inReplyTo: String?
        /// The post or item it quotes (any object id, local or remote), whose author is asked.
        public var quote: String?
        /// Images shown with it, at most four. Nil when editing keeps those it had.
        public var media: [Media]?

        public init(
            text: String,
            contentWarning: String? = nil,
            audience: Audience = .public,
            inReplyTo: String? = nil,
            quote: String? = nil,
            media: [Media]? = nil
        ) {
            self.text = text
            self.contentWarning = contentWarning
            self.audience = audience
            self.inReplyTo = inReplyTo
            self.quote = quote
            self.media = media
        }
    }

    /// An image a post shows, served by this server at `url` (a `Document`, as Mastodon sends one).
    public struct Media: Sendable, Equatable {
        public var url: String
        public var mediaType: String
        /// Alt text.
        public var description: String?
        public var width: Int
        public var height: Int

        public init(url: String, mediaType: String, description: String?, width: Int, height: Int) {
            self.url = url
            self.mediaType = mediaType
            self.description = description
            self.width = width
            self.height = height
        }

        var document: JSONLDValue {
            var object: ASObject = [
                "type": "Document", "mediaType": .string(mediaType), "url": .string(url), "width": .number(Double(width)),
                "height": .number(Double(height)),
            ]
            if let description, !description.isEmpty { object["name"] = .string(description) }
            return object.embedded
        }
    }

    /// Mastodon shows at most four images on a post of its own.
    public static let maximumMedia = 4

    /// A post as the API shows it.
    public struct Post: Codable, Sendable, Equatable {
        public var id: String
        public var content: String
        public var contentWarning: String?
        public var audience: Audience
        public var inReplyTo: String?
        /// The actor ids mentioned.
        public var mentions: [String]
        public var hashtags: [String]
        public var published: Date
        public var updated: Date?
        /// The object it quotes, and whether its author approved: `pending`, `accepted`,
        /// `rejected` or `revoked`.
        public var quote: String?
        public var quoteState: String?

        enum CodingKeys: String, CodingKey {
            case id, content, audience, mentions, hashtags, published, updated, quote
            case contentWarning = "content_warning"
            case inReplyTo = "in_reply_to"
            case quoteState = "quote_state"
        }
    }

    /// Writes a post and sends it.
    public func post(_ draft: PostDraft, as userID: UUID) async throws(SocialError) -> Post {
        try await publish(draft, as: userID, id: urls.post(UUID()))
    }

    /// Writes a post, or a comment (a public post answering an object, at a comment's id), and
    /// sends it.
    func publish(_ draft: PostDraft, as userID: UUID, id: String) async throws(SocialError) -> Post {
        let me = try await actors.profile(id: userID)
        let target = try await draft.inReplyTo.asyncMap { objectID throws(SocialError) in try await resolve(objectID, for: me) }
        let quoted = try await draft.quote.asyncMap { objectID throws(SocialError) in try await quotable(objectID, by: me, audience: draft.audience) }
        let now = Date()
        // A quote of something of ours is approved at once, by the rule a QuoteRequest would meet.
        let localApproval = quoted.flatMap(Self.approvalID)
        var built = try await note(
            id: id,
            draft,
            author: me,
            replyingTo: target,
            quoting: quoted.map { QuoteOnNote(quoted: $0, authorization: localApproval) },
            published: now,
            updated: nil
        )
        let inboxes = try await inboxes(for: built, author: me)
        try await transaction(on: pool, logger: logger) { connection in
            try await tables.notes.store(
                built.note,
                actorID: urls.actor(me.username),
                localAuthor: userID,
                itemID: target?.itemID,
                visibility: draft.audience.rawValue,
                on: connection
            )
            try await tell(built, about: id, by: me, replyTo: target, on: connection)
            if let quoted {
                built.post.quoteState = try await askToQuote(quoted, with: built.note, approval: localApproval, by: me, on: connection).rawValue
            }
            let create = ASObject.activity(
                "Create",
                id: id + "#create",
                actor: urls.actor(me.username),
                object: built.note.embedded,
                to: built.note.to,
                cc: built.note.cc,
                published: now
            )
            try await tables.deliveries.enqueue(create.document(in: ScribeVocabulary.context), to: inboxes, signer: userID, on: connection)
        }
        await deliveryBell.ring()
        return built.post
    }

    /// Edits one's own post: new text and content warning (the audience and the post it answers
    /// stay), sent as an `Update` to everyone the post reached and everyone it now mentions.
    public func editPost(_ id: String, _ draft: PostDraft, as userID: UUID) async throws(SocialError) -> Post {
        let me = try await actors.profile(id: userID)
        let (stored, previous) = try await ownPost(id, of: userID)
        let audience = Audience(rawValue: stored.visibility) ?? .direct
        let target = try? await stored.inReplyTo.asyncMap { objectID throws(SocialError) in try await resolve(objectID, for: me) }
        // Mastodon applies an edit only when `updated` moves forward; times go out to the second.
        let last = previous["updated"]?.string.flatMap(RFC3339Date.date(from:)) ?? stored.publishedAt
        let updated = max(Date(), last.addingTimeInterval(1))
        var edited = draft
        edited.audience = audience
        edited.inReplyTo = stored.inReplyTo
        // The quote stays as it was asked and answered: an edit neither adds nor changes one.
        let (quote, quotedDocument) = try await run(logger) {
            try await pool.withConnection { connection -> (Quotes.Quote?, String?) in
                guard let quote = try await tables.quotes.find(quoting: id, on: connection) else { return (nil, nil) }
                return (quote, try await tables.notes.document(quote.quoted, on: connection))
            }
        }
        // Its fallback link names the quoted post's page, as when it was written.
        let quotedURL = quotedDocument.flatMap { try? ASObject.decode(Data($0.utf8)) }.flatMap { NoteDisplay.webURL($0.url) }
        edited.quote = quote?.quoted
        var built = try await note(
            id: id,
            edited,
            author: me,
            replyingTo: target,
            quoting: quote.map { QuoteOnNote(id: $0.quoted, url: quotedURL ?? $0.quoted, authorization: $0.authorization) },
            published: stored.publishedAt,
            updated: updated
        )
        built.post.quoteState = quote?.state.rawValue
        // An edit that names no images keeps those the post had.
        if draft.media == nil, let attached = previous["attachment"] { built.note["attachment"] = attached }
        let inboxes = Array(Set(try await inboxes(for: built, author: me) + (try await mentionInboxes(previous))))
        try await transaction(on: pool, logger: logger) { connection in
            try await tables.notes.store(
                built.note,
                actorID: urls.actor(me.username),
                localAuthor: userID,
                itemID: stored.itemID,
                visibility: audience.rawValue,
                on: connection
            )
            let update = ASObject.activity(
                "Update",
                id: id + "#updates/\(Int(updated.timeIntervalSince1970))",
                actor: urls.actor(me.username),
                object: built.note.embedded,
                to: built.note.to,
                cc: built.note.cc,
                published: updated
            )
            try await tables.deliveries.enqueue(update.document(in: ScribeVocabulary.context), to: inboxes, signer: userID, on: connection)
        }
        await deliveryBell.ring()
        return built.post
    }

    /// Deletes one's own post or comment: a `Delete` with a `Tombstone` to every server it
    /// reached. Its id is never used again (Mastodon refuses a `Create` of a deleted id).
    public func deletePost(_ id: String, as userID: UUID) async throws(SocialError) {
        let me = try await actors.profile(id: userID)
        let myActor = urls.actor(me.username)
        let (stored, previous) = try await ownPost(id, of: userID)
        let target = try? await stored.inReplyTo.asyncFlatMap { try await resolve($0, for: me) }
        var inboxes = try await mentionInboxes(previous) + [target?.remoteInbox].compactMap { $0 }
        if stored.visibility != Audience.direct.rawValue { inboxes += try await followerInboxes(of: myActor) }
        try await transaction(on: pool, logger: logger) { connection in
            _ = try await tables.notes.delete(id, by: myActor, on: connection)
            try await tables.feeds.remove(object: id, on: connection)
            let delete = ASObject.activity(
                "Delete",
                id: id + "#delete",
                actor: myActor,
                object: ASObject.tombstone(id: id, formerType: "Note", deleted: Date()).embedded,
                to: previous.to,
                cc: previous.cc
            )
            try await tables.deliveries.enqueue(
                delete.document(in: ScribeVocabulary.context),
                to: Array(Set(inboxes)),
                signer: userID,
                on: connection
            )
        }
        await deliveryBell.ring()
    }

    // MARK: Building

    struct BuiltPost {
        var note: ASObject
        var post: Post
        /// Mentioned actors: local users by id, remote ones (and the author answered) with where
        /// their server is told.
        var localMentions: [UUID]
        var remoteRecipients: [(actor: String, inbox: String)]
    }

    /// The post's `Note`, addressed as Mastodon addresses a status of this audience.
    private func note(
        id: String,
        _ draft: PostDraft,
        author me: UserProfile,
        replyingTo target: Target?,
        quoting quote: QuoteOnNote? = nil,
        published: Date,
        updated: Date?
    ) async throws(SocialError) -> BuiltPost {
        let text = draft.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let media = draft.media ?? []
        guard media.count <= Self.maximumMedia else { throw SocialError(.invalidInput, "A post has at most \(Self.maximumMedia) images.") }
        // A post of images alone needs no words.
        guard !text.isEmpty || !media.isEmpty, text.count <= 5000 else { throw SocialError(.invalidInput, "A post has 1 to 5000 characters.") }
        let warning = draft.contentWarning?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        guard (warning?.count ?? 0) <= 500 else { throw SocialError(.invalidInput, "A content warning has at most 500 characters.") }
        let parsed = PostText(text: text)
        var mentioned: [PostText.Mention: String] = [:]
        var tags: [JSONLDValue] = []
        var localMentions: [UUID] = []
        var remoteRecipients: [(actor: String, inbox: String)] = []
        for mention in parsed.mentions.prefix(20) {
            guard let (actor, name, local, inbox) = try? await resolveMention(mention) else { continue }
            mentioned[mention] = actor
            tags.append(ASObject.mention(actor: actor, name: name).embedded)
            if let local, local != me.id { localMentions.append(local) }
            if let inbox { remoteRecipients.append((actor, inbox)) }
        }
        if let target, target.author != urls.actor(me.username), !mentioned.values.contains(target.author) {
            // Answering someone mentions them, as Mastodon does.
            tags.append(ASObject.mention(actor: target.author, name: try await handle(of: target.author)).embedded)
        }
        let hashtags = parsed.hashtags
        tags += hashtags.map { ASObject.hashtag(name: $0, href: urls.tag($0.lowercased())).embedded }
        let mentions = tags.compactMap { tag -> String? in
            guard let object = tag.object.map({ ASObject(properties: $0) }), object.isA("Mention") else { return nil }
            return object["href"]?.string
        }
        let followers = urls.followers(me.username)
        let (to, cc): ([String], [String]) =
            switch draft.audience {
            case .public: ([Notes.publicAudience], [followers] + mentions)
            case .unlisted: ([followers], [Notes.publicAudience] + mentions)
            case .followers: ([followers], mentions)
            case .direct: (mentions, [])
            }
        guard !to.isEmpty else { throw SocialError(.invalidInput, "A direct post needs at least one account mentioned.") }
        var html = parsed.html(mentioned: mentioned, tagURL: { urls.tag($0) })
        if let quote { html = Self.withQuoteFallback(html, quoting: quote.url) }
        var note: ASObject = [
            "id": .string(id), "type": "Note", "attributedTo": .string(urls.actor(me.username)), "content": .string(html),
            "url": .string(id), "to": .strings(to), "cc": .strings(cc), "published": .string(ASObject.timestamp(published)),
            // A content warning folds the post; Mastodon also marks such a post sensitive.
            "sensitive": .bool(warning != nil), "summary": warning.map { .string($0) } ?? .null, "tag": .array(tags),
        ]
        if let updated { note["updated"] = .string(ASObject.timestamp(updated)) }
        if let target { note["inReplyTo"] = .string(target.objectID) }
        if !media.isEmpty { note["attachment"] = .array(media.map(\.document)) }
        if let quote {
            // Mastodon reads `quote` first; Misskey and Fedibird read the older names.
            for name in ["quote", "_misskey_quote", "quoteUri"] { note[name] = .string(quote.id) }
            if let authorization = quote.authorization { note["quoteAuthorization"] = .string(authorization) }
        }
        note["interactionPolicy"] = ItemNote.interactionPolicy(
            anyoneMayQuote: draft.audience == .public || draft.audience == .unlisted,
            author: urls.actor(me.username)
        )
        let post = Post(
            id: id,
            content: html,
            contentWarning: warning,
            audience: draft.audience,
            inReplyTo: target?.objectID,
            mentions: mentions,
            hashtags: hashtags,
            published: published,
            updated: updated,
            quote: quote?.id
        )
        if let target, let inbox = target.remoteInbox { remoteRecipients.append((target.author, inbox)) }
        return BuiltPost(note: note, post: post, localMentions: localMentions, remoteRecipients: remoteRecipients)
    }

    /// A mention's actor, its name as Mastodon writes it, and how to reach it.
    private func resolveMention(_ mention: PostText.Mention) async throws(SocialError) -> (String, String, UUID?, String?) {
        if mention.host == nil || mention.host == following.domain.lowercased() {
            let profile = try await actors.profile(username: mention.username)
            return (urls.actor(profile.username), "@\(profile.username)", profile.id, nil)
        }
        let actorID = try await following.resolve(mention.typed)
        let actor = try await remote.actor(actorID)
        // Named as it was typed and found by WebFinger: `@user@domain`, the domain with its port.
        return (actor.id, "@\(actor.preferredUsername ?? mention.username)@\(mention.host ?? actor.host)", nil, actor.sharedInbox ?? actor.inbox)
    }

    /// Every server a post goes to: the followers' (unless it is direct) and each mentioned or
    /// answered account's.
    ///
    /// A mentioned or answered account that blocks the author is not sent the post (its server
    /// still gets it when other followers live there).
    private func inboxes(for built: BuiltPost, author me: UserProfile) async throws(SocialError) -> [String] {
        let myActor = urls.actor(me.username)
        let followers = built.post.audience == .direct ? [] : try await followerInboxes(of: myActor)
        let recipients = built.remoteRecipients
        let blockers = try await run(logger) {
            try await pool.withConnection { connection in
                try await tables.blocks.blockers(of: myActor, among: recipients.map(\.actor), on: connection)
            }
        }
        return Array(Set(followers + recipients.filter { !blockers.contains($0.actor) }.map(\.inbox)))
    }

    /// The servers of the remote accounts a stored post mentions.
    private func mentionInboxes(_ note: ASObject) async throws(SocialError) -> [String] {
        var inboxes: [String] = []
        for tag in note.tags where tag.isA("Mention") {
            guard let href = tag["href"]?.string, !urls.isLocal(href), let actor = try? await remote.actor(href) else { continue }
            inboxes.append(actor.sharedInbox ?? actor.inbox)
        }
        return inboxes
    }

    /// Feeds and notifications for a new post: the author's and followers' feeds (unless
    /// direct), and each mentioned local user's feed and notifications.
    private func tell(
        _ built: BuiltPost,
        about id: String,
        by me: UserProfile,
        replyTo target: Target?,
        on connection: PostgresConnection
    )
        async throws
    {
        let myActor = urls.actor(me.username)
        if built.post.audience == .direct {
            try await tables.feeds.fanOut(only: [me.id], "note", object: id, actor: myActor, on: connection)
        } else {
            try await tables.feeds.fanOut("note", object: id, actor: myActor, alsoUser: me.id, on: connection)
        }
        try await tables.feeds.fanOut(only: built.localMentions, "note", object: id, actor: myActor, on: connection)
        for user in built.localMentions {
            try await tables.notifications.add(.mention, for: user, actor: myActor, object: id, on: connection)
        }
        if let owner = target?.localOwner, owner != me.id, !built.localMentions.contains(owner) {
            try await tables.notifications.add(.comment, for: owner, actor: myActor, object: id, on: connection)
        }
    }

    /// One's own post, not deleted, with its stored document.
    private func ownPost(_ id: String, of userID: UUID) async throws(SocialError) -> (StoredNote, ASObject) {
        let found = try await run(logger) {
            try await pool.withConnection { connection -> (StoredNote, String)? in
                guard let stored = try await tables.notes.find(id, on: connection) else { return nil }
                return (stored, try await tables.notes.document(id, on: connection) ?? "{}")
            }
        }
        guard let (stored, json) = found, stored.localAuthor == userID, !stored.deleted, let document = try? ASObject.decode(Data(json.utf8))
        else { throw SocialError(.notFound, "No such post of yours.") }
        return (stored, document)
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
