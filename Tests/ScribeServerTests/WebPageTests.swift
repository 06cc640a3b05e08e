import ActivityPubKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ScribeTestFixtures
import ScribeTestSupport
import ScribeWeb
import Testing

@testable import ScribeImages
@testable import ScribeServer

/// The web pages over real HTTP, without a browser: what the browser test cannot see or
/// should not have to (forged forms, content negotiation, who sees what).
@Suite("Web pages over real HTTP")
struct WebPageTests {
    static let html: HTTPFields = [.accept: "text/html,application/xhtml+xml"]

    /// Registers through the JSON API and returns a session cookie and the form token cookie.
    static func browser(_ client: any TestClientProtocol, _ username: String) async throws -> HTTPFields {
        let reply = try await client.execute(
            uri: "/api/v1/accounts",
            method: .post,
            headers: [.contentType: "application/json"],
            body: ByteBuffer(string: #"{"username":"\#(username)","email":"\#(username)@example.org","password":"correct horse battery"}"#)
        ) { $0 }
        let token = try #require(
            ((try JSONSerialization.jsonObject(with: Data(reply.body.readableBytesView)) as? [String: Any])?["session"] as? [String: Any])?["token"]
                as? String
        )
        return [.cookie: "scribe_session=\(token); scribe_csrf=token-\(username)", .origin: "http://localhost:8080", .accept: "text/html"]
    }

    /// Creates a character through the library's form and makes it public; returns its id.
    static func publish(_ client: any TestClientProtocol, _ name: String, as browser: HTTPFields, token: String) async throws -> String {
        let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        let created = try await client.execute(
            uri: "/library/characters",
            method: .post,
            headers: browser.merging(form),
            body: Self.form(["name": name, "csrf": token])
        ) { $0 }
        let editor = try #require(created.headers[.location]?.split(separator: "?").first.map { String($0) })
        _ = try await client.execute(
            uri: editor + "/visibility",
            method: .post,
            headers: browser.merging(form),
            body: Self.form(["visibility": "public", "csrf": token])
        ) { $0 }
        return try #require(editor.split(separator: "/").last.map { String($0) })
    }

    static func form(_ fields: [String: String]) -> ByteBuffer {
        var components = URLComponents()
        components.queryItems = fields.map { URLQueryItem(name: $0.key, value: $0.value) }
        return ByteBuffer(string: components.percentEncodedQuery ?? "")
    }

    @Test("every template loads and parses")
    func templates() {
        let pages = Pages(publicURL: URL(string: "https://scribe.example")!)
        #expect(pages.problems.isEmpty, "\(pages.problems)")
        for name in [
            "layout", "home", "item", "profile", "library", "character-editor", "signup", "login", "recover", "welcome", "feed", "notifications",
            "settings", "moderation", "error", "interaction", "lorebook-editor", "listing-cards", "card-art", "composer", "status", "authorize",
            "authorization-code",
        ] {
            #expect(pages.hasTemplate(name), "\(name)")
        }
    }

    @Test("a multipart form whose part has a header name that is not ASCII is refused with 400, and the server goes on")
    func hostileMultipartForm() async throws {
        try await withTestServer { client, _ in
            let boundary = "b0undary"
            let body =
                Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"identifier\"\r\n\r\nalice\r\n--\(boundary)\r\n".utf8)
                + [0xC3, 0xA2] + Array("-name: x\r\n\r\nvalue\r\n--\(boundary)--\r\n".utf8)
            let refused = try await client.execute(
                uri: "/login",
                method: .post,
                headers: Self.html + [.contentType: "multipart/form-data; boundary=\(boundary)", .origin: "http://localhost:8080"],
                body: ByteBuffer(bytes: body)
            ) { $0 }
            #expect(refused.status == .badRequest)
            #expect(try await client.execute(uri: "/healthz", method: .get) { $0 }.status == .ok)
        }
    }

    @Test("a browser's first page sets the form token's cookie, and its forms carry the same token; an API request is given none")
    func formTokenCookie() async throws {
        try await withTestServer { client, _ in
            let page = try await client.execute(uri: "/login", method: .get, headers: Self.html) { $0 }
            let cookie = try #require(page.headers[values: .setCookie].first { $0.hasPrefix("scribe_csrf=") })
            let token = String(cookie.dropFirst("scribe_csrf=".count).prefix { $0 != ";" })
            #expect(
                token.count == 43
                    && token.utf8.allSatisfy {
                        $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0)
                            || (0x61...0x7A).contains($0)
                    }
            )
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
            #expect(String(buffer: page.body).contains("name=\"csrf\" value=\"\(token)\""))
            for (uri, accept) in [
                ("/healthz", "application/json"), ("/api/v1/marketplace/listings", "application/json"), ("/login", "application/json"),
            ] {
                let answer = try await client.execute(uri: uri, method: .get, headers: [.accept: accept]) { $0 }
                #expect(!answer.headers[values: .setCookie].contains { $0.hasPrefix("scribe_csrf=") }, "\(uri)")
            }
        }
    }

    @Test("a form without its token, or with another's, is refused and changes nothing")
    func forgedForms() async throws {
        try await withTestServer { client, _ in
            var alice = try await Self.browser(client, "alice")
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            for token in [nil, "token-mallory"] {
                var fields = ["name": "Forged"]
                fields["csrf"] = token
                let reply = try await client.execute(uri: "/library/characters", method: .post, headers: alice.merging(form), body: Self.form(fields))
                { $0 }
                #expect(reply.status == .forbidden)
            }
            // Another site's page posting with the victim's cookies: refused by its Origin alone.
            alice[.origin] = "https://evil.example"
            let crossSite = try await client.execute(
                uri: "/library/characters",
                method: .post,
                headers: alice.merging(form),
                body: Self.form(["name": "Forged", "csrf": "token-alice"])
            ) { $0 }
            #expect(crossSite.status == .forbidden)
            alice[.origin] = "http://localhost:8080"
            let library = try await client.execute(uri: "/library", method: .get, headers: alice) { $0 }
            #expect(library.status == .ok && !String(buffer: library.body).contains("Forged"))
            // With the token the same form works.
            let created = try await client.execute(
                uri: "/library/characters",
                method: .post,
                headers: alice.merging(form),
                body: Self.form(["name": "Genuine", "csrf": "token-alice"])
            ) { $0 }
            #expect(created.status == .seeOther)
            // A page's forms carry the token a new visitor's cookie is set to.
            let fresh = try await client.execute(uri: "/login", method: .get, headers: Self.html) { $0 }
            let cookie = try #require(fresh.headers[.setCookie]?.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last)
            #expect(String(buffer: fresh.body).contains("name=\"csrf\" value=\"\(cookie)\""))
        }
    }

    @Test("an object's URL is a page for browsers and ActivityPub for servers; profiles likewise; errors are pages for browsers, JSON for the API")
    func negotiation() async throws {
        try await withTestServer { client, _ in
            let alice = try await Self.browser(client, "alice")
            let id = try await Self.publish(client, "Lantern", as: alice, token: "token-alice")

            let page = try await client.execute(uri: "/characters/\(id)", method: .get, headers: Self.html) { $0 }
            #expect(page.status == .ok && page.headers[.contentType]?.hasPrefix("text/html") == true && page.headers[.vary] == "Accept")
            let body = String(buffer: page.body)
            #expect(body.contains("<link rel=\"alternate\" type=\"application/activity+json\" href=\"http://localhost:8080/characters/\(id)\">"))
            #expect(body.contains("property=\"og:title\" content=\"Lantern\""))
            let object = try await client.execute(uri: "/characters/\(id)", method: .get, headers: [.accept: "application/activity+json"]) { $0 }
            #expect(
                object.headers[.contentType]?.hasPrefix("application/activity+json") == true
                    && String(buffer: object.body).contains("\"type\":\"Note\"")
            )

            // The profile lists what she published once the marketplace has caught up (a quarter second).
            #expect(
                try await eventually(timeout: .seconds(10)) {
                    let profile = try await client.execute(uri: "/@alice", method: .get, headers: Self.html) { $0 }
                    return profile.status == .ok && String(buffer: profile.body).contains("/characters/\(id)")
                }
            )
            #expect(
                try await client.execute(uri: "/@alice", method: .get, headers: [.accept: "application/activity+json"]) { $0 }.headers[.location]
                    == "http://localhost:8080/users/alice"
            )
            #expect(try await client.execute(uri: "/users/alice", method: .get, headers: Self.html) { $0 }.headers[.location] == "/@alice")

            let missing = try await client.execute(uri: "/characters/\(UUID())", method: .get, headers: Self.html) { $0 }
            #expect(missing.status == .notFound && missing.headers[.contentType]?.hasPrefix("text/html") == true)
            let api = try await client.execute(uri: "/api/v1/characters/\(UUID())", method: .get, headers: Self.html.merging(alice)) { $0 }
            #expect(api.status == .notFound && api.headers[.contentType]?.hasPrefix("application/json") == true)
            let anonymousLibrary = try await client.execute(uri: "/library", method: .get, headers: Self.html) { $0 }
            #expect(anonymousLibrary.status == .seeOther && anonymousLibrary.headers[.location]?.hasPrefix("/login") == true)
        }
    }

    @Test("a creator rates her item for adults: its page's link preview loses the art and says NSFW, and its Note is folded behind a content warning")
    func adultItemsUnfurlWithoutArt() async throws {
        try await withTestServer { client, _ in
            let alice = try await CharacterRoutesTests.bearer(client, "alice")
            let id = try await CharacterRoutesTests.importSeraphina(client, alice)
            let json = CharacterRoutesTests.adding(alice, .contentType, "application/json")
            let shared = try await client.execute(
                uri: "/api/v1/characters/\(id)/visibility",
                method: .put,
                headers: json,
                body: ByteBuffer(string: #"{"sharing_visibility":"public"}"#)
            ) { $0 }
            #expect(shared.status == .ok)
            func page() async throws -> String {
                String(buffer: try await client.execute(uri: "/characters/\(id)", method: .get, headers: Self.html) { $0 }.body)
            }
            func note() async throws -> ASObject {
                try ASObject.decode(
                    Data(
                        try await client.execute(uri: "/characters/\(id)", method: .get, headers: [.accept: "application/activity+json"]) { $0 }.body
                            .readableBytesView
                    )
                )
            }
            let open = try await page()
            #expect(open.contains("property=\"og:image\" content=\"http://localhost:8080/") && !open.contains("NSFW: a character for adults"))
            #expect(try await note()["sensitive"] == .bool(false))

            // The listing appears once the marketplace has caught up; then she rates it.
            #expect(
                try await eventually(timeout: .seconds(10)) {
                    try await client.execute(uri: "/api/v1/marketplace/listings/\(id)", method: .get) { $0 }.status == .ok
                }
            )
            let rated = try await client.execute(
                uri: "/api/v1/marketplace/listings/\(id)/content-rating",
                method: .put,
                headers: json,
                body: ByteBuffer(string: #"{"content_rating":"nsfw"}"#)
            ) { $0 }
            #expect(rated.status == .noContent)
            let adult = try await page()
            #expect(!adult.contains("og:image") && adult.contains("NSFW: a character for adults by @alice on Scribe."))
            let folded = try await note()
            #expect(folded["sensitive"] == .bool(true) && folded.summary?.hasPrefix("NSFW: a character for adults — Seraphina") == true)
        }
    }

    @Test("HEAD answers wherever GET does, with GET's status and headers and no body: pages, objects, actors, discovery, errors")
    func head() async throws {
        try await withTestServer { client, _ in
            let alice = try await Self.browser(client, "alice")
            let id = try await Self.publish(client, "Lantern", as: alice, token: "token-alice")
            // Pages that change as the marketplace catches up would differ between the two requests.
            let caughtUp = try await eventually(timeout: .seconds(20)) {
                let profile = try await client.execute(uri: "/@alice", method: .get, headers: Self.html) { $0 }
                let home = try await client.execute(uri: "/", method: .get, headers: Self.html) { $0 }
                return String(buffer: profile.body).contains("/characters/\(id)") && String(buffer: home.body).contains("Lantern")
            }
            #expect(caughtUp)
            let activityPub: HTTPFields = [.accept: "application/activity+json"]
            let requests: [(String, HTTPFields)] = [
                ("/", Self.html), ("/characters/\(id)", Self.html), ("/characters/\(id)", activityPub), ("/@alice", Self.html),
                ("/users/alice", activityPub), ("/users/alice", Self.html), ("/.well-known/webfinger?resource=acct:alice@localhost:8080", [:]),
                ("/.well-known/nodeinfo", [:]), ("/healthz", [:]), ("/characters/\(UUID())", Self.html), ("/api/v1/nothing-here", [:]),
            ]
            for (path, headers) in requests {
                let get = try await client.execute(uri: path, method: .get, headers: headers) { $0 }
                let head = try await client.execute(uri: path, method: .head, headers: headers) { $0 }
                #expect(head.status == get.status, "\(path)")
                #expect(head.headers[.contentType] == get.headers[.contentType], "\(path)")
                #expect(head.headers[.location] == get.headers[.location], "\(path)")
                #expect(head.headers[.contentLength] == String(get.body.readableBytes), "\(path)")
                #expect(head.body.readableBytes == 0, "\(path)")
            }
        }
    }

    @Test("a followers-only item's page shows to its owner and approved followers only; a private one to nobody")
    func followersOnly() async throws {
        try await withTestServer { client, _ in
            let alice = try await Self.browser(client, "alice")
            let bob = try await Self.browser(client, "bob")
            let carol = try await Self.browser(client, "carol")
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            var ids: [String: String] = [:]
            for (name, visibility) in [("Inner Circle", "followers"), ("Diary", "private")] {
                let created = try await client.execute(
                    uri: "/library/characters",
                    method: .post,
                    headers: alice.merging(form),
                    body: Self.form(["name": name, "csrf": "token-alice"])
                ) { $0 }
                let editor = try #require(created.headers[.location]?.split(separator: "?").first.map { String($0) })
                ids[name] = editor.split(separator: "/").last.map { String($0) }
                _ = try await client.execute(
                    uri: editor + "/visibility",
                    method: .post,
                    headers: alice.merging(form),
                    body: Self.form(["visibility": visibility, "csrf": "token-alice"])
                ) { $0 }
            }
            let followed = try await client.execute(
                uri: "/@alice/follow",
                method: .post,
                headers: bob.merging(form),
                body: Self.form(["csrf": "token-bob"])
            ) { $0 }
            #expect(followed.status == .seeOther)
            let known = ids
            let sees: @Sendable (HTTPFields, String) async throws -> Bool = { headers, name in
                let reply = try await client.execute(uri: "/characters/\(known[name]!)", method: .get, headers: headers) { $0 }
                return reply.status == .ok && String(buffer: reply.body).contains(name)
            }
            #expect(try await sees(alice, "Inner Circle"))
            // Social learns of the item from Core's log a moment after it is shared.
            #expect(try await eventually(timeout: .seconds(10)) { try await sees(bob, "Inner Circle") })
            #expect(try await !sees(carol, "Inner Circle"))
            #expect(try await !sees(Self.html, "Inner Circle"))
            let diary = try #require(ids["Diary"])
            for viewer in [alice, bob, carol, Self.html] {
                #expect(try await !sees(viewer, "Diary"))
                for path in ["/", "/@alice", "/?q=Diary", "/feed", "/notifications"] {
                    let body = String(buffer: try await client.execute(uri: path, method: .get, headers: viewer) { $0 }.body)
                    #expect(!body.contains(diary) && !body.contains(">Diary<"), "\(path)")
                }
            }
        }
    }
}

extension WebPageTests {
    @Test("the settings page sets the public profile with an uploaded avatar; a bad image is shown beside its field, the name typed kept")
    func publicProfile() async throws {
        try await withTestServer { client, _ in
            let alice = try await Self.browser(client, "alice")
            let boundary = "scribe-test-boundary"
            func multipart(_ name: String, avatar: Data) -> ByteBuffer {
                var body = Data()
                for (field, value) in [("csrf", "token-alice"), ("display_name", name), ("bio", "Keeper of lanterns.")] {
                    body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"\r\n\r\n\(value)\r\n".utf8)
                }
                body += Data(
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n".utf8
                )
                body += avatar + Data("\r\n--\(boundary)--\r\n".utf8)
                return ByteBuffer(bytes: body)
            }
            let headers = alice.merging([.contentType: "multipart/form-data; boundary=\(boundary)"])
            let bad = try await client.execute(
                uri: "/settings/profile",
                method: .post,
                headers: headers,
                body: multipart("Lamp Lady", avatar: Data("not an image".utf8))
            ) { $0 }
            let badPage = String(buffer: bad.body)
            #expect(bad.status == .unprocessableContent && badPage.contains("id=\"avatar-error\"") && badPage.contains("value=\"Lamp Lady\""))
            let image = try Fixtures.data("cards/seraphina.png")
            let saved = try await client.execute(
                uri: "/settings/profile",
                method: .post,
                headers: headers,
                body: multipart("Lamp Lady", avatar: image)
            ) { $0 }
            #expect(saved.status == .seeOther)
            let profile = String(buffer: try await client.execute(uri: "/@alice", method: .get, headers: Self.html) { $0 }.body)
            #expect(
                profile.contains("<h1>Lamp Lady</h1>") && profile.contains("Keeper of lanterns.")
                    && profile.contains("src=\"/api/v1/users/alice/avatar/")
            )
            let avatar = try await client.execute(uri: "/api/v1/users/alice/avatar.png", method: .get) { $0 }
            #expect(avatar.status == .ok && Data(avatar.body.readableBytesView) == image)
        }
    }
}

extension WebPageTests {
    /// swift-mustache's own escaping compares `Character`s: a quote followed by a combining mark
    /// is one grapheme and went out as a bare `"`, ending the attribute (found by scripts/fuzz).
    @Test("a quote or bracket followed by a combining mark is escaped in attributes and text alike")
    func combiningMarksAreEscaped() async throws {
        try await withTestServer { client, _ in
            let alice = try await Self.browser(client, "alice")
            let name = "Lamp\"\u{0308} onfocus=\"alert(1)\" autofocus <\u{0308}b>"
            let reply = try await client.execute(
                uri: "/settings/profile",
                method: .post,
                headers: alice.merging([.contentType: "application/x-www-form-urlencoded"]),
                body: Self.form(["csrf": "token-alice", "display_name": name, "bio": "x"])
            ) { $0 }
            #expect(reply.status == .seeOther)
            for page in ["/settings", "/@alice"] {
                let html = String(buffer: try await client.execute(uri: page, method: .get, headers: alice) { $0 }.body)
                #expect(html.contains("Lamp&quot;\u{0308} onfocus=&quot;alert(1)&quot; autofocus &lt;\u{0308}b&gt;"), "\(page)")
                #expect(
                    !html.unicodeScalars.split(separator: "\u{0308}").dropLast().contains { $0.last == "\"" || $0.last == "<" },
                    "\(page) has a bare quote or bracket"
                )
            }
        }
    }

    @Test("a notice comes from our own redirect, is shown once, and cannot be put on a page by a link")
    func notices() async throws {
        try await withTestServer { client, _ in
            let alice = try await Self.browser(client, "alice")
            let spoofed = try await client.execute(uri: "/?notice=Your+account+is+locked", method: .get, headers: Self.html) { $0 }
            #expect(!String(buffer: spoofed.body).contains("account is locked"))
            let saved = try await client.execute(
                uri: "/settings/account",
                method: .post,
                headers: alice.merging([.contentType: "application/x-www-form-urlencoded"]),
                body: Self.form(["csrf": "token-alice", "locked": "on"])
            ) { $0 }
            let cookie = try #require(saved.headers[.setCookie]?.split(separator: ";").first.map { String($0) })
            #expect(cookie.hasPrefix("scribe_notice="))
            var next = alice
            next[.cookie] = (alice[.cookie] ?? "") + "; " + cookie
            let shown = try await client.execute(uri: "/settings", method: .get, headers: next) { $0 }
            #expect(String(buffer: shown.body).contains("New followers now need your approval."))
            #expect(shown.headers[values: .setCookie].contains { $0.hasPrefix("scribe_notice=;") }, "shown once, then forgotten")
        }
    }
}

extension WebPageTests {
    @Test("a lorebook created from the library gets entries in its editor; a nameless one is refused beside its field, and a removed entry is gone")
    func lorebookEditor() async throws {
        try await withTestServer { client, _ in
            let alice = try await Self.browser(client, "alice")
            let form = alice.merging([.contentType: "application/x-www-form-urlencoded"])
            let nameless = try await client.execute(
                uri: "/library/lorebooks",
                method: .post,
                headers: form,
                body: Self.form(["csrf": "token-alice", "name": " ", "description": "Kept"])
            ) { $0 }
            #expect(nameless.status == .unprocessableContent && String(buffer: nameless.body).contains("id=\"lorebook-name-error\""))
            #expect(String(buffer: nameless.body).contains(">Kept</textarea>"))
            let created = try await client.execute(
                uri: "/library/lorebooks",
                method: .post,
                headers: form,
                body: Self.form(["csrf": "token-alice", "name": "Marsh Lore"])
            ) { $0 }
            let editor = try #require(created.headers[.location])
            for fields in [
                ["entry_keys_0": "Lantern, Lamp", "entry_content_0": "Never goes out."],
                ["entry_keys_0": "Lantern, Lamp", "entry_content_0": "Never goes out.", "entry_keys_1": "Marsh", "entry_content_1": "Violet."],
                [
                    "entry_keys_0": "Lantern", "entry_content_0": "Never goes out.", "entry_remove_0": "on", "entry_keys_1": "Marsh",
                    "entry_content_1": "Violet.",
                ],
            ] {
                let saved = try await client.execute(
                    uri: editor,
                    method: .post,
                    headers: form,
                    body: Self.form(fields.merging(["csrf": "token-alice", "name": "Marsh Lore"]) { $1 })
                ) { $0 }
                #expect(saved.status == .seeOther)
            }
            let page = String(buffer: try await client.execute(uri: editor, method: .get, headers: alice) { $0 }.body)
            #expect(page.contains("value=\"Marsh\"") && page.contains(">Violet.</textarea>") && !page.contains("Never goes out."))
        }
    }
}

extension HTTPFields {
    func merging(_ other: HTTPFields) -> HTTPFields {
        var merged = self
        for field in other { merged[field.name] = field.value }
        return merged
    }
}

extension WebPageTests {
    @Test(
        "the settings page saves profile fields, discovery and aliases; a move without the right password is refused beside its form and changes nothing"
    )
    func profileAndAccountSettings() async throws {
        try await withTestServer { client, _ in
            let alice = try await Self.browser(client, "alice")
            let form = alice.merging([.contentType: "application/x-www-form-urlencoded"])
            func json(_ path: String, accept: String = "application/json") async throws -> [String: Any] {
                let reply = try await client.execute(uri: path, method: .get, headers: alice.merging([.accept: accept])) { $0 }
                return try #require(try? JSONSerialization.jsonObject(with: Data(reply.body.readableBytesView)) as? [String: Any])
            }
            func post(_ path: String, _ fields: [String: String]) async throws -> (HTTPResponse.Status, String) {
                let reply = try await client.execute(
                    uri: path,
                    method: .post,
                    headers: form,
                    body: Self.form(["csrf": "token-alice"].merging(fields) { $1 })
                ) { $0 }
                return (reply.status, String(buffer: reply.body))
            }
            let fields = [
                "display_name": "Alice", "bio": "", "field_0_name": "Website", "field_0_value": "https://alice.example",
                "field_1_name": "Pronouns", "field_1_value": "she/her", "field_2_name": "", "field_2_value": "", "field_3_name": "",
                "field_3_value": "",
            ]
            #expect(try await post("/settings/profile", fields).0 == .seeOther)
            let actor = try await json("/users/alice", accept: "application/activity+json")
            let attachment = try #require(actor["attachment"] as? [[String: Any]])
            #expect(attachment.map { $0["name"] as? String } == ["Website", "Pronouns"] && attachment.last?["value"] as? String == "she/her")
            // A label without content is refused beside the fields, and what was typed stays.
            let (status, page) = try await post("/settings/profile", fields.merging(["field_2_name": "Orphan"]) { $1 })
            #expect(status == .unprocessableContent && page.contains("id=\"fields-error\"") && page.contains("value=\"Orphan\""))

            #expect(try await post("/settings/account", ["indexable": "on"]).0 == .seeOther)
            let settings = try await json("/api/v1/social/settings")
            #expect(settings["manually_approves_followers"] as? Bool == false && settings["discoverable"] as? Bool == false)
            #expect(settings["indexable"] as? Bool == true)

            // An alias that names no account is refused beside its form.
            let (aliasStatus, aliasPage) = try await post("/settings/aliases", ["aliases": "nobody-at-all"])
            #expect(aliasStatus == .unprocessableContent && aliasPage.contains("value") && aliasPage.contains("nobody-at-all"))
            let (moveStatus, movePage) = try await post("/settings/move", ["target": "someone@elsewhere.example", "password": "wrong password"])
            #expect(moveStatus == .unprocessableContent && movePage.contains("The password is wrong."))
            #expect(try await json("/api/v1/social/settings")["moved_to"] == nil)

            let settingsPage = String(buffer: try await client.execute(uri: "/settings", method: .get, headers: alice) { $0 }.body)
            #expect(settingsPage.contains("value=\"Website\"") && settingsPage.contains("value=\"https://alice.example\""))
            #expect(settingsPage.contains("id=\"indexable\" name=\"indexable\" checked") && !settingsPage.contains("name=\"discoverable\" checked"))
        }
    }
}

extension WebPageTests {
    @Test(
        "an item page folds the card's parts with {{char}} and {{user}} rendered, offers no review to its owner, and undoes a like, a boost and a favourite"
    )
    func itemPage() async throws {
        try await withTestServer { client, _ in
            let alice = try await Self.browser(client, "alice")
            let bob = try await Self.browser(client, "bob")
            let id = try await CharacterRoutesTests.importSeraphina(client, alice).lowercased()
            #expect(try await SharedCharacterRoutesTests.setVisibility(client, id, "public", alice).status == .ok)
            @Sendable func page(_ headers: HTTPFields) async throws -> String {
                String(buffer: try await client.execute(uri: "/characters/\(id)", method: .get, headers: headers.merging(Self.html)) { $0 }.body)
            }
            // Listed first, so favourites and reviews are offered.
            #expect(try await eventually { try await page(bob).contains("action=\"/characters/\(id)/favourite\"") })
            let shown = try await page(bob)
            #expect(shown.contains("<details class=\"card-section\" open>\n  <summary><h2>Description</h2></summary>"))
            #expect(shown.contains("<details class=\"card-section\">\n  <summary><h2>First message</h2></summary>"))
            #expect(
                !shown.lowercased().contains("{{user}}") && !shown.lowercased().contains("{{char}}")
                    && shown.contains("you: &quot;Describe your traits?&quot;")
            )
            #expect(shown.contains("action=\"/characters/\(id)/review\""))
            #expect(!(try await page(alice)).contains("action=\"/characters/\(id)/review\""), "the owner is offered no review of her own item")

            let form = bob.merging([.contentType: "application/x-www-form-urlencoded"])
            func post(_ action: String, _ fields: [String: String] = [:]) async throws {
                let reply = try await client.execute(
                    uri: "/characters/\(id)/\(action)",
                    method: .post,
                    headers: form,
                    body: Self.form(["csrf": "token-bob"].merging(fields) { $1 })
                ) { $0 }
                #expect(reply.status == .seeOther, "\(action) \(fields)")
            }
            for action in ["like", "boost", "favourite"] { try await post(action) }
            let done = try await page(bob)
            #expect(done.contains("aria-pressed=\"true\">♥ Liked") && done.contains("aria-pressed=\"true\">⇄ Boosted"))
            #expect(done.contains("aria-pressed=\"true\">★ Favourited") && done.contains("<span id=\"likes\">1 like</span>"))
            for action in ["like", "boost", "favourite"] { try await post(action, ["action": "undo"]) }
            let undone = try await page(bob)
            #expect(undone.contains("aria-pressed=\"false\">Like") && undone.contains("aria-pressed=\"false\">Boost"))
            #expect(undone.contains("aria-pressed=\"false\">Favourite") && undone.contains("<span id=\"likes\">0 likes</span>"))
        }
    }
}

extension WebPageTests {
    @Test(
        "the editor keeps line breaks as typed (no \\r\\n), saves alternate greetings and the other card fields, records nothing when nothing changed, and asks before deleting"
    )
    func characterEditor() async throws {
        try await withTestServer { client, _ in
            let alice = try await Self.browser(client, "alice")
            let id = try await CharacterRoutesTests.importSeraphina(client, alice).lowercased()
            let form = alice.merging([.contentType: "application/x-www-form-urlencoded"])
            @Sendable func card() async throws -> (data: [String: Any], updated: String) {
                let reply = try await client.execute(uri: "/api/v1/characters/\(id)", method: .get, headers: alice) { $0 }
                let character = try #require(try AccountRoutesTests.decode(reply)["character"] as? [String: Any])
                let data = try #require((character["card"] as? [String: Any])?["data"] as? [String: Any])
                return (data, try #require(character["updated_at"] as? String))
            }
            let fields = [
                "csrf": "token-alice", "name": "Seraphina", "description": "First line\r\nSecond line\r\n\r\nA paragraph",
                "first_mes": "Hello, {{user}}.", "alternate_greetings": "Good morning.\r\n---\r\nGood evening,\r\nfriend.",
                "mes_example": "<START>\r\n{{char}}: Hi", "system_prompt": "Stay kind.", "post_history_instructions": "Be brief.",
                "creator_notes": "A guardian.", "tags": "fantasy, healer", "personality": "", "scenario": "",
            ]
            let saved = try await client.execute(uri: "/library/characters/\(id)", method: .post, headers: form, body: Self.form(fields)) { $0 }
            #expect(saved.status == .seeOther)
            let (data, updated) = try await card()
            #expect(data["description"] as? String == "First line\nSecond line\n\nA paragraph")
            #expect(data["alternate_greetings"] as? [String] == ["Good morning.", "Good evening,\nfriend."])
            #expect(data["mes_example"] as? String == "<START>\n{{char}}: Hi" && data["system_prompt"] as? String == "Stay kind.")
            #expect(data["post_history_instructions"] as? String == "Be brief." && data["tags"] as? [String] == ["fantasy", "healer"])
            // The form shows them again as they were typed, the greetings apart by ---.
            let editor = String(
                buffer: try await client.execute(uri: "/library/characters/\(id)", method: .get, headers: alice.merging(Self.html)) { $0 }.body
            )
            #expect(editor.contains(">Good morning.\n---\nGood evening,\nfriend.</textarea>"))
            // The same again: nothing changes, so no new version.
            try await Task.sleep(for: .seconds(1))
            let again = try await client.execute(uri: "/library/characters/\(id)", method: .post, headers: form, body: Self.form(fields)) { $0 }
            #expect(again.status == .seeOther && again.headers[values: .setCookie].contains { $0.contains("Nothing%20changed") })
            #expect(try await card().updated == updated)
            // Deleting asks first: the button that deletes is behind a confirmation.
            #expect(editor.contains("<summary>Delete Seraphina…</summary>") && editor.contains("Yes, delete Seraphina</button>"))
        }
    }
}

extension WebPageTests {
    @Test(
        "the editor replaces the art with a JPEG, kept as a PNG card embeds it, and the creator's note becomes the listing's changelog; a file that is not an image or a note of two lines is refused beside its field"
    )
    func editorArtAndChangelog() async throws {
        try await withTestServer { client, _ in
            let alice = try await Self.browser(client, "alice")
            let id = try await CharacterRoutesTests.importSeraphina(client, alice).lowercased()
            #expect(try await SharedCharacterRoutesTests.setVisibility(client, id, "public", alice).status == .ok)
            let versions = "/api/v1/marketplace/listings/\(id)/versions"
            #expect(try await eventually { try await client.execute(uri: versions, method: .get) { $0.status } == .ok })
            let boundary = "scribe-editor-boundary"
            func multipart(_ fields: [(String, String)], art: Data?) -> ByteBuffer {
                var body = Data()
                for (field, value) in [("csrf", "token-alice"), ("name", "Seraphina")] + fields {
                    body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"\r\n\r\n\(value)\r\n".utf8)
                }
                if let art {
                    body += Data(
                        "--\(boundary)\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"art.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
                            .utf8
                    )
                    body += art + Data("\r\n".utf8)
                }
                body += Data("--\(boundary)--\r\n".utf8)
                return ByteBuffer(bytes: body)
            }
            let headers = alice.merging([.contentType: "multipart/form-data; boundary=\(boundary)"])
            let editor = "/library/characters/\(id)"

            let notImage = try await client.execute(uri: editor, method: .post, headers: headers, body: multipart([], art: Data("GIF89a".utf8))) {
                $0
            }
            #expect(notImage.status == .unprocessableContent && String(buffer: notImage.body).contains("id=\"avatar-error\""))
            let twoLines = try await client.execute(
                uri: editor,
                method: .post,
                headers: headers,
                body: multipart([("change_note", "One\r\nTwo")], art: nil)
            ) {
                $0
            }
            #expect(twoLines.status == .unprocessableContent && String(buffer: twoLines.body).contains("id=\"change_note-error\""))

            let jpeg = try #require(Thumbnail.make(from: try CharacterRoutesTests.seraphinaPNG, width: 320, formats: [.jpeg])?.bytes)
            let saved = try await client.execute(
                uri: editor,
                method: .post,
                headers: headers,
                body: multipart([("change_note", "New art by the river.")], art: jpeg)
            ) { $0 }
            #expect(saved.status == .seeOther)
            // The new art is a PNG of the JPEG's size, and the PNG card export embeds it.
            let art = try await client.execute(uri: "/api/v1/characters/\(id)/avatar", method: .get, headers: alice) { $0 }
            let bytes = Data(art.body.readableBytesView)
            #expect(art.headers[.contentType] == "image/png" && bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
            #expect(bytes != (try CharacterRoutesTests.seraphinaPNG))
            // The listing's newest version carries her note.
            let noted = try await eventually { () -> [String]? in
                let reply = try await client.execute(uri: versions, method: .get) { $0 }
                let list = try AccountRoutesTests.decode(reply)["versions"] as? [[String: Any]] ?? []
                return list.count == 2 ? list.compactMap { $0["changelog"] as? String } : nil
            }
            #expect(noted == ["New art by the river.", "Published."])
            let page = String(buffer: try await client.execute(uri: "/characters/\(id)", method: .get, headers: Self.html) { $0 }.body)
            #expect(page.contains("New art by the river."))
            // The hero says what a visitor gets: its size, when it was published and updated, who it is for.
            let facts = try #require(page.range(of: "<p class=\"meta\" id=\"facts\">").map { page[$0.upperBound...].prefix { $0 != "<" } })
            #expect(facts.hasPrefix("about ") && facts.contains(" tokens · 4 lore entries · published ") && facts.contains(" · updated "), "\(facts)")
            #expect(page.contains("<span class=\"badge\">For everyone</span>"))
        }
    }

    @Test("the library is a grid of the user's characters with their art, served to her alone, privately, and each listed one's figures")
    func libraryGrid() async throws {
        try await withTestServer { client, _ in
            let alice = try await Self.browser(client, "alice")
            let bob = try await Self.browser(client, "bob")
            let id = try await CharacterRoutesTests.importSeraphina(client, alice).lowercased()
            #expect(try await SharedCharacterRoutesTests.setVisibility(client, id, "public", alice).status == .ok)
            let found = try await eventually { () -> String? in
                let page = String(buffer: try await client.execute(uri: "/library", method: .get, headers: alice.merging(Self.html)) { $0 }.body)
                return page.contains("0 downloads · 0 favourites") ? page : nil
            }
            let page = try #require(found)
            let art = try #require(page.components(separatedBy: "src=\"/library/art/\(id)/").dropFirst().first?.split(separator: "\"").first)
            let url = "/library/art/\(id)/" + art
            #expect(url.hasSuffix("/w160") && page.contains("Everyone · updated"))
            let image = try await client.execute(uri: url, method: .get, headers: alice) { $0 }
            #expect(image.status == .ok && image.headers[.cacheControl] == "private, max-age=31536000, immutable")
            #expect(["image/webp", "image/jpeg"].contains(image.headers[.contentType] ?? "") && image.body.readableBytes < 20_000)
            // Nobody else gets it from here, not even when it is public.
            #expect(try await client.execute(uri: url, method: .get, headers: bob) { $0.status } == .notFound)
        }
    }
}

extension WebPageTests {
    @Test("an owner pins a public item from its page: her profile shows it under Pinned, and unpinning takes it away")
    func pinFromTheItemPage() async throws {
        try await withTestServer { client, _ in
            let alice = try await Self.browser(client, "alice")
            let id = try await CharacterRoutesTests.importSeraphina(client, alice).lowercased()
            #expect(try await SharedCharacterRoutesTests.setVisibility(client, id, "public", alice).status == .ok)
            @Sendable func page(_ path: String) async throws -> String {
                String(buffer: try await client.execute(uri: path, method: .get, headers: alice.merging(Self.html)) { $0 }.body)
            }
            #expect(try await eventually { try await page("/@alice").contains("/characters/\(id)") })
            #expect(try await page("/characters/\(id)").contains("aria-pressed=\"false\">Pin to my profile"))
            let form = alice.merging([.contentType: "application/x-www-form-urlencoded"])
            for fields in [["csrf": "token-alice"], ["csrf": "token-alice", "action": "undo"]] {
                let reply = try await client.execute(uri: "/characters/\(id)/pin", method: .post, headers: form, body: Self.form(fields)) { $0 }
                #expect(reply.status == .seeOther)
                let profile = try await page("/@alice")
                let item = try await page("/characters/\(id)")
                if fields["action"] == nil {
                    #expect(profile.contains("<h2>Pinned</h2>") && item.contains("aria-pressed=\"true\">📌 Pinned"))
                } else {
                    #expect(!profile.contains("<h2>Pinned</h2>") && item.contains("aria-pressed=\"false\">Pin to my profile"))
                }
            }
        }
    }

    @Test(
        "a creator is told who rated, reviewed, favourited and forked her item, among her notifications and in the JSON API, paged by its cursor; her own actions are not news"
    )
    func creatorsAreToldOfWhatPeopleDo() async throws {
        try await withTestServer { client, _ in
            let alice = try await Self.browser(client, "alice")
            let bob = try await Self.browser(client, "bob")
            let json = bob.merging([.contentType: "application/json"])
            // Bob follows her first, so her character comes to his feed.
            let follow = try await client.execute(
                uri: "/api/v1/follows",
                method: .post,
                headers: json,
                body: ByteBuffer(string: #"{"handle":"alice@localhost:8080"}"#)
            ) { $0.status }
            #expect(follow.code < 300)
            let id = try await CharacterRoutesTests.importSeraphina(client, alice).lowercased()
            #expect(try await SharedCharacterRoutesTests.setVisibility(client, id, "public", alice).status == .ok)
            let listing = "/api/v1/marketplace/listings/\(id)"
            #expect(
                try await eventually {
                    try await client.execute(uri: listing + "/rating", method: .put, headers: json, body: ByteBuffer(string: #"{"stars":4}"#)) {
                        $0.status
                    } == .noContent
                }
            )
            let review = "An excellent healer, kind and \(String(repeating: "very ", count: 60))wise."
            let reviewBody = try JSONSerialization.data(withJSONObject: ["body": review])
            #expect(
                try await client.execute(uri: listing + "/review", method: .put, headers: json, body: ByteBuffer(bytes: reviewBody)) { $0.status }
                    == .ok
            )
            #expect(try await client.execute(uri: "/api/v1/marketplace/favourites/\(id)", method: .put, headers: json) { $0.status } == .noContent)
            #expect(try await client.execute(uri: listing + "/fork", method: .post, headers: json) { $0.status } == .created)
            // Alice's own favourite is not news to her.
            #expect(try await client.execute(uri: "/api/v1/marketplace/favourites/\(id)", method: .put, headers: alice) { $0.status } == .noContent)

            let page = String(buffer: try await client.execute(uri: "/notifications", method: .get, headers: alice.merging(Self.html)) { $0 }.body)
            for said in ["rated ★★★★☆", "reviewed", "favourited", "forked"] {
                #expect(
                    page.contains(
                        "<strong>@bob</strong></a> <span class=\"handle\">@bob@localhost:8080</span> \(said) <a href=\"/characters/\(id)\">Seraphina</a>"
                    ),
                    "\(said)"
                )
            }
            // Each line shows the character's art, small.
            #expect(page.components(separatedBy: "class=\"notification-art\" src=\"/images/characters/\(id)/").count == 5)
            // Bob's feed shows her character with its art as a thumbnail, not the whole card; his
            // favourites are cards with the art.
            let feed = String(buffer: try await client.execute(uri: "/feed", method: .get, headers: bob.merging(Self.html)) { $0 }.body)
            #expect(feed.contains("<img src=\"/images/characters/\(id)/") && feed.contains("/w640\" alt="))
            #expect(!feed.contains("avatar.png\""))
            let library = String(buffer: try await client.execute(uri: "/library", method: .get, headers: bob.merging(Self.html)) { $0 }.body)
            #expect(library.contains("<h2>Favourites</h2>") && library.contains("/images/characters/\(id)/"))
            // The review is quoted, shortened to its first 200 characters.
            #expect(page.contains("<blockquote class=\"excerpt\">An excellent healer, kind and very") && !page.contains("wise."))
            #expect(page.components(separatedBy: "<strong>@alice</strong>").count == 1)

            // The same in the JSON API, newest first, paged with `before`.
            let all = try await activity(client, alice, before: nil)
            #expect(all.map { $0["kind"] as? String } == ["fork", "favourite", "review", "rating"])
            #expect(all.allSatisfy { $0["username"] as? String == "bob" && $0["item_name"] as? String == "Seraphina" })
            #expect(all.last?["stars"] as? Int == 4)
            let after = try #require(all[1]["cursor"] as? Int).description
            #expect(try await activity(client, alice, before: after).map { $0["kind"] as? String } == ["review", "rating"])
            // Bob, who owns nothing listed, has no news; a bad cursor is 400.
            #expect(try await activity(client, bob, before: nil).isEmpty)
            #expect(
                try await client.execute(uri: "/api/v1/marketplace/activity?before=yesterday", method: .get, headers: alice) { $0.status }
                    == .badRequest
            )
        }
    }

    func activity(_ client: any TestClientProtocol, _ browser: HTTPFields, before: String?) async throws -> [[String: Any]] {
        let query = before.map { "?before=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""
        let reply = try await client.execute(uri: "/api/v1/marketplace/activity" + query, method: .get, headers: browser) { $0 }
        let body = try JSONSerialization.jsonObject(with: Data(reply.body.readableBytesView)) as? [String: Any]
        return try #require(body?["activity"] as? [[String: Any]])
    }

    @Test(
        "a profile lists its owner's posts as statuses, with a composer for her alone that counts characters and comes back to the profile; a visitor sees the posts without forms; followers-only posts are hers alone"
    )
    func profilePostsAndComposer() async throws {
        try await withTestServer { client, _ in
            let alice = try await Self.browser(client, "alice")
            let form = alice.merging([.contentType: "application/x-www-form-urlencoded"])
            @Sendable func post(_ fields: [String: String]) async throws -> (status: HTTPResponse.Status, location: String?) {
                let reply = try await client.execute(
                    uri: "/feed/post",
                    method: .post,
                    headers: form,
                    body: Self.form(fields.merging(["csrf": "token-alice", "back": "/@alice"]) { $1 })
                ) { $0 }
                return (reply.status, reply.headers[.location])
            }
            let posted = try await post(["text": "Lanterns lit along the #river.", "content_warning": "", "audience": "public"])
            #expect(posted.status == .seeOther && posted.location?.hasPrefix("/@alice") == true)
            _ = try await post(["text": "For my followers only.", "audience": "followers"])
            // A `back` that leaves the site is not followed.
            let away = try await client.execute(
                uri: "/feed/post",
                method: .post,
                headers: form,
                body: Self.form(["csrf": "token-alice", "text": "Hello.", "back": "//evil.example/"])
            ) { $0 }
            #expect(away.headers[.location]?.hasPrefix("/feed") == true)

            let own = String(buffer: try await client.execute(uri: "/@alice", method: .get, headers: alice.merging(Self.html)) { $0 }.body)
            #expect(own.contains("<h2>Posts</h2>") && own.contains("class=\"stack composer\""))
            #expect(own.contains("data-counts=\"text\"") && own.contains("<script src=\"/static/scribe.js\" defer></script>"))
            #expect(own.contains("Lanterns lit along the") && own.contains("For my followers only."))
            #expect(own.contains("name=\"back\" value=\"/@alice\""))

            let visitor = String(buffer: try await client.execute(uri: "/@alice", method: .get, headers: Self.html) { $0 }.body)
            #expect(visitor.contains("Lanterns lit along the") && !visitor.contains("For my followers only."))
            #expect(!visitor.contains("class=\"stack composer\"") && !visitor.contains("action=\"/feed/react\""))

            let script = try await client.execute(uri: "/static/scribe.js", method: .get) { $0 }
            #expect(script.status == .ok && script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(String(buffer: script.body).contains("data-counts"))
        }
    }
}
