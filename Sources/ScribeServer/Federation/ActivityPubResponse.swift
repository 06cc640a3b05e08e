import ActivityPubKit
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An ActivityPub document as a response: `application/activity+json`, with `Vary: Accept` where
/// the same URL also serves a web page.
struct ActivityPubResponse: ResponseGenerator {
    /// The document, or its bytes as Social serves them from its cache.
    enum Body {
        case document(ASObject)
        case encoded(Data)
    }

    var body: Body
    var status: HTTPResponse.Status = .ok
    var negotiated = false

    init(document: ASObject, status: HTTPResponse.Status = .ok, negotiated: Bool = false) {
        self.body = .document(document)
        self.status = status
        self.negotiated = negotiated
    }

    init(encoded: Data, negotiated: Bool = false) {
        self.body = .encoded(encoded)
        self.negotiated = negotiated
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: ActivityPubMediaType.activityJSON + "; charset=utf-8"]
        if negotiated { headers[.vary] = "Accept" }
        let bytes: Data
        switch body {
        case .document(let document): bytes = try document.encoded()
        case .encoded(let data): bytes = data
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension Request {
    /// Whether the client asked for ActivityPub JSON rather than a page.
    var wantsActivityPub: Bool {
        ActivityPubMediaType.isRequested(byAccept: headers[.accept] ?? "")
    }
}
