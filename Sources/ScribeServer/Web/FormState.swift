import Foundation
import HTTPTypes
import ScribeContracts
import ScribeCore
import ScribeSocial

/// A form as a page shows it again after a failure: what the user typed (never passwords) and
/// each message beside the field it is about, or above the form when it is about no one field.
struct FormState: Sendable {
    var values: [String: String] = [:]
    var errors: [String: String] = [:]
    var message: String?

    static let empty = FormState()

    /// The state after `error`, keeping what was typed in `form`.
    init(_ form: WebForm, error: any Error) {
        values = form.fields.filter { !$0.key.contains("password") && $0.key != "csrf" && $0.key != "recovery_phrase" }
        let (field, text) = Self.explain(error)
        if let field { errors[field] = text } else { message = text }
    }

    init(values: [String: String] = [:], errors: [String: String] = [:], message: String? = nil) {
        self.values = values
        self.errors = errors
        self.message = message
    }

    /// The field an error is about (in the form's own names), and what to tell the user.
    static func explain(_ error: any Error) -> (field: String?, message: String) {
        switch error {
        case let error as CoreError: (error.field, error.message)
        case let error as MarketplaceError: (nil, error.message)
        case let error as SocialError: (nil, error.message)
        case let error as APIError: (error.field, error.message)
        default: (nil, "Something went wrong; please try again.")
        }
    }

    /// Whether a failure belongs on the form (the user can fix it) rather than on an error page.
    static func isUsers(_ error: any Error) -> Bool {
        switch error {
        case let error as CoreError: ![.unavailable, .corrupted].contains(error.code)
        case let error as MarketplaceError: error.code != .unavailable
        case let error as SocialError: error.code != .unavailable
        case let error as APIError: error.status.code < 500
        default: false
        }
    }
}
