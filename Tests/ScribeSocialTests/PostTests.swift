import ActivityPubKit
import Foundation
import NIOHTTP1
import ScribeContracts
import ScribeCore
import ScribeSocial
import ScribeTestSupport
import Testing

/// Posts as another server receives them: a peer that is not Scribe follows the author, is
/// mentioned, and keeps everything posted to its inboxes.
@Suite("Posts with mentions, hashtags and content warnings")
struct PostTests {
    static let everyone = "https://www.w3.org/ns/activitystreams#Public"

    @Test(
        "a post with a mention, a hashtag and a content warning arrives addressed and tagged as Mastodon sends one; its edit arrives as an Update and its delete as a Delete; followers-only and direct posts are addressed and served to their audience only"
    )
    func postsFederate() async throws {
        try await withTestInstance(host: "127.0.0.2") { instance in
            try await withTestPeer { peer in
                let host = "127.0.0.2"
                let token = try await instance.signUp("alice")
                let alice = "\(instance.publicURL)/users/alice"
                let followers = alice + "/followers"
                @Sendable func api(_ method: String, _ path: String, _ body: String?) async throws -> LoopbackHTTP.Reply {
                    try await LoopbackHTTP.send(
                        port: instance.port,
                        method: method,
                        path: path,
                        headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
                        body: body.map { Data($0.utf8) },
                        host: host
                    )
                }
                @Sendable func arrived(_ type: String, _ id: String) async -> [ASObject] {
                    await peer.inbox.filter { $0.isA(type) && ($0.object.first?.id == id || $0.object.first?.object?["id"]?.string == id) }
                }

                // Carol, on the peer, follows alice.
                let follow = ASObject.activity("Follow", id: "\(peer.origin)/follows/1", actor: peer.actorID("carol"), object: .string(alice))
                #expect(try await peer.post(follow.document(in: .mastodon), to: alice + "/inbox", as: "carol").status == 202)
                #expect(
                    try await eventually {
                        try await instance.modules.social.collections.collection(.followers, of: "alice", page: 1).items.map(\.id)
                            == [peer.actorID("carol")]
                    }
                )

                // A public post mentioning dave (also on the peer) with a hashtag and a content warning.
                let peerDomain = String(peer.origin.dropFirst("http://".count))
                let dave = peer.actorID("dave")
                let written = try await api(
                    "POST",
                    "/api/v1/posts",
                    #"{"content":"Lanterns tonight, @dave@\#(peerDomain)!\n\nBring a friend. #LanternFestival","content_warning":"Festival spoilers"}"#
                )
                #expect(written.status == 201, "\(written.text)")
                let post = try #require(try written.json()["post"] as? [String: Any])
                let id = try #require(post["id"] as? String)
                #expect(id.hasPrefix(instance.publicURL + "/posts/") && post["mentions"] as? [String] == [dave])
                #expect(try await eventually { await !arrived("Create", id).isEmpty })
                let creates = await arrived("Create", id)
                #expect(creates.count == 1, "one copy for the server of both the follower and the mentioned")
                let create = try #require(creates.first)
                let note = try #require(create.object.first?.object)
                #expect(create.actor?.id == alice && create.to == [Self.everyone] && create.cc == [followers, dave])
                #expect(note.to == [Self.everyone] && note.cc == [followers, dave])
                #expect(note.summary == "Festival spoilers" && note["sensitive"] == .bool(true))
                let mention = try #require(note.tags.first { $0.isA("Mention") })
                #expect(mention["href"]?.string == dave && mention["name"]?.string == "@dave@\(peerDomain)")
                let hashtag = try #require(note.tags.first { $0.isA("Hashtag") })
                #expect(hashtag["href"]?.string == "\(instance.publicURL)/tags/lanternfestival" && hashtag["name"]?.string == "#LanternFestival")
                let content = try #require(note.content)
                #expect(content.contains(#"<span class="h-card"><a href="\#(dave)" class="u-url mention">@<span>dave</span></a></span>"#))
                #expect(content.contains(#"rel="tag">#<span>LanternFestival</span></a>"#) && content.contains("</p><p>Bring a friend."))
                let served = try await peer.fetch(id, as: nil)
                #expect(try served.status == 200 && ASObject.decode(served.body).content == content)

                // Edited: an Update whose `updated` is later than the post.
                let edited = try await api("PUT", "/api/v1/posts?id=\(id)", #"{"content":"Lanterns at nine. #LanternFestival"}"#)
                #expect(edited.status == 200, "\(edited.text)")
                #expect(try await eventually { await !arrived("Update", id).isEmpty })
                let update = try #require(await arrived("Update", id).first?.object.first?.object)
                let published = try #require(update.published)
                let updated = try #require(update["updated"]?.string.flatMap(RFC3339Date.date(from:)))
                #expect(updated > published && update.content?.contains("Lanterns at nine.") == true && update.summary == nil)
                #expect(update.to == [Self.everyone], "the audience stays")

                // Deleted: a Delete with a Tombstone; the id is gone.
                #expect(try await api("DELETE", "/api/v1/posts?id=\(id)", nil).status == 204)
                #expect(try await eventually { await !arrived("Delete", id).isEmpty })
                #expect(try await peer.fetch(id, as: nil).status == 410)

                // Followers only: to the followers, served to a follower's signature and not to strangers.
                let forFollowers = try await api("POST", "/api/v1/posts", #"{"content":"Only for you all.","audience":"followers"}"#)
                let followersID = try #require((try forFollowers.json()["post"] as? [String: Any])?["id"] as? String)
                #expect(try await eventually { await !arrived("Create", followersID).isEmpty })
                let followersNote = try #require(await arrived("Create", followersID).first?.object.first?.object)
                #expect(followersNote.to == [followers] && followersNote.cc.isEmpty)
                #expect(try await peer.fetch(followersID, as: nil).status == 404)
                #expect(try await peer.fetch(followersID, as: "carol").status == 200)

                // Direct: to the mentioned only.
                let direct = try await api("POST", "/api/v1/posts", #"{"content":"@dave@\#(peerDomain) a secret","audience":"direct"}"#)
                let directID = try #require((try direct.json()["post"] as? [String: Any])?["id"] as? String)
                #expect(try await eventually { await !arrived("Create", directID).isEmpty })
                let directNote = try #require(await arrived("Create", directID).first?.object.first?.object)
                #expect(directNote.to == [dave] && directNote.cc.isEmpty)
                #expect(try await peer.fetch(directID, as: "carol").status == 404, "a follower not mentioned does not see it")
                #expect(try await peer.fetch(directID, as: "dave").status == 200)
                let nobody = try await api("POST", "/api/v1/posts", #"{"content":"to nobody","audience":"direct"}"#)
                #expect(nobody.status == 422)
            }
        }
    }
}
