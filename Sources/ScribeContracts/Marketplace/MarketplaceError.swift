/// Why the marketplace refused or could not do something: a stable ``Code`` the server maps to
/// HTTP in one place, and a message for people.
public struct MarketplaceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable, CaseIterable {
        /// A malformed request: an unknown search parameter, sort or filter value, a cursor that
        /// does not belong to the search, a webhook body that is not a Stripe event (400).
        case badRequest = "bad_request"
        /// A well-formed request whose values break a rule: a rating outside 1–5, a review too
        /// long, a price below the minimum (422).
        case invalidInput = "invalid_input"
        /// Needs a logged-in user (401).
        case unauthenticated
        /// Not yours to change (403).
        case forbidden
        /// No such listing (404).
        case notFound = "not_found"
        /// Already done and not to be done twice, such as buying what one owns (409).
        case conflict
        /// The item is for sale and the viewer has not bought it (402).
        case paymentRequired = "payment_required"
        /// The operator has not configured Stripe, so nothing can be sold (409).
        case salesDisabled = "sales_disabled"
        /// A webhook whose signature is missing, stale or forged (400).
        case invalidSignature = "invalid_signature"
        /// Stripe refused or could not be reached (502).
        case paymentProviderFailed = "payment_provider_failed"
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
