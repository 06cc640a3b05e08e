import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import ScribeContracts
import ScribeCore
import ScribeHTTP

/// `/api/v1/lorebooks`: the logged-in user's lorebooks (public ones are seen by others through
/// ``SharedItemRoutes``). Handlers decode, call ``Lorebooks``, and encode; another user's
/// lorebook and a malformed id are both 404.
struct LorebookRoutes {
    let lorebooks: Lorebooks

    struct LorebookResponse: ResponseEncodable {
        var lorebook: OwnedLorebook
    }

    struct LorebookList: ResponseEncodable {
        var lorebooks: [LorebookSummary]
    }

    struct CreateRequest: Decodable {
        /// Lorebook V3 JSON, or the bare `data` object.
        var lorebook: JSONValue
    }

    struct VisibilityRequest: Decodable {
        var isPublic: Bool
        enum CodingKeys: String, CodingKey { case isPublic = "is_public" }
    }

    func add(to router: Router<ScribeRequestContext>) {
        let group = router.group("api/v1/lorebooks", context: LibraryContext.self)
        group.get(use: list)
        group.post(use: create)
        group.post("import", use: importFile)
        group.get(":id", use: get)
        group.put(":id", use: replace)
        group.delete(":id", use: delete)
        group.put(":id/visibility", use: setVisibility)
        group.get(":id/export", use: export)
    }

    @Sendable func list(_ request: Request, context: LibraryContext) async throws -> LorebookList {
        LorebookList(lorebooks: try await lorebooks.list(for: context.session))
    }

    @Sendable func create(_ request: Request, context: LibraryContext) async throws -> EditedResponse<LorebookResponse> {
        let body = try await request.decodeJSON(as: CreateRequest.self, context: context)
        let book = try Lorebook.read(json: body.lorebook.serialized())
        return EditedResponse(
            status: .created,
            response: LorebookResponse(lorebook: OwnedLorebook(try await lorebooks.create(book, for: context.session)))
        )
    }

    @Sendable func importFile(_ request: Request, context: LibraryContext) async throws -> EditedResponse<LorebookResponse> {
        let file = try await request.body.collect(upTo: Lorebooks.maximumFileSize)
        let name = request.uri.queryParameters.get("name")
        let imported = try await lorebooks.importFile(Data(buffer: file), name: name, for: context.session)
        return EditedResponse(status: .created, response: LorebookResponse(lorebook: OwnedLorebook(imported)))
    }

    @Sendable func get(_ request: Request, context: LibraryContext) async throws -> LorebookResponse {
        LorebookResponse(lorebook: OwnedLorebook(try await lorebooks.get(try Self.id(context), for: context.session)))
    }

    @Sendable func replace(_ request: Request, context: LibraryContext) async throws -> LorebookResponse {
        let file = try await request.body.collect(upTo: Lorebooks.maximumFileSize)
        let book = try Lorebook.read(json: Data(buffer: file), name: request.uri.queryParameters.get("name"))
        return LorebookResponse(lorebook: OwnedLorebook(try await lorebooks.replace(try Self.id(context), with: book, for: context.session)))
    }

    @Sendable func delete(_ request: Request, context: LibraryContext) async throws -> HTTPResponse.Status {
        try await lorebooks.delete(try Self.id(context), for: context.session)
        return .noContent
    }

    @Sendable func setVisibility(_ request: Request, context: LibraryContext) async throws -> LorebookResponse {
        let body = try await request.decodeJSON(as: VisibilityRequest.self, context: context)
        return LorebookResponse(lorebook: OwnedLorebook(try await lorebooks.setPublic(try Self.id(context), body.isPublic, for: context.session)))
    }

    @Sendable func export(_ request: Request, context: LibraryContext) async throws -> Response {
        guard let format = LorebookExportFormat(rawValue: request.uri.queryParameters.get("format") ?? "world_info") else {
            throw APIError(.badRequest, code: "bad_request", message: "The format must be world_info or v3.", field: "format")
        }
        return CharacterRoutes.download(try await lorebooks.export(try Self.id(context), as: format, for: context.session))
    }

    static func id(_ context: some ScribeContext) throws -> UUID {
        try context.uuidParameter(notFound: "There is no such lorebook.")
    }
}
