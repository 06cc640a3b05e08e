import Foundation

/// What the pages may ask of Core about the signed-in user's own library: their characters and
/// lorebooks, to list, read, create, edit, import, share and delete. The pages hold an
/// `any LibraryAPI`: Core itself where it runs in the same process, and Core's public JSON API
/// (`/api/v1/characters`, `/api/v1/lorebooks`) over HTTP where it runs apart.
///
/// Every operation is one that JSON API offers, with the same rules and ``CoreError``s. Cards
/// and books travel as the JSON the API speaks (Character Card V3, Lorebook V3), and every
/// operation takes the user's session token: it is what unlocks their library in Core.
public protocol LibraryAPI: Sendable {
    func characters(sessionToken: String) async throws(CoreError) -> [CharacterSummary]
    func character(_ id: UUID, sessionToken: String) async throws(CoreError) -> OwnedCharacter
    /// A character's art (its avatar, a PNG), for its owner; nil when it has none.
    func characterArt(_ id: UUID, sessionToken: String) async throws(CoreError) -> Data?
    /// A new private character from a card (V3, V2 or V1 JSON).
    func createCharacter(card: JSONValue, sessionToken: String) async throws(CoreError) -> OwnedCharacter
    /// A new private character from a card file: PNG, JSON or CHARX.
    func importCharacter(_ file: Data, sessionToken: String) async throws(CoreError) -> OwnedCharacter
    /// Replaces the character's card, and its art when `avatar` (a PNG) is given; a published
    /// one's new version carries `changeNote`, the owner's one line on what changed.
    func replaceCard(
        of id: UUID,
        with card: JSONValue,
        avatar: Data?,
        changeNote: String?,
        sessionToken: String
    ) async throws(CoreError)
        -> OwnedCharacter
    func setVisibility(of id: UUID, to visibility: SharingVisibility, sessionToken: String) async throws(CoreError) -> OwnedCharacter
    func deleteCharacter(_ id: UUID, sessionToken: String) async throws(CoreError)

    func lorebooks(sessionToken: String) async throws(CoreError) -> [LorebookSummary]
    func lorebook(_ id: UUID, sessionToken: String) async throws(CoreError) -> OwnedLorebook
    /// A new private lorebook from Lorebook V3 JSON (or the bare `data` object).
    func createLorebook(_ book: JSONValue, sessionToken: String) async throws(CoreError) -> OwnedLorebook
    /// A new private lorebook from a file (World Info, Lorebook V3); `name` stands in for a
    /// file that carries none.
    func importLorebook(_ file: Data, name: String?, sessionToken: String) async throws(CoreError) -> OwnedLorebook
    func replaceLorebook(_ id: UUID, with book: JSONValue, sessionToken: String) async throws(CoreError) -> OwnedLorebook
    func setLorebookPublic(_ id: UUID, _ isPublic: Bool, sessionToken: String) async throws(CoreError) -> OwnedLorebook
    func deleteLorebook(_ id: UUID, sessionToken: String) async throws(CoreError)
}
