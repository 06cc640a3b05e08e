import Foundation
import Logging
import PostgresNIO
import ScribeStorage

/// Records sent deliveries with group commit (``GroupCommit``): a fan-out settles hundreds of
/// jobs a second, and one statement for all the jobs that finished meanwhile costs the database
/// one round trip and one commit, not one per job. A sent job also clears its host's failures.
///
/// Guarantees: ``record(_:host:)`` returns once the statement that marks the job delivered has
/// committed; if it fails, it throws, the job keeps its lease, and it is sent again when the
/// lease runs out (delivery is at least once).
struct DeliveredJobs: Sendable {
    struct Job: Sendable {
        var id: Int64
        var host: String
    }

    private let batches: GroupCommit<Job, Result<Void, any Error>>

    init(pool: PostgresClient, logger: Logger) {
        batches = GroupCommit(maximumBatch: 500) { jobs in
            do {
                try await pool.query(
                    """
                    WITH delivered AS (
                        UPDATE social.deliveries SET state = 'delivered', finished_at = now(), last_error = NULL WHERE id = ANY(\(jobs.map(\.id))))
                    DELETE FROM social.host_health WHERE host = ANY(\(Array(Set(jobs.map(\.host)))))
                    """,
                    logger: logger
                )
                return jobs.map { _ in .success(()) }
            } catch {
                return jobs.map { _ in .failure(error) }
            }
        }
    }

    func record(_ id: Int64, host: String) async throws {
        try await batches.submit(Job(id: id, host: host)).get()
    }
}
