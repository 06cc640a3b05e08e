import Foundation
import ScribeContracts

/// A listing's figures as every page words them (cards, the item page, the library): the
/// average rating to one decimal, and each count with its noun ("1 download", "3 favourites").
struct ListingFigures: Sendable {
    /// `4.5`, nil until someone rates it.
    var rating: String?
    var ratingCount: Plural
    var downloads: Plural
    var favourites: Plural

    /// The figures of `listing`; all zero for an item that is not listed.
    init(_ listing: Listing?) {
        rating = listing?.rating.map { String(format: "%.1f", $0) }
        ratingCount = Plural(listing?.ratingCount ?? 0, "rating")
        downloads = Plural(listing?.downloadCount ?? 0, "download")
        favourites = Plural(listing?.favouriteCount ?? 0, "favourite")
    }

    /// `★ 4.5 · 12 downloads · 3 favourites`, the rating left out until there is one.
    var line: String {
        [rating.map { "★ \($0)" }, downloads.text, favourites.text].compactMap { $0 }.joined(separator: " · ")
    }
}
