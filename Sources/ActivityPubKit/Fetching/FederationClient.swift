import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A key and the id it is published under, for signing requests as an actor. The key may be
/// held elsewhere (``MessageSigner``): only signing strings are handed to it.
public struct SigningIdentity: Sendable {
    public var keyID: String
    public var signer: any MessageSigner

    public init(keyID: String, signer: any MessageSigner) {
        self.keyID = keyID
        self.signer = signer
    }
}

/// The one way the server talks to other servers: fetching actors, keys, objects and WebFinger
/// documents, and posting activities to inboxes.
///
/// Every request is checked against the ``PeerAddressPolicy`` (on every redirect hop too), GETs
/// are signed when an identity is given (re-signed for each hop, as the signature covers the
/// host and path), bodies are capped (1 MB, Mastodon's limit) and read under a deadline, at most
/// three redirects are followed, and a fetched ActivityPub document must be the one asked for.
/// Errors are ``FetchError``s whose reasons are safe to log.
public final class FederationClient: Sendable {
    public struct Configuration: Sendable {
        public var policy: PeerAddressPolicy
        public var maximumBodySize = 1 << 20
        public var maximumRedirects = 3
        public var connectTimeout: Duration = .seconds(5)
        public var readTimeout: Duration = .seconds(10)
        /// The budget for a whole exchange, redirects included.
        public var deadline: Duration = .seconds(30)
        public var userAgent: String

        public init(policy: PeerAddressPolicy, userAgent: String) {
            self.policy = policy
            self.userAgent = userAgent
        }
    }

    /// What a GET returned, after redirects.
    public struct Response: Sendable {
        public var url: URL
        public var status: Int
        public var contentType: String?
        public var body: Data
    }

    public let configuration: Configuration
    private let http: HTTPClient

    public init(configuration: Configuration) {
        self.configuration = configuration
        var settings = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(
                connect: .nanoseconds(Int64(configuration.connectTimeout.nanoseconds)),
                read: .nanoseconds(Int64(configuration.readTimeout.nanoseconds))
            )
        )
        settings.httpVersion = .http1Only
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
    }

    /// Closes the connections; the owner calls it once, when the server stops.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    // MARK: ActivityPub documents

    /// The accept header Mastodon sends for ActivityPub fetches.
    public static let activityPubAccept = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""

    /// Fetches the ActivityPub document at `url`. It must be served as ActivityPub JSON and its
    /// `id` must be the URL asked for (fragment aside) or, after a redirect, the URL it came from,
    /// so a server cannot answer for another's objects.
    public func fetchDocument(_ url: URL, signedBy identity: SigningIdentity? = nil) async throws(FetchError) -> ASObject {
        let (document, response) = try await fetchActivityPub(url, signedBy: identity)
        let asked = Self.withoutFragment(url.absoluteString)
        guard let id = document.id, id == asked || id == response.url.absoluteString else {
            throw FetchError(.idMismatch, "the document at \(url.host() ?? "?") names another id")
        }
        return document
    }

    /// A public key fetched by its key id, with the actor that owns it.
    public struct RemoteKey: Sendable {
        public var keyID: String
        public var owner: String
        public var pem: String
    }

    /// Fetches the key a signature names. Mastodon's key ids are `<actor>#main-key` (the actor
    /// document); GoToSocial's are `<actor>/main-key` (a stub naming the key). Either way the
    /// document must carry the key with exactly this id and be served from the key's origin.
    public func fetchKey(_ keyID: String, signedBy identity: SigningIdentity? = nil) async throws(FetchError) -> RemoteKey {
        guard let url = URL(string: Self.withoutFragment(keyID)) else { throw FetchError(.unsupportedURL, "the key id is not a URL") }
        let (document, response) = try await fetchActivityPub(url, signedBy: identity)
        guard let key = document.publicKeys.first(where: { $0.id == keyID }) ?? (document.id == keyID ? document.publicKeys.first : nil),
            let owner = key.owner ?? document.id,
            Self.origin(of: URL(string: owner)) == Self.origin(of: response.url), Self.origin(of: url) == Self.origin(of: response.url)
        else {
            throw FetchError(.idMismatch, "the document at \(url.host() ?? "?") does not publish the key \(keyID)")
        }
        return RemoteKey(keyID: keyID, owner: owner, pem: key.pem)
    }

    private func fetchActivityPub(_ url: URL, signedBy identity: SigningIdentity?) async throws(FetchError) -> (ASObject, Response) {
        let response = try await get(url, accept: Self.activityPubAccept, signedBy: identity)
        guard let type = response.contentType, ActivityPubMediaType.isActivityPub(contentType: type) else {
            throw FetchError(
                .unexpectedContentType,
                "\(url.host() ?? "?") answered \(response.contentType ?? "no content type"), not ActivityPub JSON"
            )
        }
        guard let document = try? ASObject.decode(response.body) else {
            throw FetchError(.malformedDocument, "the document at \(url.host() ?? "?") is not a JSON object")
        }
        return (document, response)
    }

    // MARK: WebFinger

    /// Looks up `acct:user@domain` on its domain's WebFinger endpoint (unsigned, as Mastodon does).
    public func webFinger(username: String, domain: String) async throws(FetchError) -> WebFingerDocument {
        // Checked before URLComponents sees it: its host setter traps on characters a host
        // cannot have, and this string comes from whoever typed the handle.
        guard Self.isHostName(domain) else { throw FetchError(.unsupportedURL, "\(domain) is not a host name") }
        var components = URLComponents()
        components.scheme = configuration.policy.allowsPrivateAddresses && Self.looksLocal(domain) ? "http" : "https"
        components.percentEncodedHost = domain.split(separator: ":").first.map(String.init)
        components.port = domain.split(separator: ":").dropFirst().first.flatMap { Int($0) }
        components.path = "/.well-known/webfinger"
        components.queryItems = [URLQueryItem(name: "resource", value: "acct:\(username)@\(domain)")]
        guard let url = components.url else { throw FetchError(.unsupportedURL, "\(domain) is not a host name") }
        let response = try await get(url, accept: "application/jrd+json, application/json", signedBy: nil)
        guard let document = try? JSONDecoder().decode(WebFingerDocument.self, from: response.body) else {
            throw FetchError(.malformedDocument, "the WebFinger answer of \(domain) is not a JRD")
        }
        return document
    }

    /// `host` or `host:port` with an ASCII host name or IPv4 address (letters, digits, `-` and
    /// dots, 1 to 253 characters) and a port of 1 to 65535. Internationalised names must come
    /// in their `xn--` form; IPv6 literals are not accepted in handles.
    public static func isHostName(_ domain: String) -> Bool {
        let parts = domain.split(separator: ":", omittingEmptySubsequences: false)
        guard let host = parts.first, (1...253).contains(host.utf8.count), parts.count <= 2 else { return false }
        if parts.count == 2 {
            guard let port = Int(parts[1]), (1...65535).contains(port), parts[1].utf8.allSatisfy({ (48...57).contains($0) }) else { return false }
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        let wellFormed = labels.allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                && label.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
        }
        guard wellFormed else { return false }
        // An `xn--` label must also be valid Punycode, or no URL can be built on it (found by
        // fuzzing: `xn--zA`). Foundation decodes it; letters, digits and hyphens cannot trap it.
        var components = URLComponents()
        components.percentEncodedHost = String(host)
        return components.host != nil
    }

    /// In development, a peer on `localhost` or an IP address speaks plain http.
    static func looksLocal(_ domain: String) -> Bool {
        let host = domain.split(separator: ":").first.map(String.init) ?? domain
        return host == "localhost" || host.hasSuffix(".localhost") || host.hasSuffix(".test") || PeerAddress(literal: host) != nil
    }

    // MARK: Delivery

    /// Posts an activity to an inbox, signed; answers the status. A redirect is not followed
    /// (the status is returned), and the response body is read only up to the cap and discarded.
    public func post(_ body: Data, to inbox: URL, signedBy identity: SigningIdentity) async throws(FetchError) -> Int {
        try await configuration.policy.check(inbox)
        let deadline = NIODeadline.now() + .nanoseconds(Int64(configuration.deadline.nanoseconds))
        let (status, _, _) = try await exchange(
            "POST",
            inbox,
            accept: Self.activityPubAccept,
            body: body,
            contentType: ActivityPubMediaType.activityJSON,
            signedBy: identity,
            deadline: deadline,
            keepingBody: false
        )
        return status
    }

    // MARK: The exchange

    /// A GET that follows up to ``Configuration/maximumRedirects`` redirects, checking and
    /// signing each hop; anything but a final 200 is an error.
    public func get(_ url: URL, accept: String, signedBy identity: SigningIdentity?) async throws(FetchError) -> Response {
        let deadline = NIODeadline.now() + .nanoseconds(Int64(configuration.deadline.nanoseconds))
        var current = url
        for _ in 0...configuration.maximumRedirects {
            try await configuration.policy.check(current)
            let (status, headers, body) = try await exchange(
                "GET",
                current,
                accept: accept,
                body: nil,
                contentType: nil,
                signedBy: identity,
                deadline: deadline
            )
            if [301, 302, 303, 307, 308].contains(status) {
                guard let location = headers.first(name: "location"), let next = URL(string: location, relativeTo: current)?.absoluteURL else {
                    throw FetchError(.tooManyRedirects, "\(current.host() ?? "?") redirected without a usable Location")
                }
                current = next
                continue
            }
            guard status == 200 else { throw FetchError(.unexpectedStatus, "\(current.host() ?? "?") answered \(status)", status: status) }
            return Response(url: current, status: status, contentType: headers.first(name: "content-type"), body: body)
        }
        throw FetchError(.tooManyRedirects, "more than \(configuration.maximumRedirects) redirects from \(url.host() ?? "?")")
    }

    /// One request. With `keepingBody` false (deliveries) the answer's body is only drained, up to
    /// the cap, and dropped: its status is all that counts, however much a server sends after it.
    private func exchange(
        _ method: String,
        _ url: URL,
        accept: String,
        body: Data?,
        contentType: String?,
        signedBy identity: SigningIdentity?,
        deadline: NIODeadline,
        keepingBody: Bool = true
    ) async throws(FetchError) -> (Int, HTTPHeaders, Data) {
        let path = url.path(percentEncoded: true).isEmpty ? "/" : url.path(percentEncoded: true)
        let target = path + (url.query(percentEncoded: true).map { "?" + $0 } ?? "")
        var authority = url.host(percentEncoded: true) ?? ""
        if let port = url.port { authority += ":\(port)" }
        var signed = SignedRequest(
            method: method,
            path: target,
            authority: authority,
            scheme: url.scheme ?? "https",
            headers: [("Accept", accept)],
            body: body
        )
        if let contentType { signed.setHeader("Content-Type", contentType) }
        signed.setHeader("User-Agent", configuration.userAgent)
        if let identity {
            do { try await HTTPSignatureSigner.sign(&signed, keyID: identity.keyID, signer: identity.signer) } catch {
                throw FetchError(.signingFailed, "the request to \(url.host() ?? "?") could not be signed")
            }
        } else {
            signed.setHeader("Date", HTTPDate.string(from: Date()))
        }

        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Host", value: authority)
        for (name, value) in signed.headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }

        do {
            let response = try await http.execute(request, deadline: deadline)
            if !keepingBody {
                var drained = 0
                for try await chunk in response.body {
                    drained += chunk.readableBytes
                    if drained > configuration.maximumBodySize { break }
                }
                return (Int(response.status.code), response.headers, Data())
            }
            if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > configuration.maximumBodySize {
                throw FetchError(.tooLarge, "\(url.host() ?? "?") announced \(length) bytes, over the \(configuration.maximumBodySize)-byte cap")
            }
            let buffer = try await response.body.collect(upTo: configuration.maximumBodySize)
            return (Int(response.status.code), response.headers, Data(buffer.readableBytesView))
        } catch let error as FetchError {
            throw error
        } catch is NIOTooManyBytesError {
            throw FetchError(.tooLarge, "\(url.host() ?? "?") sent more than \(configuration.maximumBodySize) bytes")
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout].contains(error) {
            throw FetchError(.timedOut, "\(url.host() ?? "?") did not answer in time")
        } catch {
            throw FetchError(.connectionFailed, "\(url.host() ?? "?") could not be reached (\(error))")
        }
    }

    // MARK: URLs

    static func withoutFragment(_ iri: String) -> String {
        iri.firstIndex(of: "#").map { String(iri[..<$0]) } ?? iri
    }

    /// Scheme, host and port: what "the same origin" compares.
    static func origin(of url: URL?) -> String? {
        guard let url, let scheme = url.scheme?.lowercased(), let host = url.host()?.lowercased() else { return nil }
        return "\(scheme)://\(host):\(url.port ?? (scheme == "https" ? 443 : 80))"
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
