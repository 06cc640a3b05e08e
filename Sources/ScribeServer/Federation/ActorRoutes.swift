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
/// collections, and published objects at `/characters/{id}` and `/lorebooks/{id}`. Actor
/// documents never require a signature: Mastodon fetches them to verify its own requests.
struct ActorRoutes {
    let social: SocialModule
    /// The HTML side of the same URLs: a person opening them in a browser gets these pages. A
    /// process that serves no pages answers with the documents.
    let profilePages: ProfilePages<ScribeRequestContext>?
    let itemPages: ItemPages<ScribeRequestContext>?

    func add(to router: Router<ScribeRequestContext>) {
        router.get("users/:username") { request, context -> Response in
            let profile = try await social.actors.profile(username: try context.usernameParameter())
            if let canonical = Self.redirectToCanonical(profile, context, suffix: "") { return canonical }
            guard request.wantsActivityPub || profilePages == nil else {
                var page = Pages.redirect("/@\(profile.username)")
                page.headers[.vary] = "Accept"
                return page
            }
            return try ActivityPubResponse(document: try await social.actors.document(for: profile), negotiated: true).response(
                from: request,
                context: context
            )
        }
        router.get("@{username}") { request, context -> Response in
            let username = try context.usernameParameter()
            if !request.wantsActivityPub, let profilePages {
                var page = try await profilePages.page(username, request: request, context: context)
                page.headers[.vary] = "Accept"
                return page
            }
            let profile = try await social.actors.profile(username: username)
            return Response(status: .movedPermanently, headers: [.location: social.urls.actor(profile.username), .vary: "Accept"])
        }
        router.get("actor") { _, _ in
            ActivityPubResponse(document: try await social.actors.instanceDocument(domain: social.settings.domain))
        }
        for name in [Collections.Name.followers, .following, .outbox] {
            router.get("users/:username/\(name.rawValue)") { request, context -> Response in
                let username = try context.usernameParameter()
                return try ActivityPubResponse(document: try await social.collections.collection(name, of: username, page: try Self.page(request)))
                    .response(from: request, context: context)
            }
        }
        for kind in [CoreEvent.SubjectKind.character, .lorebook] {
            router.get("\(kind.rawValue)s/:id") { request, context -> Response in
                let id = try context.uuidParameter(notFound: "No such \(kind.rawValue).")
                if !request.wantsActivityPub, let itemPages {
                    var page = try await itemPages.page(kind, id, request: request, context: context)
                    page.headers[.vary] = "Accept"
                    return page
                }
                let note: ASObject
                do {
                    note = try await social.collections.object(kind, id)
                } catch let error as SocialError {
                    guard let tombstone = error.document else { throw error }
                    return try ActivityPubResponse(document: tombstone, status: .gone).response(from: request, context: context)
                }
                return try ActivityPubResponse(document: note, negotiated: true).response(from: request, context: context)
            }
        }
        router.get("comments/:id") { request, context -> Response in
            let id = try context.uuidParameter(notFound: "No such comment.")
            do {
                return try ActivityPubResponse(document: try await social.collections.comment(id)).response(from: request, context: context)
            } catch let error as SocialError {
                guard let tombstone = error.document else { throw error }
                return try ActivityPubResponse(document: tombstone, status: .gone).response(from: request, context: context)
            }
        }
        for kind in ["characters", "lorebooks", "comments"] {
            for interaction in Collections.Interaction.allCases {
                router.get("\(kind)/:id/\(interaction.rawValue)") { request, context -> ActivityPubResponse in
                    let id = try context.uuidParameter(notFound: "No such object.")
                    let objectID = "\(social.urls.origin)/\(kind)/\(id.uuidString.lowercased())"
                    return ActivityPubResponse(
                        document: try await social.collections.interactions(interaction, of: objectID, page: try Self.page(request))
                    )
                }
            }
        }
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
    static func redirectToCanonical(_ profile: UserProfile, _ context: ScribeRequestContext, suffix: String) -> Response? {
        guard let asked = context.parameters.get("username"), asked != profile.username else { return nil }
        return Response(status: .movedPermanently, headers: [.location: "/users/\(profile.username)\(suffix)"])
    }
}
