import ActivityPubKit
import Foundation
import Logging
import PostgresNIO

/// Approvals of remote posts that quote ours (`social.quote_authorizations`, FEP-044f as
/// Mastodon 4.5 uses it): the stamp an `Accept` names as its `result`, served at its id so other
/// servers can check that the quoted author agreed.
///
/// Guarantees: one stamp per request, however often it is delivered; a stamp is served only
/// while its author's account is live and has not taken the approval back. What may be approved is the inbox's rule
/// (`InboundInteractions.quoteRequest`): a public item, or a public or unlisted post.
struct QuoteAuthorizations: Sendable {
    let urls: ActorURLs
    let logger: Logger

    /// Records the approval of `requestID` and returns its stamp's id (`stampID`, or a new one);
    /// the stamp already made for a redelivered request, if there is one.
    func approve(
        requestID: String,
        quoted: String,
        quoting: String,
        by owner: LocalTargets.Shared,
        stampID: String? = nil,
        on connection: PostgresConnection
    ) async throws -> String {
        let id = stampID ?? "\(owner.ownerActor)/quote_authorizations/\(UUID().uuidString.lowercased())"
        let rows = try await connection.query(
            """
            INSERT INTO social.quote_authorizations (id, request_id, author, quoted, quoting)
            VALUES (\(id), \(requestID), \(owner.ownerID), \(quoted), \(quoting))
            ON CONFLICT (request_id) DO UPDATE SET request_id = EXCLUDED.request_id
            RETURNING id
            """,
            logger: logger
        ).collect()
        return try rows.first?.decode(String.self) ?? id
    }

    /// The stamps `author` gave to the quotes of their objects by `quoting`.
    func given(by author: UUID, quoting: String, on connection: PostgresConnection) async throws -> [String] {
        try await connection.query(
            "SELECT id FROM social.quote_authorizations WHERE author = \(author) AND quoting = \(quoting)",
            logger: logger
        ).collect().map { try $0.decode(String.self) }
    }

    /// Takes back an approval: its stamp is no longer served (Mastodon answers 404 for it too).
    func withdraw(_ id: String, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM social.quote_authorizations WHERE id = \(id)", logger: logger)
    }

    /// The stamp at `id`, as Mastodon serves one (`QuoteAuthorizationSerializer`).
    func stamp(_ id: String, on connection: PostgresConnection) async throws -> ASObject? {
        let rows = try await connection.query(
            """
            SELECT \(urls.localActorPrefix) || la.username, q.quoted, q.quoting FROM social.quote_authorizations q
            JOIN social.local_actors la ON la.user_id = q.author WHERE q.id = \(id) AND la.deleted_at IS NULL
            """,
            logger: logger
        ).collect()
        guard let row = rows.first else { return nil }
        let (author, quoted, quoting) = try row.decode((String, String, String).self)
        let stamp: ASObject = [
            "id": .string(id), "type": "QuoteAuthorization", "attributedTo": .string(author),
            "interactingObject": .string(quoting), "interactionTarget": .string(quoted),
        ]
        return stamp.document(in: ScribeVocabulary.context)
    }
}
