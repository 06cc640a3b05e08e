import Foundation
import ScribeContracts

/// A published item as its projection holds it, with the restrictions other modules asked
/// Core to keep (`core.item_restrictions`). A hidden item never becomes one: it is not found.
struct PublishedItem: Sendable {
    var item: SharedItem
    /// The published avatar, when it was asked for.
    var avatar: Data?
    var forSale: Bool

    /// Whether `viewer` may see everything: the item is not for sale, or they own or bought it.
    func isOpen(to viewer: Viewer) -> Bool {
        !forSale || viewer.accountID == item.ownerID || viewer.entitled
    }

    /// The item as `viewer` may see it: in full, or, for an item on sale they have not bought,
    /// the preview a listing shows.
    func shown(to viewer: Viewer) -> SharedItem {
        guard !isOpen(to: viewer) else { return item }
        var preview = item
        preview.content = Self.preview(of: item.content, kind: item.kind)
        preview.isPreview = true
        return preview
    }

    /// The rating by hand when there is one, else what the card's tags say (``ContentRating``).
    static func contentRating(byHand: String?, content: JSONValue) -> ContentRating {
        if let byHand, let rating = ContentRating(rawValue: byHand) { return rating }
        let data = content.objectValue?["data"]?.objectValue ?? [:]
        return .of(tags: data["tags"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }

    /// When the item last changed as other servers see it: its content, or its rating by hand.
    static func updatedAt(_ content: Date, ratedAt: Date?) -> Date {
        max(content, ratedAt ?? content)
    }

    /// Fields a preview keeps: who made it and what it is, never the text that goes into a prompt.
    static let previewFields: [CoreEvent.SubjectKind: [String]] = [
        .character: ["name", "tags", "creator", "creator_notes", "character_version"],
        .lorebook: ["name", "description"],
    ]

    static func preview(of content: JSONValue, kind: CoreEvent.SubjectKind) -> JSONValue {
        let root = content.objectValue ?? [:]
        let data = root["data"]?.objectValue ?? [:]
        var kept = data.filter { previewFields[kind, default: []].contains($0.key) }
        if kind == .lorebook { kept["entries"] = .array([]) }
        var preview = root.filter { $0.key == "spec" || $0.key == "spec_version" }
        preview["data"] = .object(kept)
        return .object(preview)
    }
}
