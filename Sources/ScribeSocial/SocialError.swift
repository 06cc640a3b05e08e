import ActivityPubKit
import ScribeContracts

/// Why Social refused or could not do something: a stable ``Code`` the server maps to HTTP in
/// one place, and a message for people that names nothing private.
public struct SocialError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        /// A malformed request: a body that is not a JSON object, an activity without an id, a
        /// query parameter that does not parse (400).
        case badRequest = "bad_request"
        /// A well-formed request whose values break a rule: a comment too long, following
        /// oneself, a handle that names no account (422).
        case invalidInput = "invalid_input"
        /// The request's signature is missing or does not verify (401).
        case signatureRejected = "signature_rejected"
        /// A blocked domain or actor (403).
        case forbidden
        /// No such local user, object or follow (404).
        case notFound = "not_found"
        /// The object existed and was deleted (410).
        case gone
        /// Not an ActivityPub content type (415).
        case unsupportedMediaType = "unsupported_media_type"
        /// Over the 1 MB body limit (413).
        case payloadTooLarge = "payload_too_large"
        /// A remote server could not be reached or answered wrongly (502 to a local caller).
        case remoteFailed = "remote_failed"
        /// The database or Core is not available (503).
        case unavailable
        /// The sending server has used its budget for now (429, with ``retryAfterSeconds``).
        case rateLimited = "rate_limited"
    }

    public let code: Code
    public let message: String
    /// What to answer with instead of an error body, when there is one: a `Tombstone` for ``Code/gone``.
    public var document: ASObject?
    /// When to try again, for ``Code/rateLimited``.
    public var retryAfterSeconds: Int?

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

extension SocialError: UserFacingError {
    public var isUsersToFix: Bool { code != .unavailable }
}
