import PostgresNIO
import ScribeStorage
import ScribeTestSupport
import Testing

@Suite("Connections for administration outside the pools")
struct AdministrationConnectionTests {
    static let logger = TestLogger.make("administration")

    @Test("a statement over the connection's time limit is cancelled by the server; without a limit there is none")
    func statementTimeLimit() async throws {
        try await withTestDatabase { location in
            let unlimited = try await Database.withConnection(to: location) { connection in
                try await connection.query("SHOW statement_timeout", logger: Self.logger).decode(String.self).reduce("") { $1 }
            }
            #expect(unlimited == "0")

            let error = await #expect(throws: PSQLError.self) {
                try await Database.withConnection(to: location, statementTimeoutSeconds: 1) { connection in
                    // A statement without rows, as CREATE and DROP DATABASE are, so its error is thrown by `query`.
                    try await connection.query("DO $$ BEGIN PERFORM pg_sleep(30); END $$", logger: Self.logger)
                }
            }
            // 57014 is query_canceled, which PostgreSQL reports for a statement timeout: the
            // statement was stopped, not waited out.
            #expect(error?.serverInfo?[.sqlState] == "57014")
        }
    }
}
