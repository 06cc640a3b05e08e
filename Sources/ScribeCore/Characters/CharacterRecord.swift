import Crypto
import Foundation
import PostgresNIO
import ScribeContracts

/// How a character's card maps onto the encrypted columns of `core.characters`.
///
/// Each card field with a column of its own is stored as the AES-256-GCM ciphertext of its JSON
/// value (so a string stays a string and `extensions` stays exactly what it was); every other
/// field of the card's `data` is sealed together in `extra_data`. The avatar image is sealed in
/// `avatar`. Each ciphertext is bound to its row and column.
enum CharacterRecord {
    static let table = "core.characters"

    /// Card fields with a column of their own, named as in the original Scribe schema.
    static let cardColumns = [
        "name", "description", "personality", "scenario", "first_mes", "mes_example", "creator_notes", "system_prompt",
        "post_history_instructions", "alternate_greetings", "group_only_greetings", "tags", "creator", "character_version", "nickname",
        "creator_notes_multilingual", "source", "extensions", "character_book", "assets",
    ]
    static let extraColumn = "extra_data"
    static let avatarColumn = "avatar"

    /// Every encrypted column, in a fixed order.
    static let sealedColumns = cardColumns + [extraColumn, avatarColumn]

    static func binding(_ id: UUID, _ column: String) -> FieldBinding { FieldBinding(table: table, row: id, column: column) }

    /// The sealed value of each column for `card` and `avatar`; nil where the card has no such field.
    static func seal(_ card: CharacterCard, avatar: Data?, id: UUID, key: SymmetricKey) throws(CoreError) -> [String: SealedValue?] {
        var sealed: [String: SealedValue?] = [:]
        for column in cardColumns {
            sealed[column] = try card.data[column].map { value throws(CoreError) in
                try FieldCipher.seal(value.serialized(), with: key, binding: binding(id, column))
            }
        }
        let extra = card.data.filter { !cardColumns.contains($0.key) }
        sealed[extraColumn] =
            extra.isEmpty ? nil : try FieldCipher.seal(JSONValue.object(extra).serialized(), with: key, binding: binding(id, extraColumn))
        sealed[avatarColumn] = try avatar.map { image throws(CoreError) in try FieldCipher.seal(image, with: key, binding: binding(id, avatarColumn))
        }
        return sealed
    }

    /// The card back from a row holding the sealed columns.
    static func openCard(
        _ cells: PostgresRandomAccessRow,
        id: UUID,
        key: SymmetricKey,
        spec: String,
        specVersion: String
    ) throws(CoreError) -> CharacterCard {
        var data: [String: JSONValue] = [:]
        for column in cardColumns + [extraColumn] {
            guard let plaintext = try open(cells, column: column, id: id, key: key) else { continue }
            guard let value = JSONValue.parse(plaintext) else { throw CoreError(.corrupted, "a stored card field is not JSON") }
            if column == extraColumn {
                data.merge(value.objectValue ?? [:]) { own, _ in own }
            } else {
                data[column] = value
            }
        }
        return CharacterCard(data: data, sourceSpec: spec, sourceSpecVersion: specVersion)
    }

    /// One column's plaintext, or nil when the column is empty.
    static func open(_ cells: PostgresRandomAccessRow, column: String, id: UUID, key: SymmetricKey) throws(CoreError) -> Data? {
        let ciphertext: Data?
        let nonce: Data?
        do {
            ciphertext = try cells[column].decode(Data?.self)
            nonce = try cells[column + "_nonce"].decode(Data?.self)
        } catch {
            throw CoreError(.corrupted, "a stored character could not be read")
        }
        guard let ciphertext, let nonce else { return nil }
        return try FieldCipher.open(SealedValue(ciphertext: ciphertext, nonce: nonce), with: key, binding: binding(id, column))
    }

    /// `name, name_nonce, description, ...` for the given columns.
    static func columnList(_ columns: [String]) -> String {
        columns.flatMap { [$0, $0 + "_nonce"] }.joined(separator: ", ")
    }
}
