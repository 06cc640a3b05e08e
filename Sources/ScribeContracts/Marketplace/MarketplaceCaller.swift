import Foundation

/// Who is acting on the marketplace: a logged-in user, or an anonymous client by address.
public struct MarketplaceCaller: Sendable, Equatable {
    public var userID: UUID?
    public var username: String?
    /// Anonymous downloads are counted once a day per address (hashed, never stored as it is).
    public var clientAddress: String?
    public var isModerator: Bool

    public init(userID: UUID?, username: String? = nil, clientAddress: String? = nil, isModerator: Bool = false) {
        self.userID = userID
        self.username = username
        self.clientAddress = clientAddress
        self.isModerator = isModerator
    }
}
