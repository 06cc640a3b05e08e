import ActivityPubKit
import Foundation
import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// Scribe users as ActivityPub actors, and the instance actor that signs the server's fetches.
///
/// Guarantees: an actor's id is the WebFinger `self` link to the byte; documents carry public
/// facts only (username, dates, the public key, the locked flag); a locked or pending account
/// has no actor.
public struct LocalActors: Sendable {
    let core: any CoreAPI
    let urls: ActorURLs
    let pool: PostgresClient
    /// Actor documents as served, and the notices that keep them current.
    let documents: DocumentCache
    let changes: ChangeNotices
    let logger: Logger
    /// Usernames by user, for signing: a fan-out signs once per delivery, and a username never
    /// changes once its actor exists (a removed user's key is not found when signing).
    let signingNames = MemoryCache<UUID, String>(timeToLive: .seconds(600), capacity: 10_000)

    /// The actor of an active user, by username in any case.
    public func profile(username: String) async throws(SocialError) -> UserProfile {
        let profile: UserProfile
        do { profile = try await core.profile(username: username) } catch { throw Self.socialError(error) }
        guard profile.isActive else { throw SocialError(.notFound, "No such user.") }
        return profile
    }

    public func profile(id: UUID) async throws(SocialError) -> UserProfile {
        let profile: UserProfile
        do { profile = try await core.profile(id: id) } catch { throw Self.socialError(error) }
        guard profile.isActive else { throw SocialError(.notFound, "No such user.") }
        return profile
    }

    /// The `Person` document of a user.
    public func document(for profile: UserProfile) async throws(SocialError) -> ASObject {
        let name = profile.username
        let pem: String
        do { pem = try await core.actorPublicKey(of: .user(profile.id)) } catch { throw Self.socialError(error) }
        let settings = try await accountSettings(profile.id)
        let locked = settings.manuallyApprovesFollowers
        var person: ASObject = [
            "id": .string(urls.actor(name)), "type": "Person", "preferredUsername": .string(name),
            "name": .string(profile.displayName.isEmpty ? name : profile.displayName), "summary": .string(Self.summary(profile.bio)),
            "url": .string(urls.profile(name)),
            "inbox": .string(urls.inbox(name)), "outbox": .string(urls.outbox(name)),
            "followers": .string(urls.followers(name)), "following": .string(urls.following(name)),
            "endpoints": ["sharedInbox": .string(urls.sharedInbox)],
            "manuallyApprovesFollowers": .bool(locked), "discoverable": .bool(settings.discoverable),
            "indexable": .bool(settings.indexable), "featured": .string(urls.featured(name)),
            // Mastodon publishes the creation day, not the instant.
            "published": .string(ASObject.timestamp(Calendar(identifier: .gregorian).startOfDay(for: profile.createdAt))),
        ]
        person["publicKey"] = ASObject.publicKey(actor: urls.actor(name), pem: pem).embedded
        if let type = profile.avatarContentType {
            person["icon"] = ASObject.image(url: urls.userAvatar(name, contentType: type), mediaType: type).embedded
        }
        if let type = profile.headerContentType {
            person["image"] = ASObject.image(url: urls.userImage(.header, of: name, contentType: type), mediaType: type).embedded
        }
        if !profile.fields.isEmpty {
            person["attachment"] = .array(
                profile.fields.map { field in
                    ["type": "PropertyValue", "name": .string(field.name), "value": .string(Self.fieldValue(field.value))]
                }
            )
        }
        if !settings.alsoKnownAs.isEmpty { person["alsoKnownAs"] = .strings(settings.alsoKnownAs) }
        if let movedTo = settings.movedTo { person["movedTo"] = .string(movedTo) }
        return person.document(in: ScribeVocabulary.context)
    }

    /// The `Person` document of the active user asked for (in any case) as served, from memory
    /// when it may be, with the user's id and the spelling of their name that is its id.
    public func servedDocument(username: String) async throws(SocialError) -> (bytes: Data, userID: UUID, username: String) {
        let served = try await documents.document(for: "actor:" + username) { () async throws(SocialError) in
            let profile = try await profile(username: username)
            return DocumentCache.Document(
                bytes: try Self.encoded(try await document(for: profile)),
                subjects: [Self.subject(profile.id)],
                user: (profile.id, profile.username)
            )
        }
        guard let served, let user = served.user else { throw SocialError(.notFound, "No such user.") }
        return (served.bytes, user.id, user.username)
    }

    /// The instance actor's document as served, from memory when it may be.
    public func servedInstanceDocument(domain: String) async throws(SocialError) -> Data {
        let served = try await documents.document(for: "instance-actor") { () async throws(SocialError) in
            DocumentCache.Document(bytes: try Self.encoded(try await instanceDocument(domain: domain)), subjects: [])
        }
        guard let served else { throw SocialError(.notFound, "No instance actor.") }
        return served.bytes
    }

    /// A document's bytes as served and delivered.
    static func encoded(_ document: ASObject) throws(SocialError) -> Data {
        do { return try document.encoded() } catch { throw SocialError(.unavailable, "The document could not be encoded.") }
    }

    /// How change notices name a user: what their actor document is made from.
    static func subject(_ userID: UUID) -> String { ChangeNotices.subject("user", userID) }

    /// The `Update` that carries an actor's document as it is now to the servers that follow it,
    /// so they refresh what they show (name, bio, avatar, aliases, a move).
    func update(of document: ASObject, actor: String) -> ASObject {
        ASObject.activity("Update", id: urls.activity(UUID()), actor: actor, object: document.embedded, to: [ItemNote.publicAudience])
            .document(in: ScribeVocabulary.context)
    }

    /// A plain-text bio as the HTML `summary` Mastodon shows: escaped, a paragraph per blank line.
    static func summary(_ bio: String) -> String {
        guard !bio.isEmpty else { return "" }
        return bio.components(separatedBy: "\n\n").map { "<p>" + HTMLSanitizer.escape($0).replacingOccurrences(of: "\n", with: "<br>") + "</p>" }
            .joined()
    }

    /// A profile field's value as the HTML Mastodon sends and shows: a value that is a web address
    /// becomes a link with `rel="me"` (what lets the page it names verify this profile), shortened
    /// as Mastodon shortens it; any other value is escaped text.
    public static func fieldValue(_ value: String) -> String {
        guard let url = ProfileLinks.linkTarget(value) else { return HTMLSanitizer.escape(value) }
        let schemeEnd = value.range(of: "://")!.upperBound
        var prefix = String(value[..<schemeEnd])
        var rest = String(value[schemeEnd...])
        if rest.hasPrefix("www.") {
            prefix += "www."
            rest.removeFirst(4)
        }
        let shown = String(rest.prefix(30))
        let hidden = String(rest.dropFirst(30))
        return "<a href=\"\(HTMLSanitizer.escape(url))\" target=\"_blank\" rel=\"nofollow noopener me\" translate=\"no\">"
            + "<span class=\"invisible\">\(HTMLSanitizer.escape(prefix))</span>"
            + "<span class=\"\(hidden.isEmpty ? "" : "ellipsis")\">\(HTMLSanitizer.escape(shown))</span>"
            + "<span class=\"invisible\">\(HTMLSanitizer.escape(hidden))</span></a>"
    }

    /// The instance actor (`Application` at `/actor`), readable without a signature.
    public func instanceDocument(domain: String) async throws(SocialError) -> ASObject {
        let pem: String
        do { pem = try await core.actorPublicKey(of: .instance) } catch { throw Self.socialError(error) }
        var actor: ASObject = [
            "id": .string(urls.instanceActor), "type": "Application", "preferredUsername": .string(domain),
            "inbox": .string(urls.instanceInbox), "outbox": .string(urls.instanceActor + "/outbox"),
            "endpoints": ["sharedInbox": .string(urls.sharedInbox)], "manuallyApprovesFollowers": true, "url": .string(urls.origin + "/"),
        ]
        actor["publicKey"] = ASObject.publicKey(actor: urls.instanceActor, pem: pem).embedded
        return actor.document(in: ScribeVocabulary.context)
    }

    /// Signs as a user; the key stays in Core. A deleted user still signs (its key is retired,
    /// not gone) so that its actor's Delete reaches its followers.
    func identity(ofUser userID: UUID) async throws(SocialError) -> SigningIdentity {
        SigningIdentity(keyID: urls.key(try await signingName(userID)), signer: CoreSigner(core: core, owner: .user(userID)))
    }

    private func signingName(_ userID: UUID) async throws(SocialError) -> String {
        if let username = signingNames[userID] { return username }
        let rows = try await run(logger) {
            try await pool.query("SELECT username FROM social.local_actors WHERE user_id = \(userID)", logger: logger).collect()
        }
        let username: String
        if let row = rows.first { username = try decode(row, as: String.self) } else { username = try await profile(id: userID).username }
        signingNames.set(username, for: userID)
        return username
    }

    /// Signs as the instance actor, for the server's own fetches.
    var instanceIdentity: SigningIdentity {
        SigningIdentity(keyID: urls.instanceKey, signer: CoreSigner(core: core, owner: .instance))
    }

    // MARK: Settings

    /// What a user has set about their actor; the defaults when they have set nothing.
    public struct AccountSettings: Codable, Sendable, Equatable {
        public var manuallyApprovesFollowers = false
        /// The actor ids the user names as their other accounts (`alsoKnownAs`).
        public var alsoKnownAs: [String] = []
        /// The actor this account moved to (`movedTo`), once it has.
        public var movedTo: String?
        /// Whether directories and suggestions may list the account (Mastodon's `discoverable`).
        public var discoverable = true
        /// Whether its public posts may be searched (Mastodon's `indexable`).
        public var indexable = false

        enum CodingKeys: String, CodingKey {
            case discoverable, indexable
            case manuallyApprovesFollowers = "manually_approves_followers"
            case alsoKnownAs = "also_known_as"
            case movedTo = "moved_to"
        }
    }

    public func accountSettings(_ userID: UUID) async throws(SocialError) -> AccountSettings {
        let rows = try await run(logger) {
            try await pool.query(
                """
                SELECT manually_approves_followers, also_known_as, moved_to, discoverable, indexable
                FROM social.account_settings WHERE user_id = \(userID)
                """,
                logger: logger
            ).collect()
        }
        guard let row = rows.first else { return AccountSettings() }
        let (locked, aliases, movedTo, discoverable, indexable) = try decode(row, as: (Bool, [String], String?, Bool, Bool).self)
        return AccountSettings(
            manuallyApprovesFollowers: locked,
            alsoKnownAs: aliases,
            movedTo: movedTo,
            discoverable: discoverable,
            indexable: indexable
        )
    }

    public func manuallyApprovesFollowers(_ userID: UUID) async throws(SocialError) -> Bool {
        try await accountSettings(userID).manuallyApprovesFollowers
    }

    /// Changes what is given (nil leaves it): locked or not, found or not, searched or not.
    func setSettings(
        _ userID: UUID,
        locked: Bool?,
        discoverable: Bool?,
        indexable: Bool?,
        on connection: PostgresConnection
    ) async throws {
        changes.post(.pending(.socialDocuments, subject: Self.subject(userID)))
        try await connection.query(
            """
            INSERT INTO social.account_settings (user_id, manually_approves_followers, discoverable, indexable)
            VALUES (\(userID), coalesce(\(locked), false), coalesce(\(discoverable), true), coalesce(\(indexable), false))
            ON CONFLICT (user_id) DO UPDATE SET
                manually_approves_followers = coalesce(\(locked), social.account_settings.manually_approves_followers),
                discoverable = coalesce(\(discoverable), social.account_settings.discoverable),
                indexable = coalesce(\(indexable), social.account_settings.indexable),
                updated_at = now()
            """,
            logger: logger
        )
    }

    /// Names the user's other accounts, in the transaction that tells their followers.
    func setAliases(_ aliases: [String], of userID: UUID, on connection: PostgresConnection) async throws {
        changes.post(.pending(.socialDocuments, subject: Self.subject(userID)))
        try await connection.query(
            """
            INSERT INTO social.account_settings (user_id, also_known_as) VALUES (\(userID), \(aliases))
            ON CONFLICT (user_id) DO UPDATE SET also_known_as = EXCLUDED.also_known_as, updated_at = now()
            """,
            logger: logger
        )
    }

    /// Records where the account moved, in the transaction that sends the `Move`.
    func setMovedTo(_ actor: String, of userID: UUID, on connection: PostgresConnection) async throws {
        changes.post(.pending(.socialDocuments, subject: Self.subject(userID)))
        try await connection.query(
            """
            INSERT INTO social.account_settings (user_id, moved_to, moved_at) VALUES (\(userID), \(actor), now())
            ON CONFLICT (user_id) DO UPDATE SET moved_to = EXCLUDED.moved_to, moved_at = now(), updated_at = now()
            """,
            logger: logger
        )
    }

    /// The user's links that verified, with when they first did.
    public func verifiedLinks(of userID: UUID) async throws(SocialError) -> [String: Date] {
        let rows = try await run(logger) {
            try await pool.query("SELECT url, verified_at FROM social.verified_profile_links WHERE user_id = \(userID)", logger: logger).collect()
        }
        var links: [String: Date] = [:]
        for row in rows {
            let (url, at) = try decode(row, as: (String, Date).self)
            links[url] = at
        }
        return links
    }

    /// When the account last moved away, if it has.
    func lastMove(of userID: UUID) async throws(SocialError) -> Date? {
        let rows = try await run(logger) {
            try await pool.query("SELECT moved_at FROM social.account_settings WHERE user_id = \(userID) AND moved_at IS NOT NULL", logger: logger)
                .collect()
        }
        return try rows.first.map { row throws(SocialError) in try decode(row, as: Date.self) }
    }

    static func socialError(_ error: CoreAPIError) -> SocialError {
        switch error.code {
        case .notFound: SocialError(.notFound, "No such user.")
        case .invalidArgument: SocialError(.invalidInput, error.message)
        case .unauthenticated, .forbidden: SocialError(.forbidden, error.message)
        case .unavailable: SocialError(.unavailable, "Core cannot answer right now.")
        }
    }
}
