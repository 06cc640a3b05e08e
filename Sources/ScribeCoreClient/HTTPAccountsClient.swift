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
    let core: PublicCoreAPI

    /// - Parameter client: the process's client for its own services, never the guarded client
    ///   Social federates with (which refuses private addresses).
    public init(baseURL: URL, secret: ServiceSecret, client: HTTPClient, logger: Logger) {
        core = PublicCoreAPI(request: ForwardedRequest(baseURL: baseURL, secret: secret, client: client), logger: logger)
    }

    public func register(username: String, email: String, password: String, clientAddress: String?) async throws(CoreError) -> NewAccountSession {
        let body = ["username": username, "email": email, "password": password]
        let answer = try await core.call(.POST, "/api/v1/accounts", json: body, clientAddress: clientAddress, as: LoggedIn.self)
        return NewAccountSession(session: answer.session, recoveryPhrase: answer.recoveryPhrase ?? "")
    }

    public func logIn(identifier: String, password: String, clientAddress: String?) async throws(CoreError) -> SignedInSession {
        let body = ["identifier": identifier, "password": password]
        return try await core.call(.POST, "/api/v1/sessions", json: body, clientAddress: clientAddress, as: LoggedIn.self).session
    }

    public func recover(identifier: String, phrase: String, newPassword: String, clientAddress: String?) async throws(CoreError) -> SignedInSession {
        let body = ["identifier": identifier, "recovery_phrase": phrase, "new_password": newPassword]
        return try await core.call(.POST, "/api/v1/accounts/recovery", json: body, clientAddress: clientAddress, as: LoggedIn.self).session
    }

    public func logOut(sessionToken: String) async throws(CoreError) {
        _ = try await core.call(.DELETE, "/api/v1/sessions/current", sessionToken: sessionToken, as: PublicCoreAPI.Nothing.self)
    }

    public func changePassword(current: String, new: String, sessionToken: String) async throws(CoreError) {
        let body = ["current_password": current, "new_password": new]
        _ = try await core.call(.PUT, "/api/v1/accounts/me/password", json: body, sessionToken: sessionToken, as: PublicCoreAPI.Nothing.self)
    }

    public func setPublicProfile(displayName: String, bio: String, fields: [ProfileField]?, sessionToken: String) async throws(CoreError) {
        let body = PublicProfileChange(displayName: displayName, bio: bio, fields: fields)
        _ = try await core.call(.PUT, "/api/v1/accounts/me/profile", json: body, sessionToken: sessionToken, as: PublicCoreAPI.Nothing.self)
    }

    public func setImage(_ kind: ProfileImage, to image: Data?, sessionToken: String) async throws(CoreError) {
        let path = "/api/v1/accounts/me/\(kind.rawValue)"
        guard let image else {
            _ = try await core.call(.DELETE, path, sessionToken: sessionToken, as: PublicCoreAPI.Nothing.self)
            return
        }
        _ = try await core.call(.PUT, path, body: image, sessionToken: sessionToken, as: PublicCoreAPI.Nothing.self)
    }

    /// The body of `PUT /api/v1/accounts/me/profile`.
    struct PublicProfileChange: Encodable {
        var displayName: String
        var bio: String
        var fields: [ProfileField]?
        enum CodingKeys: String, CodingKey {
            case bio, fields
            case displayName = "display_name"
        }
    }

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
}
