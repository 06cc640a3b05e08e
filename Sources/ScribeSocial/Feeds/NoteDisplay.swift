import ActivityPubKit
import Foundation

/// What a feed shows of a note besides its text, read from the document as it was stored: the
/// content warning that folds it, its media, a poll's options and counts, and when it was last
/// edited. Mastodon's statuses carry the same (`spoiler_text`, `sensitive`,
/// `media_attachments`, `poll`, `edited_at`).
///
/// Guarantees: every URL is http or https; the content warning is sanitised HTML; alt text and
/// poll options are plain text, for the page to escape; at most ``maximumAttachments`` media and
/// ``maximumOptions`` poll options, as Mastodon keeps.
public struct NoteDisplay: Codable, Sendable, Equatable {
    /// The warning shown instead of the text until the reader opens it (`summary`).
    public var contentWarning: String?
    /// Whether the text and media start folded: a content warning, or the note or one of its
    /// files marked sensitive.
    public var sensitive: Bool
    public var attachments: [Attachment]
    public var poll: Poll?
    /// When the author last edited it (`updated`), if they did.
    public var editedAt: Date?
    /// The post it quotes: Mastodon's `quote` (FEP-044f), Misskey's `_misskey_quote`, `quoteUrl`
    /// or `quoteUri`, the first present, as Mastodon reads them; else a FEP-e232 link tag. Nil
    /// for a quoted post that is gone (a `Tombstone`).
    public var quote: String?

    public struct Attachment: Codable, Sendable, Equatable {
        /// `image`, `video`, `audio` or `unknown`, as Mastodon names a media attachment's type.
        public var type: String
        public var url: String
        public var mediaType: String?
        /// Alt text (`name`).
        public var description: String?
        public var width: Int?
        public var height: Int?
        public var blurhash: String?

        enum CodingKeys: String, CodingKey {
            case type, url, description, width, height, blurhash
            case mediaType = "media_type"
        }
    }

    /// A `Question`, shown read-only.
    public struct Poll: Codable, Sendable, Equatable {
        public var options: [Option]
        /// Whether one may choose several (`anyOf`) or one (`oneOf`).
        public var multiple: Bool
        public var endsAt: Date?
        public var closed: Bool
        public var votersCount: Int?

        public struct Option: Codable, Sendable, Equatable {
            public var title: String
            public var votes: Int?
            enum CodingKeys: String, CodingKey {
                case title
                case votes = "votes_count"
            }
        }

        enum CodingKeys: String, CodingKey {
            case options, multiple, closed
            case endsAt = "ends_at"
            case votersCount = "voters_count"
        }
    }

    enum CodingKeys: String, CodingKey {
        case sensitive, attachments, poll, quote
        case contentWarning = "content_warning"
        case editedAt = "edited_at"
    }

    /// Mastodon keeps up to 16 media of a remote status (`ACTIVITYPUB_STATUS_ATTACHMENT_MAX`).
    static let maximumAttachments = 16
    static let maximumOptions = 20

    public static let none = NoteDisplay(contentWarning: nil, sensitive: false, attachments: [], poll: nil, editedAt: nil, quote: nil)

    /// Reads a stored note (or question).
    public init(_ note: ASObject, now: Date = Date()) {
        let warning = note["summary"]?.string.flatMap(Self.contentWarning)
        contentWarning = warning
        // An image, audio or video object is its own media, as Mastodon converts one.
        let own = ["Image", "Audio", "Video"].contains(where: note.isA) ? Self.attachment(note) : nil
        let files = note.references("attachment").compactMap { $0.object.flatMap(Self.attachment) }
        attachments = Array(([own].compactMap { $0 } + files).prefix(Self.maximumAttachments))
        // Misskey and its forks mark each file sensitive rather than the note: either folds it.
        let sensitiveFile = note.references("attachment").contains { $0.object?["sensitive"]?.bool == true }
        sensitive = warning != nil || note["sensitive"]?.bool == true || sensitiveFile
        poll = Self.poll(note, now: now)
        editedAt = note["updated"]?.string.flatMap(RFC3339Date.date(from:))
        quote = Self.quote(note)
    }

    init(contentWarning: String?, sensitive: Bool, attachments: [Attachment], poll: Poll?, editedAt: Date?, quote: String?) {
        self.quote = quote
        self.contentWarning = contentWarning
        self.sensitive = sensitive
        self.attachments = attachments
        self.poll = poll
        self.editedAt = editedAt
    }

    /// `text` if it is an http or https URL with a host: the only links a page shows of what
    /// another server sent (never `javascript:` or `data:`).
    /// Sanitised HTML as a line of plain text for a summary: tags dropped, paragraphs and line
    /// breaks as spaces, entities read, cut to `limit` characters with an ellipsis; nil when
    /// nothing is left.
    public static func plainText(_ html: String, limit: Int) -> String? {
        let text = HTMLSanitizer.text(of: html).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard !text.isEmpty else { return nil }
        return text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }

    static func webURL(_ text: String?) -> String? {
        guard let text, let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["https", "http"].contains(scheme), url.host() != nil
        else { return nil }
        return text
    }

    /// A summary as a content warning: sanitised HTML, or, when nothing of it survives the
    /// sanitiser (a `<script>`, an `<img>`), its text escaped, so that a warning is never lost
    /// and the note stays folded (Mastodon shows a summary as plain text).
    static func contentWarning(_ summary: String) -> String? {
        guard !summary.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        let sanitized = HTMLSanitizer.sanitize(summary)
        return sanitized.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? HTMLSanitizer.escape(String(summary.prefix(500))) : sanitized
    }

    static func attachment(_ object: ASObject) -> Attachment? {
        guard ["Image", "Document", "Video", "Audio"].contains(where: object.isA) else { return nil }
        // `url` is a string, a Link, or a list of either (Peertube sends several sizes).
        let link = object.references("url").first
        guard let href = webURL(link?.id ?? link?.object?["href"]?.string) else { return nil }
        let mediaType = object["mediaType"]?.string ?? link?.object?["mediaType"]?.string
        let kind: String =
            switch (object.types.first, mediaType?.split(separator: "/").first) {
            case ("Image", _), (_, "image"?): "image"
            case ("Video", _), (_, "video"?): "video"
            case ("Audio", _), (_, "audio"?): "audio"
            default: "unknown"
            }
        let description = object["name"]?.string.map { String($0.prefix(1500)) }.flatMap { $0.isEmpty ? nil : $0 }
        return Attachment(
            type: kind,
            url: href,
            mediaType: mediaType,
            description: description,
            width: object["width"]?.int,
            height: object["height"]?.int,
            blurhash: object["blurhash"]?.string.map { String($0.prefix(100)) }
        )
    }

    static func quote(_ note: ASObject) -> String? {
        let named = ["quote", "_misskey_quote", "quoteUrl", "quoteUri"].lazy.compactMap { note[$0] }.first
        let link = note.tags.first { tag in
            tag.isA("Link") && ((tag["rel"] ?? .null).list.compactMap(\.string).contains { $0.hasSuffix("_misskey_quote") || $0.hasSuffix("#quote") })
        }?["href"]
        guard let value = named ?? link, value.object?["type"]?.string != "Tombstone" else { return nil }
        return webURL(value.string ?? value.object?["id"]?.string)
    }

    static func poll(_ note: ASObject, now: Date) -> Poll? {
        guard note.isA("Question") else { return nil }
        let multiple = note["anyOf"] != nil
        let choices = (note[multiple ? "anyOf" : "oneOf"] ?? .null).list.compactMap { value -> Poll.Option? in
            guard let option = value.object.map(ASObject.init(properties:)), let title = option["name"]?.string else { return nil }
            let replies = option["replies"]?.object.map(ASObject.init(properties:))
            return Poll.Option(title: String(title.prefix(200)), votes: replies?["totalItems"]?.int)
        }
        guard !choices.isEmpty else { return nil }
        let ends = (note["endTime"]?.string ?? note["closed"]?.string).flatMap(RFC3339Date.date(from:))
        return Poll(
            options: Array(choices.prefix(maximumOptions)),
            multiple: multiple,
            endsAt: ends,
            closed: note["closed"] != nil || (ends.map { $0 <= now } ?? false),
            votersCount: note["votersCount"]?.int
        )
    }
}
