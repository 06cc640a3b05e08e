import Foundation

/// A character in a user's own library as the API shows it to them, and what a fork answers (the
/// user's new private copy), so the answer is the same whichever process forwarded the fork.
public struct OwnedCharacter: Codable, Sendable, Equatable {
    public var id: UUID
    public var visibility: SharingVisibility
    /// The Character Card V3 JSON; a fork's `source` names the original.
    public var card: JSONValue
    public var hasAvatar: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, visibility: SharingVisibility, card: JSONValue, hasAvatar: Bool, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.visibility = visibility
        self.card = card
        self.hasAvatar = hasAvatar
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The card's name.
    public var name: String { card.objectValue?["data"]?.objectValue?["name"]?.stringValue ?? "" }

    enum CodingKeys: String, CodingKey {
        case id, card
        case visibility = "sharing_visibility"
        case hasAvatar = "has_avatar"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}
