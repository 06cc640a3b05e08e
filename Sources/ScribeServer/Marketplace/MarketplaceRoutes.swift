import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ScribeContracts
import ScribeCore
import ScribeMarketplace

/// `/api/v1/marketplace`: search and browse listings, tags, a listing's detail, what people do
/// with listings, creators' settings, purchases and moderation. Each handler decodes, calls the
/// module, and encodes.
struct MarketplaceRoutes {
    let marketplace: MarketplaceModule

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
    struct LanguageRequest: Decodable { var language: String }
    struct PriceRequest: Decodable {
        var amount: Int
        var currency: String
    }
    struct ReportRequest: Decodable { var reason: String }
    struct ReportResponse: ResponseEncodable { var report: Reports.Report }
    struct ReportsResponse: ResponseEncodable { var reports: [Reports.Report] }
    struct DecisionRequest: Decodable { var decision: String }
    struct HiddenResponse: ResponseEncodable { var hidden: [Reports.HiddenItem] }
    struct PurchasesResponse: ResponseEncodable { var purchases: [Purchases.Purchase] }
    struct PurchaseResponse: ResponseEncodable { var purchase: Purchases.Purchase }
    struct WebhookResponse: ResponseEncodable { var received: Bool }

    /// A Stripe event is a few kilobytes; nothing larger is read.
    static let webhookBodyLimit = 256 * 1024

    /// Who is acting: the session's user (a moderator or not), or the anonymous client's address.
    static func actor(_ context: ScribeRequestContext) -> Engagement.Actor {
        Engagement.Actor(
            userID: context.user?.id,
            username: context.user?.username,
            clientAddress: context.clientAddress,
            isModerator: context.user?.role.moderates ?? false
        )
    }

    func add(to router: Router<ScribeRequestContext>) {
        let api = router.group("api/v1/marketplace")
        api.get("listings") { request, _ in
            let parameters = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
            return try await marketplace.search.search(try ListingQuery.parse(parameters))
        }
        api.get("listings/:id") { _, context in
            try await marketplace.detail(try context.uuidParameter(notFound: "No such listing."), by: Self.actor(context))
        }
        api.get("listings/:id/download") { request, context -> Response in
            let formatName = request.uri.queryParameters.get("format") ?? "json"
            guard let format = SharedFile.Format(rawValue: formatName), format != .avatar else {
                throw MarketplaceError(.badRequest, "format is json, v2, png or world_info.")
            }
            let download = try await marketplace.engagement.download(
                try context.uuidParameter(notFound: "No such listing."),
                format: format,
                by: Self.actor(context)
            )
            return Response(
                status: .ok,
                headers: [.contentType: download.contentType, .contentDisposition: "attachment; filename=\"\(download.filename)\""],
                body: .init(byteBuffer: ByteBuffer(bytes: download.data))
            )
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
                try context.uuidParameter(notFound: "No such listing."),
                sessionToken: context.sessionToken,
                by: Self.actor(context)
            )
            return EditedResponse(status: .created, response: fork)
        }
        api.put("listings/:id/content-rating") { request, context -> HTTPResponse.Status in
            let rating = try await request.decodeJSON(as: ContentRatingRequest.self, context: context).contentRating
            try await marketplace.engagement.setContentRating(
                try context.uuidParameter(notFound: "No such listing."),
                to: rating,
                by: Self.actor(context)
            )
            return .noContent
        }
        api.get("listings/:id/reviews") { _, context in
            ReviewsResponse(reviews: try await marketplace.engagement.reviews(of: try context.uuidParameter(notFound: "No such listing.")))
        }
        api.put("listings/:id/review") { request, context in
            let body = try await request.decodeJSON(as: ReviewRequest.self, context: context).body
            return ReviewResponse(
                review: try await marketplace.engagement.review(
                    try context.uuidParameter(notFound: "No such listing."),
                    body: body,
                    by: Self.actor(context)
                )
            )
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
        addSettingsAndSales(to: api)
        addModeration(to: api)
        api.get("tags") { request, _ in
            let rating = request.uri.queryParameters.get("rating") ?? "sfw"
            let ratings: [String] =
                switch rating {
                case "sfw": ["sfw"]
                case "nsfw": ["nsfw"]
                case "all": ["sfw", "nsfw"]
                default: throw MarketplaceError(.badRequest, "rating is sfw, nsfw or all.")
                }
            return TagsResponse(tags: try await marketplace.search.tags(ratings: ratings))
        }
    }
}

extension ListingSearch.Page: ResponseEncodable {}
extension MarketplaceModule.Detail: ResponseEncodable {}
extension MarketplaceModule.Fork: ResponseEncodable {}

extension MarketplaceRoutes {
    /// Creators' settings, buying, and Stripe's webhook.
    func addSettingsAndSales(to api: RouterGroup<ScribeRequestContext>) {
        api.put("listings/:id/language") { request, context -> HTTPResponse.Status in
            let language = try await request.decodeJSON(as: LanguageRequest.self, context: context).language
            try await marketplace.settings.setLanguage(try context.uuidParameter(notFound: "No such listing."), to: language, by: Self.actor(context))
            return .noContent
        }
        api.put("listings/:id/price") { request, context -> HTTPResponse.Status in
            let price = try await request.decodeJSON(as: PriceRequest.self, context: context)
            try await marketplace.settings.setPrice(
                try context.uuidParameter(notFound: "No such listing."),
                to: Listing.Price(amount: price.amount, currency: price.currency),
                by: Self.actor(context)
            )
            return .noContent
        }
        api.delete("listings/:id/price") { _, context -> HTTPResponse.Status in
            try await marketplace.settings.setPrice(try context.uuidParameter(notFound: "No such listing."), to: nil, by: Self.actor(context))
            return .noContent
        }
        api.post("listings/:id/purchase") { _, context in
            EditedResponse(
                status: .created,
                response: try await marketplace.purchases.buy(try context.uuidParameter(notFound: "No such listing."), by: Self.actor(context))
            )
        }
        api.get("purchases") { _, context in
            PurchasesResponse(purchases: try await marketplace.purchases.purchases(of: Self.actor(context)))
        }
        api.get("purchases/:id") { _, context in
            let id = try context.uuidParameter(notFound: "No such purchase.")
            guard let purchase = try await marketplace.purchases.purchases(of: Self.actor(context), id: id).first else {
                throw MarketplaceError(.notFound, "No such purchase of yours.")
            }
            return PurchaseResponse(purchase: purchase)
        }
        api.post("stripe/webhook") { request, _ in
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: Self.webhookBodyLimit) } catch {
                throw MarketplaceError(.badRequest, "A Stripe event is at most 256 KB.")
            }
            let signature = request.headers[HTTPField.Name("Stripe-Signature")!]
            _ = try await marketplace.purchases.receiveWebhook(payload: Data(body.readableBytesView), signature: signature)
            return WebhookResponse(received: true)
        }
    }

    /// Reports, and moderators' queue and decisions.
    func addModeration(to api: RouterGroup<ScribeRequestContext>) {
        api.post("listings/:id/reports") { request, context in
            let reason = try await request.decodeJSON(as: ReportRequest.self, context: context).reason
            let report = try await marketplace.reports.report(
                listing: try context.uuidParameter(notFound: "No such listing."),
                reason: reason,
                by: Self.actor(context)
            )
            return EditedResponse(status: .created, response: ReportResponse(report: report))
        }
        api.post("reviews/:id/reports") { request, context in
            let reason = try await request.decodeJSON(as: ReportRequest.self, context: context).reason
            let report = try await marketplace.reports.report(
                review: try context.uuidParameter(notFound: "No such review."),
                reason: reason,
                by: Self.actor(context)
            )
            return EditedResponse(status: .created, response: ReportResponse(report: report))
        }
        api.get("reports") { request, context in
            ReportsResponse(
                reports: try await marketplace.reports.queue(status: request.uri.queryParameters.get("status") ?? "open", by: Self.actor(context))
            )
        }
        api.post("reports/:id/decision") { request, context -> HTTPResponse.Status in
            let name = try await request.decodeJSON(as: DecisionRequest.self, context: context).decision
            guard let decision = Reports.Decision(rawValue: name) else {
                throw MarketplaceError(.invalidInput, "decision is hide, remove_review or dismiss.")
            }
            try await marketplace.reports.resolve(try context.uuidParameter(notFound: "No such report."), decision, by: Self.actor(context))
            return .noContent
        }
        api.get("hidden") { _, context in
            HiddenResponse(hidden: try await marketplace.reports.hidden(by: Self.actor(context)))
        }
        api.delete("hidden/:id") { _, context -> HTTPResponse.Status in
            try await marketplace.reports.restore(try context.uuidParameter(notFound: "No such hidden item."), by: Self.actor(context))
            return .noContent
        }
    }
}

extension Purchases.Checkout: ResponseEncodable {}
