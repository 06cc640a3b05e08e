import Foundation
import ScribeContracts
import ScribeCore
import ScribeSocial
import ScribeTestFixtures
import ScribeTestSupport
import Testing

/// Scribe against a fediverse server that is not ours: `scripts/fediverse_peer.py`, built on
/// the apsig library from PyPI. `scripts/test` installs it and sets `SCRIBE_PYTHON`; without it
/// this test is skipped, never passed.
@Suite("An independent fediverse implementation follows a Scribe user", .enabled(if: ProcessInfo.processInfo.environment["SCRIBE_PYTHON"] != nil))
struct IndependentPeerTests {
    @Test("it WebFingers the user, fetches the actor, follows, and verifies our signed Accept and the Create of a published character")
    func followAndReceive() async throws {
        try await withTestInstance(host: "127.0.0.7") { instance in
            let alice = try await FederationBetweenInstancesTests.register(instance, "alice")
            // Reads the peer's lines as they come; publishes once it says it follows.
            let lines = LineLog()
            let result = try await ChildProcess.run(
                ProcessInfo.processInfo.environment["SCRIBE_PYTHON"] ?? "/usr/bin/python3",
                [TestPaths.packageRoot + "/scripts/fediverse_peer.py", "--handle", "alice@\(instance.domain)", "--timeout", "60"],
                timeout: .seconds(120)
            ) { line in
                if await lines.append(line) == "FOLLOWED" {
                    let character = try await instance.modules.core.characters.create(
                        CharacterCard(data: ["name": .string("Lantern Keeper"), "description": .string("Keeps the last light.")]),
                        for: alice
                    )
                    _ = try await instance.modules.core.characters.setVisibility(character.id, to: .public, for: alice)
                }
            }
            let seen = await lines.all
            let report = try #require(seen.last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }, "\(seen)")
            #expect(report["webfinger"] as? Bool == true)
            #expect(report["actor"] as? Bool == true)
            #expect(report["follow_status"] as? Int == 202)
            #expect(report["accept_verified"] as? Bool == true)
            #expect(report["create_verified"] as? Bool == true)
            #expect(report["note_name"] as? String == "Lantern Keeper")
            #expect(result.status == 0)
        }
    }

    /// The lines the peer printed, in order; answers the line just added when it is the first of its kind.
    actor LineLog {
        private(set) var all: [String] = []

        /// Adds `line`; returns it if no earlier line was the same (so "FOLLOWED" acts once).
        func append(_ line: String) -> String? {
            defer { all.append(line) }
            return all.contains(line) ? nil : line
        }
    }
}
