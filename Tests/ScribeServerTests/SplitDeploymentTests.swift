import ActivityPubKit
import Crypto
import Foundation
import NIOHTTP1
import ScribeCoreClient
import ScribeStorage
import ScribeTestFixtures
import ScribeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Core, Marketplace and Social as three `scribe serve --role ...` processes on one database,
/// the social process the public entry: what a user and a remote follower see is what one
/// process gives them.
@Suite("Three processes on one database")
struct SplitDeploymentTests {
    static let secret = "split-deployment-test-secret-0123456789"

    /// The three running processes, and what an operator's command (`scribe user create`) needs
    /// to work on the same deployment.
    struct Deployment: Sendable {
        var social: ScribeProcess
        var core: ScribeProcess
        var publicURL: String
        /// The database, data directory and master key, as the core process has them.
        var commandEnvironment: [String: String]
    }

    /// The three processes, started as an operator would (docs/operations.md), and stopped after `body`.
    static func withSplitDeployment(_ body: @escaping @Sendable (Deployment) async throws -> Void) async throws {
        try await withTestDatabase { location in
            let databaseURL = try #require(location.processURL)
            let dataDirectory = NSTemporaryDirectory() + "scribe-split-\(UUID().uuidString.prefix(8))"
            defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
            let ports = (core: try FreePort.find(), marketplace: try FreePort.find(), social: try FreePort.find())
            let publicURL = "http://127.0.0.1:\(ports.social)"
            let shared = [
                "DATABASE_URL": databaseURL, "SCRIBE_SERVICE_SECRET": secret, "SCRIBE_PUBLIC_URL": publicURL, "SCRIBE_ALLOW_PRIVATE_PEERS": "true",
                "SCRIBE_DATA_DIR": dataDirectory, "SCRIBE_LOG_LEVEL": "warning",
            ].merging(TestLimits.off) { $1 }
            let coreURL = "http://127.0.0.1:\(ports.core)"
            let masterKey = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
            let core = try ScribeProcess(
                arguments: ["serve", "--role", "core"],
                environment: shared.merging(["SCRIBE_BIND": "127.0.0.1:\(ports.core)", "SCRIBE_MASTER_KEY": masterKey]) { $1 }
            )
            try await core.waitUntilReady()
            let marketplace = try ScribeProcess(
                arguments: ["serve", "--role", "marketplace", "--core-url", coreURL],
                environment: shared.merging(["SCRIBE_BIND": "127.0.0.1:\(ports.marketplace)"]) { $1 }
            )
            let social = try ScribeProcess(
                arguments: ["serve", "--role", "social", "--core-url", coreURL, "--marketplace-url", "http://127.0.0.1:\(ports.marketplace)"],
                environment: shared.merging(["SCRIBE_BIND": "127.0.0.1:\(ports.social)"]) { $1 }
            )
            try await marketplace.waitUntilReady()
            try await social.waitUntilReady()
            #expect(!FileManager.default.fileExists(atPath: dataDirectory + "/master.key"), "only the core process holds master keys")
            let command = ["DATABASE_URL": databaseURL, "SCRIBE_DATA_DIR": dataDirectory, "SCRIBE_MASTER_KEY": masterKey]
            do {
                try await body(Deployment(social: social, core: core, publicURL: publicURL, commandEnvironment: command))
            } catch {
                print("core:\n\(core.standardError)\nmarketplace:\n\(marketplace.standardError)\nsocial:\n\(social.standardError)")
                throw error
            }
            for process in [social, marketplace, core] { process.signal(SIGTERM) }
            for process in [social, marketplace, core] { #expect(try await process.waitForExit() == 0) }
        }
    }

    static func json(_ text: String) -> Data { Data(text.utf8) }

    @Test(
        "a card published through the API appears in marketplace search, reaches a federated follower, and is on the pages the social process serves, as in one process"
    )
    func publishAcrossProcesses() async throws {
        try await Self.withSplitDeployment { deployment in
            let (port, publicURL) = (deployment.social.port, deployment.publicURL)
            let jsonType = ("Content-Type", "application/json")
            // Everything goes to the social process; it forwards Core's and the marketplace's API.
            let registered = try await LoopbackHTTP.send(
                port: port,
                method: "POST",
                path: "/api/v1/accounts",
                headers: [jsonType],
                body: Self.json(#"{"username":"alice","email":"alice@example.org","password":"correct horse battery"}"#)
            )
            #expect(registered.status == 201)
            let token = try #require((try registered.json()["session"] as? [String: Any])?["token"] as? String)
            let auth = ("Authorization", "Bearer \(token)")

            try await withTestPeer { peer in
                let follow = ASObject.activity(
                    "Follow",
                    id: "\(peer.origin)/follows/1",
                    actor: peer.actorID("carol"),
                    object: .string("\(publicURL)/users/alice")
                ).document(in: .mastodon)
                #expect(try await peer.post(follow, to: "\(publicURL)/users/alice/inbox", as: "carol").status == 202)
                #expect(try await eventually(timeout: .seconds(30)) { await peer.deliveries.contains { $0.activity.isA("Accept") } })

                let created = try await LoopbackHTTP.send(
                    port: port,
                    method: "POST",
                    path: "/api/v1/characters",
                    headers: [jsonType, auth],
                    body: Self.json(#"{"card":{"name":"Ferryman","description":"Rows the dead across.","tags":["river"]}}"#)
                )
                #expect(created.status == 201)
                let id = try #require((try created.json()["character"] as? [String: Any])?["id"] as? String)
                let published = try await LoopbackHTTP.send(
                    port: port,
                    method: "PUT",
                    path: "/api/v1/characters/\(id)/visibility",
                    headers: [jsonType, auth],
                    body: Self.json(#"{"sharing_visibility":"public"}"#)
                )
                #expect(published.status == 200)

                #expect(
                    try await eventually(timeout: .seconds(30)) {
                        let page = try await LoopbackHTTP.get(port: port, path: "/api/v1/marketplace/listings?q=ferryman")
                        return page.status == 200 && String(decoding: page.body, as: UTF8.self).contains(id)
                    },
                    "the listing shows in search through the social process"
                )
                #expect(
                    try await eventually(timeout: .seconds(30)) {
                        await peer.deliveries.contains { delivery in
                            delivery.activity.isA("Create")
                                && delivery.activity.object.contains { $0.id == "\(publicURL)/characters/\(id.lowercased())" }
                        }
                    },
                    "the follower's server received the Create"
                )

                // A card file streams through the social process to Core and back.
                let png = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixturesDirectory + "/cards/seraphina.png"))
                let imported = try await LoopbackHTTP.send(
                    port: port,
                    method: "POST",
                    path: "/api/v1/characters/import",
                    headers: [("Content-Type", "image/png"), auth],
                    body: png
                )
                #expect(imported.status == 201)
                let importedID = try #require((try imported.json()["character"] as? [String: Any])?["id"] as? String)
                let exported = try await LoopbackHTTP.send(
                    port: port,
                    method: "GET",
                    path: "/api/v1/characters/\(importedID)/export?format=png",
                    headers: [auth],
                    body: nil
                )
                #expect(exported.status == 200 && exported.body.starts(with: [0x89, 0x50, 0x4E, 0x47]) && exported.body.count > 10_000)

                // The shared view, served by the social process through CoreAPI over HTTP.
                let shared = try await LoopbackHTTP.get(port: port, path: "/api/v1/shared/characters/\(id)")
                #expect(shared.status == 200 && String(decoding: shared.body, as: UTF8.self).contains("Ferryman"))

                try await Self.checkPages(port: port, publicURL: publicURL, character: id.lowercased())
            }
        }
    }

    /// The pages, served by the social process: the marketplace home, the item page and the
    /// profile read the marketplace and Core over HTTP; a visitor signs up on the page (Core's
    /// accounts over HTTP), favourites and rates the card on its page (the marketplace over HTTP,
    /// acting for her), edits her settings and her library (Core over HTTP) and logs out.
    static func checkPages(port: Int, publicURL: String, character id: String) async throws {
        @Sendable func page(_ path: String, _ headers: [(String, String)] = []) async throws -> (status: Int, text: String) {
            let reply = try await LoopbackHTTP.get(port: port, path: path, headers: [("Accept", "text/html")] + headers)
            #expect(reply.headers.first(name: "Content-Type")?.hasPrefix("text/html") == true, "\(path) is a page")
            return (reply.status, String(decoding: reply.body, as: UTF8.self))
        }
        /// The one-time message the page after a form shows.
        @Sendable func notice(_ reply: LoopbackHTTP.Reply) -> String? { reply.notice }
        let home = try await page("/")
        #expect(home.status == 200 && home.text.contains("Ferryman"), "the marketplace home lists the card, read from the marketplace process")
        let item = try await page("/characters/\(id)")
        #expect(item.status == 200 && item.text.contains("Ferryman") && item.text.contains("Rows the dead across."))
        let profile = try await page("/@alice")
        #expect(profile.status == 200 && profile.text.contains("@alice") && profile.text.contains("Ferryman"))
        #expect(try await page("/characters/\(UUID().uuidString.lowercased())").status == 404)
        #expect(try await page("/signup").status == 200)

        // A visitor signs up on the page: the welcome page shows her recovery phrase, signed in.
        let formToken = "form-token-of-cy"
        let form = [("Content-Type", "application/x-www-form-urlencoded"), ("Origin", publicURL), ("Cookie", "scribe_csrf=\(formToken)")]
        let signup = try await LoopbackHTTP.send(
            port: port,
            method: "POST",
            path: "/signup",
            headers: form,
            body: Data("csrf=\(formToken)&username=cy&email=cy%40example.org&password=correct+horse+battery".utf8),
            followRedirects: false
        )
        #expect(signup.status == 303 && signup.headers["Location"].first == "/welcome", "\(signup.status)")
        func cookie(_ name: String) throws -> Substring {
            try #require(signup.headers["Set-Cookie"].first { $0.hasPrefix(name + "=") }?.dropFirst(name.count + 1).split(separator: ";").first)
        }
        let session = try cookie("scribe_session")
        let cookies = ("Cookie", "scribe_session=\(session); scribe_csrf=\(formToken)")
        let welcome = try await page("/welcome", [("Cookie", "scribe_session=\(session); scribe_welcome=\(try cookie("scribe_welcome"))")])
        #expect(welcome.status == 200 && welcome.text.contains("@cy") && welcome.text.contains("id=\"recovery-phrase\""), "\(welcome.status)")
        let signedIn = try await page("/characters/\(id)", [cookies])
        #expect(signedIn.status == 200 && signedIn.text.contains("@cy"), "the page knows who is signed in")

        let signedInForm = [("Content-Type", "application/x-www-form-urlencoded"), ("Origin", publicURL), cookies]
        func post(_ path: String, _ body: String) async throws -> LoopbackHTTP.Reply {
            try await LoopbackHTTP.send(port: port, method: "POST", path: path, headers: signedInForm, body: Data(body.utf8), followRedirects: false)
        }
        let favourited = try await post("/characters/\(id)/favourite", "csrf=\(formToken)")
        #expect(favourited.status == 303 && notice(favourited) == "Added to your favourites.", "\(notice(favourited) ?? "")")
        let rated = try await post("/characters/\(id)/rating", "csrf=\(formToken)&stars=4")
        #expect(rated.status == 303 && notice(rated) == "Thank you for rating.", "\(notice(rated) ?? "")")
        let favourites = try await LoopbackHTTP.get(
            port: port,
            path: "/api/v1/marketplace/favourites",
            headers: [("Authorization", "Bearer \(session)")]
        )
        #expect(favourites.status == 200 && String(decoding: favourites.body, as: UTF8.self).lowercased().contains(id))
        let detail = try await LoopbackHTTP.get(port: port, path: "/api/v1/marketplace/listings/\(id)")
        #expect((try detail.json()["listing"] as? [String: Any])?["rating_count"] as? Int == 1)
        // A forged form (no token) is refused and changes nothing.
        #expect(try await post("/characters/\(id)/rating", "stars=1").status == 403)

        // Her settings, through Core over HTTP; a wrong current password is shown on the form.
        let settings = try await page("/settings", [cookies])
        #expect(settings.status == 200 && settings.text.contains("cy"))
        let saved = try await post("/settings/profile", "csrf=\(formToken)&display_name=Cy+Lantern&bio=Collects+lamps.")
        #expect(saved.status == 303, "\(saved.status)")
        #expect(try await page("/@cy").text.contains("Cy Lantern"))
        let wrong = try await post("/settings/password", "csrf=\(formToken)&current_password=not+my+password&new_password=another+long+password")
        #expect(wrong.status == 422)

        // Her library, through Core over HTTP: create a character and a lorebook, edit both, share one.
        let created = try await post("/library/characters", "csrf=\(formToken)&name=Tinker&description=Mends+clocks.&tags=city%2C+craft")
        let editor = try #require(created.headers.first(name: "Location"), "\(created.status)")
        #expect(created.status == 303 && editor.hasPrefix("/library/characters/"))
        let edited = try await post(editor, "csrf=\(formToken)&name=Tinker&description=Mends+clocks+and+hearts.&tags=city")
        #expect(edited.status == 303 && notice(edited) == "Saved.")
        let editing = try await page(editor, [cookies])
        #expect(editing.status == 200 && editing.text.contains("Mends clocks and hearts."))
        let shared = try await post(editor + "/visibility", "csrf=\(formToken)&visibility=unlisted")
        #expect(shared.status == 303 && notice(shared) == "Shared: unlisted.")
        let book = try await post("/library/lorebooks", "csrf=\(formToken)&name=Old+Quarter&description=Streets+and+lamps.")
        let bookEditor = try #require(book.headers.first(name: "Location"), "\(book.status)")
        let entry = try await post(
            bookEditor,
            "csrf=\(formToken)&name=Old+Quarter&description=Streets.&entry_keys_0=lamp%2C+wick&entry_content_0=Oil+lamps+line+the+lanes."
        )
        #expect(entry.status == 303 && notice(entry) == "Saved.")
        #expect(try await page(bookEditor, [cookies]).text.contains("Oil lamps line the lanes."))
        let library = try await page("/library", [cookies])
        #expect(library.status == 200 && library.text.contains("Tinker") && library.text.contains("Old Quarter") && library.text.contains("Ferryman"))
        let anonymous = try await LoopbackHTTP.send(
            port: port,
            method: "GET",
            path: "/library",
            headers: [("Accept", "text/html")],
            body: nil,
            followRedirects: false
        )
        #expect(anonymous.status == 303 && anonymous.headers.first(name: "Location")?.hasPrefix("/login") == true, "sent to log in")

        let loggedOut = try await post("/logout", "csrf=\(formToken)")
        #expect(loggedOut.status == 303)
        let after = try await LoopbackHTTP.get(port: port, path: "/api/v1/marketplace/favourites", headers: [("Authorization", "Bearer \(session)")])
        #expect(after.status == 401, "the session ended in Core")
    }

    @Test("Core's internal API refuses calls without a valid service token, and a service calling outside its scope gets 403")
    func internalAPIIsForServicesOnly() async throws {
        try await Self.withSplitDeployment { deployment in
            let (social, core) = (deployment.social, deployment.core)
            let readiness = try await LoopbackHTTP.get(port: social.port, path: "/readyz")
            let checks = try readiness.json()["checks"] as? [String: String]
            #expect(readiness.status == 200 && checks?["core"] == "ok")
            let secret = try #require(ServiceSecret(Self.secret))
            func call(_ operation: InternalCoreOperation, token: String?, body: String = "{}") async throws -> Int {
                var headers = [("Content-Type", "application/json")]
                if let token { headers.append(("Authorization", "Bearer \(token)")) }
                return try await LoopbackHTTP.send(port: core.port, method: "POST", path: operation.path, headers: headers, body: Self.json(body))
                    .status
            }
            #expect(try await call(.statistics, token: nil) == 401)
            #expect(try await call(.statistics, token: "v1.social.9999999999.AAAA") == 401)
            let forged = ServiceToken.mint(for: .social, secret: try #require(ServiceSecret("another-secret-of-at-least-32-chars!!")))
            #expect(try await call(.statistics, token: forged) == 401)
            let expired = ServiceToken.mint(for: .social, secret: secret, now: Date() - 600)
            #expect(try await call(.statistics, token: expired) == 401)
            let events = try await LoopbackHTTP.get(port: core.port, path: "/internal/core/events?after=0")
            #expect(events.status == 401)

            // Minted as an operator would, by the command line.
            let minting = try ScribeProcess(
                arguments: ["service-token", "--service", "marketplace"],
                environment: ["SCRIBE_SERVICE_SECRET": Self.secret]
            )
            #expect(try await minting.waitForExit() == 0)
            let marketplace = minting.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try ServiceToken.verify(marketplace, secret: secret).service == .marketplace)
            let signing = #"{"owner":{"instance":{}},"message":"aGVsbG8="}"#
            #expect(try await call(.signAsActor, token: marketplace, body: signing) == 403)
            #expect(try await call(.actorPublicKey, token: marketplace, body: #"{"owner":{"instance":{}}}"#) == 403)
            #expect(try await call(.signAsActor, token: ServiceToken.mint(for: .social, secret: secret), body: signing) == 200)
            #expect(try await call(.statistics, token: ServiceToken.mint(for: .social, secret: secret)) == 200)
            #expect(try await call(.setHidden, token: ServiceToken.mint(for: .social, secret: secret), body: "{}") == 403)
            // A user's operation without the user's session is refused by Core, not performed.
            #expect(try await call(.user, token: marketplace) == 401)
        }
    }
}
