import Foundation
import Hummingbird
import ScribeContracts
import ScribeHTTP

/// The marketplace home: search, filters, sorts and cursor pages over the listings, the same
/// query parameters as `GET /api/v1/marketplace/listings`; and `/tags/{tag}`, where hashtags
/// in the fediverse link to.
public struct MarketplacePages<Context: SessionContext>: Sendable {
    let pages: Pages
    let marketplace: any MarketplaceAPI

    public init(pages: Pages, marketplace: any MarketplaceAPI) {
        self.pages = pages
        self.marketplace = marketplace
    }

    struct Home {
        var q: String
        var tag: String
        var excludeTag: String
        var language: String
        var creator: String
        var kinds: [Choice]
        var ratings: [Choice]
        var sorts: [Choice]
        var results: [ListingCard]
        var nextPage: String?
        var message: String?
        var searched: Bool
        /// Whether a filter beyond the words is set, so the filters show unfolded.
        var filtering: Bool
        var popularTags: [TagCount]
    }

    public func add(to router: Router<Context>) {
        router.get("/") { request, context in try await home(request, context: context) }
        router.get("tags/:tag", use: tag)
    }

    @Sendable func tag(_ request: Request, context: Context) async throws -> Response {
        let tag = context.parameters.get("tag") ?? ""
        return Pages.redirect("/?tag=\(tag.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
    }

    /// Cards on a page of the marketplace unless the link asks for another number.
    static var pageSize: Int { 30 }

    func home(_ request: Request, context: Context) async throws -> Response {
        let given = request.uri.queryParameters.map { (String($0.key), String($0.value)) }.filter { !$0.1.isEmpty }
        let value = { (name: String) in given.first { $0.0 == name }?.1 ?? "" }
        var parameters = given
        // "Best match" needs words; without them the page shows the newest.
        if value("q").isEmpty { parameters.removeAll { $0 == ("sort", "relevance") } }
        // A grid of thirty, as the hubs show a screenful.
        if value("limit").isEmpty { parameters.append(("limit", "\(Self.pageSize)")) }
        var results: [ListingCard] = []
        var nextPage: String?
        var message: String?
        var status: HTTPResponse.Status = .ok
        do {
            let page = try await marketplace.listings(matching: try ListingQuery.parse(parameters))
            results = page.listings.map(ListingCard.init)
            if let cursor = page.nextCursor {
                var components = URLComponents()
                components.queryItems =
                    parameters.filter { $0.0 != "cursor" }.map { URLQueryItem(name: $0.0, value: $0.1) } + [
                        URLQueryItem(name: "cursor", value: cursor)
                    ]
                nextPage = "/" + (components.string ?? "")
            }
        } catch {
            message = error.message
            status = .badRequest
        }
        let sort = value("sort").isEmpty ? (value("q").isEmpty ? "newest" : "relevance") : value("sort")
        let home = Home(
            q: value("q"),
            tag: value("tag"),
            excludeTag: value("exclude_tag"),
            language: value("language"),
            creator: value("creator"),
            kinds: Choice.options(
                [("", "Characters and lorebooks"), ("character", "Characters"), ("lorebook", "Lorebooks")],
                selected: value("kind")
            ),
            ratings: Choice.options(
                [("sfw", "Safe for work"), ("nsfw", "Adult only"), ("all", "Both")],
                selected: value("rating").isEmpty ? "sfw" : value("rating")
            ),
            sorts: Choice.options(
                [
                    ("relevance", "Best match"), ("newest", "Newest"), ("updated", "Recently updated"), ("downloads", "Most downloaded"),
                    ("top", "Top rated"),
                    ("trending", "Trending"),
                ],
                selected: sort
            ),
            results: results,
            nextPage: nextPage,
            message: message,
            searched: !given.isEmpty,
            filtering: given.contains { !["q", "cursor", "limit"].contains($0.0) },
            popularTags: (try? await marketplace.popularTags(ratings: ["sfw"], limit: 12)) ?? []
        )
        return pages.render(
            "home",
            title: "Marketplace",
            page: home,
            request: request,
            context: context,
            meta: .init(
                description: pages.siteDescription.isEmpty ? "Find characters and lorebooks shared on \(pages.siteName)." : pages.siteDescription,
                url: pages.publicURL.absoluteString,
                type: "website"
            ),
            status: status
        )
    }
}
