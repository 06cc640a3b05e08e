import Foundation

/// The public metadata of a published item: what a listing shows and may store (Marketplace keeps
/// these, never the card's text). Derived from the item's public projection.
public struct ItemMetadata: Codable, Sendable, Equatable {
    public var kind: CoreEvent.SubjectKind
    public var id: UUID
    public var ownerID: UUID
    public var ownerUsername: String
    public var visibility: SharingVisibility
    public var name: String
    public var tags: [String]
    /// The card's `creator` field (free text), which may differ from the owner.
    public var creator: String?
    /// The card's spec (`chara_card_v3`) or `lorebook_v3`, and its version.
    public var spec: String
    public var specVersion: String?
    public var characterVersion: String?
    public var hasAvatar: Bool
    /// Lorebooks: how many entries; characters: entries of the embedded book, if any.
    public var entryCount: Int
    /// A rough size of the prompt text, at four characters a token.
    public var tokenEstimate: Int
    public var publishedAt: Date
    public var updatedAt: Date
    /// One line to show under the name: the card's creator notes or the start of its description.
    public var tagline: String?
    /// Whether the item is for adults (``ContentRating``).
    public var contentRating: ContentRating

    public init(
        kind: CoreEvent.SubjectKind,
        id: UUID,
        ownerID: UUID,
        ownerUsername: String,
        visibility: SharingVisibility,
        name: String,
        tags: [String],
        creator: String?,
        spec: String,
        specVersion: String?,
        characterVersion: String?,
        hasAvatar: Bool,
        entryCount: Int,
        tokenEstimate: Int,
        publishedAt: Date,
        updatedAt: Date,
        tagline: String? = nil,
        contentRating: ContentRating = .sfw
    ) {
        self.tagline = tagline
        self.contentRating = contentRating
        self.kind = kind
        self.id = id
        self.ownerID = ownerID
        self.ownerUsername = ownerUsername
        self.visibility = visibility
        self.name = name
        self.tags = tags
        self.creator = creator
        self.spec = spec
        self.specVersion = specVersion
        self.characterVersion = characterVersion
        self.hasAvatar = hasAvatar
        self.entryCount = entryCount
        self.tokenEstimate = tokenEstimate
        self.publishedAt = publishedAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case kind, id, visibility, name, tags, creator, spec
        case ownerID = "owner_id"
        case ownerUsername = "owner_username"
        case specVersion = "spec_version"
        case characterVersion = "character_version"
        case hasAvatar = "has_avatar"
        case entryCount = "entry_count"
        case tokenEstimate = "token_estimate"
        case publishedAt = "published_at"
        case updatedAt = "updated_at"
        case tagline
        case contentRating = "content_rating"
    }
}
