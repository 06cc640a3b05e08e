import Foundation
import Hummingbird
import ScribeContracts
import ScribeHTTP
import ScribeSocial

/// The home feed (what the people one follows published, boosted and wrote) and notifications.
public struct SocialPages<Context: SessionContext>: Sendable {
    let pages: Pages
    let social: SocialModule

    public init(pages: Pages, social: SocialModule) {
        self.pages = pages
        self.social = social
    }

    struct Feed {
        var entries: [FeedLine]
        var older: String?
    }

    struct FeedLine {
        var actor: String
        var kind: String
        var object: String
        var content: String
        var date: String
    }

    struct NotificationsPage {
        var notifications: [NotificationLine]
        var requests: [String]
    }

    struct NotificationLine {
        var text: String
        var actor: String
        var object: String?
        var date: String
    }

    public func add(to router: Router<Context>) {
        let router = router.group(context: SignedIn<Context>.self)
        router.get("feed", use: feed)
        router.get("notifications", use: notifications)
        router.post("follow-requests", use: answerFollowRequest)
    }

    @Sendable func feed(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let me = context.user.id
        let before = request.uri.queryParameters.get("before").flatMap { Int64($0) }
        let entries = try await social.homeFeed(for: me, before: before)
        let page = Feed(
            entries: entries.map {
                FeedLine(
                    actor: $0.actor,
                    kind: $0.kind == "boost" ? "boosted" : "posted",
                    object: $0.object,
                    content: $0.content,
                    date: ItemView.date($0.createdAt)
                )
            },
            older: entries.count >= 20 ? entries.last.map { "/feed?before=\($0.id)" } : nil
        )
        return pages.render("feed", title: "Feed", page: page, request: request, context: context.request)
    }

    @Sendable func notifications(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let me = context.user.id
        let notifications = try await social.notifications.list(for: me, before: nil)
        let page = NotificationsPage(
            notifications: notifications.map {
                NotificationLine(text: Self.describe($0.kind), actor: $0.actor, object: $0.object, date: ItemView.date($0.createdAt))
            },
            requests: try await social.following.requests(for: me)
        )
        return pages.render("notifications", title: "Notifications", page: page, request: request, context: context.request)
    }

    @Sendable func answerFollowRequest(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        let me = context.user.id
        try await social.following.answer(request: form["actor"], accept: form["answer"] == "accept", as: me)
        return Pages.redirect("/notifications", notice: form["answer"] == "accept" ? "Accepted." : "Declined.")
    }

    static func describe(_ kind: Notifications.Kind) -> String {
        switch kind {
        case .follow: "followed you"
        case .followRequest: "asked to follow you"
        case .like: "liked"
        case .boost: "boosted"
        case .comment: "commented on"
        case .mention: "mentioned you in"
        }
    }
}
