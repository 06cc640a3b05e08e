import ActivityPubKit
import Foundation
import NIOHTTP1
import PostgresNIO
import ScribeContracts
import ScribeCore
import ScribeSocial
import ScribeStorage
import ScribeTestFixtures
import ScribeTestSupport
import Testing

@Suite("Social learns about users through CoreAPI")
struct ProfileTests {
    @Test("a profile has the public facts only, by username in any case or by id; a locked account is not active")
    func profiles() async throws {
        try await withTestModules { application in
            let created = try await application.core.accounts.register(
                Registration(username: "Alice", email: "alice@example.org", password: "correct horse battery")
            )
            let core = application.social.core
            let byName = try await core.profile(username: "ALICE")
            #expect(byName.username == "Alice" && byName.isActive)
            #expect(try await core.profile(id: created.session.account.id) == byName)
            let json = String(decoding: try JSONEncoder().encode(byName), as: UTF8.self)
            #expect(!json.contains("example.org"))
            try await application.core.accounts.setStatus(username: "alice", status: .locked)
            #expect(try await core.profile(username: "alice").isActive == false)
            do {
                _ = try await core.profile(username: "nobody")
                Issue.record("found a user that does not exist")
            } catch let error as CoreAPIError {
                #expect(error.code == .notFound)
            }
        }
    }

    @Test("a user's display name, bio and avatar are on their actor; changing them sends the actor's Update to followers; bad input is refused")
    func publicProfile() async throws {
        try await withTestInstance(host: "127.0.0.5") { instance in
            let alice = try await FederationBetweenInstancesTests.register(instance, "alice")
            let accounts = instance.modules.core.accounts
            try await withTestPeer { peer in
                #expect(
                    try await peer.post(InboxTests.follow(peer, instance), to: "\(instance.publicURL)/users/alice/inbox", as: "carol").status == 202
                )
                #expect(try await eventually { await peer.inbox.contains { $0.isA("Accept") } })

                let avatar = try Fixtures.data("cards/seraphina.png")
                try await accounts.setPublicProfile(alice, displayName: "Alice of the Marsh", bio: "Writes <characters>.\n\nSecond paragraph.")
                try await accounts.setAvatar(alice, image: avatar)
                for (name, bio) in [(String(repeating: "a", count: 51), ""), ("Two\nlines", ""), ("", String(repeating: "b", count: 501))] {
                    await #expect(throws: CoreError.self) { try await accounts.setPublicProfile(alice, displayName: name, bio: bio) }
                }
                await #expect(throws: CoreError.self) { try await accounts.setAvatar(alice, image: Data("GIF89a".utf8)) }
                await #expect(throws: CoreError.self) { try await accounts.setAvatar(alice, image: Data(count: (1 << 20) + 1)) }

                let actor = try await LoopbackHTTP.send(
                    port: instance.port,
                    method: "GET",
                    path: "/users/alice",
                    headers: [("Accept", "application/activity+json")],
                    body: nil,
                    host: "127.0.0.5"
                )
                let document = try actor.json()
                #expect(document["name"] as? String == "Alice of the Marsh")
                #expect(document["summary"] as? String == "<p>Writes &lt;characters&gt;.</p><p>Second paragraph.</p>")
                // The icon's URL ends in its format's extension, and says its media type.
                let icon = try #require(document["icon"] as? [String: Any])
                #expect(icon["url"] as? String == "\(instance.publicURL)/api/v1/users/alice/avatar.png")
                #expect(icon["mediaType"] as? String == "image/png")
                for path in ["/api/v1/users/alice/avatar.png", "/api/v1/users/alice/avatar"] {
                    let served = try await LoopbackHTTP.send(port: instance.port, method: "GET", path: path, body: nil, host: "127.0.0.5")
                    #expect(served.status == 200 && served.body == avatar && served.headers["Content-Type"].first == "image/png")
                }

                // Each change tells the follower's server: two Updates of the Person.
                #expect(
                    try await eventually {
                        await peer.inbox.filter { $0.isA("Update") && $0.object.first?.object?.isA("Person") == true }.count == 2
                    }
                )
                try await accounts.setAvatar(alice, image: nil)
                #expect(
                    try await LoopbackHTTP.send(port: instance.port, method: "GET", path: "/api/v1/users/alice/avatar", body: nil, host: "127.0.0.5")
                        .status == 404
                )
            }
        }
    }
}
