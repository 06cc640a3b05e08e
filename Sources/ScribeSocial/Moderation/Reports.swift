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
