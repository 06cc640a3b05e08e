import Foundation
import HTTPTypes
import Hummingbird
import ScribeContracts
import ScribeHTTP
import ScribeSocial

/// Accounts: the signed-in user's own (`verify_credentials`), anyone's by id or handle, their
/// statuses and follows, and following, unfollowing and relationships.
struct AccountRoutes<Context: SessionContext>: Sendable {
    let api: MastodonAPI<Context>

    func add(to router: Router<Context>) {
        router.get("api/v1/accounts/verify_credentials", use: verifyCredentials)
        router.patch("api/v1/accounts/update_credentials", use: updateCredentials)
        router.get("api/v1/accounts/lookup", use: lookup)
        router.get("api/v1/accounts/relationships", use: relationships)
        router.get("api/v1/accounts/:id", use: show)
        router.get("api/v1/accounts/:id/statuses", use: statuses)
        router.get("api/v1/accounts/:id/followers", use: followers)
        router.get("api/v1/accounts/:id/following", use: following)
        router.post("api/v1/accounts/:id/follow", use: follow)
        router.post("api/v1/accounts/:id/unfollow", use: unfollow)
        router.post("api/v1/accounts/:id/block", use: block)
        router.post("api/v1/accounts/:id/unblock", use: unblock)
        router.get("api/v1/follow_requests", use: followRequests)
        router.post("api/v1/follow_requests/:id/authorize", use: authorizeFollower)
        router.post("api/v1/follow_requests/:id/reject", use: rejectFollower)
    }

    @Sendable func verifyCredentials(_ request: Request, context: Context) async throws -> Account {
        let user = try await api.callers.user(request, context, scope: "profile")
        let profile = try await api.social.actors.profile(id: user)
        var account = try await api.account(api.social.urls.actor(profile.username))
        let requests = try await api.social.following.requests(for: user)
        account.source = Account.Source(
            note: profile.bio,
            fields: profile.fields.map { Account.Field(name: $0.name, value: $0.value, verified_at: nil) },
            follow_requests_count: requests.count,
            discoverable: account.discoverable
        )
        return account
    }

    /// Changes the profile (name, bio, fields, avatar, header, through Core, all or nothing)
    /// and the account's settings (locked, discoverable, through Social).
    @Sendable func updateCredentials(_ request: Request, context: Context) async throws -> Account {
        let user = try await api.callers.user(request, context, scope: "write:accounts")
        let parameters = try await Parameters.read(request, context: context, maximumBody: Parameters.maximumUpload)
        var fields: [ProfileField]?
        let indexes = Set(parameters.keys.compactMap { Self.fieldIndex($0) }).sorted()
        if !indexes.isEmpty {
            fields = indexes.prefix(ProfileField.maximumCount + 1).map {
                ProfileField(name: parameters["fields_attributes[\($0)][name]"] ?? "", value: parameters["fields_attributes[\($0)][value]"] ?? "")
            }
        }
        let change = PublicProfileChange(
            displayName: parameters["display_name"],
            bio: parameters["note"],
            fields: fields,
            avatar: parameters.files["avatar"],
            header: parameters.files["header"]
        )
        if change != PublicProfileChange() {
            let changed: Result<UserProfile, CoreAPIError>
            do { changed = .success(try await api.core.changePublicProfile(of: user, change)) } catch { changed = .failure(error) }
            if case .failure(let error) = changed {
                throw error.code == .invalidArgument ? MastodonError.invalid(error.message) : error
            }
        }
        let locked = parameters["locked"].map { _ in parameters.bool("locked") }
        let discoverable = parameters["discoverable"].map { _ in parameters.bool("discoverable") }
        if locked != nil || discoverable != nil {
            _ = try await api.social.following.changeSettings(.init(manuallyApprovesFollowers: locked, discoverable: discoverable), as: user)
        }
        return try await verifyCredentials(request, context: context)
    }

    /// `i` of a `fields_attributes[i][name]` or `…[value]` parameter.
    static func fieldIndex(_ key: String) -> Int? {
        guard key.hasPrefix("fields_attributes["), let close = key.firstIndex(of: "]") else { return nil }
        return Int(key[key.index(key.startIndex, offsetBy: "fields_attributes[".count)..<close])
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Account {
        _ = try await api.callers.reader(request, context)
        return try await api.account(try await api.actor(context.parameters.get("id")))
    }

    @Sendable func lookup(_ request: Request, context: Context) async throws -> Account {
        _ = try await api.callers.reader(request, context)
        let parameters = try await Parameters.read(request, context: context)
        var handle = try parameters.required("acct")
        if handle.hasPrefix("@") { handle.removeFirst() }
        let parts = handle.split(separator: "@", maxSplits: 1).map(String.init)
        guard let username = parts.first, !username.isEmpty, username.count <= 100,
            let actor = try await api.social.knownActor(username: username, host: parts.count > 1 ? parts[1] : nil)
        else { throw MastodonError.notFound }
        return try await api.account(actor)
    }

    @Sendable func statuses(_ request: Request, context: Context) async throws -> Paged<[Status]> {
        let viewer = try await api.callers.reader(request, context)
        let actor = try await api.actor(context.parameters.get("id"))
        let parameters = try await Parameters.read(request, context: context)
        let limit = try parameters.limit(default: 20)
        // Only local accounts' statuses are kept whole; a remote account's are on its server.
        guard let username = api.social.urls.username(ofActor: actor) else { return Paged(value: [], link: nil) }
        if parameters.bool("pinned") || parameters.bool("only_media") { return Paged(value: [], link: nil) }
        let profile = try await api.social.actors.profile(username: username)
        let before = parameters.id("max_id").map(PublicIDs.date(of:))
        let found = try await api.social.statusIDs(of: profile.id, viewer: viewer, before: before, limit: limit)
        let shown = try await api.presenter.statuses(found.map { Presenter.Line(object: $0.id) }, viewer: viewer)
        return Paged(value: shown, link: pageLink(request, origin: api.origin, first: shown.first?.id, last: shown.last?.id))
    }

    @Sendable func followers(_ request: Request, context: Context) async throws -> Paged<[Account]> {
        try await follows(request, context: context, followers: true)
    }

    @Sendable func following(_ request: Request, context: Context) async throws -> Paged<[Account]> {
        try await follows(request, context: context, followers: false)
    }

    /// Followers and following, paged by when each follow began (the id in `Link` is the
    /// follow's, as Mastodon's: a time-ordered number).
    private func follows(_ request: Request, context: Context, followers: Bool) async throws -> Paged<[Account]> {
        _ = try await api.callers.reader(request, context, scope: "read:accounts")
        let actor = try await api.actor(context.parameters.get("id"))
        let parameters = try await Parameters.read(request, context: context)
        let limit = try parameters.limit(default: 40)
        let before = parameters.id("max_id").map(PublicIDs.date(of:))
        let found = try await api.social.follows(of: actor, followers: followers, before: before, limit: limit)
        let accounts = try await api.presenter.accounts(found.map(\.actor))
        let shown = found.compactMap { accounts[$0.actor] }
        let cursors = found.map { String(PublicIDs.make(at: $0.since) | 0xFFFF) }
        return Paged(value: shown, link: pageLink(request, origin: api.origin, first: cursors.first, last: cursors.last, previousKey: "since_id"))
    }

    @Sendable func follow(_ request: Request, context: Context) async throws -> Relationship {
        let user = try await api.callers.user(request, context, scope: "write:follows")
        let actor = try await api.actor(context.parameters.get("id"))
        guard actor != (try await api.actor(of: user)) else { throw MastodonError(.forbidden, "This action is not allowed") }
        _ = try await api.social.following.follow(actor, as: user)
        return try await relationship(of: user, to: actor, id: context.parameters.get("id") ?? "")
    }

    @Sendable func unfollow(_ request: Request, context: Context) async throws -> Relationship {
        let user = try await api.callers.user(request, context, scope: "write:follows")
        let actor = try await api.actor(context.parameters.get("id"))
        try await api.social.following.unfollow(actor, as: user)
        return try await relationship(of: user, to: actor, id: context.parameters.get("id") ?? "")
    }

    @Sendable func relationships(_ request: Request, context: Context) async throws -> [Relationship] {
        let user = try await api.callers.user(request, context, scope: "read:follows")
        let parameters = try await Parameters.read(request, context: context)
        var actors: [(id: String, actor: String)] = []
        for id in parameters.list("id").prefix(80) {
            if let actor = try? await api.actor(id) { actors.append((id, actor)) }
        }
        let found = try await api.social.relationships(of: user, to: actors.map(\.actor))
        let byActor = Dictionary(found.map { ($0.actor, $0) }, uniquingKeysWith: { a, _ in a })
        return actors.compactMap { pair in byActor[pair.actor].map { Self.relationship($0, id: pair.id) } }
    }

    @Sendable func followRequests(_ request: Request, context: Context) async throws -> [Account] {
        let user = try await api.callers.user(request, context, scope: "read:follows")
        let actors = try await api.social.following.requests(for: user)
        let accounts = try await api.presenter.accounts(actors)
        return actors.compactMap { accounts[$0] }
    }

    @Sendable func block(_ request: Request, context: Context) async throws -> Relationship {
        let user = try await api.callers.user(request, context, scope: "write:blocks")
        let actor = try await api.actor(context.parameters.get("id"))
        guard actor != (try await api.actor(of: user)) else { throw MastodonError(.forbidden, "This action is not allowed") }
        try await api.social.actions.block(actor, as: user)
        return try await relationship(of: user, to: actor, id: context.parameters.get("id") ?? "")
    }

    @Sendable func unblock(_ request: Request, context: Context) async throws -> Relationship {
        let user = try await api.callers.user(request, context, scope: "write:blocks")
        let actor = try await api.actor(context.parameters.get("id"))
        try await api.social.actions.unblock(actor, as: user)
        return try await relationship(of: user, to: actor, id: context.parameters.get("id") ?? "")
    }

    @Sendable func authorizeFollower(_ request: Request, context: Context) async throws -> Relationship {
        try await answerFollower(request, context, accept: true)
    }

    @Sendable func rejectFollower(_ request: Request, context: Context) async throws -> Relationship {
        try await answerFollower(request, context, accept: false)
    }

    /// Accepts or declines the follow request of the account an id names.
    private func answerFollower(_ request: Request, _ context: Context, accept: Bool) async throws -> Relationship {
        let user = try await api.callers.user(request, context, scope: "write:follows")
        let actor = try await api.actor(context.parameters.get("id"))
        guard try await api.social.following.requests(for: user).contains(actor) else { throw MastodonError.notFound }
        try await api.social.following.answer(request: actor, accept: accept, as: user)
        return try await relationship(of: user, to: actor, id: context.parameters.get("id") ?? "")
    }

    private func relationship(of user: UUID, to actor: String, id: String) async throws -> Relationship {
        guard let found = try await api.social.relationships(of: user, to: [actor]).first else { throw MastodonError.notFound }
        return Self.relationship(found, id: id)
    }

    static func relationship(_ found: AccountRelationship, id: String) -> Relationship {
        Relationship(
            id: id,
            following: found.following,
            showing_reblogs: found.following || found.requested,
            languages: nil,
            followed_by: found.followedBy,
            blocking: found.blocking,
            requested: found.requested,
            requested_by: found.requestedBy
        )
    }
}
