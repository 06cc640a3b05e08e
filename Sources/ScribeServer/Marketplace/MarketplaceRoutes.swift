import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ScribeContracts
import ScribeCore
import ScribeMarketplace

/// `/api/v1/marketplace`: search and browse listings, tags, and a listing's detail.
struct MarketplaceRoutes {
    let marketplace: MarketplaceModule
    let publicURL: URL

    struct TagsResponse: ResponseEncodable { var tags: [ListingSearch.TagCount] }
    struct RatingRequest: Decodable { var stars: Int }
    struct ContentRatingRequest: Decodable {
        var contentRating: String
        enum CodingKeys: String, CodingKey { case contentRating = "content_rating" }
    }
    struct ReviewRequest: Decodable { var body: String }
    struct ReviewResponse: ResponseEncodable { var review: Engagement.Review }
    struct ReviewsResponse: ResponseEncodable { var reviews: [Engagement.Review] }
    struct FavouritesResponse: ResponseEncodable { var favourites: [Engagement.Favourite] }

    /// Who is acting: the session's user (a moderator or not), or the anonymous client's address.
    static func actor(_ context: ScribeRequestContext) -> Engagement.Actor {
        Engagement.Actor(
            userID: context.session?.account.id, username: context.session?.account.username, clientAddress: context.clientAddress,
            isModerator: [.moderator, .administrator].contains(context.session?.account.role))
    }

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
        api.get("listings/:id/download") { _, context -> Response in
            let download = try await marketplace.engagement.download(try context.uuidParameter(notFound: "No such listing."), by: Self.actor(context))
            return Response(
                status: .ok,
                headers: [.contentType: download.contentType, .contentDisposition: "attachment; filename=\"\(download.filename)\""],
                body: .init(byteBuffer: ByteBuffer(bytes: download.data)))
        }
        api.put("listings/:id/rating") { request, context -> HTTPResponse.Status in
            let stars = try await request.decodeJSON(as: RatingRequest.self, context: context).stars
            try await marketplace.engagement.rate(try context.uuidParameter(notFound: "No such listing."), stars: stars, by: Self.actor(context))
            return .noContent
        }
        api.delete("listings/:id/rating") { _, context -> HTTPResponse.Status in
            try await marketplace.engagement.unrate(try context.uuidParameter(notFound: "No such listing."), by: Self.actor(context))
            return .noContent
        }
        api.post("listings/:id/fork") { _, context in
            let fork = try await marketplace.fork(
                try context.uuidParameter(notFound: "No such listing."), sessionToken: context.sessionToken, publicURL: publicURL)
            return EditedResponse(status: .created, response: fork)
        }
        api.put("listings/:id/content-rating") { request, context -> HTTPResponse.Status in
            let rating = try await request.decodeJSON(as: ContentRatingRequest.self, context: context).contentRating
            try await marketplace.engagement.setContentRating(try context.uuidParameter(notFound: "No such listing."), to: rating, by: Self.actor(context))
            return .noContent
        }
        api.get("listings/:id/reviews") { _, context in
            ReviewsResponse(reviews: try await marketplace.engagement.reviews(of: try context.uuidParameter(notFound: "No such listing.")))
        }
        api.put("listings/:id/review") { request, context in
            let body = try await request.decodeJSON(as: ReviewRequest.self, context: context).body
            return ReviewResponse(review: try await marketplace.engagement.review(try context.uuidParameter(notFound: "No such listing."), body: body, by: Self.actor(context)))
        }
        api.delete("reviews/:id") { _, context -> HTTPResponse.Status in
            try await marketplace.engagement.deleteReview(try context.uuidParameter(notFound: "No such review."), by: Self.actor(context))
            return .noContent
        }
        api.get("favourites") { _, context in
            FavouritesResponse(favourites: try await marketplace.engagement.favourites(of: Self.actor(context)))
        }
        api.put("favourites/:id") { _, context -> HTTPResponse.Status in
            try await marketplace.engagement.favourite(try context.uuidParameter(notFound: "No such listing."), by: Self.actor(context))
            return .noContent
        }
        api.delete("favourites/:id") { _, context -> HTTPResponse.Status in
            try await marketplace.engagement.unfavourite(try context.uuidParameter(notFound: "No such listing."), by: Self.actor(context))
            return .noContent
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
extension MarketplaceModule.Fork: ResponseEncodable {}
