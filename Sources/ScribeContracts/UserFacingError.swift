/// An error a person can read and often act on: what a web form shows beside the field it is
/// about, or above the form. Every module's error type conforms, so the pages explain any of
/// them without knowing the module that threw it.
public protocol UserFacingError: Error {
    /// One sentence for a person; never holds secrets or private fields.
    var message: String { get }
    /// The request field at fault, when there is one.
    var field: String? { get }
    /// Whether the person can fix it by changing what they sent (false for an outage or a fault
    /// of the server's, which belongs on an error page).
    var isUsersToFix: Bool { get }
}

extension UserFacingError {
    public var field: String? { nil }
}

extension MarketplaceError: UserFacingError {
    public var isUsersToFix: Bool { code != .unavailable }
}

extension CoreAPIError: UserFacingError {
    public var isUsersToFix: Bool { code != .unavailable }
}
