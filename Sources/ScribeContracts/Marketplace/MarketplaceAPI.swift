import Foundation

/// What the pages may ask of the marketplace. They hold an `any MarketplaceAPI`: the marketplace
/// itself where it runs in the same process, and over HTTP where it runs apart, as ``CoreAPI``
/// is reached.
///
/// Every operation is one the marketplace's JSON API offers (`/api/v1/marketplace/...`), with the
/// same rules and the same ``MarketplaceError`` codes; `caller` says who asks, as the JSON API
/// learns it from the session.
public protocol MarketplaceAPI: Sendable {
    /// One page of listings matching `query` (hidden items never match).
    func listings(matching query: ListingQuery) async throws(MarketplaceError) -> ListingPage

    /// The most used tags among listings of the given content ratings, most used first.
    func popularTags(ratings: [String], limit: Int) async throws(MarketplaceError) -> [TagCount]

    /// A listing and what Core shows this caller of it now: for an item on sale, a preview unless
    /// they own or bought it.
    func detail(_ id: UUID, by caller: MarketplaceCaller) async throws(MarketplaceError) -> ListingDetail

    /// A listing's versions, newest first.
    func versions(of id: UUID) async throws(MarketplaceError) -> [ListingVersion]

    /// A listing's reviews, newest first.
    func reviews(of id: UUID) async throws(MarketplaceError) -> [ListingReview]

    /// Rates an item from 1 to 5 stars (again: the new rating replaces the old).
    func rate(_ id: UUID, stars: Int, by caller: MarketplaceCaller) async throws(MarketplaceError)

    /// Writes (or rewrites) the caller's review of an item.
    func review(_ id: UUID, body: String, by caller: MarketplaceCaller) async throws(MarketplaceError) -> ListingReview

    /// Adds an item to the caller's favourites (again: nothing changes).
    func favourite(_ id: UUID, by caller: MarketplaceCaller) async throws(MarketplaceError)

    /// Takes an item out of the caller's favourites (if it is not there: nothing changes).
    func unfavourite(_ id: UUID, by caller: MarketplaceCaller) async throws(MarketplaceError)

    /// The caller's favourites that are still listed, changed ones first.
    func favourites(of caller: MarketplaceCaller) async throws(MarketplaceError) -> [FavouriteListing]

    /// What others did with the caller's listed items (ratings, reviews, favourites, forks),
    /// newest first, before `before`.
    func creatorActivity(for caller: MarketplaceCaller, before: Int64?) async throws(MarketplaceError) -> [CreatorActivity]

    /// Copies a listed item into the caller's library; `sessionToken` is theirs, which is what
    /// unlocks their library in Core.
    func fork(_ id: UUID, sessionToken: String?, by caller: MarketplaceCaller) async throws(MarketplaceError) -> ListingFork

    /// Starts buying an item that is for sale: where to send the buyer to pay.
    func buy(_ id: UUID, by caller: MarketplaceCaller) async throws(MarketplaceError) -> Checkout

    /// The caller's purchases, newest first, or the one with `id` (none if it is another's).
    func purchases(by caller: MarketplaceCaller, id: UUID?) async throws(MarketplaceError) -> [Purchase]

    /// Reports a listing to the moderators.
    func report(listing id: UUID, reason: String, by caller: MarketplaceCaller) async throws(MarketplaceError) -> ListingReport

    /// The open reports: moderators only.
    func reportQueue(by caller: MarketplaceCaller) async throws(MarketplaceError) -> [ListingReport]

    /// Items moderators hid, newest first: moderators only.
    func hiddenItems(by caller: MarketplaceCaller) async throws(MarketplaceError) -> [HiddenItem]

    /// Decides a report: moderators only.
    func resolveReport(_ id: UUID, _ decision: ReportDecision, by caller: MarketplaceCaller) async throws(MarketplaceError)

    /// Shows a hidden item again: moderators only.
    func restoreItem(_ id: UUID, by caller: MarketplaceCaller) async throws(MarketplaceError)
}
