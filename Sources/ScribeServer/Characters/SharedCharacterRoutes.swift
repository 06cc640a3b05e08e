import Foundation
import HTTPTypes
import Hummingbird
import ScribeContracts
import ScribeCore

/// Publishing and what others see: `PUT /api/v1/characters/{id}/visibility` for the owner, and
/// `/api/v1/shared/characters/{id}` (view, avatar, fork) for everyone the visibility allows.
///
/// Whether a viewer follows the owner is Social's knowledge; until Social answers it, a
/// followers-only character is shown to its owner alone.
struct SharedCharacterRoutes {
    let characters: Characters
    let core: any CoreAPI
    let publicURL: URL

    struct VisibilityRequest: Decodable {
        var visibility: SharingVisibility
        enum CodingKeys: String, CodingKey { case visibility = "sharing_visibility" }
    }

    struct SharedResponse: ResponseEncodable {
        var item: SharedItem
    }

    func add(to router: Router<ScribeRequestContext>) {
        router.put("api/v1/characters/:id/visibility") { request, context in
            let session = try context.requireSession()
            let body = try await request.decodeJSON(as: VisibilityRequest.self, context: context)
            let character = try await characters.setVisibility(try CharacterRoutes.id(context), to: body.visibility, for: session)
            return CharacterRoutes.CharacterResponse(character: CharacterRoutes.CharacterView(character))
        }
        let shared = router.group("api/v1/shared/characters")
        shared.get(":id") { _, context in
            SharedResponse(item: try await core.sharedView(of: .character, id: try CharacterRoutes.id(context), for: Self.viewer(context)))
        }
        shared.get(":id/avatar") { _, context in
            guard let avatar = try await characters.sharedAvatar(try CharacterRoutes.id(context), for: Self.viewer(context)) else {
                throw APIError(.notFound, code: "not_found", message: "This character has no avatar.")
            }
            var response = CharacterRoutes.download(avatar)
            response.headers[.contentDisposition] = nil
            response.headers[.cacheControl] = "no-cache"
            return response
        }
        shared.post(":id/fork") { _, context in
            let session = try context.requireSession()
            let id = try CharacterRoutes.id(context)
            let source = publicURL.appendingPathComponent("characters").appendingPathComponent(id.uuidString.lowercased()).absoluteString
            let forked = try await characters.fork(id, sourceURI: source, for: session)
            return EditedResponse(status: .created, response: CharacterRoutes.CharacterResponse(character: CharacterRoutes.CharacterView(forked)))
        }
    }

    static func viewer(_ context: ScribeRequestContext) -> Viewer {
        Viewer(accountID: context.session?.account.id)
    }
}
