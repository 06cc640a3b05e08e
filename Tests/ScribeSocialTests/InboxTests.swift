import ActivityPubKit
import Foundation
import PostgresNIO
import ScribeContracts
import ScribeCore
import ScribeSocial
import ScribeStorage
import ScribeTestFixtures
import ScribeTestSupport
import Testing

/// The inbox over real HTTP, fed by a peer the test controls.
@Suite("Inboxes accept what is signed and refuse the rest")
struct InboxTests {
    static func follow(_ peer: TestPeer, _ instance: TestInstance, name: String = "carol", id: String? = nil) -> ASObject {
        ASObject.activity(
            "Follow",
            id: id ?? "\(peer.origin)/follows/\(UUID().uuidString)",
            actor: peer.actorID(name),
            object: .string("\(instance.publicURL)/users/alice")
        ).document(in: .mastodon)
    }

    static func error(_ reply: LoopbackHTTP.Reply) throws -> (code: String?, message: String?) {
        let error = try reply.json()["error"] as? [String: Any]
        return (error?["code"] as? String, error?["message"] as? String)
    }

    @Test("bad requests get the right 4xx with a JSON reason; nothing is stored")
    func badRequests() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            _ = try await FederationBetweenInstancesTests.register(instance, "alice")
            try await withTestPeer { peer in
                let inbox = "\(instance.publicURL)/users/alice/inbox"
                let activity = try Self.follow(peer, instance).encoded()

                let unsigned = try await peer.post(activity, to: inbox, as: nil)
                #expect(try unsigned.status == 401 && Self.error(unsigned).code == "signature_rejected")
                #expect(try await peer.post(activity, to: inbox, as: "carol", contentType: "text/plain").status == 415)
                #expect(try await peer.post(Data("{\"type\":".utf8), to: inbox, as: "carol").status == 400)
                #expect(try await peer.post(Data("[1,2,3]".utf8), to: inbox, as: "carol").status == 400)
                #expect(try await peer.post(Data(repeating: 0x20, count: 2 << 20), to: inbox, as: "carol").status == 413)
                #expect(try await peer.post(activity, to: "\(instance.publicURL)/users/nobody/inbox", as: "carol").status == 404)
                // Signed by one actor, claiming to be another.
                let impostor = try await peer.post(activity, to: inbox, as: "mallory")
                #expect(try impostor.status == 401 && Self.error(impostor).message?.contains("not by the activity's actor") == true)

                let stored = try await FederationBetweenInstancesTests.rows(instance, "SELECT count(*)::int FROM social.inbox_activities")
                #expect(try stored[0].decode(Int.self) == 0)
            }
        }
    }

    @Test("a follow from a remote server is accepted with a signed Accept; a redelivered activity is stored once")
    func followAndDuplicate() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            let alice = try await FederationBetweenInstancesTests.register(instance, "alice")
            try await withTestPeer { peer in
                let follow = Self.follow(peer, instance)
                for _ in 0..<2 { #expect(try await peer.post(follow, to: "\(instance.publicURL)/inbox", as: "carol").status == 202) }
                #expect(try await eventually { await peer.inbox.contains { $0.isA("Accept") } })
                let accept = try #require(await peer.inbox.first { $0.isA("Accept") })
                #expect(accept.actor?.id == "\(instance.publicURL)/users/alice" && accept.object.first?.object?.id == follow.id)
                let stored = try await FederationBetweenInstancesTests.rows(instance, "SELECT count(*)::int FROM social.inbox_activities")
                #expect(try stored[0].decode(Int.self) == 1)
                let notifications = try await instance.modules.social.notifications.list(for: alice.account.id, before: nil)
                #expect(notifications.map(\.kind) == [.follow] && notifications.first?.actor == peer.actorID("carol"))
            }
        }
    }

    @Test("concurrent deliveries, several of the same activity, are each answered 202 and stored once, and all are processed")
    func concurrentDeliveries() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            _ = try await FederationBetweenInstancesTests.register(instance, "alice")
            try await withTestPeer { peer in
                // 24 Likes from 8 actors, each sent twice at once: the group commits hold them
                // together, and an activity twice in one batch is still stored once.
                let likes = (0..<24).map { index in
                    ASObject.activity(
                        "Like",
                        id: "\(peer.origin)/likes/\(index)",
                        actor: peer.actorID("liker\(index % 8)"),
                        object: .string("\(instance.publicURL)/users/alice")
                    ).document(in: .mastodon)
                }
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for like in likes + likes {
                        let name = like.actor?.id?.split(separator: "/").last.map(String.init) ?? ""
                        group.addTask { try await peer.post(like, to: "\(instance.publicURL)/inbox", as: name).status }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses.count == 48 && statuses.allSatisfy { $0 == 202 }, "\(statuses)")
                let stored = try await FederationBetweenInstancesTests.rows(
                    instance,
                    "SELECT count(DISTINCT activity_id)::int, count(*)::int FROM social.inbox_activities"
                )
                #expect(try stored[0].decode((Int, Int).self) == (24, 24))
                #expect(
                    try await eventually {
                        let pending = try await FederationBetweenInstancesTests.rows(
                            instance,
                            "SELECT count(*)::int FROM social.inbox_activities WHERE state = 'pending'"
                        )
                        return try pending[0].decode(Int.self) == 0
                    }
                )
            }
        }
    }

    @Test("a locked account's follower waits for approval; approving sends the Accept")
    func lockedAccount() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            let alice = try await FederationBetweenInstancesTests.register(instance, "alice")
            _ = try await instance.modules.social.following.changeSettings(.init(manuallyApprovesFollowers: true), as: alice.account.id)
            try await withTestPeer { peer in
                #expect(try await peer.post(Self.follow(peer, instance), to: "\(instance.publicURL)/users/alice/inbox", as: "carol").status == 202)
                #expect(
                    try await eventually {
                        try await instance.modules.social.following.requests(for: alice.account.id) == [peer.actorID("carol")]
                    }
                )
                #expect(await !peer.inbox.contains { $0.isA("Accept") })
                #expect(try await instance.modules.social.notifications.list(for: alice.account.id, before: nil).map(\.kind) == [.followRequest])
                try await instance.modules.social.following.answer(request: peer.actorID("carol"), accept: true, as: alice.account.id)
                #expect(try await eventually { await peer.inbox.contains { $0.isA("Accept") } })
                let followers = try await instance.modules.social.collections.collection(.followers, of: "alice", page: nil)
                #expect(followers.totalItems == 1)
            }
        }
    }

    @Test("a user's block is sent to the blocked server, and the blocked account's Follow is answered with Reject")
    func userBlock() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            let alice = try await FederationBetweenInstancesTests.register(instance, "alice")
            try await withTestPeer { peer in
                try await instance.modules.social.actions.block(peer.actorID("carol"), as: alice.account.id)
                #expect(try await eventually { await peer.inbox.contains { $0.isA("Block") && $0.object.first?.id == peer.actorID("carol") } })
                #expect(try await peer.post(Self.follow(peer, instance), to: "\(instance.publicURL)/users/alice/inbox", as: "carol").status == 202)
                #expect(try await eventually { await peer.inbox.contains { $0.isA("Reject") } })
                #expect(try await instance.modules.social.collections.collection(.followers, of: "alice", page: nil).totalItems == 0)
                #expect(try await instance.modules.social.notifications.list(for: alice.account.id, before: nil).isEmpty)
            }
        }
    }

    @Test("a blocked domain gets 403 and nothing of ours is delivered to it")
    func domainBlock() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            _ = try await FederationBetweenInstancesTests.register(instance, "alice")
            try await withTestPeer { peer in
                try await instance.modules.social.domainBlocks.block("127.0.0.4", reason: "test")
                let reply = try await peer.post(Self.follow(peer, instance), to: "\(instance.publicURL)/inbox", as: "carol")
                #expect(try reply.status == 403 && Self.error(reply).code == "forbidden")
                #expect(try await instance.modules.social.domainBlocks.list().map(\.domain) == ["127.0.0.4"])
                try await instance.modules.social.domainBlocks.unblock("127.0.0.4")
                #expect(try await peer.post(Self.follow(peer, instance), to: "\(instance.publicURL)/inbox", as: "carol").status == 202)
            }
        }
    }

    /// The fixture corpus, each activity re-addressed to the peer's actor (its `actor`, its `id`,
    /// and the ids of an embedded object the original actor wrote) and signed by it.
    /// fediverse-pasture's inputs name their sender's server `http://pasture-one-actor`: it becomes
    /// the peer, so that what they link (a replied-to note, an image) is fetched from a server
    /// that answers, not from a host that does not resolve.
    static func readdressed(_ file: String, peer: TestPeer, index: Int) throws -> ASObject? {
        let text = String(decoding: try Data(contentsOf: Fixtures.fediverse.appendingPathComponent(file)), as: UTF8.self)
        var activity = try ASObject.decode(Data(text.replacingOccurrences(of: "http://pasture-one-actor", with: peer.origin).utf8))
        guard activity.isActivity, let original = activity.actor?.id else { return nil }
        let actor = peer.actorID("fixture")
        activity["actor"] = .string(actor)
        activity["id"] = .string("\(peer.origin)/activities/\(index)")
        if var object = activity.object.first?.object {
            if object.attributedTo?.id == original { object["attributedTo"] = .string(actor) }
            if object.actor?.id == original { object["actor"] = .string(actor) }
            if let id = object.id, let host = URL(string: original)?.host(), URL(string: id)?.host() == host {
                object["id"] = .string("\(peer.origin)/objects/\(index)")
            }
            if object.id == original { object["id"] = .string(actor) }
            activity["object"] = object.embedded
        } else if activity.object.first?.id == original {
            activity["object"] = .string(actor)
        }
        return activity
    }

    @Test("every activity of the fixture corpus, re-addressed and signed, is accepted and then processed or ignored with a reason")
    func fixtureCorpus() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            _ = try await FederationBetweenInstancesTests.register(instance, "alice")
            try await withTestPeer { peer in
                var sent = 0
                for (index, file) in Fixtures.fediverseFiles.enumerated() {
                    guard let activity = try Self.readdressed(file, peer: peer, index: index) else { continue }
                    let reply = try await peer.post(activity, to: "\(instance.publicURL)/inbox", as: "fixture")
                    #expect(reply.status == 202, "\(file): \(reply.status) \(String(decoding: reply.body, as: UTF8.self))")
                    sent += 1
                }
                #expect(sent > 40)
                #expect(
                    try await eventually(timeout: .seconds(60)) {
                        try await FederationBetweenInstancesTests.rows(instance, "SELECT 1 FROM social.inbox_activities WHERE state = 'pending'")
                            .isEmpty
                    }
                )
                let unexplained = try await FederationBetweenInstancesTests.rows(
                    instance,
                    "SELECT activity_id FROM social.inbox_activities WHERE state = 'ignored' AND coalesce(reason, '') = ''"
                )
                #expect(unexplained.isEmpty)
                let stored = try await FederationBetweenInstancesTests.rows(instance, "SELECT count(*)::int FROM social.inbox_activities")
                #expect(try stored[0].decode(Int.self) == sent)
            }
        }
    }
}
