import ActivityPubKit
import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A remote server under the test's control: it serves actors (one RSA key for all of them) and
/// WebFinger on its own loopback address, keeps whatever is posted to its inboxes, and signs
/// activities it sends as any of its actors. Anything under `/hanging/` it never answers, as a
/// server that accepted the connection and then went quiet.
public final class TestPeer: Sendable {
    public let origin: String
    public let key: SignaturePrivateKey
    /// Whether its actors name a shared inbox (servers with many followers get one copy).
    let sharedInbox: Bool
    /// Whether its actors hide their followers collection (bovine's do): then nobody can read a
    /// note addressed to it as followers-only.
    let hidesFollowers: Bool
    private let received: Received

    actor Received {
        var deliveries: [(inbox: String, activity: ASObject)] = []
        var requests: [SignedRequest] = []
        var profiles: [String: ASObject] = [:]
        var pages: [String: String] = [:]
        var objects: [String: ASObject] = [:]
        func setObject(_ object: ASObject, named name: String) { objects[name] = object }
        func append(_ activity: ASObject, at inbox: String, request: SignedRequest) {
            deliveries.append((inbox, activity))
            requests.append(request)
        }
        func setProfile(_ properties: ASObject, of name: String) { profiles[name] = properties }
        func setPage(_ html: String, named name: String) { pages[name] = html }
    }

    init(origin: String, key: SignaturePrivateKey, sharedInbox: Bool, hidesFollowers: Bool = false) {
        self.origin = origin
        self.key = key
        self.sharedInbox = sharedInbox
        self.hidesFollowers = hidesFollowers
        self.received = Received()
    }

    public func actorID(_ name: String) -> String { "\(origin)/users/\(name)" }

    /// What has been posted to this peer's inboxes, in order.
    public var inbox: [ASObject] {
        get async { await received.deliveries.map(\.activity) }
    }

    /// Every delivery, with the inbox path it was posted to.
    public var deliveries: [(inbox: String, activity: ASObject)] {
        get async { await received.deliveries }
    }

    /// Every delivery as it arrived, headers and body, for checking its signature.
    public var deliveryRequests: [SignedRequest] {
        get async { await received.requests }
    }

    /// Adds `properties` to the actor document of `name` from now on (a profile's fields, its
    /// `alsoKnownAs`, a header image), replacing what an earlier call added.
    public func setProfile(of name: String, _ properties: ASObject) async {
        await received.setProfile(properties, of: name)
    }

    /// Serves `html` as a web page at ``pageURL(_:)`` from now on (a personal site that may link
    /// back to a profile with `rel="me"`).
    public func setPage(_ name: String, html: String) async {
        await received.setPage(html, named: name)
    }

    public func pageURL(_ name: String) -> String { "\(origin)/pages/\(name)" }

    func page(_ name: String) async -> String? { await received.pages[name] }

    /// Serves `object` (a note of one of its actors) at ``objectID(_:)`` from now on.
    public func setObject(_ name: String, _ object: ASObject) async {
        await received.setObject(object, named: name)
    }

    public func objectID(_ name: String) -> String { "\(origin)/objects/\(name)" }

    func object(_ name: String) async -> ASObject? { await received.objects[name] }

    /// Posts `activity` to `inbox`, signed (draft-cavage) as the peer's actor `name`.
    public func post(
        _ activity: ASObject,
        to inbox: String,
        as name: String,
        contentType: String = ActivityPubMediaType.activityJSON
    ) async throws -> LoopbackHTTP.Reply {
        try await post(try activity.encoded(), to: inbox, as: name, contentType: contentType)
    }

    public func post(
        _ body: Data,
        to inbox: String,
        as name: String?,
        contentType: String = ActivityPubMediaType.activityJSON
    ) async throws -> LoopbackHTTP.Reply {
        try await send("POST", inbox, headers: [("Content-Type", contentType)], body: body, as: name)
    }

    /// Fetches `url` as ActivityPub, signed (draft-cavage) as the peer's actor `name`, or
    /// unsigned when `name` is nil, as a server fetches another's documents.
    /// - Parameter tamper: change the signed path after signing, so the signature fails.
    public func fetch(_ url: String, as name: String?, tamper: Bool = false) async throws -> LoopbackHTTP.Reply {
        try await send(
            "GET",
            url,
            headers: [("Accept", ActivityPubMediaType.activityJSON)],
            body: Data(),
            as: name,
            sendTo: tamper ? url + "/followers" : url
        )
    }

    /// One request to `url`, signed (draft-cavage) as the peer's actor `name`, or unsigned.
    /// - Parameter sendTo: where it really goes, when that is not what was signed.
    private func send(
        _ method: String,
        _ url: String,
        headers: [(String, String)],
        body: Data,
        as name: String?,
        sendTo: String? = nil
    ) async throws -> LoopbackHTTP.Reply {
        let target = try require(URL(string: url))
        var authority = target.host() ?? ""
        if let port = target.port { authority += ":\(port)" }
        var signed = SignedRequest(method: method, path: target.path(), authority: authority, scheme: "http", headers: headers, body: body)
        if let name { try HTTPSignatureSigner.sign(&signed, keyID: actorID(name) + "#main-key", key: key) }
        var request = HTTPClientRequest(url: sendTo ?? url)
        request.method = HTTPMethod(rawValue: method)
        for (field, value) in signed.headers { request.headers.add(name: field, value: value) }
        if !body.isEmpty { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let collected = try await response.body.collect(upTo: 4 << 20)
        return LoopbackHTTP.Reply(status: Int(response.status.code), headers: response.headers, body: Data(buffer: collected))
    }

    /// The actor document the peer serves for `name`.
    func actor(_ name: String) async -> ASObject {
        var actor: ASObject = await received.profiles[name] ?? [:]
        actor.properties.merge(
            ["id": .string(actorID(name)), "type": "Person", "preferredUsername": .string(name), "inbox": .string(actorID(name) + "/inbox")]
        ) { _, fixed in fixed }
        if !hidesFollowers { actor["followers"] = .string(actorID(name) + "/followers") }
        if sharedInbox { actor["endpoints"] = ["sharedInbox": .string(origin + "/inbox")] }
        actor["publicKey"] = ASObject.publicKey(actor: actorID(name), pem: key.publicKey.pem).embedded
        return actor.document(in: .mastodon)
    }

    func record(_ body: ByteBuffer, of request: Request) async {
        let data = Data(buffer: body)
        guard let activity = try? ASObject.decode(data) else { return }
        let signed = SignedRequest(
            method: request.method.rawValue,
            path: request.uri.path,
            authority: request.head.authority ?? "",
            scheme: "http",
            headers: request.headers.map { ($0.name.rawName, $0.value) },
            body: data
        )
        await received.append(activity, at: request.uri.path, request: signed)
    }
}

/// How a test peer's inboxes answer, after recording what arrived: as a server should, or as
/// the misbehaving servers a delivery queue must live with.
public enum InboxBehaviour: Sendable {
    /// 202 Accepted, after `delay`.
    case accept(after: Duration = .zero)
    /// Never answers (for ten minutes).
    case hang
    /// Answers `status` at once.
    case fail(status: Int)
    /// 202 with a body of `bytes` bytes, streamed.
    case flood(bytes: Int)
    /// 302 to `location`.
    case redirect(to: String)
}

/// Runs `body` with a ``TestPeer`` listening on `host` (a loopback address of its own).
/// - Parameters:
///   - sharedInbox: whether its actors name a shared inbox.
///   - hidesFollowers: whether its actors leave their followers collection out.
///   - inbox: how its inboxes answer.
public func withTestPeer<Result: Sendable>(
    host: String = "127.0.0.4",
    sharedInbox: Bool = true,
    hidesFollowers: Bool = false,
    inbox behaviour: InboxBehaviour = .accept(),
    _ body: @escaping @Sendable (TestPeer) async throws -> Result
) async throws -> Result {
    let port = try freePort(host: host)
    let peer = TestPeer(origin: "http://\(host):\(port)", key: try .generateRSA(), sharedInbox: sharedInbox, hidesFollowers: hidesFollowers)
    let router = Router()
    router.get("users/:name") { _, context -> Response in
        let document = await peer.actor(context.parameters.get("name") ?? "")
        return Response(
            status: .ok,
            headers: [.contentType: ActivityPubMediaType.activityJSON],
            body: .init(byteBuffer: ByteBuffer(bytes: try document.encoded()))
        )
    }
    for path in ["users/:name/inbox", "inbox"] {
        router.post(RouterPath(path)) { request, _ -> Response in
            await peer.record(try await request.body.collect(upTo: 1 << 20), of: request)
            switch behaviour {
            case .accept(let delay):
                if delay > .zero { try await Task.sleep(for: delay) }
                return Response(status: .accepted)
            case .hang:
                try await Task.sleep(for: .seconds(600))
                return Response(status: .accepted)
            case .fail(let status):
                return Response(status: .init(code: status))
            case .flood(let bytes):
                let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 * 1024)
                return Response(
                    status: .accepted,
                    body: .init { writer in
                        for _ in 0..<(bytes / chunk.readableBytes) { try await writer.write(chunk) }
                        try await writer.finish(nil)
                    }
                )
            case .redirect(let location):
                return Response(status: .found, headers: [.location: location])
            }
        }
    }
    router.get("objects/:name") { _, context -> Response in
        guard let object = await peer.object(context.parameters.get("name") ?? "") else { return Response(status: .notFound) }
        return Response(
            status: .ok,
            headers: [.contentType: ActivityPubMediaType.activityJSON],
            body: .init(byteBuffer: ByteBuffer(bytes: try object.document(in: .mastodon).encoded()))
        )
    }
    router.get("pages/:name") { _, context -> Response in
        guard let html = await peer.page(context.parameters.get("name") ?? "") else { return Response(status: .notFound) }
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }
    router.get("hanging/**") { _, _ -> Response in
        try await Task.sleep(for: .seconds(600))
        return Response(status: .notFound)
    }
    router.get(".well-known/webfinger") { request, _ -> Response in
        let resource = request.uri.queryParameters.get("resource") ?? ""
        guard case .account(let name, _)? = WebFingerResource(resource) else { return Response(status: .notFound) }
        let document = WebFingerDocument.account(
            username: name,
            domain: "\(host):\(port)",
            actorID: peer.actorID(name),
            profileURL: peer.actorID(name),
            interactionTemplate: peer.origin + "/{uri}"
        )
        return Response(
            status: .ok,
            headers: [.contentType: WebFingerDocument.mediaType],
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(document)))
        )
    }
    return try await withLoopbackApplication(router, host: host, port: port, probePath: "/users/probe") { try await body(peer) }
}

private func require<T>(_ value: T?) throws -> T {
    guard let value else { throw POSIXError(.EINVAL) }
    return value
}
