import Foundation
import PostgresNIO
import ScribeStorage
import ScribeTestSupport
import Testing

@Suite("The embedded PostgreSQL launcher")
struct EmbeddedClusterTests {
    let logger = TestLogger.make("embedded")

    @Test("initialises once, listens on a private socket only, keeps data across a restart and stops cleanly")
    func lifecycle() async throws {
        let directory = NSTemporaryDirectory() + "scribe-embedded-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let first = EmbeddedCluster(dataDirectory: directory, logger: logger)
        try await first.start()
        #expect(await first.isOwner)
        let location = first.location
        try await Database.createDatabase(location.database, on: location)
        try await Database.withConnection(to: location) { connection in
            let listen = try await connection.query("SHOW listen_addresses", logger: logger).decode(String.self).reduce("") { $1 }
            #expect(listen.isEmpty)
            try await connection.query("CREATE TABLE kept (value text)", logger: logger)
            try await connection.query("INSERT INTO kept VALUES ('still here')", logger: logger)
        }
        let socketMode = try FileManager.default.attributesOfItem(atPath: first.socketDirectory)[.posixPermissions] as? Int
        #expect(socketMode == 0o700)
        let versionFile = directory + "/postgres/PG_VERSION"
        let created = try FileManager.default.attributesOfItem(atPath: versionFile)[.modificationDate] as? Date
        try await first.stop()
        #expect(!FileManager.default.fileExists(atPath: directory + "/postgres/postmaster.pid"))

        let second = EmbeddedCluster(dataDirectory: directory, logger: logger)
        try await second.start()
        let value = try await Database.withConnection(to: second.location) { connection in
            try await connection.query("SELECT value FROM kept", logger: logger).decode(String.self).reduce("") { $1 }
        }
        #expect(value == "still here")
        #expect(try FileManager.default.attributesOfItem(atPath: versionFile)[.modificationDate] as? Date == created)
        try await second.stop()
        #expect(!FileManager.default.fileExists(atPath: directory + "/postgres/postmaster.pid"))
    }
}
