import Foundation
import HTTPTypes
import Hummingbird
import ScribeContracts
import ScribeCore
import ScribeCoreClient
import ScribeHTTP
import ScribeMastodonAPI

/// Finds the session a request carries and guards cookie sessions against cross-site requests.
///
/// - `Authorization: Bearer <token>` (API clients) wins over the `scribe_session` cookie
///   (browsers). An unknown, expired or ended token leaves the request anonymous; routes that
///   need a session answer 401.
/// - CSRF: a state-changing request (not GET, HEAD or OPTIONS) whose `Origin` names another site
///   is refused, unless it is one of Mastodon's client API (which takes bearer tokens only). One that authenticates with the cookie must prove it comes from our own pages,
///   by `Origin` or, failing that, `Referer`. Bearer tokens are not sent by browsers on their
///   own, so bearer requests need no such proof.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = ScribeRequestContext

    /// Where sessions are checked: Core's own accounts in a process that runs Core (which also
    /// unlocks the user's library for Core's routes), or `CoreAPI` in a process that does not.
    enum Authority: Sendable {
        case accounts(Accounts)
        case coreAPI(any CoreAPI)
    }

    let authority: Authority
    let publicURL: URL

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Core's internal API carries a service token, not a session (InternalCoreRoutes).
        if request.uri.path.hasPrefix(InternalCoreOperation.pathPrefix) { return try await next(request, context) }
        var context = context
        let bearer = Self.bearerToken(request)
        let cookie = bearer == nil ? request.cookies[SessionCookie.name]?.value : nil
        // Mastodon's client API takes bearer tokens only (but its consent page), which a browser
        // never sends on its own: apps in a browser call it from any origin.
        let clientAPI = MastodonError.isClientAPI(request.uri.path) && request.uri.path != "/oauth/authorize"
        if !Self.isSafe(request.method), !clientAPI {
            try checkOrigin(request, requireProof: cookie != nil)
        }
        if let token = bearer ?? cookie, !token.isEmpty {
            switch authority {
            case .accounts(let accounts):
                do {
                    let session = try await accounts.authenticate(token: token)
                    context.session = session
                    context.user = SessionUser(session.account)
                    context.sessionToken = token
                } catch {
                    guard error.code == .unauthenticated else { throw error }
                }
            case .coreAPI(let core):
                do {
                    context.user = try await core.user(sessionToken: token)
                    context.sessionToken = token
                } catch {
                    guard error.code == .unauthenticated else { throw error }
                }
            }
        }
        return try await next(request, context)
    }

    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else { return nil }
        return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    static func isSafe(_ method: HTTPRequest.Method) -> Bool { [.get, .head, .options].contains(method) }

    private func checkOrigin(_ request: Request, requireProof: Bool) throws {
        let ours = Self.origin(of: publicURL)
        if let origin = request.headers[.origin] {
            guard origin == ours else { throw Self.crossSite }
            return
        }
        if requireProof {
            guard let referer = request.headers[.referer], let url = URL(string: referer), Self.origin(of: url) == ours else { throw Self.crossSite }
        }
    }

    static func origin(of url: URL) -> String {
        var origin = "\(url.scheme ?? "http")://\(url.host ?? "")"
        if let port = url.port { origin += ":\(port)" }
        return origin
    }

    static let crossSite = APIError(.forbidden, code: "cross_site_request", message: "This request did not come from this site's own pages.")
}
