import ActivityPubKit
import Foundation
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// Quoting, from Scribe's side (FEP-044f as Mastodon 4.5 does it; docs/federation.md, "Quote
/// posts"): a post quotes another post or an item, and asks its author with a `QuoteRequest`;
/// their `Accept` names a stamp the post then carries as `quoteAuthorization` (sent again as an
/// `Update`). A quote of something of ours is approved at once by the same rule. And a user
/// takes back an approval they gave someone else's quote.
extension SocialActions {
    /// What a post may quote: its id and web address, its author, and how to ask them.
    struct Quotable: Sendable {
        var id: String
        var url: String
        var author: String
        /// The remote author's own inbox (where Mastodon wants a `QuoteRequest`); nil for ours.
        var authorInbox: String?
        /// Ours: whose it is.
        var local: LocalTargets.Shared?
    }

    /// What a post's `Note` says about its quote.
    struct QuoteOnNote: Sendable {
        var id: String
        var url: String
        var authorization: String?

        init(id: String, url: String, authorization: String?) {
            self.id = id
            self.url = url
            self.authorization = authorization
        }

        init(quoted: Quotable, authorization: String?) {
            self.init(id: quoted.id, url: quoted.url, authorization: authorization)
        }
    }

    /// The object a post of `me` may quote, checked as Mastodon checks it before it lets a
    /// status quote another: direct and followers-only posts are never quoted (nor quote, unless
    /// their own), and a remote post only when its `interactionPolicy.canQuote` lets everyone
    /// (automatically or by approval); ours when it is open to everyone, or is the author's own.
    ///
    /// - Throws: `invalidInput` when it may not be quoted; `notFound` when there is nothing.
    func quotable(_ objectID: String, by me: UserProfile, audience: Audience) async throws(SocialError) -> Quotable {
        guard audience == .public || audience == .unlisted else {
            throw SocialError(.invalidInput, "Only a public or unlisted post can quote another.")
        }
        let myActor = urls.actor(me.username)
        if urls.isLocal(objectID) {
            let shared = try await run(logger) { try await pool.withConnection { try await tables.targets.shared(objectID, on: $0) } }
            guard let shared else { throw SocialError(.notFound, "Nothing here has that address.") }
            guard shared.isOpen || shared.ownerActor == myActor else { throw Self.notQuotable }
            return Quotable(id: objectID, url: objectID, author: shared.ownerActor, authorInbox: nil, local: shared)
        }
        let target = try await resolve(objectID, for: me)
        let stored = try await run(logger) {
            try await pool.withConnection { connection -> (StoredNote, String)? in
                guard let note = try await tables.notes.find(objectID, on: connection) else { return nil }
                return (note, try await tables.notes.document(objectID, on: connection) ?? "{}")
            }
        }
        guard let (note, json) = stored, let document = try? ASObject.decode(Data(json.utf8)) else {
            throw SocialError(.notFound, "That post could not be read.")
        }
        guard note.visibility == "public" || note.visibility == "unlisted", Self.letsEveryoneQuote(document) || target.author == myActor else {
            throw Self.notQuotable
        }
        let author = try await remote.actor(target.author)
        return Quotable(id: objectID, url: NoteDisplay.webURL(document.url) ?? objectID, author: target.author, authorInbox: author.inbox, local: nil)
    }

    static let notQuotable = SocialError(.invalidInput, "Its author does not let others quote it.")

    /// Whether a note's policy lets anyone quote it, automatically or once its author approves.
    /// Mastodon treats a note without `canQuote` as quoted by nobody.
    static func letsEveryoneQuote(_ note: ASObject) -> Bool {
        guard let canQuote = note["interactionPolicy"]?.object?["canQuote"]?.object else { return false }
        let everyone: Set<String> = [Notes.publicAudience, "as:Public", "Public"]
        return ["automaticApproval", "manualApproval"].contains { name in
            (canQuote[name] ?? .null).list.contains { everyone.contains($0.string ?? $0.object?["id"]?.string ?? "") }
        }
    }

    /// Mastodon's fallback for servers that do not show quotes: `RE: <link>` before the text,
    /// unless the text links the quoted post already.
    static func withQuoteFallback(_ html: String, quoting url: String) -> String {
        guard !html.contains(HTMLSanitizer.escape(url)) else { return html }
        let link = HTMLSanitizer.escape(url)
        return "<p class=\"quote-inline\">RE: <a href=\"\(link)\">\(link)</a></p>" + html
    }

    /// A new stamp's id for a quote of something of ours, approved at once.
    static func approvalID(of quoted: Quotable) -> String? {
        guard let local = quoted.local else { return nil }
        return "\(local.ownerActor)/quote_authorizations/\(UUID().uuidString.lowercased())"
    }

    /// Records the quote of `note` and asks for it: approved at once with `approval` when the
    /// quoted object is ours (its author told), else a `QuoteRequest` to its author's inbox,
    /// the note embedded as Mastodon embeds it. Returns the quote's state.
    func askToQuote(
        _ quoted: Quotable,
        with note: ASObject,
        approval: String?,
        by me: UserProfile,
        on connection: PostgresConnection
    ) async throws -> Quotes.State {
        let myActor = urls.actor(me.username)
        let quoting = note.id ?? ""
        let requestID = urls.activity(UUID())
        if let local = quoted.local, let approval {
            _ = try await tables.quoteAuthorizations.approve(
                requestID: requestID,
                quoted: quoted.id,
                quoting: quoting,
                by: local,
                stampID: approval,
                on: connection
            )
            let quote = Quotes.Quote(
                quoting: quoting,
                quoted: quoted.id,
                quotedAuthor: quoted.author,
                requestID: requestID,
                state: .accepted,
                authorization: approval
            )
            try await tables.quotes.record(quote, on: connection)
            if local.ownerID != me.id {
                try await tables.notifications.add(.quote, for: local.ownerID, actor: myActor, object: quoting, on: connection)
            }
            return .accepted
        }
        let quote = Quotes.Quote(quoting: quoting, quoted: quoted.id, quotedAuthor: quoted.author, requestID: requestID, state: .pending)
        try await tables.quotes.record(quote, on: connection)
        guard let inbox = quoted.authorInbox else { return .pending }
        var request = ASObject.activity("QuoteRequest", id: requestID, actor: myActor, object: .string(quoted.id), to: [quoted.author])
        request["instrument"] = note.embedded
        try await tables.deliveries.enqueue(request.document(in: ScribeVocabulary.context), to: [inbox], signer: me.id, on: connection)
        return .pending
    }

    /// The quote a post of ours makes, and how it stands.
    func quote(of postID: String) async throws(SocialError) -> Quotes.Quote? {
        try await run(logger) { try await pool.withConnection { try await tables.quotes.find(quoting: postID, on: $0) } }
    }

    /// Takes back the approval `me` gave to the quote `quoting` of one of their posts or items:
    /// its stamp is no longer served, and a `Delete` of it goes to the quoting author's server
    /// and to the servers of `me`'s followers, as Mastodon sends it.
    ///
    /// - Throws: `notFound` when `me` approved no quote of that id.
    public func revokeQuoteApproval(quoting: String, as userID: UUID) async throws(SocialError) {
        let me = try await actors.profile(id: userID)
        let myActor = urls.actor(me.username)
        let stamps = try await run(logger) {
            try await pool.withConnection { try await tables.quoteAuthorizations.given(by: userID, quoting: quoting, on: $0) }
        }
        guard !stamps.isEmpty else { throw SocialError(.notFound, "You approved no quote by that post.") }
        // The quoting author's server: from the post, fetched from its own server when not kept.
        var inboxes: [String] = []
        if !urls.isLocal(quoting) {
            let stored = try await run(logger) { try await pool.withConnection { try await tables.notes.find(quoting, on: $0) } }
            let author: String? =
                if let stored { stored.actorID } else { try? await remote.object(quoting).attributedTo?.id }
            if let author, InboxProcessor.sameOrigin(author, quoting), let actor = try? await remote.actor(author) {
                inboxes.append(actor.sharedInbox ?? actor.inbox)
            }
        }
        let followerInboxes = try await followerInboxes(of: myActor)
        try await transaction(on: pool, logger: logger) { connection in
            for stamp in stamps {
                try await tables.quoteAuthorizations.withdraw(stamp, on: connection)
                if urls.isLocal(quoting) {
                    _ = try await QuoteAnswers.revoked(stamp, by: myActor, tables: tables, urls: urls, on: connection)
                }
                let delete = ASObject.activity(
                    "Delete",
                    id: stamp + "#delete",
                    actor: myActor,
                    object: ["type": "QuoteAuthorization", "id": .string(stamp)],
                    to: [Notes.publicAudience]
                )
                let recipients = Array(Set(inboxes + followerInboxes))
                if !recipients.isEmpty {
                    try await tables.deliveries.enqueue(delete.document(in: ScribeVocabulary.context), to: recipients, signer: userID, on: connection)
                }
            }
        }
        await deliveryBell.ring()
    }
}

/// What the quoted author's answers do to one of our quotes, wherever they come from: an
/// `Accept` or `Reject` in the inbox, or a `Delete` of the stamp (also from a user here).
enum QuoteAnswers {
    /// Accepted: the post carries the stamp; rejected: nothing more. Either way an accepted quote
    /// is sent again as an `Update` with a newer `updated`, to the servers the post reached.
    static func answered(
        _ requestID: String,
        by actor: String,
        accepted: Bool,
        authorization: String?,
        tables: SocialTables,
        urls: ActorURLs,
        on connection: PostgresConnection
    ) async throws -> Bool {
        guard
            let quote = try await tables.quotes.answer(
                requestID: requestID,
                by: actor,
                accepted: accepted,
                authorization: authorization,
                on: connection
            )
        else { return false }
        if accepted { try await resend(quote, tables: tables, urls: urls, on: connection) }
        return true
    }

    /// The quoted author revoked their approval `stamp`: the post no longer carries it.
    static func revoked(
        _ stamp: String,
        by actor: String,
        tables: SocialTables,
        urls: ActorURLs,
        on connection: PostgresConnection
    ) async throws -> Bool {
        guard let quote = try await tables.quotes.revoke(authorization: stamp, by: actor, on: connection) else { return false }
        try await resend(quote, tables: tables, urls: urls, on: connection)
        return true
    }

    /// Stores the post with `quoteAuthorization` as the quote now stands and a newer `updated`,
    /// and sends the `Update` to its followers' servers and the quoted author's.
    private static func resend(_ quote: Quotes.Quote, tables: SocialTables, urls: ActorURLs, on connection: PostgresConnection) async throws {
        guard let stored = try await tables.notes.find(quote.quoting, on: connection), let author = stored.localAuthor, !stored.deleted,
            let json = try await tables.notes.document(quote.quoting, on: connection), var note = try? ASObject.decode(Data(json.utf8))
        else { return }
        let last = note["updated"]?.string.flatMap(RFC3339Date.date(from:)) ?? stored.publishedAt
        let updated = max(Date(), last.addingTimeInterval(1))
        note["updated"] = .string(ASObject.timestamp(updated))
        note["quoteAuthorization"] = quote.authorization.map { .string($0) }
        try await tables.notes.store(
            note,
            actorID: stored.actorID,
            localAuthor: author,
            itemID: stored.itemID,
            visibility: stored.visibility,
            on: connection
        )
        let update = ASObject.activity(
            "Update",
            id: quote.quoting + "#updates/\(Int(updated.timeIntervalSince1970))",
            actor: stored.actorID,
            object: note.embedded,
            to: note.to,
            cc: note.cc,
            published: updated
        )
        var inboxes = try await tables.follows.inboxes(ofFollowersOf: stored.actorID, on: connection)
        if let quoted = try await RemoteActors.cachedInbox(of: quote.quotedAuthor, on: connection) { inboxes.append(quoted) }
        guard !inboxes.isEmpty else { return }
        try await tables.deliveries.enqueue(update.document(in: ScribeVocabulary.context), to: Array(Set(inboxes)), signer: author, on: connection)
    }
}
