import ActivityPubKit
import Foundation
import ScribeCore
import ScribeTestSupport
import Testing

@testable import ScribeSocial

/// Quote posts as Mastodon 4.5 makes them (FEP-044f): our notes say who may quote them, and a
/// `QuoteRequest` for a public one is approved with a stamp that other servers can fetch.
@Suite("Quote posts: approving a Mastodon user's quote")
struct QuotePostTests {
    @Test(
        "a public post says anyone may quote it; a QuoteRequest for it is accepted once, however often it comes, with a stamp served at its result; a followers-only post, or a post that does not quote ours, is rejected"
    )
    func quoteRequests() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            let social = instance.modules.social
            let alice = try await FederationBetweenInstancesTests.register(instance, "alice")
            let aliceActor = "\(instance.publicURL)/users/alice"
            let open = try await social.actions.post(.init(text: "Quote me."), as: alice.account.id)
            let closed = try await social.actions.post(.init(text: "Only for friends.", audience: .followers), as: alice.account.id)
            try await withTestPeer { peer in
                // The post says who may quote it, as Mastodon requires before it lets anyone.
                let served = try await peer.fetch(open.id, as: nil).json()
                let policy = (served["interactionPolicy"] as? [String: Any])?["canQuote"] as? [String: Any]
                #expect(policy?["automaticApproval"] as? [String] == [Notes.publicAudience])

                @Sendable func request(_ id: String, quoting object: String, instrumentQuotes: String?) -> ASObject {
                    var note: ASObject = [
                        "id": .string("\(peer.origin)/notes/\(id)"), "type": "Note", "attributedTo": .string(peer.actorID("carol")),
                        "content": "<p>Look at this</p>", "to": .strings([Notes.publicAudience]),
                    ]
                    if let instrumentQuotes { note["quote"] = .string(instrumentQuotes) }
                    var request = ASObject.activity(
                        "QuoteRequest",
                        id: "\(peer.origin)/quote_requests/\(id)",
                        actor: peer.actorID("carol"),
                        object: .string(object)
                    )
                    request["instrument"] = note.embedded
                    return request.document(in: .mastodon)
                }
                @Sendable func answers(to requestID: String) async -> [ASObject] {
                    await peer.inbox.filter {
                        ($0.isA("Accept") || $0.isA("Reject")) && $0.object.first?.object?.id == requestID
                    }
                }

                // Approved: an Accept with a stamp, twice delivered, one stamp.
                let approved = request("1", quoting: open.id, instrumentQuotes: open.id)
                for _ in 0..<2 {
                    #expect(try await peer.post(approved, to: aliceActor + "/inbox", as: "carol").status == 202)
                }
                let firstID = "\(peer.origin)/quote_requests/1"
                #expect(try await eventually { await answers(to: firstID).count == 1 })
                try await Task.sleep(for: .seconds(1))
                let accepts = await answers(to: firstID)
                #expect(accepts.count == 1, "a redelivered request is answered once")
                #expect(accepts.allSatisfy { $0.isA("Accept") && $0.actor?.id == aliceActor })
                let stampURL = try #require(accepts.first?["result"]?.string)
                #expect(accepts.first?.object.first?.object?["instrument"]?.string == "\(peer.origin)/notes/1")
                #expect(stampURL.hasPrefix(aliceActor + "/quote_authorizations/"))

                // The stamp, as Mastodon checks it.
                let stamp = try await peer.fetch(stampURL, as: "carol")
                #expect(stamp.status == 200)
                let document = try stamp.json()
                #expect(document["id"] as? String == stampURL && document["type"] as? String == "QuoteAuthorization")
                #expect(document["attributedTo"] as? String == aliceActor)
                #expect(document["interactingObject"] as? String == "\(peer.origin)/notes/1")
                #expect(document["interactionTarget"] as? String == open.id)
                #expect(try await social.notifications.list(for: alice.account.id, before: nil).map(\.kind) == [.quote])

                // Rejected: a followers-only post, and a post that does not quote ours.
                #expect(
                    try await peer.post(request("2", quoting: closed.id, instrumentQuotes: closed.id), to: aliceActor + "/inbox", as: "carol").status
                        == 202
                )
                #expect(
                    try await peer.post(request("3", quoting: open.id, instrumentQuotes: nil), to: aliceActor + "/inbox", as: "carol").status == 202
                )
                for id in ["2", "3"] {
                    #expect(try await eventually { await answers(to: "\(peer.origin)/quote_requests/\(id)").count == 1 })
                    let answer = try #require(await answers(to: "\(peer.origin)/quote_requests/\(id)").first)
                    #expect(answer.isA("Reject") && answer["result"] == nil, "request \(id)")
                }
                let unknown = "\(aliceActor)/quote_authorizations/\(UUID().uuidString.lowercased())"
                #expect(try await peer.fetch(unknown, as: "carol").status == 404)

                // A post, not only an item, is ours to be liked (it once was "not ours").
                let like = ASObject.activity("Like", id: "\(peer.origin)/likes/1", actor: peer.actorID("carol"), object: .string(open.id))
                #expect(try await peer.post(like.document(in: .mastodon), to: aliceActor + "/inbox", as: "carol").status == 202)
                #expect(
                    try await eventually {
                        try await social.notifications.list(for: alice.account.id, before: nil).map(\.kind).contains(.like)
                    }
                )
            }
        }
    }
}
