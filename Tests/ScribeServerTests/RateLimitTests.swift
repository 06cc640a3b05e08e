import ActivityPubKit
import Foundation
import NIOHTTP1
import PostgresNIO
import ScribeCore
import ScribeStorage
import ScribeTestSupport
import Testing

@testable import ScribeServer

/// Rate limits over real HTTP, with counters in PostgreSQL: per remote domain on the inbox, per
/// client address and per account on the JSON API; over the limit is 429 with `Retry-After`.
@Suite("Rate limits")
struct RateLimitTests {
    static func follow(from peer: TestPeer, to instance: TestInstance, _ number: Int) -> ASObject {
        ASObject.activity(
            "Follow",
            id: "\(peer.origin)/follows/\(number)",
            actor: peer.actorID("carol"),
            object: .string("\(instance.publicURL)/users/alice")
        ).document(in: .mastodon)
    }

    /// Returns at once in a minute's first 30 seconds, else waits for the next minute: the limits
    /// count per clock minute, and a test's few requests must fall in one.
    static func startEarlyInAMinute() async throws {
        let second = Int(Date().timeIntervalSince1970) % 60
        if second >= 30 { try await Task.sleep(for: .seconds(61 - second)) }
    }

    @Test("flooding the inbox from one remote domain yields 429s for that domain while another domain's activities are still accepted")
    func inboxFloodIsLimitedPerDomain() async throws {
        try await withTestInstance(host: "127.0.0.6", flags: ["SCRIBE_RATE_LIMIT_INBOX": "10"]) { instance in
            _ = try await instance.modules.core.accounts.register(
                Registration(username: "alice", email: "alice@example.org", password: "correct horse battery")
            )
            let inbox = "\(instance.publicURL)/users/alice/inbox"
            try await withTestPeer(host: "127.0.0.7") { flooder in
                try await withTestPeer(host: "127.0.0.8") { neighbour in
                    // Requests whose signature does not hold spend nobody's budget: twelve from an
                    // impostor (signed by mallory, claiming carol's activity) are 401 and change nothing.
                    for number in 100..<112 {
                        #expect(try await flooder.post(Self.follow(from: flooder, to: instance, number), to: inbox, as: "mallory").status == 401)
                    }
                    var statuses: [Int] = []
                    var retryAfter: String?
                    for number in 0..<25 {
                        let reply = try await flooder.post(Self.follow(from: flooder, to: instance, number), to: inbox, as: "carol")
                        statuses.append(reply.status)
                        if reply.status == 429 {
                            retryAfter = reply.headers.first(name: "Retry-After")
                            #expect(try reply.json()["error"].flatMap { $0 as? [String: Any] }?["code"] as? String == "rate_limited")
                        }
                    }
                    // A minute boundary may fall inside the flood and open a new window; still, the first
                    // ten are accepted and most of the rest refused.
                    #expect(statuses.prefix(10).allSatisfy { $0 == 202 }, "\(statuses)")
                    #expect(statuses.filter { $0 == 202 }.count <= 20 && statuses.filter { $0 == 429 }.count >= 5, "\(statuses)")
                    #expect(statuses.allSatisfy { $0 == 202 || $0 == 429 }, "\(statuses)")
                    let seconds = try #require(retryAfter.flatMap(Int.init))
                    #expect((1...60).contains(seconds))
                    for number in 0..<3 {
                        #expect(try await neighbour.post(Self.follow(from: neighbour, to: instance, number), to: inbox, as: "carol").status == 202)
                    }
                }
            }
        }
    }

    @Test("the JSON API answers 429 with Retry-After past the limit per client address, and per account from any address")
    func apiIsLimitedPerAddressAndAccount() async throws {
        try await withTestInstance(host: "127.0.0.9", flags: ["SCRIBE_RATE_LIMIT_ADDRESS": "8", "SCRIBE_RATE_LIMIT_ACCOUNT": "5"]) { instance in
            let alice = try await instance.modules.core.accounts.register(
                Registration(username: "alice", email: "alice@example.org", password: "correct horse battery")
            )
            let auth = [("Authorization", "Bearer \(alice.session.token.value)")]
            // The account's budget (5) runs out before the address's (8). Seven requests split by a
            // minute's end (say 3 and 4) would all fit, so they start early in a minute.
            try await Self.startEarlyInAMinute()
            var statuses: [Int] = []
            for _ in 0..<7 {
                statuses.append(
                    try await LoopbackHTTP.send(
                        port: instance.port,
                        method: "GET",
                        path: "/api/v1/characters",
                        headers: auth,
                        body: nil,
                        host: "127.0.0.9"
                    ).status
                )
            }
            #expect(statuses.filter { $0 == 200 }.count <= 6 && statuses.contains(429), "\(statuses)")
            // Anonymous requests from the same address spend the address's budget alone.
            var anonymous: [Int] = []
            for _ in 0..<10 {
                anonymous.append(
                    try await LoopbackHTTP.send(port: instance.port, method: "GET", path: "/api/v1/marketplace/tags", body: nil, host: "127.0.0.9")
                        .status
                )
            }
            #expect(anonymous.contains(429), "\(anonymous)")
            let limited = try await LoopbackHTTP.send(
                port: instance.port,
                method: "GET",
                path: "/api/v1/marketplace/tags",
                body: nil,
                host: "127.0.0.9"
            )
            #expect(limited.status == 429 && limited.headers.first(name: "Retry-After").flatMap(Int.init) != nil)
            // Pages and ActivityPub documents are outside the JSON API's limit.
            #expect(try await LoopbackHTTP.send(port: instance.port, method: "GET", path: "/healthz", body: nil, host: "127.0.0.9").status == 200)
        }
    }
}

extension RateLimitTests {
    @Test(
        "each answer of the API tells its budget (X-RateLimit-Limit, -Remaining, -Reset); over it, Mastodon's routes answer 429 in Mastodon's shape"
    )
    func budgetHeaders() async throws {
        try await withTestInstance(host: "127.0.0.9", flags: ["SCRIBE_RATE_LIMIT_ADDRESS": "3"]) { instance in
            try await Self.startEarlyInAMinute()
            var remaining: [String] = []
            for _ in 0..<3 {
                let reply = try await LoopbackHTTP.send(port: instance.port, method: "GET", path: "/api/v1/instance", body: nil, host: "127.0.0.9")
                #expect(reply.status == 200)
                #expect(reply.headers.first(name: "X-RateLimit-Limit") == "3")
                let reset = try #require(reply.headers.first(name: "X-RateLimit-Reset"))
                let date = try #require(try? Date(reset, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)), "\(reset)")
                #expect(date > Date() && date <= Date().addingTimeInterval(61))
                remaining.append(reply.headers.first(name: "X-RateLimit-Remaining") ?? "")
            }
            #expect(remaining == ["2", "1", "0"])
            let limited = try await LoopbackHTTP.send(port: instance.port, method: "GET", path: "/api/v1/instance", body: nil, host: "127.0.0.9")
            #expect(limited.status == 429)
            #expect(limited.headers.first(name: "X-RateLimit-Remaining") == "0")
            #expect(try limited.json().keys.sorted() == ["error"])
        }
    }
}

/// The counters two processes share: each learns the other's hits when it writes its own.
@Suite("Rate-limit counters shared through PostgreSQL")
struct SharedRateCounterTests {
    @Test("two limiters on one database spend one budget: what one counted is refused by the other after they write")
    func twoProcessesShareOneBudget() async throws {
        try await withTestPools { database in
            let limits = RateLimitSettings(perAddress: 10, perAccount: 10, perRemoteDomain: 10)
            let first = RateLimiter(database: database, settings: limits, logger: TestLogger.make("first"))
            let second = RateLimiter(database: database, settings: limits, logger: TestLogger.make("second"))
            let now = Date()
            for _ in 0..<6 { #expect(first.hit("inbox:mastodon.example", limit: 10, now: now) == .allowed) }
            await first.flush(now: now)
            #expect(second.hit("inbox:mastodon.example", limit: 10, now: now) == .allowed)
            await second.flush(now: now)
            // The second now knows of the first's six: three more fit, the eleventh does not.
            let decisions = (0..<4).map { _ in second.hit("inbox:mastodon.example", limit: 10, now: now) }
            #expect(decisions.prefix(3).allSatisfy { $0 == .allowed })
            guard case .limited(let seconds) = decisions[3] else {
                Issue.record("the eleventh request was allowed")
                return
            }
            #expect((1...60).contains(seconds))
            // Another domain, and the next minute, start afresh.
            #expect(second.hit("inbox:gts.example", limit: 10, now: now) == .allowed)
            #expect(second.hit("inbox:mastodon.example", limit: 10, now: now + 60) == .allowed)
            await second.flush(now: now)
            let stored = try await database.owner.query(
                "SELECT hits FROM edge.rate_counters WHERE bucket = 'inbox:mastodon.example' ORDER BY window_start",
                logger: TestLogger.make("probe")
            ).collect().map { try $0.decode(Int.self) }
            #expect(stored == [11, 1])
        }
    }
}
