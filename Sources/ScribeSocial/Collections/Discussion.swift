import Foundation
import Logging
import PostgresNIO
import ScribeContracts

/// What an item's web page shows of its life in the fediverse: how many liked and boosted it,
/// and its public comments with their authors' handles, local or remote.
public struct Discussion: Sendable {
    public var likes: Int
    public var boosts: Int
    /// Whether the viewer liked or boosted it (so the page offers to undo it).
    public var viewerLiked = false
    public var viewerBoosted = false
    public var comments: [Comment]

    public struct Comment: Sendable {
        public var id: String
        public var author: String
        /// The author's profile: their actor id, or the URL their server gave.
        public var authorURL: String
        /// HTML: written here (escaped) or sanitised when it arrived.
        public var content: String
        public var publishedAt: Date
        /// Whether the viewer wrote it (and may delete it).
        public var isViewers: Bool
    }
}

extension SocialModule {
    /// The likes, boosts and public comments of one of our items (the item's visibility is
    /// checked by the caller, which asked Core for it).
    public func discussion(of kind: CoreEvent.SubjectKind, _ itemID: UUID, viewer: UUID?, limit: Int = 100) async throws(SocialError) -> Discussion {
        let objectID = urls.item(kind.rawValue, itemID)
        let viewerActor = try await viewer.asyncMap { userID throws(SocialError) in urls.actor(try await actors.profile(id: userID).username) }
        let reactions = Reactions(logger: logger)
        let (likes, boosts, liked, boosted, rows) = try await run(logger) {
            (
                try await reactions.count(.like, of: objectID, on: pool), try await reactions.count(.boost, of: objectID, on: pool),
                try await viewerActor.asyncMap { try await reactions.exists(.like, by: $0, of: objectID, on: pool) } ?? false,
                try await viewerActor.asyncMap { try await reactions.exists(.boost, by: $0, of: objectID, on: pool) } ?? false,
                try await pool.query(
                    """
                    SELECT id, actor_id, content, published_at FROM social.notes
                    WHERE in_reply_to = \(objectID) AND deleted_at IS NULL AND visibility IN ('public', 'unlisted')
                    ORDER BY published_at, id LIMIT \(limit)
                    """,
                    logger: logger
                ).collect()
            )
        }
        var comments: [Discussion.Comment] = []
        for row in rows {
            guard let (id, actor, content, published) = try? row.decode((String, String, String, Date).self) else { continue }
            let handle = (try? await actions.handle(of: actor)) ?? actor
            comments.append(
                Discussion.Comment(
                    id: id,
                    author: handle,
                    authorURL: actor,
                    content: content,
                    publishedAt: published,
                    isViewers: actor == viewerActor
                )
            )
        }
        return Discussion(likes: likes, boosts: boosts, viewerLiked: liked, viewerBoosted: boosted, comments: comments)
    }

    /// Whether `userID` is an approved follower of the item's owner (what lets them see a
    /// followers-only item).
    public func followsOwner(_ userID: UUID?, of kind: CoreEvent.SubjectKind, _ itemID: UUID) async throws(SocialError) -> Bool {
        guard let userID else { return false }
        return try await actions.follows(try await actors.profile(id: userID), ownerOf: kind, itemID)
    }

    /// Who is looking at a shared item, with what Social knows of them: whether they follow its
    /// owner. Every shared view the server answers (JSON and pages) asks here.
    public func viewer(_ userID: UUID?, of kind: CoreEvent.SubjectKind, _ itemID: UUID) async throws(SocialError) -> Viewer {
        Viewer(accountID: userID, followsOwner: try await followsOwner(userID, of: kind, itemID))
    }

    /// How many follow a local user, and how many they follow (accepted follows only).
    public func followCounts(of username: String) async throws(SocialError) -> (followers: Int, following: Int) {
        let actor = urls.actor(username)
        return try await run(logger) {
            let row = try await pool.query(
                """
                SELECT (SELECT count(*)::int FROM social.follows WHERE followed = \(actor) AND state = 'accepted'),
                    (SELECT count(*)::int FROM social.follows WHERE follower = \(actor) AND state = 'accepted')
                """,
                logger: logger
            ).collect().first
            let (followers, following) = try row?.decode((Int, Int).self) ?? (0, 0)
            return (followers, following)
        }
    }

    /// Whether `follower` (a local user) follows `username`, and whether the follow is accepted.
    public func followState(of follower: UUID, toward username: String) async throws(SocialError) -> String? {
        let me = urls.actor(try await actors.profile(id: follower).username)
        return try await run(logger) {
            try await pool.query(
                "SELECT state FROM social.follows WHERE follower = \(me) AND followed = \(urls.actor(username))",
                logger: logger
            ).collect().first?.decode(String.self)
        }
    }
}

extension Optional {
    func asyncMap<T, E: Error>(_ transform: (Wrapped) async throws(E) -> T) async throws(E) -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
