import ActivityPubKit
import Foundation
import Logging
import PostgresNIO
import ScribeContracts

/// Home feeds (fan-out on write into `social.feed_entries`) and the public local feed.
public struct Feeds: Sendable {
    public struct Entry: Encodable, Sendable, Equatable {
        /// The cursor: pass it as `before` for the next page.
        public var id: Int64
        /// `item` (a published character or lorebook), `note`, or `boost`.
        public var kind: String
        /// Who posted or boosted it.
        public var actor: String
        /// The item's or note's id.
        public var object: String
        /// Who wrote it, as a reader knows them (for a boost, the boosted note's author); nil for an
        /// account not yet fetched.
        public var author: Author?
        /// For a boost: who boosted it.
        public var boostedBy: Author?
        /// Whether the reader liked or boosted it (so the page offers to undo it).
        public var liked = false
        public var boosted = false
        /// Safe HTML to show: our own rendering of an item, or a remote note's sanitised content.
        public var content: String
        /// Its content warning, media, poll and edit time.
        public var display: NoteDisplay
        public var createdAt: Date

        public init(
            id: Int64,
            kind: String,
            actor: String,
            author: Author? = nil,
            object: String,
            content: String,
            display: NoteDisplay = .none,
            createdAt: Date
        ) {
            self.id = id
            self.kind = kind
            self.actor = actor
            self.author = author
            self.object = object
            self.content = content
            self.display = display
            self.createdAt = createdAt
        }

        enum CodingKeys: String, CodingKey {
            case id, kind, actor, author, object, content, liked, boosted
            case boostedBy = "boosted_by"
            case createdAt = "created_at"
        }

        /// The display's fields sit beside the entry's, as a Mastodon status carries them.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(kind, forKey: .kind)
            try container.encode(actor, forKey: .actor)
            try container.encodeIfPresent(author, forKey: .author)
            try container.encodeIfPresent(boostedBy, forKey: .boostedBy)
            try container.encode(liked, forKey: .liked)
            try container.encode(boosted, forKey: .boosted)
            try container.encode(object, forKey: .object)
            try container.encode(content, forKey: .content)
            try container.encode(createdAt, forKey: .createdAt)
            try display.encode(to: encoder)
        }
    }

    /// An account as a feed names it: never a bare actor URL.
    public struct Author: Codable, Sendable, Equatable {
        /// `@user@host`.
        public var handle: String
        /// The display name, plain text; the username when there is none.
        public var name: String
        /// The avatar's URL (http or https; for a local user its thumbnail here), if it has one.
        public var avatar: String?
        /// The username of a local user (``LocalAuthors`` completes them), nil for a remote one.
        var localUsername: String?

        enum CodingKeys: String, CodingKey {
            case handle, name, avatar
        }
    }

    let pool: PostgresClient
    let urls: ActorURLs
    /// The domain local accounts are named at (`user@domain`).
    let domain: String
    let logger: Logger

    /// Adds an entry to the feed of every local user who follows `actor` (and of `alsoUser`).
    func fanOut(_ kind: String, object: String, actor: String, alsoUser: UUID? = nil, on connection: PostgresConnection) async throws {
        let prefix = urls.localActorPrefix
        try await connection.query(
            """
            INSERT INTO social.feed_entries (user_id, kind, object_id, actor_id)
            SELECT la.user_id, \(kind), \(object), \(actor) FROM social.follows f
            JOIN social.local_actors la ON f.follower = \(prefix) || la.username AND la.deleted_at IS NULL
            WHERE f.followed = \(actor) AND f.state = 'accepted'
            ON CONFLICT DO NOTHING
            """,
            logger: logger
        )
        if let alsoUser {
            try await connection.query(
                """
                INSERT INTO social.feed_entries (user_id, kind, object_id, actor_id) VALUES (\(alsoUser), \(kind), \(object), \(actor))
                ON CONFLICT DO NOTHING
                """,
                logger: logger
            )
        }
    }

    /// Puts an object in the feeds of `users` only (a direct post, and those it mentions).
    func fanOut(only users: [UUID], _ kind: String, object: String, actor: String, on connection: PostgresConnection) async throws {
        for user in Set(users) {
            try await connection.query(
                """
                INSERT INTO social.feed_entries (user_id, kind, object_id, actor_id) VALUES (\(user), \(kind), \(object), \(actor))
                ON CONFLICT DO NOTHING
                """,
                logger: logger
            )
        }
    }

    /// Takes an object out of every feed (it was deleted or unpublished).
    func remove(object: String, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM social.feed_entries WHERE object_id = \(object)", logger: logger)
    }

    /// Takes `actor`'s boost of `object` out of every feed.
    func removeBoost(by actor: String, of object: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            "DELETE FROM social.feed_entries WHERE kind = 'boost' AND actor_id = \(actor) AND object_id = \(object)",
            logger: logger
        )
    }

    /// Takes everything `actor` posted or boosted out of every feed (the account is gone).
    func removeAll(by actor: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            DELETE FROM social.feed_entries WHERE actor_id = \(actor)
                OR object_id IN (SELECT id FROM social.notes WHERE actor_id = \(actor))
            """,
            logger: logger
        )
    }

    /// The user's home feed, newest first; `before` is the last entry id of the previous page.
    /// With `after`, only entries newer than it: the newest of them, or with `oldestFirst` the
    /// ones right after it (Mastodon's `since_id` and `min_id`); the page is newest first either way.
    public func home(
        for userID: UUID,
        before: Int64?,
        after: Int64? = nil,
        oldestFirst: Bool = false,
        limit: Int = 20
    ) async throws(SocialError) -> [Entry] {
        let order = oldestFirst ? "ASC" : "DESC"
        let rows = try await run(logger) {
            try await pool.query(
                """
                SELECT e.seq, e.kind, e.actor_id, e.object_id, e.created_at, n.content, n.deleted_at IS NOT NULL, n.document::text,
                    ra.preferred_username, ra.host, ra.document->>'name', ra.document->'icon'->>'url',
                    n.actor_id, na.preferred_username, na.host, na.document->>'name', na.document->'icon'->>'url'
                FROM social.feed_entries e LEFT JOIN social.notes n ON n.id = e.object_id
                LEFT JOIN social.remote_actors ra ON ra.id = e.actor_id
                LEFT JOIN social.remote_actors na ON na.id = n.actor_id
                WHERE e.user_id = \(userID) AND e.seq < \(before ?? Int64.max) AND e.seq > \(after ?? 0)
                ORDER BY e.seq \(unescaped: order) LIMIT \(min(max(limit, 1), 100))
                """,
                logger: logger
            ).collect()
        }
        var entries: [Entry] = []
        for row in rows {
            let (seq, kind, actor, object, created, noteContent, deleted, document, username, host, name, avatar) = try decode(
                row,
                as: (Int64, String, String, String, Date, String?, Bool?, String?, String?, String?, String?, String?).self
            )
            if deleted == true { continue }
            let cells = row.makeRandomAccess()
            let noteAuthor: (actor: String, username: String?, host: String?, name: String?, avatar: String?)?
            do {
                noteAuthor = try cells[12].decode(String?.self).map { noteActor in
                    (
                        noteActor, try cells[13].decode(String?.self), try cells[14].decode(String?.self), try cells[15].decode(String?.self),
                        try cells[16].decode(String?.self)
                    )
                }
            } catch {
                throw SocialError(.unavailable, "A feed entry could not be read.")
            }
            let display = document.flatMap { try? ASObject.decode(Data($0.utf8)) }.map { NoteDisplay($0) } ?? .none
            let poster = author(actor, username: username, host: host, name: name, avatar: avatar)
            var entry = Entry(
                id: seq,
                kind: kind,
                actor: actor,
                author: poster,
                object: object,
                content: noteContent ?? "",
                display: display,
                createdAt: created
            )
            // A boost names both: the note's author as its author, and who boosted it.
            if kind == "boost" {
                entry.boostedBy = poster
                entry.author = noteAuthor.flatMap { author($0.actor, username: $0.username, host: $0.host, name: $0.name, avatar: $0.avatar) }
            }
            entries.append(entry)
        }
        return oldestFirst ? entries.reversed() : entries
    }

    /// Where `object` (posted by `actor`, or boosted by it when `kind` is `boost`) is in the
    /// user's home feed: the entry id a page starts after. Nil when it is not there.
    public func position(in userID: UUID, kind: String, object: String, actor: String) async throws(SocialError) -> Int64? {
        try await run(logger) {
            try await pool.query(
                """
                SELECT seq FROM social.feed_entries WHERE user_id = \(userID) AND object_id = \(object)
                    AND CASE WHEN \(kind) = 'boost' THEN kind = 'boost' AND actor_id = \(actor) ELSE kind <> 'boost' END
                ORDER BY seq LIMIT 1
                """,
                logger: logger
            ).collect().first?.decode(Int64.self)
        }
    }

    /// A local user's own posts as a profile lists them, newest first: not replies, not items
    /// (the profile shows those as cards), not deleted; followers-only ones only when
    /// `withFollowersOnly` (for the author herself), direct ones never.
    func posts(by userID: UUID, withFollowersOnly: Bool, limit: Int = 20) async throws(SocialError) -> [Entry] {
        let audiences = withFollowersOnly ? ["public", "unlisted", "followers"] : ["public", "unlisted"]
        let rows = try await run(logger) {
            try await pool.query(
                """
                SELECT id, actor_id, content, document::text, published_at FROM social.notes
                WHERE local_author = \(userID) AND item_id IS NULL AND in_reply_to IS NULL AND deleted_at IS NULL
                    AND visibility = ANY(\(audiences)) ORDER BY published_at DESC LIMIT \(min(max(limit, 1), 100))
                """,
                logger: logger
            ).collect()
        }
        return try rows.enumerated().map { index, row throws(SocialError) in
            let (id, actor, content, document, published) = try decode(row, as: (String, String, String, String, Date).self)
            return Entry(
                id: Int64(index),
                kind: "note",
                actor: actor,
                author: author(actor, username: nil, host: nil, name: nil, avatar: nil),
                object: id,
                content: content,
                display: (try? ASObject.decode(Data(document.utf8))).map { NoteDisplay($0) } ?? .none,
                createdAt: published
            )
        }
    }

    /// How a feed names `actor`: a local user by username, a remote one from its cached document.
    func author(_ actor: String, username: String?, host: String?, name: String?, avatar: String?) -> Author? {
        Self.author(actor, username: username, host: host, name: name, avatar: avatar, urls: urls, domain: domain)
    }

    /// The same, for any list that names accounts (notifications too).
    static func author(_ actor: String, username: String?, host: String?, name: String?, avatar: String?, urls: ActorURLs, domain: String) -> Author?
    {
        if let local = urls.username(ofActor: actor) {
            return Author(handle: "@\(local)@\(domain)", name: local, avatar: nil, localUsername: local)
        }
        guard let username, let host else { return nil }
        // A display name is plain text (Mastodon's too): the page escapes it.
        let plainName = name.map { String($0.prefix(100)) }.flatMap { $0.isEmpty ? nil : $0 }
        return Author(handle: "@\(username)@\(host)", name: plainName ?? username, avatar: NoteDisplay.webURL(avatar))
    }

    /// Public items published on this server, newest first, before the date `before`.
    public func localPublic(before: Date?, limit: Int = 20) async throws(SocialError) -> [(kind: CoreEvent.SubjectKind, id: UUID, publishedAt: Date)]
    {
        // A cursor is the client's: one beyond PostgreSQL's (and the encoder's) range means "all".
        let before = min(max(before ?? .distantFuture, .distantPast), .distantFuture)
        let rows = try await run(logger) {
            try await pool.query(
                """
                SELECT kind, item_id, published_at FROM social.published_objects
                WHERE deleted_at IS NULL AND visibility = 'public' AND published_at < \(before)
                ORDER BY published_at DESC, item_id LIMIT \(min(max(limit, 1), 100))
                """,
                logger: logger
            ).collect()
        }
        var items: [(kind: CoreEvent.SubjectKind, id: UUID, publishedAt: Date)] = []
        for row in rows {
            let (kind, id, published) = try decode(row, as: (String, UUID, Date).self)
            if let kind = CoreEvent.SubjectKind(rawValue: kind) { items.append((kind, id, published)) }
        }
        return items
    }
}
