import Foundation

/// Something someone did with one of the caller's listed items: what a creator is told of
/// beside their social notifications.
public struct CreatorActivity: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case rating, review, favourite, fork
    }

    public var kind: Kind
    /// The item, as its listing names it.
    public var itemID: UUID
    public var itemKind: String
    public var itemName: String
    /// Whether the item has art, and when its listing last changed (what its art's URL names).
    public var itemHasArt: Bool
    public var itemUpdatedAt: Date
    /// Who did it, by username (nil when the account is gone).
    public var username: String?
    /// The stars of a rating.
    public var stars: Int?
    /// The first words of a review (at most 200 characters).
    public var excerpt: String?
    public var createdAt: Date
    /// Where the next page starts: `before=` this asks for what happened earlier. (The time to
    /// the microsecond; `created_at` is written to the second, which would lose entries.)
    public var cursor: Int64

    public init(
        kind: Kind,
        itemID: UUID,
        itemKind: String,
        itemName: String,
        itemHasArt: Bool = false,
        itemUpdatedAt: Date,
        username: String?,
        stars: Int? = nil,
        excerpt: String? = nil,
        createdAt: Date,
        cursor: Int64
    ) {
        self.kind = kind
        self.itemID = itemID
        self.itemKind = itemKind
        self.itemName = itemName
        self.itemHasArt = itemHasArt
        self.itemUpdatedAt = itemUpdatedAt
        self.username = username
        self.stars = stars
        self.excerpt = excerpt
        self.createdAt = createdAt
        self.cursor = cursor
    }

    enum CodingKeys: String, CodingKey {
        case kind, username, stars, excerpt, cursor
        case itemID = "item_id"
        case itemKind = "item_kind"
        case itemName = "item_name"
        case itemHasArt = "item_has_art"
        case itemUpdatedAt = "item_updated_at"
        case createdAt = "created_at"
    }
}
