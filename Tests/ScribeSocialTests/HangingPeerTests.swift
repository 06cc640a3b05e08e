import ActivityPubKit
import Foundation
import PostgresNIO
import ScribeContracts
import ScribeCore
import ScribeStorage
import ScribeTestSupport
import Testing

/// Inbox processing fetches what an activity needs with no database connection held, so a
/// server that never answers holds workers, never connections (docs/federation.md, "The inbox").
@Suite("A peer that never answers holds no connection")
struct HangingPeerTests {
    @Test(
        "forty activities whose notes live on a peer that never answers wait out its timeouts, while local users' writes go on at their usual speed"
    )
    func hangingPeer() async throws {
        try await withTestInstance(host: "127.0.0.6", connectionsPerModule: Database.defaultConnectionsPerModule) { instance in
            let core = instance.modules.core
            let created = try await core.accounts.register(
                Registration(username: "alice", email: "alice@example.org", password: "correct horse battery")
            )
            let alice = try await core.accounts.authenticate(token: created.session.token.value)
            let character = try await core.characters.create(CharacterCard(data: ["name": .string("Lantern")]), for: alice)
            _ = try await core.characters.setVisibility(character.id, to: .public, for: alice)
            let item = "\(instance.publicURL)/characters/\(character.id.uuidString.lowercased())"
            let token = created.session.token.value
            // A local write on Social's pool: a comment on her own character.
            let comment: @Sendable (String) async throws -> Duration = { text in
                let body = try JSONSerialization.data(withJSONObject: ["in_reply_to": item, "content": text])
                let start = ContinuousClock.now
                let reply = try await LoopbackHTTP.send(
                    port: instance.port,
                    method: "POST",
                    path: "/api/v1/comments",
                    headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
                    body: body,
                    host: "127.0.0.6"
                )
                #expect(reply.status == 201, "\(String(decoding: reply.body, as: UTF8.self))")
                return ContinuousClock.now - start
            }
            var before: [Duration] = []
            for n in 0..<3 { before.append(try await comment("before \(n)")) }
            let usual = before

            // The accounts live on one server, their notes on another that never answers.
            try await withTestPeer(host: "127.0.0.7") { peer in
                try await withTestPeer(host: "127.0.0.8") { quiet in
                    // Forty accounts, each creating a note that lives on the quiet server.
                    try await withThrowingTaskGroup(of: Int.self) { group in
                        for n in 0..<40 {
                            group.addTask {
                                let activity: ASObject = [
                                    "@context": .string("https://www.w3.org/ns/activitystreams"), "id": .string("\(peer.origin)/activities/\(n)"),
                                    "type": "Create", "actor": .string(peer.actorID("p\(n)")), "object": .string("\(quiet.origin)/hanging/\(n)"),
                                    "to": ["https://www.w3.org/ns/activitystreams#Public"],
                                ]
                                return try await peer.post(activity, to: "\(instance.publicURL)/inbox", as: "p\(n)").status
                            }
                        }
                        for try await status in group { #expect(status == 202) }
                    }
                    // The workers are waiting on the peer now; local writes must not wait with them.
                    #expect(try await eventually(timeout: .seconds(10)) { try await Self.waiting(instance) > 0 })
                    var meanwhile: [Duration] = []
                    for n in 0..<5 { meanwhile.append(try await comment("during \(n)")) }
                    let slowest = meanwhile.max() ?? .zero
                    print("hanging peer: comments took \(usual) before the flood, \(meanwhile) during it")
                    // The outbound client gives up on a quiet server after 10 s: a write that waited
                    // for a connection would take at least that long.
                    #expect(slowest < max(.seconds(3), (usual.max() ?? .zero) * 5), "before: \(usual), during: \(meanwhile)")
                    #expect(try await Self.waiting(instance) > 0, "the activities were still waiting on the peer while the comments were made")

                    // Once the fetches time out, every activity has had its attempt, and none is lost.
                    let tried = try await eventually(timeout: .seconds(180)) { try await Self.failedAttempts(instance) == 40 }
                    let reasons = try await Self.reasons(instance)
                    #expect(tried, "\(reasons)")
                    print("hanging peer: \(reasons.prefix(3))")
                }
            }
        }
    }

    /// Activities from the peer that are leased and not yet tried: being worked on right now.
    static func waiting(_ instance: TestInstance) async throws -> Int {
        try await count(instance, "state = 'pending' AND attempts = 0 AND leased_until > now()")
    }

    /// Activities from the peer tried and failed on the fetch, waiting for their next try.
    static func failedAttempts(_ instance: TestInstance) async throws -> Int {
        try await count(instance, "state = 'pending' AND attempts >= 1 AND reason LIKE '%could not be fetched%'")
    }

    static func reasons(_ instance: TestInstance) async throws -> [String] {
        try await instance.modules.database.owner.query(
            """
            SELECT state || ' ' || attempts || ' ' || coalesce(reason, '') || ' ×' || count(*) FROM social.inbox_activities
            WHERE type = 'Create' GROUP BY state, attempts, reason
            """,
            logger: TestLogger.make("probe")
        ).collect().map { try $0.decode(String.self) }
    }

    static func count(_ instance: TestInstance, _ condition: String) async throws -> Int {
        try await instance.modules.database.owner.query(
            PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM social.inbox_activities WHERE type = 'Create' AND \(condition)"),
            logger: TestLogger.make("probe")
        ).collect().first?.decode(Int.self) ?? 0
    }
}
