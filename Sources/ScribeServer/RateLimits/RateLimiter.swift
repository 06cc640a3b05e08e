import Foundation
import Logging
import PostgresNIO
import ScribeStorage
import Synchronization

/// Counts requests per client in one-minute windows, in PostgreSQL (`edge.rate_counters`), so
/// every process on the database enforces one shared budget: a client cannot multiply its
/// allowance by reaching several processes.
///
/// It fails open: when the database cannot count, the request is served (and the failure
/// logged), because refusing everyone during a database hiccup would be worse than a minute
/// without limits.
struct RateLimiter: Sendable {
    let pool: PostgresClient
    let settings: RateLimitSettings
    let logger: Logger
    /// When this process last deleted finished windows.
    private let lastSweep = LastSweep()

    private final class LastSweep: Sendable {
        let date = Mutex(Date.distantPast)
    }

    init(database: Database, settings: RateLimitSettings, logger: Logger) {
        self.pool = database.pool(for: .edge)
        self.settings = settings
        self.logger = logger
    }

    enum Decision: Equatable {
        case allowed
        /// Over the limit; the current window ends in this many seconds.
        case limited(retryAfter: Int)
    }

    /// Counts one request for `bucket` and says whether it is within `limit` a minute (0: no limit).
    func hit(_ bucket: String, limit: Int) async -> Decision {
        guard limit > 0 else { return .allowed }
        await sweepIfDue()
        do {
            let rows = try await pool.query(
                """
                INSERT INTO edge.rate_counters AS c (bucket, window_start, hits) VALUES (\(String(bucket.prefix(300))), date_trunc('minute', now()), 1)
                ON CONFLICT (bucket, window_start) DO UPDATE SET hits = c.hits + 1
                RETURNING c.hits, ceil(extract(epoch FROM date_trunc('minute', now()) + interval '1 minute' - now()))::int
                """, logger: logger)
            for try await (hits, secondsLeft) in rows.decode((Int, Int).self) {
                return hits > limit ? .limited(retryAfter: max(1, secondsLeft)) : .allowed
            }
        } catch {
            logger.warning("counting a request for rate limits failed; serving it", metadata: ["reason": .string(Database.reason(error))])
        }
        return .allowed
    }

    /// Deletes finished windows, at most once a minute per process.
    private func sweepIfDue() async {
        let due = lastSweep.date.withLock { last in
            guard Date().timeIntervalSince(last) > 60 else { return false }
            last = Date()
            return true
        }
        guard due else { return }
        do {
            try await pool.query("DELETE FROM edge.rate_counters WHERE window_start < date_trunc('minute', now())", logger: logger)
        } catch {
            logger.debug("sweeping rate counters failed", metadata: ["reason": .string(Database.reason(error))])
        }
    }
}
