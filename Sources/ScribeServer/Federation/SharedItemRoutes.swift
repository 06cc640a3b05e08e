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

    @Sendable func avatar(_ request: Request, context: ScribeRequestContext) async throws -> Response {
        let id = try CharacterRoutes.id(context)
        let avatar = try await core.sharedFile(
            of: .character,
            id: id,
            format: .avatar,
            for: try await social.viewer(context.user?.id, of: .character, id)
        )
        return Response(
            status: .ok,
            headers: [.contentType: avatar.contentType, .cacheControl: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(bytes: avatar.bytes))
        )
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
