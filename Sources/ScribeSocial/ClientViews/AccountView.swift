import ActivityPubKit
import Foundation
import PostgresNIO
import ScribeContracts

/// An account, local or remote, as a client app shows it: Mastodon's client API builds its
/// `Account` from this.
///
/// Guarantees: `note` and field values are sanitised HTML (a local user's plain text escaped);
/// the name and field labels are plain text; image addresses are absolute http or https URLs.
public struct AccountView: Sendable, Equatable {
    /// The actor's id.
    public var actor: String
    public var username: String
    /// The account's server, nil for a local account.
    public var host: String?
    public var displayName: String
    public var note: String
    /// Its profile page.
    public var url: String
    public var avatar: String?
    public var header: String?
    public var locked: Bool
    public var bot: Bool
    public var discoverable: Bool
    public var createdAt: Date
    public var followers: Int
    public var following: Int
    public var statuses: Int
    public var fields: [(name: String, value: String)]
    /// The local user it is, nil for a remote account.
    public var localUser: UUID?

    public static func == (a: AccountView, b: AccountView) -> Bool {
        a.actor == b.actor && a.displayName == b.displayName && a.note == b.note && a.followers == b.followers
            && a.following == b.following && a.statuses == b.statuses && a.fields.map(\.name) == b.fields.map(\.name)
            && a.fields.map(\.value) == b.fields.map(\.value)
    }
}

/// How `viewer` stands toward an account, as Mastodon's `Relationship` says it.
public struct AccountRelationship: Sendable, Equatable {
    public var actor: String
    public var following = false
    public var requested = false
    public var followedBy = false
    public var requestedBy = false
    public var blocking = false
}

extension SocialModule {
    /// The accounts named by `actorIDs` that this server knows: local users, and remote actors
    /// it has fetched. An unknown one is left out.
    public func accounts(_ actorIDs: [String]) async throws(SocialError) -> [String: AccountView] {
        var found: [String: AccountView] = [:]
        var remoteIDs: [String] = []
        for actor in Set(actorIDs) {
            guard let username = urls.username(ofActor: actor) else {
                remoteIDs.append(actor)
                continue
            }
            guard let profile = try? await actors.profile(username: username), profile.isActive else { continue }
            let settings = try? await actors.accountSettings(profile.id)
            found[actor] = AccountView(
                actor: actor,
                username: profile.username,
                host: nil,
                displayName: profile.displayName.isEmpty ? profile.username : profile.displayName,
                note: LocalActors.summary(profile.bio),
                url: urls.profile(profile.username),
                avatar: profile.imagePath(.avatar, width: 320).map { urls.origin + $0 },
                header: profile.imagePath(.header, width: 1280).map { urls.origin + $0 },
                locked: settings?.manuallyApprovesFollowers ?? false,
                bot: false,
                discoverable: settings?.discoverable ?? true,
                createdAt: profile.createdAt,
                followers: 0,
                following: 0,
                statuses: 0,
                fields: profile.fields.map { (name: $0.name, value: HTMLSanitizer.escape($0.value)) },
                localUser: profile.id
            )
        }
        if !remoteIDs.isEmpty {
            let rows = try await run(logger) {
                try await pool.query(
                    "SELECT id, host, preferred_username, document::text, fetched_at FROM social.remote_actors WHERE id = ANY(\(remoteIDs))",
                    logger: logger
                ).collect()
            }
            for row in rows {
                let (id, host, username, text, fetched) = try decode(row, as: (String, String, String?, String, Date).self)
                guard let document = try? ASObject.decode(Data(text.utf8)) else { continue }
                let name = username ?? "unknown"
                let profile = RemoteProfile(document, fallbackName: name)
                found[id] = AccountView(
                    actor: id,
                    username: name,
                    host: host,
                    displayName: profile.name,
                    note: profile.summary,
                    url: NoteDisplay.webURL(document.url) ?? id,
                    avatar: profile.avatar,
                    header: profile.header,
                    locked: profile.manuallyApprovesFollowers,
                    bot: profile.isBot,
                    discoverable: profile.discoverable,
                    createdAt: profile.published ?? fetched,
                    followers: profile.followers ?? 0,
                    following: profile.following ?? 0,
                    statuses: profile.posts ?? 0,
                    fields: profile.fields.map { (name: $0.name, value: $0.value) },
                    localUser: nil
                )
            }
        }
        let local = found.values.filter { $0.localUser != nil }.map(\.actor)
        guard !local.isEmpty else { return found }
        let rows = try await run(logger) {
            try await pool.query(
                """
                SELECT a.id,
                    (SELECT count(*)::int FROM social.follows WHERE followed = a.id AND state = 'accepted'),
                    (SELECT count(*)::int FROM social.follows WHERE follower = a.id AND state = 'accepted'),
                    (SELECT count(*)::int FROM social.notes WHERE actor_id = a.id AND deleted_at IS NULL AND item_id IS NULL
                        AND visibility IN ('public', 'unlisted'))
                FROM unnest(\(local)::text[]) AS a(id)
                """,
                logger: logger
            ).collect()
        }
        for row in rows {
            let (id, followers, following, posts) = try decode(row, as: (String, Int, Int, Int).self)
            found[id]?.followers = followers
            found[id]?.following = following
            found[id]?.statuses = posts
        }
        return found
    }

    /// How `viewer` stands toward each of `actorIDs`: follows, follow requests both ways, blocks.
    public func relationships(of viewer: UUID, to actorIDs: [String]) async throws(SocialError) -> [AccountRelationship] {
        let me = urls.actor(try await actors.profile(id: viewer).username)
        let rows = try await run(logger) {
            try await pool.query(
                """
                SELECT a.id,
                    (SELECT state FROM social.follows WHERE follower = \(me) AND followed = a.id),
                    (SELECT state FROM social.follows WHERE follower = a.id AND followed = \(me)),
                    EXISTS (SELECT 1 FROM social.blocks WHERE blocker = \(me) AND blocked = a.id)
                FROM unnest(\(actorIDs)::text[]) AS a(id)
                """,
                logger: logger
            ).collect()
        }
        return try rows.map { row throws(SocialError) in
            let (actor, outgoing, incoming, blocking) = try decode(row, as: (String, String?, String?, Bool).self)
            return AccountRelationship(
                actor: actor,
                following: outgoing == "accepted",
                requested: outgoing == "pending",
                followedBy: incoming == "accepted",
                requestedBy: incoming == "pending",
                blocking: blocking
            )
        }
    }

    /// Who follows `actor` (`followers`) or whom it follows, accepted, newest first, before the
    /// date `before`: actor ids and when each follow began.
    public func follows(
        of actor: String,
        followers: Bool,
        before: Date?,
        limit: Int
    ) async throws(SocialError) -> [(actor: String, since: Date)] {
        let before = min(max(before ?? .distantFuture, .distantPast), .distantFuture)
        let rows = try await run(logger) {
            try await pool.query(
                """
                SELECT CASE WHEN \(followers) THEN follower ELSE followed END, created_at FROM social.follows
                WHERE (CASE WHEN \(followers) THEN followed ELSE follower END) = \(actor) AND state = 'accepted' AND created_at < \(before)
                ORDER BY created_at DESC LIMIT \(min(max(limit, 1), 80))
                """,
                logger: logger
            ).collect()
        }
        return try rows.map { row throws(SocialError) in
            let (actor, since) = try decode(row, as: (String, Date).self)
            return (actor: actor, since: since)
        }
    }

    /// The remote actor at `id` (or a handle's), fetched and kept if this server has not seen it:
    /// what a search that may resolve names finds.
    public func resolveAccount(_ handleOrURL: String) async throws(SocialError) -> String {
        let actor = try await following.resolve(handleOrURL)
        if urls.username(ofActor: actor) == nil { _ = try await remote.actor(actor) }
        return actor
    }

    /// Local users whose username or display name begins with `query`, for a search.
    public func searchLocalAccounts(_ query: String, limit: Int) async throws(SocialError) -> [String] {
        let pattern =
            query.lowercased().replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
        let rows = try await run(logger) {
            try await pool.query(
                """
                SELECT username FROM social.local_actors WHERE deleted_at IS NULL AND lower(username) LIKE \(pattern)
                ORDER BY username LIMIT \(min(max(limit, 1), 40))
                """,
                logger: logger
            ).collect()
        }
        return try rows.map { row throws(SocialError) in urls.actor(try decode(row, as: String.self)) }
    }
}

extension SocialModule {
    /// The actor id of `username` here (`host` nil or this server's), or of a remote account
    /// this server has already fetched; no network call.
    public func knownActor(username: String, host: String?) async throws(SocialError) -> String? {
        if host == nil || host?.lowercased() == settings.domain.lowercased() {
            guard let profile = try? await actors.profile(username: username), profile.isActive else { return nil }
            return urls.actor(profile.username)
        }
        return try await run(logger) {
            try await pool.query(
                """
                SELECT id FROM social.remote_actors WHERE lower(preferred_username) = lower(\(username)) AND lower(host) = lower(\(host ?? ""))
                ORDER BY fetched_at DESC LIMIT 1
                """,
                logger: logger
            ).collect().first?.decode(String.self)
        }
    }
}
