import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ScribeContracts
import ScribeCoreClient
import ScribeTestSupport
import Synchronization
import Testing

/// The client end of Core's internal API against a stand-in Core whose answers the test
/// chooses: tokens, retries of idempotent calls only, deadlines, and errors as the contract's.
@Suite("HTTPCoreClient")
struct HTTPCoreClientTests {
    static let secret = ServiceSecret("http-core-client-test-secret-0123456789")!
    static let client = HTTPClient(eventLoopGroupProvider: .singleton)

    final class Calls: Sendable {
        let log = Mutex<[(path: String, token: String?, session: String?)]>([])
        var count: Int { log.withLock { $0.count } }
        func record(_ request: Request) {
            let entry = (request.uri.path, request.headers[.authorization], request.headers[.init("Scribe-Session")!])
            log.withLock { $0.append(entry) }
        }
    }

    /// What the stand-in Core answers to its n-th call (counted from 1).
    struct Answers: Sendable {
        let respond: @Sendable (Int) async throws -> Response

        init(_ respond: @escaping @Sendable (Int) async throws -> Response) { self.respond = respond }

        static func always(_ status: HTTPResponse.Status, _ text: String) -> Answers { Answers { _ in json(status, text) } }
    }

    /// A stand-in Core at a free port answering each call as `answers` says.
    static func withStandIn(
        _ answers: Answers,
        _ body: @escaping @Sendable (HTTPCoreClient, Calls) async throws -> Void
    ) async throws {
        let calls = Calls()
        let router = Router()
        router.post("internal/core/:operation") { request, _ -> Response in
            calls.record(request)
            return try await answers.respond(calls.count)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { test in
            var client = HTTPCoreClient(
                baseURL: URL(string: "http://127.0.0.1:\(test.port!)")!,
                service: .marketplace,
                secret: secret,
                client: client,
                logger: Logger(label: "test")
            )
            // Generous, so a loaded machine does not turn a slow answer into a retry.
            client.timeout = .seconds(10)
            try await body(client, calls)
        }
    }

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    @Test("every call carries a valid token for its service; a user's session travels beside it, never in the body")
    func tokensAndSessions() async throws {
        let bob = Answers.always(.ok, #"{"id":"9F1D1F0E-3A3B-4F4B-9C1D-2E2F3A3B4C4D","username":"bob","role":"Moderator"}"#)
        try await Self.withStandIn(bob) { client, calls in
            let user = try await client.user(sessionToken: "the-users-token")
            #expect(user.username == "bob" && user.role == .moderator)
            let call = try #require(calls.log.withLock { $0.first })
            #expect(call.path == "/internal/core/user" && call.session == "the-users-token")
            let token = try #require(call.token?.dropFirst("Bearer ".count))
            #expect(try ServiceToken.verify(String(token), secret: Self.secret).service == .marketplace)
        }
    }

    @Test("idempotent calls are tried again after 503 and succeed; a fork is tried once")
    func retriesOnlyIdempotentCalls() async throws {
        try await Self.withStandIn(
            Answers { n in
                n < 3 ? Self.json(.serviceUnavailable, #"{"error":{"code":"unavailable","message":"busy"}}"#) : Self.json(.ok, "{}")
            }
        ) { client, calls in
            try await client.setHidden(of: .character, id: UUID(), true)
            #expect(calls.count == 3)
        }
        try await Self.withStandIn(.always(.serviceUnavailable, #"{"error":{"code":"unavailable","message":"busy"}}"#)) { client, calls in
            await #expect(throws: CoreAPIError(.unavailable, "busy")) {
                _ = try await client.fork(
                    of: .character,
                    id: UUID(),
                    sessionToken: "t",
                    sourceURI: "https://x.example/characters/1",
                    entitled: false,
                    followsOwner: false
                )
            }
            #expect(calls.count == 1)
        }
    }

    @Test("Core's refusals come back as the contract's errors, without retries; a refused service token reads as unavailable")
    func errorsKeepTheirCodes() async throws {
        try await Self.withStandIn(.always(.notFound, #"{"error":{"code":"not_found","message":"No such item."}}"#)) { client, calls in
            await #expect(throws: CoreAPIError(.notFound, "No such item.")) {
                _ = try await client.sharedView(of: .character, id: UUID(), for: .anonymous)
            }
            #expect(calls.count == 1)
        }
        try await Self.withStandIn(.always(.unauthorized, #"{"error":{"code":"service_token_invalid","message":"bad"}}"#)) { client, _ in
            await #expect(throws: CoreAPIError.self) { _ = try await client.statistics() }
            do { _ = try await client.statistics() } catch { #expect((error as? CoreAPIError)?.code == .unavailable) }
        }
    }

    @Test("a Core that does not answer within the deadline, or at all, is unavailable")
    func deadlines() async throws {
        try await Self.withStandIn(
            Answers { _ in
                try await Task.sleep(for: .seconds(3))
                return Self.json(.ok, "{}")
            }
        ) { client, calls in
            var quick = client
            quick.timeout = .seconds(1)
            quick.attempts = 2
            do {
                _ = try await quick.profile(username: "alice")
                Issue.record("a hanging Core answered")
            } catch {
                #expect((error as? CoreAPIError)?.code == .unavailable)
            }
            #expect(calls.count == 2)
        }
        var nowhere = HTTPCoreClient(
            baseURL: URL(string: "http://127.0.0.1:\(try freePort(host: "127.0.0.1"))")!,
            service: .social,
            secret: Self.secret,
            client: Self.client,
            logger: Logger(label: "test")
        )
        nowhere.attempts = 1
        do {
            _ = try await nowhere.statistics()
            Issue.record("an absent Core answered")
        } catch {
            #expect((error as? CoreAPIError)?.code == .unavailable)
        }
    }
}

@Suite("Service tokens")
struct ServiceTokenTests {
    let secret = ServiceSecret("service-token-test-secret-0123456789abcdef")!

    @Test("a token verifies for its service until it expires; a changed byte, another secret or a far expiry is refused")
    func verification() throws {
        let now = Date()
        let token = ServiceToken.mint(for: .social, secret: secret, lifetime: 60, now: now)
        #expect(try ServiceToken.verify(token, secret: secret, now: now).service == .social)
        #expect(throws: ServiceToken.Rejection.expired) { try ServiceToken.verify(token, secret: secret, now: now + 61) }
        #expect(throws: ServiceToken.Rejection.badSignature) {
            try ServiceToken.verify(token, secret: ServiceSecret("another-secret-entirely-0123456789abcdef")!, now: now)
        }
        let forgedScope = token.replacingOccurrences(of: "v1.social.", with: "v1.marketplace.")
        #expect(throws: ServiceToken.Rejection.badSignature) { try ServiceToken.verify(forgedScope, secret: secret, now: now) }
        #expect(throws: ServiceToken.Rejection.malformed) { try ServiceToken.verify("v1.social.abc", secret: secret, now: now) }
        #expect(throws: ServiceToken.Rejection.malformed) { try ServiceToken.verify("v1.root.123.AAAA", secret: secret, now: now) }
        // Minting caps the lifetime; a token claiming a far expiry was not minted by us.
        let capped = ServiceToken.mint(for: .social, secret: secret, lifetime: 86_400, now: now)
        #expect(try ServiceToken.verify(capped, secret: secret, now: now).expires <= now + ServiceToken.maximumLifetime + 1)
        #expect(ServiceSecret("short") == nil)
    }
}
