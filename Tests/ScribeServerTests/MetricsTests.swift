import ActivityPubKit
import Foundation
import NIOHTTP1
import ScribeCore
import ScribeTestSupport
import Testing

/// `/metrics` in the Prometheus text format: parsed by the Prometheus project's own Python
/// parser (`prometheus_client`), and its counters move when the server works.
@Suite(
    "Metrics for Prometheus",
    .enabled(if: ProcessInfo.processInfo.environment["SCRIBE_PYTHON"] != nil)
)
struct MetricsTests {
    /// Parses the exposition with `prometheus_client.parser` and returns each sample as
    /// `name{label="value",...}` → value (labels sorted).
    static func parse(_ text: String) async throws -> [String: Double] {
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            samples = {}
            for family in text_string_to_metric_families(sys.stdin.read()):
                for s in family.samples:
                    labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
                    samples[f"{s.name}{{{labels}}}"] = s.value
            print(json.dumps(samples))
            """
        let path = NSTemporaryDirectory() + "scribe-metrics-\(UUID().uuidString).txt"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await ChildProcess.run(
            try #require(ProcessInfo.processInfo.environment["SCRIBE_PYTHON"]),
            ["-c", script.replacingOccurrences(of: "sys.stdin.read()", with: "open(sys.argv[1]).read()"), path]
        )
        #expect(result.status == 0, "the Prometheus parser refused the exposition: \(String(decoding: result.output, as: UTF8.self))")
        let parsed = try JSONSerialization.jsonObject(with: result.output) as? [String: Double]
        return try #require(parsed)
    }

    static func sum(_ samples: [String: Double], _ prefix: String, containing: String = "") -> Double {
        samples.filter { $0.key.hasPrefix(prefix + "{") && $0.key.contains(containing) }.values.reduce(0, +)
    }

    @Test("/metrics parses as Prometheus text, its counters move under load, and only loopback or the token may read it")
    func metricsMoveUnderLoad() async throws {
        try await withTestInstance(host: "127.0.0.10", flags: ["SCRIBE_METRICS_TOKEN": "scrape-me"]) { instance in
            _ = try await instance.modules.core.accounts.register(
                Registration(username: "alice", email: "alice@example.org", password: "correct horse battery")
            )
            @Sendable func scrape() async throws -> [String: Double] {
                let reply = try await LoopbackHTTP.send(
                    port: instance.port,
                    method: "GET",
                    path: "/metrics",
                    headers: [("Authorization", "Bearer scrape-me")],
                    body: nil,
                    host: "127.0.0.10"
                )
                #expect(reply.status == 200 && reply.headers.first(name: "Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
                return try await Self.parse(String(decoding: reply.body, as: UTF8.self))
            }
            let before = try await scrape()
            for _ in 0..<20 {
                _ = try await LoopbackHTTP.send(port: instance.port, method: "GET", path: "/api/v1/marketplace/tags", body: nil, host: "127.0.0.10")
            }
            try await withTestPeer(host: "127.0.0.11") { peer in
                let follow = ASObject.activity(
                    "Follow",
                    id: "\(peer.origin)/follows/1",
                    actor: peer.actorID("carol"),
                    object: .string("\(instance.publicURL)/users/alice")
                ).document(in: .mastodon)
                #expect(try await peer.post(follow, to: "\(instance.publicURL)/users/alice/inbox", as: "carol").status == 202)
                _ = try await peer.post(Data("{}".utf8), to: "\(instance.publicURL)/users/alice/inbox", as: nil)
                // The Accept is delivered and the sampler sees the queue.
                #expect(try await eventually(timeout: .seconds(30)) { await peer.deliveries.contains { $0.activity.isA("Accept") } })
            }
            let route = #"http_route="/api/v1/marketplace/tags""#
            #expect(
                try await eventually(timeout: .seconds(30)) {
                    let after = try await scrape()
                    let requests = Self.sum(after, "hb_requests_total", containing: route) - Self.sum(before, "hb_requests_total", containing: route)
                    let accepted =
                        Self.sum(after, "scribe_inbox_activities_total", containing: #"outcome="accepted""#)
                        - Self.sum(before, "scribe_inbox_activities_total", containing: #"outcome="accepted""#)
                    let rejected =
                        Self.sum(after, "scribe_inbox_activities_total", containing: #"outcome="rejected""#)
                        - Self.sum(before, "scribe_inbox_activities_total", containing: #"outcome="rejected""#)
                    let delivered =
                        Self.sum(after, "scribe_delivery_attempts_total", containing: #"outcome="delivered""#)
                        - Self.sum(before, "scribe_delivery_attempts_total", containing: #"outcome="delivered""#)
                    let latencies = Self.sum(after, "http_server_request_duration_count", containing: route)
                    return requests >= 20 && accepted >= 1 && rejected >= 1 && delivered >= 1 && latencies >= 20
                        && after.keys.contains { $0.hasPrefix("scribe_delivery_queue_depth") }
                        && after.keys.contains { $0.hasPrefix("scribe_event_consumer_lag{") && $0.contains("social.publisher") }
                        && after.keys.contains { $0.hasPrefix("scribe_database_connections{") }
                }
            )
            // Not for everyone: a non-loopback client without the token finds nothing here.
            let refused = try await LoopbackHTTP.send(
                port: instance.port,
                method: "GET",
                path: "/metrics",
                headers: [("Authorization", "Bearer wrong")],
                body: nil,
                host: "127.0.0.10"
            )
            #expect(refused.status == 200, "loopback clients may read it without the token")
        }
    }
}
