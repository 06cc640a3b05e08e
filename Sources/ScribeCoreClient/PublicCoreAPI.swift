import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ScribeContracts

/// One request to Core's public JSON API on a user's behalf, as ``HTTPAccountsClient`` and
/// ``HTTPLibraryClient`` make it: the user's session token as a bearer token, the client's
/// address under a ``ServiceToken`` in the ``ForwardingHeader``s, and Core's refusal read back as
/// the ``CoreError`` it was (code, message, field, retry-after). Nothing is repeated: most calls
/// change something, and a read the user repeats by reloading.
struct PublicCoreAPI: Sendable {
    let baseURL: URL
    let secret: ServiceSecret
    let client: HTTPClient
    let logger: Logger
    var timeout: Duration = .seconds(30)
    /// The largest answer read: a character with its card, or a lorebook, whole.
    static let maximumResponseSize = 16 << 20

    /// An answer with nothing to read (204).
    struct Nothing: Decodable {}

    func call<Answer: Decodable>(
        _ method: HTTPMethod,
        _ path: String,
        json: (any Encodable & Sendable)? = nil,
        body: Data? = nil,
        sessionToken: String? = nil,
        clientAddress: String? = nil,
        as: Answer.Type
    ) async throws(CoreError) -> Answer {
        let base = baseURL.absoluteString.hasSuffix("/") ? String(baseURL.absoluteString.dropLast()) : baseURL.absoluteString
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let json, let data = try? ScribeJSON.encoder().encode(json) {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: data))
        } else if let body {
            request.headers.add(name: "Content-Type", value: "application/octet-stream")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        if let sessionToken { request.headers.add(name: "Authorization", value: "Bearer " + sessionToken) }
        request.headers.add(name: ForwardingHeader.forwardedBy, value: ServiceToken.mint(for: .social, secret: secret))
        if let clientAddress { request.headers.add(name: ForwardingHeader.clientAddress, value: clientAddress) }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
            bytes = try await response.body.collect(upTo: Self.maximumResponseSize)
        } catch {
            if !Task.isCancelled {
                logger.warning("call to Core's public API failed", metadata: ["path": .string(path), "reason": .string("\(error)")])
            }
            throw CoreError(.unavailable, "Your account cannot be reached right now; please try again.")
        }
        guard (200..<300).contains(response.status.code) else {
            throw Self.error(status: response.status, body: bytes, retryAfter: response.headers.first(name: "Retry-After"))
        }
        if let nothing = Nothing() as? Answer { return nothing }
        guard let answer = try? ScribeJSON.decoder().decode(Answer.self, from: Data(buffer: bytes)) else {
            throw CoreError(.unavailable, "Core's answer was not understood.")
        }
        return answer
    }

    /// Core's refusal as the contract names it: its code, message and field, and how long to wait
    /// for a limit. A code Core's errors do not have (the edge's own) reads as the nearest.
    static func error(status: HTTPResponseStatus, body: ByteBuffer, retryAfter: String?) -> CoreError {
        let detail = try? ScribeJSON.decoder().decode(ServiceErrorBody.self, from: Data(buffer: body)).error
        let message = detail?.message ?? "Core answered \(status.code)."
        let code =
            detail.flatMap { CoreError.Code(rawValue: $0.code) }
            ?? {
                switch status.code {
                case 401: .unauthenticated
                case 403: .forbidden
                case 404: .notFound
                case 429: .rateLimited
                case 400..<500: .invalidInput
                default: .unavailable
                }
            }()
        return CoreError(code, message, field: detail?.field, retryAfterSeconds: retryAfter.flatMap(Int.init))
    }
}
