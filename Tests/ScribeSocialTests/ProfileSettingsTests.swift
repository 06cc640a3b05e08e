import ActivityPubKit
import Foundation
import ScribeCore
import ScribeTestSupport
import Testing

@testable import ScribeSocial

/// A profile as Mastodon shows one: whether it may be listed and searched, and what its owner
/// pinned, on the actor and told to the followers' servers.
@Suite("Profiles: discoverable, indexable, pinned")
struct ProfileSettingsTests {
    @Test(
        "discoverable and indexable are on the actor and go out in an Update; pinned public posts are the featured collection, at most five, with Add and Remove sent; a followers-only post cannot be pinned"
    )
    func discoveryAndPins() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            let social = instance.modules.social
            let alice = try await FederationBetweenInstancesTests.register(instance, "alice")
            let aliceActor = "\(instance.publicURL)/users/alice"
            try await withTestPeer { peer in
                let follow = ASObject.activity("Follow", id: "\(peer.origin)/follows/1", actor: peer.actorID("carol"), object: .string(aliceActor))
                #expect(try await peer.post(follow.document(in: .mastodon), to: aliceActor + "/inbox", as: "carol").status == 202)
                #expect(try await eventually { try await social.collections.collection(.followers, of: "alice", page: nil).totalItems == 1 })

                // Defaults, then a change that goes out.
                let profile = try await social.actors.profile(username: "alice")
                var actor = try await social.actors.document(for: profile)
                #expect(actor["discoverable"]?.bool == true && actor["indexable"]?.bool == false)
                #expect(actor["featured"]?.string == aliceActor + "/featured")
                let settings = try await social.following.changeSettings(.init(discoverable: false, indexable: true), as: alice.account.id)
                #expect(!settings.discoverable && settings.indexable && !settings.manuallyApprovesFollowers)
                actor = try await social.actors.document(for: profile)
                #expect(actor["discoverable"]?.bool == false && actor["indexable"]?.bool == true)
                #expect(
                    try await eventually {
                        await peer.inbox.contains { $0.isA("Update") && $0.object.first?.object?["discoverable"]?.bool == false }
                    }
                )

                // Pins.
                var written: [String] = []
                for index in 1...6 { written.append(try await social.actions.post(.init(text: "Post \(index)"), as: alice.account.id).id) }
                let posts = written
                let closed = try await social.actions.post(.init(text: "Friends only", audience: .followers), as: alice.account.id).id
                for id in posts.prefix(5) { try await social.actions.pin(id, as: alice.account.id) }
                try await social.actions.pin(posts[0], as: alice.account.id)  // again: still one pin
                let tooMany = await #expect(throws: SocialError.self) { try await social.actions.pin(posts[5], as: alice.account.id) }
                #expect(tooMany?.code == .invalidInput)
                let notOpen = await #expect(throws: SocialError.self) { try await social.actions.pin(closed, as: alice.account.id) }
                #expect(notOpen?.code == .invalidInput)

                let featured = try await peer.fetch(aliceActor + "/featured", as: nil)
                #expect(featured.status == 200)
                let items = try #require(try featured.json()["orderedItems"] as? [[String: Any]])
                #expect(Set(items.compactMap { $0["id"] as? String }) == Set(posts.prefix(5)))
                #expect(try featured.json()["totalItems"] as? Int == 5)
                #expect(
                    try await eventually {
                        await peer.inbox.filter { $0.isA("Add") && $0.target?.id == aliceActor + "/featured" }.count == 5
                    }
                )

                try await social.actions.unpin(posts[0], as: alice.account.id)
                let again = await #expect(throws: SocialError.self) { try await social.actions.unpin(posts[0], as: alice.account.id) }
                #expect(again?.code == .notFound)
                #expect(
                    try await eventually {
                        await peer.inbox.contains { $0.isA("Remove") && $0.object.first?.id == posts[0] && $0.target?.id == aliceActor + "/featured" }
                    }
                )
                let after = try await social.collections.featured(of: "alice")
                #expect(!after.references("orderedItems").compactMap(\.id).contains(posts[0]))
                try await social.actions.pin(posts[5], as: alice.account.id)
            }
        }
    }
}
