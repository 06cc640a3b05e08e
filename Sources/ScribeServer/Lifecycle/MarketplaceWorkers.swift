import ScribeMarketplace
import ScribeStorage
import ServiceLifecycle

/// Keeps the marketplace's listings current from Core's event log for the life of the server,
/// from the moment the database's module pools are open.
struct MarketplaceWorkers: Service {
    let marketplace: MarketplaceModule
    let database: Database

    func run() async throws {
        await cancelWhenGracefulShutdown {
            guard (try? await database.waitUntilOpen()) != nil else { return }
            await marketplace.runWorkers(pollInterval: DatabaseNotifications.safetyPoll)
        }
    }
}
