import ScribeMarketplace
import ServiceLifecycle

/// Keeps the marketplace's listings current from Core's event log for the life of the server.
struct MarketplaceWorkers: Service {
    let marketplace: MarketplaceModule

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await marketplace.runWorkers()
        }
    }
}
