import Foundation
import Logging
import PostgresNIO
import ScribeStorage
import ServiceLifecycle
import Synchronization

/// Counts requests per client in one-minute windows, shared through PostgreSQL
/// (`edge.rate_counters`) so every process on the database enforces one budget: a client
/// cannot multiply its allowance by reaching several processes.
///
/// A request is decided in memory, against what the database last said every process had
/// counted in this window plus what this process has counted since. Hits reach the database in
/// batches, one statement every ``flushInterval`` for all clients, so a flood costs the
/// database a few writes a second instead of one per request (one hot row per flooding domain
/// would otherwise serialise the inbox). Several processes may together admit up to one flush
/// interval's worth of requests more than the limit; one process admits exactly the limit.
///
/// It fails open: when the database cannot count, each process goes on counting its own
/// requests, keeps the hits to write later, and logs the failure.
final class RateLimiter: Service, Sendable {
    let pool: PostgresClient
    let settings: RateLimitSettings
    let logger: Logger
    let flushInterval: Duration
    private let counts = Mutex<[Key: Count]>([:])

    struct Key: Hashable {
        var bucket: String
        /// Unix seconds at the start of the minute.
        var window: Int64
    }

    struct Count {
        /// What the database said every process had counted, at the last flush.
        var shared = 0
        /// What this process has counted since and not yet written.
        var pending = 0
    }

    init(database: Database, settings: RateLimitSettings, flushInterval: Duration = .milliseconds(200), logger: Logger) {
        self.pool = database.pool(for: .edge)
        self.settings = settings
        self.flushInterval = flushInterval
        self.logger = logger
    }

    enum Decision: Equatable {
        case allowed
        /// Over the limit; the current window ends in this many seconds.
        case limited(retryAfter: Int)
    }

    /// A client's budget in the current window, after counting one request: what the
    /// `X-RateLimit-*` headers say.
    struct Budget: Equatable {
        var limit: Int
        var remaining: Int
        /// When the window ends and the count starts again.
        var resetsAt: Date
        var decision: Decision
    }

    /// Counts one request for `bucket` and says whether it is within `limit` a minute (0: no limit).
    /// A refused request is counted too: a client that keeps hammering stays refused.
    func hit(_ bucket: String, limit: Int, now: Date = Date()) -> Decision {
        count(bucket, limit: limit, now: now)?.decision ?? .allowed
    }

    /// ``hit(_:limit:now:)`` with what is left of the budget; nil when there is no limit.
    func count(_ bucket: String, limit: Int, now: Date = Date()) -> Budget? {
        guard limit > 0 else { return nil }
        let seconds = Int64(now.timeIntervalSince1970)
        let key = Key(bucket: String(bucket.prefix(300)), window: seconds - seconds % 60)
        let total = counts.withLock { counts in
            counts[key, default: Count()].pending += 1
            return counts[key]!.shared + counts[key]!.pending
        }
        return Budget(
            limit: limit,
            remaining: max(0, limit - total),
            resetsAt: Date(timeIntervalSince1970: TimeInterval(key.window + 60)),
            decision: total > limit ? .limited(retryAfter: Int(max(1, key.window + 60 - seconds))) : .allowed
        )
    }

    /// Writes the pending hits every ``flushInterval`` until the server stops, then once more.
    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.flushInterval)
                await self.flush()
            }
        }
        await flush()
    }

    /// Adds this process's pending hits to the shared counters in one statement, learns every
    /// process's totals for them, and forgets windows that have ended.
    func flush(now: Date = Date()) async {
        let seconds = Int64(now.timeIntervalSince1970)
        let current = seconds - seconds % 60
        let batch: [(Key, Int)] = counts.withLock { counts in
            counts = counts.filter { $0.key.window >= current || $0.value.pending > 0 }
            var batch: [(Key, Int)] = []
            for (key, count) in counts where count.pending > 0 {
                batch.append((key, count.pending))
                counts[key]!.pending = 0
                counts[key]!.shared += count.pending
            }
            return batch
        }
        guard !batch.isEmpty else { return }
        do {
            let rows = try await pool.query(
                """
                INSERT INTO edge.rate_counters AS c (bucket, window_start, hits)
                SELECT * FROM unnest(\(batch.map(\.0.bucket))::text[], \(batch.map { Date(timeIntervalSince1970: TimeInterval($0.0.window)) })::timestamptz[], \(batch.map(\.1))::int[])
                ON CONFLICT (bucket, window_start) DO UPDATE SET hits = c.hits + excluded.hits
                RETURNING c.bucket, extract(epoch FROM c.window_start)::bigint, c.hits
                """,
                logger: logger
            )
            var totals: [Key: Int] = [:]
            for try await (bucket, window, hits) in rows.decode((String, Int64, Int).self) { totals[Key(bucket: bucket, window: window)] = hits }
            counts.withLock { counts in
                for (key, hits) in totals where counts[key] != nil { counts[key]!.shared = max(counts[key]!.shared, hits) }
            }
        } catch {
            // Written next time: the hits go back to pending (they still count here meanwhile).
            counts.withLock { counts in
                for (key, hits) in batch where counts[key] != nil {
                    counts[key]!.pending += hits
                    counts[key]!.shared -= hits
                }
            }
            // A flush cut short by shutdown is finished by the last one; anything else is worth a warning.
            guard !(error is CancellationError) else { return }
            logger.warning("writing rate-limit counts failed; counting in this process only", metadata: ["reason": .string(Database.reason(error))])
            return
        }
        // Finished windows are deleted now and then (about once a minute while hits come in).
        if Int.random(in: 0..<300) == 0 {
            do {
                try await pool.query("DELETE FROM edge.rate_counters WHERE window_start < to_timestamp(\(current))", logger: logger)
            } catch {
                logger.debug("deleting finished rate-limit windows failed", metadata: ["reason": .string(Database.reason(error))])
            }
        }
    }
}
