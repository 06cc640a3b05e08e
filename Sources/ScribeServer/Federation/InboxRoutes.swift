import ActivityPubKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ScribeHTTP
import ScribeSocial

/// `POST /users/{username}/inbox`, `POST /inbox` (shared) and `POST /actor/inbox`: an activity
/// is accepted (202) once its signature verifies and it is stored; processing happens after.
///
/// Each remote domain (the host of the verified signer) has its own budget a minute; over it,
/// 429 with `Retry-After` before the activity is stored, so one flooding server cannot crowd
/// out others, and, since only a verified signature spends it, no one can spend another's.
/// Every POST is counted in `scribe_inbox_activities_total` by outcome and reason.
struct InboxRoutes {
    let inbox: Inbox
    let limiter: RateLimiter

    struct Accepted: ResponseEncodable {
        var status: String
    }

    func add(to router: Router<ScribeRequestContext>) {
        router.post("users/:username/inbox") { request, context in
            try await receive(request, context, recipient: try context.usernameParameter())
        }
        router.post("inbox") { request, context in try await receive(request, context, recipient: nil) }
        router.post("actor/inbox") { request, context in try await receive(request, context, recipient: nil) }
    }

    func receive(_ request: Request, _ context: ScribeRequestContext, recipient: String?) async throws -> EditedResponse<Accepted> {
        do {
            let stored = try await accept(request, context, recipient: recipient)
            ScribeMetrics.inbox(outcome: "accepted", reason: stored)
            return EditedResponse(status: .accepted, response: Accepted(status: "accepted"))
        } catch {
            ScribeMetrics.inbox(outcome: "rejected", reason: Self.reason(error))
            throw error
        }
    }

    private func accept(_ request: Request, _ context: ScribeRequestContext, recipient: String?) async throws -> String {
        // What became of an accepted activity: "stored", or "dropped" (blocked, irrelevant).
        guard ActivityPubMediaType.isActivityPub(contentType: request.headers[.contentType] ?? "") else {
            throw APIError(
                .unsupportedMediaType,
                code: "unsupported_media_type",
                message: "Send activities as application/activity+json or application/ld+json with the ActivityStreams profile."
            )
        }
        let limit = InboundRequest.maximumBodySize
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw Self.tooLarge }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: limit) } catch { throw Self.tooLarge }
        let inbound = InboundRequest(request, body: Data(body.readableBytesView))
        let receipt = try await inbox.receive(inbound, recipient: recipient) { [limiter] host throws(SocialError) in
            if case .limited(let seconds) = limiter.hit("inbox:\(host)", limit: limiter.settings.perRemoteDomain) {
                ScribeMetrics.rateLimited("inbox")
                var refusal = SocialError(.rateLimited, "Too many activities from \(host); try again in \(seconds) seconds.")
                refusal.retryAfterSeconds = seconds
                throw refusal
            }
        }
        if case .dropped(let reason) = receipt {
            context.logger.info("activity dropped", metadata: ["reason": .string(reason)])
            return "dropped"
        }
        return "stored"
    }

    /// The error code a refusal carries, as the metric's reason.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let error as APIError: error.code
        case let error as SocialError: error.code.rawValue
        default: "other"
        }
    }

    static let tooLarge = APIError(.contentTooLarge, code: "payload_too_large", message: "Activities are limited to 1 MB.")
}
