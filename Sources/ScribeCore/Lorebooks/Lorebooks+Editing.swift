import Foundation
import Logging
import NIOCore
import PostgresNIO
import ScribeContracts

extension Lorebooks {
    /// Replaces the lorebook's name, description and entries with `book`'s, sealed afresh under
    /// the owner's DEK. A public lorebook's projection is re-sealed and `ItemUpdated` recorded,
    /// all in one transaction.
    public func replace(_ id: UUID, with book: Lorebook, for session: AuthenticatedSession) async throws(CoreError) -> LibraryLorebook {
        guard let name = book.name, !name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw CoreError.invalid("name", "A lorebook needs a name.")
        }
        let sealed = try Self.seal(book, id: id, key: session.dek)
        let projection = try Publication.lorebooks.seal(["book": book.v3JSON()], id: id, masterKeys: masterKeys)
        try await transaction(on: pool, logger: logger) { connection in
            let isPublic = try await lockedIsPublic(id, session: session, on: connection)
            try await connection.query(
                """
                UPDATE core.lorebooks SET book = \(ByteBuffer(bytes: sealed.header.ciphertext)), book_nonce = \(ByteBuffer(bytes: sealed.header.nonce)),
                    updated_at = now() WHERE id = \(id)
                """,
                logger: logger
            )
            try await connection.query("DELETE FROM core.lorebook_entries WHERE lorebook_id = \(id)", logger: logger)
            try await Self.storeEntries(sealed.entries, of: id, owner: session.account.id, on: connection, logger: logger)
            if isPublic {
                try await Publication.lorebooks.store(
                    projection,
                    id: id,
                    ownerID: session.account.id,
                    columns: ["book"],
                    on: connection,
                    logger: logger
                )
                try await eventLog.append(.itemUpdated, subjectKind: .lorebook, subjectID: id, visibility: .public, on: connection)
            }
        }
        return try await get(id, for: session)
    }
}
