import Foundation
import Hummingbird
import ScribeContracts

/// What every Scribe request context shares: the API's one JSON coding, the body limit, and how
/// a path's id is read.
public protocol ScribeContext: RequestContext {}

extension ScribeContext {
    /// Bodies are capped at 1 MiB (the ActivityPub inbox limit); larger uploads read their body
    /// with their own, explicitly bigger, limit.
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

    /// The local username in path parameter `username` (`/users/{username}`, `/@{username}`);
    /// one that cannot be a username names no one (404).
    public func usernameParameter() throws -> String {
        guard let name = parameters.get("username"), !name.isEmpty, name.count <= 64 else {
            throw APIError(.notFound, code: "not_found", message: "No such user.")
        }
        return name
    }
}

/// A request context that knows who is signed in, in whichever process serves it: the server's
/// own context, and the contexts the pages are written against, so the pages never see how a
/// session was found (Core in the same process, or Core over HTTP).
public protocol SessionContext: ScribeContext {
    /// Who the live session belongs to, if the request carries one (set by the server's session
    /// middleware, and by a page that has just signed someone in).
    var user: SessionUser? { get set }
    /// The token of that session. Never logged.
    var sessionToken: String? { get set }
    /// The client's IP address, for per-address limits and counts.
    var clientAddress: String? { get }
    /// The anti-forgery token the web forms on this response carry.
    var csrfToken: String? { get set }
}

extension SessionContext {
    /// Who is acting on the marketplace: the signed-in user or an anonymous client by address.
    public var marketplaceCaller: MarketplaceCaller {
        MarketplaceCaller(
            userID: user?.id,
            username: user?.username,
            clientAddress: clientAddress,
            isModerator: user?.role.moderates ?? false,
            sessionToken: sessionToken
        )
    }
}

/// The context of a route that acts for a signed-in user, in any process: it exists only when
/// the request carries a live session, so a handler reads ``user`` without checking. A route
/// group with this context answers 401 to anyone else (a browser asking for a page is sent to
/// the login page).
public struct SignedIn<Parent: SessionContext>: ChildRequestContext, ScribeContext {
    public var coreContext: CoreRequestContextStorage
    /// The request as it was before it was known to be signed in: client address, form token.
    public let request: Parent
    public let user: SessionUser
    /// The session's token, for the rare call that must pass the user's session on (a fork
    /// through `CoreAPI`, which needs it to reach the user's library). Never logged.
    public let sessionToken: String

    public init(context: Parent) throws {
        guard let user = context.user, let token = context.sessionToken else { throw APIError.loginRequired }
        self.coreContext = context.coreContext
        self.request = context
        self.user = user
        self.sessionToken = token
    }

    /// Who is acting on the marketplace: the signed-in user.
    public var marketplaceCaller: MarketplaceCaller { request.marketplaceCaller }
}
