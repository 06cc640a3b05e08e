import Foundation
import ScribeSocial

/// An entry of a feed or a profile's posts as the `status` partial shows it, as a Mastodon
/// status reads: who (avatar, name, handle; a boost says who boosted), the content with its
/// warning and sensitive media folded, images, poll, quote, time, and what the reader did.
struct StatusView {
    var actor: String
    /// The display name and `@user@host`; the actor's URL only for an account not yet fetched.
    var name: String
    var handle: String?
    var avatar: String?
    var kind: String
    /// For a boost, who boosted it.
    var boostedBy: String?
    var liked: Bool
    var boosted: Bool
    /// Unique on the page, for the reply and quote fields' ids.
    var number: Int
    var object: String
    var content: String
    /// Sanitised HTML that folds the content and media until the reader opens them.
    var contentWarning: String?
    /// Media marked sensitive without a warning fold behind this line.
    var sensitiveMedia: Bool
    var images: [Image]
    var hasImages: Bool
    var otherMedia: [NoteDisplay.Attachment]
    var poll: PollView?
    var edited: String?
    var quote: String?
    var date: String

    /// `urls` tells our own items' art, which is shown as a thumbnail rather than the whole card.
    init(_ entry: Feeds.Entry, number: Int, urls: ActorURLs) {
        actor = entry.actor
        name = entry.author?.name ?? entry.actor
        handle = entry.author?.handle
        avatar = entry.author?.avatar
        kind = entry.kind == "boost" ? "boosted" : "posted"
        boostedBy = entry.kind == "boost" ? entry.boostedBy.map { "\($0.name) (\($0.handle))" } ?? "someone" : nil
        liked = entry.liked
        boosted = entry.boosted
        self.number = number
        object = entry.object
        content = entry.content
        contentWarning = entry.display.contentWarning
        sensitiveMedia = entry.display.contentWarning == nil && entry.display.sensitive && !entry.display.attachments.isEmpty
        let item = urls.localObject(entry.object).flatMap { $0.kind == "character" ? $0.id : nil }
        images = entry.display.attachments.filter { $0.type == "image" }.map { attachment in
            guard let item, attachment.url == urls.avatar(item) else { return Image(url: attachment.url, alt: attachment.description ?? "") }
            return Image(
                url: CardArt.url(character: item, version: entry.display.editedAt ?? entry.createdAt, width: 640),
                alt: attachment.description ?? ""
            )
        }
        hasImages = !images.isEmpty
        otherMedia = entry.display.attachments.filter { $0.type != "image" }
        poll = entry.display.poll.map(PollView.init)
        edited = entry.display.editedAt.map(ItemView.date)
        quote = entry.display.quote
        date = ItemView.date(entry.createdAt)
    }
}

extension StatusView {
    struct Image {
        var url: String
        var alt: String
    }

    /// A poll, read-only: each option with its share of the votes.
    struct PollView {
        var options: [Option]
        var summary: String

        struct Option {
            var title: String
            var votes: String
        }

        init(_ poll: NoteDisplay.Poll) {
            let total = poll.options.compactMap(\.votes).reduce(0, +)
            options = poll.options.map { option in
                let share = total > 0 ? " (\(Int((Double(option.votes ?? 0) / Double(total) * 100).rounded())) %)" : ""
                return Option(title: option.title, votes: option.votes.map { "\($0) votes\(share)" } ?? "")
            }
            let state = poll.closed ? "Closed" : poll.endsAt.map { "Open until \(ItemView.date($0))" } ?? "Open"
            summary = "\(state) · \(poll.multiple ? "several choices" : "one choice")" + (poll.votersCount.map { " · \($0) people voted" } ?? "")
        }
    }
}
