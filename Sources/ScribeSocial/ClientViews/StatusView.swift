import ActivityPubKit
import Foundation
import PostgresNIO
import ScribeContracts

/// A post or published item as a client app shows one status: the feed's entry, and what an app
/// puts around it (what it answers, its audience, its counts, and for an item the card that
/// presents it). Mastodon's client API builds its `Status` from this.
public struct StatusView: Sendable, Equatable {
    public var entry: Feeds.Entry
    /// The object it answers, and that object's author, when it answers one.
    public var inReplyTo: String?
    public var inReplyToActor: String?
    /// `public`, `unlisted`, `followers` or `direct`. Published items are public.
    public var visibility: String
    /// Its page, for people (a remote note's `url`, else its id).
    public var url: String
    public var repliesCount = 0
    public var likesCount = 0
    public var boostsCount = 0
    /// For a published item: its name, tagline and art, which apps show as a link card.
    public var card: Card?
    /// The actors it mentions, and its hashtags (names without `#`, lowercased).
    public var mentions: [String] = []
    public var hashtags: [String] = []

    public struct Card: Sendable, Equatable {
        public var title: String
        public var description: String
        public var image: String?
    }
}

extension SocialModule {
    /// The statuses named by `objectIDs` that `viewer` may see (anyone, when nil), by id: local
    /// published items, and posts local or remote that are not deleted. A followers-only or direct
    /// post is shown to its author and to those it reached (it is in their feed).
    public func statuses(_ objectIDs: [String], viewer: UUID?) async throws(SocialError) -> [String: StatusView] {
        let wanted = Array(Set(objectIDs)).prefix(200)
        var found: [String: StatusView] = [:]
        var local = LocalAuthors(actors: actors)
        var notes: [String] = []
        for objectID in wanted {
            guard let (kind, id) = urls.localObject(objectID), let subject = CoreEvent.SubjectKind(rawValue: kind) else {
                notes.append(objectID)
                continue
            }
            guard let note = try? await collections.object(subject, id) else { continue }
            let actor = note.attributedTo?.id ?? ""
            var entry = Feeds.Entry(
                id: 0,
                kind: "item",
                actor: actor,
                author: await local.complete(feeds.author(actor, username: nil, host: nil, name: nil, avatar: nil)),
                object: objectID,
                content: note.content ?? "",
                display: NoteDisplay(note),
                createdAt: note.published ?? Date(timeIntervalSince1970: 0)
            )
            entry.display.attachments = []
            let art = note.references("icon").first.flatMap { $0.object?.url ?? $0.id }
            var view = StatusView(
                entry: entry,
                visibility: "public",
                url: note.url ?? objectID,
                card: .init(title: note.name ?? "", description: NoteDisplay.plainText(note.summary ?? "", limit: 300) ?? "", image: art)
            )
            (view.mentions, view.hashtags) = Self.tags(of: note)
            found[objectID] = view
        }
        if !notes.isEmpty {
            for var view in try await noteViews(notes, viewer: viewer) {
                view.entry.author = await local.complete(view.entry.author)
                found[view.entry.object] = view
            }
        }
        try await counts(&found)
        if let viewer {
            var entries = found.values.map(\.entry)
            try await markReactions(&entries, of: viewer)
            for entry in entries { found[entry.object]?.entry = entry }
        }
        return found
    }

    /// Notes by id, as ``statuses(_:viewer:)`` shows them.
    private func noteViews(_ ids: [String], viewer: UUID?) async throws(SocialError) -> [StatusView] {
        let viewerID = viewer ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        let rows = try await run(logger) {
            try await pool.query(
                """
                SELECT n.id, n.actor_id, n.content, n.document::text, n.published_at, n.visibility, n.in_reply_to, n.url,
                    ra.preferred_username, ra.host, ra.document->>'name', ra.document->'icon'->>'url', p.actor_id
                FROM social.notes n LEFT JOIN social.remote_actors ra ON ra.id = n.actor_id
                LEFT JOIN social.notes p ON p.id = n.in_reply_to
                WHERE n.id = ANY(\(ids)) AND n.deleted_at IS NULL
                    AND (n.visibility IN ('public', 'unlisted') OR n.local_author = \(viewerID)
                        OR EXISTS (SELECT 1 FROM social.feed_entries e WHERE e.user_id = \(viewerID) AND e.object_id = n.id))
                """,
                logger: logger
            ).collect()
        }
        var views: [StatusView] = []
        for row in rows {
            let (id, actor, content, document, published, visibility, inReplyTo, url, username, host, name, avatar, parentActor) = try decode(
                row,
                as: (String, String, String, String, Date, String, String?, String?, String?, String?, String?, String?, String?).self
            )
            let note = try? ASObject.decode(Data(document.utf8))
            let entry = Feeds.Entry(
                id: 0,
                kind: "note",
                actor: actor,
                author: feeds.author(actor, username: username, host: host, name: name, avatar: avatar),
                object: id,
                content: content,
                display: note.map { NoteDisplay($0) } ?? .none,
                createdAt: published
            )
            var view = StatusView(entry: entry, inReplyTo: inReplyTo, inReplyToActor: parentActor, visibility: visibility, url: url ?? id)
            if let note { (view.mentions, view.hashtags) = Self.tags(of: note) }
            views.append(view)
        }
        return views
    }

    /// The actors a note mentions and its hashtags, as its `tag` names them (at most 40 of each).
    static func tags(of note: ASObject) -> (mentions: [String], hashtags: [String]) {
        var mentions: [String] = []
        var hashtags: [String] = []
        for tag in note.tags {
            if tag.isA("Mention"), let actor = tag["href"]?.string, NoteDisplay.webURL(actor) != nil, mentions.count < 40 {
                mentions.append(actor)
            } else if tag.isA("Hashtag"), let name = tag.name?.trimmingCharacters(in: CharacterSet(charactersIn: "#")), !name.isEmpty,
                name.count <= 100, hashtags.count < 40
            {
                hashtags.append(name.lowercased())
            }
        }
        return (mentions, hashtags)
    }

    /// Fills in how many replies, likes and boosts each status has.
    private func counts(_ views: inout [String: StatusView]) async throws(SocialError) {
        guard !views.isEmpty else { return }
        let ids = Array(views.keys)
        let rows = try await run(logger) {
            try await pool.query(
                """
                SELECT o.id,
                    (SELECT count(*)::int FROM social.notes n WHERE n.in_reply_to = o.id AND n.deleted_at IS NULL),
                    (SELECT count(*)::int FROM social.likes l WHERE l.object_id = o.id),
                    (SELECT count(*)::int FROM social.announces a WHERE a.object_id = o.id)
                FROM unnest(\(ids)::text[]) AS o(id)
                """,
                logger: logger
            ).collect()
        }
        for row in rows {
            let (id, replies, likes, boosts) = try decode(row, as: (String, Int, Int, Int).self)
            views[id]?.repliesCount = replies
            views[id]?.likesCount = likes
            views[id]?.boostsCount = boosts
        }
    }

    /// The posts a status answers, oldest first, and the replies below it, in the order written:
    /// the ids only, at most `limit` of each, for ``statuses(_:viewer:)`` to show.
    public func thread(of objectID: String, limit: Int = 60) async throws(SocialError) -> (ancestors: [String], descendants: [String]) {
        try await run(logger) {
            let above = try await pool.query(
                """
                WITH RECURSIVE up(id, parent, depth) AS (
                    SELECT n.id, n.in_reply_to, 0 FROM social.notes n WHERE n.id = \(objectID)
                    UNION ALL
                    SELECT p.id, p.in_reply_to, up.depth + 1 FROM up JOIN social.notes p ON p.id = up.parent WHERE up.depth < \(limit)
                )
                SELECT parent, depth FROM up WHERE parent IS NOT NULL ORDER BY depth DESC
                """,
                logger: logger
            ).collect()
            let below = try await pool.query(
                """
                WITH RECURSIVE down(id, published_at, depth) AS (
                    SELECT n.id, n.published_at, 1 FROM social.notes n WHERE n.in_reply_to = \(objectID) AND n.deleted_at IS NULL
                    UNION ALL
                    SELECT c.id, c.published_at, down.depth + 1 FROM down JOIN social.notes c ON c.in_reply_to = down.id
                    WHERE c.deleted_at IS NULL AND down.depth < 20
                )
                SELECT id FROM down ORDER BY published_at LIMIT \(limit)
                """,
                logger: logger
            ).collect()
            return (
                try above.map { try $0.decode((String, Int).self).0 },
                try below.map { try $0.decode(String.self) }
            )
        }
    }

    /// A local user's posts and published items for her profile as apps list them, newest first,
    /// published before `before`: ids and dates, for ``statuses(_:viewer:)`` to show. Her
    /// followers-only posts only when she is the viewer; direct ones never.
    public func statusIDs(of userID: UUID, viewer: UUID?, before: Date?, limit: Int) async throws(SocialError) -> [(id: String, published: Date)] {
        let actor = urls.actor(try await actors.profile(id: userID).username)
        let audiences = viewer == userID ? ["public", "unlisted", "followers"] : ["public", "unlisted"]
        let before = min(max(before ?? .distantFuture, .distantPast), .distantFuture)
        let prefix = urls.origin + "/"
        return try await run(logger) {
            let rows = try await pool.query(
                """
                SELECT id, at FROM (
                    SELECT id, published_at AS at FROM social.notes
                    WHERE actor_id = \(actor) AND item_id IS NULL AND deleted_at IS NULL AND visibility = ANY(\(audiences))
                    UNION ALL
                    SELECT \(prefix) || kind || 's/' || item_id::text, published_at FROM social.published_objects
                    WHERE owner_id = \(userID) AND deleted_at IS NULL AND visibility = 'public'
                ) s WHERE at < \(before) ORDER BY at DESC LIMIT \(min(max(limit, 1), 80))
                """,
                logger: logger
            ).collect()
            return try rows.map { row in try row.decode((String, Date).self) }.map { (id: $0.0, published: $0.1) }
        }
    }
}
