import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ScribeContracts
import ScribeCoreClient

/// `MarketplaceAPI` over the marketplace's public JSON API (`/api/v1/marketplace/...`), for the
/// process that serves pages when the marketplace runs apart from it.
///
/// A call acts for its ``MarketplaceCaller`` exactly as a browser's request would: the user's
/// session token as a bearer token (the marketplace process learns who it is from Core, as for
/// any request), and the client's address under a ``ServiceToken`` in the forwarding headers the
/// social process's proxy sends, so per-address download counts and limits see the real client.
/// The marketplace's refusals come back as the same ``MarketplaceError`` codes the in-process
/// marketplace throws; a process that cannot be reached is `unavailable`. Reads are tried again
/// once after a connection failure or a 502/503/504; writes are never repeated.
public struct HTTPMarketplaceClient: MarketplaceAPI {
    let request: ForwardedRequest
    let logger: Logger
    public var timeout: Duration = .seconds(10)
    /// The largest answer read: a page of a hundred listings is well under it.
    static let maximumResponseSize = 8 << 20

    /// - Parameter client: the process's client for its own services, never the guarded client
    ///   Social federates with (which refuses private addresses).
    public init(baseURL: URL, secret: ServiceSecret, client: HTTPClient, logger: Logger) {
        self.request = ForwardedRequest(baseURL: baseURL, secret: secret, client: client)
        self.logger = logger
    }

    // MARK: Listings

    public func listings(matching query: ListingQuery) async throws(MarketplaceError) -> ListingPage {
        try await call(.GET, "listings", query: query.parameters, as: ListingPage.self)
    }

    public func popularTags(ratings: [String], limit: Int) async throws(MarketplaceError) -> [TagCount] {
        let rating = Set(ratings) == ["sfw", "nsfw"] ? "all" : (ratings.first ?? "sfw")
        return try await call(.GET, "tags", query: [("rating", rating), ("limit", String(limit))], as: Answers.Tags.self).tags
    }

    public func detail(_ id: UUID, by caller: MarketplaceCaller) async throws(MarketplaceError) -> ListingDetail {
        try await call(.GET, "listings/\(id)", caller: caller, as: ListingDetail.self)
    }

    public func versions(of id: UUID) async throws(MarketplaceError) -> [ListingVersion] {
        try await call(.GET, "listings/\(id)/versions", as: Answers.Versions.self).versions
    }

    public func reviews(of id: UUID) async throws(MarketplaceError) -> [ListingReview] {
        try await call(.GET, "listings/\(id)/reviews", as: Answers.Reviews.self).reviews
    }

    // MARK: What people do with listings

    public func rate(_ id: UUID, stars: Int, by caller: MarketplaceCaller) async throws(MarketplaceError) {
        _ = try await call(.PUT, "listings/\(id)/rating", body: ["stars": stars], caller: caller, as: Answers.Nothing.self)
    }

    public func review(_ id: UUID, body: String, by caller: MarketplaceCaller) async throws(MarketplaceError) -> ListingReview {
        try await call(.PUT, "listings/\(id)/review", body: ["body": body], caller: caller, as: Answers.Review.self).review
    }

    public func favourite(_ id: UUID, by caller: MarketplaceCaller) async throws(MarketplaceError) {
        _ = try await call(.PUT, "favourites/\(id)", caller: caller, as: Answers.Nothing.self)
    }

    public func unfavourite(_ id: UUID, by caller: MarketplaceCaller) async throws(MarketplaceError) {
        _ = try await call(.DELETE, "favourites/\(id)", caller: caller, as: Answers.Nothing.self)
    }

    public func favourites(of caller: MarketplaceCaller) async throws(MarketplaceError) -> [FavouriteListing] {
        try await call(.GET, "favourites", caller: caller, as: Answers.Favourites.self).favourites
    }

    public func creatorActivity(for caller: MarketplaceCaller, before: Int64?) async throws(MarketplaceError) -> [CreatorActivity] {
        let query = before.map { [("before", String($0))] } ?? []
        return try await call(.GET, "activity", query: query, caller: caller, as: Answers.Activity.self).activity
    }

    public func fork(_ id: UUID, sessionToken: String?, by caller: MarketplaceCaller) async throws(MarketplaceError) -> ListingFork {
        var caller = caller
        caller.sessionToken = sessionToken ?? caller.sessionToken
        return try await call(.POST, "listings/\(id)/fork", caller: caller, as: ListingFork.self)
    }

    public func buy(_ id: UUID, by caller: MarketplaceCaller) async throws(MarketplaceError) -> Checkout {
        try await call(.POST, "listings/\(id)/purchase", caller: caller, as: Checkout.self)
    }

    public func purchases(by caller: MarketplaceCaller, id: UUID?) async throws(MarketplaceError) -> [Purchase] {
        guard let id else { return try await call(.GET, "purchases", caller: caller, as: Answers.Purchases.self).purchases }
        do {
            return [try await call(.GET, "purchases/\(id)", caller: caller, as: Answers.OnePurchase.self).purchase]
        } catch  where error.code == .notFound {
            return []
        }
    }

    // MARK: Reports and moderation

    public func report(listing id: UUID, reason: String, by caller: MarketplaceCaller) async throws(MarketplaceError) -> ListingReport {
        try await call(.POST, "listings/\(id)/reports", body: ["reason": reason], caller: caller, as: Answers.Report.self).report
    }

    public func reportQueue(by caller: MarketplaceCaller) async throws(MarketplaceError) -> [ListingReport] {
        try await call(.GET, "reports", caller: caller, as: Answers.Reports.self).reports
    }

    public func hiddenItems(by caller: MarketplaceCaller) async throws(MarketplaceError) -> [HiddenItem] {
        try await call(.GET, "hidden", caller: caller, as: Answers.Hidden.self).hidden
    }

    public func resolveReport(_ id: UUID, _ decision: ReportDecision, by caller: MarketplaceCaller) async throws(MarketplaceError) {
        _ = try await call(.POST, "reports/\(id)/decision", body: ["decision": decision.rawValue], caller: caller, as: Answers.Nothing.self)
    }

    public func restoreItem(_ id: UUID, by caller: MarketplaceCaller) async throws(MarketplaceError) {
        _ = try await call(.DELETE, "hidden/\(id)", caller: caller, as: Answers.Nothing.self)
    }

    // MARK: - One call

    /// The JSON API's envelopes around what the contract returns.
    enum Answers {
        struct Nothing: Decodable {}
        struct Tags: Decodable { var tags: [TagCount] }
        struct Versions: Decodable { var versions: [ListingVersion] }
        struct Reviews: Decodable { var reviews: [ListingReview] }
        struct Review: Decodable { var review: ListingReview }
        struct Favourites: Decodable { var favourites: [FavouriteListing] }
        struct Activity: Decodable { var activity: [CreatorActivity] }
        struct Purchases: Decodable { var purchases: [Purchase] }
        struct OnePurchase: Decodable { var purchase: Purchase }
        struct Report: Decodable { var report: ListingReport }
        struct Reports: Decodable { var reports: [ListingReport] }
        struct Hidden: Decodable { var hidden: [HiddenItem] }
    }

    private func call<Answer: Decodable>(
        _ method: HTTPMethod,
        _ path: String,
        query: [(String, String)] = [],
        body: [String: any Encodable & Sendable]? = nil,
        caller: MarketplaceCaller? = nil,
        as: Answer.Type
    ) async throws(MarketplaceError) -> Answer {
        var components = URLComponents()
        components.queryItems = query.isEmpty ? nil : query.map { URLQueryItem(name: $0.0, value: $0.1) }
        // `+` is a space to a form decoder; URLComponents leaves it alone in a query.
        let queryText = (components.percentEncodedQuery.map { "?" + $0.replacingOccurrences(of: "+", with: "%2B") }) ?? ""
        var payload: (data: Data, contentType: String)?
        if let body {
            guard let data = try? JSONSerialization.data(withJSONObject: body.mapValues { $0 as Any }) else {
                throw MarketplaceError(.badRequest, "The request to the marketplace could not be encoded.")
            }
            payload = (data, "application/json")
        }
        let tries = method == .GET ? 2 : 1
        var failure = MarketplaceError(.unavailable, "The marketplace cannot be reached right now.")
        for attempt in 1...tries {
            do {
                let answer = try await request.send(
                    method,
                    "/api/v1/marketplace/" + path + queryText,
                    body: payload,
                    sessionToken: caller?.sessionToken,
                    clientAddress: caller?.clientAddress,
                    timeout: timeout,
                    maximumSize: Self.maximumResponseSize
                )
                if (200..<300).contains(answer.status.code) {
                    if answer.status == .noContent, let nothing = Answers.Nothing() as? Answer { return nothing }
                    guard let value = answer.decode(Answer.self) else {
                        throw MarketplaceError(.unavailable, "The marketplace's answer was not understood.")
                    }
                    return value
                }
                failure = Self.error(status: answer.status, detail: answer.error)
                guard [.badGateway, .serviceUnavailable, .gatewayTimeout].contains(answer.status) else { throw failure }
            } catch let error as MarketplaceError {
                throw error
            } catch {
                failure = MarketplaceError(.unavailable, "The marketplace cannot be reached right now.")
                if Task.isCancelled { throw failure }
                logger.warning("call to the marketplace failed", metadata: ["path": .string(path), "reason": .string("\(error)")])
            }
            if attempt < tries { try? await Task.sleep(for: .milliseconds(100)) }
        }
        throw failure
    }

    /// The marketplace's refusal as the contract names it. A code the contract does not know
    /// (the rate limiter's, the framework's) keeps its message and reads as the nearest code.
    static func error(status: HTTPResponseStatus, detail: ServiceErrorBody.Detail?) -> MarketplaceError {
        if let detail, let code = MarketplaceError.Code(rawValue: detail.code) { return MarketplaceError(code, detail.message) }
        let message = detail?.message ?? "The marketplace answered \(status.code)."
        switch status.code {
        case 401: return MarketplaceError(.unauthenticated, message)
        case 403: return MarketplaceError(.forbidden, message)
        case 404: return MarketplaceError(.notFound, message)
        case 400..<500: return MarketplaceError(.badRequest, message)
        default: return MarketplaceError(.unavailable, message)
        }
    }
}
