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

/// A small HTML page for people who open an actor's or an object's URL in a browser.
struct FederationPage: ResponseGenerator {
    var title: String
    var paragraphs: [String]

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = paragraphs.map { "<p>\(HTMLSanitizer.escape($0))</p>" }.joined()
        let html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>\(HTMLSanitizer.escape(title))</title></head><body><h1>\(HTMLSanitizer.escape(title))</h1>\(body)</body></html>"
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .vary: "Accept"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

extension Request {
    /// Whether the client asked for ActivityPub JSON rather than a page.
    var wantsActivityPub: Bool {
        ActivityPubMediaType.isRequested(byAccept: headers[.accept] ?? "")
    }
}
