import Foundation
import ScribeContracts
import ScribeStorage
import ScribeTestFixtures
import ScribeTestSupport
import Testing

@testable import ScribeCore

@Suite("Characters in a user's library")
struct CharactersTests {
    static var seraphinaPNG: Data { get throws { try Fixtures.data("cards/seraphina.png") } }

    /// Registers `username` and returns the session.
    static func session(_ application: TestModules, _ username: String) async throws -> AuthenticatedSession {
        let created = try await AccountsTests.register(application.core.accounts, username)
        return try await application.core.accounts.authenticate(token: created.session.token.value)
    }

    /// The original card's data object, as Foundation reads it from the fixture.
    static func originalData() throws -> NSDictionary {
        try Fixtures.cardData(try Fixtures.seraphinaCardJSON())
    }

    static func expectEveryOriginalField(in card: CharacterCard) throws {
        let original = try originalData()
        let ours = try Fixtures.cardData(card.v3JSON())
        for case let key as String in original.allKeys {
            #expect((ours[key] as? NSObject) == (original[key] as? NSObject), "field \(key)")
        }
    }

    @Test("Seraphina imported from PNG, exported as PNG and as V3 JSON, and re-imported keeps every field and her lorebook")
    func seraphinaRoundTrips() async throws {
        try await withTestModules { application in
            let session = try await Self.session(application, "alice")
            let characters = application.core.characters
            let imported = try await characters.importFile(Self.seraphinaPNG, for: session)
            #expect(imported.visibility == .private && imported.avatarContentType == "image/png")
            let stored = try await characters.get(imported.id, for: session)
            try Self.expectEveryOriginalField(in: stored.card)
            #expect(stored.card.characterBook?["entries"]?.arrayValue?.count == 4)

            for format in [CharacterExportFormat.png, .v3] {
                let file = try await characters.export(imported.id, as: format, for: session)
                let again = try await characters.importFile(file.bytes, for: session)
                let reread = try await characters.get(again.id, for: session)
                #expect(reread.card.data == stored.card.data, "\(format)")
                try Self.expectEveryOriginalField(in: reread.card)
            }
            let png = try await characters.export(imported.id, as: .png, for: session)
            #expect(png.contentType == "image/png" && png.fileName == "Seraphina.png")
            let avatar = try #require(try await characters.avatar(imported.id, for: session))
            #expect(try PNGCard.chunks(of: avatar.bytes).filter { $0.type == "tEXt" }.isEmpty)
        }
    }

    @Test("a pg_dump after creating private characters holds none of their text, tags, extensions or avatar")
    func dumpHoldsNoPrivateText() async throws {
        try await withTestModules { application in
            let session = try await Self.session(application, "alice")
            let secrets = [
                "Zebulon the Unseen", "a whispering marsh of violet fog", "never speaks before noon", "greets you with riddles",
                "secret-tag-quux", "x-hidden-extension-value",
            ]
            let card = CharacterCard(data: [
                "name": .string(secrets[0]), "description": .string(secrets[1]), "personality": .string(secrets[2]),
                "first_mes": .string(secrets[3]), "tags": .array([.string(secrets[4])]),
                "extensions": .object(["vendor/x": .string(secrets[5])]),
            ])
            _ = try await application.core.characters.create(card, for: session)
            let imported = try await application.core.characters.importFile(Self.seraphinaPNG, for: session)
            let dump = try await DatabaseDump.sql(of: application.database.location)
            // The dump is real: it has the table and its rows (the email is stored in the clear).
            #expect(dump.contains("COPY core.characters") && dump.contains("alice@example.org"))
            for secret in secrets + ["Seraphina", "Eldoria"] {
                #expect(!dump.contains(secret), "\(secret) appears in the dump")
            }
            // The avatar's pixels do not appear either (pg_dump writes bytea as hex).
            let avatar = try #require(try await application.core.characters.avatar(imported.id, for: session))
            let idat = try #require(try PNGCard.chunks(of: avatar.bytes).first { $0.type == "IDAT" })
            let sample = idat.body.prefix(64).map { String(format: "%02x", $0) }.joined()
            #expect(!dump.contains(sample))
        }
    }

    @Test("another user's character is not found, whatever they try")
    func othersCannotReach() async throws {
        try await withTestModules { application in
            let alice = try await Self.session(application, "alice")
            let bob = try await Self.session(application, "bob")
            let characters = application.core.characters
            let mine = try await characters.create(CharacterCard(data: ["name": .string("Mine")]), for: alice)
            let attempts: [@Sendable () async throws -> Void] = [
                { _ = try await characters.get(mine.id, for: bob) },
                { _ = try await characters.export(mine.id, as: .v3, for: bob) },
                { _ = try await characters.replaceCard(mine.id, with: CharacterCard(data: ["name": .string("Stolen")]), for: bob) },
                { try await characters.delete(mine.id, for: bob) },
                { _ = try await characters.get(UUID(), for: alice) },
            ]
            for attempt in attempts {
                do {
                    try await attempt()
                    Issue.record("reached a character that is not one's own")
                } catch let error as CoreError {
                    #expect(error.code == .notFound)
                }
            }
            #expect(try await characters.list(for: bob).isEmpty)
            #expect(try await characters.get(mine.id, for: alice).card.name == "Mine")
        }
    }

    @Test("listing, replacing and deleting a character")
    func lifecycle() async throws {
        try await withTestModules { application in
            let session = try await Self.session(application, "alice")
            let characters = application.core.characters
            let first = try await characters.create(
                CharacterCard(data: ["name": .string("First"), "tags": .array([.string("a"), .string("b")])]),
                for: session
            )
            _ = try await characters.create(CharacterCard(data: ["name": .string("Second")]), for: session)
            #expect(try await characters.list(for: session).map(\.name) == ["First", "Second"])
            #expect(try await characters.list(for: session).first?.tags == ["a", "b"])
            let replaced = try await characters.replaceCard(
                first.id,
                with: CharacterCard(data: ["name": .string("Renamed"), "x_new": .integer(1)]),
                for: session
            )
            #expect(replaced.card.name == "Renamed" && replaced.card.data["x_new"] == .integer(1) && replaced.card.tags.isEmpty)
            try await characters.delete(first.id, for: session)
            #expect(try await characters.list(for: session).map(\.name) == ["Second"])
        }
    }

    @Test("a file that is not a card, or a card without a name, creates nothing")
    func refusedImports() async throws {
        try await withTestModules { application in
            let session = try await Self.session(application, "alice")
            let characters = application.core.characters
            let bad: [Data] = try [
                Data("not a card".utf8), Data(Self.seraphinaPNG.prefix(4000)), PNGCard.blankImage,
                Data(#"{"spec":"chara_card_v3","data":{"name":""}}"#.utf8),
            ]
            for file in bad {
                do {
                    _ = try await characters.importFile(file, for: session)
                    Issue.record("imported a file that is not a card")
                } catch let error as CoreError {
                    #expect(error.code == .invalidInput)
                }
            }
            #expect(try await characters.list(for: session).isEmpty)
        }
    }
}
