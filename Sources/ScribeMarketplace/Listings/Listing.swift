import Foundation
import PostgresNIO

/// A listing as the marketplace shows it: public metadata and counts, nothing else.
public struct Listing: Codable, Sendable, Equatable {
    public var id: UUID
    public var kind: String
    public var creator: String
    public var name: String
    public var tagline: String
    public var tags: [String]
    public var contentRating: String
    public var language: String
    public var avatarURL: String?
    public var spec: String
    public var specVersion: String?
    public var tokenEstimate: Int
    public var entryCount: Int
    public var version: Int
    public var publishedAt: Date
    public var updatedAt: Date
    public var downloadCount: Int
    public var favouriteCount: Int
    public var ratingCount: Int
    /// The mean rating, or nil with no ratings yet.
    public var rating: Double?
    /// What it costs, when its creator sells it; nil when it is free.
    public var price: Price?

    /// An amount in the currency's smallest unit (cents), and the ISO 4217 code in lower case.
    public struct Price: Codable, Sendable, Equatable {
        public var amount: Int
        public var currency: String

        public init(amount: Int, currency: String) {
            self.amount = amount
            self.currency = currency
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, creator, name, tagline, tags, language, spec, version, rating, price
        case contentRating = "content_rating"
        case avatarURL = "avatar_url"
        case specVersion = "spec_version"
        case tokenEstimate = "token_estimate"
        case entryCount = "entry_count"
        case publishedAt = "published_at"
        case updatedAt = "updated_at"
        case downloadCount = "download_count"
        case favouriteCount = "favourite_count"
        case ratingCount = "rating_count"
    }

    /// The item's public address on the server at `origin`: its ActivityPub id, which is also
    /// its page. Forks keep it as their provenance; Stripe sends buyers back to it.
    public func address(on origin: URL) -> String {
        origin.appendingPathComponent("\(kind)s").appendingPathComponent(id.uuidString.lowercased()).absoluteString
    }

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

    init(row: PostgresRow) throws {
        let (id, kind, creator, name, tagline, tags, rating, language, hasAvatar, spec, specVersion) = try row.decode(
            (UUID, String, String, String, String, [String], String, String, Bool, String, String?).self
        )
        let cells = row.makeRandomAccess()
        self.id = id
        self.kind = kind
        self.creator = creator
        self.name = name
        self.tagline = tagline
        self.tags = tags
        self.contentRating = rating
        self.language = language
        self.avatarURL = hasAvatar && kind == "character" ? "/api/v1/shared/characters/\(id.uuidString.lowercased())/avatar" : nil
        self.spec = spec
        self.specVersion = specVersion
        self.tokenEstimate = try cells[11].decode(Int.self)
        self.entryCount = try cells[12].decode(Int.self)
        self.version = try cells[13].decode(Int.self)
        self.publishedAt = try cells[14].decode(Date.self)
        self.updatedAt = try cells[15].decode(Date.self)
        self.downloadCount = try cells[16].decode(Int.self)
        self.favouriteCount = try cells[17].decode(Int.self)
        self.ratingCount = try cells[18].decode(Int.self)
        let sum = try cells[19].decode(Int.self)
        self.rating = ratingCount > 0 ? Double(sum) / Double(ratingCount) : nil
        if let amount = try cells[20].decode(Int?.self), let currency = try cells[21].decode(String?.self) {
            self.price = Price(amount: amount, currency: currency)
        }
    }
}
