import ActivityPubKit
import Foundation

/// A remote account as its profile shows it, read from its actor document as Mastodon reads one
/// (`ActivityPub::ProcessAccountService`): name, bio, avatar, header, profile fields, when it
/// joined, whether it is locked, a bot or has moved, and how many posts, followers and follows it
/// counts.
///
/// Guarantees: every string that is HTML (the bio, a field's value) has been through the
/// sanitiser; plain strings (name, a field's label) are cut to Mastodon's lengths and left for the
/// page to escape; image and profile addresses are `http`/`https` only. A missing flag reads as
/// `false`, as Mastodon reads it.
public struct RemoteProfile: Sendable, Equatable {
    public struct Field: Sendable, Equatable {
        /// Plain text.
        public var name: String
        /// Sanitised HTML.
        public var value: String
    }

    public var id: String
    public var name: String
    /// The bio, sanitised HTML.
    public var summary: String
    public var avatar: String?
    public var header: String?
    public var fields: [Field]
    public var published: Date?
    public var manuallyApprovesFollowers: Bool
    public var discoverable: Bool
    public var indexable: Bool
    /// A `Service` actor: an automated account.
    public var isBot: Bool
    public var movedTo: String?
    /// The counts its collections state (`totalItems`), when they were read; nil when hidden.
    public var posts: Int?
    public var followers: Int?
    public var following: Int?

    /// Mastodon keeps a remote field's name and value to this many characters.
    static let maximumFieldLength = 2047
    /// Mastodon shows at most this many of a remote account's fields (its `attachment` limit).
    static let maximumFields = 16

    public init(_ document: ASObject, fallbackName: String) {
        id = document.id ?? ""
        let plainName = document.name.map { String($0.prefix(100)) } ?? ""
        name = plainName.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? fallbackName : plainName
        summary = HTMLSanitizer.sanitize(document.summary ?? "")
        avatar = Self.image(document, "icon")
        header = Self.image(document, "image")
        fields = document.attachments.filter { $0.types.contains("PropertyValue") }.prefix(Self.maximumFields).compactMap { field in
            guard let name = field.name, let value = field["value"]?.string else { return nil }
            return Field(
                name: String(name.prefix(Self.maximumFieldLength)),
                value: HTMLSanitizer.sanitize(String(value.prefix(Self.maximumFieldLength)))
            )
        }
        published = document.published
        manuallyApprovesFollowers = document["manuallyApprovesFollowers"]?.bool ?? false
        discoverable = document["discoverable"]?.bool ?? false
        indexable = document["indexable"]?.bool ?? false
        isBot = document.types.contains("Service")
        movedTo = NoteDisplay.webURL(document.references("movedTo").first?.id)
    }

    /// The first `icon` or `image`: an `Image`'s `url`, or another object's `href`, as Mastodon
    /// takes it; a bare IRI names an object to fetch, which a profile shown from the cache skips.
    static func image(_ document: ASObject, _ property: String) -> String? {
        guard let object = document.references(property).first?.object else { return nil }
        return NoteDisplay.webURL(object.types.contains("Image") ? object.url : object["href"]?.string)
    }
}
