import Foundation
import Logging
import PostgresNIO

/// Quotes our users make (`social.quotes`, FEP-044f as Mastodon 4.5 makes them): each post that
/// quotes another, the `QuoteRequest` it sent, and the answer.
///
/// Guarantees: only the quoted post's author answers (an `Accept` or `Reject` from anyone else
/// changes nothing); a request is answered once; only an approval the author gave can be
/// revoked, and only by them.
struct Quotes: Sendable {
    let logger: Logger

    enum State: String, Sendable, Codable {
        case pending, accepted, rejected, revoked
    }

    struct Quote: Sendable, Equatable {
        var quoting: String
        var quoted: String
        var quotedAuthor: String
        var requestID: String
        var state: State
        /// The stamp the quoted author's `Accept` named (`quoteAuthorization`).
        var authorization: String?
    }

    func record(_ quote: Quote, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO social.quotes (quoting, quoted, quoted_author, request_id, state, stamp)
            VALUES (\(quote.quoting), \(quote.quoted), \(quote.quotedAuthor), \(quote.requestID), \(quote.state.rawValue), \(quote.authorization))
            """,
            logger: logger
        )
    }

    func find(quoting: String, on connection: PostgresConnection) async throws -> Quote? {
        try await select("quoting = $1", quoting, on: connection)
    }

    /// Records the quoted author's answer to a pending request; nil (and nothing changed) when
    /// the request is not ours, was answered, or `actor` is not the quoted author.
    func answer(
        requestID: String,
        by actor: String,
        accepted: Bool,
        authorization: String?,
        on connection: PostgresConnection
    ) async throws -> Quote? {
        guard let quote = try await select("request_id = $1", requestID, on: connection), quote.quotedAuthor == actor, quote.state == .pending
        else { return nil }
        let state: State = accepted ? .accepted : .rejected
        try await connection.query(
            """
            UPDATE social.quotes SET state = \(state.rawValue), stamp = \(accepted ? authorization : nil), updated_at = now()
            WHERE quoting = \(quote.quoting)
            """,
            logger: logger
        )
        return Quote(
            quoting: quote.quoting,
            quoted: quote.quoted,
            quotedAuthor: quote.quotedAuthor,
            requestID: requestID,
            state: state,
            authorization: accepted ? authorization : nil
        )
    }

    /// The quoted author withdraws the approval `authorization`; nil when it names none they gave.
    func revoke(authorization: String, by actor: String, on connection: PostgresConnection) async throws -> Quote? {
        guard let quote = try await select("stamp = $1", authorization, on: connection), quote.quotedAuthor == actor else { return nil }
        try await connection.query(
            "UPDATE social.quotes SET state = 'revoked', stamp = NULL, updated_at = now() WHERE quoting = \(quote.quoting)",
            logger: logger
        )
        var revoked = quote
        revoked.state = .revoked
        revoked.authorization = nil
        return revoked
    }

    private func select(_ condition: String, _ value: String, on connection: PostgresConnection) async throws -> Quote? {
        var binds = PostgresBindings()
        binds.append(value)
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: "SELECT quoting, quoted, quoted_author, request_id, state, stamp FROM social.quotes WHERE \(condition)",
                binds: binds
            ),
            logger: logger
        ).collect()
        guard let row = rows.first else { return nil }
        let (quoting, quoted, author, requestID, state, authorization) = try row.decode((String, String, String, String, String, String?).self)
        return Quote(
            quoting: quoting,
            quoted: quoted,
            quotedAuthor: author,
            requestID: requestID,
            state: State(rawValue: state) ?? .pending,
            authorization: authorization
        )
    }
}
