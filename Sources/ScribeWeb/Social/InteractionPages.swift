import Foundation
import Hummingbird
import ScribeContracts
import ScribeHTTP
import ScribeSocial

/// Remote interaction (`/authorize_interaction?uri=`): where another server sends a Scribe user
/// who pressed follow, like, boost or reply on a post or profile there, as Mastodon does
/// (its `subscribe` template, which our WebFinger advertises). The page shows the account or
/// the post and acts on it in one click. Signing in first brings the user back here.
/// Something of ours is shown on its own page instead; a target that cannot be shown is 404.
public struct InteractionPages<Context: SessionContext>: Sendable {
    let pages: Pages
    let social: SocialModule
    /// Where a character from another Scribe server is forked to; nil where this process
    /// cannot reach people's libraries.
    let library: (any LibraryAPI)?

    public init(pages: Pages, social: SocialModule, library: (any LibraryAPI)?) {
        self.pages = pages
        self.social = social
        self.library = library
    }

    struct Interaction {
        var uri: String
        var target: RemoteInteraction.Target
        var isAccount: Bool
        var date: String?
        /// A remote account's profile as the page shows it.
        var profile: ProfileView?
        var replyForm: FormState
        /// The character a Scribe post carries, when it can be forked here.
        var fork: ForkOffer?
    }

    struct ProfileView {
        var summary: String
        var avatar: String?
        var header: String?
        var initial: String
        var fields: [RemoteProfile.Field]
        var joined: String?
        var counts: [Count]
        var locked: Bool
        var isBot: Bool
        var movedTo: String?

        struct Count {
            var number: Int
            var label: String
        }

        init(_ profile: RemoteProfile) {
            summary = profile.summary
            avatar = profile.avatar
            header = profile.header
            initial = String(profile.name.prefix(1)).uppercased()
            fields = profile.fields
            joined = profile.published.map(ItemView.date)
            counts = [(profile.posts, "posts"), (profile.followers, "followers"), (profile.following, "following")].compactMap { number, label in
                number.map { Count(number: $0, label: label) }
            }
            locked = profile.manuallyApprovesFollowers
            isBot = profile.isBot
            movedTo = profile.movedTo
        }
    }

    struct ForkOffer {
        var name: String
        var creator: String?
        var version: String?
    }

    public func add(to router: Router<Context>) {
        router.get("authorize_interaction", use: show)
        // Older servers and apps send people to these names; Mastodon redirects them here too.
        router.get("authorize_follow", use: redirectHere)
        let signedIn = router.group(context: SignedIn<Context>.self)
        signedIn.post("authorize_interaction", use: act)
    }

    @Sendable func redirectHere(_ request: Request, context: Context) async throws -> Response {
        let uri = request.uri.queryParameters["acct"].map(String.init) ?? request.uri.queryParameters["uri"].map(String.init) ?? ""
        return Pages.redirect(Self.path(uri))
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let uri = request.uri.queryParameters["uri"].map(String.init) ?? request.uri.queryParameters["acct"].map(String.init) ?? ""
        guard context.user != nil else {
            return Pages.redirect(AccountPages<Context>.loginPath(returningTo: Self.path(uri)), notice: "Log in to act from your Scribe account.")
        }
        return try await page(uri, request: request, context: context)
    }

    @Sendable func act(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        let uri = form["uri"]
        let me = context.user.id
        let target = try await target(uri)
        if let localPage = target.localPage { return Pages.redirect(localPage) }
        let notice: String
        do {
            switch (target.kind, form["action"]) {
            case (.account, "follow"):
                let followed = try await social.following.follow(target.id, as: me)
                notice =
                    followed.state == "accepted"
                    ? "You follow \(target.handle)." : "Follow request sent: you follow \(target.handle) once their server accepts."
            case (.post, "like"):
                try await social.actions.like(target.id, as: me)
                notice = "Liked."
            case (.post, "boost"):
                try await social.actions.boost(target.id, as: me)
                notice = "Boosted to your followers."
            case (.post, "fork"):
                guard let library, let card = target.characterCard else {
                    throw SocialError(.invalidInput, "That post carries no character to fork.")
                }
                let forked = try await library.createCharacter(
                    card: Self.withProvenance(card, source: target.id, author: target.handle),
                    sessionToken: context.sessionToken
                )
                return Pages.redirect(
                    "/library/characters/\(forked.id.uuidString.lowercased())",
                    notice: "Forked into your library; its card keeps where it came from."
                )
            case (.post, "reply"):
                _ = try await social.actions.comment(on: target.id, text: form["text"], as: me)
                notice = "Your reply is sent."
            default:
                throw SocialError(.invalidInput, "Choose follow for an account, or like, boost, reply or fork for a post.")
            }
        } catch {
            guard FormState.isUsers(error) else { throw error }
            return try await page(
                uri,
                replyForm: FormState(form, error: error),
                request: request,
                context: context.request,
                status: .unprocessableContent
            )
        }
        return Pages.redirect(Self.path(uri), notice: notice)
    }

    private func page(
        _ uri: String,
        replyForm: FormState = .empty,
        request: Request,
        context: Context,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let target = try await target(uri)
        if let localPage = target.localPage { return Pages.redirect(localPage) }
        let interaction = Interaction(
            uri: uri,
            target: target,
            isAccount: target.kind == .account,
            date: target.published.map(ItemView.date),
            profile: target.profile.map(ProfileView.init),
            replyForm: replyForm,
            fork: library == nil ? nil : target.characterCard.map(Self.offer)
        )
        let title = target.kind == .account ? "Follow \(target.handle)" : "A post by \(target.handle)"
        return pages.render("interaction", title: title, page: interaction, request: request, context: context, status: status)
    }

    /// The target, or 404 when there is nothing there we may show or its server did not
    /// answer, as Mastodon answers both.
    private func target(_ uri: String) async throws -> RemoteInteraction.Target {
        do {
            return try await social.remoteInteraction.target(uri)
        } catch {
            guard [.invalidInput, .notFound, .remoteFailed].contains(error.code) else { throw error }
            throw SocialError(.notFound, "There is nothing to interact with at that address, or its server did not answer.")
        }
    }

    static func offer(_ card: JSONValue) -> ForkOffer {
        let data = card.objectValue?["data"]?.objectValue ?? [:]
        return ForkOffer(
            name: data["name"]?.stringValue ?? "",
            creator: data["creator"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            version: data["character_version"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        )
    }

    /// The card with where it came from: the original post's address added to `source` (which
    /// Character Card V3 keeps for provenance, as a fork on this server does), and its author as
    /// `creator` when the card names nobody.
    static func withProvenance(_ card: JSONValue, source: String, author: String) -> JSONValue {
        var root = card.objectValue ?? [:]
        var data = CardProvenance.adding(source, to: root["data"]?.objectValue ?? [:])
        if (data["creator"]?.stringValue ?? "").isEmpty { data["creator"] = .string(author) }
        root["data"] = .object(data)
        return .object(root)
    }

    static func path(_ uri: String) -> String {
        "/authorize_interaction?uri=" + (uri.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
    }
}
