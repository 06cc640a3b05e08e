/// Mastodon's `Account` entity (`app/serializers/rest/account_serializer.rb`).
struct Account: Encodable, Sendable {
    struct Field: Encodable, Sendable {
        var name: String
        /// HTML.
        var value: String
        @Nullable var verified_at: String?
    }

    var id: String
    var username: String
    /// `username` for a local account, `username@host` for a remote one.
    var acct: String
    var display_name: String
    var locked: Bool
    var bot: Bool
    var discoverable: Bool
    var indexable = false
    var group = false
    var created_at: String
    /// HTML.
    var note: String
    var url: String
    var uri: String
    var avatar: String
    var avatar_static: String
    var header: String
    var header_static: String
    var followers_count: Int
    var following_count: Int
    var statuses_count: Int
    @Nullable var last_status_at: String?
    var hide_collections = false
    var emojis: [CustomEmoji] = []
    var fields: [Field]
    /// Only for the signed-in user's own account (`verify_credentials`).
    var source: Source?

    struct Source: Encodable, Sendable {
        var privacy = "public"
        var sensitive = false
        @Nullable var language: String?
        /// Plain text.
        var note: String
        var fields: [Field]
        var follow_requests_count: Int
        var hide_collections = false
        var discoverable: Bool
        var indexable = false
    }
}

/// Mastodon's `CustomEmoji`: Scribe has none, so lists of them are always empty.
struct CustomEmoji: Encodable, Sendable {
    var shortcode: String
    var url: String
    var static_url: String
    var visible_in_picker: Bool
}

/// Mastodon's `Relationship`.
struct Relationship: Encodable, Sendable {
    var id: String
    var following: Bool
    var showing_reblogs: Bool
    var notifying = false
    @Nullable var languages: [String]?
    var followed_by: Bool
    var blocking: Bool
    var blocked_by = false
    var muting = false
    var muting_notifications = false
    var requested: Bool
    var requested_by: Bool
    var domain_blocking = false
    var endorsed = false
    var note = ""
}
