import ActivityPubKit
import Crypto
import Foundation
import ScribeStorage
import ScribeTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Two whole servers (`scribe serve`) on one database, as an operator runs them behind a load
/// balancer: each serves what the other changed as soon as the database announces it, and the
/// work queued in the database is done once, by whichever takes it.
@Suite("Two processes on one database")
struct TwoProcessesTests {
    static let followers = 6

    @Test("a character made private through one process is gone from both within a second; its Create reached each follower once")
    func cachesAndDeliveries() async throws {
        try await withTestDatabase { location in
            let databaseURL = try #require(location.processURL)
            let ports = (first: try FreePort.find(), second: try FreePort.find())
            let publicURL = "http://127.0.0.1:\(ports.first)"
            let masterKey = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
            var directories: [String] = []
            defer { for directory in directories { try? FileManager.default.removeItem(atPath: directory) } }
            var processes: [ScribeProcess] = []
            for port in [ports.first, ports.second] {
                let directory = NSTemporaryDirectory() + "scribe-two-\(UUID().uuidString.prefix(8))"
                directories.append(directory)
                let environment = [
                    "DATABASE_URL": databaseURL, "SCRIBE_PUBLIC_URL": publicURL, "SCRIBE_BIND": "127.0.0.1:\(port)",
                    "SCRIBE_MASTER_KEY": masterKey, "SCRIBE_DATA_DIR": directory, "SCRIBE_ALLOW_PRIVATE_PEERS": "true",
                    "SCRIBE_LOG_LEVEL": "warning",
                ].merging(TestLimits.off) { $1 }
                let process = try ScribeProcess(environment: environment)
                // One at a time: the first applies the migrations.
                try await process.waitUntilReady()
                processes.append(process)
            }
            defer { for process in processes { process.signal(SIGKILL) } }
            let (first, second) = (processes[0], processes[1])

            do {
                try await withTestPeer(host: "127.0.0.22", sharedInbox: false) { peer in
                    try await Self.run(first: first, second: second, publicURL: publicURL, peer: peer)
                }
            } catch {
                print("first:\n\(first.standardError)\nsecond:\n\(second.standardError)")
                throw error
            }
            for process in processes { process.signal(SIGTERM) }
            for process in processes { #expect(try await process.waitForExit() == 0) }
        }
    }

    static func run(first: ScribeProcess, second: ScribeProcess, publicURL: String, peer: TestPeer) async throws {
        let auth = try await LoopbackHTTP.register(port: first.port)

        // Followers, each with an inbox of its own, follow through the second process.
        for index in 0..<Self.followers {
            let follow = ASObject.activity(
                "Follow",
                id: "\(peer.origin)/follows/\(index)",
                actor: peer.actorID("f\(index)"),
                object: .string("\(publicURL)/users/alice")
            )
            let posted = try await peer.post(follow.document(in: .mastodon), to: "http://127.0.0.1:\(second.port)/users/alice/inbox", as: "f\(index)")
            #expect(posted.status == 202)
        }
        #expect(try await eventually(timeout: .seconds(30)) { await peer.inbox.filter { $0.isA("Accept") }.count == Self.followers })

        // Published through the first process: both processes' workers could deliver it.
        let id = try await LoopbackHTTP.createCharacter(port: first.port, auth: auth, name: "Ferryman")
        let visibility: @Sendable (String) async throws -> Int = { value in
            try await LoopbackHTTP.setVisibility(port: first.port, auth: auth, character: id, value)
        }
        #expect(try await visibility("public") == 200)
        let creates: @Sendable () async -> [(inbox: String, activity: ASObject)] = { await peer.deliveries.filter { $0.activity.isA("Create") } }
        #expect(try await eventually(timeout: .seconds(30)) { Set(await creates().map(\.inbox)).count == Self.followers })
        // Time for a second copy to arrive, were one sent.
        try await Task.sleep(for: .seconds(2))
        let perInbox = Dictionary(grouping: await creates(), by: \.inbox).mapValues(\.count)
        #expect(perInbox.count == Self.followers && perInbox.values.allSatisfy { $0 == 1 }, "\(perInbox)")

        // Both serve the Note, from memory after the first fetch.
        let note: @Sendable (ScribeProcess) async throws -> Int = { process in
            try await LoopbackHTTP.send(
                port: process.port,
                method: "GET",
                path: "/characters/\(id)",
                headers: [("Accept", "application/activity+json")],
                body: nil
            ).status
        }
        for process in [first, second] {
            for _ in 0..<3 { #expect(try await note(process) == 200) }
        }

        // Made private through the first: gone from both within a second.
        #expect(try await visibility("private") == 200)
        let changed = ContinuousClock.now
        for (name, process) in [("first", first), ("second", second)] {
            let seen = Mutex<[Int]>([])
            let gone = try await eventually(timeout: .seconds(5)) {
                let status = try await note(process)
                seen.withLock { $0.append(status) }
                // 404 while the item is merely private; 410 with a Tombstone once the publisher
                // has sent its followers the Delete (whichever process got there first).
                return status == 404 || status == 410
            }
            #expect(gone, "\(name) still serves the Note; answers seen: \(seen.withLock { $0 })")
            let took = ContinuousClock.now - changed
            #expect(took < .seconds(1), "the \(name) process served the private Note for \(took)")
        }
    }
}
