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
        /// The display name and `@user@host`; the actor's URL only for an account not yet fetched.
        var name: String
        var handle: String?
        var avatar: String?
        var kind: String
        var object: String
        var content: String
        /// Sanitised HTML that folds the content and media until the reader opens them.
        var contentWarning: String?
        /// Media marked sensitive without a warning fold behind this line.
        var sensitiveMedia: Bool
        var images: [Image]
        var hasImages: Bool
        var otherMedia: [NoteDisplay.Attachment]
        var poll: PollView?
        var edited: String?
        var quote: String?
        var date: String

        init(_ entry: Feeds.Entry) {
            actor = entry.actor
            name = entry.author?.name ?? entry.actor
            handle = entry.author?.handle
            avatar = entry.author?.avatar
            kind = entry.kind == "boost" ? "boosted" : "posted"
            object = entry.object
            content = entry.content
            contentWarning = entry.display.contentWarning
            sensitiveMedia = entry.display.contentWarning == nil && entry.display.sensitive && !entry.display.attachments.isEmpty
            images = entry.display.attachments.filter { $0.type == "image" }.map { Image(url: $0.url, alt: $0.description ?? "") }
            hasImages = !images.isEmpty
            otherMedia = entry.display.attachments.filter { $0.type != "image" }
            poll = entry.display.poll.map(PollView.init)
            edited = entry.display.editedAt.map(ItemView.date)
            quote = entry.display.quote
            date = ItemView.date(entry.createdAt)
        }
    }

    struct Image {
        var url: String
        var alt: String
    }

    /// A poll, read-only: each option with its share of the votes.
    struct PollView {
        var options: [Option]
        var summary: String

        struct Option {
            var title: String
            var votes: String
        }

        init(_ poll: NoteDisplay.Poll) {
            let total = poll.options.compactMap(\.votes).reduce(0, +)
            options = poll.options.map { option in
                let share = total > 0 ? " (\(Int((Double(option.votes ?? 0) / Double(total) * 100).rounded())) %)" : ""
                return Option(title: option.title, votes: option.votes.map { "\($0) votes\(share)" } ?? "")
            }
            let state = poll.closed ? "Closed" : poll.endsAt.map { "Open until \(ItemView.date($0))" } ?? "Open"
            summary = "\(state) · \(poll.multiple ? "several choices" : "one choice")" + (poll.votersCount.map { " · \($0) people voted" } ?? "")
        }
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
            entries: entries.map(FeedLine.init),
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
        case .quote: "quoted, in"
        }
    }
}
