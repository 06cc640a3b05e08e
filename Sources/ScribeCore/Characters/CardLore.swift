import Foundation
import ScribeContracts

/// Moving lore between a card and the library, as SillyTavern's "Import Card Lore" and its
/// world-to-card embedding do: a card's embedded `character_book` becomes a standalone lorebook,
/// and a stored lorebook becomes a card's `character_book`. Both are copies; neither links the
/// two afterwards.
extension CoreModule {
    /// Copies the character's embedded lorebook into the user's library. A book without a name
    /// is named after the character, as the original Scribe did ("Seraphina Lorebook").
    public func extractLorebook(fromCharacter id: UUID, for session: AuthenticatedSession) async throws(CoreError) -> LibraryLorebook {
        let character = try await characters.get(id, for: session)
        guard var book = character.card.characterBook else { throw CoreError.invalid("character_book", "This character has no embedded lorebook.") }
        if (book["name"]?.stringValue ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            book["name"] = .string("\(character.card.name) Lorebook")
        }
        return try await lorebooks.create(Lorebook(data: book), sourceFormat: "character_book", for: session)
    }

    /// Replaces the character's embedded lorebook with a copy of one from the user's library.
    public func embedLorebook(
        _ lorebookID: UUID,
        intoCharacter id: UUID,
        for session: AuthenticatedSession
    ) async throws(CoreError) -> LibraryCharacter {
        let lorebook = try await lorebooks.get(lorebookID, for: session)
        var card = try await characters.get(id, for: session).card
        card.data["character_book"] = .object(lorebook.book.data)
        return try await characters.replaceCard(id, with: card, for: session)
    }
}
