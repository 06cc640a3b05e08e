import ActivityPubKit
import Foundation
import PostgresNIO
import ScribeContracts
import ScribeCore
import ScribeSocial
import ScribeStorage
import ScribeTestSupport
import Testing

/// Notes from servers that address them in ways Mastodon's timeline does not depend on: found
/// federating with a live bovine server, whose actors hide their followers collection.
@Suite("Inbound notes: hidden followers collections, addressing without a Mention")
struct InboundAddressingTests {
    @Test(
        "a followers-only note delivered to a follower's own inbox reaches her feed though its author hides his followers; a note addressed to a user without a Mention tag reaches hers, with no notification"
    )
    func addressing() async throws {
        try await withTestInstance(host: "127.0.0.2") { instance in
            try await withTestPeer(hidesFollowers: true) { peer in
                func register(_ username: String) async throws -> UUID {
                    try await instance.modules.core.accounts.register(
                        Registration(username: username, email: "\(username)@example.org", password: "correct horse battery")
                    ).session.account.id
                }
                let alice = try await register("alice")
                let bea = try await register("bea")
                let social = instance.modules.social
                let frank = peer.actorID("frank")

                // Alice follows frank; his server accepts.
                let peerDomain = String(peer.origin.dropFirst("http://".count))
                _ = try await social.following.follow("frank@\(peerDomain)", as: alice)
                #expect(try await eventually { await peer.inbox.contains { $0.isA("Follow") } })
                let follow = try #require(await peer.inbox.first { $0.isA("Follow") })
                let accept = ASObject.activity("Accept", id: "\(peer.origin)/accepts/1", actor: frank, object: follow.embedded)
                let aliceInbox = "\(instance.publicURL)/users/alice/inbox"
                #expect(try await peer.post(accept.document(in: .mastodon), to: aliceInbox, as: "frank").status == 202)
                let aliceActor = "\(instance.publicURL)/users/alice"
                #expect(
                    try await eventually {
                        let rows = try await instance.modules.database.owner.query(
                            "SELECT state FROM social.follows WHERE follower = \(aliceActor) AND followed = \(frank)",
                            logger: TestLogger.make("probe")
                        ).collect()
                        return try rows.first?.decode(String.self) == "accepted"
                    }
                )

                // A followers-only note, to alice's own inbox, addressed to a collection we cannot read.
                @Sendable func note(_ id: String, by author: String, to: [String]) -> ASObject {
                    let note: ASObject = [
                        "id": .string("\(peer.origin)/notes/\(id)"), "type": "Note", "attributedTo": .string(peer.actorID(author)),
                        "content": "<p>Hello</p>", "to": .strings(to), "published": .string(ASObject.timestamp(Date())),
                    ]
                    return ASObject.activity(
                        "Create",
                        id: "\(peer.origin)/notes/\(id)/activity",
                        actor: peer.actorID(author),
                        object: note.embedded,
                        to: to
                    )
                }
                let forFollowers = note("1", by: "frank", to: [frank + "/followers"])
                #expect(try await peer.post(forFollowers.document(in: .mastodon), to: aliceInbox, as: "frank").status == 202)
                #expect(
                    try await eventually {
                        try await social.homeFeed(for: alice, before: nil).contains { $0.object == "\(peer.origin)/notes/1" }
                    }
                )
                // Not in the feed of someone who does not follow him.
                #expect(try await social.homeFeed(for: bea, before: nil).isEmpty)

                // Gina, whom nobody follows, addresses bea without a Mention tag: a silent mention.
                let toBea = note("2", by: "gina", to: ["\(instance.publicURL)/users/bea"])
                #expect(try await peer.post(toBea.document(in: .mastodon), to: "\(instance.publicURL)/inbox", as: "gina").status == 202)
                #expect(
                    try await eventually {
                        try await social.homeFeed(for: bea, before: nil).contains { $0.object == "\(peer.origin)/notes/2" }
                    }
                )
                #expect(try await social.notifications.list(for: bea, before: nil).isEmpty, "addressing alone does not notify, as in Mastodon")
            }
        }
    }
}
