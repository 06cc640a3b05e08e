import ActivityPubKit
import Foundation
import Logging
import PostgresNIO

/// Approvals of remote posts that quote ours (`social.quote_authorizations`, FEP-044f as
/// Mastodon 4.5 uses it): the stamp an `Accept` names as its `result`, served at its id so other
/// servers can check that the quoted author agreed.
///
/// Guarantees: only a public item, or a public or unlisted post or comment, is ever approved;
/// one stamp per request, however often it is delivered.
struct QuoteAuthorizations: Sendable {
    let urls: ActorURLs
    let logger: Logger

    /// One of our objects someone asks to quote: its owner, the owner's actor, and whether anyone
    /// may quote it.
    struct Quotable: Sendable {
        var ownerID: UUID
        var ownerActor: String
        /// Public (or an unlisted post, which Mastodon lets anyone quote too).
        var isOpen: Bool
    }

    /// Whose `objectID` is, if it is ours and live, and whether it may be quoted.
    func find(_ objectID: String, on connection: PostgresConnection) async throws -> Quotable? {
        guard let (kind, id) = urls.localObject(objectID) else { return nil }
        let prefix = urls.localActorPrefix
        let rows: [PostgresRow]
        if kind == "comment" || kind == "post" {
            rows = try await connection.query(
                """
                SELECT n.local_author, \(prefix) || la.username, n.visibility IN ('public', 'unlisted')
                FROM social.notes n JOIN social.local_actors la ON la.user_id = n.local_author
                WHERE n.id = \(objectID) AND n.deleted_at IS NULL AND la.deleted_at IS NULL
                """,
                logger: logger
            ).collect()
        } else {
            rows = try await connection.query(
                """
                SELECT p.owner_id, \(prefix) || la.username, p.visibility = 'public'
                FROM social.published_objects p JOIN social.local_actors la ON la.user_id = p.owner_id
                WHERE p.item_id = \(id) AND p.kind = \(kind) AND p.deleted_at IS NULL AND la.deleted_at IS NULL
                """,
                logger: logger
            ).collect()
        }
        return try rows.first.map { row in
            let (owner, actor, open) = try row.decode((UUID, String, Bool).self)
            return Quotable(ownerID: owner, ownerActor: actor, isOpen: open)
        }
    }

    /// Records the approval of `requestID` and returns its stamp's id; the stamp already made for a
    /// redelivered request, if there is one.
    func approve(requestID: String, quoted: String, quoting: String, by owner: Quotable, on connection: PostgresConnection) async throws -> String {
        let id = "\(owner.ownerActor)/quote_authorizations/\(UUID().uuidString.lowercased())"
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
