import Foundation
import Logging
import PostgresNIO

/// How federation is going, for operators: the delivery queue, the hosts that fail, and the
/// domains that are blocked. Read from the shared tables, so it describes every process.
public struct FederationHealth: Sendable {
    let pool: PostgresClient
    let domainBlocks: DomainBlocks
    let logger: Logger

    public struct Report: Codable, Sendable, Equatable {
        /// Deliveries still to be sent, and when the oldest of them was queued.
        public var pending: Int
        public var oldestPending: Date?
        /// Deliveries settled in the last hour.
        public var deliveredLastHour: Int
        public var failedLastHour: Int
        public var failingHosts: [FailingHost]
        public var blockedDomains: [String]

        enum CodingKeys: String, CodingKey {
            case pending
            case oldestPending = "oldest_pending"
            case deliveredLastHour = "delivered_last_hour"
            case failedLastHour = "failed_last_hour"
            case failingHosts = "failing_hosts"
            case blockedDomains = "blocked_domains"
        }
    }

    /// A host whose last delivery failed. `unavailableUntil` is set once it has failed for a day
    /// and rests between tries.
    public struct FailingHost: Codable, Sendable, Equatable {
        public var host: String
        public var failures: Int
        public var failingSince: Date?
        public var unavailableUntil: Date?
        public var pending: Int
        public var lastError: String?

        enum CodingKeys: String, CodingKey {
            case host, failures, pending
            case failingSince = "failing_since"
            case unavailableUntil = "unavailable_until"
            case lastError = "last_error"
        }
    }

    public func report() async throws(SocialError) -> Report {
        let (queue, hosts) = try await run(logger) {
            try await pool.withConnection { connection in
                let queue = try await connection.query(
                    """
                    SELECT count(*) FILTER (WHERE state = 'pending'), min(created_at) FILTER (WHERE state = 'pending'),
                        count(*) FILTER (WHERE state = 'delivered' AND finished_at > now() - interval '1 hour'),
                        count(*) FILTER (WHERE state = 'failed' AND finished_at > now() - interval '1 hour')
                    FROM social.deliveries
                    """,
                    logger: logger
                ).collect()
                let hosts = try await connection.query(
                    """
                    SELECT h.host, h.failures, h.first_failure, CASE WHEN h.retry_after > now() THEN h.retry_after END,
                        (SELECT count(*) FROM social.deliveries d WHERE d.host = h.host AND d.state = 'pending'),
                        (SELECT d.last_error FROM social.deliveries d WHERE d.host = h.host AND d.last_error IS NOT NULL
                         ORDER BY d.next_attempt_at DESC LIMIT 1)
                    FROM social.host_health h ORDER BY h.failures DESC, h.host LIMIT 500
                    """,
                    logger: logger
                ).collect()
                return (queue, hosts)
            }
        }
        let (pending, oldest, delivered, failed) = try decode(try first(queue), as: (Int, Date?, Int, Int).self)
        var failing: [FailingHost] = []
        for row in hosts {
            let (host, failures, since, until, waiting, error) = try decode(row, as: (String, Int, Date?, Date?, Int, String?).self)
            failing.append(
                FailingHost(host: host, failures: failures, failingSince: since, unavailableUntil: until, pending: waiting, lastError: error)
            )
        }
        return Report(
            pending: pending,
            oldestPending: oldest,
            deliveredLastHour: delivered,
            failedLastHour: failed,
            failingHosts: failing,
            blockedDomains: try await domainBlocks.list().map(\.domain)
        )
    }

    private func first(_ rows: [PostgresRow]) throws(SocialError) -> PostgresRow {
        guard let row = rows.first else { throw SocialError(.unavailable, "the delivery queue could not be read") }
        return row
    }
}
