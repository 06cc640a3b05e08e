import Foundation
import HTTPTypes
import Hummingbird
import ScribeCore

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
        let group = router.group("api/v1/chats")
        group.get { _, context in
            ChatList(chats: try await chats.list(for: try context.requireSession()))
        }
        group.post { request, context in
            let session = try context.requireSession()
            let body = try await request.decodeJSON(as: CreateRequest.self, context: context)
            let chat = try await chats.create(title: body.title, characterID: body.characterID, for: session)
            return EditedResponse(status: .created, response: ChatResponse(chat: chat))
        }
        group.get(":id") { _, context in
            ChatResponse(chat: try await chats.get(try Self.id(context), for: try context.requireSession()))
        }
        group.delete(":id") { _, context in
            try await chats.delete(try Self.id(context), for: try context.requireSession())
            return HTTPResponse.Status.noContent
        }
        group.post(":id/messages") { request, context in
            let session = try context.requireSession()
            let body = try await request.decodeJSON(as: MessageRequest.self, context: context)
            let message = try await chats.append(body.type, content: body.content, to: try Self.id(context), for: session)
            return EditedResponse(status: .created, response: MessageResponse(message: message))
        }
        group.put(":id/visibility") { request, context in
            let session = try context.requireSession()
            let body = try await request.decodeJSON(as: VisibilityRequest.self, context: context)
            return ChatResponse(chat: try await chats.setVisibility(try Self.id(context), to: body.visibility, for: session))
        }
    }

    static func id(_ context: ScribeRequestContext) throws -> UUID {
        try context.uuidParameter(notFound: "There is no such chat.")
    }
}
