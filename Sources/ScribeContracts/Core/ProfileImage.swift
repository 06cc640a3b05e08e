/// The two images of a profile: the avatar (Mastodon's `icon`) and the header (its `image`).
/// The raw value names the field in errors and the URL path (`/api/v1/users/{username}/header.png`).
public enum ProfileImage: String, Sendable, CaseIterable {
    case avatar, header

    /// The largest image kept: 1 MB for an avatar, 2 MB for a header, as Mastodon's defaults.
    public var maximumSize: Int { self == .avatar ? 1 << 20 : 2 << 20 }

    /// How an error names it.
    public var name: String { self == .avatar ? "An avatar" : "A header image" }
}
