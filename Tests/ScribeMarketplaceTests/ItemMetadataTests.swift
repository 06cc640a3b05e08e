import Foundation
import ScribeContracts
import ScribeMarketplace
import ScribeTestFixtures
import ScribeTestSupport
import Testing

@testable import ScribeCore

@Suite("Listing metadata through CoreAPI")
struct ItemMetadataTests {
    @Test("a published character's and lorebook's metadata; nothing for a private item")
    func metadata() async throws {
        try await withTestModules { application in
            let created = try await application.core.accounts.register(
                Registration(username: "alice", email: "alice@example.org", password: "correct horse battery")
            )
            let session = try await application.core.accounts.authenticate(token: created.session.token.value)
            let character = try await application.core.characters.importFile(try Fixtures.data("cards/seraphina.png"), for: session)
            let core = application.marketplace.core
            await #expect(throws: CoreAPIError.self) { try await core.metadata(of: .character, id: character.id, for: .anonymous) }
            _ = try await application.core.characters.setVisibility(character.id, to: .public, for: session)
            let metadata = try await core.metadata(of: .character, id: character.id, for: .anonymous)
            #expect(metadata.name == "Seraphina" && metadata.ownerUsername == "alice" && metadata.visibility == .public)
            #expect(metadata.spec == "chara_card_v3" && metadata.hasAvatar && metadata.entryCount == 4)
            let description = character.card.data["description"]?.stringValue ?? ""
            #expect(metadata.tokenEstimate >= description.count / 4)

            let lorebook = try await application.core.lorebooks.importFile(
                try Fixtures.data("cards/eldoria-worldinfo.json"),
                name: "Eldoria",
                for: session
            )
            _ = try await application.core.lorebooks.setPublic(lorebook.id, true, for: session)
            let book = try await core.metadata(of: .lorebook, id: lorebook.id, for: .anonymous)
            #expect(book.kind == .lorebook && book.name == "Eldoria" && book.spec == "lorebook_v3" && book.entryCount == 4 && !book.hasAvatar)
        }
    }
}
