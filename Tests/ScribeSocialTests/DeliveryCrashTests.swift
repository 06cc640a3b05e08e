import ActivityPubKit
import Foundation
import ScribeStorage
import ScribeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Deliveries live in the database, not in the process: a server killed mid-delivery sends the
/// rest when it comes back.
@Suite("Deliveries survive a crash")
struct DeliveryCrashTests {
    static let followers = 12

    @Test("SIGKILL while a Create is being delivered to a dozen inboxes: after a restart every inbox gets it, none more than twice")
    func killedMidDelivery() async throws {
        let location = try await TestDatabases.shared.makeDatabase()
        defer { Task { try? await TestDatabases.shared.drop(location) } }
        let databaseURL = try #require(location.processURL, "the test cluster should be reached over its socket")
        let dataDirectory = NSTemporaryDirectory() + "scribe-crash-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let port = try freePort(host: "127.0.0.1")
        let origin = "http://127.0.0.1:\(port)"
        let environment = [
            "DATABASE_URL": databaseURL,
            "SCRIBE_DATA_DIR": dataDirectory, "SCRIBE_BIND": "127.0.0.1:\(port)", "SCRIBE_PUBLIC_URL": origin,
            "SCRIBE_ALLOW_PRIVATE_PEERS": "true", "SCRIBE_DELIVERY_LEASE_SECONDS": "3",
        ]

        try await withTestPeer(sharedInbox: false, inbox: .accept(after: .milliseconds(400))) { peer in
            var server = try ScribeProcess(environment: environment)
            try await server.waitUntilReady()
            let auth = try await LoopbackHTTP.register(port: port)

            // A dozen followers, each with an inbox of its own (no shared inbox).
            for index in 0..<Self.followers {
                let follow = ASObject.activity(
                    "Follow",
                    id: "\(peer.origin)/follows/\(index)",
                    actor: peer.actorID("f\(index)"),
                    object: .string("\(origin)/users/alice")
                )
                #expect(try await peer.post(follow.document(in: .mastodon), to: "\(origin)/users/alice/inbox", as: "f\(index)").status == 202)
            }
            #expect(try await eventually(timeout: .seconds(60)) { await peer.inbox.filter { $0.isA("Accept") }.count == Self.followers })

            // Publish, and kill the server once the Create has started arriving.
            let id = try await LoopbackHTTP.createCharacter(port: port, auth: auth, name: "Ferryman")
            #expect(try await LoopbackHTTP.setVisibility(port: port, auth: auth, character: id, "public") == 200)
            #expect(try await eventually(timeout: .seconds(60)) { await peer.inbox.contains { $0.isA("Create") } })
            server.signal(SIGKILL)
            _ = try await server.waitForExit()
            let beforeRestart = Set(await peer.deliveries.filter { $0.activity.isA("Create") }.map(\.inbox))
            #expect(beforeRestart.count < Self.followers, "everything arrived before the kill; the test proves nothing")

            server = try ScribeProcess(environment: environment)
            try await server.waitUntilReady()
            #expect(
                try await eventually(timeout: .seconds(90)) {
                    Set(await peer.deliveries.filter { $0.activity.isA("Create") }.map(\.inbox)).count == Self.followers
                }
            )
            let perInbox = Dictionary(grouping: await peer.deliveries.filter { $0.activity.isA("Create") }, by: \.inbox).mapValues(\.count)
            #expect(perInbox.values.allSatisfy { $0 <= 2 }, "\(perInbox)")
            #expect(Set(await peer.deliveries.filter { $0.activity.isA("Create") }.compactMap { $0.activity.id }).count == 1)
            server.signal(SIGTERM)
            _ = try await server.waitForExit()
        }
    }
}
