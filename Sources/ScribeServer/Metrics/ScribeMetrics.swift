import CoreMetrics
import Metrics
import Prometheus

/// The process's metrics: every module and Hummingbird record through swift-metrics, and this
/// Prometheus registry holds what they record for `/metrics`.
///
/// swift-metrics has one backend per process, bootstrapped once, so the registry is shared by
/// every application the process builds (tests build many; their counters add up).
enum ScribeMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// Makes sure the backend is in place before the first metric is created.
    static func bootstrap() { _ = registry }

    /// The registry's contents in the Prometheus text exposition format (version 0.0.4).
    static func exposition() -> [UInt8] { registry.emitToBuffer() }

    /// `scribe_inbox_activities_total{outcome, reason}`: what became of each POST to an inbox.
    static func inbox(outcome: String, reason: String) {
        Counter(label: "scribe_inbox_activities_total", dimensions: [("outcome", outcome), ("reason", reason)]).increment()
    }

    /// `scribe_rate_limited_total{scope}`: requests refused with 429.
    static func rateLimited(_ scope: String) {
        Counter(label: "scribe_rate_limited_total", dimensions: [("scope", scope)]).increment()
    }
}
