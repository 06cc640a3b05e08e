import Foundation
import HTTPTypes
import Hummingbird
import ScribeCore
import ScribeHTTP

/// `/api/v1/chats`: the logged-in user's chat sessions and their messages (storage only: no
/// model is called). Another user's chat and a malformed id are both 404.
struct ChatRoutes {
    let chats: Chats

    struct CreateRequest: Decodable {
        var title: String
        var characterID: UUID?
        enum CodingKeys: String, CodingKey {
            case title
            case characterID = "character_id"
        }
    }

    struct MessageRequest: Decodable {
        var type: ChatMessage.Kind
        var content: String
    }

    struct VisibilityRequest: Decodable {
        var visibility: Chat.Visibility
    }

    struct ChatResponse: ResponseEncodable { var chat: Chat }
    struct ChatList: ResponseEncodable { var chats: [Chat] }
    struct MessageResponse: ResponseEncodable { var message: ChatMessage }

    func add(to router: Router<ScribeRequestContext>) {
        let group = router.group("api/v1/chats", context: LibraryContext.self)
        group.get(use: list)
        group.post(use: create)
        group.get(":id", use: get)
        group.delete(":id", use: delete)
        group.post(":id/messages", use: append)
        group.put(":id/visibility", use: setVisibility)
    }

    @Sendable func list(_ request: Request, context: LibraryContext) async throws -> ChatList {
        ChatList(chats: try await chats.list(for: context.session))
    }

    @Sendable func create(_ request: Request, context: LibraryContext) async throws -> EditedResponse<ChatResponse> {
        let body = try await request.decodeJSON(as: CreateRequest.self, context: context)
        let chat = try await chats.create(title: body.title, characterID: body.characterID, for: context.session)
        return EditedResponse(status: .created, response: ChatResponse(chat: chat))
    }

    @Sendable func get(_ request: Request, context: LibraryContext) async throws -> ChatResponse {
        ChatResponse(chat: try await chats.get(try Self.id(context), for: context.session))
    }

    @Sendable func delete(_ request: Request, context: LibraryContext) async throws -> HTTPResponse.Status {
        try await chats.delete(try Self.id(context), for: context.session)
        return .noContent
    }

    @Sendable func append(_ request: Request, context: LibraryContext) async throws -> EditedResponse<MessageResponse> {
        let body = try await request.decodeJSON(as: MessageRequest.self, context: context)
        let message = try await chats.append(body.type, content: body.content, to: try Self.id(context), for: context.session)
        return EditedResponse(status: .created, response: MessageResponse(message: message))
    }

    @Sendable func setVisibility(_ request: Request, context: LibraryContext) async throws -> ChatResponse {
        let body = try await request.decodeJSON(as: VisibilityRequest.self, context: context)
        return ChatResponse(chat: try await chats.setVisibility(try Self.id(context), to: body.visibility, for: context.session))
    }

    static func id(_ context: some ScribeContext) throws -> UUID {
        try context.uuidParameter(notFound: "There is no such chat.")
    }
}
