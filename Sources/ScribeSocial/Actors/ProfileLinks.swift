import ActivityPubKit
import Foundation
import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// Verifies the links in local users' profile fields as Mastodon does (`rel="me"`): a field whose
/// value is a web address is verified when the page there links back to the user's profile
/// with `rel="me"`, as a personal site or another Mastodon profile does. Profiles then show the
/// field as verified.
///
/// A consumer of Core's event log of its own (`social.profile_links`), apart from the publisher:
/// the pages are fetched while the event is prepared, with no connection held, so a slow site
/// delays only this check, never a publication.
///
/// Guarantees: every page is fetched through the guarded client, unsigned, within its deadline
/// and size cap; a link is verified only by a `rel="me"` link whose address is the profile's
/// page or actor (ignoring case and a trailing slash); a link that no longer verifies, or a
/// field that is gone, loses its mark when the profile next changes.
struct ProfileLinks: Sendable {
    let core: any CoreAPI
    let consumer: EventConsumer<CoreEvent>
    let client: FederationClient
    let urls: ActorURLs
    let pool: PostgresClient
    let logger: Logger

    /// The address a field's value names, when the whole value is one `http` or `https` URL
    /// with a host and without credentials or spaces (what Mastodon links and may verify).
    static func linkTarget(_ value: String) -> String? {
        guard !value.contains(where: \.isWhitespace), let url = URL(string: value), let scheme = url.scheme?.lowercased(),
            scheme == "https" || scheme == "http", url.host()?.isEmpty == false, url.user == nil, url.password == nil,
            value.lowercased().hasPrefix(scheme + "://")
        else { return nil }
        return value
    }

    /// A user's links as checked: the profile's id and which of its field links verified.
    struct Checked: Sendable {
        var userID: UUID
        var verified: [String]
    }

    @discardableResult
    func catchUp() async throws -> Int {
        try await consumer.catchUp(
            fetch: { [core] after, limit in try await core.events(after: after, limit: limit) },
            prepare: { event in try await check(event) },
            apply: { _, checked, connection in
                if let checked { try await record(checked, on: connection) }
            }
        )
    }

    /// For a created or changed account, its links checked; nil for any other event.
    ///
    /// - Throws: when Core cannot answer, or the work is cancelled (a stop), so that the event is
    ///   tried again rather than recorded with nothing verified.
    func check(_ event: CoreEvent) async throws -> Checked? {
        guard event.type == .userCreated || event.type == .userUpdated else { return nil }
        let profile: UserProfile
        do { profile = try await core.profile(id: event.subjectID) } catch {
            // An account that is gone verifies nothing; anything else is tried again.
            guard error.code == .notFound else { throw error }
            return Checked(userID: event.subjectID, verified: [])
        }
        guard profile.isActive else { return Checked(userID: profile.id, verified: []) }
        let backLinks = [urls.profile(profile.username), urls.actor(profile.username)].map(Self.comparable)
        var verified: [String] = []
        for link in Set(profile.fields.compactMap { Self.linkTarget($0.value) }) where await links(link, backTo: backLinks) {
            verified.append(link)
        }
        // A fetch cut short by a stop is no answer: the event waits for the next start.
        try Task.checkCancellation()
        return Checked(userID: profile.id, verified: verified)
    }

    /// Whether the page at `link` has a `rel="me"` link to one of `profiles`.
    func links(_ link: String, backTo profiles: [String]) async -> Bool {
        guard let url = URL(string: link) else { return false }
        do {
            let page = try await client.get(url, accept: "text/html", signedBy: nil)
            let html = String(decoding: page.body, as: UTF8.self)
            return HTMLSanitizer.relMeLinks(in: html).contains { profiles.contains(Self.comparable($0)) }
        } catch {
            logger.debug("a profile link did not verify", metadata: ["host": .string(url.host() ?? "?"), "reason": .string(error.code.rawValue)])
            return false
        }
    }

    static func comparable(_ address: String) -> String {
        var text = address.lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// Keeps the links that verified (with the time they first did) and forgets the rest.
    func record(_ checked: Checked, on connection: PostgresConnection) async throws {
        try await connection.query(
            "DELETE FROM social.verified_profile_links WHERE user_id = \(checked.userID) AND NOT (url = ANY(\(checked.verified)))",
            logger: logger
        )
        for link in checked.verified {
            try await connection.query(
                "INSERT INTO social.verified_profile_links (user_id, url) VALUES (\(checked.userID), \(link)) ON CONFLICT DO NOTHING",
                logger: logger
            )
        }
    }
}
