import Foundation
import ScribeContracts
import ScribeTestFixtures
import ScribeTestSupport
import Testing

@testable import ScribeCore

@Suite("Lore between cards and the library")
struct CardLoreTests {
    @Test("a card's embedded book becomes a library lorebook with the same entries")
    func extract() async throws {
        try await withTestModules { application in
            let alice = try await CharactersTests.session(application, "alice")
            let seraphina = try await application.core.characters.importFile(try CharactersTests.seraphinaPNG, for: alice)
            let lorebook = try await application.core.extractLorebook(fromCharacter: seraphina.id, for: alice)
            #expect(lorebook.sourceFormat == "character_book")
            #expect(lorebook.book.data["entries"] == seraphina.card.characterBook?["entries"])
            #expect(try await application.core.lorebooks.list(for: alice).map(\.id) == [lorebook.id])
            let plain = try await application.core.characters.create(CharacterCard(data: ["name": .string("Pip")]), for: alice)
            do {
                _ = try await application.core.extractLorebook(fromCharacter: plain.id, for: alice)
                Issue.record("extracted a book from a card without one")
            } catch let error as CoreError {
                #expect(error.code == .invalidInput && error.field == "character_book")
            }
        }
    }

    @Test("a library lorebook embeds into a card, survives a PNG export and re-import, and another user's cannot be used")
    func embed() async throws {
        try await withTestModules { application in
            let alice = try await CharactersTests.session(application, "alice")
            let bob = try await CharactersTests.session(application, "bob")
            let eldoria = try await application.core.lorebooks.importFile(try Fixtures.eldoriaWorldInfo, name: "Eldoria", for: alice)
            let pip = try await application.core.characters.create(CharacterCard(data: ["name": .string("Pip")]), for: alice)
            let embedded = try await application.core.embedLorebook(eldoria.id, intoCharacter: pip.id, for: alice)
            #expect(embedded.card.characterBook?["entries"] == eldoria.book.data["entries"])
            #expect(embedded.card.characterBook?["name"] == .string("Eldoria"))
            let png = try await application.core.characters.export(pip.id, as: .png, for: alice)
            let reimported = try await application.core.characters.importFile(png.bytes, for: alice)
            #expect(reimported.card.characterBook == embedded.card.characterBook)
            let bobsPip = try await application.core.characters.create(CharacterCard(data: ["name": .string("Bob's")]), for: bob)
            await #expect(throws: CoreError.self) { try await application.core.embedLorebook(eldoria.id, intoCharacter: bobsPip.id, for: bob) }
        }
    }
}
