/// Who may see an item, as the original Scribe column `sharing_visibility` names it. (Lorebooks'
/// `is_public` maps to `public` and `private`.)
public enum SharingVisibility: String, Codable, Sendable, CaseIterable {
    /// Only the owner (the default).
    case `private`
    /// Anyone with the link; not listed or announced.
    case unlisted
    /// The owner's approved followers.
    case followers
    /// Everyone: listed in the marketplace and announced to followers.
    case `public`
}
