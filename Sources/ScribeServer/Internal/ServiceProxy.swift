import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ScribeCoreClient
import ScribeHTTP
import ServiceLifecycle

extension ForwardingHeader {
    static let forwardedByField = HTTPField.Name(forwardedBy)!
    static let clientAddressField = HTTPField.Name(clientAddress)!
}

/// In a split deployment the social process is the public entry: this forwards
/// `/api/v1/marketplace/...` to the marketplace process and Core's JSON API (accounts,
/// sessions, the library) to the core process, when their addresses are configured. Anything
/// else is the social process's own. A process that cannot be reached is 502 `upstream_unavailable`.
struct ServiceProxyMiddleware: RouterMiddleware {
    typealias Context = ScribeRequestContext

    let client: HTTPClient
    let secret: ServiceSecret?
    let marketplace: URL?
    let core: URL?
    let logger: Logger

    /// Core's JSON API, by path prefix.
    static let corePrefixes = ["/api/v1/accounts", "/api/v1/sessions", "/api/v1/users/", "/api/v1/characters", "/api/v1/lorebooks", "/api/v1/chats"]
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length",
    ]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let target: URL?
        if path == "/api/v1/marketplace" || path.hasPrefix("/api/v1/marketplace/") {
            target = marketplace
        } else if Self.corePrefixes.contains(where: { path == $0 || path.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }) {
            target = core
        } else {
            target = nil
        }
        guard let target else { return try await next(request, context) }
        return try await forward(request, context, to: target)
    }

    private func forward(_ request: Request, _ context: Context, to target: URL) async throws -> Response {
        let base = target.absoluteString.hasSuffix("/") ? String(target.absoluteString.dropLast()) : target.absoluteString
        var outbound = HTTPClientRequest(url: base + request.uri.description)
        outbound.method = HTTPMethod(rawValue: request.method.rawValue)
        for field in request.headers
        where !Self.hopByHop.contains(field.name.canonicalName)
            && ![ForwardingHeader.forwardedByField, ForwardingHeader.clientAddressField].contains(field.name)
        {
            outbound.headers.add(name: field.name.rawName, value: field.value)
        }
        if let secret { outbound.headers.add(name: ForwardingHeader.forwardedBy, value: ServiceToken.mint(for: .social, secret: secret)) }
        if let address = context.clientAddress { outbound.headers.add(name: ForwardingHeader.clientAddress, value: address) }
        // Bodies stream through in both directions: the receiving process applies its own size
        // limits, and nothing is held here whole.
        if let length = request.headers[.contentLength].flatMap(Int64.init), length > 0 {
            outbound.body = .stream(request.body, length: .known(length))
        } else if request.headers[.transferEncoding] != nil {
            outbound.body = .stream(request.body, length: .unknown)
        }
        let answer: HTTPClientResponse
        do {
            answer = try await client.execute(outbound, timeout: .seconds(60))
        } catch {
            logger.warning("forwarding failed", metadata: ["target": .string(target.absoluteString), "reason": .string("\(error)")])
            throw APIError(
                .badGateway,
                code: "upstream_unavailable",
                message: "That part of the server cannot be reached right now.",
                headers: [.retryAfter: "5"]
            )
        }
        var headers = HTTPFields()
        for (name, value) in answer.headers where !Self.hopByHop.contains(name.lowercased()) || name.lowercased() == "content-length" {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        return Response(
            status: .init(code: Int(answer.status.code), reasonPhrase: answer.status.reasonPhrase),
            headers: headers,
            body: ResponseBody(asyncSequence: answer.body)
        )
    }
}

/// On the receiving side of ``ServiceProxyMiddleware``: a request that carries a valid service
/// token from the social process takes the client address that process names, so limits and
/// logs see the real client. Without a valid token the headers are ignored.
struct ForwardedRequestMiddleware: RouterMiddleware {
    typealias Context = ScribeRequestContext

    let secret: ServiceSecret?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let secret, let token = request.headers[ForwardingHeader.forwardedByField],
            (try? ServiceToken.verify(token, secret: secret))?.service == .social
        else { return try await next(request, context) }
        var context = context
        context.forwardedByScribe = true
        if let address = request.headers[ForwardingHeader.clientAddressField] { context.clientAddress = address }
        return try await next(request, context)
    }
}

/// Holds the client for Scribe's own services open while the server runs and shuts it down
/// after the server has drained (services stop in reverse order).
struct ServiceClientService: Service {
    let client: HTTPClient

    func run() async throws {
        try await gracefulShutdown()
        try await client.shutdown()
    }
}
