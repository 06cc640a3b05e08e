import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ScribeTestSupport
import Testing

@Suite("Publishing and shared characters over real HTTP")
struct SharedCharacterRoutesTests {
    static func setVisibility(
        _ client: some TestClientProtocol,
        _ id: String,
        _ visibility: String,
        _ headers: HTTPFields
    ) async throws -> TestResponse {
        try await client.execute(
            uri: "/api/v1/characters/\(id)/visibility",
            method: .put,
            headers: CharacterRoutesTests.adding(headers, .contentType, "application/json"),
            body: ByteBuffer(string: #"{"sharing_visibility":"\#(visibility)"}"#)
        ) { $0 }
    }

    @Test("a public character is visible to anyone, private again it is gone; its avatar follows")
    func publishAndView() async throws {
        try await withTestServer { client, _ in
            let alice = try await CharacterRoutesTests.bearer(client, "alice")
            let id = try await CharacterRoutesTests.importSeraphina(client, alice)
            #expect(try await client.execute(uri: "/api/v1/shared/characters/\(id)", method: .get) { $0.status } == .notFound)
            let published = try await Self.setVisibility(client, id, "public", alice)
            #expect(published.status == .ok)
            #expect((try AccountRoutesTests.decode(published)["character"] as? [String: Any])?["sharing_visibility"] as? String == "public")
            let view = try await client.execute(uri: "/api/v1/shared/characters/\(id)", method: .get) { $0 }
            #expect(view.status == .ok)
            let item = try #require(try AccountRoutesTests.decode(view)["item"] as? [String: Any])
            #expect(item["owner_username"] as? String == "alice" && item["visibility"] as? String == "public")
            #expect(((item["content"] as? [String: Any])?["data"] as? [String: Any])?["name"] as? String == "Seraphina")
            #expect(try await client.execute(uri: "/api/v1/shared/characters/\(id)/avatar", method: .get) { $0.status } == .ok)
            // At the URL the item's Note links, whose extension names its format.
            let png = try await client.execute(uri: "/api/v1/shared/characters/\(id)/avatar.png", method: .get) { $0 }
            #expect(png.status == .ok && png.headers[.contentType] == "image/png")
            // Asked again with its tag: 304 and no image, until the item changes.
            let tag = try #require(png.headers[.eTag])
            let held = try await client.execute(uri: "/api/v1/shared/characters/\(id)/avatar.png", method: .get, headers: [.ifNoneMatch: tag]) { $0 }
            #expect(held.status == .notModified && held.body.readableBytes == 0 && held.headers[.eTag] == tag)
            _ = try await Self.setVisibility(client, id, "private", alice)
            #expect(try await client.execute(uri: "/api/v1/shared/characters/\(id)", method: .get) { $0.status } == .notFound)
            #expect(try await client.execute(uri: "/api/v1/shared/characters/\(id)/avatar", method: .get) { $0.status } == .notFound)
            // Its tag no longer opens it either.
            #expect(
                try await client.execute(uri: "/api/v1/shared/characters/\(id)/avatar.png", method: .get, headers: [.ifNoneMatch: tag]) { $0.status }
                    == .notFound
            )
            _ = try await Self.setVisibility(client, id, "public", alice)
            let changed = try await client.execute(uri: "/api/v1/shared/characters/\(id)/avatar.png", method: .get, headers: [.ifNoneMatch: tag]) {
                $0
            }
            #expect(changed.status == .ok && changed.headers[.eTag] != tag, "a changed item's avatar has a new tag")
        }
    }

    @Test("a followers-only character is shown to its owner and to no one else (until Social says who follows)")
    func followersOnly() async throws {
        try await withTestServer { client, _ in
            let alice = try await CharacterRoutesTests.bearer(client, "alice")
            let bob = try await CharacterRoutesTests.bearer(client, "bob")
            let id = try await CharacterRoutesTests.importSeraphina(client, alice)
            _ = try await Self.setVisibility(client, id, "followers", alice)
            #expect(try await client.execute(uri: "/api/v1/shared/characters/\(id)", method: .get, headers: alice) { $0.status } == .ok)
            #expect(try await client.execute(uri: "/api/v1/shared/characters/\(id)", method: .get, headers: bob) { $0.status } == .notFound)
            #expect(try await client.execute(uri: "/api/v1/shared/characters/\(id)", method: .get) { $0.status } == .notFound)
        }
    }

    @Test("forking a public character copies it into the forker's library; private ones cannot be forked")
    func fork() async throws {
        try await withTestServer { client, _ in
            let alice = try await CharacterRoutesTests.bearer(client, "alice")
            let bob = try await CharacterRoutesTests.bearer(client, "bob")
            let id = try await CharacterRoutesTests.importSeraphina(client, alice)
            #expect(try await client.execute(uri: "/api/v1/shared/characters/\(id)/fork", method: .post, headers: bob) { $0.status } == .notFound)
            _ = try await Self.setVisibility(client, id, "public", alice)
            #expect(try await client.execute(uri: "/api/v1/shared/characters/\(id)/fork", method: .post) { $0.status } == .unauthorized)
            let forked = try await client.execute(uri: "/api/v1/shared/characters/\(id)/fork", method: .post, headers: bob) { $0 }
            #expect(forked.status == .created)
            let character = try #require(try AccountRoutesTests.decode(forked)["character"] as? [String: Any])
            let data = (character["card"] as? [String: Any])?["data"] as? [String: Any]
            #expect(data?["source"] as? [String] == ["http://localhost:8080/characters/\(id.lowercased())"])
            let forkID = try #require(character["id"] as? String)
            #expect(try await client.execute(uri: "/api/v1/characters/\(forkID)", method: .get, headers: bob) { $0.status } == .ok)
            #expect(try await client.execute(uri: "/api/v1/characters/\(forkID)", method: .get, headers: alice) { $0.status } == .notFound)
        }
    }

    @Test("a bad visibility is a 422 naming the field; another user's character cannot be published")
    func badVisibility() async throws {
        try await withTestServer { client, _ in
            let alice = try await CharacterRoutesTests.bearer(client, "alice")
            let bob = try await CharacterRoutesTests.bearer(client, "bob")
            let id = try await CharacterRoutesTests.importSeraphina(client, alice)
            let bad = try await Self.setVisibility(client, id, "everyone", alice)
            #expect(bad.status == .unprocessableContent)
            #expect(try AccountRoutesTests.error(bad)["field"] == "sharing_visibility")
            #expect(try await Self.setVisibility(client, id, "public", bob).status == .notFound)
            #expect(try await client.execute(uri: "/api/v1/shared/characters/\(id)", method: .get) { $0.status } == .notFound)
        }
    }
}
