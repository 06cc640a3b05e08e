import Foundation
import HTTPTypes
import Hummingbird
import ScribeContracts
import ScribeCore
import ScribeMarketplace

/// `/api/v1/marketplace`: search and browse listings, tags, and a listing's detail.
struct MarketplaceRoutes {
    let marketplace: MarketplaceModule

    struct TagsResponse: ResponseEncodable { var tags: [ListingSearch.TagCount] }

    func add(to router: Router<ScribeRequestContext>) {
        let api = router.group("api/v1/marketplace")
        api.get("listings") { request, _ in
            let parameters = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
            return try await marketplace.search.search(try ListingQuery.parse(parameters))
        }
        api.get("listings/:id") { _, context in
            let id = try context.uuidParameter(notFound: "No such listing.")
            return try await marketplace.detail(id, for: Viewer(accountID: context.session?.account.id))
        }
        api.get("tags") { request, _ in
            let rating = request.uri.queryParameters.get("rating") ?? "sfw"
            let ratings: [String] = switch rating {
            case "sfw": ["sfw"]
            case "nsfw": ["nsfw"]
            case "all": ["sfw", "nsfw"]
            default: throw MarketplaceError(.invalidInput, "rating is sfw, nsfw or all.")
            }
            return TagsResponse(tags: try await marketplace.search.tags(ratings: ratings))
        }
    }
}

extension ListingSearch.Page: ResponseEncodable {}
extension MarketplaceModule.Detail: ResponseEncodable {}
