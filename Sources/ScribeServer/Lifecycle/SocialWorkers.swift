import Logging
import ScribeSocial
import ServiceLifecycle

/// Runs Social's workers (inbox processing, publishing, delivery) for the life of the server,
/// then closes Social's outbound HTTP client.
struct SocialWorkers: Service {
    let social: SocialModule

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await social.runWorkers()
        }
        try await social.shutdown()
    }
}
