/// Why the marketplace refused or could not do something: a stable ``Code`` the server maps to
/// HTTP in one place, and a message for people.
public struct MarketplaceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// An unknown sort or filter value, a malformed cursor, a rating outside 1–5 (400).
        case invalidInput = "invalid_input"
        /// Needs a logged-in user (401).
        case unauthenticated
        /// Not yours to change (403).
        case forbidden
        /// No such listing (404).
        case notFound = "not_found"
        /// The database or Core is not available (503).
        case unavailable
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
