import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ScribeTestFixtures
import ScribeTestSupport
import Testing

@Suite("Lorebook routes over real HTTP")
struct LorebookRoutesTests {
    static var eldoria: Data { get throws { try Fixtures.data("cards/eldoria-worldinfo.json") } }

    @Test("import World Info, list, read, export as World Info and V3, delete; others get 404, strangers 401")
    func lifecycle() async throws {
        try await withTestServer { client, _ in
            let alice = try await CharacterRoutesTests.bearer(client, "alice")
            let bob = try await CharacterRoutesTests.bearer(client, "bob")
            #expect(try await client.execute(uri: "/api/v1/lorebooks", method: .get) { $0.status } == .unauthorized)
            let imported = try await client.execute(
                uri: "/api/v1/lorebooks/import?name=Eldoria",
                method: .post,
                headers: alice,
                body: ByteBuffer(bytes: Self.eldoria)
            ) { $0 }
            #expect(imported.status == .created)
            let id = try #require((try AccountRoutesTests.decode(imported)["lorebook"] as? [String: Any])?["id"] as? String)
            let list = try AccountRoutesTests.decode(try await client.execute(uri: "/api/v1/lorebooks", method: .get, headers: alice) { $0 })
            #expect((list["lorebooks"] as? [[String: Any]])?.first?["entry_count"] as? Int == 4)
            for format in ["world_info", "v3"] {
                let export = try await client.execute(uri: "/api/v1/lorebooks/\(id)/export?format=\(format)", method: .get, headers: alice) { $0 }
                #expect(export.status == .ok && export.headers[.contentType] == "application/json")
            }
            #expect(try await client.execute(uri: "/api/v1/lorebooks/\(id)", method: .get, headers: bob) { $0.status } == .notFound)
            #expect(
                try await client.execute(uri: "/api/v1/lorebooks/\(id)/export?format=pdf", method: .get, headers: alice) { $0.status } == .badRequest
            )
            let unnamed = try await client.execute(
                uri: "/api/v1/lorebooks/import",
                method: .post,
                headers: alice,
                body: ByteBuffer(bytes: Self.eldoria)
            ) { $0 }
            #expect(unnamed.status == .unprocessableContent)
            #expect(try AccountRoutesTests.error(unnamed)["field"] == "name")
            #expect(try await client.execute(uri: "/api/v1/lorebooks/\(id)", method: .delete, headers: alice) { $0.status } == .noContent)
            #expect(try await client.execute(uri: "/api/v1/lorebooks/\(id)", method: .get, headers: alice) { $0.status } == .notFound)
        }
    }
}

@Suite("Public lorebooks over real HTTP")
struct PublicLorebookRoutesTests {
    @Test("a public lorebook is visible to anyone; private again, it is gone")
    func publicLorebook() async throws {
        try await withTestServer { client, _ in
            let alice = try await CharacterRoutesTests.bearer(client, "alice")
            let imported = try await client.execute(
                uri: "/api/v1/lorebooks/import?name=Eldoria",
                method: .post,
                headers: alice,
                body: ByteBuffer(bytes: try LorebookRoutesTests.eldoria)
            ) { $0 }
            let id = try #require((try AccountRoutesTests.decode(imported)["lorebook"] as? [String: Any])?["id"] as? String)
            let json = CharacterRoutesTests.adding(alice, .contentType, "application/json")
            #expect(try await client.execute(uri: "/api/v1/shared/lorebooks/\(id)", method: .get) { $0.status } == .notFound)
            let published = try await client.execute(
                uri: "/api/v1/lorebooks/\(id)/visibility",
                method: .put,
                headers: json,
                body: ByteBuffer(string: #"{"is_public":true}"#)
            ) { $0 }
            #expect((try AccountRoutesTests.decode(published)["lorebook"] as? [String: Any])?["is_public"] as? Bool == true)
            let shared = try await client.execute(uri: "/api/v1/shared/lorebooks/\(id)", method: .get) { $0 }
            #expect(shared.status == .ok)
            #expect(((try AccountRoutesTests.decode(shared)["item"] as? [String: Any])?["kind"] as? String) == "lorebook")
            _ = try await client.execute(
                uri: "/api/v1/lorebooks/\(id)/visibility",
                method: .put,
                headers: json,
                body: ByteBuffer(string: #"{"is_public":false}"#)
            ) { $0 }
            #expect(try await client.execute(uri: "/api/v1/shared/lorebooks/\(id)", method: .get) { $0.status } == .notFound)
            let bad = try await client.execute(
                uri: "/api/v1/lorebooks/\(id)/visibility",
                method: .put,
                headers: json,
                body: ByteBuffer(string: #"{"is_public":"yes"}"#)
            ) { $0 }
            #expect(bad.status == .unprocessableContent)
        }
    }
}

@Suite("Lore between cards and the library over real HTTP")
struct CardLoreRoutesTests {
    @Test("extract a card's book into a lorebook, then embed it into another card")
    func extractAndEmbed() async throws {
        try await withTestServer { client, _ in
            let alice = try await CharacterRoutesTests.bearer(client, "alice")
            let seraphina = try await CharacterRoutesTests.importSeraphina(client, alice)
            let extracted = try await client.execute(uri: "/api/v1/characters/\(seraphina)/lorebook", method: .post, headers: alice) { $0 }
            #expect(extracted.status == .created)
            let lorebookID = try #require((try AccountRoutesTests.decode(extracted)["lorebook"] as? [String: Any])?["id"] as? String)
            let json = CharacterRoutesTests.adding(alice, .contentType, "application/json")
            let pip = try await client.execute(
                uri: "/api/v1/characters",
                method: .post,
                headers: json,
                body: ByteBuffer(string: #"{"card":{"name":"Pip"}}"#)
            ) { $0 }
            let pipID = try #require((try AccountRoutesTests.decode(pip)["character"] as? [String: Any])?["id"] as? String)
            let embedded = try await client.execute(
                uri: "/api/v1/characters/\(pipID)/lorebook",
                method: .put,
                headers: json,
                body: ByteBuffer(string: #"{"lorebook_id":"\#(lorebookID)"}"#)
            ) { $0 }
            #expect(embedded.status == .ok)
            let data =
                (((try AccountRoutesTests.decode(embedded)["character"] as? [String: Any])?["card"] as? [String: Any])?["data"] as? [String: Any])
            #expect(((data?["character_book"] as? [String: Any])?["entries"] as? [Any])?.count == 4)
            let none = try await client.execute(
                uri: "/api/v1/characters/\(pipID)/lorebook",
                method: .put,
                headers: json,
                body: ByteBuffer(string: #"{"lorebook_id":"\#(UUID())"}"#)
            ) { $0 }
            #expect(none.status == .notFound)
        }
    }
}
