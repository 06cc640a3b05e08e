import Foundation
import PostgresNIO
import ScribeContracts
import ScribeCore
import ScribeStorage
import ScribeTestFixtures
import ScribeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The `scribe` executable as an operator runs it: these tests start real processes.
@Suite("scribe serve as a process")
struct ServeProcessTests {
    static func temporaryDirectory() -> String {
        NSTemporaryDirectory() + "scribe-serve-\(UUID().uuidString.prefix(8))"
    }

    /// The postmaster's pid, from the first line of `postmaster.pid`.
    static func postmasterPID(dataDirectory: String) -> pid_t? {
        (try? String(contentsOfFile: dataDirectory + "/postgres/postmaster.pid", encoding: .utf8))?
            .split(separator: "\n").first.flatMap { pid_t($0) }
    }

    /// Whether `pid` runs (a zombie awaiting its reaper counts as ended).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        let state = stat.split(separator: ")").last?.split(separator: " ").first
        return state != "Z"
    }

    /// Whether `pid` has ended within a few seconds: `pg_ctl stop` returns when the server has
    /// removed its pid file, a moment before the process itself is gone.
    static func ends(_ pid: pid_t) async throws -> Bool {
        for _ in 0..<100 where isAlive(pid) {
            try await Task.sleep(for: .milliseconds(50))
        }
        return !isAlive(pid)
    }

    @Test(
        "the embedded default comes up ready, is reused on the next start, shares itself with migrate, and leaves no postgres after SIGTERM or SIGINT"
    )
    func embeddedLifecycle() async throws {
        let dataDirectory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let environment = ["SCRIBE_DATA_DIR": dataDirectory]

        let first = try ScribeProcess(environment: environment)
        try await first.waitUntilReady()
        #expect(first.standardError.contains("initialising the embedded PostgreSQL cluster"))
        let firstPostmaster = try #require(Self.postmasterPID(dataDirectory: dataDirectory))
        #expect(Self.isAlive(firstPostmaster))

        // An admin command beside the running server uses its cluster and leaves it running.
        let migrate = try ScribeProcess(arguments: ["migrate"], environment: environment)
        #expect(try await migrate.waitForExit() == 0)
        #expect(migrate.standardOutput.contains("up to date"))
        #expect(Self.postmasterPID(dataDirectory: dataDirectory) == firstPostmaster)
        #expect(try await LoopbackHTTP.get(port: first.port, path: "/readyz").status == 200)

        first.signal(SIGTERM)
        #expect(try await first.waitForExit() == 0)
        #expect(try await Self.ends(firstPostmaster))
        #expect(Self.postmasterPID(dataDirectory: dataDirectory) == nil)
        // A first start and a clean stop say nothing that reads as trouble, here or in the cluster's log.
        #expect(Self.troubleLines(first.standardError) == [])
        let clusterLog = try String(contentsOfFile: dataDirectory + "/postgres.log", encoding: .utf8)
        #expect(Self.troubleLines(clusterLog) == [])

        let second = try ScribeProcess(environment: environment)
        try await second.waitUntilReady()
        #expect(!second.standardError.contains("initialising"))
        let secondPostmaster = try #require(Self.postmasterPID(dataDirectory: dataDirectory))
        second.signal(SIGINT)
        #expect(try await second.waitForExit() == 0)
        #expect(try await Self.ends(secondPostmaster))
        #expect(Self.troubleLines(second.standardError) == [])
        let secondClusterLog = try String(contentsOfFile: dataDirectory + "/postgres.log", encoding: .utf8)
        #expect(Self.troubleLines(secondClusterLog) == [])
    }

    /// The lines of a log that a reader takes for trouble: Scribe's JSON lines at warning or
    /// above, and PostgreSQL's `FATAL`, `ERROR`, `WARNING` and `PANIC` lines. PostgreSQL's
    /// report that a client closed its socket while the server still had something to send it
    /// ("connection to client lost") is left out: it was seen once in ten loaded runs, at a stop,
    /// and it says nothing about the server's health.
    static func troubleLines(_ log: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter { line in
            ["\"level\":\"warning\"", "\"level\":\"error\"", "\"level\":\"critical\"", "FATAL:", "ERROR:", "WARNING:", "PANIC:"]
                .contains { line.contains($0) } && !line.contains("connection to client lost")
        }
    }

    @Test("SIGTERM while the embedded cluster is still being created ends the process and leaves no postgres")
    func signalDuringStartUp() async throws {
        let dataDirectory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let process = try ScribeProcess(environment: ["SCRIBE_DATA_DIR": dataDirectory])
        for _ in 0..<400 where !process.standardError.contains("initialising") && process.process.isRunning {
            try await Task.sleep(for: .milliseconds(5))
        }
        process.signal(SIGTERM)
        #expect(try await process.waitForExit() == 0)
        #expect(Self.postmasterPID(dataDirectory: dataDirectory) == nil)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap { pid_t($0) }.filter { pid in
            let commandLine = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            return commandLine.contains(dataDirectory) && Self.isAlive(pid)
        }
        #expect(leftovers.isEmpty)
    }

    @Test("two servers started at the same moment on one data directory share one embedded cluster, migrated once")
    func concurrentEmbeddedStarts() async throws {
        let dataDirectory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let servers = try (0..<2).map { _ in try ScribeProcess(environment: ["SCRIBE_DATA_DIR": dataDirectory]) }
        for server in servers { try await server.waitUntilReady() }
        let logs = servers.map(\.standardError).joined()
        let catalog = try MigrationCatalog(directory: TestPaths.migrationsDirectory)
        #expect(logs.components(separatedBy: "initialising the embedded PostgreSQL").count - 1 == 1)
        #expect(logs.components(separatedBy: "applying migration").count - 1 == catalog.migrations.count)
        let postmaster = try #require(Self.postmasterPID(dataDirectory: dataDirectory))
        // The guest first, so the owner's server keeps its database until it stops too.
        let guestFirst = servers.sorted { $0.standardError.contains("already started") && !$1.standardError.contains("already started") }
        for server in guestFirst {
            server.signal(SIGTERM)
            #expect(try await server.waitForExit() == 0)
        }
        #expect(try await Self.ends(postmaster))
    }

    @Test("scribe --version prints this build's version and touches nothing")
    func version() async throws {
        let dataDirectory = Self.temporaryDirectory()
        let process = try ScribeProcess(arguments: ["--version"], environment: ["SCRIBE_DATA_DIR": dataDirectory])
        #expect(try await process.waitForExit() == 0)
        #expect(process.standardOutput == ScribeVersion.current + "\n")
        #expect(!FileManager.default.fileExists(atPath: dataDirectory))
    }

    @Test("an unreachable DATABASE_URL fails with one line and writes nothing")
    func unreachableDatabase() async throws {
        let dataDirectory = Self.temporaryDirectory()
        let port = try FreePort.find()
        let process = try ScribeProcess(environment: [
            "DATABASE_URL": "postgres://scribe:secret-password@127.0.0.1:\(port)/scribe", "SCRIBE_DATA_DIR": dataDirectory,
        ])
        #expect(try await process.waitForExit() != 0)
        let lines = process.standardError.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("scribe: database unreachable") == true)
        #expect(!process.standardError.contains("secret-password"))
        #expect(!FileManager.default.fileExists(atPath: dataDirectory))
    }

    @Test("a malformed SCRIBE_PUBLIC_URL fails with one line naming it and writes nothing")
    func malformedPublicURL() async throws {
        let dataDirectory = Self.temporaryDirectory()
        let process = try ScribeProcess(environment: ["SCRIBE_PUBLIC_URL": "scribe.example/path", "SCRIBE_DATA_DIR": dataDirectory])
        #expect(try await process.waitForExit() != 0)
        let lines = process.standardError.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("SCRIBE_PUBLIC_URL") == true)
        #expect(!FileManager.default.fileExists(atPath: dataDirectory))
    }

    @Test(
        "a server whose database holds keys sealed by a master key it was not given stops with one line naming it, writing no key file; with the key file back it serves"
    )
    func missingMasterKey() async throws {
        let location = try await TestDatabases.shared.makeEmptyDatabase()
        defer { Task { try? await TestDatabases.shared.drop(location) } }
        let url = try #require(location.processURL, "the test cluster should be reached over its socket")
        let original = Self.temporaryDirectory()
        let restored = Self.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: original)
            try? FileManager.default.removeItem(atPath: restored)
        }
        // A server that made an actor's key (sealed by the master key in its data directory).
        let first = try ScribeProcess(environment: ["DATABASE_URL": url, "SCRIBE_DATA_DIR": original])
        try await first.waitUntilReady()
        _ = try await LoopbackHTTP.register(port: first.port, username: "alice")
        first.signal(SIGTERM)
        #expect(try await first.waitForExit() == 0)

        // The same database with a data directory that lacks the key file: refused, nothing written.
        let keyless = try ScribeProcess(environment: ["DATABASE_URL": url, "SCRIBE_DATA_DIR": restored])
        #expect(try await keyless.waitForExit() != 0)
        let lines = keyless.standardError.split(separator: "\n")
        #expect(lines.count == 1, "\(keyless.standardError)")
        #expect(lines.first?.hasPrefix("scribe: the database holds") == true)
        #expect(lines.first?.contains("SCRIBE_MASTER_KEY") == true)
        #expect(!FileManager.default.fileExists(atPath: restored + "/master.key"))
        // A different key is no better.
        let wrongKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let wrong = try ScribeProcess(environment: ["DATABASE_URL": url, "SCRIBE_DATA_DIR": restored, "SCRIBE_MASTER_KEY": wrongKey])
        #expect(try await wrong.waitForExit() != 0)
        #expect(wrong.standardError.split(separator: "\n").first?.hasPrefix("scribe: master key") == true, "\(wrong.standardError)")

        // With the key file restored, the server comes up and Alice signs in.
        try FileManager.default.createDirectory(atPath: restored, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: original + "/master.key", toPath: restored + "/master.key")
        let second = try ScribeProcess(environment: ["DATABASE_URL": url, "SCRIBE_DATA_DIR": restored])
        try await second.waitUntilReady()
        let login = try await LoopbackHTTP.send(
            port: second.port,
            method: "POST",
            path: "/api/v1/sessions",
            headers: [("Content-Type", "application/json")],
            body: Data(#"{"identifier":"alice","password":"correct horse battery"}"#.utf8)
        )
        #expect(login.status == 201)
        #expect(try await LoopbackHTTP.get(port: second.port, path: "/users/alice", headers: [("Accept", "application/activity+json")]).status == 200)
        second.signal(SIGTERM)
        #expect(try await second.waitForExit() == 0)
    }

    @Test("two servers started at the same moment on one database both come up, with the schema migrated once")
    func concurrentStartsMigrateOnce() async throws {
        let location = try await TestDatabases.shared.makeEmptyDatabase()
        defer { Task { try? await TestDatabases.shared.drop(location) } }
        let url = try #require(location.processURL, "the test cluster should be reached over its socket")
        let servers = try (0..<2).map { _ in try ScribeProcess(environment: ["DATABASE_URL": url, "SCRIBE_DATA_DIR": Self.temporaryDirectory()]) }
        for server in servers { try await server.waitUntilReady() }

        let catalog = try MigrationCatalog(directory: TestPaths.migrationsDirectory)
        let recorded = try await Database.withConnection(to: location) { connection in
            try await connection.query("SELECT count(*)::int FROM storage.schema_migrations", logger: connection.logger)
                .decode(Int.self).reduce(0, +)
        }
        #expect(recorded == catalog.migrations.count)
        let applyingLines = servers.map { $0.standardError.components(separatedBy: "applying migration").count - 1 }
        #expect(applyingLines.reduce(0, +) == catalog.migrations.count)
        for server in servers {
            server.signal(SIGTERM)
            #expect(try await server.waitForExit() == 0)
        }
    }
}

@Suite("Sessions across server restarts")
struct SessionRestartTests {
    @Test("a session made before a restart still reads its private data after it, and a logged-out one never does")
    func sessionSurvivesRestart() async throws {
        let dataDirectory = NSTemporaryDirectory() + "scribe-restart-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let environment = ["SCRIBE_DATA_DIR": dataDirectory]

        let first = try ScribeProcess(environment: environment)
        try await first.waitUntilReady()
        let registration = try JSONSerialization.data(withJSONObject: [
            "username": "alice", "email": "alice@example.org", "password": "correct horse battery",
        ])
        let registered = try await LoopbackHTTP.send(
            port: first.port,
            method: "POST",
            path: "/api/v1/accounts",
            headers: [("Content-Type", "application/json")],
            body: registration
        )
        #expect(registered.status == 201)
        let token = try #require((try registered.json()["session"] as? [String: Any])?["token"] as? String)
        let created = try await LoopbackHTTP.send(
            port: first.port,
            method: "POST",
            path: "/api/v1/characters",
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")],
            body: Data(#"{"card":{"name":"Secret Friend","description":"only Alice may read this"}}"#.utf8)
        )
        #expect(created.status == 201)
        let characterID = try #require((try created.json()["character"] as? [String: Any])?["id"] as? String)
        first.signal(SIGTERM)
        #expect(try await first.waitForExit() == 0)

        let second = try ScribeProcess(environment: environment)
        try await second.waitUntilReady()
        let bearer = [("Authorization", "Bearer \(token)")]
        let me = try await LoopbackHTTP.get(port: second.port, path: "/api/v1/accounts/me", headers: bearer)
        #expect(me.status == 200)
        #expect((try me.json()["account"] as? [String: Any])?["username"] as? String == "alice")
        let character = try await LoopbackHTTP.get(port: second.port, path: "/api/v1/characters/\(characterID)", headers: bearer)
        #expect(character.status == 200)
        let data = ((try character.json()["character"] as? [String: Any])?["card"] as? [String: Any])?["data"] as? [String: Any]
        #expect(data?["description"] as? String == "only Alice may read this")
        let logout = try await LoopbackHTTP.send(port: second.port, method: "DELETE", path: "/api/v1/sessions/current", headers: bearer, body: nil)
        #expect(logout.status == 204)
        #expect(try await LoopbackHTTP.get(port: second.port, path: "/api/v1/accounts/me", headers: bearer).status == 401)
        #expect(try await LoopbackHTTP.get(port: second.port, path: "/api/v1/characters/\(characterID)", headers: bearer).status == 401)
        // Nothing in the database still refers to the session's token.
        second.signal(SIGTERM)
        #expect(try await second.waitForExit() == 0)
        #expect(!second.standardError.contains(token) && !first.standardError.contains(token))
    }
}

@Suite("scribe user commands")
struct UserCommandTests {
    /// Runs `scribe <arguments>` to completion and returns its status and output.
    static func scribe(_ arguments: [String], dataDirectory: String, input: String? = nil) async throws -> (Int32, String, String) {
        let process = try ScribeProcess(arguments: arguments, environment: ["SCRIBE_DATA_DIR": dataDirectory], standardInput: input)
        let status = try await process.waitForExit()
        return (status, process.standardOutput, process.standardError)
    }

    @Test("create (password on standard input), list, set-role, lock and unlock work on a fresh data directory")
    func administerAccounts() async throws {
        let dataDirectory = NSTemporaryDirectory() + "scribe-users-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }

        let (created, createOutput, _) = try await Self.scribe(
            ["user", "create", "alice", "--email", "alice@example.org", "--role", "moderator"],
            dataDirectory: dataDirectory,
            input: "correct horse battery\n"
        )
        #expect(created == 0)
        #expect(createOutput.contains("Created alice (Moderator)."))
        #expect(createOutput.contains("Recovery phrase, shown this once: "))

        #expect(try await Self.scribe(["user", "set-role", "alice", "Administrator"], dataDirectory: dataDirectory).0 == 0)
        #expect(try await Self.scribe(["user", "lock", "alice"], dataDirectory: dataDirectory).0 == 0)
        let (_, locked, _) = try await Self.scribe(["user", "list"], dataDirectory: dataDirectory)
        #expect(locked == "alice\talice@example.org\tAdministrator\tlocked\n")
        #expect(try await Self.scribe(["user", "unlock", "alice"], dataDirectory: dataDirectory).0 == 0)
        #expect(try await Self.scribe(["user", "list"], dataDirectory: dataDirectory).1.hasSuffix("\tactive\n"))

        let (missing, _, missingError) = try await Self.scribe(["user", "lock", "nobody"], dataDirectory: dataDirectory)
        #expect(missing == 1)
        #expect(missingError.split(separator: "\n").filter { $0.hasPrefix("scribe:") } == ["scribe: not_found: There is no account named nobody."])
        let (noPassword, _, _) = try await Self.scribe(["user", "create", "bob", "--email", "bob@example.org"], dataDirectory: dataDirectory)
        #expect(noPassword != 0)
    }
}

@Suite("scribe import and export")
struct LibraryCommandTests {
    @Test("a user's cards and lorebooks go in from files and come back out into a directory; a wrong password writes nothing")
    func importAndExport() async throws {
        let dataDirectory = NSTemporaryDirectory() + "scribe-library-\(UUID().uuidString.prefix(8))"
        let exportDirectory = dataDirectory + "-export"
        defer {
            try? FileManager.default.removeItem(atPath: dataDirectory)
            try? FileManager.default.removeItem(atPath: exportDirectory)
        }
        let password = "correct horse battery\n"
        #expect(
            try await UserCommandTests.scribe(
                ["user", "create", "alice", "--email", "alice@example.org"],
                dataDirectory: dataDirectory,
                input: password
            ).0 == 0
        )
        let fixtures = TestPaths.fixturesDirectory + "/cards"
        let (imported, importOutput, _) = try await UserCommandTests.scribe(
            ["import", "--user", "alice", "--visibility", "public", fixtures + "/seraphina.png", fixtures + "/eldoria-worldinfo.json"],
            dataDirectory: dataDirectory,
            input: password
        )
        #expect(imported == 0)
        #expect(importOutput.contains("seraphina.png: character Seraphina") && importOutput.contains(", public)"))
        let lorebookLine = importOutput.split(separator: "\n").first { $0.hasPrefix("eldoria-worldinfo.json: lorebook eldoria-worldinfo") }
        #expect(lorebookLine?.hasSuffix(", public)") == true, "--visibility public publishes lorebooks too: \(importOutput)")

        let (wrong, _, _) = try await UserCommandTests.scribe(
            ["export", "--user", "alice", exportDirectory],
            dataDirectory: dataDirectory,
            input: "not the password\n"
        )
        #expect(wrong == 1)
        #expect(!FileManager.default.fileExists(atPath: exportDirectory))

        let (exported, _, _) = try await UserCommandTests.scribe(
            ["export", "--user", "alice", exportDirectory],
            dataDirectory: dataDirectory,
            input: password
        )
        #expect(exported == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: exportDirectory).sorted()
        #expect(files.count == 2)
        let png = try #require(files.first { $0.hasSuffix("Seraphina.png") })
        let card = try CharacterCard.read(json: try PNGCard.cardJSON(in: Data(contentsOf: URL(fileURLWithPath: exportDirectory + "/" + png))))
        #expect(card.name == "Seraphina" && card.characterBook?["entries"]?.arrayValue?.count == 4)
        let worldInfo = try #require(files.first { $0.hasSuffix(".json") })
        #expect(try Lorebook.read(json: Data(contentsOf: URL(fileURLWithPath: exportDirectory + "/" + worldInfo)), name: "x").entries.count == 4)
    }
}

@Suite("scribe keys")
struct KeyCommandTests {
    @Test("rotate adds a new current key to the key file and keeps the old one; list shows both")
    func rotate() async throws {
        let dataDirectory = NSTemporaryDirectory() + "scribe-keys-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let (listed, before, _) = try await UserCommandTests.scribe(["keys", "list"], dataDirectory: dataDirectory)
        #expect(listed == 0)
        let oldID = try #require(before.split(separator: "\t").first.map(String.init))
        let (rotated, output, _) = try await UserCommandTests.scribe(["keys", "rotate"], dataDirectory: dataDirectory)
        #expect(rotated == 0 && output.contains("re-wrapped 0 keys"))
        let keyFile = try String(contentsOfFile: dataDirectory + "/master.key", encoding: .utf8)
        #expect(keyFile.split(separator: "\n").count == 2)
        let lines = try await UserCommandTests.scribe(["keys", "list"], dataDirectory: dataDirectory).1.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].contains("\tcurrent\t") && !lines[0].hasPrefix(oldID))
        #expect(lines[1].hasPrefix(oldID) && lines[1].contains("\tolder\t"))
    }
}
