import Foundation
import ScribeContracts
import ScribeCore
import ScribeServer
import ScribeTestFixtures
import ScribeTestSupport
import Testing

/// Who may do what, route by route: every operation of the OpenAPI document and the
/// ActivityPub and page routes of an item, called by five kinds of caller against one owner's
/// private, followers-only and public things, over real HTTP on a running instance. A route
/// missing from the matrix fails the test, so a new route cannot arrive unconsidered.
///
/// The rules it holds the server to (docs/architecture.md §6): a library is its owner's alone, and to
/// anyone else a thing they may not see does not exist (404, never 403, which would confirm
/// it); followers-only is for the owner and approved followers; moderators moderate but read
/// nothing private; signing in is 401 before anything else is looked at.
@Suite("Who may do what: every route, every kind of caller")
struct AuthorizationMatrixTests {
    enum Caller: String, CaseIterable, Sendable {
        case anonymous, stranger, follower, moderator, owner
    }

    /// One call, made once per caller in ``Caller``'s order (the owner last, so that what the
    /// owner deletes is still there for the others).
    struct Call: Sendable {
        var operation: String
        var label: String
        var method: String
        var path: String
        var body: Data?
        var contentType = "application/json"
        var accept = "application/json"
        var expected: [Caller: Int]
        /// Strings no answer to any caller may contain (a private thing's id, say).
        var mustNotContain: [String] = []
    }

    // MARK: Expectations

    static func everyone(_ status: Int) -> [Caller: Int] { Dictionary(uniqueKeysWithValues: Caller.allCases.map { ($0, status) }) }

    static func signedIn(_ status: Int) -> [Caller: Int] { everyone(status).merging([.anonymous: 401]) { $1 } }

    /// The owner's alone: signed-in others are told it does not exist.
    static func ownerOnly(_ status: Int) -> [Caller: Int] { [.anonymous: 401, .stranger: 404, .follower: 404, .moderator: 404, .owner: status] }

    /// For the owner and approved followers only.
    static func followersOnly(_ status: Int, anonymous: Int = 404) -> [Caller: Int] {
        [.anonymous: anonymous, .stranger: 404, .follower: status, .moderator: 404, .owner: status]
    }

    static func moderatorsOnly(_ status: Int) -> [Caller: Int] { [.anonymous: 401, .stranger: 403, .follower: 403, .moderator: status, .owner: 403] }

    static func json(_ object: [String: Any]) -> Data { try! JSONSerialization.data(withJSONObject: object) }

    /// Operations that act on the caller's own credentials rather than on anyone's things, and
    /// the tests that prove them.
    static let outsideTheMatrix: [String: String] = [
        "POST /api/v1/accounts": "registration (AccountRoutesTests)",
        "POST /api/v1/sessions": "logging in (AccountRoutesTests)",
        "DELETE /api/v1/sessions/current": "logging out (AccountRoutesTests)",
        "DELETE /api/v1/accounts/me": "deleting one's account needs its password (AccountRoutesTests)",
        "PUT /api/v1/accounts/me/password": "changing one's password needs the old one (AccountRoutesTests)",
        "POST /api/v1/accounts/recovery": "recovery needs the recovery phrase (AccountRoutesTests)",
        "POST /api/v1/marketplace/stripe/webhook": "authenticated by Stripe's signature, not a session (PurchasesTests)",
    ]

    @Test("anonymous, a stranger, a follower, a moderator and the owner each get exactly what the rules allow, on every route")
    func matrix() async throws {
        try await withTestInstance(host: "127.0.0.7") { instance in
            let world = try await World.make(instance)
            let calls = Self.calls(world)

            // Every route of the API is in the matrix or knowingly outside it.
            let documented = try Self.documentedOperations()
            let covered = Set(calls.map(\.operation)).union(Self.outsideTheMatrix.keys)
            #expect(documented.subtracting(covered).isEmpty, "operations the matrix does not consider: \(documented.subtracting(covered).sorted())")

            var mismatches: [String] = []
            for call in calls {
                for caller in Caller.allCases {
                    guard let expected = call.expected[caller] else { continue }
                    let reply = try await LoopbackHTTP.send(
                        port: instance.port,
                        method: call.method,
                        path: call.path,
                        headers: [("Content-Type", call.contentType), ("Accept", call.accept)]
                            + (world.tokens[caller].map { [("Authorization", "Bearer \($0)")] } ?? []),
                        body: call.body,
                        host: "127.0.0.7"
                    )
                    if reply.status != expected {
                        mismatches.append("\(call.method) \(call.label) as \(caller.rawValue): \(reply.status), expected \(expected)")
                    }
                    let text = String(decoding: reply.body, as: UTF8.self)
                    for secret in call.mustNotContain where text.contains(secret) {
                        mismatches.append("\(call.method) \(call.label) as \(caller.rawValue) shows \(secret)")
                    }
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.count) of the matrix's answers differ:\n\(mismatches.joined(separator: "\n"))")
        }
    }

    /// `METHOD /path` of every operation in `schemas/openapi/scribe-api.json`.
    static func documentedOperations() throws -> Set<String> {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.packageRoot + "/schemas/openapi/scribe-api.json"))
        let paths = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["paths"] as? [String: [String: Any]])
        return Set(
            paths.flatMap { path, operations in
                operations.keys.filter { ["get", "put", "post", "delete", "patch"].contains($0) }.map { "\($0.uppercased()) \(path)" }
            }
        )
    }
}

extension AuthorizationMatrixTests {
    /// One owner's things and the callers around them, made through the API.
    struct World: Sendable {
        var tokens: [Caller: String] = [:]
        var publicURL = ""
        var ownerHandle = ""
        /// Characters: private (from JSON), followers-only, public (seraphina.png, with an avatar),
        /// and one to delete.
        var privateCharacter = "", followersCharacter = "", publicCharacter = "", doomedCharacter = ""
        var privateLorebook = "", publicLorebook = "", doomedLorebook = ""
        var chat = "", doomedChat = ""
        /// A comment by the follower on the followers-only character.
        var followerComment = ""
        /// A followers-only post by the owner.
        var ownerPost = ""
        /// A review by the stranger of the public character, and a report of the listing by
        /// the instance's administrator (a caller outside the five).
        var review = "", report = ""
        /// Mastodon's client API ids: the owner's and the administrator's accounts, the public
        /// character's status, the followers-only post's, a public post to delete, and an upload.
        var ownerAccount = "", rootAccount = "", publicStatus = "", followersStatus = "", doomedStatus = "", ownerMedia = ""

        /// A `multipart/form-data` body with one file part, `file`, and its boundary.
        static func multipart(_ file: Data) -> (body: Data, type: String) {
            let boundary = "matrix-boundary"
            var body = Data(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"art.png\"\r\nContent-Type: image/png\r\n\r\n".utf8
            )
            body += file
            body += Data("\r\n--\(boundary)--\r\n".utf8)
            return (body, "multipart/form-data; boundary=\(boundary)")
        }

        func object(_ id: String) -> String { publicURL + "/characters/" + id }

        static func make(_ instance: TestInstance) async throws -> World {
            var world = World(publicURL: instance.publicURL, ownerHandle: "alice@\(instance.domain)")
            func send(
                _ method: String,
                _ path: String,
                _ token: String?,
                _ body: Data?,
                type: String = "application/json"
            ) async throws -> [String: Any] {
                let reply = try await LoopbackHTTP.send(
                    port: instance.port,
                    method: method,
                    path: path,
                    headers: [("Content-Type", type)] + (token.map { [("Authorization", "Bearer \($0)")] } ?? []),
                    body: body,
                    host: "127.0.0.7"
                )
                #expect((200..<300).contains(reply.status), "setting up: \(method) \(path) answered \(reply.status)")
                return reply.body.isEmpty ? [:] : (try JSONSerialization.jsonObject(with: reply.body) as? [String: Any] ?? [:])
            }
            func register(_ name: String) async throws -> String {
                let created = try await send(
                    "POST",
                    "/api/v1/accounts",
                    nil,
                    json(["username": name, "email": "\(name)@example.org", "password": "correct horse battery"])
                )
                return try #require((created["session"] as? [String: Any])?["token"] as? String)
            }
            func id(_ document: [String: Any], _ key: String) throws -> String {
                try #require(((document[key] as? [String: Any])?["id"] as? String)?.lowercased(), "no \(key).id in \(document)")
            }
            let administrator = try await register("root")  // the first account administers the instance
            for (caller, name) in [(Caller.owner, "alice"), (.stranger, "bob"), (.follower, "carol"), (.moderator, "mod")] {
                world.tokens[caller] = try await register(name)
            }
            try await instance.modules.core.accounts.setRole(username: "mod", role: .moderator)
            let owner = world.tokens[.owner]

            func character(_ name: String) async throws -> String {
                try id(
                    try await send(
                        "POST",
                        "/api/v1/characters",
                        owner,
                        json(["card": ["name": name, "description": "\(name)'s secret description"]])
                    ),
                    "character"
                )
            }
            world.privateCharacter = try await character("Private")
            world.followersCharacter = try await character("Followers")
            world.doomedCharacter = try await character("Doomed")
            world.publicCharacter = try id(
                try await send("POST", "/api/v1/characters/import", owner, try Fixtures.data("cards/seraphina.png"), type: "image/png"),
                "character"
            )
            for (id, visibility) in [(world.followersCharacter, "followers"), (world.publicCharacter, "public")] {
                _ = try await send("PUT", "/api/v1/characters/\(id)/visibility", owner, json(["sharing_visibility": visibility]))
            }
            let lore = try Fixtures.data("cards/eldoria-worldinfo.json")
            world.privateLorebook = try id(try await send("POST", "/api/v1/lorebooks/import?name=Private%20lore", owner, lore), "lorebook")
            world.publicLorebook = try id(try await send("POST", "/api/v1/lorebooks/import?name=Public%20lore", owner, lore), "lorebook")
            world.doomedLorebook = try id(try await send("POST", "/api/v1/lorebooks/import?name=Doomed%20lore", owner, lore), "lorebook")
            _ = try await send("PUT", "/api/v1/lorebooks/\(world.publicLorebook)/visibility", owner, json(["is_public": true]))
            world.chat = try id(try await send("POST", "/api/v1/chats", owner, json(["title": "Private thoughts"])), "chat")
            world.doomedChat = try id(try await send("POST", "/api/v1/chats", owner, json(["title": "Doomed thoughts"])), "chat")
            _ = try await send("PUT", "/api/v1/accounts/me/avatar", owner, try Fixtures.data("cards/seraphina.png"), type: "image/png")
            _ = try await send("PUT", "/api/v1/accounts/me/header", owner, try Fixtures.data("cards/seraphina.png"), type: "image/png")

            _ = try await send("POST", "/api/v1/follows", world.tokens[.follower], json(["handle": world.ownerHandle]))
            let follower = world.tokens[.follower]
            let followersPath = "/api/v1/shared/characters/\(world.followersCharacter)"
            let followed = try await eventually(timeout: .seconds(30)) {
                let reply = try await LoopbackHTTP.send(
                    port: instance.port,
                    method: "GET",
                    path: followersPath,
                    headers: [("Authorization", "Bearer \(follower ?? "")")],
                    body: nil,
                    host: "127.0.0.7"
                )
                return reply.status == 200
            }
            #expect(followed, "the follower's follow was never accepted")
            world.followerComment = try #require(
                (try await send(
                    "POST",
                    "/api/v1/comments",
                    follower,
                    json(["in_reply_to": world.object(world.followersCharacter), "content": "Only for us."])
                )["comment"]
                    as? [String: Any])?["id"] as? String
            )
            world.ownerPost = try #require(
                (try await send("POST", "/api/v1/posts", owner, json(["content": "For my followers.", "audience": "followers"]))["post"]
                    as? [String: Any])?["id"] as? String
            )
            let listing = "/api/v1/marketplace/listings/\(world.publicCharacter)"
            #expect(
                try await eventually(timeout: .seconds(30)) {
                    try await LoopbackHTTP.send(port: instance.port, method: "GET", path: listing, body: nil, host: "127.0.0.7").status == 200
                },
                "the public character was never listed"
            )
            world.review = try id(try await send("PUT", listing + "/review", world.tokens[.stranger], json(["body": "Lovely."])), "review")
            world.report = try id(try await send("POST", listing + "/reports", administrator, json(["reason": "Checking the queue."])), "report")

            // What Mastodon's client API calls them, asked as the owner.
            func mastodonID(_ path: String, _ token: String? = owner) async throws -> String {
                let found = try await send("GET", path, token, nil)
                let status = (found["statuses"] as? [[String: Any]])?.first
                return try #require((status ?? found)["id"] as? String, "no id for \(path) in \(found)")
            }
            world.ownerAccount = try await mastodonID("/api/v1/accounts/lookup?acct=alice")
            world.rootAccount = try await mastodonID("/api/v1/accounts/lookup?acct=root")
            let publicObject = world.object(world.publicCharacter).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            world.publicStatus = try await mastodonID("/api/v2/search?type=statuses&q=\(publicObject)")
            // A followers-only post of its own: the JSON API's calls delete the other.
            let followersPost = try #require(
                (try await send("POST", "/api/v1/posts", owner, json(["content": "For my followers.", "audience": "followers"]))["post"]
                    as? [String: Any])?["id"] as? String
            )
            let followersObject = followersPost.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            world.followersStatus = try await mastodonID("/api/v2/search?type=statuses&q=\(followersObject)")
            world.doomedStatus = try #require(try await send("POST", "/api/v1/statuses", owner, json(["status": "Soon gone."]))["id"] as? String)
            let upload = multipart(try Fixtures.data("cards/seraphina.png"))
            world.ownerMedia = try #require(try await send("POST", "/api/v2/media", owner, upload.body, type: upload.type)["id"] as? String)
            return world
        }
    }
}

extension AuthorizationMatrixTests {
    static func calls(_ w: World) -> [Call] {
        let card = json(["card": ["name": "Renamed", "description": "Still private."]])
        let secrets = [w.privateCharacter, w.followersCharacter, "secret description"]
        let listing = "/api/v1/marketplace/listings/"
        func call(
            _ operation: String,
            _ path: String,
            _ expected: [Caller: Int],
            body: Data? = nil,
            label: String? = nil,
            type: String = "application/json",
            mustNotContain: [String] = []
        ) -> Call {
            let method = String(operation.split(separator: " ")[0])
            return Call(
                operation: operation,
                label: label ?? path,
                method: method,
                path: path,
                body: body,
                contentType: type,
                expected: expected,
                mustNotContain: mustNotContain
            )
        }
        let lore = (try? Fixtures.data("cards/eldoria-worldinfo.json")) ?? Data()
        let png = (try? Fixtures.data("cards/seraphina.png")) ?? Data()
        return [
            // Health and what is public to all.
            call("GET /healthz", "/healthz", everyone(200)),
            call("GET /readyz", "/readyz", everyone(200)),
            call("GET /api/v1/feeds/public", "/api/v1/feeds/public", everyone(200), mustNotContain: secrets),
            call("GET /api/v1/marketplace/listings", listing, everyone(200), mustNotContain: secrets),
            call(
                "GET /api/v1/marketplace/listings",
                listing + "?q=Private",
                everyone(200),
                label: "search for the private one",
                mustNotContain: secrets
            ),
            call("GET /api/v1/marketplace/tags", "/api/v1/marketplace/tags", everyone(200)),
            call("GET /api/v1/users/{username}/avatar", "/api/v1/users/alice/avatar", everyone(200)),
            call("GET /api/v1/users/{username}/avatar.png", "/api/v1/users/alice/avatar.png", everyone(200)),
            call("GET /api/v1/users/{username}/avatar.jpg", "/api/v1/users/alice/avatar.jpg", everyone(200)),
            call("GET /api/v1/users/{username}/header.png", "/api/v1/users/alice/header.png", everyone(200)),
            call("GET /api/v1/users/{username}/header.jpg", "/api/v1/users/alice/header.jpg", everyone(200)),
            call("GET /api/v1/users/{username}/avatar/{version}/{size}", "/api/v1/users/alice/avatar/1/w96", everyone(200)),
            call("GET /api/v1/users/{username}/header/{version}/{size}", "/api/v1/users/alice/header/1/w1280", everyone(200)),

            // One's own account and lists: anyone signed in, about themselves.
            call("GET /api/v1/accounts/me", "/api/v1/accounts/me", signedIn(200)),
            call(
                "PUT /api/v1/accounts/me/profile",
                "/api/v1/accounts/me/profile",
                signedIn(204),
                body: json(["display_name": "Someone", "bio": ""])
            ),
            call("PUT /api/v1/accounts/me/avatar", "/api/v1/accounts/me/avatar", signedIn(204), body: png, type: "image/png"),
            call("DELETE /api/v1/accounts/me/avatar", "/api/v1/accounts/me/avatar", signedIn(204)),
            call("PUT /api/v1/accounts/me/header", "/api/v1/accounts/me/header", signedIn(204), body: png, type: "image/png"),
            call("DELETE /api/v1/accounts/me/header", "/api/v1/accounts/me/header", signedIn(204)),
            call(
                "PUT /api/v1/accounts/me/avatar",
                "/api/v1/accounts/me/avatar",
                signedIn(204),
                body: png,
                label: "the avatar again",
                type: "image/png"
            ),
            call("GET /api/v1/characters", "/api/v1/characters", signedIn(200)),
            call("GET /api/v1/lorebooks", "/api/v1/lorebooks", signedIn(200)),
            call("GET /api/v1/chats", "/api/v1/chats", signedIn(200)),
            call("GET /api/v1/follow-requests", "/api/v1/follow-requests", signedIn(200)),
            call("GET /api/v1/social/settings", "/api/v1/social/settings", signedIn(200)),
            call("PUT /api/v1/social/settings", "/api/v1/social/settings", signedIn(200), body: json(["manually_approves_followers": false])),
            // A move asks for the password again, and nobody here has named anyone as an alias.
            call("POST /api/v1/social/move", "/api/v1/social/move", signedIn(422), body: json(["target": w.ownerHandle, "password": "not it"])),
            call("GET /api/v1/feeds/home", "/api/v1/feeds/home", [.anonymous: 401, .stranger: 200, .moderator: 200], mustNotContain: secrets),
            call("GET /api/v1/social/notifications", "/api/v1/social/notifications", signedIn(200)),
            call("GET /api/v1/marketplace/favourites", "/api/v1/marketplace/favourites", signedIn(200)),
            call("GET /api/v1/marketplace/activity", "/api/v1/marketplace/activity", signedIn(200)),
            call("GET /api/v1/marketplace/purchases", "/api/v1/marketplace/purchases", signedIn(200)),
            call("GET /api/v1/marketplace/purchases/{id}", "/api/v1/marketplace/purchases/\(UUID())", signedIn(404)),
            call("POST /api/v1/characters", "/api/v1/characters", signedIn(201), body: card),
            call("POST /api/v1/characters/import", "/api/v1/characters/import", signedIn(201), body: png, type: "image/png"),
            call("POST /api/v1/lorebooks/import", "/api/v1/lorebooks/import?name=Mine", signedIn(201), body: lore),
            call("POST /api/v1/lorebooks", "/api/v1/lorebooks", signedIn(201), body: json(["lorebook": ["name": "Made here", "entries": []]])),
            call("POST /api/v1/chats", "/api/v1/chats", signedIn(201), body: json(["title": "Mine"])),
            call(
                "POST /api/v1/chats",
                "/api/v1/chats",
                ownerOnly(201),
                body: json(["title": "With her", "character_id": w.privateCharacter]),
                label: "a chat with the owner's private character"
            ),

            // The owner's library: nobody else's business, whatever the visibility.
            call("GET /api/v1/characters/{id}", "/api/v1/characters/\(w.privateCharacter)", ownerOnly(200)),
            call(
                "GET /api/v1/characters/{id}",
                "/api/v1/characters/\(w.publicCharacter)",
                ownerOnly(200),
                label: "the library copy of the public one"
            ),
            call("PUT /api/v1/characters/{id}", "/api/v1/characters/\(w.privateCharacter)", ownerOnly(200), body: card),
            call("GET /api/v1/characters/{id}/export", "/api/v1/characters/\(w.privateCharacter)/export", ownerOnly(200)),
            call("GET /api/v1/characters/{id}/avatar", "/api/v1/characters/\(w.publicCharacter)/avatar", ownerOnly(200)),
            call(
                "PUT /api/v1/characters/{id}/visibility",
                "/api/v1/characters/\(w.privateCharacter)/visibility",
                ownerOnly(200),
                body: json(["sharing_visibility": "private"])
            ),
            call(
                "PUT /api/v1/characters/{id}/lorebook",
                "/api/v1/characters/\(w.privateCharacter)/lorebook",
                ownerOnly(200),
                body: json(["lorebook_id": w.privateLorebook])
            ),
            call("POST /api/v1/characters/{id}/lorebook", "/api/v1/characters/\(w.privateCharacter)/lorebook", ownerOnly(201)),
            call("DELETE /api/v1/characters/{id}", "/api/v1/characters/\(w.doomedCharacter)", ownerOnly(204)),
            call("GET /api/v1/lorebooks/{id}", "/api/v1/lorebooks/\(w.privateLorebook)", ownerOnly(200)),
            call("PUT /api/v1/lorebooks/{id}", "/api/v1/lorebooks/\(w.privateLorebook)?name=Renamed", ownerOnly(200), body: lore),
            call("GET /api/v1/lorebooks/{id}/export", "/api/v1/lorebooks/\(w.privateLorebook)/export", ownerOnly(200)),
            call(
                "PUT /api/v1/lorebooks/{id}/visibility",
                "/api/v1/lorebooks/\(w.privateLorebook)/visibility",
                ownerOnly(200),
                body: json(["is_public": false])
            ),
            call("DELETE /api/v1/lorebooks/{id}", "/api/v1/lorebooks/\(w.doomedLorebook)", ownerOnly(204)),
            call("GET /api/v1/chats/{id}", "/api/v1/chats/\(w.chat)", ownerOnly(200)),
            call(
                "POST /api/v1/chats/{id}/messages",
                "/api/v1/chats/\(w.chat)/messages",
                ownerOnly(201),
                body: json(["type": "User", "content": "Hello."])
            ),
            call("PUT /api/v1/chats/{id}/visibility", "/api/v1/chats/\(w.chat)/visibility", ownerOnly(200), body: json(["visibility": "private"])),
            call("DELETE /api/v1/chats/{id}", "/api/v1/chats/\(w.doomedChat)", ownerOnly(204)),

            // Shared views: by visibility.
            call("GET /api/v1/shared/characters/{id}", "/api/v1/shared/characters/\(w.publicCharacter)", everyone(200)),
            call("GET /api/v1/shared/characters/{id}", "/api/v1/shared/characters/\(w.followersCharacter)", followersOnly(200)),
            call("GET /api/v1/shared/characters/{id}", "/api/v1/shared/characters/\(w.privateCharacter)", everyone(404)),
            call("GET /api/v1/shared/characters/{id}/avatar", "/api/v1/shared/characters/\(w.publicCharacter)/avatar", everyone(200)),
            call("GET /api/v1/shared/characters/{id}/avatar", "/api/v1/shared/characters/\(w.privateCharacter)/avatar", everyone(404)),
            call("GET /api/v1/shared/characters/{id}/avatar.png", "/api/v1/shared/characters/\(w.publicCharacter)/avatar.png", everyone(200)),
            call("GET /api/v1/shared/characters/{id}/avatar.png", "/api/v1/shared/characters/\(w.privateCharacter)/avatar.png", everyone(404)),
            call("POST /api/v1/shared/characters/{id}/fork", "/api/v1/shared/characters/\(w.publicCharacter)/fork", signedIn(201)),
            call(
                "POST /api/v1/shared/characters/{id}/fork",
                "/api/v1/shared/characters/\(w.followersCharacter)/fork",
                followersOnly(201, anonymous: 401)
            ),
            call("POST /api/v1/shared/characters/{id}/fork", "/api/v1/shared/characters/\(w.privateCharacter)/fork", signedIn(404)),
            call("GET /api/v1/shared/lorebooks/{id}", "/api/v1/shared/lorebooks/\(w.publicLorebook)", everyone(200)),
            call("GET /api/v1/shared/lorebooks/{id}", "/api/v1/shared/lorebooks/\(w.privateLorebook)", everyone(404)),

            // ActivityPub and pages at an item's id.
            Call(
                operation: "AP GET /characters/{id}",
                label: "the public Note",
                method: "GET",
                path: "/characters/\(w.publicCharacter)",
                accept: "application/activity+json",
                expected: everyone(200)
            ),
            Call(
                operation: "AP GET /characters/{id}",
                label: "the followers-only Note, unsigned",
                method: "GET",
                path: "/characters/\(w.followersCharacter)",
                accept: "application/activity+json",
                expected: everyone(404)
            ),
            Call(
                operation: "AP GET /characters/{id}",
                label: "the private Note",
                method: "GET",
                path: "/characters/\(w.privateCharacter)",
                accept: "application/activity+json",
                expected: everyone(404)
            ),
            Call(
                operation: "AP GET /users/{username}/outbox",
                label: "the owner's outbox",
                method: "GET",
                path: "/users/alice/outbox",
                accept: "application/activity+json",
                expected: everyone(200),
                mustNotContain: secrets
            ),
            Call(
                operation: "PAGE /characters/{id}",
                label: "the followers-only page",
                method: "GET",
                path: "/characters/\(w.followersCharacter)",
                accept: "text/html",
                expected: followersOnly(200)
            ),
            Call(
                operation: "PAGE /characters/{id}",
                label: "the private page",
                method: "GET",
                path: "/characters/\(w.privateCharacter)",
                accept: "text/html",
                expected: everyone(404)
            ),
            Call(
                operation: "PAGE /@{username}",
                label: "the owner's profile page",
                method: "GET",
                path: "/@alice",
                accept: "text/html",
                expected: everyone(200),
                mustNotContain: secrets
            ),

            // Social actions: what one can see, one can act on.
            call(
                "POST /api/v1/likes",
                "/api/v1/likes",
                signedIn(204),
                body: json(["object": w.object(w.publicCharacter)]),
                label: "like the public one"
            ),
            call(
                "POST /api/v1/likes",
                "/api/v1/likes",
                followersOnly(204, anonymous: 401),
                body: json(["object": w.object(w.followersCharacter)]),
                label: "like the followers-only one"
            ),
            call(
                "POST /api/v1/likes",
                "/api/v1/likes",
                signedIn(404),
                body: json(["object": w.object(w.privateCharacter)]),
                label: "like the private one"
            ),
            call("DELETE /api/v1/likes", "/api/v1/likes?object=\(w.object(w.publicCharacter))", signedIn(204)),
            // Pins: one's own public things only.
            call(
                "POST /api/v1/pins",
                "/api/v1/pins",
                [.anonymous: 401, .stranger: 422, .follower: 422, .moderator: 422, .owner: 204],
                body: json(["object": w.object(w.publicCharacter)]),
                label: "pin the public one"
            ),
            call(
                "POST /api/v1/pins",
                "/api/v1/pins",
                signedIn(422),
                body: json(["object": w.object(w.privateCharacter)]),
                label: "pin the private one"
            ),
            call(
                "DELETE /api/v1/pins",
                "/api/v1/pins?object=\(w.object(w.publicCharacter))",
                [.anonymous: 401, .stranger: 404, .follower: 404, .moderator: 404, .owner: 204]
            ),
            call(
                "POST /api/v1/boosts",
                "/api/v1/boosts",
                signedIn(204),
                body: json(["object": w.object(w.publicCharacter)]),
                label: "boost the public one"
            ),
            call(
                "POST /api/v1/boosts",
                "/api/v1/boosts",
                [.anonymous: 401, .stranger: 404, .follower: 422, .moderator: 404, .owner: 422],
                body: json(["object": w.object(w.followersCharacter)]),
                label: "boost the followers-only one"
            ),
            call("DELETE /api/v1/boosts", "/api/v1/boosts?object=\(w.object(w.publicCharacter))", signedIn(204)),
            call(
                "POST /api/v1/comments",
                "/api/v1/comments",
                followersOnly(201, anonymous: 401),
                body: json(["in_reply_to": w.object(w.followersCharacter), "content": "Hello."]),
                label: "comment on the followers-only one"
            ),
            call(
                "POST /api/v1/comments",
                "/api/v1/comments",
                signedIn(404),
                body: json(["in_reply_to": w.object(w.privateCharacter), "content": "Hello."]),
                label: "comment on the private one"
            ),
            call(
                "DELETE /api/v1/comments",
                "/api/v1/comments?id=\(w.followerComment)",
                [.anonymous: 401, .stranger: 404, .follower: 204, .moderator: 404, .owner: 404],
                label: "the follower's comment"
            ),
            call("POST /api/v1/posts", "/api/v1/posts", signedIn(201), body: json(["content": "Hello."]), label: "a public post"),
            call(
                "POST /api/v1/posts",
                "/api/v1/posts",
                signedIn(422),
                body: json(["content": "Hello.", "audience": "direct"]),
                label: "a direct post mentioning nobody"
            ),
            call(
                "POST /api/v1/posts",
                "/api/v1/posts",
                signedIn(404),
                body: json(["content": "Hello.", "in_reply_to": w.object(w.privateCharacter)]),
                label: "answering the private one"
            ),
            // Quoting: anyone may quote a public item (approved at once); nobody sees the private one.
            call(
                "POST /api/v1/posts",
                "/api/v1/posts",
                signedIn(201),
                body: json(["content": "Look at this.", "quote": w.object(w.publicCharacter)]),
                label: "quoting the public one"
            ),
            call(
                "POST /api/v1/posts",
                "/api/v1/posts",
                signedIn(404),
                body: json(["content": "Look at this.", "quote": w.object(w.privateCharacter)]),
                label: "quoting the private one"
            ),
            call("DELETE /api/v1/quote-approvals", "/api/v1/quote-approvals?quoting=https://elsewhere.example/posts/1", signedIn(404)),
            call(
                "PUT /api/v1/posts",
                "/api/v1/posts?id=\(w.ownerPost)",
                ownerOnly(200),
                body: json(["content": "Edited."]),
                label: "the owner's post"
            ),
            call("DELETE /api/v1/posts", "/api/v1/posts?id=\(w.ownerPost)", ownerOnly(204), label: "the owner's post"),
            call(
                "POST /api/v1/follows",
                "/api/v1/follows",
                [.anonymous: 401, .stranger: 201, .follower: 201, .moderator: 201, .owner: 422],
                body: json(["handle": w.ownerHandle])
            ),
            call(
                "DELETE /api/v1/follows",
                "/api/v1/follows?handle=\(w.ownerHandle)",
                [.anonymous: 401, .stranger: 204, .moderator: 204, .owner: 404]
            ),
            call(
                "POST /api/v1/follow-requests/accept",
                "/api/v1/follow-requests/accept",
                signedIn(404),
                body: json(["handle": "root@" + w.ownerHandle.split(separator: "@")[1]])
            ),
            call(
                "POST /api/v1/follow-requests/reject",
                "/api/v1/follow-requests/reject",
                signedIn(404),
                body: json(["handle": "root@" + w.ownerHandle.split(separator: "@")[1]])
            ),
            call("POST /api/v1/blocks", "/api/v1/blocks", [.anonymous: 401, .stranger: 204, .owner: 422], body: json(["handle": w.ownerHandle])),
            call("DELETE /api/v1/blocks", "/api/v1/blocks?handle=\(w.ownerHandle)", [.anonymous: 401, .stranger: 204, .follower: 404, .owner: 404]),

            // The marketplace: public listings only; moderation for moderators.
            call("GET /api/v1/marketplace/listings/{id}", listing + w.publicCharacter, everyone(200)),
            call("GET /api/v1/marketplace/listings/{id}", listing + w.followersCharacter, everyone(404)),
            call("GET /api/v1/marketplace/listings/{id}", listing + w.privateCharacter, everyone(404)),
            call("GET /api/v1/marketplace/listings/{id}/download", listing + w.publicCharacter + "/download", everyone(200)),
            call("GET /api/v1/marketplace/listings/{id}/download", listing + w.privateCharacter + "/download", everyone(404)),
            call("GET /api/v1/marketplace/listings/{id}/versions", listing + w.publicCharacter + "/versions", everyone(200)),
            call("GET /api/v1/marketplace/listings/{id}/versions", listing + w.privateCharacter + "/versions", everyone(404)),
            call("GET /api/v1/marketplace/listings/{id}/reviews", listing + w.publicCharacter + "/reviews", everyone(200)),
            call(
                "PUT /api/v1/marketplace/listings/{id}/rating",
                listing + w.publicCharacter + "/rating",
                [.anonymous: 401, .stranger: 204, .follower: 204, .moderator: 204, .owner: 403],
                body: json(["stars": 4])
            ),
            call("PUT /api/v1/marketplace/listings/{id}/rating", listing + w.privateCharacter + "/rating", signedIn(404), body: json(["stars": 4])),
            // Taking back a rating one never gave changes nothing, and says so as any delete would.
            call("DELETE /api/v1/marketplace/listings/{id}/rating", listing + w.publicCharacter + "/rating", signedIn(204)),
            call(
                "PUT /api/v1/marketplace/listings/{id}/review",
                listing + w.publicCharacter + "/review",
                [.anonymous: 401, .stranger: 200, .follower: 200, .moderator: 200, .owner: 403],
                body: json(["body": "Fine."])
            ),
            call(
                "PUT /api/v1/marketplace/listings/{id}/review",
                listing + w.privateCharacter + "/review",
                signedIn(404),
                body: json(["body": "Fine."])
            ),
            call("PUT /api/v1/marketplace/favourites/{id}", "/api/v1/marketplace/favourites/\(w.publicCharacter)", signedIn(204)),
            call("PUT /api/v1/marketplace/favourites/{id}", "/api/v1/marketplace/favourites/\(w.privateCharacter)", signedIn(404)),
            call("DELETE /api/v1/marketplace/favourites/{id}", "/api/v1/marketplace/favourites/\(w.publicCharacter)", signedIn(204)),
            call("POST /api/v1/marketplace/listings/{id}/fork", listing + w.publicCharacter + "/fork", signedIn(201)),
            call("POST /api/v1/marketplace/listings/{id}/fork", listing + w.privateCharacter + "/fork", signedIn(404)),
            // The moderator's rating stands: the creator, after them, may no longer change it.
            call(
                "PUT /api/v1/marketplace/listings/{id}/content-rating",
                listing + w.publicCharacter + "/content-rating",
                [.anonymous: 401, .stranger: 403, .follower: 403, .moderator: 204, .owner: 403],
                body: json(["content_rating": "sfw"])
            ),
            call(
                "PUT /api/v1/marketplace/listings/{id}/language",
                listing + w.publicCharacter + "/language",
                [.anonymous: 401, .stranger: 403, .follower: 403, .moderator: 204, .owner: 204],
                body: json(["language": "en"])
            ),
            // This instance sells nothing (no Stripe keys): every signed-in caller is told so.
            call(
                "PUT /api/v1/marketplace/listings/{id}/price",
                listing + w.publicCharacter + "/price",
                signedIn(409),
                body: json(["amount": 500, "currency": "usd"])
            ),
            call("DELETE /api/v1/marketplace/listings/{id}/price", listing + w.publicCharacter + "/price", signedIn(409)),
            call("POST /api/v1/marketplace/listings/{id}/purchase", listing + w.publicCharacter + "/purchase", signedIn(409)),
            call(
                "POST /api/v1/marketplace/listings/{id}/reports",
                listing + w.publicCharacter + "/reports",
                signedIn(201),
                body: json(["reason": "Spam."])
            ),
            call(
                "POST /api/v1/marketplace/listings/{id}/reports",
                listing + w.privateCharacter + "/reports",
                signedIn(404),
                body: json(["reason": "Spam."])
            ),
            call(
                "POST /api/v1/marketplace/reviews/{id}/reports",
                "/api/v1/marketplace/reviews/\(w.review)/reports",
                signedIn(201),
                body: json(["reason": "Rude."])
            ),
            call("GET /api/v1/marketplace/reports", "/api/v1/marketplace/reports", moderatorsOnly(200)),
            call(
                "POST /api/v1/marketplace/reports/{id}/decision",
                "/api/v1/marketplace/reports/\(w.report)/decision",
                moderatorsOnly(204),
                body: json(["decision": "dismiss"])
            ),
            call("GET /api/v1/marketplace/hidden", "/api/v1/marketplace/hidden", moderatorsOnly(200)),
            call("GET /api/v1/admin/federation", "/api/v1/admin/federation", moderatorsOnly(200)),
            call("DELETE /api/v1/marketplace/hidden/{id}", "/api/v1/marketplace/hidden/\(w.publicCharacter)", moderatorsOnly(404)),
            call(
                "DELETE /api/v1/marketplace/reviews/{id}",
                "/api/v1/marketplace/reviews/\(w.review)",
                [.anonymous: 401, .stranger: 204, .follower: 404, .moderator: 404, .owner: 404],
                label: "the stranger's review"
            ),
        ] + mastodonCalls(w)
    }

    /// Mastodon's client API, called with Scribe's own session tokens (which may do all an app
    /// may): what is public to all, one's own to oneself, a followers-only post to followers.
    static func mastodonCalls(_ w: World) -> [Call] {
        let form = "application/x-www-form-urlencoded"
        let secrets = ["For my followers.", w.privateCharacter, w.followersCharacter]
        let upload = World.multipart((try? Fixtures.data("cards/seraphina.png")) ?? Data())
        func call(
            _ operation: String,
            _ path: String,
            _ expected: [Caller: Int],
            body: String? = nil,
            label: String? = nil,
            mustNotContain: [String] = []
        ) -> Call {
            Call(
                operation: operation,
                label: label ?? path,
                method: String(operation.split(separator: " ")[0]),
                path: path,
                body: body.map { Data($0.utf8) },
                contentType: form,
                expected: expected,
                mustNotContain: mustNotContain
            )
        }
        let ownerOnlyStatus: [Caller: Int] = [.anonymous: 401, .stranger: 404, .follower: 404, .moderator: 404, .owner: 200]
        return [
            call("GET /.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server", everyone(200)),
            call("GET /api/v1/instance", "/api/v1/instance", everyone(200)),
            call("GET /api/v2/instance", "/api/v2/instance", everyone(200)),
            call("GET /api/v1/instance/peers", "/api/v1/instance/peers", everyone(200)),
            call("GET /api/v1/instance/rules", "/api/v1/instance/rules", everyone(200)),
            call("GET /api/v1/custom_emojis", "/api/v1/custom_emojis", everyone(200)),
            call("POST /api/v1/apps", "/api/v1/apps", everyone(200), body: "client_name=Matrix&redirect_uris=urn:ietf:wg:oauth:2.0:oob"),
            // A session is not an app.
            call("GET /api/v1/apps/verify_credentials", "/api/v1/apps/verify_credentials", everyone(401)),
            call("POST /oauth/token", "/oauth/token", everyone(401), body: "grant_type=client_credentials&client_id=nobody&client_secret=no"),
            call("POST /oauth/revoke", "/oauth/revoke", everyone(401), body: "client_id=nobody&client_secret=no&token=x"),

            call("GET /api/v1/accounts/verify_credentials", "/api/v1/accounts/verify_credentials", signedIn(200)),
            call("PATCH /api/v1/accounts/update_credentials", "/api/v1/accounts/update_credentials", signedIn(200), body: "note=Hello"),
            call("GET /api/v1/accounts/lookup", "/api/v1/accounts/lookup?acct=alice", everyone(200)),
            call("GET /api/v1/accounts/relationships", "/api/v1/accounts/relationships?id[]=\(w.ownerAccount)", signedIn(200)),
            call("GET /api/v1/accounts/{id}", "/api/v1/accounts/\(w.ownerAccount)", everyone(200)),
            call(
                "GET /api/v1/accounts/{id}/statuses",
                "/api/v1/accounts/\(w.ownerAccount)/statuses",
                everyone(200),
                mustNotContain: [w.privateCharacter]
            ),
            call("GET /api/v1/accounts/{id}/followers", "/api/v1/accounts/\(w.ownerAccount)/followers", everyone(200)),
            call("GET /api/v1/accounts/{id}/following", "/api/v1/accounts/\(w.ownerAccount)/following", everyone(200)),
            // Following, blocking and undoing them aim at the administrator, whom the matrix needs for nothing else.
            call("POST /api/v1/accounts/{id}/follow", "/api/v1/accounts/\(w.rootAccount)/follow", signedIn(200)),
            call("POST /api/v1/accounts/{id}/unfollow", "/api/v1/accounts/\(w.rootAccount)/unfollow", signedIn(200)),
            call("POST /api/v1/accounts/{id}/block", "/api/v1/accounts/\(w.rootAccount)/block", signedIn(200)),
            call("POST /api/v1/accounts/{id}/unblock", "/api/v1/accounts/\(w.rootAccount)/unblock", signedIn(200)),
            call("GET /api/v1/follow_requests", "/api/v1/follow_requests", signedIn(200)),
            call("POST /api/v1/follow_requests/{id}/authorize", "/api/v1/follow_requests/\(w.rootAccount)/authorize", signedIn(404)),
            call("POST /api/v1/follow_requests/{id}/reject", "/api/v1/follow_requests/\(w.rootAccount)/reject", signedIn(404)),

            call("POST /api/v1/statuses", "/api/v1/statuses", signedIn(200), body: "status=Hello"),
            call("GET /api/v1/statuses/{id}", "/api/v1/statuses/\(w.publicStatus)", everyone(200)),
            call(
                "GET /api/v1/statuses/{id}",
                "/api/v1/statuses/\(w.followersStatus)",
                followersOnly(200),
                label: "the followers-only post",
                mustNotContain: [w.privateCharacter]
            ),
            call("GET /api/v1/statuses/{id}/context", "/api/v1/statuses/\(w.publicStatus)/context", everyone(200), mustNotContain: secrets),
            call(
                "GET /api/v1/statuses/{id}/context",
                "/api/v1/statuses/\(w.followersStatus)/context",
                followersOnly(200),
                label: "the followers-only post's"
            ),
            call("GET /api/v1/statuses/{id}/favourited_by", "/api/v1/statuses/\(w.publicStatus)/favourited_by", everyone(200)),
            call("GET /api/v1/statuses/{id}/reblogged_by", "/api/v1/statuses/\(w.publicStatus)/reblogged_by", everyone(200)),
            call("POST /api/v1/statuses/{id}/favourite", "/api/v1/statuses/\(w.publicStatus)/favourite", signedIn(200)),
            call("POST /api/v1/statuses/{id}/unfavourite", "/api/v1/statuses/\(w.publicStatus)/unfavourite", signedIn(200)),
            call(
                "POST /api/v1/statuses/{id}/favourite",
                "/api/v1/statuses/\(w.followersStatus)/favourite",
                followersOnly(200, anonymous: 401),
                label: "the followers-only post"
            ),
            call("POST /api/v1/statuses/{id}/reblog", "/api/v1/statuses/\(w.publicStatus)/reblog", signedIn(200)),
            call("POST /api/v1/statuses/{id}/unreblog", "/api/v1/statuses/\(w.publicStatus)/unreblog", signedIn(200)),
            call("DELETE /api/v1/statuses/{id}", "/api/v1/statuses/\(w.doomedStatus)", ownerOnlyStatus),

            Call(
                operation: "POST /api/v2/media",
                label: "/api/v2/media",
                method: "POST",
                path: "/api/v2/media",
                body: upload.body,
                contentType: upload.type,
                expected: signedIn(200)
            ),
            Call(
                operation: "POST /api/v1/media",
                label: "/api/v1/media",
                method: "POST",
                path: "/api/v1/media",
                body: upload.body,
                contentType: upload.type,
                expected: signedIn(200)
            ),
            call("GET /api/v1/media/{id}", "/api/v1/media/\(w.ownerMedia)", ownerOnlyStatus),
            call("PUT /api/v1/media/{id}", "/api/v1/media/\(w.ownerMedia)", ownerOnlyStatus, body: "description=Art"),

            call("GET /api/v1/timelines/home", "/api/v1/timelines/home", signedIn(200)),
            call("GET /api/v1/timelines/public", "/api/v1/timelines/public", everyone(200), mustNotContain: secrets),
            call("GET /api/v1/timelines/tag/{hashtag}", "/api/v1/timelines/tag/lighthouse", everyone(200), mustNotContain: secrets),
            call("GET /api/v1/notifications", "/api/v1/notifications", signedIn(200)),
            call("GET /api/v1/notifications/unread_count", "/api/v1/notifications/unread_count", signedIn(200)),
            call("GET /api/v1/notifications/{id}", "/api/v1/notifications/999999999", signedIn(404)),
            call("POST /api/v1/notifications/{id}/dismiss", "/api/v1/notifications/999999999/dismiss", signedIn(200)),
            call("POST /api/v1/notifications/clear", "/api/v1/notifications/clear", signedIn(200)),
            call("GET /api/v1/markers", "/api/v1/markers?timeline[]=home", signedIn(200)),
            call("POST /api/v1/markers", "/api/v1/markers", signedIn(200), body: "home[last_read_id]=1"),
            call("GET /api/v2/search", "/api/v2/search?q=alice", everyone(200), mustNotContain: secrets),
        ]
    }
}
