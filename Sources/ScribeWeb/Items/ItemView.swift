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
    /// The creator as the page names them: display name (the handle when none) and avatar.
    var ownerName: String
    var ownerAvatar: String?
    /// The art as the page shows it, and whether the item is for adults.
    var art: CardArt
    var adult: Bool
    var isPreview: Bool
    var price: String?
    /// How the purchase stands that the buyer has just come back from paying for.
    var purchaseNotice: String?
    var visibility: String
    var tags: [String]
    var sections: [Section]
    var entries: [Entry]
    var listed: Bool
    var figures: ListingFigures
    /// The creator's one line for it (the listing's tagline), under the name.
    var tagline: String?
    /// Size and dates: "about 1,200 tokens · 12 entries · published … · updated …".
    var facts: String
    var downloadsOffered: [DownloadLink]
    var versions: [VersionLine]
    var reviews: [ReviewLine]
    var likes: Plural
    var boosts: Plural
    /// What the viewer did already, so each button offers to undo it.
    var liked: Bool
    var boosted: Bool
    var favourited: Bool
    /// For its owner: whether it is pinned to her profile, and whether it may be (public only).
    var pinned: Bool
    var canPin: Bool
    /// Listed items that share its tags, as cards; nil when there are none.
    var related: CardList?

    /// Cards for the `listing-cards` partial, which shows `results`.
    struct CardList {
        var results: [ListingCard]
    }
    var comments: [CommentLine]
    var canAct: Bool
    var isOwner: Bool
    var canFork: Bool
    var stars: [Star]
    var forms: Forms

    /// A part of the card, folded but for the first: its text with `{{char}}` as the
    /// character's name and `{{user}}` as "you", line breaks kept.
    struct Section {
        var heading: String
        var text: String
        var open: Bool
    }

    /// A lorebook entry as people read it: its keys, its content, where it goes in order.
    struct Entry {
        var keys: [String]
        var content: String
        var order: Int?
        var enabled: Bool
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
        /// A visitor's "interact from your server" form.
        var remote = FormState.empty
    }

    static let textFields: [(String, String)] = [
        ("description", "Description"), ("personality", "Personality"), ("scenario", "Scenario"), ("first_mes", "First message"),
        ("mes_example", "Example dialogue"), ("creator_notes", "Creator's notes"),
    ]

    /// A card's text as a reader sees it: `{{char}}` (and SillyTavern's older `<BOT>`) is the
    /// character's name, `{{user}}` (`<USER>`) is "you", in any case.
    static func rendered(_ text: String, name: String) -> String {
        var result = text
        for (pattern, replacement) in [("{{char}}", name), ("<bot>", name), ("{{user}}", "you"), ("<user>", "you")] {
            result = result.replacingOccurrences(of: pattern, with: replacement, options: .caseInsensitive)
        }
        return result.replacingOccurrences(of: "\r\n", with: "\n")
    }

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
        creator: UserProfile? = nil,
        favourited: Bool = false,
        pinned: Bool = false,
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
        ownerName = creator.flatMap { $0.displayName.isEmpty ? nil : $0.displayName } ?? "@\(item.ownerUsername)"
        ownerAvatar = creator?.imagePath(.avatar, width: 96)
        adult = item.contentRating == .nsfw
        art = CardArt(
            id: item.id,
            name: name,
            hasArt: item.kind == .character && item.hasAvatar,
            version: item.updatedAt,
            adult: adult,
            width: 320
        )
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
        let characterName = name
        var parts = Self.textFields.compactMap { field, heading -> (String, String)? in
            guard let text = data[field]?.stringValue, !text.isEmpty else { return nil }
            return (heading, text)
        }
        // Alternate greetings go after the first message, each its own part.
        let greetings = (data["alternate_greetings"]?.arrayValue ?? []).compactMap(\.stringValue).filter { !$0.isEmpty }
        if let first = parts.firstIndex(where: { $0.0 == "First message" }) ?? parts.indices.last {
            parts.insert(
                contentsOf: greetings.enumerated().map { ("Alternate greeting \($0.offset + 1)", $0.element) },
                at: min(first + 1, parts.count)
            )
        }
        sections = parts.enumerated().map { index, part in
            Section(heading: part.0, text: Self.rendered(part.1, name: characterName), open: index == 0)
        }
        let lore = (data["entries"]?.arrayValue ?? []).prefix(100).compactMap { value -> Entry? in
            guard let entry = value.objectValue else { return nil }
            return Entry(
                keys: (entry["keys"]?.arrayValue ?? []).compactMap(\.stringValue),
                content: (entry["content"]?.stringValue ?? "").replacingOccurrences(of: "\r\n", with: "\n"),
                order: { if case .integer(let order)? = entry["insertion_order"] { Int(order) } else { nil } }(),
                enabled: entry["enabled"] != .bool(false)
            )
        }
        // In the order they go into a prompt, as the lorebook's creator set it.
        entries = lore.enumerated().sorted { ($0.element.order ?? $0.offset, $0.offset) < ($1.element.order ?? $1.offset, $1.offset) }.map(\.element)
        listed = detail != nil
        figures = ListingFigures(detail?.listing)
        tagline = detail.flatMap { $0.listing.tagline.isEmpty ? nil : $0.listing.tagline }
        facts = [
            detail.map { "about \($0.listing.tokenEstimate.formatted()) tokens" },
            detail.flatMap { $0.listing.entryCount > 0 ? Plural($0.listing.entryCount, "lore entry", plural: "lore entries").text : nil },
            "published \(Self.date(item.publishedAt))",
            item.updatedAt > item.publishedAt ? "updated \(Self.date(item.updatedAt))" : nil,
        ].compactMap { $0 }.joined(separator: " · ")
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
        related = (detail?.related ?? []).isEmpty ? nil : CardList(results: (detail?.related ?? []).prefix(6).map(ListingCard.init))
        liked = discussion.viewerLiked
        boosted = discussion.viewerBoosted
        self.favourited = favourited
        self.pinned = pinned
        canPin = viewer == item.ownerID && item.visibility == .public
        likes = Plural(discussion.likes, "like")
        boosts = Plural(discussion.boosts, "boost")
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
