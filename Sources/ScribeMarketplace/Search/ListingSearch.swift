import Foundation
import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// Search and browse over `marketplace.listings`, with keyset pagination: each page continues
/// strictly after the previous page's last (key, id), so listings added meanwhile never shift a
/// page, and no listing is skipped or shown twice.
public struct ListingSearch: Sendable {
    let pool: PostgresClient
    /// Where search and browse read: the streaming replicas when there are any, a second behind
    /// at most; one listing by id, and everything a user has just changed, are read from `pool`.
    let browsing: LagTolerantReads?
    let logger: Logger

    /// Search over the marketplace pool (`Database.pool(for: .marketplace)`); it only reads.
    public init(pool: PostgresClient, browsing: LagTolerantReads? = nil, logger: Logger) {
        self.pool = pool
        self.browsing = browsing
        self.logger = logger
    }

    /// Runs a read where search and browse read.
    private func browse<Rows: Sendable>(_ read: @escaping @Sendable (PostgresClient) async throws -> Rows) async throws -> Rows {
        guard let browsing else { return try await read(pool) }
        return try await browsing.read(read)
    }

    /// How text is matched. Words first: the full-text index answers, ranked by `ts_rank`. Only
    /// when the words find nothing does the search fall back to trigram word similarity on names
    /// (typos), ranked by that similarity; a page's cursor remembers which it was.
    enum TextMatch {
        case words, similarNames
    }

    /// The sort key of each sort and its SQL type, for reading a cursor back. `text` is the
    /// placeholder of the search text.
    static func sortKey(_ sort: ListingQuery.Sort, text: String, match: TextMatch) -> (expression: String, type: String) {
        switch (sort, match) {
        case (.relevance, .words): ("ts_rank(search, websearch_to_tsquery('simple', \(text)))::double precision", "double precision")
        case (.relevance, .similarNames): ("marketplace.word_similarity(\(text), name)::double precision", "double precision")
        case (.newest, _): ("published_at", "timestamptz")
        case (.updated, _): ("updated_at", "timestamptz")
        case (.downloads, _): ("download_count", "integer")
        case (.top, _): ("score", "numeric")
        case (.trending, _): ("trend", "double precision")
        }
    }

    public func search(_ query: ListingQuery) async throws(MarketplaceError) -> ListingPage {
        if query.text != nil, query.after == nil {
            let page = try await search(query, match: .words)
            if !page.listings.isEmpty { return page }
            return try await search(query, match: .similarNames)
        }
        return try await search(query, match: query.after?.similarNames == true ? .similarNames : .words)
    }

    private func search(_ query: ListingQuery, match: TextMatch) async throws(MarketplaceError) -> ListingPage {
        var binds = PostgresBindings()
        func bind(_ value: some PostgresNonThrowingEncodable & Sendable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        var conditions = ["content_rating = ANY(\(bind(query.ratings)))"]
        var textPlaceholder = "''"
        if let text = query.text {
            textPlaceholder = bind(text)
            switch match {
            case .words:
                conditions.append("(search @@ websearch_to_tsquery('simple', \(textPlaceholder)) OR lower(creator) = lower(\(textPlaceholder)))")
            case .similarNames:
                conditions.append("\(textPlaceholder) OPERATOR(marketplace.<%) name")
            }
        }
        if !query.tags.isEmpty { conditions.append("tags @> \(bind(query.tags))") }
        if !query.excludedTags.isEmpty { conditions.append("NOT (tags && \(bind(query.excludedTags)))") }
        if let kind = query.kind { conditions.append("kind = \(bind(kind.rawValue))") }
        if let language = query.language { conditions.append("language = \(bind(language))") }
        if let creator = query.creator { conditions.append("lower(creator) = \(bind(creator))") }
        let (key, type) = Self.sortKey(query.sort, text: textPlaceholder, match: match)
        if let after = query.after {
            conditions.append("(\(key), item_id) < (\(bind(after.key))::\(type), \(bind(after.id)))")
        }
        let sql = """
            SELECT \(Listing.columns), (\(key))::text AS sort_key FROM marketplace.listings
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY \(key) DESC, item_id DESC LIMIT \(query.limit + 1)
            """
        let statement = PostgresQuery(unsafeSQL: sql, binds: binds)
        let rows = try await run(logger) {
            try await browse { pool in
                guard match == .similarNames else { return try await pool.query(statement, logger: logger).collect() }
                // A typo still matches a word of the name: word similarity from 0.3 (pg_trgm's default is 0.6).
                return try await pool.withTransaction(logger: logger) { connection in
                    try await connection.query("SET LOCAL pg_trgm.word_similarity_threshold = 0.3", logger: logger)
                    return try await connection.query(statement, logger: logger).collect()
                }
            }
        }
        var listings: [Listing] = []
        var lastKey: String?
        for row in rows.prefix(query.limit) {
            do {
                listings.append(try Listing(row: row))
                lastKey = try row.makeRandomAccess()[Listing.columnCount].decode(String.self)
            } catch {
                throw MarketplaceError(.unavailable, "A listing could not be read.")
            }
        }
        let next =
            rows.count > query.limit
            ? lastKey.flatMap { key in listings.last.map { query.cursor(key: key, id: $0.id, similarNames: match == .similarNames) } } : nil
        return ListingPage(listings: listings, nextCursor: next)
    }

    /// Tags in use, most used first, with how many listings carry each (public, sfw unless asked).
    public func tags(ratings: [String], limit: Int = 100) async throws(MarketplaceError) -> [TagCount] {
        let rows = try await run(logger) {
            try await browse { pool in
                try await pool.query(
                    """
                    SELECT tag, count(*)::int FROM marketplace.listings, unnest(tags) AS tag WHERE content_rating = ANY(\(ratings))
                    GROUP BY tag ORDER BY count(*) DESC, tag LIMIT \(limit)
                    """,
                    logger: logger
                ).collect()
            }
        }
        do {
            return try rows.map { row in
                let (tag, count) = try row.decode((String, Int).self)
                return TagCount(tag: tag, count: count)
            }
        } catch {
            throw MarketplaceError(.unavailable, "A tag could not be read.")
        }
    }

    /// One listing by id (a hidden or missing one is `notFound`).
    public func listing(_ id: UUID) async throws(MarketplaceError) -> Listing {
        let rows = try await run(logger) {
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: "SELECT \(Listing.columns) FROM marketplace.listings WHERE item_id = $1",
                    binds: {
                        var binds = PostgresBindings()
                        binds.append(id)
                        return binds
                    }()
                ),
                logger: logger
            ).collect()
        }
        guard let row = rows.first, let listing = try? Listing(row: row) else { throw MarketplaceError(.notFound, "No such listing.") }
        return listing
    }

    /// A listing's versions, newest first.
    public func versions(of id: UUID) async throws(MarketplaceError) -> [ListingVersion] {
        let rows = try await run(logger) {
            try await pool.query(
                "SELECT version, changelog, created_at FROM marketplace.listing_versions WHERE item_id = \(id) ORDER BY version DESC LIMIT 100",
                logger: logger
            ).collect()
        }
        return rows.compactMap { row in
            guard let (version, changelog, created) = try? row.decode((Int, String, Date).self) else { return nil }
            return ListingVersion(version: version, changelog: changelog, createdAt: created)
        }
    }

    /// Who owns a listed item and what it is: what permission checks need.
    struct ListedItem: Sendable {
        var kind: CoreEvent.SubjectKind
        var ownerID: UUID
        var name: String
    }

    func listedItem(_ id: UUID) async throws(MarketplaceError) -> ListedItem {
        let rows = try await run(logger) {
            try await pool.query("SELECT kind, owner_id, name FROM marketplace.listings WHERE item_id = \(id)", logger: logger).collect()
        }
        guard let row = rows.first, let (kind, owner, name) = try? row.decode((String, UUID, String).self),
            let subject = CoreEvent.SubjectKind(rawValue: kind)
        else { throw MarketplaceError(.notFound, "No such listing.") }
        return ListedItem(kind: subject, ownerID: owner, name: name)
    }

    /// Listings sharing the most tags with `id`, best first.
    public func related(to id: UUID, limit: Int = 8) async throws(MarketplaceError) -> [Listing] {
        let rows = try await run(logger) {
            try await browse { pool in
                try await pool.query(
                    PostgresQuery(
                        unsafeSQL: """
                            WITH reference AS (SELECT tags AS reference_tags, content_rating AS reference_rating FROM marketplace.listings WHERE item_id = $1)
                            SELECT \(Listing.columns) FROM marketplace.listings, reference
                            WHERE item_id <> $1 AND tags && reference_tags AND content_rating = reference_rating
                            ORDER BY cardinality(ARRAY(SELECT unnest(tags) INTERSECT SELECT unnest(reference_tags))) DESC, score DESC, item_id LIMIT $2
                            """,
                        binds: {
                            var binds = PostgresBindings()
                            binds.append(id)
                            binds.append(limit)
                            return binds
                        }()
                    ),
                    logger: logger
                ).collect()
            }
        }
        return rows.compactMap { try? Listing(row: $0) }
    }
}
