import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ScribeMastodonAPI
import ScribeStorage
import ScribeTestFixtures
import ScribeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Mastodon's client API (`docs/mastodon-api.md`): OAuth as apps use it, scopes on every route,
/// and Mastodon's error shape, over real HTTP; and Mastodon.py, an independent client, through
/// the whole scenario of issue 21 against a live `scribe serve`.
@Suite("Mastodon's client API")
struct MastodonAPITests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
    static let callback = "https://app.example/callback"

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any],
            "\(String(buffer: response.body))"
        )
    }

    /// Registers an app that may ask for `scopes`; returns its id and secret.
    static func registerApp(_ client: any TestClientProtocol, scopes: String) async throws -> (id: String, secret: String) {
        let reply = try await client.execute(
            uri: "/api/v1/apps",
            method: .post,
            headers: form,
            body: WebPageTests.form(["client_name": "Test app", "redirect_uris": callback, "scopes": scopes, "website": "https://app.example"])
        ) { $0 }
        #expect(reply.status == .ok)
        let app = try json(reply)
        return (try #require(app["client_id"] as? String), try #require(app["client_secret"] as? String))
    }

    /// Signs `username` in through the consent page with a PKCE challenge; returns the code.
    static func authorize(
        _ client: any TestClientProtocol,
        app: (id: String, secret: String),
        as browser: HTTPFields,
        csrf: String,
        scope: String,
        challenge: String
    ) async throws -> String {
        let query = [
            "client_id": app.id, "redirect_uri": callback, "response_type": "code", "scope": scope, "state": "s1",
            "code_challenge": challenge, "code_challenge_method": "S256",
        ]
        let page = try await consentPage(client, query, as: browser)
        #expect(page.status == .ok)
        #expect(String(buffer: page.body).contains("Sign in to"))
        var fields = query
        fields["csrf"] = csrf
        fields["decision"] = "approve"
        let approved = try await client.execute(
            uri: "/oauth/authorize",
            method: .post,
            headers: browser.merging(form),
            body: WebPageTests.form(fields)
        ) { $0 }
        #expect(approved.status == .found)
        let location = try #require(approved.headers[.location].flatMap { URLComponents(string: $0) })
        #expect(location.host == "app.example")
        #expect(location.queryItems?.first { $0.name == "state" }?.value == "s1")
        return try #require(location.queryItems?.first { $0.name == "code" }?.value)
    }

    /// The consent page for an authorization request of `query`.
    static func consentPage(_ client: any TestClientProtocol, _ query: [String: String], as browser: HTTPFields) async throws -> TestResponse {
        try await client.execute(uri: "/oauth/authorize?" + String(buffer: WebPageTests.form(query)), method: .get, headers: browser) { $0 }
    }

    static func exchange(
        _ client: any TestClientProtocol,
        app: (id: String, secret: String),
        code: String,
        verifier: String
    ) async throws -> TestResponse {
        try await client.execute(
            uri: "/oauth/token",
            method: .post,
            headers: form,
            body: WebPageTests.form([
                "grant_type": "authorization_code", "code": code, "client_id": app.id, "client_secret": app.secret,
                "redirect_uri": callback, "code_verifier": verifier,
            ])
        ) { $0 }
    }

    /// Signs the browser's user in to `app` with `scope` through the consent page and PKCE;
    /// returns the access token.
    static func accessToken(
        _ client: any TestClientProtocol,
        app: (id: String, secret: String),
        as browser: HTTPFields,
        csrf: String,
        scope: String
    ) async throws -> String {
        let verifier = String(repeating: "v", count: 64)
        let code = try await authorize(client, app: app, as: browser, csrf: csrf, scope: scope, challenge: challenge(verifier))
        return try #require(try json(try await exchange(client, app: app, code: code, verifier: verifier))["access_token"] as? String)
    }

    static func challenge(_ verifier: String) -> String {
        Data(SHA256.hash(data: Data(verifier.utf8))).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    @Test("OAuth with PKCE: the consent page, a code that works once and only with its verifier, the metadata apps read")
    func authorizationCodeWithPKCE() async throws {
        try await withTestServer { client, _ in
            let metadata = try Self.json(try await client.execute(uri: "/.well-known/oauth-authorization-server", method: .get) { $0 })
            #expect(metadata["code_challenge_methods_supported"] as? [String] == ["S256"])
            #expect(metadata["grant_types_supported"] as? [String] == ["authorization_code", "client_credentials"])
            #expect((metadata["token_endpoint"] as? String)?.hasSuffix("/oauth/token") == true)

            let app = try await Self.registerApp(client, scopes: "read write:statuses")
            let browser = try await WebPageTests.browser(client, "pkce")
            let consent = try await Self.consentPage(
                client,
                ["client_id": app.id, "redirect_uri": Self.callback, "response_type": "code", "scope": "read"],
                as: browser
            )
            #expect(String(buffer: consent.body).contains("Sign in to Test app?"))
            let verifier = String(repeating: "v", count: 50)

            // Asking for more than the app registered comes back to the app as invalid_scope.
            let wider = try await Self.consentPage(
                client,
                ["client_id": app.id, "redirect_uri": Self.callback, "response_type": "code", "scope": "write"],
                as: browser
            )
            #expect(wider.status == .found)
            #expect(wider.headers[.location]?.contains("error=invalid_scope") == true)
            // A redirect the app did not register is never followed.
            let elsewhere = try await Self.consentPage(
                client,
                ["client_id": app.id, "redirect_uri": "https://evil.example/", "response_type": "code"],
                as: browser
            )
            #expect(elsewhere.status == .badRequest)
            #expect(elsewhere.headers[.location] == nil)

            @Sendable func freshCode() async throws -> String {
                try await Self.authorize(
                    client,
                    app: app,
                    as: browser,
                    csrf: "token-pkce",
                    scope: "read write:statuses",
                    challenge: Self.challenge(verifier)
                )
            }
            let code = try await freshCode()
            let wrong = try await Self.exchange(client, app: app, code: code, verifier: String(repeating: "w", count: 50))
            #expect(wrong.status == .badRequest)
            #expect(try Self.json(wrong)["error"] as? String == "invalid_grant")
            // The code was used up by the failed attempt.
            #expect(try await Self.exchange(client, app: app, code: code, verifier: verifier).status == .badRequest)

            let again = try await freshCode()
            let issued = try await Self.exchange(client, app: app, code: again, verifier: verifier)
            #expect(issued.status == .ok)
            let token = try Self.json(issued)
            #expect(token["scope"] as? String == "read write:statuses")
            #expect(token["token_type"] as? String == "Bearer")
            let bearer = try #require(token["access_token"] as? String)
            #expect(try await Self.exchange(client, app: app, code: again, verifier: verifier).status == .badRequest)

            let me = try await client.execute(uri: "/api/v1/accounts/verify_credentials", method: .get, headers: [.authorization: "Bearer \(bearer)"])
            { $0 }
            #expect(me.status == .ok)
            #expect(try Self.json(me)["username"] as? String == "pkce")

            // Without the form token, approving is refused.
            var forged = ["client_id": app.id, "redirect_uri": Self.callback, "response_type": "code", "scope": "read", "decision": "approve"]
            forged["csrf"] = "another"
            let refused = try await client.execute(
                uri: "/oauth/authorize",
                method: .post,
                headers: browser.merging(Self.form),
                body: WebPageTests.form(forged)
            ) { $0 }
            #expect(refused.status == .forbidden)
        }
    }

    @Test("a token's scopes are enforced (403), an unknown or revoked token is 401, bad parameters 422 or 400, all in Mastodon's shape")
    func scopesAndErrors() async throws {
        try await withTestServer { client, _ in
            let app = try await Self.registerApp(client, scopes: "read write")
            let browser = try await WebPageTests.browser(client, "scoped")
            let bearer = try await Self.accessToken(client, app: app, as: browser, csrf: "token-scoped", scope: "read")
            let auth: HTTPFields = [.authorization: "Bearer \(bearer)"]

            let me = try Self.json(try await client.execute(uri: "/api/v1/accounts/verify_credentials", method: .get, headers: auth) { $0 })
            let myID = try #require(me["id"] as? String)
            #expect((me["source"] as? [String: Any])?["privacy"] as? String == "public")

            // A read-only token cannot post or follow.
            let post = try await client.execute(
                uri: "/api/v1/statuses",
                method: .post,
                headers: auth.merging(Self.form),
                body: WebPageTests.form(["status": "hi"])
            ) { $0 }
            #expect(post.status == .forbidden)
            #expect(try Self.json(post) as NSDictionary == ["error": "This action is outside the authorized scopes"])
            let follow = try await client.execute(uri: "/api/v1/accounts/\(myID)/follow", method: .post, headers: auth) { $0 }
            #expect(follow.status == .forbidden)

            // Unknown tokens, anywhere, are 401.
            let unknown = try await client.execute(uri: "/api/v1/timelines/home", method: .get, headers: [.authorization: "Bearer nonsense"]) { $0 }
            #expect(unknown.status == .unauthorized)
            #expect(try Self.json(unknown)["error"] as? String == "The access token is invalid")
            #expect(
                try await client.execute(uri: "/api/v1/accounts/\(myID)", method: .get, headers: [.authorization: "Bearer nonsense"]) { $0 }.status
                    == .unauthorized
            )

            // Malformed parameters.
            let negative = try await client.execute(uri: "/api/v1/timelines/home?limit=-1", method: .get, headers: auth) { $0 }
            #expect(negative.status == .badRequest)
            #expect(try Self.json(negative)["error"] != nil)
            let badApp = try await client.execute(
                uri: "/api/v1/apps",
                method: .post,
                headers: Self.form,
                body: WebPageTests.form(["client_name": "x", "redirect_uris": "not a uri"])
            ) { $0 }
            #expect(badApp.status == .unprocessableContent)
            #expect(try Self.json(badApp)["error"] as? String == "Validation failed: Redirect URI must be an absolute URI.")
            let missing = try await client.execute(
                uri: "/api/v1/apps",
                method: .post,
                headers: Self.form,
                body: WebPageTests.form(["redirect_uris": Self.callback])
            ) { $0 }
            #expect(missing.status == .badRequest)
            #expect(try Self.json(missing)["error"] as? String == "Missing required parameter: client_name")
            #expect(try await client.execute(uri: "/api/v1/accounts/12345", method: .get) { $0 }.status == .notFound)
            // A form pair with no name (`=x`) is left out, not a crash.
            let nameless = try await client.execute(
                uri: "/api/v1/apps",
                method: .post,
                headers: Self.form,
                body: ByteBuffer(string: "=&=x&redirect_uris=oob")
            ) { $0 }
            #expect(nameless.status == .badRequest)
            #expect(try Self.json(nameless)["error"] as? String == "Missing required parameter: client_name")

            // An app's own token acts for nobody.
            let appToken = try Self.json(
                try await client.execute(
                    uri: "/oauth/token",
                    method: .post,
                    headers: Self.form,
                    body: WebPageTests.form(["grant_type": "client_credentials", "client_id": app.id, "client_secret": app.secret, "scope": "read"])
                ) { $0 }
            )
            let appBearer = try #require(appToken["access_token"] as? String)
            let appMe = try await client.execute(
                uri: "/api/v1/accounts/verify_credentials",
                method: .get,
                headers: [.authorization: "Bearer \(appBearer)"]
            ) { $0 }
            #expect(appMe.status == .unprocessableContent)
            #expect(
                try await client.execute(uri: "/api/v1/apps/verify_credentials", method: .get, headers: [.authorization: "Bearer \(appBearer)"]) {
                    $0
                }.status == .ok
            )
            let wrongSecret = try await client.execute(
                uri: "/oauth/token",
                method: .post,
                headers: Self.form,
                body: WebPageTests.form(["grant_type": "client_credentials", "client_id": app.id, "client_secret": "wrong"])
            ) { $0 }
            #expect(wrongSecret.status == .unauthorized)
            #expect(try Self.json(wrongSecret)["error"] as? String == "invalid_client")

            // Revoked, the token is 401 at once.
            let revoked = try await client.execute(
                uri: "/oauth/revoke",
                method: .post,
                headers: Self.form,
                body: WebPageTests.form(["client_id": app.id, "client_secret": app.secret, "token": bearer])
            ) { $0 }
            #expect(revoked.status == .ok)
            #expect(try await client.execute(uri: "/api/v1/accounts/verify_credentials", method: .get, headers: auth) { $0 }.status == .unauthorized)
        }
    }

    @Test("apps in a browser may call it from any origin (CORS), and a bad profile change or upload is 422 and changes nothing")
    func browserAppsAndBadInput() async throws {
        try await withTestServer { client, _ in
            let elk: HTTPFields = [.origin: "https://elk.zone"]
            let preflight = try await client.execute(
                uri: "/api/v1/statuses",
                method: .options,
                headers: elk + [.accessControlRequestMethod: "POST", .accessControlRequestHeaders: "authorization,content-type"]
            ) { $0 }
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "*")
            #expect(preflight.headers[.accessControlAllowHeaders] == "authorization,content-type")
            // Registering from another origin works, and the answer can be read there.
            let registered = try await client.execute(
                uri: "/api/v1/apps",
                method: .post,
                headers: elk + Self.form,
                body: WebPageTests.form(["client_name": "Elk", "redirect_uris": Self.callback, "scopes": "read write"])
            ) { $0 }
            #expect(registered.status == .ok)
            #expect(registered.headers[.accessControlAllowOrigin] == "*")
            // Scribe's own API keeps refusing other origins.
            let ownAPI = try await client.execute(
                uri: "/api/v1/sessions",
                method: .post,
                headers: elk + [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"identifier":"x","password":"y"}"#)
            ) { $0 }
            #expect(ownAPI.status == .forbidden)

            let app = try Self.json(registered)
            let pair = (try #require(app["client_id"] as? String), try #require(app["client_secret"] as? String))
            let browser = try await WebPageTests.browser(client, "profiled")
            // Scribe's own session token, sent as a bearer token, is an app of Scribe's own; the
            // session's cookie alone never is.
            let session = try #require(browser[.cookie]?.split(separator: ";").first?.split(separator: "=").last.map(String.init))
            let asSession = try await client.execute(
                uri: "/api/v1/accounts/verify_credentials",
                method: .get,
                headers: [.authorization: "Bearer \(session)"]
            ) { $0 }
            #expect(asSession.status == .ok)
            let byCookie = try await client.execute(uri: "/api/v1/accounts/verify_credentials", method: .get, headers: browser) { $0 }
            #expect(byCookie.status == .unauthorized)
            let bearer = try await Self.accessToken(client, app: pair, as: browser, csrf: "token-profiled", scope: "read write")
            let auth: HTTPFields = [.authorization: "Bearer \(bearer)"]

            // A display name over 50 characters with a valid bio: neither is kept.
            let tooLong = try await client.execute(
                uri: "/api/v1/accounts/update_credentials",
                method: .patch,
                headers: auth + Self.form,
                body: WebPageTests.form(["display_name": String(repeating: "n", count: 51), "note": "A new bio"])
            ) { $0 }
            #expect(tooLong.status == .unprocessableContent)
            #expect((try Self.json(tooLong)["error"] as? String)?.hasPrefix("Validation failed: ") == true)
            let me = try Self.json(try await client.execute(uri: "/api/v1/accounts/verify_credentials", method: .get, headers: auth) { $0 })
            #expect((me["source"] as? [String: Any])?["note"] as? String == "")

            // A file that is no image is refused by its bytes, whatever it claims to be.
            let boundary = "scribe-boundary"
            let body =
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cat.png\"\r\nContent-Type: image/png\r\n\r\nnot an image\r\n--\(boundary)--\r\n"
            let upload = try await client.execute(
                uri: "/api/v2/media",
                method: .post,
                headers: auth + [.contentType: "multipart/form-data; boundary=\(boundary)"],
                body: ByteBuffer(string: body)
            ) { $0 }
            #expect(upload.status == .unprocessableContent)
            #expect(try Self.json(upload)["error"] as? String == "File type of uploaded media could not be verified")
            // A part's header name that is not ASCII is refused; MultipartKit 4.7.1 would trap on it.
            let hostile = try await client.execute(
                uri: "/api/v1/accounts/update_credentials",
                method: .patch,
                headers: auth + [.contentType: "multipart/form-data; boundary=\(boundary)"],
                body: ByteBuffer(bytes: Array("--\(boundary)\r\n".utf8) + [0xF1, 0xBA, 0xAA, 0xB2] + Array("oR--\(boundary)--\r\n".utf8))
            ) { $0 }
            #expect(hostile.status == .badRequest)
            #expect(try await client.execute(uri: "/healthz", method: .get) { $0 }.status == .ok)
            // Someone else's or an unknown media id cannot be attached.
            let attached = try await client.execute(
                uri: "/api/v1/statuses",
                method: .post,
                headers: auth + Self.form,
                body: WebPageTests.form(["status": "Look", "media_ids[]": "123"])
            ) { $0 }
            #expect(attached.status == .notFound)
        }
    }

    @Test("search with resolve fetches another server's account and post; the post is then a status here, and a favourite of it reaches its server")
    func resolvesRemotePosts() async throws {
        try await withTwoTestInstances { a, b in
            @Sendable func call(
                _ instance: TestInstance,
                _ method: String,
                _ path: String,
                token: String?,
                json: String? = nil
            ) async throws
                -> LoopbackHTTP.Reply
            {
                try await LoopbackHTTP.send(
                    port: instance.port,
                    method: method,
                    path: path,
                    headers: (token.map { [("Authorization", "Bearer \($0)")] } ?? []) + [("Content-Type", "application/json")],
                    body: json.map { Data($0.utf8) },
                    host: instance.host
                )
            }
            let bob = try await b.signUp("bob")
            let posted = try await call(b, "POST", "/api/v1/posts", token: bob, json: #"{"content":"Hello from the other harbour."}"#)
            let post = try #require((try posted.json()["post"] as? [String: Any])?["id"] as? String)
            let alice = try await a.signUp("alice")
            let query = post.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? post

            // Anonymous, nothing is fetched; unresolved, a post A has not seen is not there.
            #expect(try await call(a, "GET", "/api/v2/search?resolve=true&q=\(query)", token: nil).status == 401)
            let unresolved = try await call(a, "GET", "/api/v2/search?q=\(query)", token: alice)
            #expect((try unresolved.json()["statuses"] as? [Any])?.isEmpty == true)

            let found = try await call(a, "GET", "/api/v2/search?resolve=true&type=statuses&q=\(query)", token: alice)
            let status = try #require((try found.json()["statuses"] as? [[String: Any]])?.first, "\(found.text)")
            #expect((status["content"] as? String)?.contains("Hello from the other harbour.") == true)
            #expect((status["account"] as? [String: Any])?["acct"] as? String == "bob@\(b.domain)")
            let id = try #require(status["id"] as? String)
            let handle = "@bob@\(b.domain)".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let account = try await call(a, "GET", "/api/v2/search?resolve=true&type=accounts&q=\(handle)", token: alice)
            #expect(((try account.json()["accounts"] as? [[String: Any]])?.first)?["acct"] as? String == "bob@\(b.domain)")

            let liked = try await call(a, "POST", "/api/v1/statuses/\(id)/favourite", token: alice)
            #expect(liked.status == 200)
            #expect(try liked.json()["favourited"] as? Bool == true)
            // B counts the like on its own status.
            let counted = try await eventually(timeout: .seconds(30)) {
                let mine = try await call(b, "GET", "/api/v2/search?type=statuses&q=\(query)", token: bob)
                let statuses = try mine.json()["statuses"] as? [[String: Any]]
                return statuses?.first?["favourites_count"] as? Int == 1
            }
            #expect(counted, "B never counted Alice's favourite")
        }
    }

    @Test(
        "Mastodon.py signs in through OAuth, follows, reads, favourites, boosts, replies, reads notifications, searches, pages and revokes",
        .enabled(if: ProcessInfo.processInfo.environment["SCRIBE_PYTHON"] != nil)
    )
    func mastodonPy() async throws {
        let python = try #require(ProcessInfo.processInfo.environment["SCRIBE_PYTHON"])
        let location = try await TestDatabases.shared.makeDatabase()
        defer { Task { try? await TestDatabases.shared.drop(location) } }
        let dataDirectory = NSTemporaryDirectory() + "scribe-mastodonpy-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let port = try freePort(host: "127.0.0.1")
        let server = try ScribeProcess(environment: [
            "DATABASE_URL": try #require(location.processURL), "SCRIBE_DATA_DIR": dataDirectory, "SCRIBE_BIND": "127.0.0.1:\(port)",
            "SCRIBE_PUBLIC_URL": "http://127.0.0.1:\(port)", "SCRIBE_LOG_LEVEL": "warning",
        ])
        try await server.waitUntilReady()
        let result = try await ChildProcess.run(
            python,
            [
                TestPaths.packageRoot + "/scripts/mastodon_client_check.py", "http://127.0.0.1:\(port)",
                TestPaths.packageRoot + "/Tests/Fixtures/cards/seraphina.png",
            ],
            environment: ProcessInfo.processInfo.environment,
            timeout: .seconds(600)
        )
        server.signal(SIGTERM)
        _ = try await server.waitForExit()
        let output = String(decoding: result.output, as: UTF8.self)
        #expect(result.status == 0 && output.contains("all steps passed"), "Mastodon.py's scenario failed:\n\(output.suffix(8000))")
        #expect(!server.standardError.contains("\"level\":\"error\""), "the server logged an error:\n\(server.standardError.suffix(4000))")
    }
}

extension MastodonAPITests {
    /// The error middleware, the `Origin` check and CORS tell Mastodon's routes by their path
    /// (``MastodonError/isClientAPI(_:)``): a route added without its path there would answer in
    /// Scribe's error shape, and one listed by mistake in Mastodon's.
    @Test("the paths treated as Mastodon's are exactly the OpenAPI document's Mastodon client API operations")
    func clientAPIPathsMatchTheDocument() throws {
        let paths = try #require(OpenAPIContractTests.document["paths"] as? [String: [String: Any]])
        var mismatches: [String] = []
        for (path, operations) in paths.sorted(by: { $0.key < $1.key }) {
            let concrete = path.replacingOccurrences(of: #"\{[^}]+\}"#, with: "123", options: .regularExpression)
            for (method, operation) in operations where ["get", "post", "put", "patch", "delete"].contains(method) {
                let mastodon = ((operation as? [String: Any])?["tags"] as? [String])?.first == "Mastodon client API"
                if MastodonError.isClientAPI(concrete) != mastodon { mismatches.append("\(method.uppercased()) \(path)") }
            }
        }
        #expect(paths.count > 100)
        #expect(mismatches.isEmpty, "treated otherwise than the document tags them: \(mismatches)")
    }
}
