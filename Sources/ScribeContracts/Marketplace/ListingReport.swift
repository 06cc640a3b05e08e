import Foundation

/// A report of a listing or a review, for moderators to decide.
public struct ListingReport: Codable, Sendable, Equatable {
    public var id: UUID
    /// `listing` or `review`.
    public var subject: String
    public var subjectID: UUID
    public var itemID: UUID
    public var itemKind: String
    public var itemName: String
    public var reason: String
    /// `open`, `actioned` or `dismissed`.
    public var status: String
    public var createdAt: Date

    public init(
        id: UUID,
        subject: String,
        subjectID: UUID,
        itemID: UUID,
        itemKind: String,
        itemName: String,
        reason: String,
        status: String,
        createdAt: Date
    ) {
        self.id = id
        self.subject = subject
        self.subjectID = subjectID
        self.itemID = itemID
        self.itemKind = itemKind
        self.itemName = itemName
        self.reason = reason
        self.status = status
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, subject, reason, status
        case subjectID = "subject_id"
        case itemID = "item_id"
        case itemKind = "item_kind"
        case itemName = "item_name"
        case createdAt = "created_at"
    }
}

/// What a moderator decides about a report.
public enum ReportDecision: String, Sendable, Codable, CaseIterable {
    /// Hide the reported listing (listing reports).
    case hide
    /// Remove the reported review (review reports).
    case removeReview = "remove_review"
    case dismiss
}

/// An item moderators hid from everyone.
public struct HiddenItem: Codable, Sendable, Equatable {
    public var itemID: UUID
    public var itemKind: String
    public var itemName: String
    public var hiddenAt: Date

    public init(itemID: UUID, itemKind: String, itemName: String, hiddenAt: Date) {
        self.itemID = itemID
        self.itemKind = itemKind
        self.itemName = itemName
        self.hiddenAt = hiddenAt
    }

    enum CodingKeys: String, CodingKey {
        case itemID = "item_id"
        case itemKind = "item_kind"
        case itemName = "item_name"
        case hiddenAt = "hidden_at"
    }
}
