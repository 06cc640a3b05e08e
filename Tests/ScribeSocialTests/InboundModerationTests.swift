import ActivityPubKit
import Foundation
import ScribeCore
import ScribeTestSupport
import Testing

@testable import ScribeSocial

/// What another server's `Block`, `Flag` and `Move` do here, as Mastodon does them: a block ends
/// the follows both ways and stops our deliveries to the blocker, a report waits for a
/// moderator, and a move takes our users' follows to the new account only when that account
/// names the old one in `alsoKnownAs`.
@Suite("Inbound Block, Flag and Move")
struct InboundModerationTests {
    /// Alice follows carol on the peer, who accepts, and carol follows alice.
    static func mutualFollow(_ instance: TestInstance, _ peer: TestPeer, alice: UUID, name: String = "carol") async throws {
        let aliceActor = "\(instance.publicURL)/users/alice"
        _ = try await instance.modules.social.following.follow(peer.actorID(name), as: alice)
        #expect(try await eventually { await peer.inbox.contains { $0.isA("Follow") && $0.object.first?.id == peer.actorID(name) } })
        let follow = try #require(await peer.inbox.last(where: { $0.isA("Follow") && $0.object.first?.id == peer.actorID(name) }))
        let accept = ASObject.activity(
            "Accept",
            id: "\(peer.origin)/accepts/\(UUID())",
            actor: peer.actorID(name),
            object: .object(follow.properties)
        )
        #expect(try await peer.post(accept.document(in: .mastodon), to: aliceActor + "/inbox", as: name).status == 202)
        let theirs = ASObject.activity("Follow", id: "\(peer.origin)/follows/\(UUID())", actor: peer.actorID(name), object: .string(aliceActor))
        #expect(try await peer.post(theirs.document(in: .mastodon), to: aliceActor + "/inbox", as: name).status == 202)
        #expect(
            try await eventually {
                let social = instance.modules.social
                let following = try await social.collections.collection(.following, of: "alice", page: nil).totalItems
                let followers = try await social.collections.collection(.followers, of: "alice", page: nil).totalItems
                return following == 1 && followers == 1
            }
        )
    }

    @Test("a remote Block ends the follows both ways, and the blocker gets none of the blocked user's posts")
    func inboundBlock() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            let alice = try await FederationBetweenInstancesTests.register(instance, "alice")
            let aliceActor = "\(instance.publicURL)/users/alice"
            try await withTestPeer { peer in
                try await Self.mutualFollow(instance, peer, alice: alice.account.id)
                let block = ASObject.activity("Block", id: "\(peer.origin)/blocks/1", actor: peer.actorID("carol"), object: .string(aliceActor))
                #expect(try await peer.post(block.document(in: .mastodon), to: aliceActor + "/inbox", as: "carol").status == 202)
                #expect(
                    try await eventually {
                        let social = instance.modules.social
                        let following = try await social.collections.collection(.following, of: "alice", page: nil).totalItems
                        let followers = try await social.collections.collection(.followers, of: "alice", page: nil).totalItems
                        return following == 0 && followers == 0
                    }
                )
                let post = try await instance.modules.social.actions.post(.init(text: "After the block."), as: alice.account.id)
                let marker = try await instance.modules.social.actions.post(
                    .init(text: "Hello @carol@\(URL(string: peer.origin)!.host()!):\(URL(string: peer.origin)!.port!)", audience: .direct),
                    as: alice.account.id
                )
                try await Task.sleep(for: .seconds(2))
                let creates = await peer.inbox.filter { $0.isA("Create") }.compactMap { $0.object.first?.id }
                #expect(!creates.contains(post.id), "a blocker is not sent the blocked user's posts")
                #expect(!creates.contains(marker.id), "not even one that mentions them")
            }
        }
    }

    @Test("a remote Flag becomes an open report naming the reporter, the reported objects and the text; a redelivery is one report")
    func inboundFlag() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            let alice = try await FederationBetweenInstancesTests.register(instance, "alice")
            let aliceActor = "\(instance.publicURL)/users/alice"
            let post = try await instance.modules.social.actions.post(.init(text: "Something to report."), as: alice.account.id)
            try await withTestPeer { peer in
                var flag = ASObject.activity(
                    "Flag",
                    id: "\(peer.origin)/flags/1",
                    actor: peer.actorID("carol"),
                    object: .array([.string(aliceActor), .string(post.id)])
                )
                flag["content"] = "Spam <script>alert(1)</script>"
                for _ in 0..<2 {
                    #expect(try await peer.post(flag.document(in: .mastodon), to: "\(instance.publicURL)/inbox", as: "carol").status == 202)
                }
                #expect(try await eventually { try await !instance.modules.social.reports.open().isEmpty })
                try await Task.sleep(for: .milliseconds(500))
                let reports = try await instance.modules.social.reports.open()
                #expect(reports.count == 1)
                let report = try #require(reports.first)
                #expect(report.reporter == peer.actorID("carol"))
                #expect(Set(report.objects) == [aliceActor, post.id])
                #expect(report.content.hasPrefix("Spam") && !report.content.contains("<script"))
                try await instance.modules.social.reports.resolve(report.id)
                #expect(try await instance.modules.social.reports.open().isEmpty)
            }
        }
    }

    @Test("a Move takes local followers to the new account when it names the old one in alsoKnownAs, and is ignored when it does not")
    func inboundMove() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            let alice = try await FederationBetweenInstancesTests.register(instance, "alice")
            let aliceActor = "\(instance.publicURL)/users/alice"
            try await withTestPeer { peer in
                try await Self.mutualFollow(instance, peer, alice: alice.account.id)
                let social = instance.modules.social

                // A move to an account that does not claim the old one changes nothing.
                let unclaimed = ASObject.activity(
                    "Move",
                    id: "\(peer.origin)/moves/1",
                    actor: peer.actorID("carol"),
                    object: .string(peer.actorID("carol"))
                )
                var toStranger = unclaimed
                toStranger["target"] = .string(peer.actorID("mallory"))
                #expect(try await peer.post(toStranger.document(in: .mastodon), to: aliceActor + "/inbox", as: "carol").status == 202)
                try await Task.sleep(for: .seconds(1))
                #expect(await !peer.inbox.contains { $0.isA("Follow") && $0.object.first?.id == peer.actorID("mallory") })
                #expect(try await social.collections.collection(.following, of: "alice", page: 1).items.map(\.id) == [peer.actorID("carol")])

                // The new account names the old one: alice follows it instead.
                await peer.setProfile(of: "carol2", ["alsoKnownAs": .array([.string(peer.actorID("carol"))])])
                var move = ASObject.activity(
                    "Move",
                    id: "\(peer.origin)/moves/2",
                    actor: peer.actorID("carol"),
                    object: .string(peer.actorID("carol"))
                )
                move["target"] = .string(peer.actorID("carol2"))
                #expect(try await peer.post(move.document(in: .mastodon), to: aliceActor + "/inbox", as: "carol").status == 202)
                #expect(try await eventually { await peer.inbox.contains { $0.isA("Follow") && $0.object.first?.id == peer.actorID("carol2") } })
                let follow = try #require(await peer.inbox.last(where: { $0.isA("Follow") && $0.object.first?.id == peer.actorID("carol2") }))
                #expect(follow.actor?.id == aliceActor)
                let accept = ASObject.activity(
                    "Accept",
                    id: "\(peer.origin)/accepts/2",
                    actor: peer.actorID("carol2"),
                    object: .object(follow.properties)
                )
                #expect(try await peer.post(accept.document(in: .mastodon), to: aliceActor + "/inbox", as: "carol2").status == 202)
                #expect(
                    try await eventually {
                        try await social.collections.collection(.following, of: "alice", page: 1).items.map(\.id) == [peer.actorID("carol2")]
                    }
                )
                // Carol's own follow of alice is hers to move; it stays as it was.
                #expect(try await social.collections.collection(.followers, of: "alice", page: 1).items.map(\.id) == [peer.actorID("carol")])
            }
        }
    }
}
