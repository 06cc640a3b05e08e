import Foundation

/// Who is acting on the marketplace: a logged-in user, or an anonymous client by address.
public struct MarketplaceCaller: Sendable, Equatable, CustomStringConvertible {
    public var userID: UUID?
    public var username: String?
    /// Anonymous downloads are counted once a day per address (hashed, never stored as it is).
    public var clientAddress: String?
    public var isModerator: Bool
    /// The caller's session token, which a marketplace reached over HTTP needs to learn who is
    /// calling (the in-process marketplace takes ``userID`` as it is). Never logged or shown.
    public var sessionToken: String?

    public init(userID: UUID?, username: String? = nil, clientAddress: String? = nil, isModerator: Bool = false, sessionToken: String? = nil) {
        self.userID = userID
        self.username = username
        self.clientAddress = clientAddress
        self.isModerator = isModerator
        self.sessionToken = sessionToken
    }

    /// Who is calling, without the session token.
    public var description: String { "MarketplaceCaller(user: \(username ?? userID?.uuidString ?? "anonymous"), moderator: \(isModerator))" }
}
