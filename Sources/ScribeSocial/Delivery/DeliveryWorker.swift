import ActivityPubKit
import CoreMetrics
import Foundation
import Logging
import PostgresNIO
import ScribeStorage

/// Sends queued deliveries. Any number of workers, in any number of processes, share the queue:
/// a job is claimed by leasing it (its next attempt moved past the lease) in a short transaction
/// with `FOR UPDATE SKIP LOCKED`, sent outside any transaction, then settled. A process that dies
/// mid-send leaves the lease to expire and the job is sent again: delivery is at least once, and
/// receivers deduplicate by activity id.
///
/// Outcomes follow Mastodon's (`mastodon-interop.md` §5): 2xx delivered; 4xx other than 401,
/// 408 and 429 final; anything else retried with exponential back-off for about two days. A host
/// that has failed for a day is marked unavailable and tried again only every six hours.
struct DeliveryWorker: Sendable {
    let pool: PostgresClient
    let client: FederationClient
    let signers: @Sendable (UUID?) async throws -> SigningIdentity
    let perHostConcurrency: Int
    /// Seconds a claimed job stays claimed (``SocialSettings/deliveryLease``).
    let leaseSeconds: Int
    /// Marks sent jobs delivered, many to a statement.
    let delivered: DeliveredJobs
    let logger: Logger
    let inFlight = InFlightHosts()
    static let giveUpAfter: TimeInterval = 48 * 3600
    /// Deliveries one worker has in flight at once, across hosts (each host has its own limit).
    /// Sending is mostly waiting, for the peer and for the database: sixteen left a fan-out to a
    /// thousand hosts at a tenth of the signing rate (`scripts/bench`).
    static let deliveriesInFlight = 64

    struct Job: Sendable {
        var id: Int64
        var inbox: String
        var host: String
        var signer: UUID?
        var body: Data
        var attempts: Int
        var createdAt: Date
    }

    /// Sends every due job this worker can take; returns how many it settled.
    @discardableResult
    func drain() async -> Int {
        var settled = 0
        let slots = Self.deliveriesInFlight
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            while true {
                let jobs = await claim(upTo: slots - running)
                if jobs.isEmpty && running == 0 { break }
                for job in jobs {
                    running += 1
                    settled += 1
                    group.addTask { await self.send(job) }
                }
                if jobs.isEmpty {
                    // Nothing due that this worker may take now: ask again when one job ends.
                    await group.next()
                    running -= 1
                } else {
                    // Claim again only once a quarter of the slots are free: claiming after every
                    // finished job cost a claiming transaction per delivery.
                    while running > slots - slots / 4 {
                        await group.next()
                        running -= 1
                    }
                }
            }
            await group.waitForAll()
        }
        return settled
    }

    /// How long until a pending delivery is due: its next attempt, or the end of its host's rest
    /// if that is later; nil when nothing is pending (or the database cannot say).
    func untilNextDue() async -> Duration? {
        await InboxProcessor.untilNextDue(
            """
            SELECT extract(epoch FROM min(greatest(d.next_attempt_at, coalesce(h.retry_after, d.next_attempt_at))) - now())::float8
            FROM social.deliveries d LEFT JOIN social.host_health h ON h.host = d.host WHERE d.state = 'pending'
            """,
            pool: pool,
            logger: logger
        )
    }

    /// Leases up to `limit` due jobs in one transaction, no host beyond its share in flight and
    /// none that is resting. Candidates are locked `SKIP LOCKED`, so workers never take the same
    /// job; the ones not chosen are released at commit.
    func claim(upTo limit: Int) async -> [Job] {
        guard limit > 0 else { return [] }
        var perHost = await inFlight.snapshot()
        // Hosts already at their limit are left out in the query itself, so a host with a long
        // backlog cannot fill every candidate and hold up the others.
        let saturated = perHost.filter { $0.value >= perHostConcurrency }.map(\.key)
        do {
            let jobs = try await pool.withTransaction(logger: logger) { connection -> [Job] in
                let candidates = try await connection.query(
                    """
                    SELECT d.id, d.host FROM social.deliveries d
                    WHERE d.state = 'pending' AND d.next_attempt_at <= now() AND NOT (d.host = ANY(\(saturated)))
                      AND NOT EXISTS (SELECT 1 FROM social.host_health h WHERE h.host = d.host AND h.retry_after > now())
                    ORDER BY d.next_attempt_at LIMIT \(limit * 4) FOR UPDATE SKIP LOCKED
                    """,
                    logger: logger
                ).collect()
                var chosen: [Int64] = []
                for row in candidates where chosen.count < limit {
                    let (id, host) = try row.decode((Int64, String).self)
                    guard perHost[host, default: 0] < perHostConcurrency else { continue }
                    perHost[host, default: 0] += 1
                    chosen.append(id)
                }
                guard !chosen.isEmpty else { return [] }
                return try await connection.query(
                    """
                    UPDATE social.deliveries SET next_attempt_at = now() + make_interval(secs => \(leaseSeconds)), attempts = attempts + 1
                    WHERE id = ANY(\(chosen))
                    RETURNING id, inbox, host, signer, body, attempts, created_at
                    """,
                    logger: logger
                ).collect().map { row in
                    let (id, inbox, host, signer, body, attempts, createdAt) = try row.decode((Int64, String, String, UUID?, Data, Int, Date).self)
                    return Job(id: id, inbox: inbox, host: host, signer: signer, body: body, attempts: attempts, createdAt: createdAt)
                }
            }
            for job in jobs { await inFlight.begin(job.host) }
            return jobs
        } catch {
            if !Database.isCancellation(error) { logger.warning("claiming deliveries failed", metadata: ["reason": .string("\(error)")]) }
            return []
        }
    }

    func send(_ job: Job) async {
        let outcome: Outcome
        do {
            guard let url = URL(string: job.inbox) else { throw SocialError(.invalidInput, "The inbox is not a URL.") }
            let identity = try await signers(job.signer)
            let status = try await client.post(job.body, to: url, signedBy: identity)
            outcome = Self.outcome(status: status)
        } catch let error as FetchError {
            // A refused address or URL will not get better; everything else may.
            outcome = [.forbiddenAddress, .unsupportedURL].contains(error.code) ? .final(error.description) : .retry(error.description)
        } catch let error as SocialError where error.code == .notFound {
            outcome = .final("the signing actor no longer exists")
        } catch {
            outcome = .retry("\(error)")
        }
        // A send called off by a stop says nothing about the peer: the job keeps its lease, which
        // runs out, and it is sent again (by this server after a restart, or by another).
        if !Task.isCancelled { await settle(job, outcome) }
        await inFlight.end(job.host)
    }

    enum Outcome: Equatable {
        case delivered
        case final(String)
        case retry(String)
    }

    static func outcome(status: Int) -> Outcome {
        switch status {
        case 200..<300: .delivered
        case 401, 408, 429: .retry("HTTP \(status)")
        case 400..<500: .final("HTTP \(status)")
        default: .retry("HTTP \(status)")
        }
    }

    /// `scribe_delivery_attempts_total{outcome}`: every settled attempt, by what became of it.
    static let deliveredCounter = Counter(label: "scribe_delivery_attempts_total", dimensions: [("outcome", "delivered")])
    static let failedCounter = Counter(label: "scribe_delivery_attempts_total", dimensions: [("outcome", "failed")])
    static let retryCounter = Counter(label: "scribe_delivery_attempts_total", dimensions: [("outcome", "retry")])

    static func attempts(_ outcome: Outcome) -> Counter {
        switch outcome {
        case .delivered: deliveredCounter
        case .final: failedCounter
        case .retry: retryCounter
        }
    }

    /// Back-off after the n-th failed attempt: 30 s doubling, at most 6 hours, with jitter.
    static func delay(afterAttempt attempts: Int) -> Int {
        let base = min(30 * (1 << min(attempts - 1, 20)), 6 * 3600)
        return base + Int.random(in: 0...max(1, base / 10))
    }

    func settle(_ job: Job, _ outcome: Outcome) async {
        do {
            switch outcome {
            case .delivered:
                // With the other jobs that finished meanwhile: the common case, at fan-out rates.
                try await delivered.record(job.id, host: job.host)
            case .final(let reason):
                try await pool.query(
                    "UPDATE social.deliveries SET state = 'failed', finished_at = now(), last_error = \(reason) WHERE id = \(job.id)",
                    logger: logger
                )
            case .retry(let reason):
                try await pool.withTransaction(logger: logger) { connection in
                    let expired = Date().timeIntervalSince(job.createdAt) > Self.giveUpAfter
                    let delay = Self.delay(afterAttempt: job.attempts)
                    try await connection.query(
                        """
                        UPDATE social.deliveries SET last_error = \(reason),
                            state = CASE WHEN \(expired) THEN 'failed' ELSE 'pending' END,
                            finished_at = CASE WHEN \(expired) THEN now() END,
                            next_attempt_at = now() + make_interval(secs => \(delay))
                        WHERE id = \(job.id)
                        """,
                        logger: logger
                    )
                    try await connection.query(
                        """
                        INSERT INTO social.host_health (host, failures, first_failure) VALUES (\(job.host), 1, now())
                        ON CONFLICT (host) DO UPDATE SET failures = social.host_health.failures + 1,
                            retry_after = CASE WHEN social.host_health.first_failure < now() - interval '1 day'
                                THEN now() + interval '6 hours' ELSE social.host_health.retry_after END
                        """,
                        logger: logger
                    )
                }
            }
            Self.attempts(outcome).increment()
            switch outcome {
            case .delivered: logger.debug("delivered", metadata: ["inbox": .string(job.inbox)])
            case .final(let reason): logger.notice("delivery given up", metadata: ["inbox": .string(job.inbox), "reason": .string(reason)])
            case .retry(let reason): logger.info("delivery will be retried", metadata: ["inbox": .string(job.inbox), "reason": .string(reason)])
            }
        } catch {
            // The lease runs out and the job is sent again.
            if !Database.isCancellation(error) { logger.warning("settling a delivery failed", metadata: ["reason": .string("\(error)")]) }
        }
    }
}

/// Deliveries in flight per host in this process, for the per-host limit.
actor InFlightHosts {
    private var counts: [String: Int] = [:]

    func begin(_ host: String) { counts[host, default: 0] += 1 }

    func end(_ host: String) {
        counts[host, default: 1] -= 1
        if counts[host] == 0 { counts[host] = nil }
    }

    func snapshot() -> [String: Int] { counts }
}
