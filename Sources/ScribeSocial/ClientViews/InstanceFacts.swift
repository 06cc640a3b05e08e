import Foundation
import PostgresNIO

extension SocialModule {
    /// What an instance page counts: local accounts, their public posts and items, and the
    /// servers this one knows.
    public func instanceCounts() async throws(SocialError) -> (users: Int, statuses: Int, domains: Int) {
        try await run(logger) {
            let row = try await pool.query(
                """
                SELECT (SELECT count(*)::int FROM social.local_actors WHERE deleted_at IS NULL),
                    (SELECT count(*)::int FROM social.notes WHERE local_author IS NOT NULL AND deleted_at IS NULL AND visibility = 'public')
                        + (SELECT count(*)::int FROM social.published_objects WHERE deleted_at IS NULL AND visibility = 'public'),
                    (SELECT count(DISTINCT host)::int FROM social.remote_actors)
                """,
                logger: logger
            ).collect().first
            return try row?.decode((Int, Int, Int).self) ?? (0, 0, 0)
        }
    }

    /// The servers this one has seen an account of, by name.
    public func knownHosts(limit: Int = 10_000) async throws(SocialError) -> [String] {
        try await run(logger) {
            try await pool.query("SELECT DISTINCT host FROM social.remote_actors ORDER BY host LIMIT \(limit)", logger: logger).collect()
                .map { try $0.decode(String.self) }
        }
    }

    /// Dismisses one of the user's notifications, or all of them when `id` is nil.
    public func dismissNotifications(_ id: Int64?, of userID: UUID) async throws(SocialError) {
        _ = try await run(logger) {
            if let id {
                try await pool.query("DELETE FROM social.notifications WHERE user_id = \(userID) AND seq = \(id)", logger: logger)
            } else {
                try await pool.query("DELETE FROM social.notifications WHERE user_id = \(userID)", logger: logger)
            }
        }
    }

    /// Who liked (`boosts` false) or boosted an object, newest first: actor ids.
    public func reactors(to objectID: String, boosts: Bool, limit: Int) async throws(SocialError) -> [String] {
        try await run(logger) {
            let rows =
                boosts
                ? try await pool.query(
                    "SELECT actor_id FROM social.announces WHERE object_id = \(objectID) ORDER BY created_at DESC LIMIT \(limit)",
                    logger: logger
                ).collect()
                : try await pool.query(
                    "SELECT actor_id FROM social.likes WHERE object_id = \(objectID) ORDER BY created_at DESC LIMIT \(limit)",
                    logger: logger
                ).collect()
            return try rows.map { try $0.decode(String.self) }
        }
    }

    /// Public posts and items with `tag`, newest first, published before `before`: object ids and dates.
    public func taggedStatusIDs(_ tag: String, before: Date?, limit: Int) async throws(SocialError) -> [(id: String, published: Date)] {
        let before = min(max(before ?? .distantFuture, .distantPast), .distantFuture)
        let name = tag.lowercased()
        return try await run(logger) {
            let rows = try await pool.query(
                """
                SELECT id, published_at FROM social.notes
                WHERE deleted_at IS NULL AND visibility = 'public' AND published_at < \(before)
                    AND EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(document->'tag') WHEN 'array' THEN document->'tag' ELSE '[]'::jsonb END) t
                        WHERE t->>'type' = 'Hashtag' AND lower(ltrim(t->>'name', '#')) = \(name))
                ORDER BY published_at DESC LIMIT \(min(max(limit, 1), 80))
                """,
                logger: logger
            ).collect()
            return try rows.map { try $0.decode((String, Date).self) }.map { (id: $0.0, published: $0.1) }
        }
    }
}

extension SocialModule {
    /// Public posts and published items, newest first, written before `before` and after `after`
    /// (with `oldestFirst`, the ones right after `after`; the page is newest first either way):
    /// object ids and dates. `local` keeps this server's only, `remote` other servers' only.
    public func publicStatusIDs(
        local: Bool,
        remote: Bool,
        before: Date?,
        after: Date?,
        oldestFirst: Bool,
        limit: Int
    ) async throws(SocialError) -> [(id: String, published: Date)] {
        let before = min(max(before ?? .distantFuture, .distantPast), .distantFuture)
        let after = min(max(after ?? .distantPast, .distantPast), .distantFuture)
        let prefix = urls.origin + "/"
        let order = oldestFirst ? "ASC" : "DESC"
        let rows = try await run(logger) {
            try await pool.query(
                """
                SELECT id, at FROM (
                    SELECT id, published_at AS at FROM social.notes
                    WHERE deleted_at IS NULL AND visibility = 'public' AND item_id IS NULL
                        AND (local_author IS NOT NULL OR NOT \(local)) AND (local_author IS NULL OR NOT \(remote))
                    UNION ALL
                    SELECT \(prefix) || kind || 's/' || item_id::text, published_at FROM social.published_objects
                    WHERE deleted_at IS NULL AND visibility = 'public' AND NOT \(remote)
                ) s WHERE at < \(before) AND at > \(after) ORDER BY at \(unescaped: order) LIMIT \(min(max(limit, 1), 80))
                """,
                logger: logger
            ).collect()
        }
        let found = try rows.map { row throws(SocialError) in try decode(row, as: (String, Date).self) }.map { (id: $0.0, published: $0.1) }
        return oldestFirst ? found.reversed() : found
    }
}
