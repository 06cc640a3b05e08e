import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
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
                uri: "/api/v1/lorebooks/import?name=Eldoria", method: .post, headers: alice, body: ByteBuffer(bytes: Self.eldoria)) { $0 }
            #expect(imported.status == .created)
            let id = try #require((try AccountRoutesTests.decode(imported)["lorebook"] as? [String: Any])?["id"] as? String)
            let list = try AccountRoutesTests.decode(try await client.execute(uri: "/api/v1/lorebooks", method: .get, headers: alice) { $0 })
            #expect((list["lorebooks"] as? [[String: Any]])?.first?["entry_count"] as? Int == 4)
            for format in ["world_info", "v3"] {
                let export = try await client.execute(uri: "/api/v1/lorebooks/\(id)/export?format=\(format)", method: .get, headers: alice) { $0 }
                #expect(export.status == .ok && export.headers[.contentType] == "application/json")
            }
            #expect(try await client.execute(uri: "/api/v1/lorebooks/\(id)", method: .get, headers: bob) { $0.status } == .notFound)
            #expect(try await client.execute(uri: "/api/v1/lorebooks/\(id)/export?format=pdf", method: .get, headers: alice) { $0.status } == .badRequest)
            let unnamed = try await client.execute(uri: "/api/v1/lorebooks/import", method: .post, headers: alice, body: ByteBuffer(bytes: Self.eldoria)) { $0 }
            #expect(unnamed.status == .unprocessableContent)
            #expect(try AccountRoutesTests.error(unnamed)["field"] == "name")
            #expect(try await client.execute(uri: "/api/v1/lorebooks/\(id)", method: .delete, headers: alice) { $0.status } == .noContent)
            #expect(try await client.execute(uri: "/api/v1/lorebooks/\(id)", method: .get, headers: alice) { $0.status } == .notFound)
        }
    }
}
