import Foundation
import PostgresNIO
import ScribeContracts

extension Listing {
    /// How many columns ``init(row:)`` reads: a query's own columns come after them.
    static let columnCount = 22

    /// The columns ``init(row:)`` reads, in order.
    static let columns = columns(prefix: "")

    /// The same columns, each with `prefix` (a table alias and a dot).
    static func columns(prefix: String) -> String {
        [
            "item_id", "kind", "creator", "name", "tagline", "tags", "content_rating", "language", "has_avatar", "spec", "spec_version",
            "token_estimate",
            "entry_count", "version", "published_at", "updated_at", "download_count", "favourite_count", "rating_count", "rating_sum",
            "price_amount", "currency",
        ].map { prefix + $0 }.joined(separator: ", ")
    }

    /// A listing from a row that starts with ``columns``.
    init(row: PostgresRow) throws {
        let (id, kind, creator, name, tagline, tags, rating, language, hasAvatar, spec, specVersion) = try row.decode(
            (UUID, String, String, String, String, [String], String, String, Bool, String, String?).self
        )
        let cells = row.makeRandomAccess()
        let ratingCount = try cells[18].decode(Int.self)
        let sum = try cells[19].decode(Int.self)
        var price: Price?
        if let amount = try cells[20].decode(Int?.self), let currency = try cells[21].decode(String?.self) {
            price = Price(amount: amount, currency: currency)
        }
        self.init(
            id: id,
            kind: kind,
            creator: creator,
            name: name,
            tagline: tagline,
            tags: tags,
            contentRating: rating,
            language: language,
            avatarURL: hasAvatar && kind == "character" ? "/api/v1/shared/characters/\(id.uuidString.lowercased())/avatar" : nil,
            spec: spec,
            specVersion: specVersion,
            tokenEstimate: try cells[11].decode(Int.self),
            entryCount: try cells[12].decode(Int.self),
            version: try cells[13].decode(Int.self),
            publishedAt: try cells[14].decode(Date.self),
            updatedAt: try cells[15].decode(Date.self),
            downloadCount: try cells[16].decode(Int.self),
            favouriteCount: try cells[17].decode(Int.self),
            ratingCount: ratingCount,
            rating: ratingCount > 0 ? Double(sum) / Double(ratingCount) : nil,
            price: price
        )
    }
}
