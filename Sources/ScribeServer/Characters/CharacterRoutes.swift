import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import ScribeContracts
import ScribeCore

/// `/api/v1/characters`: the logged-in user's characters. Handlers decode, call
/// ``Characters``, and encode; another user's character and a malformed id are both 404.
struct CharacterRoutes {
    let core: CoreModule
    var characters: Characters { core.characters }

    struct CardRequest: Decodable {
        /// A character card in any shape ``CharacterCard/read(json:)`` accepts.
        var card: JSONValue
    }

    struct VisibilityRequest: Decodable {
        var visibility: SharingVisibility
        enum CodingKeys: String, CodingKey { case visibility = "sharing_visibility" }
    }

    struct EmbedRequest: Decodable {
        var lorebookID: UUID
        enum CodingKeys: String, CodingKey { case lorebookID = "lorebook_id" }
    }

    struct CharacterResponse: ResponseEncodable {
        var character: OwnedCharacter
    }

    struct CharacterList: ResponseEncodable {
        var characters: [CharacterSummary]
    }

    func add(to router: Router<ScribeRequestContext>) {
        let group = router.group("api/v1/characters")
        group.get { _, context in
            CharacterList(characters: try await characters.list(for: try context.requireSession()))
        }
        group.post { request, context in
            let session = try context.requireSession()
            let body = try await request.decodeJSON(as: CardRequest.self, context: context)
            let created = try await characters.create(try CharacterCard.read(json: body.card.serialized()), for: session)
            return EditedResponse(status: .created, response: CharacterResponse(character: OwnedCharacter(created)))
        }
        group.post("import") { request, context in
            let session = try context.requireSession()
            let file = try await request.body.collect(upTo: Characters.maximumFileSize)
            let imported = try await characters.importFile(Data(buffer: file), for: session)
            return EditedResponse(status: .created, response: CharacterResponse(character: OwnedCharacter(imported)))
        }
        group.get(":id") { _, context in
            CharacterResponse(character: OwnedCharacter(try await characters.get(try Self.id(context), for: try context.requireSession())))
        }
        group.put(":id") { request, context in
            let session = try context.requireSession()
            let body = try await request.decodeJSON(as: CardRequest.self, context: context)
            let card = try CharacterCard.read(json: body.card.serialized())
            return CharacterResponse(character: OwnedCharacter(try await characters.replaceCard(try Self.id(context), with: card, for: session)))
        }
        group.delete(":id") { _, context in
            try await characters.delete(try Self.id(context), for: try context.requireSession())
            return HTTPResponse.Status.noContent
        }
        group.put(":id/visibility") { request, context in
            let session = try context.requireSession()
            let body = try await request.decodeJSON(as: VisibilityRequest.self, context: context)
            return CharacterResponse(
                character: OwnedCharacter(try await characters.setVisibility(try Self.id(context), to: body.visibility, for: session))
            )
        }
        group.get(":id/export") { request, context in
            let session = try context.requireSession()
            let formatName = request.uri.queryParameters.get("format") ?? "png"
            guard let format = CharacterExportFormat(rawValue: formatName) else {
                throw APIError(.badRequest, code: "bad_request", message: "The format must be png, charx, v3 or v2.", field: "format")
            }
            return Self.download(try await characters.export(try Self.id(context), as: format, for: session))
        }
        group.post(":id/lorebook") { _, context in
            let lorebook = try await core.extractLorebook(fromCharacter: try Self.id(context), for: try context.requireSession())
            return EditedResponse(status: .created, response: LorebookRoutes.LorebookResponse(lorebook: LorebookRoutes.LorebookView(lorebook)))
        }
        group.put(":id/lorebook") { request, context in
            let session = try context.requireSession()
            let body = try await request.decodeJSON(as: EmbedRequest.self, context: context)
            let character = try await core.embedLorebook(body.lorebookID, intoCharacter: try Self.id(context), for: session)
            return CharacterResponse(character: OwnedCharacter(character))
        }
        group.get(":id/avatar") { _, context in
            guard let avatar = try await characters.avatar(try Self.id(context), for: try context.requireSession()) else {
                throw APIError(.notFound, code: "not_found", message: "This character has no avatar.")
            }
            var response = Self.download(avatar)
            response.headers[.contentDisposition] = nil
            return response
        }
    }

    static func id(_ context: ScribeRequestContext) throws -> UUID {
        try context.uuidParameter(notFound: "There is no such character.")
    }

    static func download(_ file: ExportedFile) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: file.contentType, .contentDisposition: "attachment; filename=\"\(file.fileName)\"",
                .cacheControl: "private, no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: file.bytes))
        )
    }
}
