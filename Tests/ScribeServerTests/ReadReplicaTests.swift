import Crypto
import Foundation
import Logging
import PostgresNIO
import ScribeStorage
import ScribeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A server with a streaming replica (`SCRIBE_DATABASE_REPLICA_URLS`), as an operator sets one
/// up: a cluster of its own, copied by `pg_basebackup` into a replica that follows it.
@Suite("Reads from a streaming replica")
struct ReadReplicaTests {
    @Test("marketplace search reads the replica, and the primary when the replica is gone; a listing by id and every write stay on the primary")
    func searchFromReplica() async throws {
        let directory = NSTemporaryDirectory() + "scribe-replica-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logger = Logger(label: "replica-test")
        let primary = EmbeddedCluster(dataDirectory: directory + "/primary", logger: logger)
        try await primary.start()
        defer { EmbeddedCluster.stopSynchronously(dataDirectory: directory + "/primary") }
        // The database exists before the copy, so the replica has it from the start.
        try await Database.createDatabase(EmbeddedCluster.databaseName, on: primary.location)
        let replica = EmbeddedCluster(dataDirectory: directory + "/replica", replicaOf: primary, logger: logger)
        try await replica.start()
        defer { EmbeddedCluster.stopSynchronously(dataDirectory: directory + "/replica") }

        let port = try FreePort.find()
        let process = try ScribeProcess(
            environment: [
                "DATABASE_URL": try #require(primary.location.processURL),
                "SCRIBE_DATABASE_REPLICA_URLS": try #require(replica.location.processURL),
                "SCRIBE_PUBLIC_URL": "http://127.0.0.1:\(port)", "SCRIBE_BIND": "127.0.0.1:\(port)",
                "SCRIBE_MASTER_KEY": SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() },
                "SCRIBE_DATA_DIR": directory + "/scribe", "SCRIBE_LOG_LEVEL": "warning",
            ].merging(TestLimits.off) { $1 }
        )
        defer { process.signal(SIGKILL) }
        try await process.waitUntilReady()

        let auth = try await LoopbackHTTP.register(port: port)
        let publish: @Sendable (String) async throws -> String = { name in
            let id = try await LoopbackHTTP.createCharacter(port: port, auth: auth, name: name)
            #expect(try await LoopbackHTTP.setVisibility(port: port, auth: auth, character: id, "public") == 200)
            return id.lowercased()
        }
        let searched: @Sendable () async throws -> Set<String> = {
            let page = try await LoopbackHTTP.send(port: port, method: "GET", path: "/api/v1/marketplace/listings", headers: [], body: nil)
            #expect(page.status == 200)
            let listings = try page.json()["listings"] as? [[String: Any]] ?? []
            return Set(listings.compactMap { ($0["id"] as? String)?.lowercased() })
        }
        let detail: @Sendable (String) async throws -> Int = { id in
            try await LoopbackHTTP.send(port: port, method: "GET", path: "/api/v1/marketplace/listings/\(id)", headers: [], body: nil).status
        }

        // While the replica follows, a published character is found by search.
        let first = try await publish("Ferryman")
        #expect(try await eventually(timeout: .seconds(10)) { try await searched().contains(first) })

        // Replay paused: the replica stands still, the primary goes on.
        try await Database.withConnection(to: replica.location) { connection in
            try await connection.query("SELECT pg_wal_replay_pause()", logger: logger)
        }
        let second = try await publish("Lamplighter")
        #expect(try await eventually(timeout: .seconds(10)) { try await detail(second) == 200 }, "the listing by id is read from the primary")
        #expect(try await !searched().contains(second), "search reads the replica, which has not replayed the listing")
        #expect(try await searched().contains(first))

        // Replay resumed: search finds it.
        try await Database.withConnection(to: replica.location) { connection in
            try await connection.query("SELECT pg_wal_replay_resume()", logger: logger)
        }
        #expect(try await eventually(timeout: .seconds(10)) { try await searched().contains(second) })

        // The replica's sessions are Scribe's marketplace pool's.
        let replicaSessions = try await Database.withConnection(to: replica.location) { connection in
            try await connection.query(
                "SELECT count(*)::int FROM pg_stat_activity WHERE application_name = 'scribe-replica-scribe_marketplace'",
                logger: logger
            ).collect().first?.decode(Int.self) ?? 0
        }
        #expect(replicaSessions > 0)

        // The replica gone: search is answered from the primary.
        try await replica.stop()
        let started = ContinuousClock.now
        #expect(try await searched() == [first, second])
        #expect(ContinuousClock.now - started < .seconds(10))

        process.signal(SIGTERM)
        #expect(try await process.waitForExit() == 0)
        try await primary.stop()
    }
}
