import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ScribeContracts

/// A request the process that serves pages makes to another Scribe service's public JSON API
/// on a browser's behalf, as ``HTTPAccountsClient``, ``HTTPLibraryClient`` and the marketplace
/// client make it: the user's session token as a bearer token, and the client's address under a
/// ``ServiceToken`` in the ``ForwardingHeader``s, exactly as the social process's proxy forwards
/// a browser's own request. It neither repeats nor interprets: each client reads the answer as
/// its contract's error and decides what may be tried again.
public struct ForwardedRequest: Sendable {
    /// The service's own address, e.g. `SCRIBE_CORE_URL`.
    public let baseURL: URL
    let secret: ServiceSecret
    /// The process's client for its own services, never the guarded client Social federates
    /// with (which refuses private addresses).
    let client: HTTPClient

    /// A finished exchange: the status, its headers and the whole body.
    public struct Answer: Sendable {
        public let status: HTTPResponseStatus
        public let headers: HTTPHeaders
        public let body: ByteBuffer

        /// The body as `Value`, or nil when it is not one.
        public func decode<Value: Decodable>(_ type: Value.Type) -> Value? {
            try? ScribeJSON.decoder().decode(type, from: Data(buffer: body))
        }

        /// The service's `{ "error": … }` body, when it sent one.
        public var error: ServiceErrorBody.Detail? { decode(ServiceErrorBody.self)?.error }
    }

    public init(baseURL: URL, secret: ServiceSecret, client: HTTPClient) {
        self.baseURL = baseURL
        self.secret = secret
        self.client = client
    }

    /// Sends one request and reads its whole answer, up to `maximumSize` bytes.
    ///
    /// - Parameters:
    ///   - path: from the service's root, with its query, e.g. `/api/v1/lorebooks?x=1`.
    ///   - body: the bytes and their content type.
    /// - Throws: AsyncHTTPClient's error when the service cannot be reached, answers too much or
    ///   too late; never for a status.
    public func send(
        _ method: HTTPMethod,
        _ path: String,
        body: (data: Data, contentType: String)? = nil,
        sessionToken: String?,
        clientAddress: String?,
        timeout: Duration,
        maximumSize: Int
    ) async throws -> Answer {
        let base = baseURL.absoluteString.hasSuffix("/") ? String(baseURL.absoluteString.dropLast()) : baseURL.absoluteString
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: body.contentType)
            request.body = .bytes(ByteBuffer(bytes: body.data))
        }
        if let sessionToken { request.headers.add(name: "Authorization", value: "Bearer " + sessionToken) }
        request.headers.add(name: ForwardingHeader.forwardedBy, value: ServiceToken.mint(for: .social, secret: secret))
        if let clientAddress { request.headers.add(name: ForwardingHeader.clientAddress, value: clientAddress) }
        let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
        let bytes = try await response.body.collect(upTo: maximumSize)
        return Answer(status: response.status, headers: response.headers, body: bytes)
    }
}
