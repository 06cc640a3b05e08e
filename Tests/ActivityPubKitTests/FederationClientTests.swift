import ActivityPubKit
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import Testing

/// The guarded client against a real peer: a Hummingbird server on a loopback port that plays
/// well-behaved and hostile remote servers.
@Suite("The federation client fetches only what it should")
struct FederationClientTests {
    static let key = try! SignaturePrivateKey.generateRSA()
    static let identity = SigningIdentity(keyID: "https://scribe.example/actor#main-key", signer: key)

    /// What the peer saw of the last signed request: whether it verified with our key, and Accept.
    actor Seen {
        var verified: [String] = []
        var accept: String?
        func record(_ path: String, verified ok: Bool, accept: String?) {
            if ok { verified.append(path) }
            self.accept = accept
        }
    }

    /// Runs `body` with a client, and shuts the client down after it.
    static func withClient(
        _ policy: PeerAddressPolicy = .allowingPrivatePeers,
        deadline: Duration = .seconds(30),
        _ body: (FederationClient) async throws -> Void
    ) async throws {
        var configuration = FederationClient.Configuration(policy: policy, userAgent: "ScribeTests/1.0")
        configuration.readTimeout = .seconds(10)
        configuration.deadline = deadline
        let client = FederationClient(configuration: configuration)
        do {
            try await body(client)
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    static func activityJSON(_ object: ASObject) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/activity+json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: try! object.encoded()))
        )
    }

    /// Runs `body` with a hostile-and-honest peer listening on loopback; passes its base URL.
    static func withPeer(_ body: @escaping @Sendable (String, Seen) async throws -> Void) async throws {
        let seen = Seen()
        let router = Router()
        let base = LockedBase()
        router.get("/users/bob") { request, _ -> Response in
            var signed = SignedRequest(
                method: "GET",
                path: request.uri.description,
                authority: request.head.authority ?? "",
                scheme: "http",
                headers: request.headers.map { ($0.name.canonicalName, $0.value) }
            )
            signed.body = nil
            let verifier = HTTPSignatureVerifier()
            let ok = (try? verifier.verify(try verifier.candidate(for: signed), of: signed, with: key.publicKey)) != nil
            await seen.record("/users/bob", verified: ok, accept: request.headers[.accept])
            let id = base.value + "/users/bob"
            return activityJSON([
                "id": .string(id), "type": "Person", "inbox": .string(id + "/inbox"),
                "publicKey": ASObject.publicKey(actor: id, pem: key.publicKey.pem).embedded,
            ])
        }
        router.get("/users/gts/main-key") { _, _ -> Response in
            let actor = base.value + "/users/gts"
            return activityJSON([
                "id": .string(actor), "type": "Person", "preferredUsername": "gts",
                "publicKey": ["id": .string(actor + "/main-key"), "owner": .string(actor), "publicKeyPem": .string(key.publicKey.pem)],
            ])
        }
        router.get("/impostor") { _, _ in activityJSON(["id": "https://victim.example/users/eve", "type": "Person"]) }
        router.get("/html") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html"], body: .init(byteBuffer: ByteBuffer(string: "<p>hi</p>")))
        }
        router.get("/notjson") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/activity+json"], body: .init(byteBuffer: ByteBuffer(string: "[1,2")))
        }
        router.get("/gone") { _, _ in Response(status: .gone) }
        router.get("/hop/{n}") { _, context -> Response in
            let n = Int(context.parameters.get("n") ?? "0") ?? 0
            return Response(status: .found, headers: [.location: n == 0 ? "/users/bob" : "/hop/\(n - 1)"])
        }
        router.get("/loop") { _, _ in Response(status: .movedPermanently, headers: [.location: "/loop"]) }
        router.get("/to-file") { _, _ in Response(status: .found, headers: [.location: "file:///etc/passwd"]) }
        router.get("/huge") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/activity+json"],
                body: .init(byteBuffer: ByteBuffer(repeating: UInt8(ascii: "a"), count: 10 << 20))
            )
        }
        router.get("/huge-chunked") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/activity+json"],
                body: ResponseBody { writer in
                    let chunk = ByteBuffer(repeating: UInt8(ascii: " "), count: 64 << 10)
                    for _ in 0..<160 { try await writer.write(chunk) }
                    try await writer.finish(nil)
                }
            )
        }
        router.get("/hang") { _, _ -> Response in
            try await Task.sleep(for: .seconds(3))
            return Response(status: .ok)
        }
        router.get("/.well-known/webfinger") { request, _ -> Response in
            let resource = request.uri.queryParameters.get("resource") ?? ""
            let document = WebFingerDocument.account(
                username: "bob",
                domain: "peer",
                actorID: base.value + "/users/bob",
                profileURL: base.value + "/@bob",
                interactionTemplate: base.value + "/authorize?uri={uri}"
            )
            return Response(
                status: resource.hasPrefix("acct:bob@") ? .ok : .notFound,
                headers: [.contentType: WebFingerDocument.mediaType],
                body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(document)))
            )
        }
        router.post("/inbox") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let signed = SignedRequest(
                method: "POST",
                path: request.uri.description,
                authority: request.head.authority ?? "",
                scheme: "http",
                headers: request.headers.map { ($0.name.canonicalName, $0.value) },
                body: Data(buffer: body)
            )
            let verifier = HTTPSignatureVerifier()
            let ok = (try? verifier.verify(try verifier.candidate(for: signed), of: signed, with: key.publicKey)) != nil
            return Response(status: ok ? .accepted : .unauthorized)
        }
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await application.test(.live) { client in
            base.value = "http://127.0.0.1:\(client.port!)"
            try await body(base.value, seen)
        }
    }

    /// The peer's own base URL, known only once it listens.
    final class LockedBase: @unchecked Sendable {
        private let lock = NSLock()
        private var stored = ""
        var value: String {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue } }
        }
    }

    /// The code of the ``FetchError`` `work` throws; nil if it succeeds.
    static func code(_ work: () async throws -> Void) async -> FetchError.Code? {
        do {
            try await work()
            return nil
        } catch let error as FetchError {
            return error.code
        } catch {
            Issue.record("not a FetchError: \(error)")
            return nil
        }
    }

    @Test("a signed GET fetches the actor; the peer verifies our signature and sees the ActivityPub Accept")
    func signedFetch() async throws {
        try await Self.withPeer { base, seen in
            try await Self.withClient { client in
                let actor = try await client.fetchDocument(URL(string: base + "/users/bob")!, signedBy: Self.identity)
                #expect(actor.id == base + "/users/bob" && actor.isActor)
                #expect(await seen.verified == ["/users/bob"])
                #expect(await seen.accept?.hasPrefix("application/activity+json") == true)
            }
        }
    }

    @Test("keys are fetched from Mastodon-style (#main-key) and GoToSocial-style (/main-key) ids")
    func keys() async throws {
        try await Self.withPeer { base, _ in
            try await Self.withClient { client in
                let mastodon = try await client.fetchKey(base + "/users/bob#main-key", signedBy: Self.identity)
                #expect(mastodon.owner == base + "/users/bob" && mastodon.pem == Self.key.publicKey.pem)
                let gts = try await client.fetchKey(base + "/users/gts/main-key")
                #expect(gts.owner == base + "/users/gts")
                #expect(await Self.code { _ = try await client.fetchKey(base + "/users/bob#other-key") } == .idMismatch)
            }
        }
    }

    @Test("a document that names another id, is not ActivityPub, is not JSON or is gone is refused with its reason")
    func wrongDocuments() async throws {
        try await Self.withPeer { base, _ in
            try await Self.withClient { client in
                func fetch(_ path: String) async -> FetchError.Code? {
                    await Self.code { _ = try await client.fetchDocument(URL(string: base + path)!) }
                }
                #expect(await fetch("/impostor") == .idMismatch)
                #expect(await fetch("/html") == .unexpectedContentType)
                #expect(await fetch("/notjson") == .malformedDocument)
                #expect(await fetch("/gone") == .unexpectedStatus)
            }
        }
    }

    @Test("three redirects are followed and re-signed; a fourth, a loop or a redirect to file: is refused")
    func redirects() async throws {
        try await Self.withPeer { base, seen in
            try await Self.withClient { client in
                let actor = try await client.fetchDocument(URL(string: base + "/hop/2")!, signedBy: Self.identity)
                #expect(actor.id == base + "/users/bob")
                #expect(await seen.verified == ["/users/bob"])
                #expect(await Self.code { _ = try await client.fetchDocument(URL(string: base + "/hop/3")!) } == .tooManyRedirects)
                #expect(await Self.code { _ = try await client.fetchDocument(URL(string: base + "/loop")!) } == .tooManyRedirects)
                #expect(await Self.code { _ = try await client.fetchDocument(URL(string: base + "/to-file")!) } == .unsupportedURL)
            }
        }
    }

    @Test("10 MB, announced or streamed, stops at the 1 MB cap; a peer that hangs times out")
    func hostilePeers() async throws {
        try await Self.withPeer { base, _ in
            try await Self.withClient { client in
                #expect(await Self.code { _ = try await client.fetchDocument(URL(string: base + "/huge")!) } == .tooLarge)
                #expect(await Self.code { _ = try await client.fetchDocument(URL(string: base + "/huge-chunked")!) } == .tooLarge)
            }
            try await Self.withClient(deadline: .milliseconds(500)) { client in
                let started = ContinuousClock.now
                #expect(await Self.code { _ = try await client.fetchDocument(URL(string: base + "/hang")!) } == .timedOut)
                #expect(ContinuousClock.now - started < .seconds(3), "the deadline did not cut the wait short")
            }
        }
    }

    @Test("by default only https to public addresses: loopback, private, link-local and mapped addresses are refused before connecting")
    func addressPolicy() async throws {
        let policy = PeerAddressPolicy.publicOnly
        for refused in [
            "https://127.0.0.1/users/a", "https://localhost/users/a", "https://[::1]/x", "https://169.254.169.254/latest/meta-data",
            "https://10.1.2.3/x", "https://172.20.0.1/x", "https://192.168.1.1/x", "https://100.64.0.1/x", "https://0.0.0.0/x",
            "https://[::ffff:127.0.0.1]/x", "https://[fd00::1]/x", "https://[fe80::1]/x", "https://[64:ff9b::a00:1]/x", "https://224.0.0.1/x",
        ] {
            #expect(await Self.code { try await policy.check(URL(string: refused)!) } == .forbiddenAddress, "\(refused)")
        }
        #expect(await Self.code { try await policy.check(URL(string: "http://8.8.8.8/x")!) } == .unsupportedURL)
        #expect(await Self.code { try await policy.check(URL(string: "ftp://8.8.8.8/x")!) } == .unsupportedURL)
        #expect(await Self.code { try await policy.check(URL(string: "https://user:pw@8.8.8.8/x")!) } == .unsupportedURL)
        #expect(await Self.code { try await policy.check(URL(string: "https://no-such-host.invalid/x")!) } == .unresolvableHost)
        for allowed in ["https://8.8.8.8/x", "https://93.184.216.34/x", "https://[2606:4700:4700::1111]/x"] {
            #expect(await Self.code { try await policy.check(URL(string: allowed)!) } == nil, "\(allowed)")
        }
        // And the client applies it: a real peer on loopback is not fetched.
        try await Self.withPeer { base, seen in
            try await Self.withClient(.publicOnly) { client in
                let https = base.replacingOccurrences(of: "http://", with: "https://")
                #expect(await Self.code { _ = try await client.fetchDocument(URL(string: https + "/users/bob")!) } == .forbiddenAddress)
                let verified = await seen.verified
                let accept = await seen.accept
                #expect(verified.isEmpty && accept == nil)
            }
        }
    }

    @Test("a delivery is a signed POST with a digest the receiving inbox verifies")
    func delivery() async throws {
        try await Self.withPeer { base, _ in
            try await Self.withClient { client in
                let activity = try ASObject.activity(
                    "Follow",
                    id: base + "/f/1",
                    actor: "https://scribe.example/actor",
                    object: .string(base + "/users/bob")
                ).encoded()
                let status = try await client.post(activity, to: URL(string: base + "/inbox")!, signedBy: Self.identity)
                #expect(status == 202)
            }
        }
    }

    @Test("WebFinger finds the actor id of acct:user@host")
    func webFinger() async throws {
        try await Self.withPeer { base, _ in
            try await Self.withClient { client in
                let host = String(base.dropFirst("http://".count))
                let found = try await client.webFinger(username: "bob", domain: host)
                #expect(found.actorID == base + "/users/bob")
                #expect(await Self.code { _ = try await client.webFinger(username: "nobody", domain: host) } == .unexpectedStatus)
            }
        }
    }

    /// Found by schemathesis: `DELETE /api/v1/blocks?handle=…` with this domain trapped inside
    /// URLComponents' host setter and took the whole server down.
    @Test(
        "a handle's domain that is no host name is refused before any URL is built",
        arguments: [
            "\u{38FE2}M\u{DE}\u{C2}\u{9F}", "\u{B4}\u{1D}\u{0E}", "exa mple.org", "example.org:0", "example.org:99999", "example.org:80:80",
            "-bad.example", "a..b", "", ":443", "[::1]", "host/path", "user@host", "bücher.example", String(repeating: "a", count: 64) + ".example",
            "xn--zA", "xn--zA.example:443",
        ]
    )
    func webFingerRefusesNonHosts(domain: String) async throws {
        try await Self.withClient { client in
            #expect(await Self.code { _ = try await client.webFinger(username: "bob", domain: domain) } == .unsupportedURL)
        }
    }

    @Test("host names, IPv4 addresses and ports are accepted as WebFinger domains")
    func hostNames() {
        for domain in ["mastodon.social", "xn--bcher-kva.example", "127.0.0.1:8080", "localhost", "a-b.c9.example:443"] {
            #expect(FederationClient.isHostName(domain), "\(domain)")
        }
    }
}
