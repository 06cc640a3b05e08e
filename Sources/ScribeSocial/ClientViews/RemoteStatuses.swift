import ActivityPubKit
import Foundation
import PostgresNIO

extension SocialModule {
    /// The id of the post at `url`, fetched from its server and kept if this server has not got
    /// it: what a search that may resolve finds. Only a public or unlisted post whose own
    /// server vouches for it (its id and author on the host asked) is kept; anything else, and a
    /// local or malformed address, is nil. A post already here, deleted ones too, is never
    /// fetched or changed.
    public func rememberRemoteStatus(_ url: String) async throws(SocialError) -> String? {
        guard let host = URL(string: url)?.host(), !host.isEmpty, !urls.isLocal(url) else { return nil }
        let known = try await run(logger) {
            try await pool.query("SELECT id, deleted_at IS NULL FROM social.notes WHERE id = \(url)", logger: logger).collect().first?
                .decode((String, Bool).self)
        }
        if let known { return known.1 ? known.0 : nil }
        let document = try await remote.object(url)
        guard let id = document.id, InboxProcessor.sameOrigin(id, url), !document.isActor,
            !Set(["Note", "Article", "Page", "Question"]).isDisjoint(with: document.types),
            let author = document.attributedTo?.id, InboxProcessor.sameOrigin(author, id)
        else { return nil }
        let actor = try await remote.actor(author)
        let visibility = Notes.visibility(of: document, authorFollowers: actor.followers)
        guard visibility == "public" || visibility == "unlisted" else { return nil }
        let notes = Notes(logger: logger)
        try await transaction(on: pool, logger: logger) { connection in
            guard try await connection.query("SELECT 1 FROM social.notes WHERE id = \(id)", logger: logger).collect().isEmpty else { return }
            try await notes.store(document, actorID: actor.id, localAuthor: nil, itemID: nil, visibility: visibility, on: connection)
        }
        return id
    }
}
