import ScribeSocial
import ScribeStorage
import ServiceLifecycle

/// Runs Social's workers (inbox processing, publishing, delivery) for the life of the server,
/// from the moment the database's module pools are open, then closes Social's outbound HTTP
/// client.
struct SocialWorkers: Service {
    let social: SocialModule
    let database: Database

    func run() async throws {
        await cancelWhenGracefulShutdown {
            // A failed start is the database service's to report; a stop before it is no failure.
            guard (try? await database.waitUntilOpen()) != nil else { return }
            await social.runWorkers()
        }
        try await social.shutdown()
    }
}
