/// Mastodon's `Notification` entity.
struct Notification: Encodable, Sendable {
    var id: String
    /// `follow`, `follow_request`, `favourite`, `reblog`, `mention` or `quote`.
    var type: String
    var created_at: String
    var group_key: String
    var account: Account
    var status: Status?
}

/// `GET /api/v2/search`.
struct SearchResults: Encodable, Sendable {
    var accounts: [Account]
    var statuses: [Status]
    var hashtags: [Tag]
}

/// A marker of where the user stopped reading (`GET /api/v1/markers`).
struct Marker: Encodable, Sendable {
    var last_read_id: String
    var version: Int
    var updated_at: String
}
