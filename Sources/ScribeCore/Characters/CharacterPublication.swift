import Crypto
import Foundation
import NIOCore
import PostgresNIO
import ScribeContracts

/// The public projection of a published character (`core.character_publications`).
///
/// Publishing seals the card and avatar under a fresh publication key and wraps that key with the
/// server's current master key. Shared views open this copy; the owner's DEK is never involved,
/// so a published character can be shown while its owner is logged out. Deleting the row
/// destroys the key, and with it every way to read the copy.
enum CharacterPublication {
    static let table = "core.character_publications"

    static func binding(_ id: UUID, _ column: String) -> FieldBinding { FieldBinding(table: table, row: id, column: column) }

    struct Sealed {
        var masterKeyID: String
        var wrappedKey: SealedValue
        var card: SealedValue
        var avatar: SealedValue?
    }

    static func seal(_ card: CharacterCard, avatar: Data?, id: UUID, masterKeys: MasterKeyring) throws(CoreError) -> Sealed {
        let publicationKey = SymmetricKey(size: .bits256)
        return Sealed(
            masterKeyID: masterKeys.current.id,
            wrappedKey: try FieldCipher.wrap(publicationKey, with: masterKeys.current.key, binding: binding(id, "publication_key")),
            card: try FieldCipher.seal(card.v3JSON(), with: publicationKey, binding: binding(id, "card")),
            avatar: try avatar.map { image throws(CoreError) in try FieldCipher.seal(image, with: publicationKey, binding: binding(id, "avatar")) })
    }

    /// Creates or replaces the projection inside the caller's transaction.
    static func store(
        _ sealed: Sealed, id: UUID, ownerID: UUID, visibility: SharingVisibility, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO core.character_publications AS p (character_id, owner_id, visibility, master_key_id, publication_key, publication_key_nonce,
                card, card_nonce, avatar, avatar_nonce)
            VALUES (\(id), \(ownerID), \(visibility.rawValue), \(sealed.masterKeyID), \(ByteBuffer(bytes: sealed.wrappedKey.ciphertext)),
                \(ByteBuffer(bytes: sealed.wrappedKey.nonce)), \(ByteBuffer(bytes: sealed.card.ciphertext)), \(ByteBuffer(bytes: sealed.card.nonce)),
                \(sealed.avatar.map { ByteBuffer(bytes: $0.ciphertext) }), \(sealed.avatar.map { ByteBuffer(bytes: $0.nonce) }))
            ON CONFLICT (character_id) DO UPDATE SET visibility = EXCLUDED.visibility, master_key_id = EXCLUDED.master_key_id,
                publication_key = EXCLUDED.publication_key, publication_key_nonce = EXCLUDED.publication_key_nonce, card = EXCLUDED.card,
                card_nonce = EXCLUDED.card_nonce, avatar = EXCLUDED.avatar, avatar_nonce = EXCLUDED.avatar_nonce, updated_at = now()
            """, logger: logger)
    }

    /// The publication key of a stored projection.
    static func publicationKey(id: UUID, masterKeyID: String, wrapped: SealedValue, masterKeys: MasterKeyring) throws(CoreError) -> SymmetricKey {
        try FieldCipher.unwrap(wrapped, with: masterKeys.key(id: masterKeyID), binding: binding(id, "publication_key"))
    }
}
