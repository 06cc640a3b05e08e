import Foundation
import ScribeContracts

/// The marketplace as the pages reach it in the process where it runs: each operation is the
/// one its JSON API route calls.
extension MarketplaceModule: MarketplaceAPI {
    public func listings(matching query: ListingQuery) async throws(MarketplaceError) -> ListingPage {
        try await search.search(query)
    }

    public func popularTags(ratings: [String], limit: Int) async throws(MarketplaceError) -> [TagCount] {
        try await search.tags(ratings: ratings, limit: limit)
    }

    public func versions(of id: UUID) async throws(MarketplaceError) -> [ListingVersion] {
        try await search.versions(of: id)
    }

    public func reviews(of id: UUID) async throws(MarketplaceError) -> [ListingReview] {
        try await engagement.reviews(of: id)
    }

    public func rate(_ id: UUID, stars: Int, by caller: MarketplaceCaller) async throws(MarketplaceError) {
        try await engagement.rate(id, stars: stars, by: caller)
    }

    public func review(_ id: UUID, body: String, by caller: MarketplaceCaller) async throws(MarketplaceError) -> ListingReview {
        try await engagement.review(id, body: body, by: caller)
    }

    public func favourite(_ id: UUID, by caller: MarketplaceCaller) async throws(MarketplaceError) {
        try await engagement.favourite(id, by: caller)
    }

    public func unfavourite(_ id: UUID, by caller: MarketplaceCaller) async throws(MarketplaceError) {
        try await engagement.unfavourite(id, by: caller)
    }

    public func favourites(of caller: MarketplaceCaller) async throws(MarketplaceError) -> [FavouriteListing] {
        try await engagement.favourites(of: caller)
    }

    public func creatorActivity(for caller: MarketplaceCaller, before: Int64?) async throws(MarketplaceError) -> [CreatorActivity] {
        try await engagement.activity(for: caller, before: before)
    }

    public func buy(_ id: UUID, by caller: MarketplaceCaller) async throws(MarketplaceError) -> Checkout {
        try await purchases.buy(id, by: caller)
    }

    public func purchases(by caller: MarketplaceCaller, id: UUID?) async throws(MarketplaceError) -> [Purchase] {
        try await purchases.purchases(of: caller, id: id)
    }

    public func report(listing id: UUID, reason: String, by caller: MarketplaceCaller) async throws(MarketplaceError) -> ListingReport {
        try await reports.report(listing: id, reason: reason, by: caller)
    }

    public func reportQueue(by caller: MarketplaceCaller) async throws(MarketplaceError) -> [ListingReport] {
        try await reports.queue(by: caller)
    }

    public func hiddenItems(by caller: MarketplaceCaller) async throws(MarketplaceError) -> [HiddenItem] {
        try await reports.hidden(by: caller)
    }

    public func resolveReport(_ id: UUID, _ decision: ReportDecision, by caller: MarketplaceCaller) async throws(MarketplaceError) {
        try await reports.resolve(id, decision, by: caller)
    }

    public func restoreItem(_ id: UUID, by caller: MarketplaceCaller) async throws(MarketplaceError) {
        try await reports.restore(id, by: caller)
    }
}
