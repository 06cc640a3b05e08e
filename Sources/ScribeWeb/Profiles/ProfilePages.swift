import Foundation
import Hummingbird
import ScribeContracts
import ScribeHTTP
import ScribeSocial

/// A user's page at `/@{username}` (and the HTML side of `/users/{username}`): who they are,
/// what they published, how many follow them, and how to follow them from here or from
/// another server.
public struct ProfilePages<Context: SessionContext>: Sendable {
    let pages: Pages
    let social: SocialModule
    let marketplace: any MarketplaceAPI

    public init(pages: Pages, social: SocialModule, marketplace: any MarketplaceAPI) {
        self.pages = pages
        self.social = social
        self.marketplace = marketplace
    }

    struct Profile {
        var username: String
        var displayName: String
        var bio: String
        var avatarURL: String?
        var headerURL: String?
        var fields: [Field]
        /// The account it moved to, when it has.
        var movedTo: String?
        var handle: String
        var initial: String
        var joined: String
        var followers: Int
        var following: Int
        /// What they published, as the marketplace's cards.
        var results: [ListingCard]
        /// What they pinned of it, first; nil when nothing.
        var pinned: ItemView.CardList?
        var isSelf: Bool
        var canFollow: Bool
        /// `accepted`, `pending`, or nil when the viewer does not follow.
        var followState: String?
        var followsPending: Bool
        var remoteForm: FormState
        /// Her own posts (not replies or items), as statuses.
        var posts: [StatusView]
        /// For herself: the composer, and where its forms come back to.
        var composer: FormState?
        var audiences: [Choice]
        var back: String
    }

    /// A profile field as Mastodon shows it: a link (with `rel="me"`) or text, and whether the
    /// page it links to links back.
    struct Field {
        var name: String
        var html: String
        var verified: Bool
    }

    public func page(
        _ username: String,
        request: Request,
        context: Context,
        remoteForm: FormState = .empty,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let profile = try await social.actors.profile(username: username)
        guard profile.username == username else { return Pages.redirect("/@\(profile.username)") }
        let counts = try await social.followCounts(of: profile.username)
        let verified = try await social.actors.verifiedLinks(of: profile.id)
        let settings = try await social.actors.accountSettings(profile.id)
        let viewer = context.user?.id
        let state = if let viewer { try await social.followState(of: viewer, toward: profile.username) } else { String?.none }
        let pins = try await social.actions.pins(of: profile.id)
        let items = try await marketplace.listings(
            matching: try ListingQuery.parse([("creator", profile.username), ("rating", "all"), ("limit", "50")])
        )
        // Pinned items in the order they were pinned, newest first, as Mastodon shows pins.
        let pinned = pins.compactMap { pin in items.listings.first { social.urls.item($0.kind, $0.id) == pin } }
        let posts = try await social.profilePosts(of: profile.id, viewer: viewer)
        let page = Profile(
            username: profile.username,
            displayName: profile.displayName.isEmpty ? "@\(profile.username)" : profile.displayName,
            bio: profile.bio,
            avatarURL: profile.imagePath(.avatar, width: 320),
            headerURL: profile.imagePath(.header, width: 1280),
            fields: profile.fields.map { Field(name: $0.name, html: LocalActors.fieldValue($0.value), verified: verified[$0.value] != nil) },
            movedTo: settings.movedTo,
            handle: "@\(profile.username)@\(social.settings.domain)",
            initial: String(profile.username.prefix(1)).uppercased(),
            joined: ItemView.date(profile.createdAt),
            followers: counts.followers,
            following: counts.following,
            results: items.listings.map(ListingCard.init),
            pinned: pinned.isEmpty ? nil : ItemView.CardList(results: pinned.map(ListingCard.init)),
            isSelf: viewer == profile.id,
            canFollow: viewer != nil && viewer != profile.id,
            followState: state,
            followsPending: state == "pending",
            remoteForm: remoteForm,
            posts: posts.enumerated().map { StatusView($0.element, number: $0.offset, urls: social.urls) },
            composer: viewer == profile.id ? .empty : nil,
            audiences: SocialPages<Context>.audiences(selected: nil),
            back: "/@\(profile.username)"
        )
        let url = social.urls.profile(profile.username)
        return pages.render(
            "profile",
            title: "@\(profile.username)",
            page: page,
            request: request,
            context: context,
            meta: .init(
                description: profile.bio.isEmpty ? "Characters and lorebooks by @\(profile.username) on Scribe." : String(profile.bio.prefix(200)),
                url: url,
                type: "profile",
                image: profile.avatarContentType.map { social.urls.userAvatar(profile.username, contentType: $0) },
                activityPub: social.urls.actor(profile.username)
            ),
            status: status
        )
    }

    public func add(to router: Router<Context>) {
        router.group(context: SignedIn<Context>.self).post("@{username}/follow", use: follow)
        router.post("@{username}/remote-follow", use: remoteFollow)
    }

    @Sendable func follow(_ request: Request, context: SignedIn<Context>) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        let username = try context.request.usernameParameter()
        let me = context.user.id
        if form["action"] == "unfollow" {
            try await social.following.unfollow("\(username)@\(social.settings.domain)", as: me)
            return Pages.redirect("/@\(username)", notice: "You no longer follow @\(username).")
        }
        let followed = try await social.following.follow("\(username)@\(social.settings.domain)", as: me)
        return Pages.redirect("/@\(username)", notice: followed.state == "accepted" ? "You follow @\(username)." : "Follow request sent.")
    }

    @Sendable func remoteFollow(_ request: Request, context: Context) async throws -> Response {
        let form = try await WebForm.read(request, context: context)
        let username = try context.usernameParameter()
        do {
            return Response(
                status: .seeOther,
                headers: [.location: try await social.following.remoteFollowURL(for: form["handle"], toFollow: username)]
            )
        } catch {
            guard FormState.isUsers(error) else { throw error }
            let state = FormState(form, error: error, field: "handle")
            return try await page(username, request: request, context: context, remoteForm: state, status: .unprocessableContent)
        }
    }
}
