import Foundation

/// Who is looking at a shared item. Core decides from this whether the item's visibility lets
/// them see it; whether they follow the owner is Social's knowledge, so the caller says.
public struct Viewer: Codable, Sendable, Equatable {
    /// The viewer's Scribe account, if they are logged in here.
    public var accountID: UUID?
    /// Whether the viewer is an approved follower of the item's owner.
    public var followsOwner: Bool
    /// Whether the viewer has bought the item (the marketplace's knowledge, so the caller says):
    /// an item for sale shows buyers and its owner everything, anyone else a preview.
    public var entitled: Bool

    public init(accountID: UUID? = nil, followsOwner: Bool = false, entitled: Bool = false) {
        self.accountID = accountID
        self.followsOwner = followsOwner
        self.entitled = entitled
    }

    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case followsOwner = "follows_owner"
        case entitled
    }

    /// Someone not logged in and following nobody: sees only `public` and `unlisted` items.
    public static let anonymous = Viewer()
}

/// What a viewer may see of a published item: its shareable card and who shared it. It is
/// decrypted from the item's public projection, never with the owner's keys, and callers must not
/// store it (they ask again, so unpublishing takes effect everywhere at once).
public struct SharedItem: Codable, Sendable, Equatable {
    public var kind: CoreEvent.SubjectKind
    public var id: UUID
    public var ownerID: UUID
    public var ownerUsername: String
    public var visibility: SharingVisibility
    /// What is shared: for a character its card as Character Card V3 (`{ "spec", "spec_version",
    /// "data" }`), for a lorebook the book as `{ "spec": "lorebook_v3", "data" }`.
    public var content: JSONValue
    public var hasAvatar: Bool
    public var publishedAt: Date
    public var updatedAt: Date
    /// The item is for sale and this viewer has not bought it: `content` holds only what a
    /// listing shows (name, tags, creator, creator notes, version), never the prompt text.
    public var isPreview: Bool
    /// Whether the item is for adults, as Core rates it (``ContentRating``).
    public var contentRating: ContentRating

    public init(
        kind: CoreEvent.SubjectKind,
        id: UUID,
        ownerID: UUID,
        ownerUsername: String,
        visibility: SharingVisibility,
        content: JSONValue,
        hasAvatar: Bool,
        publishedAt: Date,
        updatedAt: Date,
        isPreview: Bool = false,
        contentRating: ContentRating = .sfw
    ) {
        self.isPreview = isPreview
        self.contentRating = contentRating
        self.kind = kind
        self.id = id
        self.ownerID = ownerID
        self.ownerUsername = ownerUsername
        self.visibility = visibility
        self.content = content
        self.hasAvatar = hasAvatar
        self.publishedAt = publishedAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case kind, id, visibility, content
        case ownerID = "owner_id"
        case ownerUsername = "owner_username"
        case hasAvatar = "has_avatar"
        case publishedAt = "published_at"
        case updatedAt = "updated_at"
        case isPreview = "is_preview"
        case contentRating = "content_rating"
    }
}
