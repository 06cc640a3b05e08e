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

extension QuotePostTests {
    @Test(
        "a post quotes a peer's: a QuoteRequest with the post embedded goes to its author; only the author's Accept adds quoteAuthorization (sent as an Update), and their Delete of the stamp takes it away; a post nobody may quote is refused"
    )
    func quotingFromScribe() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            let social = instance.modules.social
            let alice = try await FederationBetweenInstancesTests.register(instance, "alice")
            let aliceActor = "\(instance.publicURL)/users/alice"
            try await withTestPeer { peer in
                let carol = peer.actorID("carol")
                func note(_ name: String, policy: Bool) -> ASObject {
                    var note: ASObject = [
                        "id": .string(peer.objectID(name)), "type": "Note", "attributedTo": .string(carol), "content": "<p>Quotable?</p>",
                        "to": .strings([Notes.publicAudience]), "cc": .strings(["\(carol)/followers"]),
                        "url": .string("\(peer.origin)/@carol/\(name)"),
                    ]
                    if policy { note["interactionPolicy"] = ["canQuote": ["automaticApproval": .strings([Notes.publicAudience])]] }
                    return note
                }
                await peer.setObject("open", note("open", policy: true))
                await peer.setObject("closed", note("closed", policy: false))
                // Carol follows alice, so her server gets alice's posts and their updates.
                let follow = ASObject.activity("Follow", id: "\(peer.origin)/follows/1", actor: carol, object: .string(aliceActor))
                #expect(try await peer.post(follow.document(in: .mastodon), to: aliceActor + "/inbox", as: "carol").status == 202)
                #expect(try await eventually { await peer.inbox.contains { $0.isA("Accept") } })

                // A note without a quote policy is quoted by nobody, as on Mastodon.
                let refused = await #expect(throws: SocialError.self) {
                    try await social.actions.post(.init(text: "Look.", quote: peer.objectID("closed")), as: alice.account.id)
                }
                #expect(refused?.code == .invalidInput)
                let followersOnly = await #expect(throws: SocialError.self) {
                    try await social.actions.post(.init(text: "Look.", audience: .followers, quote: peer.objectID("open")), as: alice.account.id)
                }
                #expect(followersOnly?.code == .invalidInput)

                let post = try await social.actions.post(.init(text: "Look at this.", quote: peer.objectID("open")), as: alice.account.id)
                #expect(post.quote == peer.objectID("open") && post.quoteState == "pending")
                // The note names the quote in every spelling, with Mastodon's RE: fallback first.
                let created = try await eventually { await peer.inbox.first { $0.isA("Create") && $0.object.first?.id == post.id } }
                let sent = try #require(created?.object.first?.object)
                #expect(["quote", "_misskey_quote", "quoteUri"].allSatisfy { sent[$0]?.string == peer.objectID("open") })
                #expect(sent["quoteAuthorization"] == nil)
                #expect(sent.content?.hasPrefix("<p class=\"quote-inline\">RE: <a href=\"\(peer.origin)/@carol/open\">") == true)
                // The request goes to carol's own inbox, the post embedded.
                let request = try #require(
                    try await eventually { await peer.deliveries.first { $0.activity.isA("QuoteRequest") } }
                )
                #expect(request.inbox == "/users/carol/inbox")
                #expect(request.activity.actor?.id == aliceActor && request.activity.object.first?.id == peer.objectID("open"))
                let instrument = request.activity.references("instrument").first?.object
                #expect(instrument?.id == post.id && instrument?["quote"]?.string == peer.objectID("open"))
                let requestID = try #require(request.activity.id)

                // Someone else's Accept changes nothing.
                let stamp = "\(carol)/quote_authorizations/1"
                func accept(_ id: String, as name: String) -> ASObject {
                    var answer = ASObject.activity(
                        "Accept",
                        id: "\(peer.origin)/accepts/\(id)",
                        actor: peer.actorID(name),
                        object: ["id": .string(requestID), "type": "QuoteRequest"]
                    )
                    answer["result"] = .string(stamp)
                    return answer.document(in: .mastodon)
                }
                #expect(try await peer.post(accept("1", as: "mallory"), to: aliceActor + "/inbox", as: "mallory").status == 202)
                try await instance.modules.social.settle()
                #expect(try await social.actions.quote(of: post.id)?.state == .pending)

                // Carol's Accept: the post carries the stamp, and her server is sent the Update.
                #expect(try await peer.post(accept("2", as: "carol"), to: aliceActor + "/inbox", as: "carol").status == 202)
                let update = try await eventually {
                    await peer.inbox.first { $0.isA("Update") && $0.object.first?.object?["quoteAuthorization"]?.string == stamp }
                }
                let updated = try #require(update?.object.first?.object)
                #expect(updated.id == post.id && updated["updated"] != nil)
                #expect(try await social.actions.quote(of: post.id)?.state == .accepted)

                // Carol takes it back: the post no longer carries it, and her server hears so.
                let revoke = ASObject.activity(
                    "Delete",
                    id: "\(stamp)#delete",
                    actor: carol,
                    object: ["type": "QuoteAuthorization", "id": .string(stamp)],
                    to: [Notes.publicAudience]
                )
                #expect(try await peer.post(revoke.document(in: .mastodon), to: aliceActor + "/inbox", as: "carol").status == 202)
                #expect(try await eventually { try await social.actions.quote(of: post.id)?.state == .revoked })
                #expect(
                    try await eventually {
                        await peer.inbox.filter { $0.isA("Update") && $0.object.first?.id == post.id }.count == 2
                    }
                )
                let last = await peer.inbox.last { $0.isA("Update") && $0.object.first?.id == post.id }
                #expect(
                    last?.object.first?.object?["quoteAuthorization"] == nil && last?.object.first?.object?["quote"]?.string == peer.objectID("open")
                )
            }
        }
    }

    @Test(
        "a quote of a public post here is approved at once with a stamp served; its author is told, and taking the approval back sends a Delete and the stamp is gone"
    )
    func quotingHere() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            let social = instance.modules.social
            let alice = try await FederationBetweenInstancesTests.register(instance, "alice")
            let bob = try await FederationBetweenInstancesTests.register(instance, "bob")
            try await withTestPeer { peer in
                // Carol follows bob: his followers' servers hear when alice takes her approval back.
                let follow = ASObject.activity(
                    "Follow",
                    id: "\(peer.origin)/follows/1",
                    actor: peer.actorID("carol"),
                    object: .string("\(instance.publicURL)/users/alice")
                )
                #expect(try await peer.post(follow.document(in: .mastodon), to: "\(instance.publicURL)/users/alice/inbox", as: "carol").status == 202)
                #expect(try await eventually { await peer.inbox.contains { $0.isA("Accept") } })

                let original = try await social.actions.post(.init(text: "Quote me."), as: alice.account.id)
                let friendsOnly = try await social.actions.post(.init(text: "Friends only.", audience: .followers), as: alice.account.id)
                await #expect(throws: SocialError.self) {
                    try await social.actions.post(.init(text: "Ha.", quote: friendsOnly.id), as: bob.account.id)
                }
                let quoting = try await social.actions.post(.init(text: "Well said.", quote: original.id), as: bob.account.id)
                #expect(quoting.quoteState == "accepted")
                let quote = try #require(try await social.actions.quote(of: quoting.id))
                let stamp = try #require(quote.authorization)
                #expect(stamp.hasPrefix("\(instance.publicURL)/users/alice/quote_authorizations/"))
                let served = try await peer.fetch(stamp, as: "carol")
                #expect(served.status == 200)
                #expect(try served.json()["interactingObject"] as? String == quoting.id)
                let note = try await peer.fetch(quoting.id, as: nil).json()
                #expect(note["quoteAuthorization"] as? String == stamp && note["quote"] as? String == original.id)
                #expect(try await social.notifications.list(for: alice.account.id, before: nil).map(\.kind).contains(.quote))

                // Alice takes it back: the stamp is gone, bob's post no longer carries it, a Delete goes out.
                try await social.actions.revokeQuoteApproval(quoting: quoting.id, as: alice.account.id)
                #expect(try await peer.fetch(stamp, as: "carol").status == 404)
                #expect(try await social.actions.quote(of: quoting.id)?.state == .revoked)
                #expect(try await peer.fetch(quoting.id, as: nil).json()["quoteAuthorization"] == nil)
                #expect(
                    try await eventually {
                        await peer.inbox.contains {
                            $0.isA("Delete") && $0.object.first?.id == stamp && $0.object.first?.object?.isA("QuoteAuthorization") == true
                        }
                    }
                )
                let again = await #expect(throws: SocialError.self) {
                    try await social.actions.revokeQuoteApproval(quoting: quoting.id, as: alice.account.id)
                }
                #expect(again?.code == .notFound)
            }
        }
    }
}
