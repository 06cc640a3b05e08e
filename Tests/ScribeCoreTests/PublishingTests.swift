import Crypto
import CryptoExtras
import Foundation
import PostgresNIO
import ScribeContracts
import ScribeStorage
import ScribeTestFixtures
import ScribeTestSupport
import Testing

@testable import ScribeCore

@Suite("Publishing characters: projection, events, shared view and forks")
struct PublishingTests {
    static func card(_ name: String) -> CharacterCard {
        CharacterCard(data: ["name": .string(name), "description": .string("\(name) walks the violet marsh")])
    }

    static func publications(_ application: TestModules) async throws -> Int {
        try await AccountsTests.count("SELECT count(*)::int FROM core.character_publications", application)
    }

    @Test("publish, unpublish, republish: each event once, in order; the shared view exists exactly while published")
    func publishCycle() async throws {
        try await withTestModules { application in
            let alice = try await CharactersTests.session(application, "alice")
            let characters = application.core.characters
            let core: any CoreAPI = application.core
            let character = try await characters.create(Self.card("Wren"), for: alice)
            let cursor = try await core.events(after: 0, limit: 100).last?.id ?? 0

            await #expect(throws: CoreAPIError.self) { try await core.sharedView(of: .character, id: character.id, for: .anonymous) }
            _ = try await characters.setVisibility(character.id, to: .public, for: alice)
            _ = try await characters.setVisibility(character.id, to: .public, for: alice)  // no change, no event
            let shared = try await core.sharedView(of: .character, id: character.id, for: .anonymous)
            #expect(shared.content.objectValue?["data"]?.objectValue?["name"] == .string("Wren"))
            #expect(shared.ownerUsername == "alice" && shared.visibility == .public)
            _ = try await characters.setVisibility(character.id, to: .private, for: alice)
            await #expect(throws: CoreAPIError.self) { try await core.sharedView(of: .character, id: character.id, for: .anonymous) }
            #expect(try await Self.publications(application) == 0)
            _ = try await characters.setVisibility(character.id, to: .public, for: alice)
            #expect(try await core.sharedView(of: .character, id: character.id, for: .anonymous).id == character.id)

            let events = try await core.events(after: cursor, limit: 100)
            #expect(events.map(\.type) == [.itemPublished, .itemUnpublished, .itemPublished])
            #expect(events.map(\.visibility) == [.public, .private, .public])
            #expect(Set(events.map(\.subjectID)) == [character.id])
        }
    }

    @Test(
        "who sees a shared character follows its visibility",
        arguments: [
            (SharingVisibility.public, true, true, true), (.unlisted, true, true, true), (.followers, false, true, true),
        ]
    )
    func visibilityRules(visibility: SharingVisibility, anonymousSees: Bool, followerSees: Bool, ownerSees: Bool) async throws {
        try await withTestModules { application in
            let alice = try await CharactersTests.session(application, "alice")
            let bob = try await CharactersTests.session(application, "bob")
            let character = try await application.core.characters.create(Self.card("Moss"), for: alice)
            _ = try await application.core.characters.setVisibility(character.id, to: visibility, for: alice)
            func sees(_ viewer: Viewer) async -> Bool {
                (try? await application.core.sharedView(of: .character, id: character.id, for: viewer)) != nil
            }
            #expect(await sees(.anonymous) == anonymousSees)
            #expect(await sees(Viewer(accountID: bob.account.id)) == anonymousSees)
            #expect(await sees(Viewer(accountID: bob.account.id, followsOwner: true)) == followerSees)
            #expect(await sees(Viewer(accountID: alice.account.id)) == ownerSees)
        }
    }

    @Test("the shared view works while the owner is logged out: it never needs the owner's key")
    func sharedWithoutOwnerSession() async throws {
        try await withTestModules { application in
            let alice = try await CharactersTests.session(application, "alice")
            let character = try await application.core.characters.create(Self.card("Fen"), for: alice)
            _ = try await application.core.characters.setVisibility(character.id, to: .public, for: alice)
            try await application.core.accounts.logOut(alice)
            #expect(try await AccountsTests.count("SELECT count(*)::int FROM core.sessions", application) == 0)
            let shared = try await application.core.sharedView(of: .character, id: character.id, for: .anonymous)
            #expect(shared.content.objectValue?["data"]?.objectValue?["description"] == .string("Fen walks the violet marsh"))
        }
    }

    @Test("editing a published character re-seals its projection and records ItemUpdated; deleting it records ItemDeleted")
    func editAndDeletePublished() async throws {
        try await withTestModules { application in
            let alice = try await CharactersTests.session(application, "alice")
            let characters = application.core.characters
            let published = try await characters.create(Self.card("Ash"), for: alice)
            let hidden = try await characters.create(Self.card("Hidden"), for: alice)
            _ = try await characters.setVisibility(published.id, to: .public, for: alice)
            _ = try await characters.replaceCard(published.id, with: Self.card("Ash Renewed"), for: alice)
            _ = try await characters.replaceCard(hidden.id, with: Self.card("Still Hidden"), for: alice)
            let shared = try await application.core.sharedView(of: .character, id: published.id, for: .anonymous)
            #expect(shared.content.objectValue?["data"]?.objectValue?["name"] == .string("Ash Renewed"))
            try await characters.delete(published.id, for: alice)
            try await characters.delete(hidden.id, for: alice)
            let events = try await application.core.events(after: 0, limit: 100).filter { $0.subjectKind == .character }
            #expect(events.map(\.type) == [.itemPublished, .itemUpdated, .itemDeleted])
            #expect(try await Self.publications(application) == 0)
            await #expect(throws: CoreAPIError.self) { try await application.core.sharedView(of: .character, id: published.id, for: .anonymous) }
        }
    }

    @Test("a fork lands in the other user's library, private, readable by that user alone, with its provenance")
    func fork() async throws {
        try await withTestModules { application in
            let alice = try await CharactersTests.session(application, "alice")
            let bob = try await CharactersTests.session(application, "bob")
            let carol = try await CharactersTests.session(application, "carol")
            let characters = application.core.characters
            let original = try await characters.importFile(CharactersTests.seraphinaPNG, for: alice)
            await #expect(throws: CoreError.self) { try await characters.fork(original.id, sourceURI: "https://x/1", for: bob) }
            _ = try await characters.setVisibility(original.id, to: .public, for: alice)
            let forked = try await characters.fork(original.id, sourceURI: "https://scribe.example/characters/\(original.id)", for: bob)
            #expect(forked.ownerID == bob.account.id && forked.visibility == .private && forked.avatarContentType == "image/png")
            let copy = try await characters.get(forked.id, for: bob)
            #expect(copy.card.name == "Seraphina")
            #expect(copy.card.characterBook == original.card.characterBook)
            #expect(copy.card.data["source"] == .array([.string("https://scribe.example/characters/\(original.id)")]))
            for other in [alice, carol] {
                await #expect(throws: CoreError.self) { try await characters.get(forked.id, for: other) }
            }
            #expect(try await characters.list(for: bob).map(\.id) == [forked.id])
        }
    }

    @Test("a published character's text is sealed in the dump too, and unpublishing leaves no copy behind")
    func projectionIsSealed() async throws {
        try await withTestModules { application in
            let alice = try await CharactersTests.session(application, "alice")
            let character = try await application.core.characters.create(Self.card("Quillon"), for: alice)
            _ = try await application.core.characters.setVisibility(character.id, to: .public, for: alice)
            let published = try await DatabaseDump.sql(of: application.database.location)
            #expect(published.contains("COPY core.character_publications") && !published.contains("Quillon"))
            _ = try await application.core.characters.setVisibility(character.id, to: .private, for: alice)
            #expect(try await Self.publications(application) == 0)
        }
    }
}

@Suite("The master keyring")
struct MasterKeyringTests {
    @Test("the key file is created once with mode 0600 and read back; a configured key becomes current")
    func keyFile() throws {
        let directory = NSTemporaryDirectory() + "scribe-keys-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try MasterKeyring.load(configured: nil, dataDirectory: directory)
        let path = directory + "/master.key"
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
        #expect(try MasterKeyring.load(configured: nil, dataDirectory: directory).current.id == first.current.id)
        let configured = Data((0..<32).map { UInt8($0) })
        let withConfigured = try MasterKeyring.load(configured: configured, dataDirectory: directory)
        #expect(withConfigured.current.id != first.current.id)
        #expect(withConfigured.keyIDs.contains(first.current.id))
    }

    @Test("with a configured key and no file, no file is written")
    func configuredOnly() throws {
        let directory = NSTemporaryDirectory() + "scribe-keys-\(UUID().uuidString.prefix(8))"
        let keyring = try MasterKeyring.load(configured: Data(repeating: 7, count: 32), dataDirectory: directory)
        #expect(keyring.keyIDs.count == 1)
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    @Test("a damaged key file is an error, not a new key")
    func damagedFile() throws {
        let directory = NSTemporaryDirectory() + "scribe-keys-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "not a key\n".write(toFile: directory + "/master.key", atomically: true, encoding: .utf8)
        #expect(throws: CoreError.self) { try MasterKeyring.load(configured: nil, dataDirectory: directory) }
    }
}

@Suite("Master key rotation")
struct MasterKeyRotationTests {
    @Test("rotation re-wraps every publication and actor key under the new key: afterwards the new key alone opens them, the old alone none")
    func rotation() async throws {
        try await withTestModules { application in
            let alice = try await CharactersTests.session(application, "alice")
            var ids: [UUID] = []
            for name in ["One", "Two", "Three"] {
                let character = try await application.core.characters.create(PublishingTests.card(name), for: alice)
                _ = try await application.core.characters.setVisibility(character.id, to: .public, for: alice)
                ids.append(character.id)
            }
            let oldKey = SymmetricKey(size: .bits256)
            let newKey = SymmetricKey(size: .bits256)
            // Publish under a keyring whose current key is `oldKey`, as a server before rotation.
            // Alice's actor key is sealed under the test keyring's key, which the servers below keep.
            let before = CoreModule(
                database: application.database,
                settings: .testing,
                masterKeys: try MasterKeyring.testing.adding(oldKey),
                logger: TestLogger.make("before")
            )
            for id in ids {
                _ = try await before.characters.setVisibility(id, to: .unlisted, for: alice)
            }
            let lorebook = try await before.lorebooks.importFile(try Fixtures.eldoriaWorldInfo, name: "Eldoria", for: alice)
            _ = try await before.lorebooks.setPublic(lorebook.id, true, for: alice)
            #expect(try await before.masterKeyUsage() == [try MasterKeyring(keys: [oldKey]).current.id: 4, MasterKeyring.testing.current.id: 1])

            let rotated = CoreModule(
                database: application.database,
                settings: .testing,
                masterKeys: try MasterKeyring.testing.adding(oldKey).adding(newKey),
                logger: TestLogger.make("rotated")
            )
            #expect(try await rotated.rewrapMasterKeyedKeys() == 5)
            #expect(try await rotated.rewrapMasterKeyedKeys() == 0)
            let newOnly = CoreModule(
                database: application.database,
                settings: .testing,
                masterKeys: try MasterKeyring(keys: [newKey]),
                logger: TestLogger.make("new")
            )
            let oldOnly = CoreModule(
                database: application.database,
                settings: .testing,
                masterKeys: try MasterKeyring(keys: [oldKey]),
                logger: TestLogger.make("old")
            )
            for (id, name) in zip(ids, ["One", "Two", "Three"]) {
                let shared = try await newOnly.sharedView(of: .character, id: id, for: .anonymous)
                #expect(shared.content.objectValue?["data"]?.objectValue?["name"] == .string(name))
                await #expect(throws: CoreAPIError.self) { try await oldOnly.sharedView(of: .character, id: id, for: .anonymous) }
            }
            // The actor key moved too: the new key alone signs with it.
            let aliceID = alice.account.id
            let signature = try await newOnly.signAsActor(.user(aliceID), message: Data("hello".utf8))
            let publicKey = try _RSA.Signing.PublicKey(pemRepresentation: try await newOnly.actorPublicKey(of: .user(aliceID)))
            #expect(
                publicKey.isValidSignature(
                    _RSA.Signing.RSASignature(rawRepresentation: signature),
                    for: Data("hello".utf8),
                    padding: .insecurePKCS1v1_5
                )
            )
            await #expect(throws: CoreAPIError.self) { try await oldOnly.signAsActor(.user(aliceID), message: Data("hello".utf8)) }
            #expect(try await newOnly.sharedView(of: .lorebook, id: lorebook.id, for: .anonymous).kind == .lorebook)
            await #expect(throws: CoreAPIError.self) { try await oldOnly.sharedView(of: .lorebook, id: lorebook.id, for: .anonymous) }
        }
    }
}
