import Foundation
import HTTPTypes
import Hummingbird
import ScribeContracts
import ScribeHTTP
import ScribeSocial

/// Notifications: new followers and requests, favourites, boosts, mentions and replies, quotes;
/// filtered by `types[]`/`exclude_types[]`, dismissed one by one or all at once.
struct NotificationRoutes<Context: SessionContext>: Sendable {
    let api: MastodonAPI<Context>

    func add(to router: Router<Context>) {
        router.get("api/v1/notifications", use: list)
        router.get("api/v1/notifications/unread_count", use: unreadCount)
        router.get("api/v1/notifications/:id", use: show)
        router.post("api/v1/notifications/clear", use: clear)
        router.post("api/v1/notifications/:id/dismiss", use: dismiss)
    }

    /// Mastodon's name for each kind Social records.
    static func type(_ kind: Notifications.Kind) -> String {
        switch kind {
        case .follow: "follow"
        case .followRequest: "follow_request"
        case .like: "favourite"
        case .boost: "reblog"
        case .comment, .mention: "mention"
        case .quote: "quote"
        }
    }

    static func kinds(_ type: String) -> [Notifications.Kind] {
        switch type {
        case "follow": [.follow]
        case "follow_request": [.followRequest]
        case "favourite": [.like]
        case "reblog": [.boost]
        case "mention": [.comment, .mention]
        case "quote": [.quote]
        default: []
        }
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Paged<[Notification]> {
        let user = try await api.callers.user(request, context, scope: "read:notifications")
        let parameters = try await Parameters.read(request, context: context)
        let limit = try parameters.limit(default: 40)
        let all: [Notifications.Kind] = [.follow, .followRequest, .like, .boost, .comment, .mention, .quote]
        var kinds = parameters.list("types").isEmpty ? all : parameters.list("types").flatMap(Self.kinds)
        let excluded = Set(parameters.list("exclude_types").flatMap(Self.kinds))
        kinds = kinds.filter { !excluded.contains($0) }
        guard !kinds.isEmpty else { return Paged(value: [], link: nil) }
        let minimum = parameters.id("min_id")
        let found = try await api.social.notificationList(
            for: user,
            before: parameters.id("max_id"),
            after: minimum ?? parameters.id("since_id"),
            oldestFirst: minimum != nil,
            kinds: kinds.count == all.count ? nil : kinds,
            limit: limit
        )
        let shown = try await present(found, for: user)
        return Paged(value: shown, link: pageLink(request, origin: api.origin, first: shown.first?.id, last: shown.last?.id))
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Notification {
        let user = try await api.callers.user(request, context, scope: "read:notifications")
        guard let id = context.parameters.get("id").flatMap({ Int64($0) }) else { throw MastodonError.notFound }
        let found = try await api.social.notificationList(for: user, before: id + 1, after: id - 1, limit: 1)
        guard let notification = try await present(found, for: user).first else { throw MastodonError.notFound }
        return notification
    }

    @Sendable func unreadCount(_ request: Request, context: Context) async throws -> JSONAnswer {
        let user = try await api.callers.user(request, context, scope: "read:notifications")
        let found = try await api.social.notificationList(for: user, before: nil, limit: 100)
        return JSONAnswer(.object(["count": .integer(Int64(found.count))]))
    }

    @Sendable func clear(_ request: Request, context: Context) async throws -> JSONAnswer {
        let user = try await api.callers.user(request, context, scope: "write:notifications")
        try await api.social.dismissNotifications(nil, of: user)
        return JSONAnswer(.object([:]))
    }

    @Sendable func dismiss(_ request: Request, context: Context) async throws -> JSONAnswer {
        let user = try await api.callers.user(request, context, scope: "write:notifications")
        guard let id = context.parameters.get("id").flatMap({ Int64($0) }) else { throw MastodonError.notFound }
        try await api.social.dismissNotifications(id, of: user)
        return JSONAnswer(.object([:]))
    }

    /// Notifications as Mastodon shows them: the id is Social's own sequence number, which
    /// grows as they arrive.
    private func present(_ found: [Notifications.Notification], for user: UUID) async throws -> [Notification] {
        let accounts = try await api.presenter.accounts(found.map(\.actor))
        let objects = found.compactMap { $0.kind == .follow || $0.kind == .followRequest ? nil : $0.object }
        let statuses = try await api.presenter.statuses(Array(Set(objects)).map { Presenter.Line(object: $0) }, viewer: user)
        let byObject = Dictionary(statuses.map { ($0.uri, $0) }, uniquingKeysWith: { a, _ in a })
        return found.compactMap { notification in
            guard let account = accounts[notification.actor] else { return nil }
            let status = notification.object.flatMap { byObject[$0] }
            // A notification about a status that is gone is dropped, as Mastodon does.
            if notification.kind != .follow, notification.kind != .followRequest, status == nil { return nil }
            return Notification(
                id: String(notification.id),
                type: Self.type(notification.kind),
                created_at: MastodonDate.string(notification.createdAt),
                group_key: "ungrouped-\(notification.id)",
                account: account,
                status: status
            )
        }
    }
}
