import ActivityPubKit
import Foundation
import ScribeCore
import ScribeTestSupport
import Testing

@testable import ScribeSocial

/// What a followed account's notes bring besides text, as Mastodon and Vernissage send them:
/// media with alt text, a content warning, a poll, an edit. The feed API carries them and the
/// feed page shows them, the warning folded.
@Suite("Inbound media, content warnings, polls and edits in the feed")
struct InboundMediaTests {
    @Test(
        "a followed account's photo post arrives with its images and alt text behind its content warning; a poll shows its options and counts; an edit shows its new text and when; unsafe URLs are dropped"
    )
    func mediaInTheFeed() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            let token = try await instance.signUp("alice")
            let alice = try await instance.modules.core.accounts.authenticate(token: token).account.id
            let aliceActor = "\(instance.publicURL)/users/alice"
            let social = instance.modules.social
            try await withTestPeer { peer in
                await peer.setProfile(
                    of: "carol",
                    ["name": "Carol <b>Photographer</b>", "icon": ["type": "Image", "url": .string(peer.origin + "/carol.png")]]
                )
                try await InboundModerationTests.mutualFollow(instance, peer, alice: alice)

                @Sendable func create(_ object: ASObject) async throws {
                    let activity = ASObject.activity(
                        "Create",
                        id: (object.id ?? "") + "/activity",
                        actor: peer.actorID("carol"),
                        object: object.embedded,
                        to: [Notes.publicAudience]
                    )
                    #expect(try await peer.post(activity.document(in: .mastodon), to: aliceActor + "/inbox", as: "carol").status == 202)
                }
                let photoID = "\(peer.origin)/notes/photo"
                var photo: ASObject = [
                    "id": .string(photoID), "type": "Note", "attributedTo": .string(peer.actorID("carol")),
                    "content": "<p>Sunset at the pier</p>", "to": .strings([Notes.publicAudience]),
                    "published": .string(ASObject.timestamp(Date())), "summary": "Bright light", "sensitive": true,
                    "attachment": [
                        [
                            "type": "Document", "mediaType": "image/png", "url": .string(peer.origin + "/media/sunset.png"),
                            "name": "The sun over the sea", "width": 1200, "height": 800, "blurhash": "UBL_:rOpGG-;~WxuofWB",
                        ],
                        ["type": "Document", "mediaType": "video/mp4", "url": .string(peer.origin + "/media/waves.mp4"), "name": "Waves"],
                        ["type": "Image", "url": "javascript:alert(1)", "name": "nope"],
                        ["type": "PropertyValue", "name": "not media", "value": "x"],
                    ],
                ]
                try await create(photo)
                let pollID = "\(peer.origin)/notes/poll"
                let poll: ASObject = [
                    "id": .string(pollID), "type": "Question", "attributedTo": .string(peer.actorID("carol")),
                    "content": "<p>Tea or coffee?</p>", "to": .strings([Notes.publicAudience]),
                    "published": .string(ASObject.timestamp(Date())), "endTime": "2020-01-01T00:00:00Z", "votersCount": 4,
                    "oneOf": [
                        ["type": "Note", "name": "Tea", "replies": ["type": "Collection", "totalItems": 3]],
                        ["type": "Note", "name": "Coffee", "replies": ["type": "Collection", "totalItems": 1]],
                    ],
                ]
                try await create(poll)
                #expect(try await eventually { try await social.homeFeed(for: alice, before: nil).count == 2 })

                let entries = try await social.homeFeed(for: alice, before: nil)
                let photoEntry = try #require(entries.first { $0.object == photoID })
                #expect(photoEntry.author?.handle.hasPrefix("@carol@") == true && photoEntry.author?.name == "Carol <b>Photographer</b>")
                #expect(photoEntry.author?.avatar == peer.origin + "/carol.png")
                #expect(photoEntry.display.contentWarning == "Bright light" && photoEntry.display.sensitive)
                #expect(photoEntry.display.attachments.map(\.type) == ["image", "video"], "the javascript: URL and the PropertyValue are dropped")
                let image = try #require(photoEntry.display.attachments.first)
                #expect(image.url == peer.origin + "/media/sunset.png" && image.mediaType == "image/png")
                #expect(image.description == "The sun over the sea" && image.width == 1200 && image.height == 800)
                #expect(image.blurhash == "UBL_:rOpGG-;~WxuofWB")
                #expect(photoEntry.display.editedAt == nil)

                let pollEntry = try #require(entries.first { $0.object == pollID })
                let shown = try #require(pollEntry.display.poll)
                #expect(shown.options.map(\.title) == ["Tea", "Coffee"] && shown.options.map(\.votes) == [3, 1])
                #expect(!shown.multiple && shown.closed && shown.votersCount == 4)

                // The JSON API names the fields as documented.
                let api = try await LoopbackHTTP.send(
                    port: instance.port,
                    method: "GET",
                    path: "/api/v1/feeds/home",
                    headers: [("Authorization", "Bearer \(token)")],
                    body: nil,
                    host: instance.host
                )
                let json = try #require((try api.json()["entries"] as? [[String: Any]])?.first { $0["object"] as? String == photoID })
                #expect(json["content_warning"] as? String == "Bright light" && json["sensitive"] as? Bool == true)
                #expect((json["attachments"] as? [[String: Any]])?.first?["description"] as? String == "The sun over the sea")

                // The page: the warning folds the text and the images; names, not actor URLs.
                let page = try await LoopbackHTTP.send(
                    port: instance.port,
                    method: "GET",
                    path: "/feed",
                    headers: [("Cookie", "scribe_session=\(token)")],
                    body: nil,
                    host: instance.host
                )
                #expect(page.status == 200)
                let html = page.text
                #expect(html.contains(#"<details class="content-warning"><summary>Bright light</summary>"#))
                #expect(html.contains(#"alt="The sun over the sea""#))
                #expect(html.contains("Carol &lt;b&gt;Photographer&lt;/b&gt;"), "a display name is text, escaped")
                #expect(html.contains("Tea") && html.contains("3 votes (75 %)"))
                #expect(!html.contains("javascript:"))

                // An edit: new text, and when.
                photo["content"] = "<p>Sunset at the pier, edited</p>"
                let edited = Date().addingTimeInterval(60)
                photo["updated"] = .string(ASObject.timestamp(edited))
                let update = ASObject.activity(
                    "Update",
                    id: photoID + "/update",
                    actor: peer.actorID("carol"),
                    object: photo.embedded,
                    to: [Notes.publicAudience]
                )
                #expect(try await peer.post(update.document(in: .mastodon), to: aliceActor + "/inbox", as: "carol").status == 202)
                #expect(
                    try await eventually {
                        let entry = try await social.homeFeed(for: alice, before: nil).first { $0.object == photoID }
                        return entry?.content.contains("edited") == true && entry?.display.editedAt != nil
                    }
                )
            }
        }
    }
}
