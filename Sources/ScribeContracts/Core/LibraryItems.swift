import Foundation

/// One character of a library listing.
public struct CharacterSummary: Codable, Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var tags: [String]
    public var visibility: SharingVisibility
    public var createdAt: Date
    public var updatedAt: Date
    /// Whether it has art (its avatar).
    public var hasAvatar: Bool

    public init(
        id: UUID,
        name: String,
        tags: [String],
        visibility: SharingVisibility,
        createdAt: Date,
        updatedAt: Date,
        hasAvatar: Bool = false
    ) {
        self.id = id
        self.name = name
        self.tags = tags
        self.visibility = visibility
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.hasAvatar = hasAvatar
    }

    enum CodingKeys: String, CodingKey {
        case id, name, tags
        case visibility = "sharing_visibility"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case hasAvatar = "has_avatar"
    }
}

/// One line of a lorebook listing.
public struct LorebookSummary: Codable, Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var entryCount: Int
    public var isPublic: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, name: String, entryCount: Int, isPublic: Bool, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.name = name
        self.entryCount = entryCount
        self.isPublic = isPublic
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case entryCount = "entry_count"
        case isPublic = "is_public"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// A lorebook in its owner's library as the API shows it to them: the whole book as Lorebook V3
/// JSON (`{ "spec": "lorebook_v3", "data": … }`).
public struct OwnedLorebook: Codable, Sendable, Equatable {
    public var id: UUID
    public var isPublic: Bool
    /// What it was imported from (`world_info`, `v3`, `charx`, …), or `scribe` if made here.
    public var sourceFormat: String
    public var lorebook: JSONValue
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, isPublic: Bool, sourceFormat: String, lorebook: JSONValue, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.isPublic = isPublic
        self.sourceFormat = sourceFormat
        self.lorebook = lorebook
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The book's own fields: name, description, entries and the rest.
    public var data: [String: JSONValue] { lorebook.objectValue?["data"]?.objectValue ?? [:] }

    enum CodingKeys: String, CodingKey {
        case id, lorebook
        case isPublic = "is_public"
        case sourceFormat = "source_format"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}
