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
    /// What the user chose to show: a display name and a bio (plain text), empty when unset.
    public var displayName: String
    public var bio: String
    /// The media type of their avatar (`image/png` or `image/jpeg`), nil when they have none. It
    /// names the file extension of the avatar's URL: peers guess a format from it.
    public var avatarContentType: String?
    /// Whether they have an avatar (served at `/api/v1/users/{username}/avatar.{png|jpg}`).
    public var hasAvatar: Bool { avatarContentType != nil }
    /// The media type of their header image, nil when they have none (served at
    /// `/api/v1/users/{username}/header.{png|jpg}`).
    public var headerContentType: String?
    /// Their profile fields, in their order; at most ``ProfileField/maximumCount``.
    public var fields: [ProfileField]

    public init(
        id: UUID,
        username: String,
        createdAt: Date,
        isActive: Bool,
        displayName: String = "",
        bio: String = "",
        avatarContentType: String? = nil,
        headerContentType: String? = nil,
        fields: [ProfileField] = []
    ) {
        self.id = id
        self.username = username
        self.createdAt = createdAt
        self.isActive = isActive
        self.displayName = displayName
        self.bio = bio
        self.avatarContentType = avatarContentType
        self.headerContentType = headerContentType
        self.fields = fields
    }

    enum CodingKeys: String, CodingKey {
        case id, username, bio
        case createdAt = "created_at"
        case isActive = "is_active"
        case displayName = "display_name"
        case avatarContentType = "avatar_content_type"
        case headerContentType = "header_content_type"
        case fields
    }
}
