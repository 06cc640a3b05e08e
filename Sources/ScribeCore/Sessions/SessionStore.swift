import Crypto
import Foundation
import Logging
import PostgresNIO
import ScribeContracts

/// A request's proof of login, carrying the user's DEK for the duration of the request only.
///
/// The DEK is not public: only Core decrypts. Its description prints no key material.
public struct AuthenticatedSession: Sendable, CustomStringConvertible {
    public let id: UUID
    public let account: Account
    let dek: SymmetricKey

    public var description: String { "session \(id) of \(account.username)" }
}

/// Core's sessions (`core.sessions`). Each row holds the SHA-256 of the client's token and the
/// user's DEK wrapped under a key derived from that token, so:
/// - any server process, including one started after the login, can serve the session;
/// - ending the session deletes the row, and with it the only wrapped copy the token opens;
/// - a database dump holds neither tokens nor anything that unwraps a DEK.
struct SessionStore: Sendable {
    let pool: PostgresClient
    let settings: CoreSettings
    let logger: Logger

    static func binding(_ sessionID: UUID) -> FieldBinding { FieldBinding(table: "core.sessions", row: sessionID, column: "wrapped_dek") }

    /// Starts a session for `account` inside the caller's transaction.
    func create(for account: Account, dek: SymmetricKey, on connection: PostgresConnection) async throws -> SessionGrant {
        let id = UUID()
        let token = SessionToken.generate()
        let wrapped = try FieldCipher.wrap(dek, with: token.dekWrappingKey(sessionID: id), binding: Self.binding(id))
        let lifetime = settings.sessionLifetime.wholeSeconds
        let rows = try await connection.query(
            """
            INSERT INTO core.sessions (id, user_id, token_hash, wrapped_dek, wrapped_dek_nonce, expires_at)
            VALUES (\(id), \(account.id), \(token.hash), \(wrapped.ciphertext), \(wrapped.nonce), now() + make_interval(secs => \(lifetime)))
            RETURNING expires_at
            """,
            logger: logger
        )
        var expiresAt = Date()
        for try await value in rows.decode(Date.self) { expiresAt = value }
        return SessionGrant(account: account, token: token, expiresAt: expiresAt)
    }

    /// The live session a token belongs to, with the DEK unwrapped. Expired, ended and unknown
    /// sessions are all simply ``CoreError/Code/unauthenticated``.
    func authenticate(_ token: SessionToken) async throws(CoreError) -> AuthenticatedSession {
        let idle = settings.sessionIdleTimeout.wholeSeconds
        let rows = try await run {
            try await pool.query(
                """
                SELECT s.id, s.wrapped_dek, s.wrapped_dek_nonce, s.last_used_at < now() - interval '1 minute', \(unescaped: AccountRow.columns)
                FROM core.sessions s JOIN core.users u ON u.id = s.user_id
                WHERE s.token_hash = \(token.hash) AND s.expires_at > now() AND s.last_used_at > now() - make_interval(secs => \(idle))
                """,
                logger: logger
            ).collect()
        }
        guard let row = rows.first else {
            // An expired session presented again is destroyed at once, wrapped DEK and all.
            _ = try await run { try await pool.query("DELETE FROM core.sessions WHERE token_hash = \(token.hash)", logger: logger) }
            throw CoreError(.unauthenticated, "Log in to continue; this session has ended or expired.")
        }
        let (id, ciphertext, nonce, isStale) = try decode(row, as: (UUID, Data, Data, Bool).self)
        let account = try AccountRow.account(from: row)
        guard account.status == .active else { throw CoreError(.accountLocked, "This account is locked.") }
        let dek = try FieldCipher.unwrap(
            SealedValue(ciphertext: ciphertext, nonce: nonce),
            with: token.dekWrappingKey(sessionID: id),
            binding: Self.binding(id)
        )
        if isStale {
            // Idle expiry counts from the last use; a minute's precision saves a write per request.
            _ = try await run { try await pool.query("UPDATE core.sessions SET last_used_at = now() WHERE id = \(id)", logger: logger) }
        }
        return AuthenticatedSession(id: id, account: account, dek: dek)
    }

    /// Deletes every session past its lifetime or idle timeout, with its wrapped DEK: an expired
    /// session must be as useless as a logged-out one, even to someone holding its token and a
    /// copy of the database. Returns how many were deleted.
    func purgeExpired() async throws(CoreError) -> Int {
        let idle = settings.sessionIdleTimeout.wholeSeconds
        let rows = try await run {
            try await pool.query(
                """
                DELETE FROM core.sessions WHERE expires_at <= now() OR last_used_at <= now() - make_interval(secs => \(idle)) RETURNING id
                """,
                logger: logger
            ).collect()
        }
        return rows.count
    }

    func end(_ sessionID: UUID) async throws(CoreError) {
        _ = try await run { try await pool.query("DELETE FROM core.sessions WHERE id = \(sessionID)", logger: logger) }
    }

    /// Ends every session of a user but `keeping`, inside the caller's transaction.
    func endAll(of userID: UUID, keeping: UUID? = nil, on connection: PostgresConnection) async throws {
        try await connection.query(
            "DELETE FROM core.sessions WHERE user_id = \(userID) AND id IS DISTINCT FROM \(keeping)",
            logger: logger
        )
    }
}

/// Decodes a row's leading columns, turning a mismatch into ``CoreError/Code/corrupted``.
func decode<each Column: PostgresDecodable>(_ row: PostgresRow, as type: (repeat each Column).Type) throws(CoreError) -> (repeat each Column) {
    do {
        return try row.decode(type)
    } catch {
        throw CoreError(.corrupted, "a stored row could not be read")
    }
}
