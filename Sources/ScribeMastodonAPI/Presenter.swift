import ActivityPubKit
import Foundation
import HTTPTypes
import ScribeContracts
import ScribeSocial

/// Turns Social's views into Mastodon's entities: gives every account and status its public id,
/// and fills each status with its author, the status it answers and the reader's own actions.
struct Presenter: Sendable {
    /// One line of a timeline: a status, or `booster`'s boost of it.
    struct Line: Sendable {
        var object: String
        var booster: String? = nil
        var boostedAt: Date? = nil
    }

    let social: SocialModule
    let ids: PublicIDs
    let origin: String
    let siteName: String

    var missingImage: String { origin + "/avatars/original/missing.png" }

    /// The accounts of `actors` that this server knows, by actor.
    func accounts(_ actors: [String], credentials: Bool = false) async throws -> [String: Account] {
        let views = try await social.accounts(actors)
        let numbers = try await ids.ids(views.values.map { (.account($0.actor), written: $0.createdAt) })
        var accounts: [String: Account] = [:]
        for view in views.values {
            guard let number = numbers[.account(view.actor)] else { continue }
            accounts[view.actor] = account(view, id: String(number))
        }
        return accounts
    }

    func account(_ view: AccountView, id: String) -> Account {
        let fields = view.fields.map { Account.Field(name: $0.name, value: $0.value, verified_at: nil) }
        return Account(
            id: id,
            username: view.username,
            acct: view.host.map { "\(view.username)@\($0)" } ?? view.username,
            display_name: view.displayName,
            locked: view.locked,
            bot: view.bot,
            discoverable: view.discoverable,
            created_at: MastodonDate.day(view.createdAt),
            note: view.note,
            url: view.url,
            uri: view.actor,
            avatar: view.avatar ?? missingImage,
            avatar_static: view.avatar ?? missingImage,
            header: view.header ?? missingImage,
            header_static: view.header ?? missingImage,
            followers_count: view.followers,
            following_count: view.following,
            statuses_count: view.statuses,
            last_status_at: nil,
            fields: fields
        )
    }

    /// An account this server has not fetched, from what a feed knows of it.
    func placeholder(_ actor: String, author: Feeds.Author?, id: String) -> Account {
        let handle = (author?.handle ?? "").split(separator: "@").map(String.init)
        let username = handle.first ?? URL(string: actor)?.lastPathComponent ?? "unknown"
        let host = handle.count > 1 ? handle[1] : URL(string: actor)?.host() ?? ""
        let avatar = author?.avatar ?? missingImage
        return Account(
            id: id,
            username: username,
            acct: "\(username)@\(host)",
            display_name: author?.name ?? username,
            locked: false,
            bot: false,
            discoverable: false,
            created_at: MastodonDate.day(Date(timeIntervalSince1970: 0)),
            note: "",
            url: actor,
            uri: actor,
            avatar: avatar,
            avatar_static: avatar,
            header: missingImage,
            header_static: missingImage,
            followers_count: 0,
            following_count: 0,
            statuses_count: 0,
            fields: []
        )
    }

    /// The statuses of `lines` that `viewer` may see, in the order given.
    func statuses(_ lines: [Line], viewer: UUID?) async throws -> [Status] {
        guard !lines.isEmpty else { return [] }
        let views = try await social.statuses(lines.map(\.object), viewer: viewer)
        var actors = Set<String>()
        for view in views.values {
            actors.insert(view.entry.actor)
            if let parent = view.inReplyToActor { actors.insert(parent) }
            actors.formUnion(view.mentions)
        }
        for line in lines { if let booster = line.booster { actors.insert(booster) } }
        let known = try await accounts(Array(actors))
        var subjects: [(PublicIDs.Subject, written: Date)] = []
        for view in views.values {
            subjects.append((.status(view.entry.object), written: view.entry.createdAt))
            if let parent = view.inReplyTo { subjects.append((.status(parent), written: view.entry.createdAt.addingTimeInterval(-1))) }
            if let parent = view.inReplyToActor, known[parent] == nil { subjects.append((.account(parent), written: Date())) }
            if known[view.entry.actor] == nil { subjects.append((.account(view.entry.actor), written: Date())) }
        }
        for line in lines {
            if let booster = line.booster {
                subjects.append((.boost(actor: booster, object: line.object), written: line.boostedAt ?? Date()))
                if known[booster] == nil { subjects.append((.account(booster), written: Date())) }
            }
        }
        let numbers = try await ids.ids(subjects)
        func accountOf(_ actor: String, author: Feeds.Author?) -> Account {
            known[actor] ?? placeholder(actor, author: author, id: numbers[.account(actor)].map(String.init) ?? "0")
        }
        var result: [Status] = []
        for line in lines {
            guard let view = views[line.object], let number = numbers[.status(line.object)] else { continue }
            let author = accountOf(view.entry.actor, author: view.entry.author)
            var status = self.status(view, id: String(number), account: author, numbers: numbers, viewer: viewer)
            // Only accounts this server knows can be named by id; others are left out, as Mastodon does.
            status.mentions = view.mentions.compactMap { known[$0] }.map { Mention(id: $0.id, username: $0.username, url: $0.url, acct: $0.acct) }
            status.tags = view.hashtags.map { Tag(name: $0, url: social.urls.tag($0)) }
            guard let booster = line.booster, let boostNumber = numbers[.boost(actor: booster, object: line.object)] else {
                result.append(status)
                continue
            }
            let boostedBy = accountOf(booster, author: view.entry.boostedBy)
            var boost = status
            boost.id = String(boostNumber)
            boost.created_at = MastodonDate.string(line.boostedAt ?? view.entry.createdAt)
            boost.account = boostedBy
            boost.content = ""
            boost.spoiler_text = ""
            boost.media_attachments = []
            boost.card = nil
            boost.poll = nil
            boost.in_reply_to_id = nil
            boost.in_reply_to_account_id = nil
            boost.uri = line.object + "#boost-\(boostNumber)"
            boost.url = nil
            boost.reblog = Status.Reblogged(status)
            result.append(boost)
        }
        return result
    }

    private func status(_ view: StatusView, id: String, account: Account, numbers: [PublicIDs.Subject: Int64], viewer: UUID?) -> Status {
        let display = view.entry.display
        let media = display.attachments.enumerated().map { index, attachment in
            MediaAttachment(
                id: "\(id)\(index)",
                type: attachment.type,
                url: attachment.url,
                preview_url: attachment.url,
                remote_url: attachment.url,
                preview_remote_url: nil,
                text_url: nil,
                meta: attachment.width.flatMap { width in attachment.height.map { ["original": ["width": width, "height": $0]] } } ?? [:],
                description: attachment.description,
                blurhash: attachment.blurhash
            )
        }
        let card = view.card.map { card in
            PreviewCard(
                url: view.url,
                title: card.title,
                description: card.description,
                provider_name: siteName,
                provider_url: origin,
                width: card.image == nil ? 0 : 400,
                height: card.image == nil ? 0 : 600,
                image: card.image,
                image_description: card.image == nil ? nil : card.title,
                blurhash: nil,
                published_at: MastodonDate.string(view.entry.createdAt)
            )
        }
        let poll = display.poll.map { poll in
            Poll(
                id: id,
                expires_at: poll.endsAt.map(MastodonDate.string),
                expired: poll.closed,
                multiple: poll.multiple,
                votes_count: poll.options.compactMap(\.votes).reduce(0, +),
                voters_count: poll.votersCount,
                options: poll.options.map { Poll.Option(title: $0.title, votes_count: $0.votes) }
            )
        }
        return Status(
            id: id,
            created_at: MastodonDate.string(view.entry.createdAt),
            in_reply_to_id: view.inReplyTo.flatMap { numbers[.status($0)] }.map(String.init),
            in_reply_to_account_id: view.inReplyToActor.flatMap { numbers[.account($0)] }.map(String.init),
            sensitive: display.sensitive,
            spoiler_text: display.contentWarning.map { HTMLSanitizer.text(of: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "",
            visibility: Self.visibility(view.visibility),
            language: nil,
            uri: view.entry.object,
            url: view.url,
            replies_count: view.repliesCount,
            reblogs_count: view.boostsCount,
            favourites_count: view.likesCount,
            edited_at: display.editedAt.map(MastodonDate.string),
            favourited: viewer.map { _ in view.entry.liked },
            reblogged: viewer.map { _ in view.entry.boosted },
            muted: viewer.map { _ in false },
            bookmarked: viewer.map { _ in false },
            content: view.entry.content,
            reblog: nil,
            application: nil,
            account: account,
            media_attachments: media,
            mentions: [],
            tags: [],
            card: card,
            poll: poll
        )
    }

    /// Scribe's audiences as Mastodon names them.
    static func visibility(_ audience: String) -> String {
        switch audience {
        case "followers": "private"
        case "direct": "direct"
        case "unlisted": "unlisted"
        default: "public"
        }
    }
}
