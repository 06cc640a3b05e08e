import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ScribeCore
import ScribeTestFixtures
import ScribeTestSupport
import Testing

@Suite("Character routes over real HTTP")
struct CharacterRoutesTests {
    static var seraphinaPNG: Data { get throws { try Fixtures.data("cards/seraphina.png") } }

    /// Registers `username` and returns bearer headers for it.
    static func bearer(_ client: some TestClientProtocol, _ username: String) async throws -> HTTPFields {
        [.authorization: "Bearer \(try AccountRoutesTests.token(try await AccountRoutesTests.register(client, username)))"]
    }

    /// `fields` with one more header.
    static func adding(_ fields: HTTPFields, _ name: HTTPField.Name, _ value: String) -> HTTPFields {
        var fields = fields
        fields[name] = value
        return fields
    }

    static func importSeraphina(_ client: some TestClientProtocol, _ headers: HTTPFields) async throws -> String {
        let response = try await client.execute(
            uri: "/api/v1/characters/import",
            method: .post,
            headers: adding(headers, .contentType, "image/png"),
            body: ByteBuffer(bytes: seraphinaPNG)
        ) { $0 }
        #expect(response.status == .created)
        return try #require((try AccountRoutesTests.decode(response)["character"] as? [String: Any])?["id"] as? String)
    }

    @Test("import, list, read and export as PNG, V3 and V2, with download headers")
    func importAndExport() async throws {
        try await withTestServer { client, _ in
            let alice = try await Self.bearer(client, "alice")
            let id = try await Self.importSeraphina(client, alice)
            let list = try await client.execute(uri: "/api/v1/characters", method: .get, headers: alice) { $0 }
            let summaries = try AccountRoutesTests.decode(list)["characters"] as? [[String: Any]]
            #expect(summaries?.map { $0["name"] as? String } == ["Seraphina"])
            let detail = try AccountRoutesTests.decode(try await client.execute(uri: "/api/v1/characters/\(id)", method: .get, headers: alice) { $0 })
            let character = detail["character"] as? [String: Any]
            #expect(character?["sharing_visibility"] as? String == "private" && character?["has_avatar"] as? Bool == true)
            #expect(((character?["card"] as? [String: Any])?["data"] as? [String: Any])?["name"] as? String == "Seraphina")
            for (format, type, file) in [
                ("png", "image/png", "Seraphina.png"), ("v3", "application/json", "Seraphina.json"), ("v2", "application/json", "Seraphina.v2.json"),
            ] {
                let response = try await client.execute(uri: "/api/v1/characters/\(id)/export?format=\(format)", method: .get, headers: alice) { $0 }
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == type)
                #expect(response.headers[.contentDisposition] == "attachment; filename=\"\(file)\"")
            }
            let avatar = try await client.execute(uri: "/api/v1/characters/\(id)/avatar", method: .get, headers: alice) { $0 }
            #expect(avatar.status == .ok && PNGCard.isPNG(Data(avatar.body.readableBytesView)))
        }
    }

    @Test("create from a JSON card, replace it and delete it")
    func createReplaceDelete() async throws {
        try await withTestServer { client, _ in
            let alice = Self.adding(try await Self.bearer(client, "alice"), .contentType, "application/json")
            let created = try await client.execute(
                uri: "/api/v1/characters",
                method: .post,
                headers: alice,
                body: ByteBuffer(string: #"{"card":{"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"Pip","tags":["small"]}}}"#)
            ) { $0 }
            #expect(created.status == .created)
            let id = try #require((try AccountRoutesTests.decode(created)["character"] as? [String: Any])?["id"] as? String)
            let replaced = try await client.execute(
                uri: "/api/v1/characters/\(id)",
                method: .put,
                headers: alice,
                body: ByteBuffer(string: #"{"card":{"name":"Pipkin"}}"#)
            ) { $0 }
            #expect(replaced.status == .ok)
            let card = ((try AccountRoutesTests.decode(replaced)["character"] as? [String: Any])?["card"] as? [String: Any])
            #expect(card?["spec"] as? String == "chara_card_v3" && (card?["data"] as? [String: Any])?["name"] as? String == "Pipkin")
            let deleted = try await client.execute(uri: "/api/v1/characters/\(id)", method: .delete, headers: alice) { $0 }
            #expect(deleted.status == .noContent)
            let gone = try await client.execute(uri: "/api/v1/characters/\(id)", method: .get, headers: alice) { $0 }
            #expect(gone.status == .notFound)
        }
    }

    @Test("without a session every character route answers 401; another user's or a malformed id answers 404")
    func accessControl() async throws {
        try await withTestServer { client, _ in
            let alice = try await Self.bearer(client, "alice")
            let bob = try await Self.bearer(client, "bob")
            let id = try await Self.importSeraphina(client, alice)
            for (uri, method) in [
                ("/api/v1/characters", HTTPRequest.Method.get), ("/api/v1/characters/\(id)", .get), ("/api/v1/characters/import", .post),
            ] {
                #expect(try await client.execute(uri: uri, method: method) { $0.status } == .unauthorized)
            }
            for uri in [
                "/api/v1/characters/\(id)", "/api/v1/characters/\(id)/export?format=v3", "/api/v1/characters/\(id)/avatar",
                "/api/v1/characters/not-a-uuid",
            ] {
                let response = try await client.execute(uri: uri, method: .get, headers: bob) { $0 }
                #expect(response.status == .notFound, "\(uri)")
                #expect(try AccountRoutesTests.error(response)["code"] == "not_found")
            }
            #expect(try await client.execute(uri: "/api/v1/characters/\(id)", method: .delete, headers: bob) { $0.status } == .notFound)
            #expect(try await client.execute(uri: "/api/v1/characters/\(id)", method: .get, headers: alice) { $0.status } == .ok)
        }
    }

    @Test("bad files and bodies get a 4xx and create nothing")
    func badInput() async throws {
        try await withTestServer { client, _ in
            let alice = try await Self.bearer(client, "alice")
            let cases: [(String, ByteBuffer, HTTPResponse.Status)] = [
                ("/api/v1/characters/import", ByteBuffer(string: "garbage"), .unprocessableContent),
                ("/api/v1/characters/import", ByteBuffer(bytes: try Self.seraphinaPNG.prefix(3000)), .unprocessableContent),
                ("/api/v1/characters/import", ByteBuffer(repeating: 0x41, count: 10 * 1_048_576 + 1), .contentTooLarge),
                ("/api/v1/characters", ByteBuffer(string: #"{"card":{"spec":"chara_card_v2","data":{"name":"   "}}}"#), .unprocessableContent),
                ("/api/v1/characters", ByteBuffer(string: #"{"card":"text"}"#), .unprocessableContent),
                ("/api/v1/characters", ByteBuffer(string: #"{"nocard":1}"#), .unprocessableContent),
            ]
            for (uri, body, status) in cases {
                let response = try await client.execute(
                    uri: uri,
                    method: .post,
                    headers: Self.adding(alice, .contentType, "application/json"),
                    body: body
                ) { $0 }
                #expect(response.status == status, "\(uri) \(body.readableBytes) bytes")
                #expect(try AccountRoutesTests.error(response)["code"] != nil)
            }
            let export = try await client.execute(uri: "/api/v1/characters/\(UUID())/export?format=bmp", method: .get, headers: alice) { $0 }
            #expect(export.status == .badRequest)
            let list = try await client.execute(uri: "/api/v1/characters", method: .get, headers: alice) { $0 }
            #expect((try AccountRoutesTests.decode(list)["characters"] as? [Any])?.isEmpty == true)
        }
    }
}
