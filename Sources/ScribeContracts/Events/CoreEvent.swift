import Foundation

/// What happened to a shareable item or a user, as Core's event log records it. Marketplace
/// keeps its listings and Social its actors and federation in step by consuming these, in `id`
/// order. Events carry identities only; consumers ask ``CoreAPI`` for what they may show.
///
/// The JSON form is specified by `schemas/events/core-event.schema.json`.
public struct CoreEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case itemPublished = "ItemPublished"
        case itemUpdated = "ItemUpdated"
        case itemUnpublished = "ItemUnpublished"
        case itemDeleted = "ItemDeleted"
        /// A moderator hid or restored the item, or it was put on or taken off sale: what
        /// Core shows of it changed though the item did not.
        case itemRestricted = "ItemRestricted"
        case userCreated = "UserCreated"
        case userUpdated = "UserUpdated"
        case userDeleted = "UserDeleted"
    }

    public enum SubjectKind: String, Codable, Sendable, CaseIterable {
        case character, lorebook, user
    }

    /// Position in the log: strictly increasing, the cursor consumers remember.
    public var id: Int64
    public var type: Kind
    public var subjectKind: SubjectKind
    public var subjectID: UUID
    /// For item events, the item's visibility after the event (`private` after unpublishing
    /// or deletion); nil for user events.
    public var visibility: SharingVisibility?
    public var recordedAt: Date
    /// For an update, the owner's note on what changed, when they wrote one (at most
    /// ``maximumNoteLength`` characters): written for the public, shown as the version's changelog.
    public var note: String?

    public static var maximumNoteLength: Int { 500 }

    public init(
        id: Int64,
        type: Kind,
        subjectKind: SubjectKind,
        subjectID: UUID,
        visibility: SharingVisibility? = nil,
        recordedAt: Date,
        note: String? = nil
    ) {
        self.id = id
        self.type = type
        self.subjectKind = subjectKind
        self.subjectID = subjectID
        self.visibility = visibility
        self.recordedAt = recordedAt
        self.note = note
    }

    enum CodingKeys: String, CodingKey {
        case id, type
        case subjectKind = "subject_kind"
        case subjectID = "subject_id"
        case visibility
        case recordedAt = "recorded_at"
        case note
    }
}
