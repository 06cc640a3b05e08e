import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import ScribeContracts
import ScribeCore
import ScribeHTTP

/// `/api/v1/characters`: the logged-in user's characters. Handlers decode, call
/// ``Characters``, and encode; another user's character and a malformed id are both 404.
struct CharacterRoutes {
    let core: CoreModule
    var characters: Characters { core.characters }

    struct CardRequest: Decodable {
        /// A character card in any shape ``CharacterCard/read(json:)`` accepts.
        var card: JSONValue
        /// On replacing: new art (a PNG, base64), and the owner's note on what changed.
        var avatar: Data?
        var changeNote: String?

        enum CodingKeys: String, CodingKey {
            case card, avatar
            case changeNote = "change_note"
        }
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
        let group = router.group("api/v1/characters", context: LibraryContext.self)
        group.get(use: list)
        group.post(use: create)
        group.post("import", use: importFile)
        group.get(":id", use: get)
        group.put(":id", use: replaceCard)
        group.delete(":id", use: delete)
        group.put(":id/visibility", use: setVisibility)
        group.get(":id/export", use: export)
        group.post(":id/lorebook", use: extractLorebook)
        group.put(":id/lorebook", use: embedLorebook)
        group.get(":id/avatar", use: avatar)
    }

    @Sendable func list(_ request: Request, context: LibraryContext) async throws -> CharacterList {
        CharacterList(characters: try await characters.list(for: context.session))
    }

    @Sendable func create(_ request: Request, context: LibraryContext) async throws -> EditedResponse<CharacterResponse> {
        let body = try await request.decodeJSON(as: CardRequest.self, context: context)
        let created = try await characters.create(try CharacterCard.read(json: body.card.serialized()), for: context.session)
        return EditedResponse(status: .created, response: CharacterResponse(character: OwnedCharacter(created)))
    }

    @Sendable func importFile(_ request: Request, context: LibraryContext) async throws -> EditedResponse<CharacterResponse> {
        let file = try await request.body.collect(upTo: Characters.maximumFileSize)
        let imported = try await characters.importFile(Data(buffer: file), for: context.session)
        return EditedResponse(status: .created, response: CharacterResponse(character: OwnedCharacter(imported)))
    }

    @Sendable func get(_ request: Request, context: LibraryContext) async throws -> CharacterResponse {
        CharacterResponse(character: OwnedCharacter(try await characters.get(try Self.id(context), for: context.session)))
    }

    @Sendable func replaceCard(_ request: Request, context: LibraryContext) async throws -> CharacterResponse {
        let body = try await request.decodeJSON(as: CardRequest.self, context: context)
        let card = try CharacterCard.read(json: body.card.serialized())
        let replaced = try await characters.replaceCard(
            try Self.id(context),
            with: card,
            avatar: body.avatar,
            note: body.changeNote,
            for: context.session
        )
        return CharacterResponse(character: OwnedCharacter(replaced))
    }

    @Sendable func delete(_ request: Request, context: LibraryContext) async throws -> HTTPResponse.Status {
        try await characters.delete(try Self.id(context), for: context.session)
        return .noContent
    }

    @Sendable func setVisibility(_ request: Request, context: LibraryContext) async throws -> CharacterResponse {
        let body = try await request.decodeJSON(as: VisibilityRequest.self, context: context)
        let character = try await characters.setVisibility(try Self.id(context), to: body.visibility, for: context.session)
        return CharacterResponse(character: OwnedCharacter(character))
    }

    @Sendable func export(_ request: Request, context: LibraryContext) async throws -> Response {
        let formatName = request.uri.queryParameters.get("format") ?? "png"
        guard let format = CharacterExportFormat(rawValue: formatName) else {
            throw APIError(.badRequest, code: "bad_request", message: "The format must be png, charx, v3 or v2.", field: "format")
        }
        return Self.download(try await characters.export(try Self.id(context), as: format, for: context.session))
    }

    @Sendable func extractLorebook(_ request: Request, context: LibraryContext) async throws -> EditedResponse<LorebookRoutes.LorebookResponse> {
        let lorebook = try await core.extractLorebook(fromCharacter: try Self.id(context), for: context.session)
        return EditedResponse(status: .created, response: LorebookRoutes.LorebookResponse(lorebook: OwnedLorebook(lorebook)))
    }

    @Sendable func embedLorebook(_ request: Request, context: LibraryContext) async throws -> CharacterResponse {
        let body = try await request.decodeJSON(as: EmbedRequest.self, context: context)
        let character = try await core.embedLorebook(body.lorebookID, intoCharacter: try Self.id(context), for: context.session)
        return CharacterResponse(character: OwnedCharacter(character))
    }

    @Sendable func avatar(_ request: Request, context: LibraryContext) async throws -> Response {
        guard let avatar = try await characters.avatar(try Self.id(context), for: context.session) else {
            throw APIError(.notFound, code: "not_found", message: "This character has no avatar.")
        }
        var response = Self.download(avatar)
        response.headers[.contentDisposition] = nil
        return response
    }

    static func id(_ context: some ScribeContext) throws -> UUID {
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
