import ActivityPubKit
import Crypto
import Foundation
import ScribeTestFixtures

/// A server filled the way people use one, and the checks that prove a copy of it (a restore, a
/// point-in-time recovery, an upgrade) kept everything: the restore drill and the upgrade
/// fixture share both halves, so what the fixture holds is exactly what the drill proves.
///
/// It speaks only HTTP to a running `scribe serve`, as an operator's users would.
public enum BackupDrill {
    /// The password every drill account is made with.
    public static let password = "correct horse battery"

    /// What was put in, to be found again: written beside the upgrade fixture as JSON.
    public struct Manifest: Codable, Sendable {
        public struct Account: Codable, Sendable {
            public var username: String
            public var recoveryPhrase: String
            /// A session made before the backup: it must still open the library afterwards.
            public var sessionToken: String
        }
        /// A private item, by the path that reads it and the SHA-256 of what it read.
        public struct PrivateItem: Codable, Sendable {
            public var owner: String
            public var path: String
            public var digest: String
        }
        public var accounts: [Account]
        public var privateItems: [PrivateItem]
        /// Published characters and lorebooks: each must be listed by the marketplace.
        public var publishedItems: [String]
        /// Each user's actor `publicKeyPem` as a remote server cached it.
        public var actorKeys: [String: String]
        /// Each user's followers, as `totalItems` of the followers collection.
        public var followerCounts: [String: Int]
        /// The paid purchase: who bought what.
        public var purchase: Purchase?
        public struct Purchase: Codable, Sendable {
            public var buyer: String
            public var itemID: String
        }
    }

    public struct Failed: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Fills the server on `port`: Alice (her avatar; a private and a published character with
    /// art, a private and a published lorebook, a chat, a post), Bob (follows Alice, likes and
    /// rates her character, buys her priced one through `stripe`), a Mastodon app, and Carol on
    /// `peer` following Alice from another server.
    public static func fill(port: Int, peer: TestPeer?, stripe: TestStripe?) async throws -> Manifest {
        let origin = "http://127.0.0.1:\(port)"
        let (aliceAuth, alice) = try await register(port: port, "alice")
        let (bobAuth, bob) = try await register(port: port, "bob")
        let png = try Fixtures.seraphinaPNG

        try await expect(201...204, try await send(port, "PUT", "/api/v1/accounts/me/avatar", aliceAuth, png, type: "image/png"), "avatar")
        let secret = try await id(of: "character", try await send(port, "POST", "/api/v1/characters/import", aliceAuth, png, type: "image/png"))
        let published = try await id(of: "character", try await send(port, "POST", "/api/v1/characters/import", aliceAuth, png, type: "image/png"))
        let priced = try await LoopbackHTTP.createCharacter(port: port, auth: aliceAuth, name: "Lighthouse Keeper")
        for character in [published, priced] {
            guard try await LoopbackHTTP.setVisibility(port: port, auth: aliceAuth, character: character, "public") == 200 else {
                throw Failed(description: "publishing \(character) failed")
            }
        }
        let lore = try Fixtures.eldoriaWorldInfo
        let privateLorebook = try await id(of: "lorebook", try await send(port, "POST", "/api/v1/lorebooks/import?name=Eldoria", aliceAuth, lore))
        let publicLorebook = try await id(of: "lorebook", try await send(port, "POST", "/api/v1/lorebooks/import?name=Atlas", aliceAuth, lore))
        try await expect(
            200...200,
            try await send(port, "PUT", "/api/v1/lorebooks/\(publicLorebook)/visibility", aliceAuth, json(["is_public": true])),
            "lorebook"
        )
        let chat = try await id(
            of: "chat",
            try await send(port, "POST", "/api/v1/chats", aliceAuth, json(["title": "Evening", "character_id": secret]))
        )
        for (type, content) in [("User", "Where does the path lead?"), ("Assistant", "Past the old mill, to the sea.")] {
            try await expect(
                201...201,
                try await send(port, "POST", "/api/v1/chats/\(chat)/messages", aliceAuth, json(["type": type, "content": content])),
                "message"
            )
        }
        try await expect(
            201...201,
            try await send(port, "POST", "/api/v1/posts", aliceAuth, json(["content": "A new character is out. #scribe"])),
            "post"
        )

        // Bob follows, likes and rates; Carol follows from another server.
        try await expect(201...201, try await send(port, "POST", "/api/v1/follows", bobAuth, json(["handle": "alice@127.0.0.1:\(port)"])), "follow")
        try await awaitListed(port: port, [published, priced, publicLorebook])
        try await expect(
            204...204,
            try await send(port, "POST", "/api/v1/likes", bobAuth, json(["object": "\(origin)/characters/\(published)"])),
            "like"
        )
        try await expect(
            200...204,
            try await send(port, "PUT", "/api/v1/marketplace/listings/\(published)/rating", bobAuth, json(["stars": 5])),
            "rating"
        )
        let app = try await send(port, "POST", "/api/v1/apps", [], json(["client_name": "Drill", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"]))
        try await expect(200...201, app, "app")
        try await fillTheRest(port: port, alice: aliceAuth, bob: bobAuth, published: published, priced: priced, app: app, peer: peer)
        var followers = ["alice": 1, "bob": 0]
        if let peer {
            let follow = ASObject.activity(
                "Follow",
                id: "\(peer.origin)/follows/\(UUID())",
                actor: peer.actorID("carol"),
                object: .string("\(origin)/users/alice")
            )
            try await expect(202...202, try await peer.post(follow, to: "\(origin)/users/alice/inbox", as: "carol"), "remote follow")
            followers["alice"] = 2
        }
        var purchase: Manifest.Purchase?
        if let stripe {
            try await expect(
                204...204,
                try await send(port, "PUT", "/api/v1/marketplace/listings/\(priced)/price", aliceAuth, json(["amount": 499, "currency": "usd"])),
                "price"
            )
            try await expect(201...201, try await send(port, "POST", "/api/v1/marketplace/listings/\(priced)/purchase", bobAuth, nil), "purchase")
            guard let request = await stripe.requests.last else { throw Failed(description: "no Checkout Session was made") }
            let completed = stripe.event("checkout.session.completed", for: request)
            let webhook = try await LoopbackHTTP.send(
                port: port,
                method: "POST",
                path: "/api/v1/marketplace/stripe/webhook",
                headers: [("Content-Type", "application/json"), ("Stripe-Signature", stripe.signature(for: completed))],
                body: completed
            )
            try await expect(200...204, webhook, "webhook")
            purchase = Manifest.Purchase(buyer: "bob", itemID: priced)
        }
        // Everything asynchronous has landed: the follows are counted, the purchase is paid.
        for (user, count) in followers {
            guard try await eventually(timeout: .seconds(30), { try await followerCount(port: port, user) == count }) else {
                throw Failed(description: "\(user) never had \(count) followers")
            }
        }
        if let purchase { try await awaitPaid(port: port, auth: bobAuth, purchase) }

        var privateItems: [Manifest.PrivateItem] = []
        for path in [
            "/api/v1/characters/\(secret)", "/api/v1/characters/\(secret)/avatar", "/api/v1/characters/\(published)",
            "/api/v1/lorebooks/\(privateLorebook)", "/api/v1/chats/\(chat)",
        ] {
            privateItems.append(.init(owner: "alice", path: path, digest: try await digest(port: port, path, auth: aliceAuth)))
        }
        var keys: [String: String] = [:]
        for user in ["alice", "bob"] { keys[user] = try await actorKey(port: port, user) }
        return Manifest(
            accounts: [alice, bob],
            privateItems: privateItems,
            publishedItems: [published, priced, publicLorebook].map { $0.lowercased() }.sorted(),
            actorKeys: keys,
            followerCounts: followers,
            purchase: purchase
        )
    }

    /// The rest of what people do, so that a dump of the server has a row in nearly every table:
    /// a failed login, a download, a favourite, a fork, a review, a report, a boost, a pin, social
    /// settings; through Mastodon's API a token, an idempotent post, the ids a timeline hands out,
    /// a marker and an upload; with a peer, a block of a remote account and a report from it.
    static func fillTheRest(
        port: Int,
        alice: [(String, String)],
        bob: [(String, String)],
        published: String,
        priced: String,
        app: LoopbackHTTP.Reply,
        peer: TestPeer?
    ) async throws {
        let origin = "http://127.0.0.1:\(port)"
        let character = "\(origin)/characters/\(published)"
        try await expect(
            401...401,
            try await send(port, "POST", "/api/v1/sessions", [], json(["identifier": "alice", "password": "not her password"])),
            "failed login"
        )
        try await expect(
            200...200,
            try await LoopbackHTTP.get(port: port, path: "/api/v1/marketplace/listings/\(published)/download", headers: bob),
            "download"
        )
        try await expect(204...204, try await send(port, "PUT", "/api/v1/marketplace/favourites/\(published)", bob, nil), "favourite")
        try await expect(201...201, try await send(port, "POST", "/api/v1/marketplace/listings/\(published)/fork", bob, nil), "fork")
        try await expect(
            200...201,
            try await send(port, "PUT", "/api/v1/marketplace/listings/\(published)/review", bob, json(["body": "Kind and patient."])),
            "review"
        )
        try await expect(
            201...201,
            try await send(port, "POST", "/api/v1/marketplace/listings/\(priced)/reports", bob, json(["reason": "Spam in the notes."])),
            "report"
        )
        try await expect(204...204, try await send(port, "POST", "/api/v1/boosts", bob, json(["object": character])), "boost")
        try await expect(204...204, try await send(port, "POST", "/api/v1/pins", alice, json(["object": character])), "pin")
        try await expect(
            200...200,
            try await send(port, "PUT", "/api/v1/social/settings", alice, json(["manually_approves_followers": false])),
            "settings"
        )

        // Mastodon's client API: an app's own token, and Alice's session used as a bearer token.
        let client = try app.json()
        let grant =
            "grant_type=client_credentials&client_id=\(client["client_id"] as? String ?? "")&client_secret=\(client["client_secret"] as? String ?? "")"
        try await expect(
            200...200,
            try await send(port, "POST", "/oauth/token", [], Data(grant.utf8), type: "application/x-www-form-urlencoded"),
            "app token"
        )
        try await expect(
            200...200,
            try await send(port, "POST", "/api/v1/statuses", alice + [("Idempotency-Key", "drill-1")], json(["status": "Posted from an app."])),
            "status"
        )
        let home = try await LoopbackHTTP.get(port: port, path: "/api/v1/timelines/home", headers: alice)
        try await expect(200...200, home, "home timeline")
        if let newest = ((try? JSONSerialization.jsonObject(with: home.body)) as? [[String: Any]])?.first?["id"] as? String {
            try await expect(
                200...200,
                try await send(
                    port,
                    "POST",
                    "/api/v1/markers",
                    alice,
                    Data("home%5Blast_read_id%5D=\(newest)".utf8),
                    type: "application/x-www-form-urlencoded"
                ),
                "marker"
            )
        }
        let boundary = "drill-\(UUID().uuidString)"
        var upload = Data(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"art.png\"\r\nContent-Type: image/png\r\n\r\n".utf8
        )
        upload += try Fixtures.seraphinaPNG
        upload += Data(
            "\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nSeraphina in the forest\r\n--\(boundary)--\r\n".utf8
        )
        try await expect(
            200...202,
            try await send(port, "POST", "/api/v2/media", alice, upload, type: "multipart/form-data; boundary=\(boundary)"),
            "upload"
        )

        if let peer {
            let host = String(peer.origin.dropFirst("http://".count))
            try await expect(204...204, try await send(port, "POST", "/api/v1/blocks", bob, json(["handle": "mallory@\(host)"])), "block")
            let flag = ASObject.activity(
                "Flag",
                id: "\(peer.origin)/flags/\(UUID())",
                actor: peer.actorID("carol"),
                object: .string("\(origin)/users/alice")
            )
            try await expect(202...202, try await peer.post(flag, to: "\(origin)/users/alice/inbox", as: "carol"), "remote report")
        }
    }

    /// Checks that the server on `port` holds everything `manifest` names: each account logs in
    /// with its password (and its old session, unless `sessionsMayHaveExpired`: an upgrade
    /// fixture's sessions run out in time), private items read back byte for byte, the
    /// marketplace lists exactly the published items, followers and actor keys are the same, and
    /// the purchase is paid. Last, each account recovers with its recovery phrase and its library
    /// opens again under the new password. Returns the sessions that recovery made.
    @discardableResult
    public static func verify(port: Int, _ manifest: Manifest, sessionsMayHaveExpired: Bool = false) async throws -> [String: [(String, String)]] {
        var sessions: [String: [(String, String)]] = [:]
        for account in manifest.accounts {
            let login = try await send(port, "POST", "/api/v1/sessions", [], json(["identifier": account.username, "password": password]))
            try await expect(201...201, login, "\(account.username) logs in with her password")
            var checked = [auth(try token(of: login))]
            sessions[account.username] = checked[0]
            if !sessionsMayHaveExpired {
                let old = auth(account.sessionToken)
                try await expect(
                    200...200,
                    try await LoopbackHTTP.get(port: port, path: "/api/v1/accounts/me", headers: old),
                    "\(account.username)'s old session"
                )
                checked.append(old)
            }
            for item in manifest.privateItems where item.owner == account.username {
                for session in checked {
                    let found = try await digest(port: port, item.path, auth: session)
                    guard found == item.digest else {
                        throw Failed(description: "\(item.path) reads back differently (\(found), not \(item.digest))")
                    }
                }
            }
            let key = try await actorKey(port: port, account.username)
            guard key == manifest.actorKeys[account.username] else { throw Failed(description: "\(account.username)'s actor key changed") }
            let followers = try await followerCount(port: port, account.username)
            guard followers == manifest.followerCounts[account.username] else {
                throw Failed(description: "\(account.username) has \(followers) followers, not \(manifest.followerCounts[account.username] ?? -1)")
            }
        }
        // The marketplace lists exactly Core's public items.
        let listed = try await LoopbackHTTP.get(port: port, path: "/api/v1/marketplace/listings?limit=50")
        let ids = ((try listed.json()["listings"] as? [[String: Any]]) ?? []).compactMap { ($0["id"] as? String)?.lowercased() }.sorted()
        guard ids == manifest.publishedItems else { throw Failed(description: "the marketplace lists \(ids), not \(manifest.publishedItems)") }
        for item in manifest.publishedItems {
            try await expect(200...200, try await LoopbackHTTP.get(port: port, path: "/api/v1/marketplace/listings/\(item)"), "listing \(item)")
        }
        if let purchase = manifest.purchase, let buyer = manifest.accounts.first(where: { $0.username == purchase.buyer }) {
            try await awaitPaid(port: port, auth: auth(buyer.sessionToken), purchase)
            let download = try await LoopbackHTTP.get(
                port: port,
                path: "/api/v1/marketplace/listings/\(purchase.itemID)/download",
                headers: auth(buyer.sessionToken)
            )
            try await expect(200...200, download, "the buyer downloads what she paid for")
        }
        var recovered: [String: [(String, String)]] = [:]
        for account in manifest.accounts {
            let reply = try await send(
                port,
                "POST",
                "/api/v1/accounts/recovery",
                [],
                json([
                    "identifier": account.username, "recovery_phrase": account.recoveryPhrase,
                    "new_password": "a new password for \(account.username)",
                ])
            )
            try await expect(201...201, reply, "\(account.username) recovers with her phrase")
            let session = auth(try token(of: reply))
            for item in manifest.privateItems where item.owner == account.username {
                guard try await digest(port: port, item.path, auth: session) == item.digest else {
                    throw Failed(description: "\(item.path) does not open after recovery")
                }
            }
            recovered[account.username] = session
        }
        return recovered
    }

    /// Posts as `user` and waits until `peer` receives the delivery; checks that its signature
    /// verifies with the key the peer cached before (`manifest.actorKeys`).
    public static func verifyDeliverySignature(
        port: Int,
        peer: TestPeer,
        as user: String,
        session: [(String, String)],
        manifest: Manifest
    ) async throws {
        let before = await peer.deliveryRequests.count
        let marker = "After the restore \(UUID())"
        try await expect(201...201, try await send(port, "POST", "/api/v1/posts", session, json(["content": marker])), "post after restore")
        let delivered = try await eventually(timeout: .seconds(30)) { () -> SignedRequest? in
            await peer.deliveryRequests.dropFirst(before).first { String(decoding: $0.body ?? Data(), as: UTF8.self).contains(marker) }
        }
        guard let delivered, let pem = manifest.actorKeys[user] else { throw Failed(description: "the post never reached the peer") }
        let verifier = HTTPSignatureVerifier()
        let candidate = try verifier.candidate(for: delivered)
        _ = try verifier.verify(candidate, of: delivered, with: try SignaturePublicKey(pem: pem))
    }

    // MARK: - Pieces

    static func register(port: Int, _ username: String) async throws -> ([(String, String)], Manifest.Account) {
        let reply = try await send(
            port,
            "POST",
            "/api/v1/accounts",
            [],
            json(["username": username, "email": "\(username)@example.org", "password": password])
        )
        try await expect(201...201, reply, "registering \(username)")
        let body = try reply.json()
        guard let phrase = body["recovery_phrase"] as? String else { throw Failed(description: "no recovery phrase for \(username)") }
        let token = try token(of: reply)
        return (auth(token), Manifest.Account(username: username, recoveryPhrase: phrase, sessionToken: token))
    }

    static func auth(_ token: String) -> [(String, String)] { [("Authorization", "Bearer \(token)")] }

    static func token(of reply: LoopbackHTTP.Reply) throws -> String {
        guard let token = (try reply.json()["session"] as? [String: Any])?["token"] as? String else {
            throw Failed(description: "no session in \(reply.text.prefix(200))")
        }
        return token
    }

    static func json(_ object: [String: Any]) -> Data { (try? JSONSerialization.data(withJSONObject: object)) ?? Data() }

    static func send(
        _ port: Int,
        _ method: String,
        _ path: String,
        _ headers: [(String, String)],
        _ body: Data?,
        type: String = "application/json"
    ) async throws -> LoopbackHTTP.Reply {
        try await LoopbackHTTP.send(
            port: port,
            method: method,
            path: path,
            headers: headers + (body == nil ? [] : [("Content-Type", type)]),
            body: body
        )
    }

    static func expect(_ statuses: ClosedRange<Int>, _ reply: LoopbackHTTP.Reply, _ what: String) async throws {
        guard statuses.contains(reply.status) else { throw Failed(description: "\(what): \(reply.status) \(reply.text.prefix(300))") }
    }

    static func id(of kind: String, _ reply: LoopbackHTTP.Reply) async throws -> String {
        guard (200...201).contains(reply.status), let id = (try reply.json()[kind] as? [String: Any])?["id"] as? String else {
            throw Failed(description: "creating a \(kind): \(reply.status) \(reply.text.prefix(300))")
        }
        return id
    }

    /// The SHA-256 of what `path` answers `auth`, JSON with its keys sorted so the digest
    /// depends on the content alone.
    static func digest(port: Int, _ path: String, auth: [(String, String)]) async throws -> String {
        let reply = try await LoopbackHTTP.get(port: port, path: path, headers: auth)
        try await expect(200...200, reply, path)
        var bytes = reply.body
        if let object = try? JSONSerialization.jsonObject(with: reply.body) {
            bytes = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        }
        return SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    static func actorKey(port: Int, _ user: String) async throws -> String {
        let actor = try await LoopbackHTTP.get(port: port, path: "/users/\(user)", headers: [("Accept", ActivityPubMediaType.activityJSON)])
        guard let pem = (try actor.json()["publicKey"] as? [String: Any])?["publicKeyPem"] as? String else {
            throw Failed(description: "\(user)'s actor has no key: \(actor.status)")
        }
        return pem
    }

    static func followerCount(port: Int, _ user: String) async throws -> Int {
        let collection = try await LoopbackHTTP.get(
            port: port,
            path: "/users/\(user)/followers",
            headers: [("Accept", ActivityPubMediaType.activityJSON)]
        )
        return try collection.json()["totalItems"] as? Int ?? -1
    }

    static func awaitListed(port: Int, _ items: [String]) async throws {
        for item in items {
            guard
                try await eventually(
                    timeout: .seconds(30),
                    { try await LoopbackHTTP.get(port: port, path: "/api/v1/marketplace/listings/\(item)").status == 200 }
                )
            else {
                throw Failed(description: "\(item) was never listed")
            }
        }
    }

    static func awaitPaid(port: Int, auth: [(String, String)], _ purchase: Manifest.Purchase) async throws {
        let paid = try await eventually(timeout: .seconds(30)) {
            let list = try await LoopbackHTTP.get(port: port, path: "/api/v1/marketplace/purchases", headers: auth)
            let purchases = (try list.json()["purchases"] as? [[String: Any]]) ?? []
            return purchases.contains {
                ($0["item_id"] as? String)?.lowercased() == purchase.itemID.lowercased() && $0["status"] as? String == "paid"
            }
        }
        guard paid else { throw Failed(description: "\(purchase.buyer)'s purchase of \(purchase.itemID) is not paid") }
    }
}
