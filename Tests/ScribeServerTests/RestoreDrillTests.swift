import Foundation
import Logging
import PostgresNIO
import ScribeStorage
import ScribeTestFixtures
import ScribeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A backup restored as `docs/operations.md` says, onto a fresh cluster and a fresh data
/// directory, gives back every account, private item, listing, follower, purchase and actor key.
@Suite("Restoring a backup")
struct RestoreDrillTests {
    static func temporaryDirectory(_ name: String) -> String {
        NSTemporaryDirectory() + "scribe-\(name)-\(UUID().uuidString.prefix(8))"
    }

    /// The environment of a server at `port` on the embedded default in `dataDirectory`, able to
    /// reach the test's peer and Stripe.
    static func environment(port: Int, dataDirectory: String, stripe: TestStripe) -> [String: String] {
        [
            "SCRIBE_DATA_DIR": dataDirectory, "SCRIBE_BIND": "127.0.0.1:\(port)", "SCRIBE_PUBLIC_URL": "http://127.0.0.1:\(port)",
            "SCRIBE_ALLOW_PRIVATE_PEERS": "true", "STRIPE_SECRET_KEY": stripe.secretKey, "STRIPE_WEBHOOK_SECRET": stripe.webhookSecret,
            "STRIPE_API_BASE": stripe.apiBase,
        ].merging(TestLimits.off) { $1 }
    }

    @Test(
        "scribe backup, then scribe restore onto a new cluster: without the master key serve stops in one line; with it, everything is back and a remote peer verifies the same actor key"
    )
    func restoreOntoFreshCluster() async throws {
        try await withTestPeer { peer in
            try await withTestStripe { stripe in
                let original = Self.temporaryDirectory("original")
                let restored = Self.temporaryDirectory("restored")
                let vault = Self.temporaryDirectory("vault")
                defer { for directory in [original, restored, vault] { try? FileManager.default.removeItem(atPath: directory) } }
                try FileManager.default.createDirectory(atPath: vault, withIntermediateDirectories: true)
                let port = try FreePort.find()

                // A server in use, backed up while it runs: the dump, and the master key apart from it.
                let server = try ScribeProcess(environment: Self.environment(port: port, dataDirectory: original, stripe: stripe))
                try await server.waitUntilReady()
                let manifest = try await BackupDrill.fill(port: port, peer: peer, stripe: stripe)
                let dump = vault + "/scribe.dump"
                let backup = try ScribeProcess(arguments: ["backup", dump], environment: ["SCRIBE_DATA_DIR": original])
                #expect(try await backup.waitForExit() == 0, "\(backup.standardError)")
                let mode = try FileManager.default.attributesOfItem(atPath: dump)[.posixPermissions] as? Int
                #expect(mode == 0o600)
                try FileManager.default.copyItem(atPath: original + "/master.key", toPath: vault + "/master.key")
                server.signal(SIGTERM)
                #expect(try await server.waitForExit() == 0)

                // Restored without the key: the restore says what is missing, and serve refuses in one line.
                let restore = try ScribeProcess(arguments: ["restore", dump], environment: ["SCRIBE_DATA_DIR": restored])
                #expect(try await restore.waitForExit() == 0, "\(restore.standardError)")
                #expect(restore.standardError.contains("before `scribe serve`: the database holds"))
                let keyless = try ScribeProcess(environment: Self.environment(port: port, dataDirectory: restored, stripe: stripe))
                #expect(try await keyless.waitForExit() != 0)
                // One line for the operator; the rest are the embedded cluster's JSON log lines.
                let lines = keyless.standardError.split(separator: "\n").filter { !$0.hasPrefix("{") }
                #expect(lines.count == 1 && lines.first?.contains("SCRIBE_MASTER_KEY") == true, "\(keyless.standardError)")
                #expect(!FileManager.default.fileExists(atPath: restored + "/master.key"))
                // A second restore into the same, now full, database is refused and changes nothing.
                let again = try ScribeProcess(arguments: ["restore", dump], environment: ["SCRIBE_DATA_DIR": restored])
                #expect(try await again.waitForExit() != 0)
                #expect(again.standardError.contains("is not empty"))

                // The key put back: everything is there, and the peer's cached key verifies a new delivery.
                try FileManager.default.copyItem(atPath: vault + "/master.key", toPath: restored + "/master.key")
                let back = try ScribeProcess(environment: Self.environment(port: port, dataDirectory: restored, stripe: stripe))
                try await back.waitUntilReady()
                let sessions = try await BackupDrill.verify(port: port, manifest)
                try await BackupDrill.verifyDeliverySignature(
                    port: port,
                    peer: peer,
                    as: "alice",
                    session: try #require(sessions["alice"]),
                    manifest: manifest
                )
                back.signal(SIGTERM)
                #expect(try await back.waitForExit() == 0)

                // The same dump restored by hand onto an operator's own PostgreSQL, as docs/database.md
                // and docs/operations.md say: the administrator's SQL, then pg_restore, which exits 0.
                try await Self.restoreByHand(dump: dump, port: port, keyDirectory: vault, stripe: stripe, manifest: manifest)
            }
        }
    }

    /// On a fresh cluster: a login role that is not a superuser, its database, the SQL from
    /// `docs/database.md` run by the superuser, then `pg_restore` as the login role with the
    /// flags `docs/operations.md` gives; then `scribe serve` on it.
    static func restoreByHand(dump: String, port: Int, keyDirectory: String, stripe: TestStripe, manifest: BackupDrill.Manifest) async throws {
        let clusterDirectory = temporaryDirectory("own-postgres")
        defer { try? FileManager.default.removeItem(atPath: clusterDirectory) }
        let cluster = EmbeddedCluster(dataDirectory: clusterDirectory, logger: TestLogger.make("own-postgres"))
        try await cluster.start()
        do {
            let superuser = cluster.location
            try await Database.withConnection(to: superuser.with(database: "postgres")) { connection in
                try await connection.query("CREATE ROLE scribe_app LOGIN", logger: connection.logger)
                try await connection.query("CREATE DATABASE scribe_restored OWNER scribe_app", logger: connection.logger)
            }
            let sql = try administratorSQL()
            try await Database.withConnection(to: superuser.with(database: "scribe_restored")) { connection in
                for statement in SQLScript.statements(in: sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: connection.logger)
                }
            }
            let pgRestore = try #require(
                ["/usr/lib/postgresql/15/bin/pg_restore", "/usr/bin/pg_restore"].first(where: FileManager.default.isExecutableFile(atPath:))
            )
            // Through a shell only to see what pg_restore prints on standard error as well.
            let restored = try await ChildProcess.run(
                "/bin/sh",
                [
                    "-c", #"exec "$0" "$@" 2>&1"#, pgRestore, "--host", cluster.socketDirectory, "--username", "scribe_app", "--no-password",
                    "--no-owner", "--exit-on-error",
                    "--single-transaction", "--dbname=scribe_restored", dump,
                ]
            )
            #expect(restored.status == 0, "\(String(decoding: restored.output, as: UTF8.self))")
            #expect(String(decoding: restored.output, as: UTF8.self).isEmpty)

            let dataDirectory = temporaryDirectory("own-postgres-data")
            defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: keyDirectory + "/master.key", toPath: dataDirectory + "/master.key")
            var environment = environment(port: port, dataDirectory: dataDirectory, stripe: stripe)
            environment["DATABASE_URL"] = "postgres://scribe_app@/scribe_restored?host=\(cluster.socketDirectory)"
            let server = try ScribeProcess(environment: environment)
            try await server.waitUntilReady()
            try await BackupDrill.verify(port: port, manifest)
            server.signal(SIGTERM)
            #expect(try await server.waitForExit() == 0)
        } catch {
            try? await cluster.stop()
            throw error
        }
        try await cluster.stop()
    }

    /// The SQL block `docs/database.md` gives an administrator under "Your own PostgreSQL".
    static func administratorSQL() throws -> String {
        let text = try String(contentsOfFile: TestPaths.packageRoot + "/docs/database.md", encoding: .utf8)
        guard let section = text.range(of: "## Your own PostgreSQL"),
            let start = text.range(of: "```sql\n", range: section.upperBound..<text.endIndex),
            let end = text.range(of: "```", range: start.upperBound..<text.endIndex)
        else { throw BackupDrill.Failed(description: "docs/database.md has no SQL under \"Your own PostgreSQL\"") }
        return String(text[start.upperBound..<end.lowerBound])
    }

    /// Runs `executable` as the account that owns `path` (the embedded cluster runs as the
    /// `scribe` account when Scribe runs as root, and PostgreSQL's programs must too), with
    /// standard error joined to standard output.
    static func runAsOwner(of path: String, _ executable: String, _ arguments: [String]) async throws -> ChildProcess.Result {
        let owner = try FileManager.default.attributesOfItem(atPath: path)
        let uid = (owner[.ownerAccountID] as? NSNumber)?.uint32Value ?? getuid()
        let gid = (owner[.groupOwnerAccountID] as? NSNumber)?.uint32Value ?? getgid()
        let command = uid == getuid() ? [executable] : ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", executable]
        return try await ChildProcess.run("/bin/sh", ["-c", #"exec "$0" "$@" 2>&1"#] + command + arguments)
    }

    /// Makes `path` belong to the owner of `reference`, as files PostgreSQL reads must.
    static func giveToOwner(of reference: String, _ path: String) throws {
        let owner = try FileManager.default.attributesOfItem(atPath: reference)
        try FileManager.default.setAttributes(
            [.ownerAccountID: owner[.ownerAccountID] as Any, .groupOwnerAccountID: owner[.groupOwnerAccountID] as Any],
            ofItemAtPath: path
        )
    }

    static func register(port: Int, _ username: String) async throws -> [(String, String)] {
        let auth = try await LoopbackHTTP.register(port: port, username: username)
        _ = try await LoopbackHTTP.createCharacter(port: port, auth: auth, name: "\(username)'s secret")
        return auth
    }

    static func logsIn(port: Int, _ username: String) async throws -> Bool {
        let reply = try await LoopbackHTTP.send(
            port: port,
            method: "POST",
            path: "/api/v1/sessions",
            headers: [("Content-Type", "application/json")],
            body: Data(#"{"identifier":"\#(username)","password":"correct horse battery"}"#.utf8)
        )
        return reply.status == 201
    }

    @Test(
        "point-in-time recovery of the embedded cluster, as docs/operations.md says: base backup plus archived WAL, recovered to a moment between two sign-ups"
    )
    func pointInTimeRecovery() async throws {
        let original = Self.temporaryDirectory("pitr-original")
        let recovered = Self.temporaryDirectory("pitr-recovered")
        let archive = Self.temporaryDirectory("pitr-archive")
        defer { for directory in [original, recovered, archive] { try? FileManager.default.removeItem(atPath: directory) } }
        let port = try FreePort.find()
        let environment = ["SCRIBE_DATA_DIR": original, "SCRIBE_BIND": "127.0.0.1:\(port)"].merging(TestLimits.off) { $1 }

        // A first start makes the cluster; then WAL archiving is turned on in its configuration.
        let first = try ScribeProcess(environment: environment)
        try await first.waitUntilReady()
        first.signal(SIGTERM)
        #expect(try await first.waitForExit() == 0)
        let cluster = original + "/postgres"
        try FileManager.default.createDirectory(atPath: archive, withIntermediateDirectories: true)
        try Self.giveToOwner(of: cluster, archive)
        let settings = "\narchive_mode = on\narchive_command = 'test ! -f \(archive)/%f && cp %p \(archive)/%f'\n"
        let configuration = try FileHandle(forWritingTo: URL(fileURLWithPath: cluster + "/postgresql.conf"))
        try configuration.seekToEnd()
        try configuration.write(contentsOf: Data(settings.utf8))
        try configuration.close()

        let server = try ScribeProcess(environment: environment)
        try await server.waitUntilReady()
        let binaries = try #require(["/usr/lib/postgresql/15/bin"].first { FileManager.default.isExecutableFile(atPath: $0 + "/pg_basebackup") })
        try FileManager.default.createDirectory(atPath: recovered, withIntermediateDirectories: true)
        try Self.giveToOwner(of: cluster, recovered)
        let base = try await Self.runAsOwner(
            of: cluster,
            binaries + "/pg_basebackup",
            ["-h", original + "/postgres.sock", "-U", "scribe", "-D", recovered + "/postgres", "--checkpoint=fast"]
        )
        #expect(base.status == 0, "\(String(decoding: base.output, as: UTF8.self))")

        // Two writes with a moment between them; that moment is the recovery target.
        _ = try await Self.register(port: port, "before")
        let superuser = DatabaseLocation(
            endpoint: .unixSocket(path: original + "/postgres.sock/.s.PGSQL.5432"),
            username: "scribe",
            password: nil,
            database: "scribe"
        )
        try await Task.sleep(for: .milliseconds(500))
        let target = try await Database.withConnection(to: superuser) { connection in
            try await connection.query("SELECT now()::text", logger: connection.logger).decode(String.self).reduce("") { $1 }
        }
        try await Task.sleep(for: .milliseconds(500))
        _ = try await Self.register(port: port, "after")
        // The WAL holding the second write is archived before the server stops.
        let segment = try await Database.withConnection(to: superuser) { connection in
            try await connection.query("SELECT pg_walfile_name(pg_switch_wal())::text", logger: connection.logger).decode(String.self).reduce("") {
                $1
            }
        }
        #expect(try await eventually(timeout: .seconds(30)) { FileManager.default.fileExists(atPath: archive + "/" + segment) })
        server.signal(SIGTERM)
        #expect(try await server.waitForExit() == 0)

        // The recovery: the base backup, the master key, and PostgreSQL's recovery settings.
        try FileManager.default.copyItem(atPath: original + "/master.key", toPath: recovered + "/master.key")
        let recovery = """

            archive_mode = off
            restore_command = 'cp \(archive)/%f %p'
            recovery_target_time = '\(target)'
            recovery_target_action = 'promote'

            """
        let autoConfiguration = try FileHandle(forWritingTo: URL(fileURLWithPath: recovered + "/postgres/postgresql.auto.conf"))
        try autoConfiguration.seekToEnd()
        try autoConfiguration.write(contentsOf: Data(recovery.utf8))
        try autoConfiguration.close()
        _ = FileManager.default.createFile(atPath: recovered + "/postgres/recovery.signal", contents: nil)
        try Self.giveToOwner(of: cluster, recovered + "/postgres/recovery.signal")

        let back = try ScribeProcess(environment: environment.merging(["SCRIBE_DATA_DIR": recovered]) { $1 })
        do {
            try await back.waitUntilReady()
        } catch {
            // What PostgreSQL said about the recovery, beside scribe's own lines.
            let log = (try? String(contentsOfFile: recovered + "/postgres.log", encoding: .utf8)) ?? ""
            Issue.record("recovery to \(target) failed: \(error)\n\(log.split(separator: "\n").suffix(15).joined(separator: "\n"))")
            throw error
        }
        #expect(try await Self.logsIn(port: port, "before"))
        #expect(try await !Self.logsIn(port: port, "after"))
        // What was committed before the moment is whole: her private character opens.
        let session = try await LoopbackHTTP.send(
            port: port,
            method: "POST",
            path: "/api/v1/sessions",
            headers: [("Content-Type", "application/json")],
            body: Data(#"{"identifier":"before","password":"correct horse battery"}"#.utf8)
        )
        let token = try #require((try session.json()["session"] as? [String: Any])?["token"] as? String)
        let library = try await LoopbackHTTP.get(port: port, path: "/api/v1/characters", headers: [("Authorization", "Bearer \(token)")])
        #expect(library.text.contains("before's secret"))
        back.signal(SIGTERM)
        #expect(try await back.waitForExit() == 0)
    }
}
