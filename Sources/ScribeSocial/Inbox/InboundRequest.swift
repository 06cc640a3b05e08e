import ActivityPubKit
import Foundation

/// An HTTP request to an inbox, as the server received it: what signature verification covers.
public struct InboundRequest: Sendable {
    public var method: String
    /// Path and query, as sent.
    public var target: String
    /// The `Host` header as received (Mastodon signs the host without the port).
    public var authority: String
    public var headers: [(String, String)]
    public var body: Data

    public init(method: String, target: String, authority: String, headers: [(String, String)], body: Data) {
        self.method = method
        self.target = target
        self.authority = authority
        self.headers = headers
        self.body = body
    }

    /// The biggest activity accepted: Mastodon's 1 MB.
    public static let maximumBodySize = 1 << 20

    func signed(scheme: String) -> SignedRequest {
        SignedRequest(method: method, path: target, authority: authority, scheme: scheme, headers: headers, body: body)
    }
}
