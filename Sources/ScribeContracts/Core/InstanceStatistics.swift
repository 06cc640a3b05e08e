/// Counts NodeInfo publishes: how many use this server and how much they have published.
public struct InstanceStatistics: Codable, Sendable, Equatable {
    /// Active accounts.
    public var users: Int
    /// Accounts with a session used in the last 30 days, and in the last 180.
    public var activeMonth: Int
    public var activeHalfyear: Int
    /// Published characters and public lorebooks.
    public var publishedItems: Int

    public init(users: Int, activeMonth: Int, activeHalfyear: Int, publishedItems: Int) {
        self.users = users
        self.activeMonth = activeMonth
        self.activeHalfyear = activeHalfyear
        self.publishedItems = publishedItems
    }

    enum CodingKeys: String, CodingKey {
        case users
        case activeMonth = "active_month"
        case activeHalfyear = "active_halfyear"
        case publishedItems = "published_items"
    }
}
