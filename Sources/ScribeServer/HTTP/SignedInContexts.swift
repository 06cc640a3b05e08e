import Foundation
import Hummingbird
import ScribeContracts
import ScribeCore
import ScribeHTTP

/// The context of a route that acts for a signed-in user, in any process (``SignedIn``).
public typealias SignedInContext = SignedIn<ScribeRequestContext>

/// The context of a route that works on the signed-in user's own library, where Core runs: the
/// session with the user's data key unlocked. It exists only for a live session.
public struct LibraryContext: ChildRequestContext, ScribeContext {
    public var coreContext: CoreRequestContextStorage
    /// The request as it was before it was known to be signed in: client address, form token.
    public let request: ScribeRequestContext
    public let session: AuthenticatedSession

    public init(context: ScribeRequestContext) throws {
        guard let session = context.session else { throw APIError.loginRequired }
        self.coreContext = context.coreContext
        self.request = context
        self.session = session
    }

    public var user: SessionUser { SessionUser(session.account) }

    /// Who is acting on the marketplace: the signed-in user.
    public var marketplaceCaller: MarketplaceCaller { request.marketplaceCaller }
}
