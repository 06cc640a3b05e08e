import Foundation
import ScribeContracts
import ScribeCore
import ScribeTestSupport
import Testing

@Suite("Restrictions other modules ask Core to keep: hidden and for sale")
struct ItemRestrictionTests {
    /// A user's session and the token that unlocks it (what a fork carries).
    static func user(_ application: TestModules, _ username: String) async throws -> (session: AuthenticatedSession, token: String) {
        let created = try await AccountsTests.register(application.core.accounts, username)
        return (try await application.core.accounts.authenticate(token: created.session.token.value), created.session.token.value)
    }

    @Test("a hidden item is found by nobody, in any view, file or fork, until restored; each change records one ItemRestricted")
    func hidden() async throws {
        try await withTestModules { application in
            let alice = try await CharactersTests.session(application, "alice")
            let (bob, bobToken) = try await Self.user(application, "bob")
            let core: any CoreAPI = application.core
            let character = try await application.core.characters.create(PublishingTests.card("Wren"), for: alice)
            _ = try await application.core.characters.setVisibility(character.id, to: .public, for: alice)
            let cursor = try await core.events(after: 0, limit: 100).last?.id ?? 0

            try await core.setHidden(of: .character, id: character.id, true)
            try await core.setHidden(of: .character, id: character.id, true)  // no change, no event
            for viewer in [
                Viewer.anonymous, Viewer(accountID: alice.account.id), Viewer(accountID: bob.account.id, followsOwner: true, entitled: true),
            ] {
                await #expect(throws: CoreAPIError.self) { try await core.sharedView(of: .character, id: character.id, for: viewer) }
                await #expect(throws: CoreAPIError.self) { try await core.metadata(of: .character, id: character.id, for: viewer) }
                await #expect(throws: CoreAPIError.self) { try await core.sharedFile(of: .character, id: character.id, format: .png, for: viewer) }
            }
            await #expect(throws: CoreAPIError.self) {
                try await core.fork(of: .character, id: character.id, sessionToken: bobToken, sourceURI: "https://scribe.example/characters/x")
            }
            // It stays hidden through unpublishing and publishing again.
            _ = try await application.core.characters.setVisibility(character.id, to: .private, for: alice)
            _ = try await application.core.characters.setVisibility(character.id, to: .public, for: alice)
            await #expect(throws: CoreAPIError.self) { try await core.sharedView(of: .character, id: character.id, for: .anonymous) }

            try await core.setHidden(of: .character, id: character.id, false)
            try await core.setForSale(of: .character, id: character.id, false)  // never on sale: nothing changes
            #expect(try await core.sharedView(of: .character, id: character.id, for: .anonymous).id == character.id)
            let events = try await core.events(after: cursor, limit: 100).map(\.type)
            #expect(events == [.itemRestricted, .itemUnpublished, .itemPublished, .itemRestricted])
        }
    }

    @Test("an item on sale shows a preview to all but its owner and buyers, and only they download or fork it")
    func forSale() async throws {
        try await withTestModules { application in
            let alice = try await CharactersTests.session(application, "alice")
            let (bob, bobToken) = try await Self.user(application, "bob")
            let core: any CoreAPI = application.core
            var card = PublishingTests.card("Marsh Guide")
            card.data["creator_notes"] = .string("Knows every path.")
            let character = try await application.core.characters.create(card, for: alice)
            _ = try await application.core.characters.setVisibility(character.id, to: .public, for: alice)
            try await core.setForSale(of: .character, id: character.id, true)

            let preview = try await core.sharedView(of: .character, id: character.id, for: Viewer(accountID: bob.account.id, followsOwner: true))
            let data = try #require(preview.content.objectValue?["data"]?.objectValue)
            #expect(preview.isPreview && data["name"] == .string("Marsh Guide") && data["creator_notes"] == .string("Knows every path."))
            #expect(data["description"] == nil)
            let metadata = try await core.metadata(of: .character, id: character.id, for: .anonymous)
            #expect(metadata.tagline == "Knows every path." && metadata.tokenEstimate > 0)
            await #expect(throws: CoreAPIError(.forbidden, "This item is for sale; buy it to download it.")) {
                try await core.sharedFile(of: .character, id: character.id, format: .json, for: Viewer(accountID: bob.account.id))
            }
            await #expect(throws: CoreAPIError.self) {
                try await core.fork(of: .character, id: character.id, sessionToken: bobToken, sourceURI: "https://scribe.example/characters/x")
            }

            for viewer in [Viewer(accountID: alice.account.id), Viewer(accountID: bob.account.id, entitled: true)] {
                let full = try await core.sharedView(of: .character, id: character.id, for: viewer)
                #expect(!full.isPreview && full.content.objectValue?["data"]?.objectValue?["description"] != nil)
                _ = try await core.sharedFile(of: .character, id: character.id, format: .png, for: viewer)
            }
            _ = try await core.fork(
                of: .character,
                id: character.id,
                sessionToken: bobToken,
                sourceURI: "https://scribe.example/characters/x",
                entitled: true,
                followsOwner: false
            )
        }
    }
}
