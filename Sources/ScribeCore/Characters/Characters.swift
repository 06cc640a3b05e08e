import Crypto
import Foundation
import Logging
import NIOCore
import PostgresNIO
import ScribeContracts

/// A user's characters: creation, import from card files, listing, reading, replacing,
/// deleting and export.
///
/// Guarantees:
/// - Everything a card says, and its avatar, is encrypted under the owner's DEK before it
///   reaches the database; only the logged-in owner's session can read it.
/// - Another user's character, or one that does not exist, is "not found" alike.
/// - A file that is not a card (or a hostile one) is refused with a clear error and writes nothing.
/// - Export gives back every field that came in, unknown ones and `extensions` included.
public struct Characters: Sendable {
    /// Upper bound of an imported file or avatar.
    public static let maximumFileSize = 10 * 1_048_576

    let pool: PostgresClient
    let eventLog: EventLog
    let masterKeys: MasterKeyring
    let logger: Logger

    func transaction<Result: Sendable>(
        _ body: nonisolated(nonsending) (PostgresConnection) async throws -> sending Result
    ) async throws(CoreError) -> Result {
        try await ScribeCore.transaction(on: pool, logger: logger, body)
    }

    // MARK: Creating

    /// Stores a new private character for the session's user.
    public func create(_ card: CharacterCard, avatar: Data? = nil, for session: AuthenticatedSession) async throws(CoreError) -> LibraryCharacter {
        try Self.checkName(card)
        if let avatar, !PNGCard.isPNG(avatar) { throw CoreError.invalid("avatar", "An avatar must be a PNG image.") }
        let id = UUID()
        let sealed = try CharacterRecord.seal(card, avatar: avatar, id: id, key: session.dek)
        var binds = PostgresBindings()
        binds.append(id)
        binds.append(session.account.id)
        binds.append(card.sourceSpec)
        binds.append(card.sourceSpecVersion)
        binds.append(avatar == nil ? nil : "image/png" as String?)
        for column in CharacterRecord.sealedColumns {
            binds.append(bytes: sealed[column]??.ciphertext)
            binds.append(bytes: sealed[column]??.nonce)
        }
        let placeholders = (1...binds.count).map { "$\($0)" }.joined(separator: ", ")
        let statement = PostgresQuery(
            unsafeSQL: """
                INSERT INTO core.characters (id, user_id, spec, spec_version, avatar_content_type, \(CharacterRecord.columnList(CharacterRecord.sealedColumns)))
                VALUES (\(placeholders)) RETURNING created_at, updated_at
                """,
            binds: binds
        )
        let rows = try await run { try await pool.query(statement, logger: logger).collect() }
        let (createdAt, updatedAt) = try decode(rows[0], as: (Date, Date).self)
        logger.info("character created", metadata: ["character": .string(id.uuidString), "account": .string(session.account.username)])
        return LibraryCharacter(
            id: id,
            ownerID: session.account.id,
            card: card,
            visibility: .private,
            avatarContentType: avatar == nil ? nil : "image/png",
            createdAt: createdAt,
            updatedAt: updatedAt
        )
    }

    /// Imports a card file: a PNG card (which also becomes the avatar), a CHARX archive (its main
    /// icon becomes the avatar) or a JSON card (V1, V2, V3 or Pygmalion).
    public func importFile(_ bytes: Data, for session: AuthenticatedSession) async throws(CoreError) -> LibraryCharacter {
        guard bytes.count <= Self.maximumFileSize else { throw CoreError.invalid("file", "A card file may be at most 10 MiB.") }
        if PNGCard.isPNG(bytes) {
            let card = try CharacterCard.read(json: try PNGCard.cardJSON(in: bytes))
            return try await create(card, avatar: try PNGCard.removingCard(from: bytes), for: session)
        }
        if CHARXCard.isCHARX(bytes) {
            let (card, avatar) = try CHARXCard.read(bytes)
            return try await create(card, avatar: try avatar.map { image throws(CoreError) in try PNGCard.removingCard(from: image) }, for: session)
        }
        return try await create(try CharacterCard.read(json: bytes), for: session)
    }

    // MARK: Reading

    public func list(for session: AuthenticatedSession) async throws(CoreError) -> [CharacterSummary] {
        let rows = try await run {
            try await pool.query(
                """
                SELECT id, sharing_visibility, created_at, updated_at, avatar_content_type IS NOT NULL, name, name_nonce, tags, tags_nonce
                FROM core.characters WHERE user_id = \(session.account.id) ORDER BY created_at, id
                """,
                logger: logger
            ).collect()
        }
        return try rows.map { row throws(CoreError) in
            let (id, visibility, createdAt, updatedAt, hasAvatar) = try decode(row, as: (UUID, String, Date, Date, Bool).self)
            let cells = row.makeRandomAccess()
            let name = try CharacterRecord.open(cells, column: "name", id: id, key: session.dek).flatMap(JSONValue.parse)?.stringValue ?? ""
            let tags =
                try CharacterRecord.open(cells, column: "tags", id: id, key: session.dek).flatMap(JSONValue.parse)?.arrayValue?
                .compactMap(\.stringValue) ?? []
            return CharacterSummary(
                id: id,
                name: name,
                tags: tags,
                visibility: SharingVisibility(rawValue: visibility) ?? .private,
                createdAt: createdAt,
                updatedAt: updatedAt,
                hasAvatar: hasAvatar
            )
        }
    }

    /// The whole character, for its owner only.
    public func get(_ id: UUID, for session: AuthenticatedSession) async throws(CoreError) -> LibraryCharacter {
        let row = try await ownedRow(id, columns: CharacterRecord.cardColumns + [CharacterRecord.extraColumn], session: session)
        let (spec, specVersion, visibility, avatarType, createdAt, updatedAt) = try decode(
            row,
            as: (String, String, String, String?, Date, Date).self
        )
        let card = try CharacterRecord.openCard(row.makeRandomAccess(), id: id, key: session.dek, spec: spec, specVersion: specVersion)
        return LibraryCharacter(
            id: id,
            ownerID: session.account.id,
            card: card,
            visibility: SharingVisibility(rawValue: visibility) ?? .private,
            avatarContentType: avatarType,
            createdAt: createdAt,
            updatedAt: updatedAt
        )
    }

    /// The avatar image, if the character has one.
    public func avatar(_ id: UUID, for session: AuthenticatedSession) async throws(CoreError) -> ExportedFile? {
        let row = try await ownedRow(id, columns: [CharacterRecord.avatarColumn], session: session)
        guard let image = try CharacterRecord.open(row.makeRandomAccess(), column: CharacterRecord.avatarColumn, id: id, key: session.dek) else {
            return nil
        }
        return ExportedFile(bytes: image, contentType: "image/png", fileName: "avatar.png")
    }

    // MARK: Changing

    /// Replaces the card, and the avatar when `avatar` (a PNG) is given; otherwise the avatar
    /// stays. A published character's projection is re-sealed and `ItemUpdated` recorded with
    /// the owner's `note` on the change (one line of at most 500 characters, empty for none), in
    /// the same transaction.
    public func replaceCard(
        _ id: UUID,
        with card: CharacterCard,
        avatar: Data? = nil,
        note: String? = nil,
        for session: AuthenticatedSession
    ) async throws(CoreError) -> LibraryCharacter {
        try Self.checkName(card)
        if let avatar {
            guard PNGCard.isPNG(avatar) else { throw CoreError(.invalidInput, "A character's art is a PNG image.", field: "avatar") }
            guard avatar.count <= Self.maximumAvatarSize else {
                throw CoreError(.invalidInput, "A character's art is at most \(Self.maximumAvatarSize >> 20) MB.", field: "avatar")
            }
        }
        let note = try Self.checkedNote(note)
        let sealed = try CharacterRecord.seal(card, avatar: avatar, id: id, key: session.dek)
        var binds = PostgresBindings()
        binds.append(id)
        binds.append(session.account.id)
        var assignments: [String] = []
        for column in CharacterRecord.cardColumns + [CharacterRecord.extraColumn] + (avatar == nil ? [] : [CharacterRecord.avatarColumn]) {
            binds.append(bytes: sealed[column]??.ciphertext)
            assignments.append("\(column) = $\(binds.count)")
            binds.append(bytes: sealed[column]??.nonce)
            assignments.append("\(column)_nonce = $\(binds.count)")
        }
        let statement = PostgresQuery(
            unsafeSQL: """
                UPDATE core.characters SET \(assignments.joined(separator: ", ")), spec = 'chara_card_v3', spec_version = '3.0', updated_at = now()\(
                    avatar == nil ? "" : ", avatar_content_type = 'image/png'")
                WHERE id = $1 AND user_id = $2
                """,
            binds: binds
        )
        try await transaction { connection in
            let visibility = try await lockedVisibility(id, session: session, on: connection)
            try await connection.query(statement, logger: logger)
            if visibility != .private {
                try await publish(id, visibility: visibility, session: session, on: connection)
                try await eventLog.append(.itemUpdated, subjectKind: .character, subjectID: id, visibility: visibility, note: note, on: connection)
            }
        }
        return try await get(id, for: session)
    }

    /// The largest art kept from an editor: 8 MB, as a card imported whole may be.
    static var maximumAvatarSize: Int { 8 << 20 }

    /// A note on a change: trimmed, one line, at most ``CoreEvent/maximumNoteLength``
    /// characters; nil when empty.
    static func checkedNote(_ note: String?) throws(CoreError) -> String? {
        guard let text = note?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        guard text.count <= CoreEvent.maximumNoteLength else {
            throw CoreError(.invalidInput, "A note on a change has at most \(CoreEvent.maximumNoteLength) characters.", field: "change_note")
        }
        guard !text.contains(where: \.isNewline) else { throw CoreError(.invalidInput, "A note on a change is one line.", field: "change_note") }
        return text
    }

    /// Deletes the character and, with it, its projection; a published one records `ItemDeleted`.
    public func delete(_ id: UUID, for session: AuthenticatedSession) async throws(CoreError) {
        try await transaction { connection in
            let visibility = try await lockedVisibility(id, session: session, on: connection)
            try await connection.query("DELETE FROM core.characters WHERE id = \(id)", logger: logger)
            if visibility != .private {
                try await eventLog.append(.itemDeleted, subjectKind: .character, subjectID: id, visibility: .private, on: connection)
            }
        }
    }

    // MARK: Export

    public func export(_ id: UUID, as format: CharacterExportFormat, for session: AuthenticatedSession) async throws(CoreError) -> ExportedFile {
        let character = try await get(id, for: session)
        let avatar = format == .png || format == .charx ? try await avatar(id, for: session)?.bytes : nil
        return try Self.file(character.card, avatar: avatar, as: format)
    }

    /// A card as a file in `format`; a PNG without an avatar embeds the card in a blank image.
    static func file(_ card: CharacterCard, avatar: Data?, as format: CharacterExportFormat) throws(CoreError) -> ExportedFile {
        let stem = fileStem(card.name)
        switch format {
        case .v3: return ExportedFile(bytes: card.v3JSON(), contentType: "application/json", fileName: "\(stem).json")
        case .v2: return ExportedFile(bytes: card.v2JSON(), contentType: "application/json", fileName: "\(stem).v2.json")
        case .png:
            return ExportedFile(
                bytes: try PNGCard.embedding(card, in: avatar ?? PNGCard.blankImage),
                contentType: "image/png",
                fileName: "\(stem).png"
            )
        case .charx: return ExportedFile(bytes: try CHARXCard.write(card, avatar: avatar), contentType: "application/zip", fileName: "\(stem).charx")
        }
    }

    // MARK: Pieces

    static let notFound = CoreError(.notFound, "There is no such character.")

    static func checkName(_ card: CharacterCard) throws(CoreError) {
        guard !card.name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw CoreError.invalid("name", "A character needs a name.") }
    }

    /// A file name from the character's name: letters, digits, dashes and underscores only.
    static func fileStem(_ name: String) -> String {
        let stem = String(name.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" ? Swift.Character($0) : "_" })
        return stem.isEmpty ? "character" : String(stem.prefix(64))
    }

    /// The row of a character the session's user owns, with the given sealed columns after
    /// spec, spec_version, sharing_visibility, avatar_content_type, created_at, updated_at. Read
    /// on `connection` inside a transaction, else from the pool.
    func ownedRow(
        _ id: UUID,
        columns: [String],
        session: AuthenticatedSession,
        on connection: PostgresConnection? = nil
    ) async throws(CoreError) -> PostgresRow {
        let query: PostgresQuery = """
            SELECT spec, spec_version, sharing_visibility, avatar_content_type, created_at, updated_at, \(unescaped: CharacterRecord.columnList(columns))
            FROM core.characters WHERE id = \(id) AND user_id = \(session.account.id)
            """
        let rows = try await run {
            if let connection {
                try await connection.query(query, logger: logger).collect()
            } else {
                try await pool.query(query, logger: logger).collect()
            }
        }
        guard let row = rows.first else { throw Self.notFound }
        return row
    }
}

extension PostgresBindings {
    /// Binds optional bytes as `bytea`, or NULL.
    mutating func append(bytes: Data?) {
        if let bytes { append(ByteBuffer(bytes: bytes)) } else { appendNull() }
    }
}
