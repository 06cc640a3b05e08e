import Foundation

/// A user's review of a listed item: one per user per item, rewritable.
public struct ListingReview: Codable, Sendable, Equatable {
    public var id: UUID
    public var author: String
    public var body: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, author: String, body: String, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.author = author
        self.body = body
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, author, body
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// A listing the user favourited, and whether it changed since they last looked.
public struct FavouriteListing: Codable, Sendable, Equatable {
    public var listing: Listing
    /// Whether the item has a new version since the user last looked at it.
    public var changed: Bool

    public init(listing: Listing, changed: Bool) {
        self.listing = listing
        self.changed = changed
    }
}
