/// Whether a published item is for adults. Core keeps it with the item
/// (`core.item_restrictions`), so the marketplace's listing, the pages and the `Note` other
/// servers fold behind a content warning all say the same.
///
/// An item is `nsfw` when its creator or a moderator said so, else when its card is tagged
/// `nsfw` (any case), as character hubs tag cards. A moderator's rating holds: the creator
/// cannot change it.
public enum ContentRating: String, Codable, Sendable, CaseIterable {
    case sfw
    case nsfw

    /// What the card's tags say, when nobody rated the item by hand.
    public static func of(tags: [String]) -> ContentRating {
        tags.contains { $0.lowercased() == "nsfw" } ? .nsfw : .sfw
    }
}
