import ActivityPubKit
import Foundation
import PostgresNIO
import ScribeContracts
import ScribeCore
import ScribeSocial
import ScribeTestSupport
import Testing

/// Actor, WebFinger and `Note` documents are served from memory, and a change made through the
/// modules is never served stale: its writer drops the copy before it commits, and the
/// database's notification drops it in every other process.
@Suite("Documents served from memory")
struct DocumentCacheTests {
    static func get(_ path: String, of instance: TestInstance) async throws -> LoopbackHTTP.Reply {
        try await LoopbackHTTP.send(
            port: instance.port,
            method: "GET",
            path: path,
            headers: [("Accept", "application/activity+json")],
            body: nil,
            host: instance.host
        )
    }

    @Test("a fetched actor is served from memory; a change through Core or Social is served at once, by this process and after its notification")
    func actorDocuments() async throws {
        try await withTestInstance(host: "127.0.0.21") { instance in
            let alice = try await FederationBetweenInstancesTests.register(instance, "alice")
            let accounts = instance.modules.core.accounts
            try await accounts.setPublicProfile(alice, displayName: "Alice", bio: "")

            // Served from memory: a name written into the database behind the server's back (no
            // event, so no notice) is not seen. Once the server listens, that holds at once.
            let cached = try await eventually(timeout: .seconds(10)) {
                let behind = UUID().uuidString.prefix(8)
                let before = try await Self.get("/users/alice", of: instance).json()["name"] as? String
                _ = try await FederationBetweenInstancesTests.rows(
                    instance,
                    "UPDATE core.public_profiles SET display_name = 'Behind \(behind)' WHERE user_id = '\(alice.account.id)'"
                )
                return try await Self.get("/users/alice", of: instance).json()["name"] as? String == before
            }
            #expect(cached == true, "the actor document was made afresh on every fetch")
            let webFinger = "/.well-known/webfinger?resource=acct:alice@\(instance.domain)"
            #expect(try await Self.get(webFinger, of: instance).status == 200)

            // A change through Core: seen by the very next fetch.
            try await accounts.setPublicProfile(alice, displayName: "Alice of the Marsh", bio: "")
            #expect(try await Self.get("/users/alice", of: instance).json()["name"] as? String == "Alice of the Marsh")
            // A change through Social's settings: the same.
            _ = try await instance.modules.social.following.changeSettings(.init(manuallyApprovesFollowers: true), as: alice.account.id)
            #expect(try await Self.get("/users/alice", of: instance).json()["manuallyApprovesFollowers"] as? Bool == true)
            // A locked account has no actor and no WebFinger, at once.
            try await accounts.setStatus(username: "alice", status: .locked)
            #expect(try await Self.get("/users/alice", of: instance).status == 404)
            #expect(try await Self.get(webFinger, of: instance).status == 404)
        }
    }

    @Test(
        "a published character's Note is served from memory; made private, it is gone from its URL and the outbox at the next fetch, and back when public again"
    )
    func noteDocuments() async throws {
        try await withTestInstance(host: "127.0.0.21") { instance in
            let alice = try await FederationBetweenInstancesTests.register(instance, "alice")
            let characters = instance.modules.core.characters
            let character = try await characters.create(CharacterCard(data: ["name": .string("Marsh Witch")]), for: alice)
            _ = try await characters.setVisibility(character.id, to: .public, for: alice)
            let path = "/characters/\(character.id.uuidString.lowercased())"
            // Served from memory: a date written behind the server's back is not seen.
            let cached = try await eventually(timeout: .seconds(10)) {
                let behind = Int.random(in: 1...1_000_000)
                let before = try await Self.get(path, of: instance).json()["updated"] as? String
                _ = try await FederationBetweenInstancesTests.rows(
                    instance,
                    "UPDATE core.character_publications SET updated_at = '2001-01-01'::timestamptz + interval '\(behind) seconds' WHERE character_id = '\(character.id)'"
                )
                let after = try await Self.get(path, of: instance).json()["updated"] as? String
                return before != nil && after == before
            }
            #expect(cached == true)
            // The outbox lists it once the publisher has recorded it, and is then kept in memory too.
            let outbox = { @Sendable () async throws -> [String] in
                let page = try await Self.get("/users/alice/outbox?page=1", of: instance).json()
                return (page["orderedItems"] as? [[String: Any]] ?? []).compactMap { ($0["object"] as? [String: Any])?["id"] as? String }
            }
            let noteID = instance.publicURL + path
            #expect(try await eventually { try await outbox() == [noteID] })
            _ = try await characters.setVisibility(character.id, to: .private, for: alice)
            #expect(try await Self.get(path, of: instance).status == 404)
            #expect(try await outbox().isEmpty)
            _ = try await characters.setVisibility(character.id, to: .public, for: alice)
            #expect(try await Self.get(path, of: instance).status == 200)
        }
    }
}
