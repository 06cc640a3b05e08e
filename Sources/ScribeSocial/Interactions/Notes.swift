import ActivityPubKit
import Foundation
import Logging
import PostgresNIO

/// A note we keep (`social.notes`): a remote post, or a local user's comment.
struct StoredNote: Sendable, Equatable {
    var id: String
    var actorID: String
    var localAuthor: UUID?
    var inReplyTo: String?
    var itemID: UUID?
    var content: String
    var visibility: String
    var publishedAt: Date
    var deleted: Bool
}

/// Notes, and how a note's addressing reads as a visibility.
struct Notes: Sendable {
    let logger: Logger

    static let publicAudience = ItemNote.publicAudience

    /// Public in `to`: public; public in `cc`: unlisted; the author's followers: followers; else direct.
    static func visibility(of note: ASObject, authorFollowers: String?) -> String {
        let everyone: Set<String> = [publicAudience, "as:Public", "Public"]
        if !everyone.isDisjoint(with: note.to) { return "public" }
        if !everyone.isDisjoint(with: note.cc) { return "unlisted" }
        if let authorFollowers, note.to.contains(authorFollowers) || note.cc.contains(authorFollowers) { return "followers" }
        return "direct"
    }

    func store(
        _ note: ASObject,
        actorID: String,
        localAuthor: UUID?,
        itemID: UUID?,
        visibility: String,
        on connection: PostgresConnection
    ) async throws {
        guard let id = note.id else { return }
        // Remote HTML is sanitised once, here, before anything can show it.
        let content = localAuthor == nil ? HTMLSanitizer.sanitize(note.content ?? "") : (note.content ?? "")
        var document = note
        document["@context"] = nil
        let json = String(decoding: try document.encoded(), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO social.notes (id, actor_id, local_author, in_reply_to, item_id, content, url, visibility, document, published_at)
            VALUES (\(id), \(actorID), \(localAuthor), \(note.inReplyTo?.id), \(itemID), \(content), \(note.url), \(visibility), \(json)::jsonb,
                \(note.published ?? Date()))
            ON CONFLICT (id) DO UPDATE SET content = EXCLUDED.content, document = EXCLUDED.document, visibility = EXCLUDED.visibility,
                updated_at = now(), deleted_at = NULL
            WHERE social.notes.actor_id = EXCLUDED.actor_id
            """,
            logger: logger
        )
    }

    func find(_ id: String, on connection: PostgresConnection) async throws -> StoredNote? {
        try await connection.query(
            """
            SELECT actor_id, local_author, in_reply_to, item_id, content, visibility, published_at, deleted_at IS NOT NULL
            FROM social.notes WHERE id = \(id)
            """,
            logger: logger
        ).collect().first.map { row in
            let (actor, author, reply, item, content, visibility, published, deleted) = try row.decode(
                (String, UUID?, String?, UUID?, String, String, Date, Bool).self
            )
            return StoredNote(
                id: id,
                actorID: actor,
                localAuthor: author,
                inReplyTo: reply,
                itemID: item,
                content: content,
                visibility: visibility,
                publishedAt: published,
                deleted: deleted
            )
        }
    }

    /// Marks a note deleted (its author's Delete), keeping its id so replies still thread.
    /// Callers take it out of the feeds too.
    /// The note's stored document, as JSON.
    func document(_ id: String, on connection: PostgresConnection) async throws -> String? {
        try await connection.query("SELECT document::text FROM social.notes WHERE id = \(id)", logger: logger).collect().first
            .map { try $0.decode(String.self) }
    }

    func delete(_ id: String, by actorID: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            "UPDATE social.notes SET deleted_at = now(), content = '' WHERE id = \(id) AND actor_id = \(actorID) AND deleted_at IS NULL RETURNING 1",
            logger: logger
        ).collect()
        return !rows.isEmpty
    }

    /// Marks every note of `actor` deleted (the account is gone).
    func deleteAll(by actorID: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE social.notes SET deleted_at = now(), content = '' WHERE actor_id = \(actorID) AND deleted_at IS NULL",
            logger: logger
        )
    }
}
