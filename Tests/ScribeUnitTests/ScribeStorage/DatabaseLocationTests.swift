import ScribeStorage
import Testing

@Suite("DATABASE_URL parsing")
struct DatabaseLocationTests {
    @Test("a TCP URL gives host, port, credentials, database and TLS mode")
    func parsesTCP() throws {
        let location = try DatabaseLocation(url: "postgres://app:s%40cret@db.example:6543/scribe?sslmode=require")
        #expect(location.endpoint == .tcp(host: "db.example", port: 6543, tls: .require))
        #expect(location.username == "app")
        #expect(location.password == "s@cret")
        #expect(location.database == "scribe")
    }

    @Test("defaults to port 5432 and TLS when the server offers it")
    func defaults() throws {
        let location = try DatabaseLocation(url: "postgresql://app@localhost/scribe")
        #expect(location.endpoint == .tcp(host: "localhost", port: 5432, tls: .prefer))
        #expect(location.password == nil)
    }

    @Test("a host query parameter naming a directory selects a unix socket")
    func parsesSocket() throws {
        let location = try DatabaseLocation(url: "postgres://scribe@/scribe?host=/run/postgresql")
        #expect(location.endpoint == .unixSocket(path: "/run/postgresql/.s.PGSQL.5432"))
    }

    @Test("the redacted form never shows the password")
    func redacts() throws {
        let location = try DatabaseLocation(url: "postgres://app:hunter2@db.example/scribe")
        #expect(!location.redacted.contains("hunter2"))
        #expect(location.redacted == "app@db.example:5432/scribe")
    }

    @Test(
        "rejects what is not a usable PostgreSQL URL",
        arguments: [
            "mysql://app@db/scribe", "postgres://db.example/scribe", "postgres://app@db.example", "postgres://app@db.example/",
            "postgres://app@db.example/scribe?sslmode=sometimes", "postgres://app@:5432/scribe", "::::",
        ]
    )
    func rejects(url: String) {
        #expect(throws: StorageError.self) { try DatabaseLocation(url: url) }
    }
}
