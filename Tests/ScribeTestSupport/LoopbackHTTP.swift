import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Plain HTTP requests over loopback to a server under test, with AsyncHTTPClient.
public enum LoopbackHTTP {
    /// A client that hands back redirects as they are; it lives as long as the test process.
    static let notFollowing = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow)
    )

    public struct Reply: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: Data

        /// The one-time notice a page's redirect carries (its `scribe_notice` cookie), decoded.
        public var notice: String? {
            headers["Set-Cookie"].first { $0.hasPrefix("scribe_notice=") }
                .flatMap { $0.dropFirst("scribe_notice=".count).split(separator: ";").first?.removingPercentEncoding }
        }

        /// The body as text.
        public var text: String { String(decoding: body, as: UTF8.self) }

        /// The body parsed as a JSON object.
        public func json() throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
        }
    }

    /// Registers `username` (`<username>@example.org`, password "correct horse battery") and
    /// returns the headers of a JSON request in the new session.
    public static func register(port: Int, username: String = "alice") async throws -> [(String, String)] {
        let registered = try await send(
            port: port,
            method: "POST",
            path: "/api/v1/accounts",
            headers: [("Content-Type", "application/json")],
            body: Data(#"{"username":"\#(username)","email":"\#(username)@example.org","password":"correct horse battery"}"#.utf8)
        )
        guard registered.status == 201, let token = (try registered.json()["session"] as? [String: Any])?["token"] as? String else {
            throw Refused(status: registered.status, body: registered.text)
        }
        return [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")]
    }

    /// A request the server answered otherwise than the helper needs.
    public struct Refused: Error, CustomStringConvertible {
        public var status: Int
        public var body: String
        public var description: String { "answered \(status): \(body)" }
    }

    /// Creates a private character named `name` in the session `auth` carries; returns its id.
    public static func createCharacter(port: Int, auth: [(String, String)], name: String) async throws -> String {
        let created = try await send(
            port: port,
            method: "POST",
            path: "/api/v1/characters",
            headers: auth,
            body: Data(#"{"card":{"name":"\#(name)"}}"#.utf8)
        )
        guard created.status == 201, let id = (try created.json()["character"] as? [String: Any])?["id"] as? String else {
            throw Refused(status: created.status, body: created.text)
        }
        return id
    }

    /// Sets a character's `sharing_visibility` (`public`, `private`, …); returns the status.
    public static func setVisibility(port: Int, auth: [(String, String)], character id: String, _ visibility: String) async throws -> Int {
        try await send(
            port: port,
            method: "PUT",
            path: "/api/v1/characters/\(id)/visibility",
            headers: auth,
            body: Data(#"{"sharing_visibility":"\#(visibility)"}"#.utf8)
        ).status
    }

    public static func get(port: Int, path: String, headers: [(String, String)] = [], timeout: Duration = .seconds(60)) async throws -> Reply {
        try await send(port: port, method: "GET", path: path, headers: headers, body: nil, timeout: timeout)
    }

    /// - Parameters:
    ///   - method: `GET`, `POST`, `PUT`, `DELETE`, ...
    ///   - timeout: generous by default: a debug build on a loaded 2-core machine derives
    ///     production-cost scrypt keys slowly, and a deadline here must not fail a correct server.
    ///   - followRedirects: false to see a redirect itself (a form's 303 and its notice cookie).
    public static func send(
        port: Int,
        method: String,
        path: String,
        headers: [(String, String)] = [],
        body: Data?,
        timeout: Duration = .seconds(60),
        host: String = "127.0.0.1",
        followRedirects: Bool = true
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://\(host):\(port)\(path)")
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let client = followRedirects ? HTTPClient.shared : notFollowing
        let response = try await client.execute(request, timeout: .init(timeout))
        let collected = try await response.body.collect(upTo: 4 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Data(buffer: collected))
    }
}
