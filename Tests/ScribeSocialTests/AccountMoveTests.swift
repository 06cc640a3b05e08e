import ActivityPubKit
import Foundation
import ScribeCore
import ScribeTestSupport
import Testing

@testable import ScribeSocial

/// Moving out, as Mastodon moves an account: aliases on the actor, and a `Move` that a peer only
/// receives once the new account names the old one.
@Suite("Moving an account out")
struct AccountMoveTests {
    @Test(
        "aliases go out on the actor and in an Update; a move to an account that does not name us is refused; a move sends Move, shows movedTo and takes local followers along"
    )
    func moveOut() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            let social = instance.modules.social
            let created = try await instance.modules.core.accounts.register(
                Registration(username: "alice", email: "alice@example.org", password: "correct horse battery")
            )
            let token = created.session.token.value
            let alice = try await instance.modules.core.accounts.authenticate(token: token)
            let bob = try await FederationBetweenInstancesTests.register(instance, "bob")
            let aliceActor = "\(instance.publicURL)/users/alice"
            try await withTestPeer { peer in
                // Carol on the peer and bob here follow alice.
                let follow = ASObject.activity("Follow", id: "\(peer.origin)/follows/1", actor: peer.actorID("carol"), object: .string(aliceActor))
                #expect(try await peer.post(follow.document(in: .mastodon), to: aliceActor + "/inbox", as: "carol").status == 202)
                _ = try await social.following.follow(aliceActor, as: bob.account.id)
                #expect(try await eventually { try await social.collections.collection(.followers, of: "alice", page: nil).totalItems == 2 })

                // Aliases: on the actor, and sent to the follower's server.
                let settings = try await social.following.setAliases([peer.actorID("old-alice")], as: alice.account.id)
                #expect(settings.alsoKnownAs == [peer.actorID("old-alice")] && settings.movedTo == nil)
                let profile = try await social.actors.profile(username: "alice")
                #expect(try await social.actors.document(for: profile).addresses("alsoKnownAs") == [peer.actorID("old-alice")])
                #expect(
                    try await eventually {
                        await peer.inbox.contains {
                            $0.isA("Update") && $0.object.first?.object?.addresses("alsoKnownAs") == [peer.actorID("old-alice")]
                        }
                    }
                )
                await #expect(throws: SocialError.self) { try await social.following.setAliases([aliceActor], as: alice.account.id) }

                // The new account does not name alice yet: refused, nothing sent.
                let refused = await #expect(throws: SocialError.self) {
                    try await social.following.move(
                        to: peer.actorID("new-alice"),
                        as: alice.account.id,
                        password: "correct horse battery",
                        sessionToken: token
                    )
                }
                #expect(refused?.code == .invalidInput)
                #expect(try await social.actors.accountSettings(alice.account.id).movedTo == nil)

                // Once it does, the move goes through.
                await peer.setProfile(of: "new-alice", ["alsoKnownAs": .array([.string(aliceActor)])])
                // A move asks for the password again, as Mastodon's does: a wrong one changes nothing.
                let wrongPassword = await #expect(throws: SocialError.self) {
                    try await social.following.move(
                        to: peer.actorID("new-alice"),
                        as: alice.account.id,
                        password: "not my password",
                        sessionToken: token
                    )
                }
                #expect(wrongPassword?.code == .invalidInput && wrongPassword?.message == "The password is wrong.")
                #expect(try await social.actors.accountSettings(alice.account.id).movedTo == nil)
                let moved = try await social.following.move(
                    to: peer.actorID("new-alice"),
                    as: alice.account.id,
                    password: "correct horse battery",
                    sessionToken: token
                )
                #expect(moved.movedTo == peer.actorID("new-alice"))
                #expect(try await social.actors.document(for: profile)["movedTo"]?.string == peer.actorID("new-alice"))
                #expect(
                    try await eventually {
                        await peer.inbox.contains {
                            $0.isA("Move") && $0.actor?.id == aliceActor && $0.object.first?.id == aliceActor
                                && $0.target?.id == peer.actorID("new-alice")
                        }
                    }
                )
                // Bob, a follower here, now asks to follow the new account.
                #expect(
                    try await eventually {
                        await peer.inbox.contains {
                            $0.isA("Follow") && $0.actor?.id == "\(instance.publicURL)/users/bob" && $0.object.first?.id == peer.actorID("new-alice")
                        }
                    }
                )
                #expect(try await social.collections.collection(.followers, of: "alice", page: 1).items.map(\.id) == [peer.actorID("carol")])

                // A second move within 30 days is refused, however right the password.
                await peer.setProfile(of: "newer-alice", ["alsoKnownAs": .array([.string(aliceActor)])])
                let tooSoon = await #expect(throws: SocialError.self) {
                    try await social.following.move(
                        to: peer.actorID("newer-alice"),
                        as: alice.account.id,
                        password: "correct horse battery",
                        sessionToken: token
                    )
                }
                #expect(tooSoon?.code == .invalidInput && tooSoon?.message.contains("once in 30 days") == true)
                #expect(try await social.actors.accountSettings(alice.account.id).movedTo == peer.actorID("new-alice"))
            }
        }
    }
}
