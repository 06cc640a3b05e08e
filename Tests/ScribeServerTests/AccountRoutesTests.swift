import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PostgresNIO
import ScribeCore
import ScribeStorage
import ScribeTestSupport
import Testing

@Suite("Account and session routes over real HTTP")
struct AccountRoutesTests {
    static let password = "correct horse battery"
    static let json: HTTPFields = [.contentType: "application/json"]

    static func body(_ object: [String: Any]) -> ByteBuffer {
        ByteBuffer(bytes: (try? JSONSerialization.data(withJSONObject: object)) ?? Data())
    }

    static func decode(_ response: TestResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any] ?? [:]
    }

    static func error(_ response: TestResponse) throws -> [String: String] {
        try decode(response)["error"] as? [String: String] ?? [:]
    }

    /// Registers `username` and returns the response.
    static func register(_ client: some TestClientProtocol, _ username: String) async throws -> TestResponse {
        try await client.execute(
            uri: "/api/v1/accounts",
            method: .post,
            headers: json,
            body: body(["username": username, "email": "\(username)@example.org", "password": password])
        ) { $0 }
    }

    static func token(_ response: TestResponse) throws -> String {
        try #require((try decode(response)["session"] as? [String: Any])?["token"] as? String)
    }

    @Test("registration answers 201 with the account, a one-time recovery phrase and an HttpOnly, SameSite=Lax session cookie")
    func registration() async throws {
        try await withTestServer { client, _ in
            let response = try await Self.register(client, "alice")
            #expect(response.status == .created)
            #expect(response.headers[.cacheControl] == "no-store")
            let body = try Self.decode(response)
            #expect((body["account"] as? [String: Any])?["role"] as? String == "Administrator")
            #expect((body["recovery_phrase"] as? String)?.count == 39)
            let cookie = try #require(response.headers[.setCookie])
            let token = try Self.token(response)
            #expect(cookie.hasPrefix("scribe_session=\(token);"))
            for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] { #expect(cookie.contains(attribute)) }
            #expect(!cookie.contains("Secure"))
        }
    }

    @Test("the cookie is Secure when the public URL is https")
    func secureCookie() async throws {
        try await withTestServer(flags: ["SCRIBE_PUBLIC_URL": "https://scribe.example"]) { client, _ in
            let response = try await Self.register(client, "alice")
            #expect(response.headers[.setCookie]?.contains("Secure") == true)
        }
    }

    @Test("the session works as a bearer token and as a cookie; without one the account route answers 401")
    func authentication() async throws {
        try await withTestServer { client, _ in
            let token = try Self.token(try await Self.register(client, "alice"))
            for headers: HTTPFields in [[.authorization: "Bearer \(token)"], [.cookie: "scribe_session=\(token)"]] {
                let response = try await client.execute(uri: "/api/v1/accounts/me", method: .get, headers: headers) { $0 }
                #expect(response.status == .ok)
                #expect((try Self.decode(response)["account"] as? [String: Any])?["username"] as? String == "alice")
            }
            for headers: HTTPFields in [[:], [.authorization: "Bearer nonsense"], [.cookie: "scribe_session=\(String(repeating: "A", count: 43))"]] {
                let response = try await client.execute(uri: "/api/v1/accounts/me", method: .get, headers: headers) { $0 }
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
                #expect(try Self.error(response)["code"] == "unauthenticated")
            }
        }
    }

    @Test("a state change made with the cookie must come from our own origin; a bearer request needs no origin")
    func crossSiteProtection() async throws {
        try await withTestServer { client, _ in
            let token = try Self.token(try await Self.register(client, "alice"))
            let cookie: HTTPFields = [.cookie: "scribe_session=\(token)"]
            for extra: HTTPFields in [[.origin: "https://evil.example"], [:], [.referer: "https://evil.example/page"]] {
                let response = try await client.execute(uri: "/api/v1/sessions/current", method: .delete, headers: cookie + extra) { $0 }
                #expect(response.status == .forbidden)
                #expect(try Self.error(response)["code"] == "cross_site_request")
            }
            let foreignBearer = try await client.execute(
                uri: "/api/v1/sessions/current",
                method: .delete,
                headers: [.authorization: "Bearer \(token)", .origin: "https://evil.example"]
            ) { $0 }
            #expect(foreignBearer.status == .forbidden)
            let sameSite = try await client.execute(
                uri: "/api/v1/sessions/current",
                method: .delete,
                headers: cookie + [.origin: "http://localhost:8080"]
            ) { $0 }
            #expect(sameSite.status == .noContent)
            #expect(sameSite.headers[.setCookie]?.contains("Max-Age=0") == true)
            let after = try await client.execute(uri: "/api/v1/accounts/me", method: .get, headers: cookie) { $0 }
            #expect(after.status == .unauthorized)
        }
    }

    @Test("login answers 201 and sets the cookie; a wrong password answers 401 without saying which part was wrong")
    func login() async throws {
        try await withTestServer { client, _ in
            _ = try await Self.register(client, "alice")
            let good = try await client.execute(
                uri: "/api/v1/sessions",
                method: .post,
                headers: Self.json,
                body: Self.body(["identifier": "@Alice", "password": Self.password])
            ) { $0 }
            #expect(good.status == .created)
            #expect(good.headers[.setCookie]?.hasPrefix("scribe_session=") == true)
            for identifier in ["alice", "nobody"] {
                let bad = try await client.execute(
                    uri: "/api/v1/sessions",
                    method: .post,
                    headers: Self.json,
                    body: Self.body(["identifier": identifier, "password": "wrong password!"])
                ) { $0 }
                #expect(bad.status == .unauthorized)
                #expect(try Self.error(bad) == ["code": "invalid_credentials", "message": "The username, email or password is wrong."])
            }
        }
    }

    @Test("too many failed logins answer 429 with Retry-After")
    func rateLimit() async throws {
        var settings = CoreSettings.testing
        settings.loginFailuresPerAccount = 2
        try await withTestServer(settings: settings) { client, _ in
            _ = try await Self.register(client, "alice")
            var last: TestResponse?
            for _ in 0..<3 {
                last = try await client.execute(
                    uri: "/api/v1/sessions",
                    method: .post,
                    headers: Self.json,
                    body: Self.body(["identifier": "alice", "password": "wrong password!"])
                ) { $0 }
            }
            let response = try #require(last)
            #expect(response.status == .tooManyRequests)
            #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(try Self.error(response)["code"] == "rate_limited")
        }
    }

    @Test(
        "bad bodies get a 4xx naming the problem and create nothing",
        arguments: [
            ("{nope", 400, "invalid_json", nil),
            ("{\"username\": \"bob\"}", 422, "invalid_input", "email"),
            ("{\"username\": \"bob\", \"email\": 7, \"password\": \"long enough pass\"}", 422, "invalid_input", "email"),
            ("{\"username\": \"-bob\", \"email\": \"bob@example.org\", \"password\": \"long enough pass\"}", 422, "invalid_input", "username"),
            ("{\"username\": \"bob\", \"email\": \"not-an-email\", \"password\": \"long enough pass\"}", 422, "invalid_input", "email"),
            ("{\"username\": \"bob\", \"email\": \"bob@example.org\", \"password\": \"short\"}", 422, "invalid_input", "password"),
            ("[]", 400, "invalid_json", nil),
        ] as [(String, Int, String, String?)]
    )
    func badBodies(body: String, status: Int, code: String, field: String?) async throws {
        try await withTestServer { client, database in
            let response = try await client.execute(uri: "/api/v1/accounts", method: .post, headers: Self.json, body: ByteBuffer(string: body)) { $0 }
            #expect(Int(response.status.code) == status)
            let error = try Self.error(response)
            #expect(error["code"] == code)
            #expect(error["field"] == field)
            let users = try await database.owner.query("SELECT count(*)::int FROM core.users", logger: TestLogger.make("bad")).decode(Int.self)
                .reduce(0, +)
            #expect(users == 0)
        }
    }

    @Test("a body over 1 MiB answers 413")
    func oversized() async throws {
        try await withTestServer { client, _ in
            let huge = ByteBuffer(repeating: UInt8(ascii: "a"), count: 1_048_577)
            let response = try await client.execute(uri: "/api/v1/accounts", method: .post, headers: Self.json, body: huge) { $0 }
            #expect(response.status == .contentTooLarge)
            #expect(try Self.error(response)["code"] == "payload_too_large")
        }
    }

    @Test("a taken username answers 409 naming the field")
    func conflict() async throws {
        try await withTestServer { client, _ in
            _ = try await Self.register(client, "alice")
            let response = try await client.execute(
                uri: "/api/v1/accounts",
                method: .post,
                headers: Self.json,
                body: Self.body(["username": "ALICE", "email": "other@example.org", "password": Self.password])
            ) { $0 }
            #expect(response.status == .conflict)
            #expect(try Self.error(response)["field"] == "username")
        }
    }

    @Test("password change, recovery and deletion work through the API")
    func passwordLifecycle() async throws {
        try await withTestServer { client, _ in
            let registered = try await Self.register(client, "alice")
            let token = try Self.token(registered)
            let phrase = try #require(try Self.decode(registered)["recovery_phrase"] as? String)
            let bearer: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            let changed = try await client.execute(
                uri: "/api/v1/accounts/me/password",
                method: .put,
                headers: bearer,
                body: Self.body(["current_password": Self.password, "new_password": "second password!"])
            ) { $0 }
            #expect(changed.status == .noContent)
            let recovered = try await client.execute(
                uri: "/api/v1/accounts/recovery",
                method: .post,
                headers: Self.json,
                body: Self.body(["identifier": "alice", "recovery_phrase": phrase, "new_password": "third password!!"])
            ) { $0 }
            #expect(recovered.status == .created)
            let oldSession = try await client.execute(uri: "/api/v1/accounts/me", method: .get, headers: bearer) { $0 }
            #expect(oldSession.status == .unauthorized)
            let newBearer: HTTPFields = [.authorization: "Bearer \(try Self.token(recovered))", .contentType: "application/json"]
            let deleted = try await client.execute(
                uri: "/api/v1/accounts/me",
                method: .delete,
                headers: newBearer,
                body: Self.body(["password": "third password!!"])
            ) { $0 }
            #expect(deleted.status == .noContent)
            let login = try await client.execute(
                uri: "/api/v1/sessions",
                method: .post,
                headers: Self.json,
                body: Self.body(["identifier": "alice", "password": "third password!!"])
            ) { $0 }
            #expect(login.status == .unauthorized)
        }
    }
}
