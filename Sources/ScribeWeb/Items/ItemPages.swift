import Foundation
import Hummingbird
import ScribeContracts
import ScribeHTTP
import ScribeSocial

/// The page of a character or lorebook at its object id (`/characters/{id}`, `/lorebooks/{id}`),
/// which is also where Mastodon users land from their timeline, and the forms on it: rate,
/// review, favourite, fork, buy, comment, like, boost and report.
///
/// Guarantees: it shows only what Core shows this viewer (a private item is 404 for everyone; its
/// owner sees it in the library), with the link-preview tags and the `rel="alternate"` link to
/// the ActivityPub object.
public struct ItemPages<Context: SessionContext>: Sendable {
    let pages: Pages
    let core: any CoreAPI
    let marketplace: any MarketplaceAPI
    let social: SocialModule

    public init(pages: Pages, core: any CoreAPI, marketplace: any MarketplaceAPI, social: SocialModule) {
        self.pages = pages
        self.core = core
        self.marketplace = marketplace
        self.social = social
    }

    /// The page, as the HTML side of the object id (the server's object routes negotiate).
    public func page(_ kind: CoreEvent.SubjectKind, _ id: UUID, request: Request, context: Context) async throws -> Response {
        try await page(kind, id, request: request, context: context, forms: .init(), status: .ok)
    }

    /// The page with its forms as a failed submission left them.
    func page(
        _ kind: CoreEvent.SubjectKind,
        _ id: UUID,
        request: Request,
        context: Context,
        forms: ItemView.Forms,
        status: HTTPResponse.Status
    ) async throws -> Response {
        let viewer = context.user?.id
        let actor = context.marketplaceCaller
        let detail = try await listedDetail(id, by: actor)
        let item: SharedItem
        if let detail {
            item = detail.item
        } else {
            // Not listed (unlisted, followers-only): Core alone decides what this viewer sees.
            item = try await sharedView(kind, id, for: try await social.viewer(context.user?.id, of: kind, id))
        }
        guard item.kind == kind else { throw APIError(.notFound, code: "not_found", message: "There is no such \(kind.rawValue).") }
        let view = ItemView(
            item: item,
            detail: detail,
            versions: detail == nil ? [] : try await marketplace.versions(of: id),
            reviews: detail == nil ? [] : try await marketplace.reviews(of: id),
            discussion: try await social.discussion(of: kind, id, viewer: viewer),
            viewer: viewer,
            creator: try? await social.actors.profile(id: item.ownerID),
            favourited: detail?.favourited ?? false,
            pinned: viewer == item.ownerID ? try await social.actions.pins(of: item.ownerID).contains(social.urls.item(kind.rawValue, id)) : false,
            forms: forms,
            purchase: try await returnedPurchase(request, of: id, by: actor)
        )
        let url = social.urls.item(kind.rawValue, id)
        // A preview shows the tagline (the creator's own line for it), else the first words.
        let tagline = detail?.listing.tagline.trimmingCharacters(in: .whitespacesAndNewlines)
        let summary =
            tagline.flatMap { $0.isEmpty ? nil : $0 }
            ?? ItemView.textFields.lazy.compactMap { item.content.objectValue?["data"]?.objectValue?[$0.0]?.stringValue }.first { !$0.isEmpty }
        // A link to an item for adults unfurls without its art: link previews (Mastodon's, chat
        // apps') do not blur, and the link may be posted where nobody chose to see it.
        let adult = item.contentRating == .nsfw
        let meta = Pages.Frame.Meta(
            description: adult
                ? "NSFW: a \(kind.rawValue) for adults by @\(item.ownerUsername) on Scribe."
                : String((summary ?? "A \(kind.rawValue) by @\(item.ownerUsername) on Scribe.").prefix(200)),
            url: url,
            type: "article",
            // The art at a preview's size, not the whole card file.
            image: adult || view.art.src == nil
                ? nil : pages.publicURL.absoluteString + CardArt.url(character: item.id, version: item.updatedAt, width: 640),
            activityPub: url
        )
        return pages.render("item", title: view.name, page: view, request: request, context: context, meta: meta, status: status)
    }

    /// The buyer's purchase of this item named by `?purchase=`, where Stripe sends them back
    /// after paying; nil for anyone else's purchase, another item's, or none.
    private func returnedPurchase(_ request: Request, of itemID: UUID, by actor: MarketplaceCaller) async throws -> Purchase? {
        guard actor.userID != nil, let id = request.uri.queryParameters["purchase"].flatMap({ UUID(uuidString: String($0)) }) else { return nil }
        return try await marketplace.purchases(by: actor, id: id).first { $0.itemID == itemID }
    }

    /// The listing's detail, or nil when the item is not listed.
    private func listedDetail(_ id: UUID, by actor: MarketplaceCaller) async throws -> ListingDetail? {
        do { return try await marketplace.detail(id, by: actor) } catch {
            if error.code == .notFound { return nil }
            throw error
        }
    }

    private func sharedView(_ kind: CoreEvent.SubjectKind, _ id: UUID, for viewer: Viewer) async throws -> SharedItem {
        do { return try await core.sharedView(of: kind, id: id, for: viewer) } catch {
            if error.code == .notFound {
                throw APIError(.notFound, code: "not_found", message: "There is no such \(kind.rawValue), or you may not see it.")
            }
            throw error
        }
    }

    public func add(to router: Router<Context>) {
        for kind in [CoreEvent.SubjectKind.character, .lorebook] {
            let item = router.group(RouterPath("\(kind.rawValue)s/:id"), context: SignedIn<Context>.self)
            item.post("rating") { request, context in try await rate(kind, request, context) }
            item.post("review") { request, context in try await review(kind, request, context) }
            item.post("favourite") { request, context in try await favourite(kind, request, context) }
            item.post("report") { request, context in try await report(kind, request, context) }
            item.post("fork") { request, context in try await fork(kind, request, context) }
            item.post("buy") { request, context in try await buy(kind, request, context) }
            item.post("comment") { request, context in try await comment(kind, request, context) }
            item.post("like") { request, context in try await react(kind, request, context, boost: false) }
            item.post("boost") { request, context in try await react(kind, request, context, boost: true) }
            item.post("pin") { request, context in try await pin(kind, request, context) }
            // A visitor with an account elsewhere acts from there (Mastodon's remote interaction).
            router.post(RouterPath("\(kind.rawValue)s/:id/remote-interaction")) { request, context in
                try await remoteInteraction(kind, request, context)
            }
        }
    }

    /// Sends a visitor to their own server's page for acting on this item
    /// (`/authorize_interaction?uri=` on Mastodon), found by WebFinger from their handle.
    func remoteInteraction(_ kind: CoreEvent.SubjectKind, _ request: Request, _ context: Context) async throws -> Response {
        let form = try await WebForm.read(request, context: context)
        let id = try context.uuidParameter(notFound: "No such \(kind.rawValue).")
        do {
            let url = try await social.following.remoteInteractionURL(for: form["handle"], about: social.urls.item(kind.rawValue, id))
            return Response(status: .seeOther, headers: [.location: url])
        } catch {
            guard FormState.isUsers(error) else { throw error }
            var forms = ItemView.Forms()
            forms.remote = FormState(form, error: error, field: "handle")
            return try await page(kind, id, request: request, context: context, forms: forms, status: .unprocessableContent)
        }
    }

    func rate(_ kind: CoreEvent.SubjectKind, _ request: Request, _ context: SignedIn<Context>) async throws -> Response {
        try await act(kind, request, context, form: \.rating) { id, form, actor in
            try await marketplace.rate(id, stars: Int(form["stars"]) ?? 0, by: actor)
            return "Thank you for rating."
        }
    }

    func review(_ kind: CoreEvent.SubjectKind, _ request: Request, _ context: SignedIn<Context>) async throws -> Response {
        try await act(kind, request, context, form: \.review) { id, form, actor in
            _ = try await marketplace.review(id, body: form["body"], by: actor)
            return "Your review is published."
        }
    }

    /// Favourites the item, or, with `action=undo`, takes it out of the favourites.
    func favourite(_ kind: CoreEvent.SubjectKind, _ request: Request, _ context: SignedIn<Context>) async throws -> Response {
        try await act(kind, request, context) { id, form, actor in
            if form["action"] == "undo" {
                try await marketplace.unfavourite(id, by: actor)
                return "Taken out of your favourites."
            }
            try await marketplace.favourite(id, by: actor)
            return "Added to your favourites."
        }
    }

    func report(_ kind: CoreEvent.SubjectKind, _ request: Request, _ context: SignedIn<Context>) async throws -> Response {
        try await act(kind, request, context, form: \.report) { id, form, actor in
            _ = try await marketplace.report(listing: id, reason: form["reason"], by: actor)
            return "Thank you: a moderator will look at it."
        }
    }

    func fork(_ kind: CoreEvent.SubjectKind, _ request: Request, _ context: SignedIn<Context>) async throws -> Response {
        _ = try await WebForm.read(request, context: context.request)
        let id = try context.uuidParameter(notFound: "No such \(kind.rawValue).")
        _ = try await marketplace.fork(id, sessionToken: context.sessionToken, by: context.request.marketplaceCaller)
        return Pages.redirect("/library", notice: "Forked into your library.")
    }

    func buy(_ kind: CoreEvent.SubjectKind, _ request: Request, _ context: SignedIn<Context>) async throws -> Response {
        _ = try await WebForm.read(request, context: context.request)
        let checkout = try await marketplace.buy(
            try context.uuidParameter(notFound: "No such listing."),
            by: context.request.marketplaceCaller
        )
        return Response(status: .seeOther, headers: [.location: checkout.checkoutURL])
    }

    func comment(_ kind: CoreEvent.SubjectKind, _ request: Request, _ context: SignedIn<Context>) async throws -> Response {
        try await act(kind, request, context, form: \.comment) { id, form, _ in
            _ = try await social.actions.comment(on: social.urls.item(kind.rawValue, id), text: form["text"], as: context.user.id)
            return "Your comment is published."
        }
    }

    func react(_ kind: CoreEvent.SubjectKind, _ request: Request, _ context: SignedIn<Context>, boost: Bool) async throws -> Response {
        try await act(kind, request, context) { id, form, _ in
            let object = social.urls.item(kind.rawValue, id)
            if form["action"] == "undo" {
                if boost {
                    try await social.actions.unboost(object, as: context.user.id)
                    return "Boost undone."
                }
                try await social.actions.unlike(object, as: context.user.id)
                return "Like undone."
            }
            if boost {
                try await social.actions.boost(object, as: context.user.id)
                return "Boosted to your followers."
            }
            try await social.actions.like(object, as: context.user.id)
            return "Liked."
        }
    }

    /// Pins the item to its owner's profile, or with `action=undo` unpins it.
    func pin(_ kind: CoreEvent.SubjectKind, _ request: Request, _ context: SignedIn<Context>) async throws -> Response {
        try await act(kind, request, context) { id, form, _ in
            let object = social.urls.item(kind.rawValue, id)
            if form["action"] == "undo" {
                try await social.actions.unpin(object, as: context.user.id)
                return "Unpinned from your profile."
            }
            try await social.actions.pin(object, as: context.user.id)
            return "Pinned to your profile."
        }
    }

    /// Reads the form, does `action`, and goes back to the item with its notice. A failure the
    /// user can fix shows the page again with `field`'s form as typed, or, for a one-button
    /// action, goes back with the failure as the notice.
    private func act(
        _ kind: CoreEvent.SubjectKind,
        _ request: Request,
        _ context: SignedIn<Context>,
        form field: WritableKeyPath<ItemView.Forms, FormState>? = nil,
        _ action: (UUID, WebForm, MarketplaceCaller) async throws -> String
    ) async throws -> Response {
        let form = try await WebForm.read(request, context: context.request)
        let id = try context.uuidParameter(notFound: "No such \(kind.rawValue).")
        do {
            let notice = try await action(id, form, context.request.marketplaceCaller)
            return Pages.redirect("/\(kind.rawValue)s/\(id.uuidString.lowercased())", notice: notice)
        } catch {
            guard FormState.isUsers(error) else { throw error }
            guard let field else {
                return Pages.redirect("/\(kind.rawValue)s/\(id.uuidString.lowercased())", notice: FormState.explain(error).message)
            }
            var forms = ItemView.Forms()
            forms[keyPath: field] = FormState(form, error: error)
            return try await page(kind, id, request: request, context: context.request, forms: forms, status: .unprocessableContent)
        }
    }
}
