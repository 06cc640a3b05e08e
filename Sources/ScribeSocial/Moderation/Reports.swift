import ActivityPubKit
import Foundation
import Logging
import PostgresNIO

/// The moderation queue: reports (`Flag`) received from other servers.
public struct Reports: Sendable {
    let pool: PostgresClient
    let logger: Logger

    public struct Report: Codable, Sendable, Equatable {
        public var id: Int64
        public var reporter: String
        public var objects: [String]
        /// Sanitised HTML.
        public var content: String
        public var state: String
        public var createdAt: Date

        enum CodingKeys: String, CodingKey {
            case id, reporter, objects, content, state
            case createdAt = "created_at"
        }
    }

    /// Queues a report another server sent (`Flag`); a redelivered one is kept once. Its text is
    /// sanitised here and cut to 5000 characters, as Mastodon cuts it.
    func record(activityID: String, reporter: String, objects: [String], content: String, on connection: PostgresConnection) async throws {
        let text = HTMLSanitizer.sanitize(String(content.prefix(5000)))
        try await connection.query(
            """
            INSERT INTO social.reports (activity_id, reporter, objects, content) VALUES (\(activityID), \(reporter), \(objects), \(text))
            ON CONFLICT (activity_id) DO NOTHING
            """,
            logger: logger
        )
    }

    /// Open reports, oldest first.
    public func open() async throws(SocialError) -> [Report] {
        let rows = try await run(logger) {
            try await pool.query(
                "SELECT seq, reporter, objects, content, state, created_at FROM social.reports WHERE state = 'open' ORDER BY seq",
                logger: logger
            ).collect()
        }
        var reports: [Report] = []
        for row in rows {
            let (seq, reporter, objects, content, state, created) = try decode(row, as: (Int64, String, [String], String, String, Date).self)
            reports.append(Report(id: seq, reporter: reporter, objects: objects, content: content, state: state, createdAt: created))
        }
        return reports
    }

    public func resolve(_ id: Int64) async throws(SocialError) {
        let rows = try await run(logger) {
            try await pool.query("UPDATE social.reports SET state = 'resolved' WHERE seq = \(id) AND state = 'open' RETURNING 1", logger: logger)
                .collect()
        }
        guard !rows.isEmpty else { throw SocialError(.notFound, "No open report \(id).") }
    }
}
