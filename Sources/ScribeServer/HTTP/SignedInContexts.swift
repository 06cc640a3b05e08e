import Foundation
import Hummingbird
import ScribeContracts
import ScribeCore

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
}

/// The context of a route that acts for a signed-in user, in any process: it exists only when
/// the request carries a live session (``SessionMiddleware`` found it), so a handler reads
/// ``user`` without checking. A route group with this context answers 401 to anyone else (a
/// browser asking for a page is sent to the login page).
public struct SignedInContext: ChildRequestContext, ScribeContext {
    public var coreContext: CoreRequestContextStorage
    /// The request as it was before it was known to be signed in: client address, form token.
    public let request: ScribeRequestContext
    public let user: SessionUser
    /// The session's token, for the rare call that must pass the user's session on (a fork
    /// through `CoreAPI`, which needs it to reach the user's library). Never logged.
    public let sessionToken: String

    public init(context: ScribeRequestContext) throws {
        guard let user = context.user, let token = context.sessionToken else { throw ScribeRequestContext.loginRequired }
        self.coreContext = context.coreContext
        self.request = context
        self.user = user
        self.sessionToken = token
    }
}

/// The context of a route that works on the signed-in user's own library, where Core runs: the
/// session with the user's data key unlocked. It exists only for a live session.
public struct LibraryContext: ChildRequestContext, ScribeContext {
    public var coreContext: CoreRequestContextStorage
    /// The request as it was before it was known to be signed in: client address, form token.
    public let request: ScribeRequestContext
    public let session: AuthenticatedSession

    public init(context: ScribeRequestContext) throws {
        guard let session = context.session else { throw ScribeRequestContext.loginRequired }
        self.coreContext = context.coreContext
        self.request = context
        self.session = session
    }

    public var user: SessionUser { SessionUser(session.account) }
}
