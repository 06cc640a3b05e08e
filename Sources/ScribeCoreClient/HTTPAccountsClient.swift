import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ScribeContracts

/// `AccountsAPI` over Core's public JSON API (`/api/v1/accounts`, `/api/v1/sessions`), for the
/// process that serves pages apart from Core.
///
/// A call is the request a browser or app would make: the user's session token as a bearer
/// token, and the client's address under a ``ServiceToken`` in the ``ForwardingHeader``s, so
/// Core's per-address login limits see the real client. Core's refusals come back as the same
/// ``CoreError`` (code, message, field, retry-after) the in-process Core throws; a Core that
/// cannot be reached is `unavailable`. No call is repeated: each changes something.
public struct HTTPAccountsClient: AccountsAPI {
    public let baseURL: URL
    let secret: ServiceSecret
    let client: HTTPClient
    let logger: Logger
    public var timeout: Duration = .seconds(30)

    /// - Parameter client: the process's client for its own services, never the guarded client
    ///   Social federates with (which refuses private addresses).
    public init(baseURL: URL, secret: ServiceSecret, client: HTTPClient, logger: Logger) {
        self.baseURL = baseURL
        self.secret = secret
        self.client = client
        self.logger = logger
    }

    public func register(username: String, email: String, password: String, clientAddress: String?) async throws(CoreError) -> NewAccountSession {
        let body = ["username": username, "email": email, "password": password]
        let answer = try await call(.POST, "/api/v1/accounts", json: body, clientAddress: clientAddress, as: LoggedIn.self)
        return NewAccountSession(session: answer.session, recoveryPhrase: answer.recoveryPhrase ?? "")
    }

    public func logIn(identifier: String, password: String, clientAddress: String?) async throws(CoreError) -> SignedInSession {
        let body = ["identifier": identifier, "password": password]
        return try await call(.POST, "/api/v1/sessions", json: body, clientAddress: clientAddress, as: LoggedIn.self).session
    }

    public func recover(identifier: String, phrase: String, newPassword: String, clientAddress: String?) async throws(CoreError) -> SignedInSession {
        let body = ["identifier": identifier, "recovery_phrase": phrase, "new_password": newPassword]
        return try await call(.POST, "/api/v1/accounts/recovery", json: body, clientAddress: clientAddress, as: LoggedIn.self).session
    }

    public func logOut(sessionToken: String) async throws(CoreError) {
        _ = try await call(.DELETE, "/api/v1/sessions/current", sessionToken: sessionToken, as: Nothing.self)
    }

    public func changePassword(current: String, new: String, sessionToken: String) async throws(CoreError) {
        let body = ["current_password": current, "new_password": new]
        _ = try await call(.PUT, "/api/v1/accounts/me/password", json: body, sessionToken: sessionToken, as: Nothing.self)
    }

    public func setPublicProfile(displayName: String, bio: String, sessionToken: String) async throws(CoreError) {
        let body = ["display_name": displayName, "bio": bio]
        _ = try await call(.PUT, "/api/v1/accounts/me/profile", json: body, sessionToken: sessionToken, as: Nothing.self)
    }

    public func setAvatar(_ image: Data?, sessionToken: String) async throws(CoreError) {
        guard let image else {
            _ = try await call(.DELETE, "/api/v1/accounts/me/avatar", sessionToken: sessionToken, as: Nothing.self)
            return
        }
        _ = try await call(.PUT, "/api/v1/accounts/me/avatar", body: image, sessionToken: sessionToken, as: Nothing.self)
    }

    // MARK: - One call

    struct Nothing: Decodable {}

    /// What Core answers a sign-up, log-in or recovery.
    struct LoggedIn: Decodable {
        struct Session: Decodable {
            var token: String
            var expiresAt: Date
            enum CodingKeys: String, CodingKey {
                case token
                case expiresAt = "expires_at"
            }
        }
        var account: SessionUser
        var sessionView: Session
        var recoveryPhrase: String?

        var session: SignedInSession { SignedInSession(user: account, token: sessionView.token, expiresAt: sessionView.expiresAt) }

        enum CodingKeys: String, CodingKey {
            case account
            case sessionView = "session"
            case recoveryPhrase = "recovery_phrase"
        }
    }

    private func call<Answer: Decodable>(
        _ method: HTTPMethod,
        _ path: String,
        json: [String: String]? = nil,
        body: Data? = nil,
        sessionToken: String? = nil,
        clientAddress: String? = nil,
        as: Answer.Type
    ) async throws(CoreError) -> Answer {
        let base = baseURL.absoluteString.hasSuffix("/") ? String(baseURL.absoluteString.dropLast()) : baseURL.absoluteString
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let json, let data = try? JSONEncoder().encode(json) {
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
            bytes = try await response.body.collect(upTo: 1 << 20)
        } catch {
            if !Task.isCancelled {
                logger.warning("call to Core's accounts failed", metadata: ["path": .string(path), "reason": .string("\(error)")])
            }
            throw CoreError(.unavailable, "Accounts cannot be reached right now; please try again.")
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

    struct ErrorBody: Decodable {
        struct Detail: Decodable {
            var code: String
            var message: String
            var field: String?
        }
        var error: Detail
    }

    /// Core's refusal as the contract names it: its code, message and field, and how long to wait
    /// for a limit. A code Core's errors do not have (the edge's own) reads as the nearest.
    static func error(status: HTTPResponseStatus, body: ByteBuffer, retryAfter: String?) -> CoreError {
        let detail = try? ScribeJSON.decoder().decode(ErrorBody.self, from: Data(buffer: body)).error
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
