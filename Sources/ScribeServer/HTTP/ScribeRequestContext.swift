import Foundation
import Hummingbird
import ScribeContracts
import ScribeCore
import ScribeHTTP

/// Per-request state for every Scribe route. It fixes the JSON coding of the whole API to
/// ``ScribeJSON`` and caps request bodies at 1 MiB (``ScribeContext``). Routes that need a
/// signed-in user run in a ``SignedInContext`` or a ``LibraryContext`` instead, which exist only
/// for a live session.
public struct ScribeRequestContext: SessionContext {
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
    /// The token of ``session``. Never logged.
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
}
