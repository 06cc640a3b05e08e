import ActivityPubKit
import Foundation
import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// The social module: actors, inboxes, follows, publishing and delivery. It reaches Core only
/// through `CoreAPI` and the database only through the `social` schema's pool, whose role can
/// touch nothing else. Its one outbound HTTP client is ``FederationClient``.
public struct SocialModule: Sendable {
    public static let schema = ModuleSchema.social

    public let core: any CoreAPI
    public let pool: PostgresClient
    public let settings: SocialSettings
    public let urls: ActorURLs
    public let client: FederationClient
    public let actors: LocalActors
    public let discovery: Discovery
    public let collections: Collections
    public let inbox: Inbox
    public let following: Following
    let remote: RemoteActors
    let processor: InboxProcessor
    let delivery: DeliveryWorker
    let publisher: Publisher
    let inboxBell = Doorbell()
    let deliveryBell = Doorbell()
    /// Nothing in this process rings it: Core's events are found by polling.
    let eventBell = Doorbell()
    let logger: Logger

    public init(core: any CoreAPI, database: Database, settings: SocialSettings, logger: Logger) {
        let pool = database.pool(for: Self.schema)
        let urls = ActorURLs(publicURL: settings.publicURL)
        self.core = core
        self.pool = pool
        self.settings = settings
        self.urls = urls
        self.logger = logger
        self.client = FederationClient(
            configuration: .init(
                policy: PeerAddressPolicy(allowsPrivateAddresses: settings.allowsPrivatePeers),
                userAgent: "Scribe/\(settings.softwareVersion) (+\(urls.origin)/)"))
        let actors = LocalActors(core: core, urls: urls, pool: pool, logger: logger)
        self.actors = actors
        let remote = RemoteActors(client: client, instance: actors.instanceIdentity, pool: pool, logger: logger)
        self.remote = remote
        let follows = Follows(logger: logger)
        let deliveries = DeliveryQueue(logger: logger)
        self.discovery = Discovery(actors: actors, core: core, urls: urls, settings: settings)
        self.collections = Collections(actors: actors, core: core, urls: urls, pool: pool, logger: logger)
        self.inbox = Inbox(
            actors: actors, remote: remote, urls: urls, scheme: settings.publicURL.scheme ?? "https", pool: pool, doorbell: inboxBell, logger: logger)
        self.following = Following(
            actors: actors, remote: remote, client: client, follows: follows, deliveries: deliveries, deliveryBell: deliveryBell, urls: urls,
            domain: settings.domain, pool: pool, logger: logger)
        self.processor = InboxProcessor(
            pool: pool, actors: actors, remote: remote, urls: urls, follows: follows, deliveries: deliveries, deliveryBell: deliveryBell, logger: logger)
        self.delivery = DeliveryWorker(
            pool: pool, client: client,
            signers: { [actors] signer in
                guard let signer else { return actors.instanceIdentity }
                return try await actors.identity(ofUser: signer)
            },
            perHostConcurrency: settings.perHostConcurrency, logger: logger)
        self.publisher = Publisher(
            core: core, consumer: EventConsumer(name: "social.publisher", schema: Self.schema, pool: pool, position: \.id, logger: logger),
            urls: urls, follows: follows, deliveries: deliveries, logger: logger)
    }

    /// Whether this module's role can reach its own tables: part of the server's readiness.
    public func checkStorage() async throws {
        try await pool.query("SELECT count(*) FROM social.event_consumers", logger: logger)
    }

    /// Runs the inbox processor, the publisher and the delivery worker until cancelled. Each
    /// wakes when this process queues work and otherwise polls, so work queued by other
    /// processes sharing the database is found too.
    public func runWorkers() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await loop(bell: inboxBell) { await processor.drain() } }
            group.addTask {
                await loop(bell: eventBell) {
                    do { return try await publisher.catchUp() } catch {
                        logger.warning("publishing failed", metadata: ["reason": .string("\(error)")])
                        return 0
                    }
                }
            }
            group.addTask { await loop(bell: deliveryBell) { await delivery.drain() } }
        }
    }

    private func loop(bell: Doorbell, _ work: @Sendable () async -> Int) async {
        while !Task.isCancelled {
            let done = await work()
            if done > 0 { await deliveryBell.ring() }
            await bell.wait(timeout: settings.pollInterval)
        }
    }

    /// Processes everything queued now, in order: inbound activities, Core's events, deliveries.
    /// For tests and tools that want the effects without waiting for the workers.
    public func settle() async throws {
        await processor.drain()
        try await publisher.catchUp()
        await delivery.drain()
    }

    /// Closes the outbound client; the server calls it once, when it stops.
    public func shutdown() async throws {
        try await client.shutdown()
    }
}
