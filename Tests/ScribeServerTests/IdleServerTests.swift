import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PostgresNIO
import ScribeStorage
import ScribeTestSupport
import Testing

/// A server with nothing to do asks PostgreSQL nothing: its workers wait for the database's
/// notifications (and their own due times) instead of polling, and its pools close idle
/// connections before a keep-alive would run.
@Suite("An idle server")
struct IdleServerTests {
    @Test("once started, an idle server runs no statement in the database; work committed elsewhere still reaches its workers at once")
    func asksNothing() async throws {
        try await withTestServer { client, database in
            // Start-up's own work first: migrations, the workers' first look, the listener.
            try await Task.sleep(for: .seconds(3))
            let started = try await Self.now(database)
            try await Task.sleep(for: .seconds(5))
            // Any backend of this database (the test's own aside) that ran a statement since then.
            let busy = try await database.owner.query(
                """
                SELECT count(*)::int FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
                    AND state_change > \(started)
                """,
                logger: Logger(label: "idle-test")
            ).collect().first?.decode(Int.self)
            #expect(busy == 0, "\(busy ?? -1) connections of the server ran statements while it was idle")

            // Notified work still wakes it at once: an account made through Core's API appends an
            // event, and Social, woken by the notification, knows the actor well within a second.
            let registered = try await client.execute(
                uri: "/api/v1/accounts",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"username":"idle","email":"idle@example.org","password":"correct horse battery"}"#)
            ) { $0.status }
            #expect(registered == .created)
            let created = ContinuousClock.now
            let seen = try await eventually(timeout: .seconds(5)) {
                try await database.owner.query(
                    "SELECT count(*)::int FROM social.event_consumers WHERE last_event_id >= (SELECT max(id) FROM core.events)",
                    logger: Logger(label: "idle-test")
                ).collect().first?.decode(Int.self) ?? 0 >= 2
            }
            #expect(seen)
            #expect(ContinuousClock.now - created < .seconds(2), "the consumers caught up only after \(ContinuousClock.now - created)")
        }
    }

    static func now(_ database: Database) async throws -> Date {
        try await database.owner.query("SELECT now()", logger: Logger(label: "idle-test")).collect().first?.decode(Date.self) ?? Date()
    }
}
