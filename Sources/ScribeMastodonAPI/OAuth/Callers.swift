import Foundation
import HTTPTypes
import Hummingbird
import ScribeContracts
import ScribeHTTP
import ScribeSocial

/// Who is calling a client API route, from the request's bearer token, and whether the token
/// may do what the route does.
///
/// Guarantees: an unknown or revoked token, or one whose user is gone, is 401 on every route,
/// public ones included (as Mastodon answers); a token without the route's scope is 403; an
/// app's own token on a route that acts for a user is 422.
struct Callers: Sendable {
    let grants: Grants
    let social: SocialModule

    /// The token's grant, nil when the request carries none. A Scribe session's own token, sent
    /// as the bearer token (never its cookie), may do everything: it is what Scribe's own
    /// clients hold, and it could do more through Scribe's own API.
    func grant(_ request: Request, _ context: some SessionContext) async throws(MastodonError) -> Grants.Grant? {
        guard let header = request.headers[.authorization] else { return nil }
        guard header.lowercased().hasPrefix("bearer ") else { throw .invalidToken }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        if let user = context.user, let session = context.sessionToken, session == token {
            return Grants.Grant(applicationID: 0, userID: user.id, scopes: Scopes(stored: Scopes.supported), createdAt: Date())
        }
        guard let grant = try await grants.grant(for: token) else { throw .invalidToken }
        if let user = grant.userID {
            // A user who is gone or locked ends her tokens; Core being unreachable does not (an
            // app that saw 401 would sign her out).
            do {
                _ = try await social.actors.profile(id: user)
            } catch {
                throw error.code == .notFound ? .invalidToken : MastodonError(.serviceUnavailable, "Remote data could not be fetched")
            }
        }
        return grant
    }

    /// The user a route acts for, whose token must hold `scope`.
    func user(_ request: Request, _ context: some SessionContext, scope: String) async throws(MastodonError) -> UUID {
        guard let grant = try await grant(request, context) else { throw MastodonError(.unauthorized, "The access token is invalid") }
        guard grant.scopes.allows(scope) else { throw .outsideScopes }
        guard let user = grant.userID else { throw .userRequired }
        return user
    }

    /// The reader of a public route: the token's user when it carries one that may read.
    func reader(_ request: Request, _ context: some SessionContext, scope: String = "read:statuses") async throws(MastodonError) -> UUID? {
        guard let grant = try await grant(request, context) else { return nil }
        return grant.scopes.allows(scope) ? grant.userID : nil
    }
}
