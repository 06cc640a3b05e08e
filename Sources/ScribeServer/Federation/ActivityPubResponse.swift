import ActivityPubKit
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An ActivityPub document as a response: `application/activity+json`, with `Vary: Accept` where
/// the same URL also serves a web page.
struct ActivityPubResponse: ResponseGenerator {
    var document: ASObject
    var status: HTTPResponse.Status = .ok
    var negotiated = false

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: ActivityPubMediaType.activityJSON + "; charset=utf-8"]
        if negotiated { headers[.vary] = "Accept" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try document.encoded())))
    }
}

extension Request {
    /// Whether the client asked for ActivityPub JSON rather than a page.
    var wantsActivityPub: Bool {
        ActivityPubMediaType.isRequested(byAccept: headers[.accept] ?? "")
    }
}
