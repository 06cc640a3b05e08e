import Foundation
import ScribeContracts

/// A listing as a result card shows it: what to click, who made it, how it is rated.
struct ListingCard: Sendable {
    var name: String
    var url: String
    var avatarURL: String?
    var avatarAlt: String
    var creator: String
    var kind: String
    var tagline: String
    var tags: [String]
    var rating: String?
    var ratingCount: Int
    var downloads: Int
    var price: String?
    var nsfw: Bool

    init(_ listing: Listing) {
        name = listing.name
        url = "/\(listing.kind)s/\(listing.id.uuidString.lowercased())"
        avatarURL = listing.avatarURL
        avatarAlt = "Avatar of \(listing.name)"
        creator = listing.creator
        kind = listing.kind == "character" ? "Character" : "Lorebook"
        tagline = listing.tagline
        tags = listing.tags
        rating = listing.rating.map { String(format: "%.1f", $0) }
        ratingCount = listing.ratingCount
        downloads = listing.downloadCount
        price = listing.price.map(Self.format)
        nsfw = listing.contentRating == "nsfw"
    }

    /// `4.99 USD`, from an amount in the smallest unit.
    static func format(_ price: Listing.Price) -> String {
        String(format: "%.2f %@", Double(price.amount) / 100, price.currency.uppercased())
    }
}
