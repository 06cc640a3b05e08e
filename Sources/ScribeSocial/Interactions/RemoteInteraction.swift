import ActivityPubKit
import Foundation
import ScribeContracts

/// What a user who arrives from another server's page wants to act on: an account to follow or
/// a post to like, boost or reply to. Mastodon sends its users here through the `subscribe`
/// template our WebFinger advertises (`/authorize_interaction?uri={uri}`), with `uri` the
/// object's or account's URL, or `acct:user@host`.
///
/// Guarantees: a remote object is fetched from its own id through the guarded client and its
/// author must live on the same server; its HTML is sanitised. An object of ours is never
/// fetched: its page is named instead.
public struct RemoteInteraction: Sendable {
    let remote: RemoteActors
    let following: Following
    let urls: ActorURLs

    /// One thing to act on.
    public struct Target: Sendable, Equatable {
        public enum Kind: String, Sendable { case account, post }
        public var kind: Kind
        /// The actor's or object's id: what following, liking and boosting name.
        public var id: String
        /// For something of ours, the page that shows it (the user acts there).
        public var localPage: String?
        /// The account, or the post's author: a handle (`@bob@mastodon.example`) and a name.
        public var handle: String
        public var name: String
        /// The post's sanitised HTML and its content warning, if any.
        public var content: String?
        public var contentWarning: String?
        /// Where people read it: the post's or profile's web page on its own server.
        public var url: String
        public var published: Date?
        /// Whether it may be boosted (only public posts may).
        public var isPublic: Bool
        /// For a character another Scribe server published: its card as Character Card V3, as
        /// the post carries it (Scribe's `characterCard` term), so it can be forked.
        public var characterCard: JSONValue? = nil
        /// For a remote account: its profile as its server describes it, with its counts.
        public var profile: RemoteProfile? = nil
    }

    /// The target `uri` names (`https://…`, `acct:user@host` or `user@host`).
    ///
    /// - Throws: `notFound` when nothing there is an account or a post we may show;
    ///   `invalidInput` for what is neither a URL nor an account; `remoteFailed` when its server
    ///   cannot be reached.
    public func target(_ uri: String) async throws(SocialError) -> Target {
        var text = uri.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.lowercased().hasPrefix("acct:") { text = String(text.dropFirst(5)) }
        guard !text.isEmpty else { throw SocialError(.invalidInput, "Name a post or an account.") }
        let isURL = text.hasPrefix("https://") || text.hasPrefix("http://")
        let id = isURL ? text : try await following.resolve(text)
        if urls.isLocal(id) { return try localTarget(id) }
        let document = try await remote.object(id)
        // Only what its own server says about itself: the document's id on the host we asked.
        guard let objectID = document.id, InboxProcessor.sameOrigin(objectID, id) else {
            throw SocialError(.notFound, "That is not a post or an account.")
        }
        if document.isActor {
            let actor = try await remote.store(document)
            var profile = RemoteProfile(document, fallbackName: actor.preferredUsername ?? actor.id)
            async let posts = count(document.outbox, of: actor.id)
            async let followers = count(document.followers, of: actor.id)
            async let following = count(document.following, of: actor.id)
            (profile.posts, profile.followers, profile.following) = await (posts, followers, following)
            return Target(
                kind: .account,
                id: actor.id,
                handle: Self.handle(actor.preferredUsername, host: actor.host),
                name: profile.name,
                url: NoteDisplay.webURL(document.url) ?? actor.id,
                published: profile.published,
                isPublic: true,
                profile: profile
            )
        }
        guard let author = document.attributedTo?.id, InboxProcessor.sameOrigin(author, objectID) else {
            throw SocialError(.notFound, "That is not a post or an account.")
        }
        let authorActor = try await remote.actor(author)
        return Target(
            kind: .post,
            id: objectID,
            handle: Self.handle(authorActor.preferredUsername, host: authorActor.host),
            name: authorActor.preferredUsername ?? authorActor.id,
            content: document.content.map(HTMLSanitizer.sanitize),
            contentWarning: document.summary.flatMap { $0.isEmpty ? nil : $0 },
            url: NoteDisplay.webURL(document.url) ?? objectID,
            published: document.published,
            isPublic: document.isPublic,
            characterCard: Self.characterCard(of: document)
        )
    }

    /// The `totalItems` a collection of the actor's own server states, or nil when it is hidden,
    /// elsewhere or does not answer (as Mastodon then shows no count).
    private func count(_ collection: String?, of actor: String) async -> Int? {
        guard let collection, InboxProcessor.sameOrigin(collection, actor), let document = try? await remote.object(collection) else { return nil }
        return document.totalItems
    }

    private func localTarget(_ id: String) throws(SocialError) -> Target {
        if let username = urls.username(ofActor: id) {
            return Target(kind: .account, id: id, localPage: urls.profile(username), handle: "@\(username)", name: username, url: id, isPublic: true)
        }
        if urls.localObject(id) != nil {
            // An item's or a comment's id is also its page.
            return Target(kind: .post, id: id, localPage: id, handle: "", name: "", url: id, isPublic: true)
        }
        throw SocialError(.notFound, "Nothing here has that address.")
    }

    /// The Character Card V3 a Scribe post carries, when it carries one that names a character.
    static func characterCard(of note: ASObject) -> JSONValue? {
        guard let value = note["characterCard"], let data = try? JSONEncoder().encode(value), let card = JSONValue.parse(data),
            card.objectValue?["data"]?.objectValue?["name"]?.stringValue?.isEmpty == false
        else { return nil }
        return card
    }

    static func handle(_ username: String?, host: String) -> String {
        username.map { "@\($0)@\(host)" } ?? host
    }
}
