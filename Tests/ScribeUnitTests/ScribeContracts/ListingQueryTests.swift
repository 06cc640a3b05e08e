import Foundation
import ScribeContracts
import Testing

@Suite("Marketplace search queries on the wire")
struct ListingQueryTests {
    /// What the pages' marketplace client sends must be read back by the marketplace as the
    /// same query, or a page over HTTP would show other results than in one process.
    @Test("a query's parameters parse back to the same query, cursor included")
    func parametersRoundTrip() throws {
        let queries: [[(String, String)]] = [
            [],
            [("q", "river + sea & sky"), ("tag", "fantasy,sea"), ("exclude_tag", "gore"), ("kind", "character"), ("rating", "all")],
            [("creator", "alice"), ("rating", "nsfw"), ("language", "pt-br"), ("sort", "top"), ("limit", "50")],
            [("kind", "lorebook"), ("sort", "trending"), ("limit", "1")],
        ]
        for parameters in queries {
            var query = try ListingQuery.parse(parameters)
            #expect(try ListingQuery.parse(query.parameters) == query, "\(parameters)")
            // A next page: the cursor the marketplace hands out for this query.
            let next = try ListingQuery.parse(parameters + [("cursor", query.cursor(key: "2026-12-06 10:00:00+00", id: UUID()))])
            query = next
            #expect(try ListingQuery.parse(query.parameters) == query, "\(parameters) with a cursor")
        }
    }

    @Test("a cursor of another query is refused")
    func foreignCursor() throws {
        let first = try ListingQuery.parse([("q", "river")])
        let cursor = first.cursor(key: "1", id: UUID())
        #expect(throws: MarketplaceError.self) { try ListingQuery.parse([("q", "sea"), ("cursor", cursor)]) }
    }
}
