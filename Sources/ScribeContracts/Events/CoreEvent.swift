import Foundation

/// What happened to a shareable item, as Core's event log records it. Marketplace keeps its
/// listings and Social its federation in step by consuming these, in `id` order.
///
/// The JSON form is specified by `schemas/events/core-event.schema.json`.
public struct CoreEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case itemPublished = "ItemPublished"
        case itemUpdated = "ItemUpdated"
        case itemUnpublished = "ItemUnpublished"
        case itemDeleted = "ItemDeleted"
    }

    public enum ItemKind: String, Codable, Sendable, CaseIterable {
        case character, lorebook
    }

    /// Position in the log: strictly increasing, the cursor consumers remember.
    public var id: Int64
    public var type: Kind
    public var itemKind: ItemKind
    public var itemID: UUID
    public var recordedAt: Date

    public init(id: Int64, type: Kind, itemKind: ItemKind, itemID: UUID, recordedAt: Date) {
        self.id = id
        self.type = type
        self.itemKind = itemKind
        self.itemID = itemID
        self.recordedAt = recordedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, type
        case itemKind = "item_kind"
        case itemID = "item_id"
        case recordedAt = "recorded_at"
    }
}
