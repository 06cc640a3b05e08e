import ActivityPubKit
import Foundation
import NIOHTTP1
import PostgresNIO
import ScribeContracts
import ScribeCore
import ScribeSocial
import ScribeStorage
import ScribeTestFixtures
import ScribeTestSupport
import Testing

@Suite("Social learns about users through CoreAPI")
struct ProfileTests {
    /// The actor document of `username` as a peer fetches it.
    static func actor(_ username: String, of instance: TestInstance) async throws -> [String: Any] {
        try await LoopbackHTTP.send(
            port: instance.port,
            method: "GET",
            path: "/users/\(username)",
            headers: [("Accept", "application/activity+json")],
            body: nil,
            host: "127.0.0.5"
        ).json()
    }

    @Test("a profile has the public facts only, by username in any case or by id; a locked account is not active")
    func profiles() async throws {
        try await withTestModules { application in
            let created = try await application.core.accounts.register(
                Registration(username: "Alice", email: "alice@example.org", password: "correct horse battery")
            )
            let core = application.social.core
            let byName = try await core.profile(username: "ALICE")
            #expect(byName.username == "Alice" && byName.isActive)
            #expect(try await core.profile(id: created.session.account.id) == byName)
            let json = String(decoding: try JSONEncoder().encode(byName), as: UTF8.self)
            #expect(!json.contains("example.org"))
            try await application.core.accounts.setStatus(username: "alice", status: .locked)
            #expect(try await core.profile(username: "alice").isActive == false)
            do {
                _ = try await core.profile(username: "nobody")
                Issue.record("found a user that does not exist")
            } catch let error as CoreAPIError {
                #expect(error.code == .notFound)
            }
        }
    }

    @Test("a user's display name, bio and avatar are on their actor; changing them sends the actor's Update to followers; bad input is refused")
    func publicProfile() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            let alice = try await FederationBetweenInstancesTests.register(instance, "alice")
            let accounts = instance.modules.core.accounts
            try await withTestPeer { peer in
                #expect(
                    try await peer.post(InboxTests.follow(peer, instance), to: "\(instance.publicURL)/users/alice/inbox", as: "carol").status == 202
                )
                #expect(try await eventually { await peer.inbox.contains { $0.isA("Accept") } })

                let avatar = try Fixtures.data("cards/seraphina.png")
                try await accounts.setPublicProfile(alice, displayName: "Alice of the Marsh", bio: "Writes <characters>.\n\nSecond paragraph.")
                try await accounts.setImage(.avatar, of: alice, to: avatar)
                for (name, bio) in [(String(repeating: "a", count: 51), ""), ("Two\nlines", ""), ("", String(repeating: "b", count: 501))] {
                    await #expect(throws: CoreError.self) { try await accounts.setPublicProfile(alice, displayName: name, bio: bio) }
                }
                await #expect(throws: CoreError.self) { try await accounts.setImage(.avatar, of: alice, to: Data("GIF89a".utf8)) }
                await #expect(throws: CoreError.self) { try await accounts.setImage(.avatar, of: alice, to: Data(count: (1 << 20) + 1)) }

                let document = try await Self.actor("alice", of: instance)
                #expect(document["name"] as? String == "Alice of the Marsh")
                #expect(document["summary"] as? String == "<p>Writes &lt;characters&gt;.</p><p>Second paragraph.</p>")
                // The icon's URL ends in its format's extension, and says its media type.
                let icon = try #require(document["icon"] as? [String: Any])
                #expect(icon["url"] as? String == "\(instance.publicURL)/api/v1/users/alice/avatar.png")
                #expect(icon["mediaType"] as? String == "image/png")
                for path in ["/api/v1/users/alice/avatar.png", "/api/v1/users/alice/avatar"] {
                    let served = try await LoopbackHTTP.send(port: instance.port, method: "GET", path: path, body: nil, host: "127.0.0.5")
                    #expect(served.status == 200 && served.body == avatar && served.headers["Content-Type"].first == "image/png")
                }

                // Each change tells the follower's server: two Updates of the Person.
                #expect(
                    try await eventually {
                        await peer.inbox.filter { $0.isA("Update") && $0.object.first?.object?.isA("Person") == true }.count == 2
                    }
                )
                try await accounts.setImage(.avatar, of: alice, to: nil)
                #expect(
                    try await LoopbackHTTP.send(port: instance.port, method: "GET", path: "/api/v1/users/alice/avatar", body: nil, host: "127.0.0.5")
                        .status == 404
                )
            }
        }
    }

    @Test(
        "a header image and profile fields go out as Mastodon sends them; a field's link is verified only when its page links back with rel=me; bad fields are refused"
    )
    func headerAndFields() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            let alice = try await FederationBetweenInstancesTests.register(instance, "alice")
            let accounts = instance.modules.core.accounts
            let social = instance.modules.social
            try await withTestPeer { peer in
                let profileURL = "\(instance.publicURL)/@alice"
                await peer.setPage(
                    "alice",
                    html: "<!DOCTYPE html><html><head><link rel=\"me\" href=\"\(profileURL)\"></head><body>Alice's site</body></html>"
                )
                await peer.setPage("stranger", html: "<p><a rel=\"me\" href=\"https://elsewhere.example/@alice\">me elsewhere</a></p>")
                let fields = [
                    ProfileField(name: "Website", value: peer.pageURL("alice")),
                    ProfileField(name: "Blog", value: peer.pageURL("stranger")),
                    ProfileField(name: "Pronouns", value: "she/<her>"),
                ]
                try await accounts.setPublicProfile(alice, displayName: "Alice", bio: "", fields: fields)
                let header = try Fixtures.data("cards/seraphina.png")
                try await accounts.setImage(.header, of: alice, to: header)

                // Refused, and nothing changes: too many fields, a long value, a label without a value,
                // a header that is not a PNG or JPEG or is over 2 MB.
                let five = (1...5).map { ProfileField(name: "F\($0)", value: "v") }
                for bad in [five, [ProfileField(name: "Long", value: String(repeating: "x", count: 256))], [ProfileField(name: "Empty", value: "")]] {
                    await #expect(throws: CoreError.self) { try await accounts.setPublicProfile(alice, displayName: "Alice", bio: "", fields: bad) }
                }
                await #expect(throws: CoreError.self) { try await accounts.setImage(.header, of: alice, to: Data("GIF89a".utf8)) }
                await #expect(throws: CoreError.self) { try await accounts.setImage(.header, of: alice, to: Data(count: (2 << 20) + 1)) }
                // A change without fields keeps them.
                try await accounts.setPublicProfile(alice, displayName: "Alice of the Marsh", bio: "")
                #expect(try await social.actors.profile(username: "alice").fields == fields)

                let document = try await Self.actor("alice", of: instance)
                let image = try #require(document["image"] as? [String: Any])
                #expect(image["type"] as? String == "Image" && image["mediaType"] as? String == "image/png")
                #expect(image["url"] as? String == "\(instance.publicURL)/api/v1/users/alice/header.png")
                let served = try await LoopbackHTTP.send(
                    port: instance.port,
                    method: "GET",
                    path: "/api/v1/users/alice/header.png",
                    body: nil,
                    host: "127.0.0.5"
                )
                #expect(served.status == 200 && served.body == header && served.headers["Content-Type"].first == "image/png")

                // Fields are PropertyValues; a web address is Mastodon's link with rel="me", shortened as it shortens.
                let attachment = try #require(document["attachment"] as? [[String: Any]])
                #expect(attachment.map { $0["type"] as? String } == ["PropertyValue", "PropertyValue", "PropertyValue"])
                #expect(attachment.map { $0["name"] as? String } == ["Website", "Blog", "Pronouns"])
                let shown = String(peer.pageURL("alice").dropFirst("http://".count))
                #expect(
                    attachment[0]["value"] as? String
                        == "<a href=\"\(peer.pageURL("alice"))\" target=\"_blank\" rel=\"nofollow noopener me\" translate=\"no\">"
                        + "<span class=\"invisible\">http://</span><span class=\"\">\(shown)</span><span class=\"invisible\"></span></a>"
                )
                #expect(attachment[2]["value"] as? String == "she/&lt;her&gt;")
                let context = try #require(document["@context"] as? [Any])
                #expect(context.contains { ($0 as? [String: Any])?["PropertyValue"] as? String == "schema:PropertyValue" })

                // The site that links back verifies; the one that links elsewhere does not.
                #expect(try await eventually { try await social.actors.verifiedLinks(of: alice.account.id).keys.sorted() == [peer.pageURL("alice")] })
                let page = try await LoopbackHTTP.send(
                    port: instance.port,
                    method: "GET",
                    path: "/@alice",
                    headers: [("Accept", "text/html")],
                    body: nil,
                    host: "127.0.0.5"
                )
                let html = String(decoding: page.body, as: UTF8.self)
                #expect(page.status == 200)
                #expect(
                    html.contains("<div class=\"verified\"><dt>Website</dt>") && html.contains("<dt>Blog</dt>")
                        && !html.contains("<div class=\"verified\"><dt>Blog")
                )
                #expect(html.contains("she/&lt;her&gt;") && !html.contains("she/<her>"))
                #expect(html.contains("src=\"/api/v1/users/alice/header/") && html.contains("/w1280\""))

                // The site stops linking back: the next change of the profile takes the mark away.
                await peer.setPage("alice", html: "<p>moved on</p>")
                try await accounts.setPublicProfile(alice, displayName: "Alice", bio: "")
                #expect(try await eventually { try await social.actors.verifiedLinks(of: alice.account.id).isEmpty })
            }
        }
    }
}
