import Foundation
import ScribeContracts

/// A character in its owner's library, as the owner sees it: the whole card, decrypted.
public struct LibraryCharacter: Sendable {
    public var id: UUID
    public var ownerID: UUID
    public var card: CharacterCard
    public var visibility: SharingVisibility
    public var avatarContentType: String?
    public var createdAt: Date
    public var updatedAt: Date
}

/// An exported file: its bytes, media type and a file name to offer.
public struct ExportedFile: Sendable {
    public var bytes: Data
    public var contentType: String
    public var fileName: String
}

/// The formats a character exports to.
public enum CharacterExportFormat: String, Sendable, CaseIterable {
    /// Character Card V3 JSON.
    case v3
    /// Character Card V2 JSON.
    case v2
    /// The avatar PNG with the card in `ccv3` and `chara` chunks.
    case png
    /// A CHARX zip: `card.json` and the avatar as the main icon.
    case charx
}

extension OwnedCharacter {
    /// How the owner sees `character` through the API: its card as Character Card V3 JSON.
    public init(_ character: LibraryCharacter) {
        self.init(
            id: character.id,
            visibility: character.visibility,
            card: JSONValue.parse(character.card.v3JSON()) ?? .null,
            hasAvatar: character.avatarContentType != nil,
            createdAt: character.createdAt,
            updatedAt: character.updatedAt
        )
    }
}
