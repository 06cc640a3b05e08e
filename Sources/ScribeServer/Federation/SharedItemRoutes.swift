import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ScribeContracts
import ScribeHTTP
import ScribeSocial

/// What others see of shared items: `/api/v1/shared/characters/{id}` (view, avatar, fork) and
/// `/api/v1/shared/lorebooks/{id}`, for everyone the visibility allows. It asks Core only through `CoreAPI`, so the process that
/// serves Social serves these whether Core runs beside it or in its own process.
///
/// Whether a viewer follows the owner is Social's knowledge: it is asked for every viewer, so a
/// followers-only character shows to its owner and approved followers.
struct SharedItemRoutes {
    let core: any CoreAPI
    let social: SocialModule
    let publicURL: URL

    struct SharedResponse: ResponseEncodable {
        var item: SharedItem
    }

    func add(to router: Router<ScribeRequestContext>) {
        router.get("api/v1/shared/lorebooks/:id", use: lorebook)
        router.get("api/v1/shared/characters/:id", use: character)
        router.get("api/v1/shared/characters/:id/avatar", use: avatar)
        // The same, at a URL that names its format (what the item's Note links).
        router.get("api/v1/shared/characters/:id/avatar.png", use: avatar)
        router.group("api/v1/shared/characters", context: SignedInContext.self).post(":id/fork", use: fork)
    }

    @Sendable func lorebook(_ request: Request, context: ScribeRequestContext) async throws -> SharedResponse {
        let id = try LorebookRoutes.id(context)
        return SharedResponse(
            item: try await core.sharedView(of: .lorebook, id: id, for: try await social.viewer(context.user?.id, of: .lorebook, id))
        )
    }

    @Sendable func character(_ request: Request, context: ScribeRequestContext) async throws -> SharedResponse {
        let id = try CharacterRoutes.id(context)
        return SharedResponse(
            item: try await core.sharedView(of: .character, id: id, for: try await social.viewer(context.user?.id, of: .character, id))
        )
    }

    /// The avatar as stored, tagged with the item's version: a server or browser that holds it
    /// asks again with `If-None-Match` and gets a 304 without the image being read. Who may
    /// see it is decided on every request, as for the item.
    @Sendable func avatar(_ request: Request, context: ScribeRequestContext) async throws -> Response {
        let id = try CharacterRoutes.id(context)
        let viewer = try await social.viewer(context.user?.id, of: .character, id)
        let metadata = try await core.metadata(of: .character, id: id, for: viewer)
        let answer = ThumbnailResponse(
            subject: id.uuidString.lowercased(),
            // Microseconds: two changes within a second still differ.
            version: Int((metadata.updatedAt.timeIntervalSince1970 * 1_000_000).rounded()),
            caching: metadata.visibility == .public ? .revalidated : .privateRevalidated
        )
        return try await answer.respond(to: request, missing: "This character has no art.") {
            () async throws -> (bytes: Data, contentType: String)? in
            guard metadata.hasAvatar else { return nil }
            let avatar = try await core.sharedFile(of: .character, id: id, format: .avatar, for: viewer)
            return (avatar.bytes, avatar.contentType)
        }
    }

    @Sendable func fork(_ request: Request, context: SignedInContext) async throws -> EditedResponse<CharacterRoutes.CharacterResponse> {
        let id = try CharacterRoutes.id(context)
        let source = publicURL.appendingPathComponent("characters").appendingPathComponent(id.uuidString.lowercased()).absoluteString
        let followsOwner = try await social.followsOwner(context.user.id, of: .character, id)
        let forked = try await core.fork(
            of: .character,
            id: id,
            sessionToken: context.sessionToken,
            sourceURI: source,
            entitled: false,
            followsOwner: followsOwner
        )
        return EditedResponse(status: .created, response: CharacterRoutes.CharacterResponse(character: forked))
    }
}
