import Crypto
import Foundation
import Logging
import NIOCore
import PostgresNIO
import ScribeContracts

/// A lorebook in its owner's library: the whole book, decrypted.
public struct LibraryLorebook: Sendable {
    public var id: UUID
    public var book: Lorebook
    public var isPublic: Bool
    public var sourceFormat: String
    public var createdAt: Date
    public var updatedAt: Date
}

/// The formats a lorebook exports to.
public enum LorebookExportFormat: String, Sendable, CaseIterable {
    /// `{ "spec": "lorebook_v3", "data": ... }`.
    case v3
    /// SillyTavern World Info.
    case worldInfo = "world_info"
}

/// A user's lorebooks: import, listing, reading, deleting and export. Each book's own fields are
/// sealed together; each entry is sealed in its own row; all under the owner's DEK. Another
/// user's lorebook is "not found".
public struct Lorebooks: Sendable {
    public static let maximumFileSize = 10 * 1_048_576

    let pool: PostgresClient
    let eventLog: EventLog
    let masterKeys: MasterKeyring
    let logger: Logger

    static let booksTable = "core.lorebooks"
    static let entriesTable = "core.lorebook_entries"
    static let notFound = CoreError(.notFound, "There is no such lorebook.")

    /// Imports a lorebook file (World Info, `lorebook_v3` or a character book); `name` names a
    /// World Info book, which carries no name of its own.
    public func importFile(_ bytes: Data, name: String?, for session: AuthenticatedSession) async throws(CoreError) -> LibraryLorebook {
        guard bytes.count <= Self.maximumFileSize else { throw CoreError.invalid("file", "A lorebook file may be at most 10 MiB.") }
        let book = try Lorebook.read(json: bytes, name: name)
        return try await create(book, sourceFormat: Self.format(of: bytes), for: session)
    }

    /// Stores a book as a new private lorebook.
    public func create(
        _ book: Lorebook,
        sourceFormat: String = "scribe",
        for session: AuthenticatedSession
    ) async throws(CoreError) -> LibraryLorebook {
        guard let name = book.name, !name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw CoreError.invalid("name", "A lorebook needs a name.")
        }
        let id = UUID()
        let sealed = try Self.seal(book, id: id, key: session.dek)
        let stored = try await transaction(on: pool, logger: logger) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO core.lorebooks (id, user_id, source_format, book, book_nonce)
                VALUES (\(id), \(session.account.id), \(sourceFormat), \(ByteBuffer(bytes: sealed.header.ciphertext)), \(ByteBuffer(bytes: sealed.header.nonce)))
                RETURNING created_at, updated_at
                """,
                logger: logger
            ).collect()
            try await Self.storeEntries(sealed.entries, of: id, owner: session.account.id, on: connection, logger: logger)
            return try decode(rows[0], as: (Date, Date).self)
        }
        return LibraryLorebook(id: id, book: book, isPublic: false, sourceFormat: sourceFormat, createdAt: stored.0, updatedAt: stored.1)
    }

    public func list(for session: AuthenticatedSession) async throws(CoreError) -> [LorebookSummary] {
        let rows = try await run {
            try await pool.query(
                """
                SELECT l.id, l.is_public, l.created_at, l.updated_at, l.book, l.book_nonce,
                    (SELECT count(*)::int FROM core.lorebook_entries e WHERE e.lorebook_id = l.id)
                FROM core.lorebooks l WHERE l.user_id = \(session.account.id) ORDER BY l.created_at, l.id
                """,
                logger: logger
            ).collect()
        }
        return try rows.map { row throws(CoreError) in
            let (id, isPublic, createdAt, updatedAt, book, nonce, count) = try decode(row, as: (UUID, Bool, Date, Date, Data, Data, Int).self)
            let header = try Self.openHeader(SealedValue(ciphertext: book, nonce: nonce), id: id, key: session)
            return LorebookSummary(
                id: id,
                name: header["name"]?.stringValue ?? "",
                entryCount: count,
                isPublic: isPublic,
                createdAt: createdAt,
                updatedAt: updatedAt
            )
        }
    }

    public func get(_ id: UUID, for session: AuthenticatedSession) async throws(CoreError) -> LibraryLorebook {
        let books = try await run {
            try await pool.query(
                """
                SELECT is_public, source_format, created_at, updated_at, book, book_nonce
                FROM core.lorebooks WHERE id = \(id) AND user_id = \(session.account.id)
                """,
                logger: logger
            ).collect()
        }
        guard let bookRow = books.first else { throw Self.notFound }
        let (isPublic, sourceFormat, createdAt, updatedAt, book, nonce) = try decode(bookRow, as: (Bool, String, Date, Date, Data, Data).self)
        var data = try Self.openHeader(SealedValue(ciphertext: book, nonce: nonce), id: id, key: session)
        let entryRows = try await run {
            try await pool.query(
                "SELECT id, entry, entry_nonce FROM core.lorebook_entries WHERE lorebook_id = \(id) ORDER BY entry_order",
                logger: logger
            ).collect()
        }
        data["entries"] = .array(
            try entryRows.map { row throws(CoreError) -> JSONValue in
                let (entryID, ciphertext, entryNonce) = try decode(row, as: (UUID, Data, Data).self)
                let plaintext = try FieldCipher.open(
                    SealedValue(ciphertext: ciphertext, nonce: entryNonce),
                    with: session.dek,
                    binding: Self.entryBinding(entryID)
                )
                guard let entry = JSONValue.parse(plaintext) else { throw CoreError(.corrupted, "a stored lorebook entry is not JSON") }
                return entry
            }
        )
        return LibraryLorebook(
            id: id,
            book: Lorebook(data: data),
            isPublic: isPublic,
            sourceFormat: sourceFormat,
            createdAt: createdAt,
            updatedAt: updatedAt
        )
    }

    /// Deletes the lorebook, its entries and its projection; a public one records `ItemDeleted`.
    public func delete(_ id: UUID, for session: AuthenticatedSession) async throws(CoreError) {
        try await transaction(on: pool, logger: logger) { connection in
            let wasPublic = try await lockedIsPublic(id, session: session, on: connection)
            try await connection.query("DELETE FROM core.lorebooks WHERE id = \(id)", logger: logger)
            if wasPublic {
                try await eventLog.append(.itemDeleted, subjectKind: .lorebook, subjectID: id, visibility: .private, on: connection)
            }
        }
    }

    /// Makes the lorebook public or private again (the original Scribe `is_public`). Becoming
    /// public seals its projection and records `ItemPublished`; becoming private destroys the
    /// projection and records `ItemUnpublished`; in one transaction. No change, no event.
    public func setPublic(_ id: UUID, _ isPublic: Bool, for session: AuthenticatedSession) async throws(CoreError) -> LibraryLorebook {
        let lorebook = try await get(id, for: session)
        let sealed = isPublic ? try Publication.lorebooks.seal(["book": lorebook.book.v3JSON()], id: id, masterKeys: masterKeys) : nil
        try await transaction(on: pool, logger: logger) { connection in
            guard try await lockedIsPublic(id, session: session, on: connection) != isPublic else { return }
            try await connection.query("UPDATE core.lorebooks SET is_public = \(isPublic), updated_at = now() WHERE id = \(id)", logger: logger)
            if let sealed {
                try await Publication.lorebooks.store(sealed, id: id, ownerID: session.account.id, columns: ["book"], on: connection, logger: logger)
                try await eventLog.append(.itemPublished, subjectKind: .lorebook, subjectID: id, visibility: .public, on: connection)
            } else {
                try await Publication.lorebooks.delete(id, on: connection, logger: logger)
                try await eventLog.append(.itemUnpublished, subjectKind: .lorebook, subjectID: id, visibility: .private, on: connection)
            }
        }
        return try await get(id, for: session)
    }

    /// The shareable view of a public lorebook: anyone may see it, unless a moderator hid it; of
    /// one for sale, a preview unless the viewer owns or bought it.
    public func sharedView(_ id: UUID, for viewer: Viewer) async throws(CoreError) -> SharedItem {
        try await published(id).shown(to: viewer)
    }

    /// The lorebook as a shared file for `viewer` (V3 or World Info JSON): only the full book, never a preview.
    public func sharedFile(_ id: UUID, as format: LorebookExportFormat, for viewer: Viewer) async throws(CoreError) -> ExportedFile {
        let published = try await published(id)
        guard published.isOpen(to: viewer) else { throw Characters.forSale }
        let data = published.item.content.objectValue?["data"]?.objectValue ?? [:]
        return Self.file(Lorebook(data: data), as: format)
    }

    /// The published lorebook in full, unless it is hidden.
    func published(_ id: UUID) async throws(CoreError) -> PublishedItem {
        let rows = try await run {
            try await pool.query(
                """
                SELECT p.owner_id, u.username, p.master_key_id, p.publication_key, p.publication_key_nonce, p.book, p.book_nonce,
                    p.published_at, p.updated_at, coalesce(r.for_sale, false), r.content_rating, r.content_rating_set_at
                FROM core.lorebook_publications p JOIN core.users u ON u.id = p.owner_id
                LEFT JOIN core.item_restrictions r ON r.subject_kind = 'lorebook' AND r.item_id = p.lorebook_id
                WHERE p.lorebook_id = \(id) AND u.account_status = 'active' AND NOT coalesce(r.hidden, false)
                """,
                logger: logger
            ).collect()
        }
        guard let row = rows.first else { throw Self.notFound }
        let (ownerID, username, keyID, wrapped, wrappedNonce, book, bookNonce, publishedAt, updatedAt, forSale, ratedByHand, ratedAt) =
            try decode(row, as: (UUID, String, String, Data, Data, Data, Data, Date, Date, Bool, String?, Date?).self)
        let publication = Publication.lorebooks
        let key = try publication.publicationKey(
            id: id,
            masterKeyID: keyID,
            wrapped: SealedValue(ciphertext: wrapped, nonce: wrappedNonce),
            masterKeys: masterKeys
        )
        let json = try FieldCipher.open(SealedValue(ciphertext: book, nonce: bookNonce), with: key, binding: publication.binding(id, "book"))
        guard let content = JSONValue.parse(json) else { throw CoreError(.corrupted, "a published lorebook is not JSON") }
        let item = SharedItem(
            kind: .lorebook,
            id: id,
            ownerID: ownerID,
            ownerUsername: username,
            visibility: .public,
            content: content,
            hasAvatar: false,
            publishedAt: publishedAt,
            updatedAt: PublishedItem.updatedAt(updatedAt, ratedAt: ratedAt),
            contentRating: PublishedItem.contentRating(byHand: ratedByHand, content: content)
        )
        return PublishedItem(item: item, forSale: forSale)
    }

    /// Whether the lorebook is public, with its row locked for the rest of the transaction.
    func lockedIsPublic(_ id: UUID, session: AuthenticatedSession, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            "SELECT is_public FROM core.lorebooks WHERE id = \(id) AND user_id = \(session.account.id) FOR UPDATE",
            logger: logger
        ).collect()
        guard let row = rows.first else { throw Self.notFound }
        return try row.decode(Bool.self)
    }

    public func export(_ id: UUID, as format: LorebookExportFormat, for session: AuthenticatedSession) async throws(CoreError) -> ExportedFile {
        Self.file(try await get(id, for: session).book, as: format)
    }

    static func file(_ book: Lorebook, as format: LorebookExportFormat) -> ExportedFile {
        let stem = Characters.fileStem(book.name ?? "lorebook")
        switch format {
        case .v3: return ExportedFile(bytes: book.v3JSON(), contentType: "application/json", fileName: "\(stem).lorebook.json")
        case .worldInfo: return ExportedFile(bytes: book.worldInfoJSON(), contentType: "application/json", fileName: "\(stem).json")
        }
    }

    // MARK: Pieces

    static func entryBinding(_ entryID: UUID) -> FieldBinding { FieldBinding(table: entriesTable, row: entryID, column: "entry") }

    /// A book sealed under the owner's DEK: its header (everything but the entries) and each entry.
    struct SealedBook {
        var header: SealedValue
        var entries: [(id: UUID, value: SealedValue)]
    }

    static func seal(_ book: Lorebook, id: UUID, key: SymmetricKey) throws(CoreError) -> SealedBook {
        var header = book.data
        header.removeValue(forKey: "entries")
        let sealedHeader = try FieldCipher.seal(
            JSONValue.object(header).serialized(),
            with: key,
            binding: FieldBinding(table: booksTable, row: id, column: "book")
        )
        let entries = try book.entries.map { entry throws(CoreError) -> (id: UUID, value: SealedValue) in
            let entryID = UUID()
            return (entryID, try FieldCipher.seal(JSONValue.object(entry).serialized(), with: key, binding: entryBinding(entryID)))
        }
        return SealedBook(header: sealedHeader, entries: entries)
    }

    static func storeEntries(
        _ entries: [(id: UUID, value: SealedValue)],
        of lorebookID: UUID,
        owner: UUID,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        for (order, entry) in entries.enumerated() {
            try await connection.query(
                """
                INSERT INTO core.lorebook_entries (id, lorebook_id, user_id, entry_order, entry, entry_nonce)
                VALUES (\(entry.id), \(lorebookID), \(owner), \(order), \(ByteBuffer(bytes: entry.value.ciphertext)), \(ByteBuffer(bytes: entry.value.nonce)))
                """,
                logger: logger
            )
        }
    }

    static func openHeader(_ sealed: SealedValue, id: UUID, key session: AuthenticatedSession) throws(CoreError) -> [String: JSONValue] {
        let plaintext = try FieldCipher.open(sealed, with: session.dek, binding: FieldBinding(table: booksTable, row: id, column: "book"))
        guard let header = JSONValue.parse(plaintext)?.objectValue else { throw CoreError(.corrupted, "a stored lorebook is not JSON") }
        return header
    }

    /// Which of the formats ``Lorebook/read(json:name:)`` accepts the file is in.
    static func format(of bytes: Data) -> String {
        guard case .object(let root) = JSONValue.parse(bytes) else { return "scribe" }
        if root["spec"] != nil { return "lorebook_v3" }
        if case .object = root["entries"] { return "silly_tavern_world_info" }
        return "character_book"
    }
}
