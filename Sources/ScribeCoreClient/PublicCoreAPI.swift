import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ScribeContracts

/// One request to Core's public JSON API on a user's behalf, as ``HTTPAccountsClient`` and
/// ``HTTPLibraryClient`` make it (a ``ForwardedRequest``), with Core's refusal read back as the
/// ``CoreError`` it was (code, message, field, retry-after). Nothing is repeated: most calls
/// change something, and a read the user repeats by reloading.
struct PublicCoreAPI: Sendable {
    let request: ForwardedRequest
    let logger: Logger
    /// How long one call may take. Sign-up, log-in and recovery derive a scrypt key in Core,
    /// which a loaded machine makes slow: 30 s ran out under CI's full suite (2026-12-07, a
    /// page sign-up answered 503). A minute matches a reverse proxy's usual read timeout.
    var timeout: Duration = .seconds(60)
    /// The largest answer read: a character with its card, or a lorebook, whole.
    static let maximumResponseSize = 16 << 20

    /// An answer with nothing to read (204).
    struct Nothing: Decodable {}

    /// A JSON answer, decoded as `Answer` (``Nothing`` for 204).
    func call<Answer: Decodable>(
        _ method: HTTPMethod,
        _ path: String,
        json: (any Encodable & Sendable)? = nil,
        body: Data? = nil,
        sessionToken: String? = nil,
        clientAddress: String? = nil,
        as: Answer.Type
    ) async throws(CoreError) -> Answer {
        let answer = try await send(method, path, json: json, body: body, sessionToken: sessionToken, clientAddress: clientAddress)
        if let nothing = Nothing() as? Answer { return nothing }
        guard let value = answer.decode(Answer.self) else { throw CoreError(.unavailable, "Core's answer was not understood.") }
        return value
    }

    /// A file's answer (an image), as its bytes.
    func bytes(_ method: HTTPMethod, _ path: String, sessionToken: String? = nil) async throws(CoreError) -> Data {
        Data(buffer: try await send(method, path, json: nil, body: nil, sessionToken: sessionToken, clientAddress: nil).body)
    }

    /// Sends the request and answers a 2xx response; anything else is the ``CoreError`` Core said.
    private func send(
        _ method: HTTPMethod,
        _ path: String,
        json: (any Encodable & Sendable)?,
        body: Data?,
        sessionToken: String?,
        clientAddress: String?
    ) async throws(CoreError) -> ForwardedRequest.Answer {
        var payload: (data: Data, contentType: String)?
        if let json, let data = try? ScribeJSON.encoder().encode(json) {
            payload = (data, "application/json")
        } else if let body {
            payload = (body, "application/octet-stream")
        }
        let answer: ForwardedRequest.Answer
        do {
            answer = try await request.send(
                method,
                path,
                body: payload,
                sessionToken: sessionToken,
                clientAddress: clientAddress,
                timeout: timeout,
                maximumSize: Self.maximumResponseSize
            )
        } catch {
            if !Task.isCancelled {
                logger.warning("call to Core's public API failed", metadata: ["path": .string(path), "reason": .string("\(error)")])
            }
            throw CoreError(.unavailable, "Your account cannot be reached right now; please try again.")
        }
        guard (200..<300).contains(answer.status.code) else {
            throw Self.error(status: answer.status, detail: answer.error, retryAfter: answer.headers.first(name: "Retry-After"))
        }
        return answer
    }

    /// Core's refusal as the contract names it: its code, message and field, and how long to wait
    /// for a limit. A code Core's errors do not have (the edge's own) reads as the nearest.
    static func error(status: HTTPResponseStatus, detail: ServiceErrorBody.Detail?, retryAfter: String?) -> CoreError {
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
