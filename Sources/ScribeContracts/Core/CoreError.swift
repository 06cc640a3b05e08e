/// Why a Core operation refused or failed. The server maps each code to one HTTP status in one
/// place; messages are for people and never carry secrets, private fields or key material.
public struct CoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        /// A field is missing or malformed; `field` names it.
        case invalidInput = "invalid_input"
        case usernameTaken = "username_taken"
        case emailTaken = "email_taken"
        /// Wrong identifier, password or recovery phrase. Deliberately says not which.
        case invalidCredentials = "invalid_credentials"
        case accountLocked = "account_locked"
        case accountPending = "account_pending"
        /// Too many failed attempts; `retryAfterSeconds` says when to try again.
        case rateLimited = "rate_limited"
        /// No session, or one that has expired or been logged out.
        case unauthenticated
        case notFound = "not_found"
        case forbidden
        /// Stored data could not be decrypted or read as expected: a bug or tampering.
        case corrupted
        /// The database could not be reached or could not finish; worth retrying later.
        case unavailable
    }

    public var code: Code
    public var message: String
    public var field: String?
    public var retryAfterSeconds: Int?

    public init(_ code: Code, _ message: String, field: String? = nil, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(code.rawValue): \(message)" }

    package static func invalid(_ field: String, _ message: String) -> CoreError { CoreError(.invalidInput, message, field: field) }
}

extension CoreError: UserFacingError {
    public var isUsersToFix: Bool { ![.unavailable, .corrupted].contains(code) }
}
