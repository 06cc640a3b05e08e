import ActivityPubKit
import Foundation
import ScribeContracts

/// A published character or lorebook as a `Note` (docs/architecture.md §6): what every Mastodon-compatible
/// server renders — a name, a line or two and a link, the avatar as an `Image`, hashtags — plus
/// Scribe's extension terms carrying the card or book, so another Scribe server can import it.
struct ItemNote {
    let urls: ActorURLs

    static let publicAudience = "https://www.w3.org/ns/activitystreams#Public"

    /// Who may quote a note, as Mastodon 4.5 reads it (a note without `canQuote` cannot be quoted
    /// at all): anyone for a public one, approved at once; else only its author.
    static func interactionPolicy(anyoneMayQuote: Bool, author: String) -> JSONLDValue {
        ["canQuote": ["automaticApproval": .array([.string(anyoneMayQuote ? publicAudience : author)])]]
    }

    /// The item's object id, which is also its web page.
    func id(_ kind: CoreEvent.SubjectKind, _ itemID: UUID) -> String { urls.item(kind.rawValue, itemID) }

    /// Who a note of this visibility is addressed to: public in `to` with followers in `cc`;
    /// followers-only to the followers collection alone.
    func addressing(_ visibility: SharingVisibility, owner username: String) -> (to: [String], cc: [String]) {
        switch visibility {
        case .public: ([Self.publicAudience], [urls.followers(username)])
        default: ([urls.followers(username)], [])
        }
    }

    func note(_ item: SharedItem, metadata: ItemMetadata) -> ASObject {
        let id = id(item.kind, item.id)
        let (to, cc) = addressing(item.visibility, owner: item.ownerUsername)
        let tags = metadata.tags.compactMap(Self.hashtagName).prefix(20)
        var paragraphs = [
            "<p><strong>\(HTMLSanitizer.escape(metadata.name))</strong> — \(item.kind == .character ? "a character" : "a lorebook") on Scribe</p>"
        ]
        if let summary = Self.summary(of: item), !summary.isEmpty { paragraphs.append("<p>\(HTMLSanitizer.escape(summary))</p>") }
        var links = "<p><a href=\"\(HTMLSanitizer.escape(id))\">\(HTMLSanitizer.escape(id))</a></p>"
        if !tags.isEmpty {
            links +=
                "<p>"
                + tags.map { PostText.hashtagLink($0, href: urls.tag($0)) }
                .joined(separator: " ") + "</p>"
        }
        var note: ASObject = [
            "id": .string(id), "type": "Note", "attributedTo": .string(urls.actor(item.ownerUsername)),
            "name": .string(metadata.name), "content": .string((paragraphs + [links]).joined()), "mediaType": "text/html",
            "url": .string(id), "to": .strings(to), "cc": .strings(cc),
            "published": .string(ASObject.timestamp(item.publishedAt)), "updated": .string(ASObject.timestamp(item.updatedAt)),
            "tag": .array(tags.map { ASObject.hashtag(name: $0, href: urls.tag($0)).embedded }),
            "cardSpec": .string(metadata.spec),
            "likes": .string(id + "/likes"), "shares": .string(id + "/shares"), "replies": .string(id + "/replies"),
        ]
        // An item for adults is folded on other servers as Mastodon folds a post: a content
        // warning (`summary`) hides the text and the image until the reader opens it, and
        // `sensitive` blurs the image after that (Mastodon has no per-attachment flag).
        note["sensitive"] = .bool(metadata.contentRating == .nsfw)
        note["summary"] = metadata.contentRating == .nsfw ? .string(Self.contentWarning(metadata)) : .null
        note["contentRating"] = .string(metadata.contentRating.rawValue)
        note["interactionPolicy"] = Self.interactionPolicy(anyoneMayQuote: item.visibility == .public, author: urls.actor(item.ownerUsername))
        if item.hasAvatar {
            note["attachment"] = [
                ASObject.image(url: urls.avatar(item.id), mediaType: "image/png", description: "Avatar of \(metadata.name)").embedded
            ]
            note["icon"] = ASObject.image(url: urls.avatar(item.id), mediaType: "image/png").embedded
        }
        let content = (try? JSONDecoder().decode(JSONLDValue.self, from: item.content.serialized())) ?? .null
        switch item.kind {
        case .character:
            note["characterCard"] = content
            note["cardDownload"] = .string("\(urls.origin)/api/v1/shared/characters/\(item.id.uuidString.lowercased())")
        default:
            note["lorebook"] = content
            note["cardDownload"] = .string("\(urls.origin)/api/v1/shared/lorebooks/\(item.id.uuidString.lowercased())")
        }
        return note
    }

    /// The content warning of an item for adults: what it is and that it is for adults, so a
    /// reader decides before opening it.
    static func contentWarning(_ metadata: ItemMetadata) -> String {
        "NSFW: \(metadata.kind == .character ? "a character" : "a lorebook") for adults — \(metadata.name)"
    }

    /// A line to show under the name: the card's creator notes or the start of its description.
    static func summary(of item: SharedItem) -> String? {
        let data = item.content.objectValue?["data"]?.objectValue ?? item.content.objectValue ?? [:]
        let text = [data["creator_notes"], data["description"]].compactMap { $0?.stringValue }.first {
            !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        guard let text else { return nil }
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > 280 ? String(flat.prefix(279)) + "…" : flat
    }

    /// A tag as a hashtag: letters, digits and underscores only (what Mastodon links), or nil.
    static func hashtagName(_ tag: String) -> String? {
        let name = String(tag.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "_" }.map(Character.init))
        return name.isEmpty || name.count > 64 ? nil : name
    }
}
