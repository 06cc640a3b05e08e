import Foundation
import Hummingbird
import ScribeSocial

extension InboundRequest {
    /// The request as signature verification sees it: method, path and query as sent, the
    /// `Host` as received, every header, and the body read so far.
    init(_ request: Request, body: Data) {
        self.init(
            method: request.method.rawValue,
            target: request.uri.description,
            authority: request.head.authority ?? "",
            headers: request.headers.map { ($0.name.canonicalName, $0.value) },
            body: body
        )
    }
}
