import Crypto
import Foundation
import Logging
import PostgresNIO
import ScribeContracts

/// What people do with listings: download, favourite, rate and review. Each action and the
/// listing's counters change in one transaction.
///
/// Guarantees: a download counts once per downloader per day (a user, or a hash of an anonymous
/// client's address, never the address itself); one rating and one review per user per item,
/// changeable; a creator cannot rate their own item; only what the viewer may see (Core decides)
/// can be downloaded.
public struct Engagement: Sendable {
    let core: any CoreAPI
    let search: ListingSearch
    let purchases: Purchases
    let pool: PostgresClient
    let logger: Logger

    // MARK: Downloads

    public struct Download: Sendable {
        public var filename: String
        public var contentType: String
        public var data: Data
    }

    /// The item as a file in `format` (JSON by default: the V3 card, or the lorebook), counted
    /// once per downloader per day. An item on sale downloads only for its owner and buyers.
    public func download(_ id: UUID, format: SharedFile.Format = .json, by actor: MarketplaceCaller) async throws(MarketplaceError) -> Download {
        let listing = try await search.listing(id)
        guard let kind = CoreEvent.SubjectKind(rawValue: listing.kind) else { throw MarketplaceError(.notFound, "No such listing.") }
        let file: SharedFile
        do { file = try await core.sharedFile(of: kind, id: id, format: format, for: try await purchases.viewer(actor, of: id)) } catch {
            throw MarketplaceError.fromCore(error)
        }
        let downloader = actor.downloader
        _ = try await run(logger) {
            try await pool.withTransaction(logger: logger) { connection in
                let counted = try await connection.query(
                    """
                    INSERT INTO marketplace.downloads (item_id, downloader, day) VALUES (\(id), \(downloader), current_date)
                    ON CONFLICT DO NOTHING RETURNING 1
                    """,
                    logger: logger
                ).collect()
                guard !counted.isEmpty else { return }
                try await connection.query(
                    """
                    UPDATE marketplace.listings SET download_count = download_count + 1,
                        trend = marketplace.log_add(trend, marketplace.trend_point(now())) WHERE item_id = \(id)
                    """,
                    logger: logger
                )
            }
        }
        return Download(filename: file.fileName, contentType: file.contentType, data: file.bytes)
    }

    // MARK: Ratings and reviews

    /// Rates an item 1 to 5; rating again replaces the rating.
    public func rate(_ id: UUID, stars: Int, by actor: MarketplaceCaller) async throws(MarketplaceError) {
        let userID = try actor.signedInUserID()
        guard (1...5).contains(stars) else { throw MarketplaceError(.invalidInput, "A rating is 1 to 5 stars.") }
        let owner = try await ownerOfListing(id)
        guard owner != userID else { throw MarketplaceError(.forbidden, "Creators cannot rate their own items.") }
        try await change(id) { connection in
            try await connection.query(
                """
                INSERT INTO marketplace.ratings (user_id, item_id, stars) VALUES (\(userID), \(id), \(stars))
                ON CONFLICT (user_id, item_id) DO UPDATE SET stars = EXCLUDED.stars, updated_at = now()
                """,
                logger: logger
            )
        }
    }

    public func unrate(_ id: UUID, by actor: MarketplaceCaller) async throws(MarketplaceError) {
        let userID = try actor.signedInUserID()
        try await change(id) { connection in
            try await connection.query("DELETE FROM marketplace.ratings WHERE user_id = \(userID) AND item_id = \(id)", logger: logger)
        }
    }

    /// Writes (or rewrites) the user's review of an item.
    public func review(_ id: UUID, body: String, by actor: MarketplaceCaller) async throws(MarketplaceError) -> ListingReview {
        let userID = try actor.signedInUserID()
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...5000).contains(text.count) else { throw MarketplaceError(.invalidInput, "A review has 1 to 5000 characters.") }
        guard try await ownerOfListing(id) != userID else { throw MarketplaceError(.forbidden, "Creators cannot review their own items.") }
        let rows = try await run(logger) {
            try await pool.query(
                """
                INSERT INTO marketplace.reviews (id, item_id, user_id, username, body) VALUES (\(UUID()), \(id), \(userID), \(actor.username ?? ""), \(text))
                ON CONFLICT (item_id, user_id) DO UPDATE SET body = EXCLUDED.body, updated_at = now(), removed_at = NULL
                RETURNING id, username, body, created_at, updated_at
                """,
                logger: logger
            ).collect()
        }
        guard let row = rows.first, let review = try? Self.review(row) else { throw MarketplaceError(.unavailable, "The review was not saved.") }
        return review
    }

    /// Deletes a review: the author's own, or any, by a moderator.
    public func deleteReview(_ reviewID: UUID, by actor: MarketplaceCaller) async throws(MarketplaceError) {
        let userID = try actor.signedInUserID()
        let rows = try await run(logger) {
            try await pool.query(
                """
                UPDATE marketplace.reviews SET removed_at = now() WHERE id = \(reviewID) AND removed_at IS NULL AND (user_id = \(userID) OR \(actor.isModerator))
                RETURNING 1
                """,
                logger: logger
            ).collect()
        }
        guard !rows.isEmpty else { throw MarketplaceError(.notFound, "No such review of yours.") }
    }

    /// An item's reviews, newest first.
    public func reviews(of id: UUID, limit: Int = 50) async throws(MarketplaceError) -> [ListingReview] {
        _ = try await ownerOfListing(id)
        let rows = try await run(logger) {
            try await pool.query(
                """
                SELECT id, username, body, created_at, updated_at FROM marketplace.reviews WHERE item_id = \(id) AND removed_at IS NULL
                ORDER BY created_at DESC, id LIMIT \(limit)
                """,
                logger: logger
            ).collect()
        }
        return rows.compactMap { try? Self.review($0) }
    }

    static func review(_ row: PostgresRow) throws -> ListingReview {
        let (id, author, body, created, updated) = try row.decode((UUID, String, String, Date, Date).self)
        return ListingReview(id: id, author: author, body: body, createdAt: created, updatedAt: updated)
    }

    // MARK: Content ratings

    /// Sets a listing's content rating by hand: its creator may, unless a moderator already has;
    /// a moderator always may. Core keeps the rating with the item (``ContentRating``), so it
    /// holds across updates and rebuilds and other servers fold the item too.
    public func setContentRating(_ id: UUID, to rating: String, by actor: MarketplaceCaller) async throws(MarketplaceError) {
        let userID = try actor.signedInUserID()
        guard let rating = ContentRating(rawValue: rating) else { throw MarketplaceError(.invalidInput, "content_rating is sfw or nsfw.") }
        let item = try await search.listedItem(id)
        guard actor.isModerator || item.ownerID == userID else {
            throw MarketplaceError(.forbidden, "Only the creator or a moderator sets the rating.")
        }
        let accepted: Bool
        do {
            accepted = try await core.setContentRating(of: item.kind, id: id, rating, byModerator: actor.isModerator)
        } catch {
            throw MarketplaceError.fromCore(error)
        }
        guard accepted else { throw MarketplaceError(.forbidden, "A moderator has set this rating.") }
        // Core's event relists the item with it; the listing shows it at once meanwhile.
        try await run(logger) {
            try await pool.query("UPDATE marketplace.listings SET content_rating = \(rating.rawValue) WHERE item_id = \(id)", logger: logger)
        }
    }

    // MARK: Favourites

    public func favourite(_ id: UUID, by actor: MarketplaceCaller) async throws(MarketplaceError) {
        let userID = try actor.signedInUserID()
        try await change(id) { connection in
            try await connection.query(
                """
                INSERT INTO marketplace.favourites (user_id, item_id, seen_version)
                SELECT \(userID), item_id, version FROM marketplace.listings WHERE item_id = \(id) ON CONFLICT DO NOTHING
                """,
                logger: logger
            )
        }
    }

    public func unfavourite(_ id: UUID, by actor: MarketplaceCaller) async throws(MarketplaceError) {
        let userID = try actor.signedInUserID()
        try await change(id) { connection in
            try await connection.query("DELETE FROM marketplace.favourites WHERE user_id = \(userID) AND item_id = \(id)", logger: logger)
        }
    }

    /// The user's favourites that are still listed, changed ones first, then newest updates.
    public func favourites(of actor: MarketplaceCaller) async throws(MarketplaceError) -> [FavouriteListing] {
        let userID = try actor.signedInUserID()
        let rows = try await run(logger) {
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT \(Listing.columns(prefix: "l.")), l.version > f.seen_version FROM marketplace.favourites f
                        JOIN marketplace.listings l ON l.item_id = f.item_id WHERE f.user_id = $1
                        ORDER BY l.version > f.seen_version DESC, l.updated_at DESC LIMIT 200
                        """,
                    binds: {
                        var binds = PostgresBindings()
                        binds.append(userID)
                        return binds
                    }()
                ),
                logger: logger
            ).collect()
        }
        return rows.compactMap { row in
            guard let listing = try? Listing(row: row), let changed = try? row.makeRandomAccess()[Listing.columnCount].decode(Bool.self) else {
                return nil
            }
            return FavouriteListing(listing: listing, changed: changed)
        }
    }

    /// Records that the user has looked at the item's current version, if it is one of their
    /// favourites; answers whether it is.
    func markSeen(_ id: UUID, by userID: UUID) async throws(MarketplaceError) -> Bool {
        try await run(logger) {
            try await pool.query(
                """
                UPDATE marketplace.favourites f SET seen_version = l.version FROM marketplace.listings l
                WHERE f.user_id = \(userID) AND f.item_id = \(id) AND l.item_id = f.item_id RETURNING true
                """,
                logger: logger
            ).collect().count > 0
        }
    }

    // MARK: Forks and what creators are told

    /// Records that the user forked the item, so that its creator is told. The copy is already
    /// in the user's library (Core's); failing to record it loses only the notice.
    func recordFork(_ id: UUID, by userID: UUID) async {
        do {
            _ = try await run(logger) {
                try await pool.query("INSERT INTO marketplace.forks (item_id, user_id) VALUES (\(id), \(userID))", logger: logger)
            }
        } catch {
            logger.warning("recording a fork failed", metadata: ["item": "\(id)", "reason": "\(error.message)"])
        }
    }

    /// What others did with the caller's listed items, newest first, before `before`: ratings,
    /// reviews (not removed ones), favourites and forks; never the caller's own.
    public func activity(for actor: MarketplaceCaller, before: Int64?, limit: Int = 20) async throws(MarketplaceError) -> [CreatorActivity] {
        let userID = try actor.signedInUserID()
        let count = max(1, min(limit, 100))
        let rows = try await run(logger) {
            try await pool.query(
                """
                SELECT a.kind, l.item_id, l.kind, l.name, l.has_avatar, l.updated_at, a.user_id, a.stars, a.body, a.at, a.cursor FROM (
                    SELECT 'rating' AS kind, item_id, user_id, stars, NULL::text AS body, updated_at AS at FROM marketplace.ratings
                    UNION ALL SELECT 'review', item_id, user_id, NULL, body, created_at FROM marketplace.reviews WHERE removed_at IS NULL
                    UNION ALL SELECT 'favourite', item_id, user_id, NULL, NULL, created_at FROM marketplace.favourites
                    UNION ALL SELECT 'fork', item_id, user_id, NULL, NULL, forked_at FROM marketplace.forks
                ) a0 CROSS JOIN LATERAL (SELECT a0.*, (extract(epoch FROM a0.at) * 1000000)::bigint AS cursor) a
                JOIN marketplace.listings l ON l.item_id = a.item_id
                WHERE l.owner_id = \(userID) AND a.user_id <> \(userID) AND (\(before)::bigint IS NULL OR a.cursor < \(before))
                ORDER BY a.cursor DESC LIMIT \(count)
                """,
                logger: logger
            ).collect()
        }
        let found: [(CreatorActivity, UUID)] = rows.compactMap { row in
            guard
                let (kind, itemID, itemKind, name, hasArt, updated, user, stars, body, at, cursor) = try? row.decode(
                    (String, UUID, String, String, Bool, Date, UUID, Int?, String?, Date, Int64).self
                ),
                let known = CreatorActivity.Kind(rawValue: kind)
            else { return nil }
            let excerpt = body.map { $0.count > 200 ? String($0.prefix(199)) + "…" : $0 }
            return (
                CreatorActivity(
                    kind: known,
                    itemID: itemID,
                    itemKind: itemKind,
                    itemName: name,
                    itemHasArt: hasArt,
                    itemUpdatedAt: updated,
                    username: nil,
                    stars: stars,
                    excerpt: excerpt,
                    createdAt: at,
                    cursor: cursor
                ),
                user
            )
        }
        // Names from Core, once each, with no connection held.
        var names: [UUID: String?] = [:]
        var activity: [CreatorActivity] = []
        for (var entry, user) in found {
            if names[user] == nil { names[user] = .some(try? await core.profile(id: user).username) }
            entry.username = names[user] ?? nil
            activity.append(entry)
        }
        return activity
    }

    // MARK: Pieces

    private func ownerOfListing(_ id: UUID) async throws(MarketplaceError) -> UUID {
        try await search.listedItem(id).ownerID
    }

    /// Runs a change to one listing's ratings or favourites and recounts its counters with it.
    private func change(_ id: UUID, _ body: @escaping @Sendable (PostgresConnection) async throws -> Void) async throws(MarketplaceError) {
        _ = try await ownerOfListing(id)
        try await run(logger) {
            try await pool.withTransaction(logger: logger) { connection in
                try await body(connection)
                try await connection.query("SELECT marketplace.recount(\(id))", logger: logger)
            }
        }
    }
}
