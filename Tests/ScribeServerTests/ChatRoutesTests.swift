import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ScribeTestSupport
import Testing

@Suite("Chat routes over real HTTP")
struct ChatRoutesTests {
    @Test("create a chat, add messages, read it back, make it public, delete it; others get 404")
    func lifecycle() async throws {
        try await withTestServer { client, _ in
            let alice = CharacterRoutesTests.adding(try await CharacterRoutesTests.bearer(client, "alice"), .contentType, "application/json")
            let bob = try await CharacterRoutesTests.bearer(client, "bob")
            let created = try await client.execute(
                uri: "/api/v1/chats",
                method: .post,
                headers: alice,
                body: ByteBuffer(string: #"{"title":"Night watch"}"#)
            ) { $0 }
            #expect(created.status == .created)
            let id = try #require((try AccountRoutesTests.decode(created)["chat"] as? [String: Any])?["id"] as? String)
            for (type, content) in [("User", "Who goes there?"), ("Assistant", "A friend.")] {
                let message = try await client.execute(
                    uri: "/api/v1/chats/\(id)/messages",
                    method: .post,
                    headers: alice,
                    body: ByteBuffer(string: #"{"type":"\#(type)","content":"\#(content)"}"#)
                ) { $0 }
                #expect(message.status == .created)
            }
            let chat = try #require(
                try AccountRoutesTests.decode(try await client.execute(uri: "/api/v1/chats/\(id)", method: .get, headers: alice) { $0 })["chat"]
                    as? [String: Any]
            )
            #expect((chat["messages"] as? [[String: Any]])?.map { $0["content"] as? String } == ["Who goes there?", "A friend."])
            let badType = try await client.execute(
                uri: "/api/v1/chats/\(id)/messages",
                method: .post,
                headers: alice,
                body: ByteBuffer(string: #"{"type":"Narrator","content":"x"}"#)
            ) { $0 }
            #expect(badType.status == .unprocessableContent)
            let visibility = try await client.execute(
                uri: "/api/v1/chats/\(id)/visibility",
                method: .put,
                headers: alice,
                body: ByteBuffer(string: #"{"visibility":"public"}"#)
            ) { $0 }
            #expect((try AccountRoutesTests.decode(visibility)["chat"] as? [String: Any])?["visibility"] as? String == "public")
            #expect(try await client.execute(uri: "/api/v1/chats/\(id)", method: .get, headers: bob) { $0.status } == .notFound)
            #expect(try await client.execute(uri: "/api/v1/chats/\(id)", method: .get) { $0.status } == .unauthorized)
            #expect(try await client.execute(uri: "/api/v1/chats/\(id)", method: .delete, headers: alice) { $0.status } == .noContent)
        }
    }
}
