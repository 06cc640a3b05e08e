import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ScribeContracts
import ScribeCore
import ScribeHTTP
import ScribeMarketplace

/// `/api/v1/marketplace`: search and browse listings, tags, a listing's detail, what people do
/// with listings, creators' settings, purchases and moderation. Each handler decodes, calls the
/// module, and encodes.
struct MarketplaceRoutes {
    let marketplace: MarketplaceModule

    struct TagsResponse: ResponseEncodable { var tags: [TagCount] }
    struct VersionsResponse: ResponseEncodable { var versions: [ListingVersion] }
    struct RatingRequest: Decodable { var stars: Int }
    struct ContentRatingRequest: Decodable {
        var contentRating: String
        enum CodingKeys: String, CodingKey { case contentRating = "content_rating" }
    }
    struct ReviewRequest: Decodable { var body: String }
    struct ReviewResponse: ResponseEncodable { var review: ListingReview }
    struct ReviewsResponse: ResponseEncodable { var reviews: [ListingReview] }
    struct FavouritesResponse: ResponseEncodable { var favourites: [FavouriteListing] }
    struct ActivityResponse: ResponseEncodable { var activity: [CreatorActivity] }
    struct LanguageRequest: Decodable { var language: String }
    struct PriceRequest: Decodable {
        var amount: Int
        var currency: String
    }
    struct ReportRequest: Decodable { var reason: String }
    struct ReportResponse: ResponseEncodable { var report: ListingReport }
    struct ReportsResponse: ResponseEncodable { var reports: [ListingReport] }
    struct DecisionRequest: Decodable { var decision: String }
    struct HiddenResponse: ResponseEncodable { var hidden: [HiddenItem] }
    struct PurchasesResponse: ResponseEncodable { var purchases: [Purchase] }
    struct PurchaseResponse: ResponseEncodable { var purchase: Purchase }
    struct WebhookResponse: ResponseEncodable { var received: Bool }

    /// A Stripe event is a few kilobytes; nothing larger is read.
    static let webhookBodyLimit = 256 * 1024

    func add(to router: Router<ScribeRequestContext>) {
        let api = router.group("api/v1/marketplace")
        api.get("listings", use: search)
        api.get("tags", use: tags)
        api.get("listings/:id", use: detail)
        api.get("listings/:id/versions", use: versions)
        api.get("listings/:id/download", use: download)
        api.put("listings/:id/rating", use: rate)
        api.delete("listings/:id/rating", use: unrate)
        api.post("listings/:id/fork", use: fork)
        api.put("listings/:id/content-rating", use: setContentRating)
        api.get("listings/:id/reviews", use: reviews)
        api.put("listings/:id/review", use: review)
        api.delete("reviews/:id", use: deleteReview)
        api.get("favourites", use: favourites)
        api.put("favourites/:id", use: favourite)
        api.delete("favourites/:id", use: unfavourite)
        api.get("activity", use: creatorActivity)
        // Creators' settings, buying, and Stripe's webhook.
        api.put("listings/:id/language", use: setLanguage)
        api.put("listings/:id/price", use: setPrice)
        api.delete("listings/:id/price", use: removePrice)
        api.post("listings/:id/purchase", use: buy)
        api.get("purchases", use: purchases)
        api.get("purchases/:id", use: purchase)
        api.post("stripe/webhook", use: stripeWebhook)
        // Reports, and moderators' queue and decisions.
        api.post("listings/:id/reports", use: reportListing)
        api.post("reviews/:id/reports", use: reportReview)
        api.get("reports", use: reportQueue)
        api.post("reports/:id/decision", use: decide)
        api.get("hidden", use: hidden)
        api.delete("hidden/:id", use: restore)
    }

    static func listingID(_ context: ScribeRequestContext) throws -> UUID { try context.uuidParameter(notFound: "No such listing.") }

    // MARK: Listings

    @Sendable func search(_ request: Request, context: ScribeRequestContext) async throws -> ListingPage {
        let parameters = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        return try await marketplace.search.search(try ListingQuery.parse(parameters))
    }

    @Sendable func tags(_ request: Request, context: ScribeRequestContext) async throws -> TagsResponse {
        let ratings: [String] =
            switch request.uri.queryParameters.get("rating") ?? "sfw" {
            case "sfw": ["sfw"]
            case "nsfw": ["nsfw"]
            case "all": ["sfw", "nsfw"]
            default: throw MarketplaceError(.badRequest, "rating is sfw, nsfw or all.")
            }
        let limitText = request.uri.queryParameters.get("limit") ?? "100"
        guard let limit = Int(limitText), (1...100).contains(limit) else { throw MarketplaceError(.badRequest, "limit is a number from 1 to 100.") }
        return TagsResponse(tags: try await marketplace.popularTags(ratings: ratings, limit: limit))
    }

    @Sendable func detail(_ request: Request, context: ScribeRequestContext) async throws -> ListingDetail {
        try await marketplace.detail(try Self.listingID(context), by: context.marketplaceCaller)
    }

    @Sendable func versions(_ request: Request, context: ScribeRequestContext) async throws -> VersionsResponse {
        let id = try Self.listingID(context)
        _ = try await marketplace.search.listing(id)
        return VersionsResponse(versions: try await marketplace.versions(of: id))
    }

    @Sendable func download(_ request: Request, context: ScribeRequestContext) async throws -> Response {
        let formatName = request.uri.queryParameters.get("format") ?? "json"
        guard let format = SharedFile.Format(rawValue: formatName), format != .avatar else {
            throw MarketplaceError(.badRequest, "format is json, v2, png or world_info.")
        }
        let download = try await marketplace.engagement.download(try Self.listingID(context), format: format, by: context.marketplaceCaller)
        return Response(
            status: .ok,
            headers: [.contentType: download.contentType, .contentDisposition: "attachment; filename=\"\(download.filename)\""],
            body: .init(byteBuffer: ByteBuffer(bytes: download.data))
        )
    }

    @Sendable func fork(_ request: Request, context: ScribeRequestContext) async throws -> EditedResponse<ListingFork> {
        let fork = try await marketplace.fork(try Self.listingID(context), sessionToken: context.sessionToken, by: context.marketplaceCaller)
        return EditedResponse(status: .created, response: fork)
    }

    // MARK: What people do with listings

    @Sendable func rate(_ request: Request, context: ScribeRequestContext) async throws -> HTTPResponse.Status {
        let stars = try await request.decodeJSON(as: RatingRequest.self, context: context).stars
        try await marketplace.engagement.rate(try Self.listingID(context), stars: stars, by: context.marketplaceCaller)
        return .noContent
    }

    @Sendable func unrate(_ request: Request, context: ScribeRequestContext) async throws -> HTTPResponse.Status {
        try await marketplace.engagement.unrate(try Self.listingID(context), by: context.marketplaceCaller)
        return .noContent
    }

    @Sendable func setContentRating(_ request: Request, context: ScribeRequestContext) async throws -> HTTPResponse.Status {
        let rating = try await request.decodeJSON(as: ContentRatingRequest.self, context: context).contentRating
        try await marketplace.engagement.setContentRating(try Self.listingID(context), to: rating, by: context.marketplaceCaller)
        return .noContent
    }

    @Sendable func reviews(_ request: Request, context: ScribeRequestContext) async throws -> ReviewsResponse {
        ReviewsResponse(reviews: try await marketplace.engagement.reviews(of: try Self.listingID(context)))
    }

    @Sendable func review(_ request: Request, context: ScribeRequestContext) async throws -> ReviewResponse {
        let body = try await request.decodeJSON(as: ReviewRequest.self, context: context).body
        return ReviewResponse(review: try await marketplace.engagement.review(try Self.listingID(context), body: body, by: context.marketplaceCaller))
    }

    @Sendable func deleteReview(_ request: Request, context: ScribeRequestContext) async throws -> HTTPResponse.Status {
        try await marketplace.engagement.deleteReview(try context.uuidParameter(notFound: "No such review."), by: context.marketplaceCaller)
        return .noContent
    }

    @Sendable func favourites(_ request: Request, context: ScribeRequestContext) async throws -> FavouritesResponse {
        FavouritesResponse(favourites: try await marketplace.engagement.favourites(of: context.marketplaceCaller))
    }

    @Sendable func creatorActivity(_ request: Request, context: ScribeRequestContext) async throws -> ActivityResponse {
        let before = try request.uri.queryParameters.get("before").map { text throws(MarketplaceError) in
            guard let cursor = Int64(text) else { throw MarketplaceError(.badRequest, "before is the cursor of an entry of the activity.") }
            return cursor
        }
        return ActivityResponse(activity: try await marketplace.creatorActivity(for: context.marketplaceCaller, before: before))
    }

    @Sendable func favourite(_ request: Request, context: ScribeRequestContext) async throws -> HTTPResponse.Status {
        try await marketplace.engagement.favourite(try Self.listingID(context), by: context.marketplaceCaller)
        return .noContent
    }

    @Sendable func unfavourite(_ request: Request, context: ScribeRequestContext) async throws -> HTTPResponse.Status {
        try await marketplace.engagement.unfavourite(try Self.listingID(context), by: context.marketplaceCaller)
        return .noContent
    }

    // MARK: Creators' settings and sales

    @Sendable func setLanguage(_ request: Request, context: ScribeRequestContext) async throws -> HTTPResponse.Status {
        let language = try await request.decodeJSON(as: LanguageRequest.self, context: context).language
        try await marketplace.settings.setLanguage(try Self.listingID(context), to: language, by: context.marketplaceCaller)
        return .noContent
    }

    @Sendable func setPrice(_ request: Request, context: ScribeRequestContext) async throws -> HTTPResponse.Status {
        let price = try await request.decodeJSON(as: PriceRequest.self, context: context)
        let listing = try Self.listingID(context)
        try await marketplace.settings.setPrice(
            listing,
            to: Listing.Price(amount: price.amount, currency: price.currency),
            by: context.marketplaceCaller
        )
        return .noContent
    }

    @Sendable func removePrice(_ request: Request, context: ScribeRequestContext) async throws -> HTTPResponse.Status {
        try await marketplace.settings.setPrice(try Self.listingID(context), to: nil, by: context.marketplaceCaller)
        return .noContent
    }

    @Sendable func buy(_ request: Request, context: ScribeRequestContext) async throws -> EditedResponse<Checkout> {
        EditedResponse(status: .created, response: try await marketplace.purchases.buy(try Self.listingID(context), by: context.marketplaceCaller))
    }

    @Sendable func purchases(_ request: Request, context: ScribeRequestContext) async throws -> PurchasesResponse {
        PurchasesResponse(purchases: try await marketplace.purchases.purchases(of: context.marketplaceCaller))
    }

    @Sendable func purchase(_ request: Request, context: ScribeRequestContext) async throws -> PurchaseResponse {
        let id = try context.uuidParameter(notFound: "No such purchase.")
        guard let purchase = try await marketplace.purchases.purchases(of: context.marketplaceCaller, id: id).first else {
            throw MarketplaceError(.notFound, "No such purchase of yours.")
        }
        return PurchaseResponse(purchase: purchase)
    }

    @Sendable func stripeWebhook(_ request: Request, context: ScribeRequestContext) async throws -> WebhookResponse {
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: Self.webhookBodyLimit) } catch {
            throw MarketplaceError(.badRequest, "A Stripe event is at most 256 KB.")
        }
        let signature = request.headers[HTTPField.Name("Stripe-Signature")!]
        _ = try await marketplace.purchases.receiveWebhook(payload: Data(body.readableBytesView), signature: signature)
        return WebhookResponse(received: true)
    }

    // MARK: Reports and moderation

    @Sendable func reportListing(_ request: Request, context: ScribeRequestContext) async throws -> EditedResponse<ReportResponse> {
        let reason = try await request.decodeJSON(as: ReportRequest.self, context: context).reason
        let report = try await marketplace.reports.report(listing: try Self.listingID(context), reason: reason, by: context.marketplaceCaller)
        return EditedResponse(status: .created, response: ReportResponse(report: report))
    }

    @Sendable func reportReview(_ request: Request, context: ScribeRequestContext) async throws -> EditedResponse<ReportResponse> {
        let reason = try await request.decodeJSON(as: ReportRequest.self, context: context).reason
        let review = try context.uuidParameter(notFound: "No such review.")
        let report = try await marketplace.reports.report(review: review, reason: reason, by: context.marketplaceCaller)
        return EditedResponse(status: .created, response: ReportResponse(report: report))
    }

    @Sendable func reportQueue(_ request: Request, context: ScribeRequestContext) async throws -> ReportsResponse {
        ReportsResponse(
            reports: try await marketplace.reports.queue(status: request.uri.queryParameters.get("status") ?? "open", by: context.marketplaceCaller)
        )
    }

    @Sendable func decide(_ request: Request, context: ScribeRequestContext) async throws -> HTTPResponse.Status {
        let name = try await request.decodeJSON(as: DecisionRequest.self, context: context).decision
        guard let decision = ReportDecision(rawValue: name) else {
            throw MarketplaceError(.invalidInput, "decision is hide, remove_review or dismiss.")
        }
        try await marketplace.reports.resolve(try context.uuidParameter(notFound: "No such report."), decision, by: context.marketplaceCaller)
        return .noContent
    }

    @Sendable func hidden(_ request: Request, context: ScribeRequestContext) async throws -> HiddenResponse {
        HiddenResponse(hidden: try await marketplace.reports.hidden(by: context.marketplaceCaller))
    }

    @Sendable func restore(_ request: Request, context: ScribeRequestContext) async throws -> HTTPResponse.Status {
        try await marketplace.reports.restore(try context.uuidParameter(notFound: "No such hidden item."), by: context.marketplaceCaller)
        return .noContent
    }
}

extension ListingPage: ResponseEncodable {}
extension ListingDetail: ResponseEncodable {}
extension ListingFork: ResponseEncodable {}
extension Checkout: ResponseEncodable {}
