import CoreMetrics
import Foundation
import Logging
import ScribeContracts
import ScribeMarketplace
import ScribeSocial
import ScribeStorage
import Synchronization

/// Brings the gauges that describe state rather than events up to date when `/metrics` is
/// scraped, as Prometheus collectors do: the delivery queue (Social), each event-log consumer's
/// lag behind Core, and the database connections by module role. Nothing is read between
/// scrapes, and scrapes closer together than `minimumInterval` share one reading. A failed
/// reading leaves the last value and is logged.
final class MetricsSampler: Sendable {
    let database: Database
    let core: any CoreAPI
    let social: SocialModule?
    let marketplace: MarketplaceModule?
    let minimumInterval: Duration
    let logger: Logger
    private let lastSample = Mutex<ContinuousClock.Instant?>(nil)

    init(database: Database, core: any CoreAPI, social: SocialModule?, marketplace: MarketplaceModule?, minimumInterval: Duration, logger: Logger) {
        self.database = database
        self.core = core
        self.social = social
        self.marketplace = marketplace
        self.minimumInterval = minimumInterval
        self.logger = logger
    }

    /// Samples unless another scrape did within `minimumInterval`.
    func sampleIfStale() async {
        let now = ContinuousClock.now
        let due = lastSample.withLock { last in
            if let last, now - last < minimumInterval { return false }
            last = now
            return true
        }
        if due { await sample() }
    }

    func sample() async {
        if let social {
            do {
                let report = try await social.federationHealth.report()
                Gauge(label: "scribe_delivery_queue_depth").record(report.pending)
                Gauge(label: "scribe_delivery_oldest_pending_seconds").record(report.oldestPending.map { max(0, Date().timeIntervalSince($0)) } ?? 0)
                Gauge(label: "scribe_delivery_failing_hosts").record(report.failingHosts.count)
                Gauge(label: "scribe_delivery_unavailable_hosts").record(
                    report.failingHosts.filter { ($0.unavailableUntil ?? .distantPast) > Date() }.count
                )
            } catch {
                logger.debug("sampling the delivery queue failed", metadata: ["reason": .string("\(error)")])
            }
        }
        for consumer in (social?.eventConsumers ?? []) + (marketplace?.eventConsumers ?? []) {
            do {
                let position = try await consumer.cursor()
                let ahead = try await core.events(after: position, limit: 1000)
                Gauge(label: "scribe_event_consumer_lag", dimensions: [("consumer", consumer.name)]).record((ahead.last?.id ?? position) - position)
            } catch {
                logger.debug("sampling consumer lag failed", metadata: ["consumer": .string(consumer.name), "reason": .string("\(error)")])
            }
        }
        do {
            var seen: Set<String> = []
            for (role, state, count) in try await database.connectionCounts() {
                Gauge(label: "scribe_database_connections", dimensions: [("role", role), ("state", state)]).record(count)
                seen.insert("\(role)/\(state)")
            }
            for role in ["owner"] + ModuleSchema.all.map(\.role) {
                for state in ["active", "idle"] where !seen.contains("\(role)/\(state)") {
                    Gauge(label: "scribe_database_connections", dimensions: [("role", role), ("state", state)]).record(0)
                }
            }
        } catch {
            logger.debug("sampling database connections failed", metadata: ["reason": .string("\(error)")])
        }
    }
}
