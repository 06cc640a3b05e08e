import ActivityPubKit
import Foundation
import ScribeContracts
import ScribeCore
import ScribeTestFixtures
import ScribeTestSupport
import Testing

@testable import ScribeSocial

/// The feed page as a Mastodon user would use it: a boost says who boosted whose note; like and
/// boost show their state and undo; a reply and a quote go to the note's server; a failed post
/// says why beside its text and keeps it.
@Suite("The feed page")
struct FeedPageTests {
    @Test(
        "a boost names the booster and the author; like and boost show their state and undo; a reply reaches the author's server; an empty post is refused beside its field"
    )
    func feedPage() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            let token = try await instance.signUp("alice")
            let alice = try await instance.modules.core.accounts.authenticate(token: token).account.id
            let aliceActor = "\(instance.publicURL)/users/alice"
            let social = instance.modules.social
            try await withTestPeer { peer in
                await peer.setProfile(of: "dave", ["name": "Dave Writer"])
                await peer.setProfile(of: "carol", ["name": "Carol Booster"])
                try await InboundModerationTests.mutualFollow(instance, peer, alice: alice)
                // Dave's note, which alice does not follow him for, is boosted by carol, whom she does.
                let noteID = peer.objectID("story")
                let note: ASObject = [
                    "id": .string(noteID), "type": "Note", "attributedTo": .string(peer.actorID("dave")), "content": "<p>A story</p>",
                    "to": .strings([Notes.publicAudience]), "published": .string(ASObject.timestamp(Date())),
                    "interactionPolicy": ["canQuote": ["automaticApproval": .strings([Notes.publicAudience])]],
                ]
                await peer.setObject("story", note)
                let boost = ASObject.activity(
                    "Announce",
                    id: "\(peer.origin)/boosts/1",
                    actor: peer.actorID("carol"),
                    object: .string(noteID),
                    to: [Notes.publicAudience]
                )
                #expect(try await peer.post(boost.document(in: .mastodon), to: aliceActor + "/inbox", as: "carol").status == 202)
                #expect(try await eventually { try await social.homeFeed(for: alice, before: nil).contains { $0.kind == "boost" } })
                let entry = try #require(try await social.homeFeed(for: alice, before: nil).first { $0.kind == "boost" })
                #expect(entry.author?.name == "Dave Writer" && entry.boostedBy?.name == "Carol Booster")

                let cookies = "scribe_session=\(token); scribe_csrf=form-token"
                @Sendable func feed() async throws -> String {
                    try await LoopbackHTTP.send(
                        port: instance.port,
                        method: "GET",
                        path: "/feed",
                        headers: [("Cookie", cookies), ("Accept", "text/html")],
                        body: nil,
                        host: instance.host
                    ).text
                }
                @Sendable func post(_ path: String, _ fields: [(String, String)]) async throws -> LoopbackHTTP.Reply {
                    let body = (fields + [("csrf", "form-token")]).map {
                        "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
                    }
                    return try await LoopbackHTTP.send(
                        port: instance.port,
                        method: "POST",
                        path: path,
                        headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Origin", instance.publicURL), ("Cookie", cookies)],
                        body: Data(body.joined(separator: "&").utf8),
                        host: instance.host,
                        followRedirects: false
                    )
                }
                let page = try await feed()
                #expect(page.contains("⇄ Carol Booster (@carol@") && page.contains("<strong>Dave Writer</strong>"))
                #expect(page.contains("aria-pressed=\"false\">Like") && page.contains("aria-pressed=\"false\">Boost"))

                // Like and boost, then undo both; each reaches Dave's server.
                for kind in ["like", "boost"] {
                    #expect(try await post("/feed/react", [("object", noteID), ("kind", kind)]).status == 303)
                }
                let done = try await feed()
                #expect(done.contains("aria-pressed=\"true\">♥ Liked") && done.contains("aria-pressed=\"true\">⇄ Boosted"))
                #expect(try await eventually { await peer.inbox.contains { $0.isA("Like") && $0.object.first?.id == noteID } })
                for kind in ["like", "boost"] {
                    #expect(try await post("/feed/react", [("object", noteID), ("kind", kind), ("action", "undo")]).status == 303)
                }
                let undone = try await feed()
                #expect(undone.contains("aria-pressed=\"false\">Like") && undone.contains("aria-pressed=\"false\">Boost"))
                #expect(try await eventually { await peer.inbox.contains { $0.isA("Undo") && $0.object.first?.object?.isA("Like") == true } })

                // A reply goes to Dave's server, answering his note.
                #expect(try await post("/feed/post", [("text", "Lovely."), ("in_reply_to", noteID)]).status == 303)
                #expect(
                    try await eventually {
                        await peer.inbox.contains { $0.isA("Create") && $0.object.first?.object?.inReplyTo?.id == noteID }
                    }
                )
                // An empty post: 422, the reason beside the text field, the warning kept.
                let refused = try await post("/feed/post", [("text", "  "), ("content_warning", "Spoilers")])
                #expect(refused.status == 422 && refused.text.contains("id=\"text-error\"") && refused.text.contains("value=\"Spoilers\""))

                // Carol mentions alice: the notification names carol, not her actor URL, and quotes her words.
                let mention: ASObject = [
                    "id": .string(peer.objectID("hello")), "type": "Note", "attributedTo": .string(peer.actorID("carol")),
                    "content": .string("<p>Hello <a href=\"\(aliceActor)\" class=\"mention\">@alice</a> &amp; welcome!</p>"),
                    "to": .strings([Notes.publicAudience]), "tag": [["type": "Mention", "href": .string(aliceActor)]],
                ]
                let create = ASObject.activity(
                    "Create",
                    id: peer.objectID("hello") + "/activity",
                    actor: peer.actorID("carol"),
                    object: mention.embedded
                )
                #expect(try await peer.post(create.document(in: .mastodon), to: aliceActor + "/inbox", as: "carol").status == 202)
                #expect(try await eventually { try await social.notificationList(for: alice, before: nil).contains { $0.kind == .mention } })
                let notification = try #require(try await social.notificationList(for: alice, before: nil).first { $0.kind == .mention })
                #expect(notification.account?.name == "Carol Booster" && notification.excerpt == "Hello @alice & welcome!")
                let notifications = try await LoopbackHTTP.send(
                    port: instance.port,
                    method: "GET",
                    path: "/notifications",
                    headers: [("Cookie", cookies), ("Accept", "text/html")],
                    body: nil,
                    host: instance.host
                ).text
                #expect(notifications.contains("<strong>Carol Booster</strong>") && notifications.contains("Hello @alice &amp; welcome!"))

                // Her own post in her feed shows her avatar, which no cached actor document holds.
                let session = try await instance.modules.core.accounts.authenticate(token: token)
                try await instance.modules.core.accounts.setImage(.avatar, of: session, to: try Fixtures.data("cards/seraphina.png"))
                let own = try await social.actions.post(.init(text: "My own words."), as: alice)
                let mine = try #require(try await social.homeFeed(for: alice, before: nil).first { $0.object == own.id })
                let profile = try await instance.modules.core.accounts.profile(id: alice)
                #expect(
                    mine.author?.avatar == "\(instance.publicURL)/api/v1/users/alice/avatar/\(profile.imageVersion)/w96" && profile.imageVersion > 0
                )
            }
        }
    }
}
