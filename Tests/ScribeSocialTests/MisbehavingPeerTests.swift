import ActivityPubKit
import Foundation
import PostgresNIO
import ScribeStorage
import ScribeTestSupport
import Testing

/// The delivery queue against the servers the fediverse really has: slow ones, ones that never
/// answer, ones that fail, answer with megabytes or redirect somewhere we must not go. Each is
/// retried later with back-off, and none of them holds up the others.
@Suite("Deliveries flow past misbehaving peers")
struct MisbehavingPeerTests {
    typealias Peer = (host: String, inbox: InboxBehaviour)
    static let peers: [Peer] = [
        ("127.0.0.10", .accept()), ("127.0.0.11", .accept(after: .seconds(4))), ("127.0.0.12", .hang), ("127.0.0.13", .fail(status: 500)),
        ("127.0.0.14", .flood(bytes: 10 << 20)), ("127.0.0.15", .redirect(to: "http://169.254.169.254/latest/meta-data/")),
    ]

    static func withPeers(
        _ remaining: ArraySlice<Peer>,
        _ started: [TestPeer] = [],
        _ body: @escaping @Sendable ([TestPeer]) async throws -> Void
    ) async throws {
        guard let next = remaining.first else { return try await body(started) }
        try await withTestPeer(host: next.host, sharedInbox: false, inbox: next.inbox) { peer in
            try await withPeers(remaining.dropFirst(), started + [peer], body)
        }
    }

    @Test(
        "a follower's server that is slow, hangs, fails, floods or redirects to a private address is retried later; the others get the post at once"
    )
    func misbehavingPeers() async throws {
        try await withTestInstance(host: "127.0.0.8") { instance in
            try await Self.withPeers(Self.peers[...]) { peers in
                let registered = try await LoopbackHTTP.send(
                    port: instance.port,
                    method: "POST",
                    path: "/api/v1/accounts",
                    headers: [("Content-Type", "application/json")],
                    body: Data(#"{"username":"alice","email":"alice@example.org","password":"correct horse battery"}"#.utf8),
                    host: "127.0.0.8"
                )
                let token = try #require((try registered.json()["session"] as? [String: Any])?["token"] as? String)
                let auth = [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")]
                let alice = instance.publicURL + "/users/alice"
                for (index, peer) in peers.enumerated() {
                    let follow = ASObject.activity("Follow", id: "\(peer.origin)/follows/\(index)", actor: peer.actorID("f"), object: .string(alice))
                    #expect(try await peer.post(follow.document(in: .mastodon), to: alice + "/inbox", as: "f").status == 202)
                }

                let created = try await LoopbackHTTP.send(
                    port: instance.port,
                    method: "POST",
                    path: "/api/v1/characters",
                    headers: auth,
                    body: Data(#"{"card":{"name":"Ferryman"}}"#.utf8),
                    host: "127.0.0.8"
                )
                let id = try #require((try created.json()["character"] as? [String: Any])?["id"] as? String)
                let started = ContinuousClock.now
                _ = try await LoopbackHTTP.send(
                    port: instance.port,
                    method: "PUT",
                    path: "/api/v1/characters/\(id)/visibility",
                    headers: auth,
                    body: Data(#"{"sharing_visibility":"public"}"#.utf8),
                    host: "127.0.0.8"
                )

                // The healthy server has it at once, the slow one after its delay: neither waits
                // for the one that never answers.
                let healthy = peers[0]
                let slow = peers[1]
                #expect(try await eventually(timeout: .seconds(20)) { await healthy.inbox.contains { $0.isA("Create") } })
                #expect(try await eventually(timeout: .seconds(20)) { await slow.inbox.contains { $0.isA("Create") } })
                #expect(ContinuousClock.now - started < .seconds(25), "the healthy and the slow server waited for the hanging one")

                // The others are settled within the client's 30 s deadline: the flood delivered
                // (its answer read up to the cap and dropped), the rest waiting for a later try.
                let location = instance.modules.database.location
                let peerCount = peers.count
                let settled = try await eventually(timeout: .seconds(75)) {
                    let states = try await Self.createDeliveries(location)
                    return states.count == peerCount && states.values.allSatisfy { $0.state == "delivered" || $0.error != nil }
                }
                let states = try await Self.createDeliveries(location)
                #expect(settled, "\(states)")
                let hosts = peers.map { String($0.origin.dropFirst("http://".count)) }
                for (index, host) in hosts.enumerated() {
                    let outcome = states[host]
                    switch Self.peers[index].inbox {
                    case .accept, .flood:
                        #expect(outcome?.state == "delivered", "\(host): \(String(describing: outcome))")
                    case .hang, .fail, .redirect:
                        // Tried, and put off: the failing one may have had its second try by now.
                        #expect(
                            outcome?.state == "pending" && (outcome?.attempts ?? 0) >= 1 && outcome?.backedOff == true,
                            "\(host): \(String(describing: outcome))"
                        )
                    }
                }
                #expect(states[hosts[2]]?.error?.contains("timed_out") == true, "\(String(describing: states[hosts[2]]))")
                #expect(states[hosts[3]]?.error == "HTTP 500")
                #expect(states[hosts[5]]?.error == "HTTP 302")
                let failing = try await Self.failingHosts(location)
                #expect(failing == Set([hosts[2], hosts[3], hosts[5]]))

                // Operators see the same in the federation health report (alice, the first
                // account, administers the instance).
                let report = try await LoopbackHTTP.send(
                    port: instance.port,
                    method: "GET",
                    path: "/api/v1/admin/federation",
                    headers: auth,
                    body: nil,
                    host: "127.0.0.8"
                )
                let federation = try #require(try report.json()["federation"] as? [String: Any])
                let reported = (federation["failing_hosts"] as? [[String: Any]] ?? []).reduce(into: [String: String]()) {
                    $0[$1["host"] as? String ?? ""] = $1["last_error"] as? String
                }
                #expect(Set(reported.keys) == failing)
                #expect(reported[hosts[3]] == "HTTP 500" && reported[hosts[5]] == "HTTP 302")
                #expect((federation["pending"] as? Int ?? 0) >= 3)
                let page = try await LoopbackHTTP.send(
                    port: instance.port,
                    method: "GET",
                    path: "/moderation",
                    headers: [auth[0], ("Accept", "text/html")],
                    body: nil,
                    host: "127.0.0.8"
                )
                let html = String(decoding: page.body, as: UTF8.self)
                #expect(
                    page.status == 200 && html.contains("<td>\(hosts[3])</td>") && html.contains("HTTP 500"),
                    "the moderation page shows the failing hosts"
                )
            }
        }
    }

    /// Each host's delivery of the `Create`: its state, attempts, last error, and whether its next
    /// attempt was put off by at least the first back-off (30 s, less a margin).
    static func createDeliveries(
        _ location: DatabaseLocation
    ) async throws -> [String: (state: String, attempts: Int, error: String?, backedOff: Bool)] {
        try await Database.withConnection(to: location) { connection in
            var result: [String: (String, Int, String?, Bool)] = [:]
            let rows = try await connection.query(
                """
                SELECT host, state, attempts, last_error, next_attempt_at > now() + interval '15 seconds'
                FROM social.deliveries WHERE convert_from(body, 'UTF8')::jsonb ->> 'type' = 'Create'
                """,
                logger: connection.logger
            )
            for try await (host, state, attempts, error, backedOff) in rows.decode((String, String, Int, String?, Bool).self) {
                result[host] = (state, attempts, error, backedOff)
            }
            return result
        }
    }

    static func failingHosts(_ location: DatabaseLocation) async throws -> Set<String> {
        try await Database.withConnection(to: location) { connection in
            var hosts: Set<String> = []
            for try await host in try await connection.query("SELECT host FROM social.host_health", logger: connection.logger).decode(String.self) {
                hosts.insert(host)
            }
            return hosts
        }
    }
}
