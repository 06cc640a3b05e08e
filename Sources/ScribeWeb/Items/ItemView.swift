import Foundation
import ScribeContracts
import ScribeSocial

/// What an item's page shows, gathered from Core (what this viewer may see), the marketplace
/// (its listing, reviews and versions, when it is listed) and Social (likes, boosts, comments).
public struct ItemView: Sendable {
    var kind: String
    var kindLabel: String
    var id: String
    var path: String
    var name: String
    var owner: String
    var avatarURL: String?
    var avatarAlt: String
    var isPreview: Bool
    var price: String?
    /// How the purchase stands that the buyer has just come back from paying for.
    var purchaseNotice: String?
    var visibility: String
    var tags: [String]
    var sections: [Section]
    var entries: [Entry]
    var listed: Bool
    var rating: String?
    var ratingCount: Int
    var downloads: Int
    var favourites: Int
    var downloadsOffered: [DownloadLink]
    var versions: [VersionLine]
    var reviews: [ReviewLine]
    var likes: Int
    var boosts: Int
    var comments: [CommentLine]
    var canAct: Bool
    var isOwner: Bool
    var canFork: Bool
    var stars: [Star]
    var forms: Forms

    struct Section {
        var heading: String
        var text: String
    }

    struct Entry {
        var keys: String
        var content: String
    }

    public struct DownloadLink: Sendable {
        public var label: String
        public var url: String

        public init(label: String, url: String) {
            self.label = label
            self.url = url
        }
    }

    struct VersionLine {
        var version: Int
        var changelog: String
        var date: String
    }

    struct ReviewLine {
        var author: String
        var body: String
        var date: String
    }

    struct CommentLine {
        var author: String
        var authorURL: String
        var content: String
        var date: String
    }

    struct Star {
        var value: Int
        var label: String
    }

    /// The forms on the page, each with what was typed and its errors after a failure.
    struct Forms: Sendable {
        var review = FormState.empty
        var comment = FormState.empty
        var report = FormState.empty
        var rating = FormState.empty
    }

    static let textFields: [(String, String)] = [
        ("description", "Description"), ("personality", "Personality"), ("scenario", "Scenario"), ("first_mes", "First message"),
        ("creator_notes", "Creator's notes"),
    ]

    /// A date as every page shows it (`2026-12-06`).
    public static func date(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day())
    }

    init(
        item: SharedItem,
        detail: ListingDetail?,
        versions: [ListingVersion],
        reviews: [ListingReview],
        discussion: Discussion,
        viewer: UUID?,
        forms: Forms,
        purchase: Purchase? = nil
    ) {
        let data = item.content.objectValue?["data"]?.objectValue ?? [:]
        kind = item.kind.rawValue
        kindLabel = item.kind == .character ? "Character" : "Lorebook"
        id = item.id.uuidString.lowercased()
        path = "/\(kind)s/\(id)"
        name = data["name"]?.stringValue ?? "Untitled"
        owner = item.ownerUsername
        avatarURL = item.kind == .character && item.hasAvatar ? "/api/v1/shared/characters/\(id)/avatar.png" : nil
        avatarAlt = "Avatar of \(name)"
        isPreview = item.isPreview
        price = detail?.listing.price.map(ListingCard.format)
        purchaseNotice = purchase.map { [kind = item.kind.rawValue] purchase in
            switch purchase.status {
            case "paid": "Thank you for buying it: the whole \(kind) is yours to read, download and fork."
            case "pending": "Thank you. Your payment is being confirmed; reload this page in a moment to see the whole \(kind)."
            default: "The payment did not go through, so you have not bought it. You can try again."
            }
        }
        visibility = item.visibility.rawValue
        tags = data["tags"]?.arrayValue?.compactMap(\.stringValue) ?? []
        sections = Self.textFields.compactMap { field, heading in
            guard let text = data[field]?.stringValue, !text.isEmpty else { return nil }
            return Section(heading: heading, text: text)
        }
        entries = (data["entries"]?.arrayValue ?? []).prefix(100).compactMap { value in
            guard let entry = value.objectValue else { return nil }
            return Entry(
                keys: (entry["keys"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", "),
                content: entry["content"]?.stringValue ?? ""
            )
        }
        listed = detail != nil
        rating = detail?.listing.rating.map { String(format: "%.1f", $0) }
        ratingCount = detail?.listing.ratingCount ?? 0
        downloads = detail?.listing.downloadCount ?? 0
        favourites = detail?.listing.favouriteCount ?? 0
        let base = "/api/v1/marketplace/listings/\(id)/download?format="
        downloadsOffered =
            detail == nil || item.isPreview
            ? []
            : item.kind == .character
                ? [
                    DownloadLink(label: "PNG card", url: base + "png"), DownloadLink(label: "JSON (V3)", url: base + "json"),
                    DownloadLink(label: "JSON (V2)", url: base + "v2"),
                ]
                : [DownloadLink(label: "Lorebook JSON", url: base + "json"), DownloadLink(label: "World Info JSON", url: base + "world_info")]
        self.versions = versions.map { VersionLine(version: $0.version, changelog: $0.changelog, date: Self.date($0.createdAt)) }
        self.reviews = reviews.map { ReviewLine(author: $0.author, body: $0.body, date: Self.date($0.createdAt)) }
        likes = discussion.likes
        boosts = discussion.boosts
        comments = discussion.comments.map {
            CommentLine(author: $0.author, authorURL: $0.authorURL, content: $0.content, date: Self.date($0.publishedAt))
        }
        canAct = viewer != nil
        isOwner = viewer == item.ownerID
        canFork = viewer != nil && item.kind == .character && !item.isPreview
        stars = (1...5).reversed().map { Star(value: $0, label: String(repeating: "★", count: $0) + " (\($0))") }
        self.forms = forms
    }
}
