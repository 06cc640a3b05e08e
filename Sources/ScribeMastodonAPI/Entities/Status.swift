/// Mastodon's `Status` entity (`app/serializers/rest/status_serializer.rb`). A published
/// character or lorebook is a status whose `card` presents it.
struct Status: Encodable, Sendable {
    var id: String
    var created_at: String
    @Nullable var in_reply_to_id: String?
    @Nullable var in_reply_to_account_id: String?
    var sensitive: Bool
    var spoiler_text: String
    var visibility: String
    @Nullable var language: String?
    var uri: String
    @Nullable var url: String?
    var replies_count: Int
    var reblogs_count: Int
    var favourites_count: Int
    var quotes_count = 0
    @Nullable var edited_at: String?
    /// What the signed-in reader did; absent for an anonymous one.
    var favourited: Bool?
    var reblogged: Bool?
    var muted: Bool?
    var bookmarked: Bool?
    /// HTML.
    var content: String
    @Nullable var reblog: Reblogged?
    @Nullable var application: Application?
    var account: Account
    var media_attachments: [MediaAttachment]
    var mentions: [Mention]
    var tags: [Tag]
    var emojis: [CustomEmoji] = []
    @Nullable var card: PreviewCard?
    @Nullable var poll: Poll?
    /// Only in the answer to a delete: the text to edit and post again.
    var text: String?

    /// The status a boost carries (a reference, since a status holds one).
    final class Reblogged: Encodable, Sendable {
        let status: Status
        init(_ status: Status) { self.status = status }
        func encode(to encoder: any Encoder) throws { try status.encode(to: encoder) }
    }
}

/// The app a status was posted with, or an app as `verify_credentials` shows it.
struct Application: Encodable, Sendable {
    var name: String
    @Nullable var website: String?
}

struct MediaAttachment: Encodable, Sendable {
    var id: String
    /// `image`, `gifv`, `video`, `audio` or `unknown`.
    var type: String
    @Nullable var url: String?
    @Nullable var preview_url: String?
    @Nullable var remote_url: String?
    @Nullable var preview_remote_url: String?
    @Nullable var text_url: String?
    var meta: [String: [String: Int]]
    @Nullable var description: String?
    @Nullable var blurhash: String?
}

struct Mention: Encodable, Sendable {
    var id: String
    var username: String
    var url: String
    var acct: String
}

struct Tag: Encodable, Sendable {
    var name: String
    var url: String
    var history: [String] = []
}

/// A link card: how apps show a published character or lorebook (its name, tagline and art).
struct PreviewCard: Encodable, Sendable {
    var url: String
    var title: String
    var description: String
    var language: String? = nil
    var type = "link"
    var author_name = ""
    var author_url = ""
    var provider_name: String
    var provider_url: String
    var html = ""
    var width: Int
    var height: Int
    @Nullable var image: String?
    @Nullable var image_description: String?
    var embed_url = ""
    @Nullable var blurhash: String?
    @Nullable var published_at: String?
}

struct Poll: Encodable, Sendable {
    struct Option: Encodable, Sendable {
        var title: String
        @Nullable var votes_count: Int?
    }

    var id: String
    @Nullable var expires_at: String?
    var expired: Bool
    var multiple: Bool
    var votes_count: Int
    @Nullable var voters_count: Int?
    var options: [Option]
    var emojis: [CustomEmoji] = []
    var voted = false
    var own_votes: [Int] = []
}

/// `GET /api/v1/statuses/:id/context`.
struct StatusContext: Encodable, Sendable {
    var ancestors: [Status]
    var descendants: [Status]
}
