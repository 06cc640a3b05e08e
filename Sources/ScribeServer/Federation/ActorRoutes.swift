import ActivityPubKit
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ScribeContracts
import ScribeHTTP
import ScribeSocial
import ScribeWeb

/// Actors and what hangs off them: `/users/{username}` (ActivityPub JSON or a page, by
/// `Accept`), `/@{username}`, the instance actor `/actor`, the followers, following and outbox
/// collections, and published objects at `/characters/{id}` and `/lorebooks/{id}`. A signed
/// fetch is served as its signer may see it (a follower sees followers-only items); in secure
/// mode (`SCRIBE_AUTHORIZED_FETCH`) an unsigned one is 401, except for the instance actor, whose
/// key other servers need to check the fetches we sign with it.
struct ActorRoutes {
    let social: SocialModule
    /// The HTML side of the same URLs: a person opening them in a browser gets these pages. A
    /// process that serves no pages answers with the documents.
    let profilePages: ProfilePages<ScribeRequestContext>?
    let itemPages: ItemPages<ScribeRequestContext>?

    func add(to router: Router<ScribeRequestContext>) {
        router.get("users/:username", use: actor)
        router.get("@{username}", use: profile)
        router.get("actor", use: instanceActor)
        for name in [Collections.Name.followers, .following, .outbox] {
            router.get("users/:username/\(name.rawValue)") { request, context in try await collection(name, request, context) }
        }
        for kind in [CoreEvent.SubjectKind.character, .lorebook] {
            router.get("\(kind.rawValue)s/:id") { request, context in try await item(kind, request, context) }
        }
        router.get("activities/:id", use: activity)
        router.get("users/:username/quote_authorizations/:id", use: quoteAuthorization)
        router.get("users/:username/featured", use: featured)
        for kind in ["comments", "posts"] {
            router.get("\(kind)/:id") { request, context in try await note(kind, request, context) }
        }
        for kind in ["characters", "lorebooks", "comments", "posts"] {
            for interaction in Collections.Interaction.allCases {
                router.get("\(kind)/:id/\(interaction.rawValue)") { request, context in
                    try await interactions(interaction, of: kind, request, context)
                }
            }
        }
    }

    @Sendable func actor(_ request: Request, context: ScribeRequestContext) async throws -> Response {
        let username = try context.usernameParameter()
        guard request.wantsActivityPub || profilePages == nil else {
            let profile = try await social.actors.profile(username: username)
            if let canonical = Self.redirectToCanonical(profile.username, context, suffix: "") { return canonical }
            var page = Pages.redirect("/@\(profile.username)")
            page.headers[.vary] = "Accept"
            return page
        }
        let served = try await social.actors.servedDocument(username: username)
        if let canonical = Self.redirectToCanonical(served.username, context, suffix: "") { return canonical }
        _ = try await fetcher(request, identify: false)
        return try ActivityPubResponse(encoded: served.bytes, negotiated: true).response(from: request, context: context)
    }

    @Sendable func profile(_ request: Request, context: ScribeRequestContext) async throws -> Response {
        let username = try context.usernameParameter()
        if !request.wantsActivityPub, let profilePages {
            var page = try await profilePages.page(username, request: request, context: context)
            page.headers[.vary] = "Accept"
            return page
        }
        let profile = try await social.actors.profile(username: username)
        return Response(status: .movedPermanently, headers: [.location: social.urls.actor(profile.username), .vary: "Accept"])
    }

    /// The instance actor, open to anyone even in secure mode: other servers need its key to
    /// check the fetches we sign with it.
    @Sendable func instanceActor(_ request: Request, context: ScribeRequestContext) async throws -> ActivityPubResponse {
        ActivityPubResponse(encoded: try await social.actors.servedInstanceDocument(domain: social.settings.domain))
    }

    func collection(_ name: Collections.Name, _ request: Request, _ context: ScribeRequestContext) async throws -> Response {
        let username = try context.usernameParameter()
        _ = try await fetcher(request, identify: false)
        return try ActivityPubResponse(encoded: try await social.collections.servedCollection(name, of: username, page: try Self.page(request)))
            .response(from: request, context: context)
    }

    func item(_ kind: CoreEvent.SubjectKind, _ request: Request, _ context: ScribeRequestContext) async throws -> Response {
        let id = try context.uuidParameter(notFound: "No such \(kind.rawValue).")
        if !request.wantsActivityPub, let itemPages {
            var page = try await itemPages.page(kind, id, request: request, context: context)
            page.headers[.vary] = "Accept"
            return page
        }
        let signer = try await fetcher(request)
        let note: Data
        do {
            note = try await social.collections.servedObject(kind, id, signedBy: signer)
        } catch {
            guard let tombstone = error.document else { throw error }
            return try ActivityPubResponse(document: tombstone, status: .gone).response(from: request, context: context)
        }
        return try ActivityPubResponse(encoded: note, negotiated: true).response(from: request, context: context)
    }

    /// A comment or post of ours (`/comments/{id}`, `/posts/{id}`), as its signer may see it.
    func note(_ kind: String, _ request: Request, _ context: ScribeRequestContext) async throws -> Response {
        let id = try context.uuidParameter(notFound: "No such note.")
        let signer = try await fetcher(request)
        let objectID = "\(social.urls.origin)/\(kind)/\(id.uuidString.lowercased())"
        do {
            return try ActivityPubResponse(document: try await social.collections.localNote(objectID, signedBy: signer))
                .response(from: request, context: context)
        } catch let error as SocialError {
            guard let tombstone = error.document else { throw error }
            return try ActivityPubResponse(document: tombstone, status: .gone).response(from: request, context: context)
        }
    }

    /// An activity we sent, to those it was for.
    @Sendable func activity(_ request: Request, context: ScribeRequestContext) async throws -> ActivityPubResponse {
        let id = try context.uuidParameter(notFound: "No such activity.")
        let signer = try await fetcher(request)
        return ActivityPubResponse(document: try await social.collections.activity(social.urls.activity(id), signedBy: signer))
    }

    /// What the user pinned to their profile.
    @Sendable func featured(_ request: Request, context: ScribeRequestContext) async throws -> ActivityPubResponse {
        let username = try context.usernameParameter()
        _ = try await fetcher(request, identify: false)
        return ActivityPubResponse(document: try await social.collections.featured(of: username))
    }

    /// A quote approval we gave, which the quoting post's readers' servers check.
    @Sendable func quoteAuthorization(_ request: Request, context: ScribeRequestContext) async throws -> ActivityPubResponse {
        let username = try context.usernameParameter()
        let id = try context.uuidParameter(notFound: "No such quote authorization.")
        _ = try await fetcher(request, identify: false)
        let stampID = "\(social.urls.actor(username))/quote_authorizations/\(id.uuidString.lowercased())"
        return ActivityPubResponse(document: try await social.collections.quoteAuthorization(stampID))
    }

    func interactions(
        _ interaction: Collections.Interaction,
        of kind: String,
        _ request: Request,
        _ context: ScribeRequestContext
    ) async throws -> ActivityPubResponse {
        let id = try context.uuidParameter(notFound: "No such object.")
        _ = try await fetcher(request, identify: false)
        let objectID = "\(social.urls.origin)/\(kind)/\(id.uuidString.lowercased())"
        return ActivityPubResponse(document: try await social.collections.interactions(interaction, of: objectID, page: try Self.page(request)))
    }

    /// Who signed this fetch (nil: nobody), refused when the server requires signatures and
    /// there is none, or when a signature does not verify. `identify: false` for documents
    /// everyone may read: outside secure mode their fetches verify nothing.
    func fetcher(_ request: Request, identify: Bool = true) async throws -> String? {
        try await social.fetcher(of: InboundRequest(request, body: Data()), identify: identify)
    }

    /// The `page` query parameter, if any; not a number is a 400.
    static func page(_ request: Request) throws -> Int? {
        try request.uri.queryParameters.get("page").map { text throws -> Int in
            guard let page = Int(text) else {
                throw APIError(.badRequest, code: "bad_request", message: "The page must be a number.", field: "page")
            }
            return page
        }
    }

    /// `/users/ALICE` answers with a redirect to `/users/Alice`, so only one spelling is ever an id.
    static func redirectToCanonical(_ username: String, _ context: ScribeRequestContext, suffix: String) -> Response? {
        guard let asked = context.parameters.get("username"), asked != username else { return nil }
        return Response(status: .movedPermanently, headers: [.location: "/users/\(username)\(suffix)"])
    }
}
