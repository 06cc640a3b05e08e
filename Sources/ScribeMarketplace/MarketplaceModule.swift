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
    let logger: Logger

    public init(core: any CoreAPI, database: Database, logger: Logger) {
        let pool = database.pool(for: Self.schema)
        self.core = core
        self.pool = pool
        self.logger = logger
        self.listings = Listings(
            core: core, pool: pool, consumer: EventConsumer(name: Listings.consumerName, schema: Self.schema, pool: pool, position: \.id, logger: logger),
            logger: logger)
        let search = ListingSearch(pool: pool, logger: logger)
        self.search = search
        self.engagement = Engagement(core: core, search: search, pool: pool, logger: logger)
    }

    /// Whether this module's role can reach its own tables: part of the server's readiness.
    public func checkStorage() async throws {
        try await pool.query("SELECT count(*) FROM marketplace.event_consumers", logger: logger)
    }

    /// A listing with what Core shows this viewer of the item now (never stored here).
    public struct Detail: Codable, Sendable, Equatable {
        public var listing: Listing
        public var item: SharedItem
        public var related: [Listing]
    }

    public func detail(_ id: UUID, for viewer: Viewer) async throws(MarketplaceError) -> Detail {
        let listing = try await search.listing(id)
        guard let kind = CoreEvent.SubjectKind(rawValue: listing.kind) else { throw MarketplaceError(.notFound, "No such listing.") }
        let item: SharedItem
        do { item = try await core.sharedView(of: kind, id: id, for: viewer) } catch {
            throw error.code == .notFound ? MarketplaceError(.notFound, "No such listing.") : MarketplaceError(.unavailable, "Core cannot answer right now.")
        }
        if let userID = viewer.accountID { try await engagement.markSeen(id, by: userID) }
        return Detail(listing: listing, item: item, related: try await search.related(to: id))
    }

    /// A fork: the copy in the user's library, and the original's public address it records.
    public struct Fork: Codable, Sendable, Equatable {
        public var id: UUID
        public var source: String
    }

    /// Copies a listed item into the user's own library (Core re-encrypts it under their key),
    /// recording the original's public address under `publicURL` as its provenance.
    public func fork(_ id: UUID, sessionToken: String?, publicURL: URL) async throws(MarketplaceError) -> Fork {
        guard let sessionToken else { throw MarketplaceError(.unauthenticated, "Log in to continue.") }
        let listing = try await search.listing(id)
        guard let kind = CoreEvent.SubjectKind(rawValue: listing.kind) else { throw MarketplaceError(.notFound, "No such listing.") }
        let source = publicURL.appendingPathComponent("\(listing.kind)s").appendingPathComponent(id.uuidString.lowercased()).absoluteString
        do {
            return Fork(id: try await core.fork(of: kind, id: id, sessionToken: sessionToken, sourceURI: source), source: source)
        } catch {
            switch error.code {
            case .notFound: throw MarketplaceError(.notFound, "No such listing.")
            case .unauthenticated: throw MarketplaceError(.unauthenticated, "Log in to continue.")
            case .invalidArgument: throw MarketplaceError(.invalidInput, error.message)
            case .unavailable: throw MarketplaceError(.unavailable, "Core cannot answer right now.")
            }
        }
    }

    /// Keeps the listings current until cancelled: Core's events are found by polling.
    public func runWorkers(pollInterval: Duration = .milliseconds(250)) async {
        while !Task.isCancelled {
            do { try await listings.catchUp() } catch { logger.warning("updating listings failed", metadata: ["reason": .string("\(error)")]) }
            try? await Task.sleep(for: pollInterval)
        }
    }
}
