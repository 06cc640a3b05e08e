import Foundation

/// A listing with what Core shows this viewer of the item now (never stored by the marketplace).
public struct ListingDetail: Codable, Sendable, Equatable {
    public var listing: Listing
    public var item: SharedItem
    public var related: [Listing]
    /// Whether the signed-in viewer has it among their favourites (false for a visitor).
    public var favourited: Bool

    public init(listing: Listing, item: SharedItem, related: [Listing], favourited: Bool = false) {
        self.listing = listing
        self.item = item
        self.related = related
        self.favourited = favourited
    }
}

/// A fork: the copy in the user's library, and the original's public address it records.
public struct ListingFork: Codable, Sendable, Equatable {
    public var id: UUID
    public var source: String

    public init(id: UUID, source: String) {
        self.id = id
        self.source = source
    }
}
