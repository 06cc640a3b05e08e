import Foundation
import ScribeContracts
import ScribeStorage
import ScribeTestFixtures
import ScribeTestSupport
import Testing

@testable import ScribeCore

@Suite("Lorebooks in a user's library")
struct LorebooksTests {
    @Test("Eldoria imported from World Info exports back as World Info with every field, and as lorebook_v3")
    func eldoriaRoundTrip() async throws {
        try await withTestModules { application in
            let session = try await CharactersTests.session(application, "alice")
            let lorebooks = application.core.lorebooks
            let imported = try await lorebooks.importFile(Fixtures.eldoriaWorldInfo, name: "Eldoria", for: session)
            #expect(imported.sourceFormat == "silly_tavern_world_info" && !imported.isPublic)
            let stored = try await lorebooks.get(imported.id, for: session)
            #expect(stored.book == imported.book)
            let exported = try await lorebooks.export(imported.id, as: .worldInfo, for: session)
            let original = try Fixtures.worldInfoEntries(Fixtures.eldoriaWorldInfo)
            let again = try Fixtures.worldInfoEntries(exported.bytes)
            for (uid, entry) in original {
                for case let field as String in entry.allKeys {
                    #expect((again[uid]?[field] as? NSObject) == (entry[field] as? NSObject), "entry \(uid) field \(field)")
                }
            }
            let v3 = try await lorebooks.export(imported.id, as: .v3, for: session)
            let reimported = try await lorebooks.importFile(v3.bytes, name: nil, for: session)
            #expect(reimported.book == stored.book && reimported.sourceFormat == "lorebook_v3")
            #expect(try await lorebooks.list(for: session).map(\.entryCount) == [4, 4])
        }
    }

    @Test("entries are encrypted: a pg_dump holds none of their text; other users find nothing")
    func privacy() async throws {
        try await withTestModules { application in
            let alice = try await CharactersTests.session(application, "alice")
            let bob = try await CharactersTests.session(application, "bob")
            let lorebooks = application.core.lorebooks
            let imported = try await lorebooks.importFile(Fixtures.eldoriaWorldInfo, name: "Eldoria", for: alice)
            let dump = try await DatabaseDump.sql(of: application.database.location)
            #expect(dump.contains("COPY core.lorebook_entries"))
            for entry in imported.book.entries {
                let content = try #require(entry["content"]?.stringValue)
                #expect(!dump.contains(String(content.prefix(40))))
            }
            #expect(!dump.contains("Eldoria"))
            await #expect(throws: CoreError.self) { try await lorebooks.get(imported.id, for: bob) }
            await #expect(throws: CoreError.self) { try await lorebooks.delete(imported.id, for: bob) }
            #expect(try await lorebooks.list(for: bob).isEmpty)
            try await lorebooks.delete(imported.id, for: alice)
            #expect(try await AccountsTests.count("SELECT count(*)::int FROM core.lorebook_entries", application) == 0)
        }
    }

    @Test("making a lorebook public and private again: one event each, the shared view exactly while public")
    func publishing() async throws {
        try await withTestModules { application in
            let alice = try await CharactersTests.session(application, "alice")
            let lorebooks = application.core.lorebooks
            let core: any CoreAPI = application.core
            let imported = try await lorebooks.importFile(try Fixtures.eldoriaWorldInfo, name: "Eldoria", for: alice)
            await #expect(throws: CoreAPIError.self) { try await core.sharedView(of: .lorebook, id: imported.id, for: .anonymous) }
            #expect(try await lorebooks.setPublic(imported.id, true, for: alice).isPublic)
            _ = try await lorebooks.setPublic(imported.id, true, for: alice)
            let shared = try await core.sharedView(of: .lorebook, id: imported.id, for: .anonymous)
            #expect(shared.ownerUsername == "alice" && shared.content.objectValue?["spec"] == .string("lorebook_v3"))
            #expect(try Lorebook.read(json: shared.content.serialized()) == imported.book)
            _ = try await lorebooks.setPublic(imported.id, false, for: alice)
            await #expect(throws: CoreAPIError.self) { try await core.sharedView(of: .lorebook, id: imported.id, for: .anonymous) }
            _ = try await lorebooks.setPublic(imported.id, true, for: alice)
            try await lorebooks.delete(imported.id, for: alice)
            let events = try await core.events(after: 0, limit: 100).filter { $0.subjectKind == .lorebook }
            #expect(events.map(\.type) == [.itemPublished, .itemUnpublished, .itemPublished, .itemDeleted])
            #expect(events.allSatisfy { $0.subjectID == imported.id })
            #expect(try await AccountsTests.count("SELECT count(*)::int FROM core.lorebook_publications", application) == 0)
        }
    }

    @Test(
        "editing a public lorebook replaces its entries, re-seals what others see and records ItemUpdated; a private one records nothing; others cannot"
    )
    func editing() async throws {
        try await withTestModules { application in
            let alice = try await CharactersTests.session(application, "alice")
            let bob = try await CharactersTests.session(application, "bob")
            let lorebooks = application.core.lorebooks
            let core: any CoreAPI = application.core
            let imported = try await lorebooks.importFile(try Fixtures.eldoriaWorldInfo, name: "Eldoria", for: alice)
            var book = imported.book
            book.data["name"] = .string("Eldoria, revised")
            book.data["entries"] = .array([.object(["keys": .array([.string("Lantern")]), "content": .string("The lantern never goes out.")])])
            _ = try await lorebooks.replace(imported.id, with: book, for: alice)  // private: no event
            _ = try await lorebooks.setPublic(imported.id, true, for: alice)
            book.data["entries"] = .array([.object(["keys": .array([.string("Marsh")]), "content": .string("The marsh is violet.")])])
            let edited = try await lorebooks.replace(imported.id, with: book, for: alice)
            #expect(edited.book.name == "Eldoria, revised" && edited.book.entries.count == 1)
            #expect(edited.book.entries.first?["content"] == .string("The marsh is violet."))
            let shared = try await core.sharedView(of: .lorebook, id: imported.id, for: .anonymous)
            #expect(shared.content.objectValue?["data"]?.objectValue?["entries"]?.arrayValue?.count == 1)
            #expect(String(decoding: shared.content.serialized(), as: UTF8.self).contains("violet"))
            let events = try await core.events(after: 0, limit: 100).filter { $0.subjectKind == .lorebook }.map(\.type)
            #expect(events == [.itemPublished, .itemUpdated])
            await #expect(throws: CoreError.self) { try await lorebooks.replace(imported.id, with: book, for: bob) }
            book.data["name"] = .string("  ")
            await #expect(throws: CoreError.self) { try await lorebooks.replace(imported.id, with: book, for: alice) }
            #expect(try await lorebooks.get(imported.id, for: alice).book.name == "Eldoria, revised")
        }
    }

    @Test("a World Info file without a name, or a file that is no lorebook, creates nothing")
    func refused() async throws {
        try await withTestModules { application in
            let session = try await CharactersTests.session(application, "alice")
            for (file, name) in try [(Fixtures.eldoriaWorldInfo, nil), (Data("nope".utf8), "X"), (Data(#"{"entries":[1]}"#.utf8), "X")]
                as [(Data, String?)]
            {
                do {
                    _ = try await application.core.lorebooks.importFile(file, name: name, for: session)
                    Issue.record("imported what should be refused")
                } catch let error as CoreError {
                    #expect(error.code == .invalidInput)
                }
            }
            #expect(try await application.core.lorebooks.list(for: session).isEmpty)
        }
    }
}
