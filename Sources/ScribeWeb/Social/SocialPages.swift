import Foundation
import Hummingbird
import ScribeContracts
import ScribeHTTP
import ScribeSocial

/// The home feed (what the people one follows published, boosted and wrote), with a composer
/// and, on each entry, like, boost, reply and quote that show what the reader did and undo it;
/// and notifications.
public struct SocialPages<Context: SessionContext>: Sendable {
    let pages: Pages
    let social: SocialModule
    let marketplace: any MarketplaceAPI

    public init(pages: Pages, social: SocialModule, marketplace: any MarketplaceAPI) {
        self.pages = pages
        self.social = social
        self.marketplace = marketplace
    }

    struct Feed {
        var entries: [StatusView]
        var older: String?
        /// The composer, as a failed post left it.
        var composer: FormState
        var audiences: [Choice]
        /// Where the composer's and entries' forms come back to.
        var back = "/feed"
    }

    /// The composer's audiences, `selected` chosen.
    static func audiences(selected: String?) -> [Choice] {
        Choice.options(
            [
                ("public", "Everyone"), ("unlisted", "Everyone, not in public timelines"), ("followers", "Followers only"),
                ("direct", "Mentioned people only"),
            ],
            selected: selected ?? "public"
        )
    }

    /// The page a form names in `back` to return to: one of ours (a path, never another
    /// origin's), else the feed.
    static func back(_ form: WebForm) -> String {
        let path = form["back"]
        guard path.hasPrefix("/"), !path.hasPrefix("//"), !path.contains("\\"), path.count <= 200 else { return "/feed" }
        return path
    }

    struct NotificationsPage {
        var notifications: [NotificationLine]
        var requests: [String]
    }

    /// A notification as the page says it: who (by name, never a bare actor URL when the account
    /// is known), what they did, to which item by its name, and the words of a comment or quote.
    struct NotificationLine {
        var text: String
        var actor: String
        var name: String
        var handle: String?
        var avatar: String?
        var object: String?
        var objectName: String?
        var excerpt: String?
        /// The item's art, small, when it was about one of her characters with art.
        var art: String?
        var date: String
        /// When it happened: what the two sources are merged by.
        var at: Date
    }

    public func add(to router: Router<Context>) {
        let router = router.group(context: SignedIn<Context>.self)
        router.get("feed", use: feed)
        router.post("feed/post", use: post)
        router.post("feed/react", use: react)
        router.get("notifications", use: notifications)
        router.post("follow-requests", use: answerFollowRequest)
    }

    @Sendable func feed(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        try await feedPage(request, context)
    }

    private func feedPage(
        _ request: Request,
        _ context: SignedIn<Context>,
        composer: FormState = .empty,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let me = context.user.id
        let before = request.uri.queryParameters.get("before").flatMap { Int64($0) }
        let entries = try await social.homeFeed(for: me, before: before)
        let page = Feed(
            entries: entries.enumerated().map { StatusView($0.element, number: $0.offset, urls: social.urls) },
            older: entries.count >= 20 ? entries.last.map { "/feed?before=\($0.id)" } : nil,
            composer: composer,
            audiences: Self.audiences(selected: composer.values["audience"])
        )
        return pages.render("feed", title: "Feed", page: page, request: request, context: context.request, status: status)
    }

    /// Writes a post from the composer, or a reply or quote from an entry's form.
    @Sendable func post(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        let draft = SocialActions.PostDraft(
            text: form.fields["text"] ?? "",
            contentWarning: form["content_warning"].isEmpty ? nil : form["content_warning"],
            audience: SocialActions.Audience(rawValue: form["audience"]) ?? .public,
            inReplyTo: form["in_reply_to"].isEmpty ? nil : form["in_reply_to"],
            quote: form["quote"].isEmpty ? nil : form["quote"]
        )
        do {
            _ = try await social.actions.post(draft, as: context.user.id)
            let notice = draft.inReplyTo != nil ? "Your reply is sent." : draft.quote != nil ? "Your quote is posted." : "Posted."
            return Pages.redirect(Self.back(form), notice: notice)
        } catch {
            guard FormState.isUsers(error) else { throw error }
            // A post's only free-text field is its text: what went wrong is said beside it.
            return try await feedPage(request, context, composer: FormState(form, error: error, field: "text"), status: .unprocessableContent)
        }
    }

    /// Likes or boosts an entry, or with `action=undo` takes it back.
    @Sendable func react(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        let object = form["object"]
        let me = context.user.id
        let notice: String
        switch (form["kind"], form["action"] == "undo") {
        case ("like", false):
            try await social.actions.like(object, as: me)
            notice = "Liked."
        case ("like", true):
            try await social.actions.unlike(object, as: me)
            notice = "Like undone."
        case ("boost", false):
            try await social.actions.boost(object, as: me)
            notice = "Boosted to your followers."
        case ("boost", true):
            try await social.actions.unboost(object, as: me)
            notice = "Boost undone."
        default:
            throw SocialError(.invalidInput, "Like or boost, or undo one.")
        }
        return Pages.redirect(Self.back(form), notice: notice)
    }

    @Sendable func notifications(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let me = context.user.id
        let notifications = try await social.notificationList(for: me, before: nil)
        let told = notifications.map { notification in
            NotificationLine(
                text: Self.describe(notification.kind),
                actor: notification.actor,
                name: notification.account?.name ?? notification.actor,
                handle: notification.account?.handle,
                avatar: notification.account?.avatar,
                object: notification.object,
                objectName: notification.objectName ?? (notification.object == nil ? nil : "this post"),
                excerpt: notification.excerpt,
                art: notification.objectArtVersion.flatMap { version in
                    notification.object.flatMap(social.urls.localObject).map { CardArt.url(character: $0.id, version: version, width: 96) }
                },
                date: ItemView.date(notification.createdAt),
                at: notification.createdAt
            )
        }
        // What people did with the creator's listed items, merged in by time: as many of the
        // newest as make one list, so neither source's recent entries push out the other's.
        let items = try await creatorActivity(for: context)
        let merged = (told + items).sorted { $0.at > $1.at }
        let page = NotificationsPage(
            notifications: Array(merged.prefix(max(told.count, items.count, 20))),
            requests: try await social.following.requests(for: me)
        )
        return pages.render("notifications", title: "Notifications", page: page, request: request, context: context.request)
    }

    /// The marketplace's news for a creator as notification lines: who (with their display name
    /// and avatar, asked of Core once each), what they did, to which item.
    private func creatorActivity(for context: SignedIn<Context>) async throws -> [NotificationLine] {
        var profiles: [String: UserProfile?] = [:]
        var lines: [NotificationLine] = []
        for activity in try await marketplace.creatorActivity(for: context.request.marketplaceCaller, before: nil) {
            let username = activity.username ?? "someone"
            if activity.username != nil, profiles[username] == nil {
                profiles[username] = .some(try? await social.actors.profile(username: username))
            }
            let profile = profiles[username] ?? nil
            lines.append(
                NotificationLine(
                    text: Self.describe(activity),
                    actor: activity.username.map { "/@\($0)" } ?? "#",
                    name: profile.flatMap { $0.displayName.isEmpty ? nil : $0.displayName } ?? "@\(username)",
                    handle: activity.username.map { "@\($0)@\(social.settings.domain)" },
                    avatar: profile?.imagePath(.avatar, width: 96),
                    object: "/\(activity.itemKind)s/\(activity.itemID.uuidString.lowercased())",
                    objectName: activity.itemName,
                    excerpt: activity.excerpt,
                    art: activity.itemHasArt && activity.itemKind == "character"
                        ? CardArt.url(character: activity.itemID, version: activity.itemUpdatedAt, width: 96) : nil,
                    date: ItemView.date(activity.createdAt),
                    at: activity.createdAt
                )
            )
        }
        return lines
    }

    static func describe(_ activity: CreatorActivity) -> String {
        switch activity.kind {
        case .rating:
            let stars = max(1, min(activity.stars ?? 1, 5))
            return "rated \(String(repeating: "★", count: stars))\(String(repeating: "☆", count: 5 - stars))"
        case .review: return "reviewed"
        case .favourite: return "favourited"
        case .fork: return "forked"
        }
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
        case .quote: "quoted"
        }
    }
}
