import Foundation
import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// The marketplace module: listings, search, ratings and purchases. It reaches Core only through `CoreAPI` and the
/// database only through the `marketplace` schema's pool, whose role can touch nothing else.
public struct MarketplaceModule: Sendable {
    public static let schema = ModuleSchema.marketplace

    public let core: any CoreAPI
    public let pool: PostgresClient
    public let listings: Listings
    public let search: ListingSearch
    public let engagement: Engagement
    public let settings: ListingSettings
    public let purchases: Purchases
    public let reports: Reports
    let publicURL: URL
    let logger: Logger
    /// Rung by ``wake()`` when Core's log grows.
    let eventBell = Doorbell()

    /// `publicURL` is the server's origin, from which forks' provenance links and Stripe's return
    /// addresses are built; `stripe` turns sales on.
    public init(core: any CoreAPI, database: Database, publicURL: URL, stripe: StripeSettings? = nil, logger: Logger) {
        let pool = database.pool(for: Self.schema)
        self.core = core
        self.pool = pool
        self.publicURL = publicURL
        self.logger = logger
        self.listings = Listings(
            core: core,
            pool: pool,
            consumer: EventConsumer(name: Listings.consumerName, schema: Self.schema, pool: pool, position: \.id, logger: logger),
            logger: logger
        )
        let search = ListingSearch(pool: pool, browsing: database.lagTolerantReads(for: Self.schema), logger: logger)
        self.search = search
        let purchases = Purchases(search: search, pool: pool, stripe: stripe, publicURL: publicURL, logger: logger)
        self.purchases = purchases
        self.engagement = Engagement(core: core, search: search, purchases: purchases, pool: pool, logger: logger)
        self.settings = ListingSettings(core: core, search: search, pool: pool, salesEnabled: stripe != nil, logger: logger)
        self.reports = Reports(core: core, search: search, pool: pool, logger: logger)
    }

    /// The consumers of Core's event log this module runs, for their lag in `/metrics`.
    public var eventConsumers: [EventConsumer<CoreEvent>] { [listings.consumer] }

    /// Whether this module's role can reach its own tables: part of the server's readiness.
    public func checkStorage() async throws {
        try await pool.query("SELECT count(*) FROM marketplace.event_consumers", logger: logger)
    }

    /// The listing and what Core shows this viewer now: for an item on sale, a preview unless
    /// they own or bought it.
    public func detail(_ id: UUID, by actor: MarketplaceCaller) async throws(MarketplaceError) -> ListingDetail {
        let listing = try await search.listing(id)
        guard let kind = CoreEvent.SubjectKind(rawValue: listing.kind) else { throw MarketplaceError(.notFound, "No such listing.") }
        let item: SharedItem
        do { item = try await core.sharedView(of: kind, id: id, for: try await purchases.viewer(actor, of: id)) } catch {
            throw MarketplaceError.fromCore(error)
        }
        let favourited = if let userID = actor.userID { try await engagement.markSeen(id, by: userID) } else { false }
        return ListingDetail(listing: listing, item: item, related: try await search.related(to: id), favourited: favourited)
    }

    /// Copies a listed item into the user's own library (Core re-encrypts it under their key),
    /// recording the original's public address as its provenance. An item on sale is forked only
    /// by its owner or a buyer.
    public func fork(_ id: UUID, sessionToken: String?, by actor: MarketplaceCaller) async throws(MarketplaceError) -> ListingFork {
        guard let sessionToken else { throw MarketplaceError(.unauthenticated, "Log in to continue.") }
        let listing = try await search.listing(id)
        guard let kind = CoreEvent.SubjectKind(rawValue: listing.kind) else { throw MarketplaceError(.notFound, "No such listing.") }
        let source = listing.address(on: publicURL)
        let entitled = try await purchases.viewer(actor, of: id).entitled
        let fork: ListingFork
        do {
            fork = ListingFork(
                id: try await core.fork(of: kind, id: id, sessionToken: sessionToken, sourceURI: source, entitled: entitled, followsOwner: false).id,
                source: source
            )
        } catch {
            throw MarketplaceError.fromCore(error)
        }
        if let userID = actor.userID { await engagement.recordFork(id, by: userID) }
        return fork
    }

    /// Wakes the listings' consumer: Core's log grew (``DatabaseNotifications`` calls it).
    public func wake() async { await eventBell.ring() }

    /// Keeps the listings current until cancelled: woken by ``wake()``, and otherwise looking
    /// every `pollInterval` (a safety net where notifications run, the only way where they do not).
    public func runWorkers(pollInterval: Duration = .milliseconds(250)) async {
        while !Task.isCancelled {
            do { try await listings.catchUp() } catch {
                if !Database.isCancellation(error) { logger.warning("updating listings failed", metadata: ["reason": .string("\(error)")]) }
            }
            await eventBell.wait(timeout: pollInterval)
        }
    }
}
