import Foundation

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

    public init(
        id: UUID,
        kind: String,
        creator: String,
        name: String,
        tagline: String,
        tags: [String],
        contentRating: String,
        language: String,
        avatarURL: String?,
        spec: String,
        specVersion: String?,
        tokenEstimate: Int,
        entryCount: Int,
        version: Int,
        publishedAt: Date,
        updatedAt: Date,
        downloadCount: Int,
        favouriteCount: Int,
        ratingCount: Int,
        rating: Double?,
        price: Price?
    ) {
        self.id = id
        self.kind = kind
        self.creator = creator
        self.name = name
        self.tagline = tagline
        self.tags = tags
        self.contentRating = contentRating
        self.language = language
        self.avatarURL = avatarURL
        self.spec = spec
        self.specVersion = specVersion
        self.tokenEstimate = tokenEstimate
        self.entryCount = entryCount
        self.version = version
        self.publishedAt = publishedAt
        self.updatedAt = updatedAt
        self.downloadCount = downloadCount
        self.favouriteCount = favouriteCount
        self.ratingCount = ratingCount
        self.rating = rating
        self.price = price
    }

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
}
