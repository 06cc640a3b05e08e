import ActivityPubKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ScribeSocial

/// `POST /users/{username}/inbox`, `POST /inbox` (shared) and `POST /actor/inbox`: an activity
/// is accepted (202) once its signature verifies and it is stored; processing happens after.
struct InboxRoutes {
    let inbox: Inbox

    struct Accepted: ResponseEncodable {
        var status: String
    }

    func add(to router: Router<ScribeRequestContext>) {
        router.post("users/:username/inbox") { request, context in
            try await receive(request, context, recipient: try ActorRoutes.username(context))
        }
        router.post("inbox") { request, context in try await receive(request, context, recipient: nil) }
        router.post("actor/inbox") { request, context in try await receive(request, context, recipient: nil) }
    }

    func receive(_ request: Request, _ context: ScribeRequestContext, recipient: String?) async throws -> EditedResponse<Accepted> {
        guard ActivityPubMediaType.isActivityPub(contentType: request.headers[.contentType] ?? "") else {
            throw APIError(
                .unsupportedMediaType, code: "unsupported_media_type",
                message: "Send activities as application/activity+json or application/ld+json with the ActivityStreams profile.")
        }
        let limit = InboundRequest.maximumBodySize
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw Self.tooLarge }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: limit) } catch { throw Self.tooLarge }
        let inbound = InboundRequest(
            method: request.method.rawValue, target: request.uri.description, authority: request.head.authority ?? "",
            headers: request.headers.map { ($0.name.canonicalName, $0.value) }, body: Data(body.readableBytesView))
        let receipt = try await inbox.receive(inbound, recipient: recipient)
        if case .dropped(let reason) = receipt { context.logger.info("activity dropped", metadata: ["reason": .string(reason)]) }
        return EditedResponse(status: .accepted, response: Accepted(status: "accepted"))
    }

    static let tooLarge = APIError(.contentTooLarge, code: "payload_too_large", message: "Activities are limited to 1 MB.")
}
