import ActivityPubKit
import Foundation
import NIOHTTP1
import ScribeContracts
import ScribeCore
import ScribeSocial
import ScribeTestFixtures
import ScribeTestSupport
import Testing

/// `/authorize_interaction`, where another server sends its user to act from her account here,
/// as Mastodon's remote-interaction dialog does with the `subscribe` template of our WebFinger.
/// Two real instances: the post and the account live on B; Alice acts from A's pages.
@Suite("Remote interaction from another server's page")
struct RemoteInteractionTests {
    static func escaped(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }

    @Test(
        "a signed-in user arriving with a remote post likes, boosts and replies to it in one click each, and follows its author by handle; signing in first brings her back; ours redirects to our page; nothing there is 404"
    )
    func actOnARemotePost() async throws {
        try await withTwoTestInstances { a, b in
            // Bob publishes a character on B: a post there.
            let created = try await b.modules.core.accounts.register(
                Registration(username: "bob", email: "bob@example.org", password: "correct horse battery")
            )
            let bob = try await b.modules.core.accounts.authenticate(token: created.session.token.value)
            let character = try await b.modules.core.characters.create(
                CharacterCard(data: ["name": .string("Lantern Keeper"), "description": .string("She keeps the harbour light.")]),
                for: bob
            )
            _ = try await b.modules.core.characters.setVisibility(character.id, to: .public, for: bob)
            let note = "\(b.publicURL)/characters/\(character.id.uuidString.lowercased())"
            // His profile on B: a bio, a header and a field, which A shows as his profile.
            try await b.modules.core.accounts.setPublicProfile(
                bob,
                displayName: "Bob of the Harbour",
                bio: "Keeps <lights>.",
                fields: [ProfileField(name: "Boat", value: "The Lantern")]
            )
            try await b.modules.core.accounts.setImage(.header, of: bob, to: try Fixtures.data("cards/seraphina.png"))

            // Alice has an account on A.
            let host = "127.0.0.2"
            _ = try await a.signUp("alice")
            let aliceActor = "\(a.publicURL)/users/alice"
            let formToken = "form-token-of-alice"
            let here = "/authorize_interaction?uri=" + Self.escaped(note)
            @Sendable func get(_ path: String, _ headers: [(String, String)]) async throws -> LoopbackHTTP.Reply {
                try await LoopbackHTTP.send(
                    port: a.port,
                    method: "GET",
                    path: path,
                    headers: [("Accept", "text/html")] + headers,
                    body: nil,
                    host: host,
                    followRedirects: false
                )
            }
            @Sendable func post(_ path: String, _ body: String, _ cookies: String) async throws -> LoopbackHTTP.Reply {
                try await LoopbackHTTP.send(
                    port: a.port,
                    method: "POST",
                    path: path,
                    headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Origin", a.publicURL), ("Cookie", cookies)],
                    body: Data(body.utf8),
                    host: host,
                    followRedirects: false
                )
            }

            // Mastodon's web client reads our subscribe template from another origin.
            let webFinger = try await LoopbackHTTP.send(
                port: a.port,
                method: "GET",
                path: "/.well-known/webfinger?resource=" + Self.escaped("acct:alice@\(a.domain)"),
                body: nil,
                host: host
            )
            #expect(webFinger.headers.first(name: "Access-Control-Allow-Origin") == "*")
            let links = try webFinger.json()["links"] as? [[String: Any]] ?? []
            let subscribe = links.first { $0["rel"] as? String == "http://ostatus.org/schema/1.0/subscribe" }?["template"] as? String
            #expect(subscribe == "\(a.publicURL)/authorize_interaction?uri={uri}")

            // Not signed in: sent to log in, and brought back once she has.
            let anonymous = try await get(here, [])
            let login = try #require(anonymous.headers.first(name: "Location"))
            #expect(anonymous.status == 303 && login == "/login?next=" + Self.escaped(here), "\(anonymous.status) \(login)")
            let loginPage = try await get(login, [("Cookie", "scribe_csrf=\(formToken)")])
            #expect(loginPage.text.contains("name=\"next\" value=\"\(here.replacingOccurrences(of: "&", with: "&amp;"))\""))
            let loggedIn = try await post(
                "/login",
                "csrf=\(formToken)&identifier=alice&password=correct+horse+battery&next=\(Self.escaped(here))",
                "scribe_csrf=\(formToken)"
            )
            #expect(loggedIn.status == 303 && loggedIn.headers.first(name: "Location") == here)
            let session = try #require(
                loggedIn.headers["Set-Cookie"].first { $0.hasPrefix("scribe_session=") }?.dropFirst("scribe_session=".count).split(separator: ";")
                    .first
            )
            let cookies = "scribe_session=\(session); scribe_csrf=\(formToken)"
            // A login link cannot send her to another site.
            let elsewhere = try await post(
                "/login",
                "csrf=\(formToken)&identifier=alice&password=correct+horse+battery&next=\(Self.escaped("//evil.example/"))",
                "scribe_csrf=\(formToken)"
            )
            #expect(elsewhere.headers.first(name: "Location") == "/library")

            // Signed in: the page shows Bob's post, fetched from B, with its author's handle.
            let shown = try await get(here, [("Cookie", cookies)])
            #expect(shown.status == 200, "\(shown.status) \(shown.text.suffix(1500))")
            #expect(shown.text.contains("A post by @bob@\(b.domain)") && shown.text.contains("She keeps the harbour light."))

            // One click each: like, boost, reply. B records each from Alice's actor.
            let liked = try await post("/authorize_interaction", "csrf=\(formToken)&uri=\(Self.escaped(note))&action=like", cookies)
            #expect(liked.status == 303 && liked.notice == "Liked." && liked.headers.first(name: "Location") == here)
            #expect(
                try await eventually {
                    try await b.modules.social.collections.interactions(.likes, of: note, page: 1).items.map(\.id) == [aliceActor]
                }
            )
            let boosted = try await post("/authorize_interaction", "csrf=\(formToken)&uri=\(Self.escaped(note))&action=boost", cookies)
            #expect(boosted.status == 303 && boosted.notice == "Boosted to your followers.")
            #expect(try await eventually { try await b.modules.social.collections.interactions(.shares, of: note, page: nil).totalItems == 1 })
            let replied = try await post(
                "/authorize_interaction",
                "csrf=\(formToken)&uri=\(Self.escaped(note))&action=reply&text=Lovely+light",
                cookies
            )
            #expect(replied.status == 303 && replied.notice == "Your reply is sent.")
            #expect(try await eventually { try await b.modules.social.collections.interactions(.replies, of: note, page: nil).totalItems == 1 })
            // An empty reply is refused beside the form, and sends nothing.
            let empty = try await post("/authorize_interaction", "csrf=\(formToken)&uri=\(Self.escaped(note))&action=reply&text=", cookies)
            #expect(empty.status == 422 && empty.text.contains("role=\"alert\""))

            // By handle, as `acct:`: the account's page offers to follow; one click follows.
            let account = "acct:bob@\(b.domain)"
            let profile = try await get("/authorize_interaction?uri=" + Self.escaped(account), [("Cookie", cookies)])
            #expect(profile.status == 200 && profile.text.contains("Follow @bob@\(b.domain)"))
            // His profile as his server describes it: name, bio, header, fields, when he joined, counts.
            #expect(profile.text.contains("<h1>Bob of the Harbour</h1>") && profile.text.contains("<p>Keeps &lt;lights&gt;.</p>"))
            #expect(profile.text.contains("src=\"\(b.publicURL)/api/v1/users/bob/header.png\""))
            #expect(profile.text.contains("<dt>Boat</dt><dd>The Lantern</dd>"))
            #expect(profile.text.contains("0 followers") && profile.text.contains("1 posts") && profile.text.contains("joined "))
            let followed = try await post("/authorize_interaction", "csrf=\(formToken)&uri=\(Self.escaped(account))&action=follow", cookies)
            #expect(
                followed.status == 303 && followed.notice == "Follow request sent: you follow @bob@\(b.domain) once their server accepts.",
                "\(followed.notice ?? "")"
            )
            #expect(
                try await eventually {
                    try await b.modules.social.collections.collection(.followers, of: "bob", page: 1).items.map(\.id) == [aliceActor]
                }
            )

            // Something of ours is shown on its own page; nothing there is 404.
            let ours = try await get("/authorize_interaction?uri=" + Self.escaped(aliceActor), [("Cookie", cookies)])
            #expect(ours.status == 303 && ours.headers.first(name: "Location") == "\(a.publicURL)/@alice")
            let missing = "\(b.publicURL)/characters/\(UUID().uuidString.lowercased())"
            #expect(try await get("/authorize_interaction?uri=" + Self.escaped(missing), [("Cookie", cookies)]).status == 404)
            #expect(try await get("/authorize_interaction?uri=" + Self.escaped("not a thing"), [("Cookie", cookies)]).status == 404)
        }
    }

    @Test("a character published on another Scribe server is forked into a library from its post, with its origin, creator and version kept")
    func forkFromAnotherServer() async throws {
        try await withTwoTestInstances { a, b in
            let created = try await b.modules.core.accounts.register(
                Registration(username: "mira", email: "mira@example.org", password: "correct horse battery")
            )
            let mira = try await b.modules.core.accounts.authenticate(token: created.session.token.value)
            let character = try await b.modules.core.characters.create(
                CharacterCard(data: [
                    "name": .string("Ferryman"), "description": .string("Rows the dead across."), "creator": .string("Mira of the Marsh"),
                    "character_version": .string("1.2"), "tags": .array([.string("fantasy")]),
                ]),
                for: mira
            )
            _ = try await b.modules.core.characters.setVisibility(character.id, to: .public, for: mira)
            let note = "\(b.publicURL)/characters/\(character.id.uuidString.lowercased())"

            let host = "127.0.0.2"
            let token = try await a.signUp("alice")
            let formToken = "form-token-of-alice"
            let cookies = "scribe_session=\(token); scribe_csrf=\(formToken)"
            let here = "/authorize_interaction?uri=" + Self.escaped(note)
            let shown = try await LoopbackHTTP.send(
                port: a.port,
                method: "GET",
                path: here,
                headers: [("Accept", "text/html"), ("Cookie", cookies)],
                body: nil,
                host: host
            )
            #expect(shown.status == 200 && shown.text.contains("Fork into your library") && shown.text.contains("by Mira of the Marsh, version 1.2"))

            let forked = try await LoopbackHTTP.send(
                port: a.port,
                method: "POST",
                path: "/authorize_interaction",
                headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Origin", a.publicURL), ("Cookie", cookies)],
                body: Data("csrf=\(formToken)&uri=\(Self.escaped(note))&action=fork".utf8),
                host: host,
                followRedirects: false
            )
            let location = try #require(forked.headers.first(name: "Location"))
            #expect(
                forked.status == 303 && location.hasPrefix("/library/characters/") && forked.notice?.hasPrefix("Forked into your library") == true
            )

            // Her copy: private, in her library, with the card's provenance.
            let id = try #require(location.split(separator: "/").last.map(String.init))
            let copy = try await LoopbackHTTP.send(
                port: a.port,
                method: "GET",
                path: "/api/v1/characters/\(id)",
                headers: [("Authorization", "Bearer \(token)")],
                body: nil,
                host: host
            )
            let owned = try #require(try copy.json()["character"] as? [String: Any])
            let data = try #require((owned["card"] as? [String: Any])?["data"] as? [String: Any])
            #expect(owned["sharing_visibility"] as? String == "private")
            #expect(data["name"] as? String == "Ferryman" && data["description"] as? String == "Rows the dead across.")
            #expect(data["creator"] as? String == "Mira of the Marsh" && data["character_version"] as? String == "1.2")
            #expect((data["source"] as? [String])?.contains(note) == true, "\(data["source"] ?? "none")")
        }
    }

    @Test(
        "a visitor with an account elsewhere is sent from an item's page to their server's remote-interaction page; an address nobody answers is told plainly beside the field"
    )
    func fromAnItemPage() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            let alice = try await FederationBetweenInstancesTests.register(instance, "alice")
            let character = try await instance.modules.core.characters.create(
                CharacterCard(data: ["name": .string("Lantern Keeper"), "description": .string("She keeps the harbour light.")]),
                for: alice
            )
            _ = try await instance.modules.core.characters.setVisibility(character.id, to: .public, for: alice)
            let itemURL = "\(instance.publicURL)/characters/\(character.id.uuidString.lowercased())"
            try await withTestPeer { peer in
                let token = "form-token-of-a-visitor"
                func send(_ handle: String) async throws -> LoopbackHTTP.Reply {
                    try await LoopbackHTTP.send(
                        port: instance.port,
                        method: "POST",
                        path: "/characters/\(character.id.uuidString.lowercased())/remote-interaction",
                        headers: [
                            ("Content-Type", "application/x-www-form-urlencoded"), ("Origin", instance.publicURL), ("Cookie", "scribe_csrf=\(token)"),
                            ("Accept", "text/html"),
                        ],
                        body: Data("csrf=\(token)&handle=\(Self.escaped(handle))".utf8),
                        host: "127.0.0.5",
                        followRedirects: false
                    )
                }
                let host = String(peer.origin.dropFirst("http://".count))
                let sent = try await send("carol@\(host)")
                #expect(sent.status == 303)
                #expect(sent.headers.first(name: "Location") == peer.origin + "/" + Self.escaped(itemURL))
                let nowhere = try await send("carol@nowhere.invalid")
                #expect(nowhere.status == 422 && nowhere.text.contains("id=\"remote-handle-error\""))
                // In words, not codes: with private peers allowed (tests) the name is not looked up
                // first, so it reads as a server that did not answer; in production, as none found.
                let said = nowhere.text.components(separatedBy: "id=\"remote-handle-error\">").last?.prefix(120) ?? ""
                #expect(said.hasPrefix("No server was found at nowhere.invalid") || said.hasPrefix("nowhere.invalid did not answer"), "\(said)")
                #expect(!nowhere.text.contains("unresolvable_host") && !nowhere.text.contains("connection_failed"))
            }
        }
    }
}
