import Foundation

/// A change to what a user shows everyone, made for her by a client she signed in to (the
/// Mastodon client API's `update_credentials`). A part left nil stays as it is. The profile is
/// public by her choice; nothing here touches her private data.
public struct PublicProfileChange: Codable, Sendable, Equatable {
    public var displayName: String?
    public var bio: String?
    public var fields: [ProfileField]?
    /// A new avatar or header: PNG or JPEG bytes.
    public var avatar: Data?
    public var header: Data?

    public init(displayName: String? = nil, bio: String? = nil, fields: [ProfileField]? = nil, avatar: Data? = nil, header: Data? = nil) {
        self.displayName = displayName
        self.bio = bio
        self.fields = fields
        self.avatar = avatar
        self.header = header
    }

    enum CodingKeys: String, CodingKey {
        case bio, fields, avatar, header
        case displayName = "display_name"
    }
}
