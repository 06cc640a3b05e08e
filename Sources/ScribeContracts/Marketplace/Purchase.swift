import Foundation

/// A purchase begun: where to send the buyer to pay.
public struct Checkout: Codable, Sendable, Equatable {
    public var purchaseID: UUID
    /// Where to send the buyer: Stripe's hosted payment page.
    public var checkoutURL: String

    public init(purchaseID: UUID, checkoutURL: String) {
        self.purchaseID = purchaseID
        self.checkoutURL = checkoutURL
    }

    enum CodingKeys: String, CodingKey {
        case purchaseID = "purchase_id"
        case checkoutURL = "checkout_url"
    }
}

/// One of a buyer's purchases.
public struct Purchase: Codable, Sendable, Equatable {
    public var id: UUID
    public var itemID: UUID
    /// `pending`, `completed` or `failed`.
    public var status: String
    public var price: Listing.Price
    public var createdAt: Date
    public var completedAt: Date?

    public init(id: UUID, itemID: UUID, status: String, price: Listing.Price, createdAt: Date, completedAt: Date?) {
        self.id = id
        self.itemID = itemID
        self.status = status
        self.price = price
        self.createdAt = createdAt
        self.completedAt = completedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, status, price
        case itemID = "item_id"
        case createdAt = "created_at"
        case completedAt = "completed_at"
    }
}
