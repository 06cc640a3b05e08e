import Foundation

/// What Social may know about a Scribe user to present them as an actor: public facts only,
/// never an email, a key or anything private.
public struct UserProfile: Codable, Sendable, Equatable {
    public var id: UUID
    public var username: String
    /// When the account was created (an actor's `published`).
    public var createdAt: Date
    /// Whether the account may act and be shown; locked or pending accounts are not.
    public var isActive: Bool

    public init(id: UUID, username: String, createdAt: Date, isActive: Bool) {
        self.id = id
        self.username = username
        self.createdAt = createdAt
        self.isActive = isActive
    }

    enum CodingKeys: String, CodingKey {
        case id, username
        case createdAt = "created_at"
        case isActive = "is_active"
    }
}
