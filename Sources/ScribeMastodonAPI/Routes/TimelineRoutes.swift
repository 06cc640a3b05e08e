import Foundation
import HTTPTypes
import Hummingbird
import ScribeContracts
import ScribeHTTP
import ScribeSocial

/// Timelines: the user's home (what the accounts she follows posted and boosted, and her own),
/// the public one (this server's, other servers', or both) and a hashtag's, paged as Mastodon
/// pages them (`max_id`, `since_id`, `min_id`, `limit`, and a `Link` header).
struct TimelineRoutes<Context: SessionContext>: Sendable {
    let api: MastodonAPI<Context>

    func add(to router: Router<Context>) {
        router.get("api/v1/timelines/home", use: home)
        router.get("api/v1/timelines/public", use: publicTimeline)
        router.get("api/v1/timelines/tag/:hashtag", use: tag)
    }

    @Sendable func home(_ request: Request, context: Context) async throws -> Paged<[Status]> {
        let user = try await api.callers.user(request, context, scope: "read:statuses")
        let parameters = try await Parameters.read(request, context: context)
        let limit = try parameters.limit(default: 20)
        // The home feed is kept in the order things arrived; an id is found there by its line.
        let before = try await position(parameters["max_id"], in: user)
        let minimum = try await position(parameters["min_id"], in: user)
        let since = try await position(parameters["since_id"], in: user)
        let entries = try await api.social.homeFeed(
            for: user,
            before: before,
            after: minimum ?? since,
            oldestFirst: minimum != nil,
            limit: limit
        )
        let lines = entries.map { entry in
            entry.kind == "boost"
                ? Presenter.Line(object: entry.object, booster: entry.actor, boostedAt: entry.createdAt) : Presenter.Line(object: entry.object)
        }
        let shown = try await api.presenter.statuses(lines, viewer: user)
        return Paged(value: shown, link: pageLink(request, origin: api.origin, first: shown.first?.id, last: shown.last?.id))
    }

    /// Where the status (or boost) an id names is in the user's feed; an id that is not there
    /// pages as if absent.
    private func position(_ id: String?, in user: UUID) async throws -> Int64? {
        guard let id, !id.isEmpty else { return nil }
        guard let line = try? await api.line(id) else { return nil }
        let kind = line.booster == nil ? "item" : "boost"
        return try await api.social.feeds.position(in: user, kind: kind, object: line.object, actor: line.booster ?? "")
    }

    @Sendable func publicTimeline(_ request: Request, context: Context) async throws -> Paged<[Status]> {
        let viewer = try await api.callers.reader(request, context)
        let parameters = try await Parameters.read(request, context: context)
        let limit = try parameters.limit(default: 20)
        if parameters.bool("only_media") { return Paged(value: [], link: nil) }
        let minimum = parameters.id("min_id")
        let found = try await api.social.publicStatusIDs(
            local: parameters.bool("local"),
            remote: parameters.bool("remote"),
            before: parameters.id("max_id").map(PublicIDs.date(of:)),
            after: (minimum ?? parameters.id("since_id")).map { PublicIDs.date(of: $0 | 0xFFFF).addingTimeInterval(0.001) },
            oldestFirst: minimum != nil,
            limit: limit
        )
        let shown = try await api.presenter.statuses(found.map { Presenter.Line(object: $0.id) }, viewer: viewer)
        return Paged(value: shown, link: pageLink(request, origin: api.origin, first: shown.first?.id, last: shown.last?.id))
    }

    @Sendable func tag(_ request: Request, context: Context) async throws -> Paged<[Status]> {
        let viewer = try await api.callers.reader(request, context)
        let parameters = try await Parameters.read(request, context: context)
        let limit = try parameters.limit(default: 20)
        guard let name = context.parameters.get("hashtag")?.removingPercentEncoding, !name.isEmpty, name.count <= 100 else {
            throw MastodonError.notFound
        }
        let found = try await api.social.taggedStatusIDs(name, before: parameters.id("max_id").map(PublicIDs.date(of:)), limit: limit)
        let shown = try await api.presenter.statuses(found.map { Presenter.Line(object: $0.id) }, viewer: viewer)
        return Paged(value: shown, link: pageLink(request, origin: api.origin, first: shown.first?.id, last: shown.last?.id))
    }
}
