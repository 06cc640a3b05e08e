import Foundation
import PostgresNIO
import ScribeStorage
import ScribeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The listings live beside their consumer's cursor: a server killed while Core's events stream
/// in resumes where it stopped and ends with exactly Core's public items.
@Suite("Listings survive a crash")
struct ListingsCrashTests {
    @Test("SIGKILL while items are being published and unpublished: after a restart the listings equal Core's public items")
    func killedMidStream() async throws {
        let location = try await TestDatabases.shared.makeDatabase()
        defer { Task { try? await TestDatabases.shared.drop(location) } }
        let databaseURL = try #require(location.processURL, "the test cluster should be reached over its socket")
        let dataDirectory = NSTemporaryDirectory() + "scribe-listings-crash-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let port = try freePort(host: "127.0.0.1")
        let environment = [
            "DATABASE_URL": databaseURL,
            "SCRIBE_DATA_DIR": dataDirectory, "SCRIBE_BIND": "127.0.0.1:\(port)", "SCRIBE_PUBLIC_URL": "http://127.0.0.1:\(port)",
        ]
        let logger = TestLogger.make("listings-crash")
        try await Database(location: location, connectionsPerModule: 1, logger: logger).withRunningPools { database in
            let ids: @Sendable (String) async throws -> Set<String> = { sql in
                Set(try await database.owner.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect().map { try $0.decode(String.self) })
            }
            let listed: @Sendable () async throws -> Set<String> = { try await ids("SELECT item_id::text FROM marketplace.listings") }
            let publicItems: @Sendable () async throws -> Set<String> = {
                try await ids(
                    """
                    SELECT p.character_id::text FROM core.character_publications p
                    LEFT JOIN core.item_restrictions r ON r.subject_kind = 'character' AND r.item_id = p.character_id
                    WHERE p.visibility = 'public' AND NOT coalesce(r.hidden, false)
                    """
                )
            }

            var server = try ScribeProcess(environment: environment)
            try await server.waitUntilReady()
            let auth = try await LoopbackHTTP.register(port: port)
            func setVisibility(_ id: String, _ visibility: String) async throws {
                #expect(try await LoopbackHTTP.setVisibility(port: port, auth: auth, character: id, visibility) == 200)
            }

            // Publish 30 (every fifth unlisted), unpublish every seventh, and kill at once.
            var created: [String] = []
            for index in 0..<30 {
                let reply = try await LoopbackHTTP.send(
                    port: port,
                    method: "POST",
                    path: "/api/v1/characters",
                    headers: auth,
                    body: Data(#"{"card":{"name":"Item \#(index)"}}"#.utf8)
                )
                let id = try #require((try reply.json()["character"] as? [String: Any])?["id"] as? String)
                created.append(id)
                try await setVisibility(id, index % 5 == 4 ? "unlisted" : "public")
            }
            for id in created.enumerated().filter({ $0.offset % 7 == 0 }).map(\.element) { try await setVisibility(id, "private") }
            server.signal(SIGKILL)
            _ = try await server.waitForExit()
            let expected = try await publicItems()
            #expect(expected.count == 30 - 6 - 4, "30 published, 6 unlisted, 4 of the public ones unpublished (0, 7, 21, 28)")
            let beforeRestart = try await listed()
            print("listed before the restart: \(beforeRestart.count) of \(expected.count)")

            server = try ScribeProcess(environment: environment)
            try await server.waitUntilReady()
            #expect(try await eventually(timeout: .seconds(30)) { try await listed() == expected })
            #expect(try await listed() == Set(created.map { $0.lowercased() }).intersection(expected))
            server.signal(SIGTERM)
            _ = try await server.waitForExit()
        }
    }
}
