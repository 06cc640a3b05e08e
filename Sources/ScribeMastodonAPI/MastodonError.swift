import HTTPTypes
import Hummingbird
import ScribeContracts

/// What the Mastodon client API refuses, as Mastodon says it: a status and one message, and for
/// the OAuth endpoints the RFC 6749 error code (`invalid_grant`, `invalid_client`, …).
/// The server's error middleware writes it as `{"error": message}`, or for OAuth as
/// `{"error": code, "error_description": message}` (`docs/mastodon-api.md`).
public struct MastodonError: Error, Sendable, Equatable {
    public let status: HTTPResponse.Status
    public let message: String
    /// The OAuth error code, for `/oauth/*` only.
    public let oauthCode: String?

    public init(_ status: HTTPResponse.Status, _ message: String, oauthCode: String? = nil) {
        self.status = status
        self.message = message
        self.oauthCode = oauthCode
    }

    static let notFound = MastodonError(.notFound, "Record not found")
    static let invalidToken = MastodonError(.unauthorized, "The access token is invalid")
    static let outsideScopes = MastodonError(.forbidden, "This action is outside the authorized scopes")
    static let userRequired = MastodonError(.unprocessableContent, "This method requires an authenticated user")

    static func missing(_ name: String) -> MastodonError {
        MastodonError(.badRequest, "Missing required parameter: \(name)")
    }

    static func invalid(_ message: String) -> MastodonError {
        MastodonError(.unprocessableContent, "Validation failed: \(message)")
    }

    static func oauth(_ status: HTTPResponse.Status, _ code: String, _ description: String) -> MastodonError {
        MastodonError(status, description, oauthCode: code)
    }

    /// The body Mastodon sends for it.
    public var body: [String: String] {
        guard let oauthCode else { return ["error": message] }
        return ["error": oauthCode, "error_description": message]
    }

    /// Whether a request's path is one of Mastodon's client API, whose errors take this shape.
    /// Scribe's own JSON API shares `/api/v1/`; these are the paths that are Mastodon's.
    public static func isClientAPI(_ path: String) -> Bool {
        if path.hasPrefix("/oauth/") || path == "/.well-known/oauth-authorization-server" { return true }
        if path.hasPrefix("/api/v2/") { return true }
        guard path.hasPrefix("/api/v1/") else { return false }
        let rest = path.dropFirst("/api/v1/".count)
        let first = rest.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        switch first {
        case "apps", "statuses", "timelines", "instance", "custom_emojis", "markers", "media", "favourites", "follow_requests",
            "preferences", "filters", "lists", "bookmarks", "conversations", "trends", "announcements", "mutes", "blocks_list":
            return true
        case "notifications":
            return true
        case "accounts":
            // Scribe's own: POST /api/v1/accounts (sign-up), /accounts/me…, /accounts/recovery.
            let second = rest.split(separator: "/").dropFirst().first.map(String.init)
            return second != nil && second != "me" && second != "recovery"
        default:
            return false
        }
    }
}
