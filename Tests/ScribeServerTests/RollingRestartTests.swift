import ActivityPubKit
import Foundation
import PostgresNIO
import ScribeStorage
import ScribeTestFixtures
import ScribeTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Two `scribe serve` processes behind HAProxy, restarted one after the other while people use
/// them, as `docs/operations.md` describes: nobody notices.
@Suite("A rolling restart behind a load balancer")
struct RollingRestartTests {
    static let haproxy = "/usr/sbin/haproxy"

    /// What the clients saw, by kind of request.
    actor Tally {
        var answered: [String: Int] = [:]
        var failures: [String] = []
        var acceptedActivities: [String] = []
        var createdCharacters = 0

        func record(_ kind: String, status: Int, expected: ClosedRange<Int>) {
            answered[kind, default: 0] += 1
            if !expected.contains(status) { failures.append("\(kind): \(status)") }
        }
        func fail(_ kind: String, _ error: any Error) {
            answered[kind, default: 0] += 1
            failures.append("\(kind): \(error)")
        }
        func accepted(_ activity: String) { acceptedActivities.append(activity) }
        func created() { createdCharacters += 1 }
        var total: Int { answered.values.reduce(0, +) }
    }

    /// The HAProxy configuration `docs/operations.md` gives, for two servers on loopback ports.
    static func configuration(listen: Int, servers: [Int]) -> String {
        """
        global
            maxconn 1000
        defaults
            mode http
            timeout connect 2s
            timeout client 60s
            timeout server 60s
            retries 3
            option redispatch 1
            retry-on conn-failure empty-response response-timeout
        frontend scribe
            bind 127.0.0.1:\(listen)
            default_backend scribe
        backend scribe
            balance roundrobin
            option httpchk GET /readyz
            http-check expect status 200
            timeout check 3s
            default-server inter 500ms fall 2 rise 2
        \(servers.enumerated().map { "    server s\($0.offset) 127.0.0.1:\($0.element) check" }.joined(separator: "\n"))

        """
    }

    @Test(
        "SIGTERM one server, wait for it to come back, then the other, under reads, signed inbox POSTs and API writes: no request fails and every accepted activity is stored",
        .enabled(if: FileManager.default.isExecutableFile(atPath: RollingRestartTests.haproxy))
    )
    func rollingRestart() async throws {
        let location = try await TestDatabases.shared.makeEmptyDatabase()
        defer { Task { try? await TestDatabases.shared.drop(location) } }
        let url = try #require(location.processURL)
        try await withTestPeer { peer in
            let balancer = try FreePort.find()
            let ports = [try FreePort.find(), try FreePort.find()]
            let masterKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
            let dataDirectory = RestoreDrillTests.temporaryDirectory("rolling")
            defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
            func environment(_ port: Int) -> [String: String] {
                [
                    "DATABASE_URL": url, "SCRIBE_DATA_DIR": dataDirectory, "SCRIBE_MASTER_KEY": masterKey, "SCRIBE_BIND": "127.0.0.1:\(port)",
                    "SCRIBE_PUBLIC_URL": "http://127.0.0.1:\(balancer)", "SCRIBE_ALLOW_PRIVATE_PEERS": "true", "SCRIBE_DRAIN_SECONDS": "3",
                ].merging(TestLimits.off) { $1 }
            }
            var servers = try ports.map { try ScribeProcess(environment: environment($0)) }
            for server in servers { try await server.waitUntilReady() }

            let configurationPath = dataDirectory + "/haproxy.cfg"
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            try Self.configuration(listen: balancer, servers: ports).write(toFile: configurationPath, atomically: true, encoding: .utf8)
            let proxy = Process()
            proxy.executableURL = URL(fileURLWithPath: Self.haproxy)
            proxy.arguments = ["-f", configurationPath, "-db"]
            proxy.standardInput = FileHandle.nullDevice
            proxy.standardOutput = FileHandle.nullDevice
            proxy.standardError = FileHandle.nullDevice
            try proxy.run()
            defer { if proxy.isRunning { proxy.terminate() } }
            #expect(try await eventually(timeout: .seconds(20)) { (try? await LoopbackHTTP.get(port: balancer, path: "/readyz").status) == 200 })

            // Alice, with a published character others like from another server.
            let alice = try await LoopbackHTTP.register(port: balancer, username: "alice")
            let character = try await LoopbackHTTP.createCharacter(port: balancer, auth: alice, name: "Lighthouse Keeper")
            #expect(try await LoopbackHTTP.setVisibility(port: balancer, auth: alice, character: character, "public") == 200)
            let object = "http://127.0.0.1:\(balancer)/characters/\(character)"

            let tally = Tally()
            let running = Running()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for reader in 0..<2 {
                    group.addTask {
                        var round = 0
                        while running.isOn {
                            round += 1
                            let path = (round + reader) % 2 == 0 ? "/api/v1/marketplace/listings?limit=5" : "/users/alice"
                            do {
                                let reply = try await LoopbackHTTP.get(port: balancer, path: path, headers: [("Accept", "application/activity+json")])
                                await tally.record("read", status: reply.status, expected: 200...200)
                            } catch { await tally.fail("read", error) }
                        }
                    }
                }
                for poster in 0..<2 {
                    group.addTask {
                        var round = 0
                        while running.isOn {
                            round += 1
                            let actor = "fan\(poster)x\(round)"
                            let id = "\(peer.origin)/likes/\(actor)"
                            let like = ASObject.activity("Like", id: id, actor: peer.actorID(actor), object: .string(object))
                            do {
                                let reply = try await peer.post(like, to: "http://127.0.0.1:\(balancer)/users/alice/inbox", as: actor)
                                await tally.record("inbox", status: reply.status, expected: 202...202)
                                if reply.status == 202 { await tally.accepted(id) }
                            } catch { await tally.fail("inbox", error) }
                        }
                    }
                }
                group.addTask {
                    var round = 0
                    while running.isOn {
                        round += 1
                        do {
                            let reply = try await LoopbackHTTP.send(
                                port: balancer,
                                method: "POST",
                                path: "/api/v1/characters",
                                headers: alice,
                                body: Data(#"{"card":{"name":"Draft \#(round)","description":"written during a restart"}}"#.utf8)
                            )
                            await tally.record("write", status: reply.status, expected: 201...201)
                            if reply.status == 201 { await tally.created() }
                        } catch { await tally.fail("write", error) }
                    }
                }
                // One at a time: stop, start again, wait until the balancer sends it traffic.
                defer { running.stop() }
                try await Task.sleep(for: .seconds(2))
                for index in servers.indices {
                    servers[index].signal(SIGTERM)
                    #expect(try await servers[index].waitForExit() == 0)
                    servers[index] = try ScribeProcess(environment: environment(ports[index]))
                    try await servers[index].waitUntilReady()
                    try await Task.sleep(for: .seconds(2))
                }
                running.stop()
                try await group.waitForAll()
            }

            let answered = await tally.answered
            let failures = await tally.failures
            print(
                "rolling restart: \(await tally.total) requests (reads \(answered["read"] ?? 0), inbox POSTs \(answered["inbox"] ?? 0), API writes \(answered["write"] ?? 0)), \(failures.count) failures"
            )
            #expect(failures.isEmpty, "\(failures.prefix(10))")
            #expect((answered["read"] ?? 0) > 0 && (answered["inbox"] ?? 0) > 0 && (answered["write"] ?? 0) > 0)

            // Every activity answered 202 is stored, and is processed into a like.
            let accepted = Set(await tally.acceptedActivities)
            let stored = try await Database.withConnection(to: location) { connection in
                try await connection.query("SELECT activity_id FROM social.inbox_activities WHERE type = 'Like'", logger: connection.logger)
                    .decode(String.self).reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(accepted.subtracting(stored).isEmpty, "accepted but not stored: \(accepted.subtracting(stored).prefix(5))")
            let liked = try await eventually(timeout: .seconds(60)) {
                try await Database.withConnection(to: location) { connection in
                    try await connection.query("SELECT count(*)::int FROM social.likes WHERE object_id = \(object)", logger: connection.logger)
                        .decode(Int.self).reduce(0, +)
                } == accepted.count
            }
            #expect(liked, "not every accepted like was processed")
            let library = try await LoopbackHTTP.get(port: balancer, path: "/api/v1/characters", headers: alice)
            let listed = (try library.json()["characters"] as? [[String: Any]])?.count ?? -1
            #expect(listed == (await tally.createdCharacters) + 1, "characters listed: \(listed)")

            for server in servers { server.signal(SIGTERM) }
            for server in servers { #expect(try await server.waitForExit() == 0) }
        }
    }

    @Test(
        "from the moment SIGTERM arrives /readyz answers 503 \"stopping\" while other requests are still served, and the process ends after the drain"
    )
    func readinessTurnsAtStop() async throws {
        let location = try await TestDatabases.shared.makeEmptyDatabase()
        defer { Task { try? await TestDatabases.shared.drop(location) } }
        let dataDirectory = RestoreDrillTests.temporaryDirectory("drain")
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let server = try ScribeProcess(
            environment: ["DATABASE_URL": try #require(location.processURL), "SCRIBE_DATA_DIR": dataDirectory, "SCRIBE_DRAIN_SECONDS": "3"]
        )
        try await server.waitUntilReady()
        let stopAsked = ContinuousClock.now
        server.signal(SIGTERM)
        let stopping = try await eventually(timeout: .seconds(1)) { () -> LoopbackHTTP.Reply? in
            let reply = try await LoopbackHTTP.get(port: server.port, path: "/readyz")
            return reply.status == 503 ? reply : nil
        }
        #expect(ContinuousClock.now - stopAsked < .seconds(1))
        #expect((try stopping?.json()["status"]) as? String == "stopping")
        #expect(try await LoopbackHTTP.get(port: server.port, path: "/api/v1/marketplace/listings").status == 200)
        #expect(try await server.waitForExit() == 0)
        #expect(ContinuousClock.now - stopAsked >= .seconds(3))
    }

    /// Whether the load is still wanted; set off once both servers have restarted.
    final class Running: Sendable {
        private let on = Atomic(true)
        var isOn: Bool { on.load(ordering: .relaxed) }
        func stop() { on.store(false, ordering: .relaxed) }
    }
}
