import ActivityPubKit
import Foundation
import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// What a local user follows: by handle (`@bob@remote.example`, `bob@remote.example`) or actor
/// URL, local or remote. A remote follow is pending until the other server's `Accept` arrives.
public struct Following: Sendable {
    let actors: LocalActors
    let remote: RemoteActors
    let client: FederationClient
    let tables: SocialTables
    let deliveryBell: Doorbell
    let urls: ActorURLs
    let domain: String
    let pool: PostgresClient
    let logger: Logger

    public struct Followed: Codable, Sendable, Equatable {
        /// The followed actor's id.
        public var actor: String
        /// `pending` until accepted, then `accepted`.
        public var state: String
    }

    /// Follows `handle` as the user `userID`.
    public func follow(_ handle: String, as userID: UUID) async throws(SocialError) -> Followed {
        let profile = try await actors.profile(id: userID)
        let me = urls.actor(profile.username)
        let target = try await resolve(handle)
        guard target != me else { throw SocialError(.invalidInput, "You cannot follow yourself.") }

        if let username = urls.username(ofActor: target) {
            let followed = try await actors.profile(username: username)
            let locked = try await actors.manuallyApprovesFollowers(followed.id)
            let stored = try await transaction(on: pool, logger: logger) { connection in
                try await tables.followLocalUser(
                    followed.id,
                    actor: urls.actor(followed.username),
                    by: me,
                    locked: locked,
                    activityID: urls.activity(UUID()),
                    on: connection
                )
            }
            return Followed(actor: stored.followed, state: stored.state.rawValue)
        }

        let actor = try await remote.actor(target)
        let activityID = urls.activity(UUID())
        let stored = try await transaction(on: pool, logger: logger) { connection in
            let stored = try await tables.follows.record(follower: me, followed: actor.id, activityID: activityID, state: .pending, on: connection)
            // Re-sending a Follow that was already accepted is harmless; servers answer it again.
            let follow = ASObject.activity("Follow", id: stored.activityID, actor: me, object: .string(actor.id), to: [actor.id])
                .document(in: ScribeVocabulary.context)
            try await tables.deliveries.enqueue(follow, to: [actor.inbox], signer: userID, on: connection)
            return stored
        }
        await deliveryBell.ring()
        return Followed(actor: actor.id, state: stored.state.rawValue)
    }

    /// Stops following `handle`; a remote server is sent `Undo` of the Follow.
    public func unfollow(_ handle: String, as userID: UUID) async throws(SocialError) {
        let profile = try await actors.profile(id: userID)
        let me = urls.actor(profile.username)
        let target = try await resolve(handle)
        let remoteActor = urls.isLocal(target) ? nil : try await remote.cached(target)
        let removed = try await transaction(on: pool, logger: logger) { connection -> Bool in
            guard let follow = try await tables.follows.find(follower: me, followed: target, on: connection) else { return false }
            try await tables.follows.remove(follower: me, followed: target, on: connection)
            if let remoteActor {
                let original = ASObject.activity("Follow", id: follow.activityID, actor: me, object: .string(target))
                let undo = ASObject.activity("Undo", id: urls.activity(UUID()), actor: me, object: original.embedded, to: [target])
                    .document(in: ScribeVocabulary.context)
                try await tables.deliveries.enqueue(undo, to: [remoteActor.inbox], signer: userID, on: connection)
            }
            return true
        }
        guard removed else { throw SocialError(.notFound, "You do not follow that account.") }
        await deliveryBell.ring()
    }

    /// Accounts waiting for the user (who approves followers by hand) to answer their Follow.
    public func requests(for userID: UUID) async throws(SocialError) -> [String] {
        let profile = try await actors.profile(id: userID)
        return try await run(logger) {
            try await pool.query(
                "SELECT follower FROM social.follows WHERE followed = \(urls.actor(profile.username)) AND state = 'pending' ORDER BY created_at",
                logger: logger
            ).collect().map { try $0.decode(String.self) }
        }
    }

    /// Answers a follow request: `Accept` (the follow becomes real) or `Reject` (it is removed).
    public func answer(request follower: String, accept: Bool, as userID: UUID) async throws(SocialError) {
        let profile = try await actors.profile(id: userID)
        let me = urls.actor(profile.username)
        let remoteActor = urls.isLocal(follower) ? nil : try await remote.actor(follower)
        let answered = try await transaction(on: pool, logger: logger) { connection -> Bool in
            guard let follow = try await tables.follows.find(follower: follower, followed: me, on: connection), follow.state == .pending else {
                return false
            }
            if accept {
                try await tables.follows.accept(follower: follower, followed: me, on: connection)
            } else {
                try await tables.follows.remove(follower: follower, followed: me, on: connection)
            }
            if let remoteActor {
                let original = ASObject.activity("Follow", id: follow.activityID, actor: follower, object: .string(me))
                let answer = ASObject.activity(
                    accept ? "Accept" : "Reject",
                    id: urls.activity(UUID()),
                    actor: me,
                    object: original.embedded,
                    to: [follower]
                )
                try await tables.deliveries.enqueue(
                    answer.document(in: ScribeVocabulary.context),
                    to: [remoteActor.inbox],
                    signer: userID,
                    on: connection
                )
            }
            return true
        }
        guard answered else { throw SocialError(.notFound, "No follow request from that account.") }
        await deliveryBell.ring()
    }

    /// The actor id a handle or URL names: ours directly, others by WebFinger.
    public func resolve(_ handle: String) async throws(SocialError) -> String {
        let text = handle.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("https://") || text.hasPrefix("http://") {
            guard URL(string: text)?.host() != nil else { throw SocialError(.invalidInput, "That is not an account address.") }
            return text
        }
        let (username, host) = try Self.account(text)
        if host == domain.lowercased() {
            return urls.actor(try await actors.profile(username: username).username)
        }
        guard let actor = try await webFinger(username, host).actorID else {
            throw SocialError(.remoteFailed, "\(host) names no ActivityPub actor for \(username).")
        }
        return actor
    }

    /// Where to send someone whose account is `handle` on another server so that they follow
    /// `username` here: their server's `subscribe` template (the "remote follow" of Mastodon and
    /// others), filled in with our user's address.
    public func remoteFollowURL(for handle: String, toFollow username: String) async throws(SocialError) -> String {
        try await remoteInteractionURL(for: handle, about: "acct:\(try await actors.profile(username: username).username)@\(domain)")
    }

    /// Where to send someone whose account is `handle` on another server so that they act on
    /// `uri` (an item's or post's address, or an account as `acct:`) from there: their server's
    /// `subscribe` template (Mastodon's `/authorize_interaction?uri=`), filled in.
    public func remoteInteractionURL(for handle: String, about uri: String) async throws(SocialError) -> String {
        let (theirName, host) = try Self.account(handle.trimmingCharacters(in: .whitespaces))
        guard host != domain.lowercased() else { throw SocialError(.invalidInput, "That account is on this server: log in here instead.") }
        let template = try await webFinger(theirName, host).links.first { $0.rel == "http://ostatus.org/schema/1.0/subscribe" }?.template
        guard let template, template.contains("{uri}") else { throw SocialError(.remoteFailed, "\(host) does not say how to act from there.") }
        let url = template.replacingOccurrences(of: "{uri}", with: uri.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? uri)
        guard let scheme = URL(string: url)?.scheme?.lowercased(), ["https", "http"].contains(scheme) else {
            throw SocialError(.remoteFailed, "\(host) gave an address that is not a web page.")
        }
        return url
    }

    static func account(_ text: String) throws(SocialError) -> (username: String, host: String) {
        guard case .account(let username, let host)? = WebFingerResource(text), !username.isEmpty, !host.isEmpty else {
            throw SocialError(.invalidInput, "An account is written user@host, such as bob@mastodon.example.")
        }
        return (username, host)
    }

    private func webFinger(_ username: String, _ host: String) async throws(SocialError) -> WebFingerDocument {
        do { return try await client.webFinger(username: username, domain: host) } catch {
            if error.code == .unexpectedStatus, error.status == 404 { throw SocialError(.notFound, "\(username)@\(host) was not found.") }
            // Words for a person, who typed the address: no error codes.
            switch error.code {
            case .unresolvableHost: throw SocialError(.invalidInput, "No server was found at \(host): check the address after the @.")
            case .forbiddenAddress, .unsupportedURL: throw SocialError(.invalidInput, "\(host) is not a server this one can reach.")
            case .timedOut, .connectionFailed: throw SocialError(.remoteFailed, "\(host) did not answer; try again later.")
            default: throw SocialError(.remoteFailed, "\(host) could not tell us about \(username); try again later.")
            }
        }
    }
}
