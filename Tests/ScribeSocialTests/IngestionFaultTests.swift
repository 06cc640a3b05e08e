import ActivityPubKit
import Foundation
import PostgresNIO
import ScribeStorage
import ScribeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What the server acknowledged, it keeps: an inbox answers 202 only once the activity is in the
/// database, and the API answers 201 only once the thing is. Proved by killing the server in the
/// middle of a stream of activities, and by restarting PostgreSQL under a stream of writes.
@Suite("Acknowledged is kept, through crashes and database restarts")
struct IngestionFaultTests {
    /// Posts `count` signed `Like`s of `object` from distinct actors of `peer`, `concurrency` at a
    /// time (no more than the HTTP client's connections per host, so none is left queued when
    /// the server dies), until `stopped` is set (a request to a dead server would wait for its
    /// whole timeout); returns the ids answered 202.
    static func likes(
        _ count: Int,
        of object: String,
        from peer: TestPeer,
        to inbox: String,
        concurrency: Int = 8,
        stopped: OnceFlag,
        onAccepted: @escaping @Sendable (Int) async -> Void
    ) async -> Set<String> {
        await withTaskGroup(of: String?.self) { group in
            var accepted: Set<String> = []
            for index in 0..<count {
                if index >= concurrency, let done = await group.next(), let id = done {
                    accepted.insert(id)
                    await onAccepted(accepted.count)
                }
                group.addTask {
                    guard !stopped.isSet else { return nil }
                    let id = "\(peer.origin)/likes/\(index)"
                    let like = ASObject.activity("Like", id: id, actor: peer.actorID("u\(index)"), object: .string(object))
                    let reply = try? await peer.post(like.document(in: .mastodon), to: inbox, as: "u\(index)")
                    return reply?.status == 202 ? id : nil
                }
            }
            for await done in group { if let done { accepted.insert(done) } }
            return accepted
        }
    }

    /// The inbox's activities by id, with their state.
    static func inboxStates(_ location: DatabaseLocation) async throws -> [String: String] {
        try await Database.withConnection(to: location) { connection in
            var states: [String: String] = [:]
            let rows = try await connection.query("SELECT activity_id, state FROM social.inbox_activities", logger: connection.logger)
            for try await (id, state) in rows.decode((String, String).self) { states[id] = state }
            return states
        }
    }

    @Test("SIGKILL in the middle of a stream of Likes: after a restart every Like answered 202 is there and is processed once")
    func killedDuringIngestion() async throws {
        let location = try await TestDatabases.shared.makeDatabase()
        defer { Task { try? await TestDatabases.shared.drop(location) } }
        let dataDirectory = NSTemporaryDirectory() + "scribe-ingest-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let port = try freePort(host: "127.0.0.1")
        let origin = "http://127.0.0.1:\(port)"
        let environment = [
            "DATABASE_URL": try #require(location.processURL), "SCRIBE_DATA_DIR": dataDirectory, "SCRIBE_BIND": "127.0.0.1:\(port)",
            "SCRIBE_PUBLIC_URL": origin, "SCRIBE_ALLOW_PRIVATE_PEERS": "true",
            // What the killed process held is taken again once its lease has run out.
            "SCRIBE_INBOX_LEASE_SECONDS": "3",
        ]
        try await withTestPeer(host: "127.0.0.16") { peer in
            var server = try ScribeProcess(environment: environment)
            try await server.waitUntilReady()
            let auth = try await LoopbackHTTP.register(port: port)
            let id = try await LoopbackHTTP.createCharacter(port: port, auth: auth, name: "Lantern")
            _ = try await LoopbackHTTP.setVisibility(port: port, auth: auth, character: id, "public")
            let object = "\(origin)/characters/\(id.lowercased())"
            // Liked only once Social has published it: before that, a Like of it is ignored.
            let itemID = try #require(UUID(uuidString: id))
            #expect(
                try await eventually {
                    try await Database.withConnection(to: location) { connection in
                        try await connection.query(
                            "SELECT count(*) FROM social.published_objects WHERE item_id = \(itemID)",
                            logger: connection.logger
                        )
                        .decode(Int.self).reduce(0, +) == 1
                    }
                }
            )

            // Kill the server once a third of the stream is acknowledged.
            let total = 240
            let killed = OnceFlag()
            let running = server
            let accepted = await Self.likes(total, of: object, from: peer, to: "\(origin)/users/alice/inbox", stopped: killed) { count in
                if count >= total / 3, killed.set() { running.signal(SIGKILL) }
            }
            _ = try await server.waitForExit()
            #expect(
                accepted.count >= total / 3 && accepted.count < total,
                "the kill came too late or too early to prove anything: \(accepted.count) of \(total)"
            )

            server = try ScribeProcess(environment: environment)
            try await server.waitUntilReady()
            var states: [String: String] = [:]
            let processed = try await eventually(timeout: .seconds(90)) {
                let now = try await Self.inboxStates(location)
                return accepted.allSatisfy { now[$0] == "processed" }
            }
            states = try await Self.inboxStates(location)
            #expect(processed, "acknowledged but not processed: \(accepted.filter { states[$0] != "processed" }.sorted().prefix(5))")
            let likes = try await Database.withConnection(to: location) { connection in
                try await connection.query("SELECT count(*) FROM social.likes WHERE object_id = \(object)", logger: connection.logger).decode(
                    Int.self
                ).reduce(0, +)
            }
            #expect(likes == states.values.filter { $0 == "processed" }.count, "each processed Like counted once")
            #expect(likes >= accepted.count)
            server.signal(SIGTERM)
            _ = try await server.waitForExit()
        }
    }

    @Test("PostgreSQL restarted under a stream of writes: /readyz says not ready, the server recovers by itself, and every 201 is kept")
    func databaseRestart() async throws {
        let directory = NSTemporaryDirectory() + "scribe-pg-restart-\(UUID().uuidString.prefix(8))"
        let cluster = EmbeddedCluster(dataDirectory: directory, maxConnections: 100, logger: TestLogger.make("restarted-cluster"))
        try await cluster.start()
        do {
            try await Database.createDatabase(cluster.location.database, on: cluster.location)
            let port = try freePort(host: "127.0.0.1")
            let server = try ScribeProcess(environment: [
                "DATABASE_URL": try #require(cluster.location.processURL), "SCRIBE_DATA_DIR": directory + "/scribe",
                "SCRIBE_BIND": "127.0.0.1:\(port)",
                "SCRIBE_PUBLIC_URL": "http://127.0.0.1:\(port)",
            ])
            try await server.waitUntilReady()
            let auth = try await LoopbackHTTP.register(port: port)

            // A steady stream of writes, recording what each got.
            let outcomes = OutcomeLog()
            let writer = Task {
                var index = 0
                while !Task.isCancelled {
                    let reply = try? await LoopbackHTTP.send(
                        port: port,
                        method: "POST",
                        path: "/api/v1/characters",
                        headers: auth,
                        body: Data(#"{"card":{"name":"Load \#(index)"}}"#.utf8),
                        // Longer than the outage can last on a loaded machine: a write that waits for
                        // the database must be seen to finish, not given up on here.
                        timeout: .seconds(120)
                    )
                    // The last request is cut short by the cancellation that ends the stream.
                    guard !Task.isCancelled else { break }
                    let id = reply.flatMap { try? ($0.json()["character"] as? [String: Any])?["id"] as? String }
                    await outcomes.record(reply?.status ?? 0, id: reply?.status == 201 ? id : nil)
                    index += 1
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
            #expect(try await eventually(timeout: .seconds(60)) { await outcomes.snapshot().1.count >= 5 }, "no write succeeded before the outage")
            let beforeOutage = await outcomes.snapshot().1.count
            try await cluster.stop()
            let notReady = try await eventually(timeout: .seconds(30)) {
                (try? await LoopbackHTTP.send(port: port, method: "GET", path: "/readyz", body: nil, timeout: .seconds(10)))?.status == 503
            }
            #expect(notReady, "/readyz did not say the database was gone")
            try await Task.sleep(for: .seconds(2))
            try await cluster.start()
            let recovered = try await eventually(timeout: .seconds(60)) {
                (try? await LoopbackHTTP.send(port: port, method: "GET", path: "/readyz", body: nil, timeout: .seconds(10)))?.status == 200
            }
            #expect(recovered, "the server did not recover by itself")
            let afterOutage = await outcomes.snapshot().1.count
            let resumed = try await eventually(timeout: .seconds(60)) { await outcomes.snapshot().1.count >= afterOutage + 5 }
            if !resumed {
                // Where a write hangs after the database is back (seen once in CI, not reproduced
                // since): the server's last lines and the cluster's.
                let serverLines = server.standardError.split(separator: "\n").suffix(20).joined(separator: "\n")
                let clusterLog = (try? String(contentsOfFile: directory + "/postgres.log", encoding: .utf8)) ?? ""
                Issue.record(
                    "writing did not resume; outcomes \(await outcomes.snapshot().0)\nserver:\n\(serverLines)\ncluster:\n\(clusterLog.split(separator: "\n").suffix(15).joined(separator: "\n"))"
                )
            }
            writer.cancel()
            _ = await writer.result

            // A write that arrives during the outage waits for the database (or is refused with 503);
            // it is never answered 500, never dropped, and writing resumes by itself.
            let (statuses, acknowledged) = await outcomes.snapshot()
            #expect(statuses.isSubset(of: [201, 503]), "only created or unavailable, never a 500 or a dropped connection: \(statuses)")
            #expect(
                beforeOutage > 0 && acknowledged.count > beforeOutage,
                "writes before and after the outage: \(beforeOutage), then \(acknowledged.count)"
            )
            let listed = try await LoopbackHTTP.send(port: port, method: "GET", path: "/api/v1/characters", headers: auth, body: nil)
            let ids = Set(((try listed.json()["characters"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String })
            #expect(acknowledged.isSubset(of: ids), "answered 201 but gone: \(acknowledged.subtracting(ids).count)")
            #expect(server.process.isRunning, "the server exited when its database went away")
            // A graceful stop after the restart ends, at the latest once the shutdown grace is over.
            server.signal(SIGTERM)
            _ = try await server.waitForExit(timeout: .seconds(60))
        } catch {
            try? await cluster.stop()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        try await cluster.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

extension IngestionFaultTests {
    @Test("SIGTERM while requests wait for a database that is gone: the server stops within its shutdown bound, not never")
    func stopDuringOutage() async throws {
        let directory = NSTemporaryDirectory() + "scribe-pg-gone-\(UUID().uuidString.prefix(8))"
        let cluster = EmbeddedCluster(dataDirectory: directory, maxConnections: 100, logger: TestLogger.make("gone-cluster"))
        try await cluster.start()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            try await Database.createDatabase(cluster.location.database, on: cluster.location)
            let port = try freePort(host: "127.0.0.1")
            let server = try ScribeProcess(environment: [
                "DATABASE_URL": try #require(cluster.location.processURL), "SCRIBE_DATA_DIR": directory + "/scribe",
                "SCRIBE_BIND": "127.0.0.1:\(port)",
                "SCRIBE_PUBLIC_URL": "http://127.0.0.1:\(port)", "SCRIBE_SHUTDOWN_SECONDS": "3",
                // The last resort (a fatal error 10 s into cancellation) is a stop too; symbolicating
                // its backtrace took 20 s on a loaded machine, which is not what this measures.
                "SWIFT_BACKTRACE": "enable=no",
            ])
            try await server.waitUntilReady()
            let auth = try await LoopbackHTTP.register(port: port)
            try await cluster.stop()
            // Writes that will wait for a connection the pool cannot make.
            let waiting = (0..<3).map { index in
                Task {
                    try? await LoopbackHTTP.send(
                        port: port,
                        method: "POST",
                        path: "/api/v1/characters",
                        headers: auth,
                        body: Data(#"{"card":{"name":"Stuck \#(index)"}}"#.utf8),
                        timeout: .seconds(120)
                    )
                }
            }
            try await Task.sleep(for: .seconds(2))
            let stopping = ContinuousClock.now
            server.signal(SIGTERM)
            let status = try await server.waitForExit(timeout: .seconds(60))
            let took = ContinuousClock.now - stopping
            print("stopped \(took) after SIGTERM, status \(status)")
            // 3 s of graceful shutdown, then cancellation: at most 10 s before the process ends itself.
            #expect(took < .seconds(30), "status \(status); the server said: \(server.standardError.suffix(3000))")
            // Cut short: answered 503 or not at all, never a 500 or a 201 that was not stored.
            for task in waiting {
                let reply = await task.value
                #expect(reply == nil || reply?.status == 503, "\(String(describing: reply?.status))")
            }
        } catch {
            try? await cluster.stop()
            throw error
        }
    }
}

/// What a stream of requests got back.
actor OutcomeLog {
    private var statuses: Set<Int> = []
    private var created: Set<String> = []

    func record(_ status: Int, id: String?) {
        statuses.insert(status)
        if let id { created.insert(id) }
    }

    func snapshot() -> (Set<Int>, Set<String>) { (statuses, created) }
}

/// Set once, by whoever comes first.
final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { lock.withLock { value } }

    /// True for the caller that set it.
    func set() -> Bool {
        lock.withLock {
            defer { value = true }
            return !value
        }
    }
}
