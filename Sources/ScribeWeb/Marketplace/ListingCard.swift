import Foundation
import ScribeContracts

/// A listing as a result card shows it: its art first, then what to click, who made it, how it
/// is rated.
struct ListingCard: Sendable {
    var name: String
    var url: String
    var art: CardArt
    var creator: String
    var kind: String
    var tagline: String
    var tags: [String]
    var figures: ListingFigures
    var price: String?
    var nsfw: Bool
    /// In her favourites: whether it has a new version since she last looked.
    var changed = false

    init(_ listing: Listing) {
        name = listing.name
        url = "/\(listing.kind)s/\(listing.id.uuidString.lowercased())"
        art = CardArt(listing)
        creator = listing.creator
        kind = listing.kind == "character" ? "Character" : "Lorebook"
        tagline = listing.tagline
        tags = listing.tags
        figures = ListingFigures(listing)
        price = listing.price.map(Self.format)
        nsfw = listing.contentRating == "nsfw"
    }

    /// `4.99 USD`, from an amount in the smallest unit.
    static func format(_ price: Listing.Price) -> String {
        String(format: "%.2f %@", Double(price.amount) / 100, price.currency.uppercased())
    }
}
