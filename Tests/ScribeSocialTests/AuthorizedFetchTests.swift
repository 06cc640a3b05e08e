import ActivityPubKit
import Foundation
import ScribeContracts
import ScribeCore
import ScribeSocial
import ScribeTestSupport
import Testing

/// Signed fetches of ActivityPub documents: Mastodon's secure mode (`SCRIBE_AUTHORIZED_FETCH`),
/// and followers-only items shown to the followers' servers that sign for them. A real instance
/// and a peer that signs its GETs with its own keys.
@Suite("Signed fetches and secure mode")
struct AuthorizedFetchTests {
    @Test(
        "in secure mode an unsigned fetch of an actor, an item, a comment or a collection is 401 and a signed one 200; the instance actor, WebFinger and pages stay open; followers-only items go to a follower's signature, in either mode",
        arguments: [true, false]
    )
    func signedFetches(secureMode: Bool) async throws {
        let flags = secureMode ? ["SCRIBE_AUTHORIZED_FETCH": "true"] : [:]
        try await withTestInstance(host: "127.0.0.2", flags: flags) { instance in
            try await withTestPeer { peer in
                let created = try await instance.modules.core.accounts.register(
                    Registration(username: "alice", email: "alice@example.org", password: "correct horse battery")
                )
                let alice = try await instance.modules.core.accounts.authenticate(token: created.session.token.value)
                func publish(_ name: String, _ visibility: SharingVisibility) async throws -> String {
                    let character = try await instance.modules.core.characters.create(CharacterCard(data: ["name": .string(name)]), for: alice)
                    _ = try await instance.modules.core.characters.setVisibility(character.id, to: visibility, for: alice)
                    return "\(instance.publicURL)/characters/\(character.id.uuidString.lowercased())"
                }
                let open = try await publish("Lighthouse", .public)
                let inner = try await publish("Inner Circle", .followers)
                let actor = "\(instance.publicURL)/users/alice"
                let host = "127.0.0.2"

                // Unsigned.
                for url in [actor, open, actor + "/followers", actor + "/outbox", open + "/likes"] {
                    let reply = try await peer.fetch(url, as: nil)
                    if secureMode {
                        #expect(reply.status == 401, "\(url)")
                        #expect((try reply.json()["error"] as? [String: Any])?["code"] as? String == "signature_rejected")
                    } else {
                        #expect(reply.status == 200, "\(url)")
                    }
                }
                #expect(try await peer.fetch("\(instance.publicURL)/actor", as: nil).status == 200, "the instance actor is always open")
                let webFinger = try await LoopbackHTTP.send(
                    port: instance.port,
                    method: "GET",
                    path: "/.well-known/webfinger?resource=acct:alice@\(instance.domain)",
                    body: nil,
                    host: host
                )
                #expect(webFinger.status == 200)
                let page = try await LoopbackHTTP.send(
                    port: instance.port,
                    method: "GET",
                    path: URL(string: open)!.path(),
                    headers: [("Accept", "text/html")],
                    body: nil,
                    host: host
                )
                #expect(page.status == 200 && page.text.contains("Lighthouse"), "pages are for people, signed or not")
                #expect(try await peer.fetch(inner, as: nil).status == (secureMode ? 401 : 404))

                // Signed by a stranger: what everyone may see, nothing more. A signature that does
                // not verify is refused in secure mode and counts as none otherwise.
                let signed = try await peer.fetch(open, as: "carol")
                #expect(try signed.status == 200 && ASObject.decode(signed.body).id == open)
                #expect(try await peer.fetch(actor, as: "carol").status == 200)
                #expect(try await peer.fetch(inner, as: "carol").status == 404, "carol does not follow alice yet")
                let tampered = try await peer.fetch(actor, as: "carol", tamper: true)
                #expect(tampered.status == (secureMode ? 401 : 200))

                // Carol follows alice; now her signature, or another actor of her server (an
                // instance actor, as Mastodon fetches), sees the followers-only item.
                let follow = ASObject.activity("Follow", id: "\(peer.origin)/follows/1", actor: peer.actorID("carol"), object: .string(actor))
                #expect(try await peer.post(follow.document(in: .mastodon), to: actor + "/inbox", as: "carol").status == 202)
                #expect(
                    try await eventually {
                        try await instance.modules.social.collections.collection(.followers, of: "alice", page: 1).items.map(\.id)
                            == [peer.actorID("carol")]
                    }
                )
                let followerView = try await peer.fetch(inner, as: "carol")
                #expect(try followerView.status == 200 && ASObject.decode(followerView.body).id == inner)
                #expect(try await peer.fetch(inner, as: "instance").status == 200)
                #expect(try await peer.fetch(inner, as: nil).status == (secureMode ? 401 : 404), "never to an unsigned request")
            }
        }
    }
}
