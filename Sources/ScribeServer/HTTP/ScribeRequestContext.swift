import Foundation
import Hummingbird
import ScribeContracts
import ScribeCore

/// Per-request state for every Scribe route. It fixes the JSON coding of the whole API to
/// ``ScribeJSON`` and caps request bodies at 1 MiB (the ActivityPub inbox limit; larger
/// uploads will get their own, explicitly bigger, routes).
public struct ScribeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The IP address of the connection's peer.
    public let connectionAddress: String?
    /// The client's IP address, for per-address limits: the peer's, or, for a request Scribe's
    /// own social process forwarded (``ForwardedRequestMiddleware``), the client it named.
    public var clientAddress: String?
    /// Whether Scribe's social process forwarded this request, vouched for by a service token.
    public var forwardedByScribe = false
    /// The logged-in session with the user's unlocked library, set by ``SessionMiddleware`` in a
    /// process that runs Core, when the request carries a live one.
    public var session: AuthenticatedSession?
    /// Who the live session belongs to, set in every process (Marketplace and Social routes act
    /// for a user by this alone; a process without Core learns it through `CoreAPI`).
    public var user: SessionUser?
    /// The token of ``session``, for the rare call that must pass the user's session on (a fork
    /// through `CoreAPI`, which needs it to reach the user's library). Never logged.
    public var sessionToken: String?
    /// The anti-forgery token the web forms on this response carry (``FormTokenMiddleware``).
    public var csrfToken: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.connectionAddress = source.channel.remoteAddress?.ipAddress
        self.clientAddress = connectionAddress
        self.session = nil
        self.user = nil
        self.sessionToken = nil
        self.csrfToken = nil
    }

    public var maxUploadSize: Int { 1_048_576 }
    public var requestDecoder: JSONDecoder { ScribeJSON.decoder() }
    public var responseEncoder: JSONEncoder { ScribeJSON.encoder() }

    /// The UUID in path parameter `name`. A malformed id names nothing, so it is a 404 with
    /// `notFound` as its message, exactly like an id that names nothing of the user's.
    public func uuidParameter(_ name: String = "id", notFound: String) throws -> UUID {
        guard let text = parameters.get(name), let id = UUID(uuidString: text) else {
            throw APIError(.notFound, code: "not_found", message: notFound)
        }
        return id
    }

    /// The session, or a 401 for routes that need one.
    public func requireSession() throws -> AuthenticatedSession {
        guard let session else { throw Self.loginRequired }
        return session
    }

    /// The session's user, or a 401 for routes that need one.
    public func requireUser() throws -> SessionUser {
        guard let user else { throw Self.loginRequired }
        return user
    }

    static let loginRequired = APIError(.unauthorized, code: "unauthenticated", message: "Log in to continue.", headers: [.wwwAuthenticate: "Bearer"])
}
