import Foundation

/// One page of search results, and where the next begins.
public struct ListingPage: Codable, Sendable, Equatable {
    public var listings: [Listing]
    /// Pass as `cursor` for the next page; absent on the last page.
    public var nextCursor: String?

    public init(listings: [Listing], nextCursor: String?) {
        self.listings = listings
        self.nextCursor = nextCursor
    }

    enum CodingKeys: String, CodingKey {
        case listings
        case nextCursor = "next_cursor"
    }
}

/// A tag and how many listings carry it.
public struct TagCount: Codable, Sendable, Equatable {
    public var tag: String
    public var count: Int

    public init(tag: String, count: Int) {
        self.tag = tag
        self.count = count
    }
}

/// One published version of a listing, with its creator's changelog.
public struct ListingVersion: Codable, Sendable, Equatable {
    public var version: Int
    public var changelog: String
    public var createdAt: Date

    public init(version: Int, changelog: String, createdAt: Date) {
        self.version = version
        self.changelog = changelog
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case version, changelog
        case createdAt = "created_at"
    }
}
