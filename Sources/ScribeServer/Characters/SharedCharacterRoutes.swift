import Foundation
import HTTPTypes
import Hummingbird
import ScribeContracts
import ScribeCore
import ScribeSocial

/// Publishing and what others see: `PUT /api/v1/characters/{id}/visibility` for the owner, and
/// `/api/v1/shared/characters/{id}` (view, avatar, fork) for everyone the visibility allows.
///
/// Whether a viewer follows the owner is Social's knowledge: it is asked for every viewer, so a
/// followers-only character shows to its owner and approved followers.
struct SharedCharacterRoutes {
    let characters: Characters
    let core: any CoreAPI
    let social: SocialModule
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
            let id = try CharacterRoutes.id(context)
            return SharedResponse(item: try await core.sharedView(of: .character, id: id, for: try await social.viewer(context, of: .character, id)))
        }
        shared.get(":id/avatar") { _, context in
            let id = try CharacterRoutes.id(context)
            guard let avatar = try await characters.sharedAvatar(id, for: try await social.viewer(context, of: .character, id)) else {
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
            let followsOwner = try await social.followsOwner(session.account.id, of: .character, id)
            let forked = try await characters.fork(id, sourceURI: source, followsOwner: followsOwner, for: session)
            return EditedResponse(status: .created, response: CharacterRoutes.CharacterResponse(character: CharacterRoutes.CharacterView(forked)))
        }
    }
}

extension SocialModule {
    /// Who is looking at a shared item, with what Social knows of them: whether they follow its
    /// owner. Every shared view the server answers (JSON and pages) asks here.
    func viewer(_ context: ScribeRequestContext, of kind: CoreEvent.SubjectKind, _ id: UUID) async throws -> Viewer {
        let account = context.session?.account.id
        return Viewer(accountID: account, followsOwner: try await followsOwner(account, of: kind, id))
    }
}
