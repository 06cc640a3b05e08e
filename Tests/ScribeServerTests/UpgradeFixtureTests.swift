import Foundation
import PostgresNIO
import ScribeContracts
import ScribeStorage
import ScribeTestFixtures
import ScribeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Every release's dump, restored and migrated by today's `scribe`, keeps every row and every
/// wrapped key: `Tests/Fixtures/upgrade/<release>/` holds a dump that release made of a server
/// filled by ``BackupDrill``, its master key, what was put in (`manifest.json`) and how many rows
/// each table held (`rows.json`). A release that changes the schema adds its own folder with
/// `scripts/make-upgrade-fixture`.
@Suite("Upgrading a release's database")
struct UpgradeFixtureTests {
    static let root = TestPaths.fixturesDirectory + "/upgrade"

    /// The fixture's own facts besides the drill's manifest.
    struct Facts: Codable {
        /// The public URL the fixture's server ran at; actors' ids in the dump name it.
        var publicURL: String
        /// Rows per table (`schema.table`) when the dump was made.
        var rows: [String: Int]
    }

    static var releases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted()
    }

    @Test("each release's fixture restores, migrates, keeps every row, and every account opens her library", arguments: releases)
    func upgrade(release: String) async throws {
        let folder = Self.root + "/" + release
        let manifest = try JSONDecoder().decode(BackupDrill.Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json")))
        let facts = try JSONDecoder().decode(Facts.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/rows.json")))
        let dataDirectory = RestoreDrillTests.temporaryDirectory("upgrade-\(release)")
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }

        let restore = try ScribeProcess(arguments: ["restore", folder + "/scribe.dump"], environment: ["SCRIBE_DATA_DIR": dataDirectory])
        #expect(try await restore.waitForExit() == 0, "\(restore.standardError)")
        let migrate = try ScribeProcess(arguments: ["migrate"], environment: ["SCRIBE_DATA_DIR": dataDirectory])
        #expect(try await migrate.waitForExit() == 0, "\(migrate.standardError)")
        #expect(migrate.standardOutput.contains("up to date"))

        // Nothing lost: every table holds at least the rows it held (migrations may add, never drop).
        let now = try await Self.rowCounts(dataDirectory: dataDirectory)
        for (table, count) in facts.rows.sorted(by: { $0.key < $1.key }) {
            #expect((now[table] ?? -1) >= count, "\(table) held \(count) rows in \(release) and holds \(now[table] ?? -1) now")
        }

        // Every wrapped key opens: the master key's (actors, publications) and each user's.
        try FileManager.default.copyItem(atPath: folder + "/master.key", toPath: dataDirectory + "/master.key")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: dataDirectory + "/master.key")
        let port = try FreePort.find()
        let server = try ScribeProcess(
            environment: ["SCRIBE_DATA_DIR": dataDirectory, "SCRIBE_BIND": "127.0.0.1:\(port)", "SCRIBE_PUBLIC_URL": facts.publicURL]
                .merging(TestLimits.off) { $1 }
        )
        try await server.waitUntilReady()
        try await BackupDrill.verify(port: port, manifest, sessionsMayHaveExpired: true)
        server.signal(SIGTERM)
        #expect(try await server.waitForExit() == 0)
    }

    /// Rows per table of Scribe's schemas in the embedded cluster of `dataDirectory`, which no
    /// server is running on (so nothing has been swept or added since the restore).
    static func rowCounts(dataDirectory: String) async throws -> [String: Int] {
        let cluster = EmbeddedCluster(dataDirectory: dataDirectory, logger: TestLogger.make("upgrade"))
        try await cluster.start()
        do {
            let counts = try await rowCounts(at: cluster.location)
            try await cluster.stop()
            return counts
        } catch {
            try? await cluster.stop()
            throw error
        }
    }

    static func rowCounts(at location: DatabaseLocation) async throws -> [String: Int] {
        let schemas = ModuleSchema.all.map(\.name) + ["storage"]
        return try await Database.withConnection(to: location) { connection in
            let tables = try await connection.query(
                """
                SELECT table_schema || '.' || table_name FROM information_schema.tables
                WHERE table_schema = ANY(\(schemas)) AND table_type = 'BASE TABLE' ORDER BY 1
                """,
                logger: connection.logger
            ).decode(String.self).reduce(into: [String]()) { $0.append($1) }
            var counts: [String: Int] = [:]
            for table in tables {
                counts[table] = try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(table)"), logger: connection.logger)
                    .decode(Int.self).reduce(0, +)
            }
            return counts
        }
    }

    /// Writes this release's fixture (`scripts/make-upgrade-fixture`); skipped otherwise.
    @Test(
        "write this release's upgrade fixture",
        .enabled(if: ProcessInfo.processInfo.environment["SCRIBE_WRITE_UPGRADE_FIXTURE"] == "1")
    )
    func writeFixture() async throws {
        try await withTestPeer { peer in
            try await withTestStripe { stripe in
                let folder = Self.root + "/" + ScribeVersion.current
                try #require(!FileManager.default.fileExists(atPath: folder), "\(folder) exists; a release's fixture is never rewritten")
                let dataDirectory = RestoreDrillTests.temporaryDirectory("fixture")
                defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
                let port = try FreePort.find()
                let server = try ScribeProcess(environment: RestoreDrillTests.environment(port: port, dataDirectory: dataDirectory, stripe: stripe))
                try await server.waitUntilReady()
                let manifest = try await BackupDrill.fill(port: port, peer: peer, stripe: stripe)
                // Quiet before the dump: the deliveries to the peer are done.
                try await Task.sleep(for: .seconds(5))
                server.signal(SIGTERM)
                #expect(try await server.waitForExit() == 0)

                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                let backup = try ScribeProcess(arguments: ["backup", folder + "/scribe.dump"], environment: ["SCRIBE_DATA_DIR": dataDirectory])
                #expect(try await backup.waitForExit() == 0, "\(backup.standardError)")
                try FileManager.default.copyItem(atPath: dataDirectory + "/master.key", toPath: folder + "/master.key")
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(manifest).write(to: URL(fileURLWithPath: folder + "/manifest.json"))
                let facts = Facts(publicURL: "http://127.0.0.1:\(port)", rows: try await Self.rowCounts(dataDirectory: dataDirectory))
                try encoder.encode(facts).write(to: URL(fileURLWithPath: folder + "/rows.json"))
                let empty = facts.rows.filter { $0.value == 0 }.keys.sorted()
                print("upgrade fixture \(ScribeVersion.current): \(facts.rows.count) tables, empty: \(empty.joined(separator: ", "))")
            }
        }
    }
}
