import Foundation
import HTTPTypes
import ScribeContracts

/// A form as a page shows it again after a failure: what the user typed (never passwords) and
/// each message beside the field it is about, or above the form when it is about no one field.
public struct FormState: Sendable {
    public var values: [String: String] = [:]
    public var errors: [String: String] = [:]
    public var message: String?

    public static let empty = FormState()

    /// The state after `error`, keeping what was typed in `form`. A message about no one field
    /// goes beside `field` when one is given (a form of one field), else above the form.
    public init(_ form: WebForm, error: any Error, field fallback: String? = nil) {
        values = form.fields.filter { !$0.key.contains("password") && $0.key != "csrf" && $0.key != "recovery_phrase" }
        let (field, text) = Self.explain(error)
        if let field = field ?? fallback { errors[field] = text } else { message = text }
    }

    public init(values: [String: String] = [:], errors: [String: String] = [:], message: String? = nil) {
        self.values = values
        self.errors = errors
        self.message = message
    }

    /// The field an error is about (in the form's own names), and what to tell the user.
    public static func explain(_ error: any Error) -> (field: String?, message: String) {
        guard let error = error as? any UserFacingError else { return (nil, "Something went wrong; please try again.") }
        return (error.field, error.message)
    }

    /// Whether a failure belongs on the form (the user can fix it) rather than on an error page.
    ///
    /// Handlers write `catch { guard FormState.isUsers(error) else { throw error } … }`, not
    /// `catch where FormState.isUsers(error)`: Swift 6.3.1 crashes compiling the latter in an
    /// async method of a generic type (MandatoryAllocBoxToStack), which every page handler is.
    public static func isUsers(_ error: any Error) -> Bool {
        (error as? any UserFacingError)?.isUsersToFix ?? false
    }
}
