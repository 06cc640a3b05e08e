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
    /// When the profile last changed, in seconds since 1970 (0 if never): part of the URLs of
    /// the avatar's and header's thumbnails, so that they change whenever the images may have.
    public var imageVersion: Int

    /// Where pages show the avatar or header `width` pixels wide (a width the thumbnails are made
    /// at), nil when there is none. The path names ``imageVersion``, so it may be cached for good.
    public func imagePath(_ kind: ProfileImage, width: Int) -> String? {
        guard (kind == .avatar ? avatarContentType : headerContentType) != nil else { return nil }
        return "/api/v1/users/\(username.lowercased())/\(kind.rawValue)/\(imageVersion)/w\(width)"
    }

    public init(
        id: UUID,
        username: String,
        createdAt: Date,
        isActive: Bool,
        displayName: String = "",
        bio: String = "",
        avatarContentType: String? = nil,
        headerContentType: String? = nil,
        fields: [ProfileField] = [],
        imageVersion: Int = 0
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
        self.imageVersion = imageVersion
    }

    enum CodingKeys: String, CodingKey {
        case id, username, bio
        case createdAt = "created_at"
        case isActive = "is_active"
        case displayName = "display_name"
        case avatarContentType = "avatar_content_type"
        case headerContentType = "header_content_type"
        case fields
        case imageVersion = "image_version"
    }
}
