import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import ScribeContracts

/// What a user grants an app: a one-time authorization code, exchanged for an access token.
///
/// Guarantees: a code works once, for ten minutes, with the app, redirect URI and (when the app
/// sent a PKCE challenge) the verifier it was issued for; a token's scopes are never wider than
/// what the user approved; codes and tokens are stored only as their SHA-256.
struct Grants: Sendable {
    /// A live token: the app it was issued to, the user it acts for (nil for an app's own token)
    /// and what it may do.
    struct Grant: Sendable {
        var applicationID: Int64
        var userID: UUID?
        var scopes: Scopes
        var createdAt: Date
    }

    static let codeLifetime: TimeInterval = 600

    let pool: PostgresClient
    let logger: Logger

    func issueCode(
        for app: ClientApps.App,
        user: UUID,
        redirectURI: String,
        scopes: Scopes,
        challenge: String?
    ) async throws(MastodonError) -> String {
        let code = Secrets.make()
        let expires = Date().addingTimeInterval(Self.codeLifetime)
        try await database(logger) {
            try await pool.query(
                """
                INSERT INTO mastodon.authorization_codes (code_hash, application_id, user_id, redirect_uri, scopes, code_challenge, expires_at)
                VALUES (\(Secrets.hash(code)), \(app.id), \(user), \(redirectURI), \(scopes.names), \(challenge), \(expires))
                """,
                logger: logger
            )
        }
        return code
    }

    /// Exchanges a code for a token (the code is used up either way once found).
    func exchange(code: String, app: ClientApps.App, redirectURI: String?, verifier: String?) async throws(MastodonError) -> (token: String, Grant) {
        let invalid = MastodonError.oauth(
            .badRequest,
            "invalid_grant",
            "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."
        )
        let token = Secrets.make()
        let now = Date()
        let grant: Grant? = try await database(logger) {
            try await pool.withTransaction(logger: logger) { connection in
                let row = try await connection.query(
                    """
                    DELETE FROM mastodon.authorization_codes WHERE code_hash = \(Secrets.hash(code))
                    RETURNING application_id, user_id, redirect_uri, scopes, code_challenge, expires_at
                    """,
                    logger: logger
                ).collect().first
                guard let row else { return nil }
                let (appID, user, redirect, scopes, challenge, expires) = try row.decode((Int64, UUID, String, [String], String?, Date).self)
                guard appID == app.id, expires > now, redirectURI == nil || redirectURI == redirect else { return nil }
                if let challenge {
                    guard let verifier, (43...128).contains(verifier.count), Secrets.challenge(of: verifier) == challenge else { return nil }
                }
                try await connection.query(
                    """
                    INSERT INTO mastodon.access_tokens (token_hash, application_id, user_id, scopes, created_at)
                    VALUES (\(Secrets.hash(token)), \(appID), \(user), \(scopes), \(now))
                    """,
                    logger: logger
                )
                return Grant(applicationID: appID, userID: user, scopes: Scopes(stored: scopes), createdAt: now)
            }
        }
        guard let grant else { throw invalid }
        return (token, grant)
    }

    /// A token for the app itself (client credentials): it acts for no user.
    func issueAppToken(for app: ClientApps.App, scopes: Scopes) async throws(MastodonError) -> (token: String, Grant) {
        let token = Secrets.make()
        let now = Date()
        try await database(logger) {
            try await pool.query(
                """
                INSERT INTO mastodon.access_tokens (token_hash, application_id, user_id, scopes, created_at)
                VALUES (\(Secrets.hash(token)), \(app.id), \(UUID?.none), \(scopes.names), \(now))
                """,
                logger: logger
            )
        }
        return (token, Grant(applicationID: app.id, userID: nil, scopes: scopes, createdAt: now))
    }

    /// The grant behind a bearer token, if it is live.
    func grant(for token: String) async throws(MastodonError) -> Grant? {
        guard !token.isEmpty, token.count <= 200 else { return nil }
        let row = try await database(logger) {
            try await pool.query(
                "SELECT application_id, user_id, scopes, created_at FROM mastodon.access_tokens WHERE token_hash = \(Secrets.hash(token))",
                logger: logger
            ).collect().first
        }
        guard let row else { return nil }
        let (app, user, scopes, created) = try decodeRow(row, as: (Int64, UUID?, [String], Date).self)
        return Grant(applicationID: app, userID: user, scopes: Scopes(stored: scopes), createdAt: created)
    }

    /// Revokes `token` if `app` was issued it; whether it was the app's (an unknown token counts
    /// as revoked, as RFC 7009 asks).
    func revoke(_ token: String, by app: ClientApps.App) async throws(MastodonError) -> Bool {
        guard let grant = try await grant(for: token) else { return true }
        guard grant.applicationID == app.id else { return false }
        try await database(logger) {
            try await pool.query("DELETE FROM mastodon.access_tokens WHERE token_hash = \(Secrets.hash(token))", logger: logger)
        }
        return true
    }

    /// Ends every token and code of a user (the account is gone).
    func revokeAll(of user: UUID) async throws(MastodonError) {
        try await database(logger) {
            try await pool.query("DELETE FROM mastodon.access_tokens WHERE user_id = \(user)", logger: logger)
            try await pool.query("DELETE FROM mastodon.authorization_codes WHERE user_id = \(user)", logger: logger)
        }
    }
}
