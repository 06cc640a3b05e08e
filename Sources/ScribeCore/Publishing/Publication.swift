import Crypto
import Foundation
import Logging
import NIOCore
import PostgresNIO
import ScribeContracts

/// The public projection of a published item: a `core.<kind>_publications` table row holding the
/// item's shareable documents sealed under a fresh publication key, which the server's current
/// master key wraps.
///
/// Shared views open this copy; the owner's DEK is never involved, so a published item can be
/// shown while its owner is logged out. Deleting the row destroys the key, and with it every way
/// to read the copy.
struct Publication: Sendable {
    /// `core.character_publications` keyed by `character_id`, or `core.lorebook_publications` by `lorebook_id`.
    let table: String
    let idColumn: String

    static let characters = Publication(table: "core.character_publications", idColumn: "character_id")
    static let lorebooks = Publication(table: "core.lorebook_publications", idColumn: "lorebook_id")

    func binding(_ id: UUID, _ column: String) -> FieldBinding { FieldBinding(table: table, row: id, column: column) }

    struct Sealed {
        var masterKeyID: String
        var wrappedKey: SealedValue
        /// Sealed documents by column (`card`, `avatar`, `book`).
        var documents: [String: SealedValue]
    }

    /// Seals `documents` (by column) under a new publication key wrapped by the current master key.
    func seal(_ documents: [String: Data], id: UUID, masterKeys: MasterKeyring) throws(CoreError) -> Sealed {
        let publicationKey = SymmetricKey(size: .bits256)
        var sealed: [String: SealedValue] = [:]
        for (column, bytes) in documents {
            sealed[column] = try FieldCipher.seal(bytes, with: publicationKey, binding: binding(id, column))
        }
        return Sealed(
            masterKeyID: masterKeys.current.id,
            wrappedKey: try FieldCipher.wrap(publicationKey, with: masterKeys.current.key, binding: binding(id, "publication_key")),
            documents: sealed
        )
    }

    /// Creates or replaces the projection inside the caller's transaction. `columns` lists every
    /// document column of the table; those missing from `sealed` are stored as NULL.
    func store(
        _ sealed: Sealed,
        id: UUID,
        ownerID: UUID,
        extra: [(String, String)] = [],
        columns: [String],
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        var binds = PostgresBindings()
        var names = [idColumn, "owner_id", "master_key_id", "publication_key", "publication_key_nonce"]
        binds.append(id)
        binds.append(ownerID)
        binds.append(sealed.masterKeyID)
        binds.append(ByteBuffer(bytes: sealed.wrappedKey.ciphertext))
        binds.append(ByteBuffer(bytes: sealed.wrappedKey.nonce))
        for (name, value) in extra {
            names.append(name)
            binds.append(value)
        }
        for column in columns {
            names += [column, column + "_nonce"]
            binds.append(bytes: sealed.documents[column]?.ciphertext)
            binds.append(bytes: sealed.documents[column]?.nonce)
        }
        let placeholders = (1...names.count).map { "$\($0)" }.joined(separator: ", ")
        let updates = names.dropFirst(2).map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
        try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES (\(placeholders))
                    ON CONFLICT (\(idColumn)) DO UPDATE SET \(updates), updated_at = now()
                    """,
                binds: binds
            ),
            logger: logger
        )
    }

    func delete(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            PostgresQuery(
                unsafeSQL: "DELETE FROM \(table) WHERE \(idColumn) = $1",
                binds: {
                    var b = PostgresBindings()
                    b.append(id)
                    return b
                }()
            ),
            logger: logger
        )
    }

    /// The publication key of a stored projection.
    func publicationKey(id: UUID, masterKeyID: String, wrapped: SealedValue, masterKeys: MasterKeyring) throws(CoreError) -> SymmetricKey {
        try FieldCipher.unwrap(wrapped, with: masterKeys.key(id: masterKeyID), binding: binding(id, "publication_key"))
    }

    /// Re-wraps every publication key of this table that the current master key does not wrap, a
    /// locked batch per transaction; the sealed documents are untouched. Returns how many.
    func rewrapKeys(pool: PostgresClient, masterKeys: MasterKeyring, logger: Logger) async throws(CoreError) -> Int {
        var total = 0
        while true {
            let done: Int = try await transaction(on: pool, logger: logger) { connection in
                var binds = PostgresBindings()
                binds.append(masterKeys.current.id)
                let rows = try await connection.query(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT \(idColumn), master_key_id, publication_key, publication_key_nonce FROM \(table)
                            WHERE master_key_id <> $1 LIMIT 100 FOR UPDATE SKIP LOCKED
                            """,
                        binds: binds
                    ),
                    logger: logger
                ).collect()
                for row in rows {
                    let (id, keyID, wrapped, nonce) = try decode(row, as: (UUID, String, Data, Data).self)
                    let key = try publicationKey(
                        id: id,
                        masterKeyID: keyID,
                        wrapped: SealedValue(ciphertext: wrapped, nonce: nonce),
                        masterKeys: masterKeys
                    )
                    let rewrapped = try FieldCipher.wrap(key, with: masterKeys.current.key, binding: binding(id, "publication_key"))
                    var update = PostgresBindings()
                    update.append(masterKeys.current.id)
                    update.append(ByteBuffer(bytes: rewrapped.ciphertext))
                    update.append(ByteBuffer(bytes: rewrapped.nonce))
                    update.append(id)
                    try await connection.query(
                        PostgresQuery(
                            unsafeSQL:
                                "UPDATE \(table) SET master_key_id = $1, publication_key = $2, publication_key_nonce = $3 WHERE \(idColumn) = $4",
                            binds: update
                        ),
                        logger: logger
                    )
                }
                return rows.count
            }
            total += done
            if done == 0 { return total }
        }
    }

    /// How many publication keys of this table each master key wraps.
    func masterKeyUsage(pool: PostgresClient, logger: Logger) async throws(CoreError) -> [String: Int] {
        let rows = try await run {
            try await pool.query(PostgresQuery(unsafeSQL: "SELECT master_key_id, count(*)::int FROM \(table) GROUP BY master_key_id"), logger: logger)
                .collect()
        }
        var usage: [String: Int] = [:]
        for row in rows {
            let (id, count) = try decode(row, as: (String, Int).self)
            usage[id] = count
        }
        return usage
    }
}
