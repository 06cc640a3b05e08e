import ActivityPubKit
import Foundation
import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// Processes stored inbound activities: fetch, then apply.
///
/// A worker leases the oldest activities it may take, a batch at a time (one short statement),
/// then gathers what each needs from elsewhere (remote actors and objects, local profiles from
/// Core), side by side and with no database connection held, and finally applies their effects
/// in one short transaction, together with the deliveries they cause and their new states. A
/// server that answers slowly, or never, therefore holds a worker, never a connection: local
/// users' writes go on meanwhile.
///
/// Guarantees:
/// - Each activity is applied at most once: the applying transaction checks that the lease is
///   still the worker's own, and another worker takes an activity only once its lease has run
///   out (a worker that died).
/// - Only each actor's oldest pending activity can be taken, so one actor's activities (a
///   `Follow`, then its `Undo`) apply in the order they arrived; different actors' proceed side
///   by side, in this process and in every other on the database.
/// - A failed attempt is tried again later, after a back-off; the fifth sets it aside as ignored
///   with the error as its reason. A stop in the middle counts no attempt.
struct InboxProcessor: Sendable {
    let pool: PostgresClient
    let actors: LocalActors
    let remote: RemoteActors
    let urls: ActorURLs
    let tables: SocialTables
    let deliveryBell: Doorbell
    /// How long a taken activity is the worker's own: longer than the fetches one activity can
    /// need (a few, each within the outbound client's 30-second deadline). A process that dies
    /// leaves what it held to wait this long.
    let leaseSeconds: Int
    let logger: Logger

    /// An activity gets this many tries before it is set aside as ignored.
    static let maximumAttempts = 5

    /// Activities one worker takes at once. Their fetches run side by side; their effects share
    /// one transaction, so a busy inbox costs one commit per batch, not per activity.
    static let batchSize = 8

    /// Activities in hand at once per process. Waiting on a remote server holds no connection,
    /// so this can be larger than the pool.
    static let concurrency = 16

    enum Outcome: Equatable {
        case processed
        case ignored(String)
    }

    /// What an activity does to our tables, decided once everything remote is known. It runs in
    /// the transaction that records the activity's outcome, and reaches nothing but the database.
    typealias Effect = @Sendable (PostgresConnection) async throws -> Outcome

    /// An effect that changes nothing and records why.
    static func ignore(_ reason: String) -> Effect { { _ in .ignored(reason) } }

    /// An activity this worker holds, and the lease that says so.
    struct Claim: Sendable {
        let seq: Int64
        let document: String
        let attempts: Int
        /// The local user whose own inbox it came to; nil for the shared inbox.
        let recipient: UUID?
        /// This worker's own lease: a fresh id for each take, so a lease that ran out and went to
        /// another worker is told apart from ours.
        let lease: UUID
    }

    /// Processes pending activities until none is left to take; returns how many.
    @discardableResult
    func drain() async -> Int {
        await withTaskGroup(of: Int.self) { group in
            for _ in 0..<Self.concurrency {
                group.addTask {
                    var count = 0
                    while await processNext() { count += 1 }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
    }

    /// Takes, prepares and applies a batch of activities (up to ``batchSize``): their fetches
    /// side by side, their effects in one transaction, their new states in one statement. False
    /// when there is nothing to take.
    func processNext() async -> Bool {
        let claims: [Claim]
        do {
            claims = try await take(upTo: Self.batchSize)
        } catch {
            if !Database.isCancellation(error) {
                logger.warning("reading the inbox failed", metadata: ["reason": .string(Database.reason(error))])
            }
            return false
        }
        guard !claims.isEmpty else { return false }
        let planned = await withTaskGroup(of: (Int, Result<Effect, any Error>).self) { group in
            for (index, claim) in claims.enumerated() {
                group.addTask {
                    do {
                        return (index, .success(try await plan(try ASObject.decode(Data(claim.document.utf8)), recipient: claim.recipient)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var results = [Result<Effect, any Error>?](repeating: nil, count: claims.count)
            for await (index, result) in group { results[index] = result }
            return results.compactMap { $0 }
        }
        var ready: [(claim: Claim, effect: Effect)] = []
        var failures: [(claim: Claim, error: any Error)] = []
        for (claim, plan) in zip(claims, planned) {
            switch plan {
            case .success(let effect): ready.append((claim, effect))
            case .failure(let error): failures.append((claim, error))
            }
        }
        var outcomes: [(claim: Claim, outcome: Outcome)] = []
        do {
            outcomes = try await apply(ready)
        } catch {
            // A stop in the middle: the activities are handed back at once, with no attempt counted
            // against them (a process that dies instead leaves its lease to run out).
            if Database.isCancellation(error) {
                await release(claims)
                return false
            }
            // One activity's effect failed, and with it the batch: each is applied on its own.
            for entry in ready {
                do {
                    outcomes += try await apply([entry])
                } catch {
                    if Database.isCancellation(error) {
                        await release(claims)
                        return false
                    }
                    failures.append((entry.claim, error))
                }
            }
        }
        for (claim, outcome) in outcomes {
            if case .ignored(let reason) = outcome {
                logger.info("activity ignored", metadata: ["seq": .stringConvertible(claim.seq), "reason": .string(reason)])
            }
        }
        if !outcomes.isEmpty { await deliveryBell.ring() }
        for (claim, error) in failures {
            let cause = (error as? PostgresTransactionError)?.closureError ?? error
            let reason = String(describing: cause)
            logger.warning("processing an activity failed", metadata: ["seq": .stringConvertible(claim.seq), "reason": .string(reason)])
            await recordFailure(claim, reason: reason, permanent: Self.isPermanent(cause))
        }
        return true
    }

    /// Applies planned activities in one transaction: those whose lease is still this worker's,
    /// each effect in turn, then their new states.
    func apply(_ ready: [(claim: Claim, effect: Effect)]) async throws -> [(claim: Claim, outcome: Outcome)] {
        guard let lease = ready.first?.claim.lease else { return [] }
        return try await pool.withTransaction(logger: logger) { connection in
            let ours = try await stillLeased(ready.map(\.claim.seq), lease: lease, on: connection)
            var outcomes: [(claim: Claim, outcome: Outcome)] = []
            for (claim, effect) in ready where ours.contains(claim.seq) {
                outcomes.append((claim, try await effect(connection)))
            }
            try await settle(outcomes, on: connection)
            return outcomes
        }
    }

    /// How long until a pending activity may be taken: none for one that is not leased, the rest
    /// of its lease for one that is; nil when nothing is pending (or the database cannot say).
    func untilNextDue() async -> Duration? {
        await Self.untilNextDue(
            "SELECT extract(epoch FROM min(coalesce(leased_until, now())) - now())::float8 FROM social.inbox_activities WHERE state = 'pending'",
            pool: pool,
            logger: logger
        )
    }

    /// The seconds `statement` answers (one nullable number), as a duration; nil for none.
    static func untilNextDue(_ statement: PostgresQuery, pool: PostgresClient, logger: Logger) async -> Duration? {
        guard let rows = try? await pool.query(statement, logger: logger).collect(), let seconds = try? rows.first?.decode(Double?.self) else {
            return nil
        }
        return .milliseconds(Int64(max(0, seconds) * 1000))
    }

    /// Leases up to `limit` of the oldest activities no other worker holds whose actors have
    /// nothing older pending (so at most one per actor), under one lease, oldest first.
    func take(upTo limit: Int) async throws -> [Claim] {
        let lease = UUID()
        let rows = try await pool.query(
            """
            UPDATE social.inbox_activities SET leased_until = now() + make_interval(secs => \(leaseSeconds)), lease = \(lease)
            WHERE seq = ANY(ARRAY(
                SELECT a.seq FROM social.inbox_activities a
                WHERE a.state = 'pending' AND (a.leased_until IS NULL OR a.leased_until <= now())
                  AND a.seq = (SELECT min(e.seq) FROM social.inbox_activities e WHERE e.actor_id = a.actor_id AND e.state = 'pending')
                ORDER BY a.seq LIMIT \(limit) FOR UPDATE SKIP LOCKED))
            RETURNING seq, document::text, attempts, recipient
            """,
            logger: logger
        ).collect()
        var claims: [Claim] = []
        for row in rows {
            let (seq, document, attempts, recipient) = try row.decode((Int64, String, Int, UUID?).self)
            claims.append(Claim(seq: seq, document: document, attempts: attempts, recipient: recipient, lease: lease))
        }
        return claims.sorted { $0.seq < $1.seq }
    }

    /// Locks the activities for the applying transaction, and returns those still pending under
    /// this worker's lease (a lease that ran out may have gone to another worker).
    func stillLeased(_ seqs: [Int64], lease: UUID, on connection: PostgresConnection) async throws -> Set<Int64> {
        let rows = try await connection.query(
            """
            SELECT seq FROM social.inbox_activities WHERE seq = ANY(\(seqs)) AND state = 'pending' AND lease = \(lease)
            ORDER BY seq FOR UPDATE
            """,
            logger: logger
        )
        var ours: Set<Int64> = []
        for try await seq in rows.decode(Int64.self) { ours.insert(seq) }
        return ours
    }

    /// Records each activity's outcome, all in one statement.
    func settle(_ outcomes: [(claim: Claim, outcome: Outcome)], on connection: PostgresConnection) async throws {
        guard !outcomes.isEmpty else { return }
        let seqs = outcomes.map(\.claim.seq)
        let states = outcomes.map { entry in
            switch entry.outcome {
            case .processed: "processed"
            case .ignored: "ignored"
            }
        }
        // An empty reason is none (a processed activity's).
        let reasons = outcomes.map { entry in
            switch entry.outcome {
            case .processed: ""
            case .ignored(let reason): reason
            }
        }
        try await connection.query(
            """
            UPDATE social.inbox_activities AS a SET state = s.state, reason = NULLIF(s.reason, ''), processed_at = now(),
                attempts = a.attempts + 1, leased_until = NULL, lease = NULL
            FROM unnest(\(seqs)::bigint[], \(states)::text[], \(reasons)::text[]) AS s (seq, state, reason)
            WHERE a.seq = s.seq AND a.seq = ANY(\(seqs))
            """,
            logger: logger
        )
    }

    /// Hands activities back untried, for any worker to take now. It runs even though the worker
    /// was cancelled (the server stops workers before it closes the pools).
    func release(_ claims: [Claim]) async {
        guard let lease = claims.first?.lease else { return }
        let seqs = claims.map(\.seq)
        await Task { [pool, logger] in
            _ = try? await pool.query(
                "UPDATE social.inbox_activities SET leased_until = NULL, lease = NULL WHERE seq = ANY(\(seqs)) AND lease = \(lease)",
                logger: logger
            )
        }.value
    }

    /// Whether trying again cannot help: what it needs is gone from its server, or is not a
    /// public http(s) URL. Such an activity is set aside at once rather than holding up every
    /// later activity of its actor through hours of back-off.
    static func isPermanent(_ error: any Error) -> Bool {
        guard let error = error as? SocialError else { return false }
        return [.gone, .notFound, .invalidInput, .badRequest, .forbidden].contains(error.code)
    }

    /// Counts a failed attempt: the activity is tried again after a back-off (30 s, doubling), or
    /// set aside as ignored after its last attempt, or at once when `permanent`. A lease that is
    /// no longer ours is left alone.
    func recordFailure(_ claim: Claim, reason: String, permanent: Bool = false) async {
        let attempts = permanent ? Self.maximumAttempts : claim.attempts + 1
        let backOff = 30 * (1 << min(attempts - 1, 10))
        do {
            try await pool.query(
                """
                UPDATE social.inbox_activities SET attempts = attempts + 1, reason = \(reason),
                    state = CASE WHEN \(attempts) >= \(Self.maximumAttempts) THEN 'ignored' ELSE 'pending' END,
                    processed_at = CASE WHEN \(attempts) >= \(Self.maximumAttempts) THEN now() END,
                    leased_until = CASE WHEN \(attempts) >= \(Self.maximumAttempts) THEN NULL ELSE now() + make_interval(secs => \(backOff)) END,
                    lease = NULL
                WHERE seq = \(claim.seq) AND lease = \(claim.lease)
                """,
                logger: logger
            )
        } catch {
            // The lease runs out and the activity is tried again without this attempt counted.
            if !Database.isCancellation(error) {
                logger.warning("recording a failed activity failed", metadata: ["reason": .string(Database.reason(error))])
            }
        }
    }

    /// Gathers what `activity` needs from other servers and from Core, and returns its effect.
    /// - Parameter recipient: the local user whose own inbox it came to, if it came to one.
    func plan(_ activity: ASObject, recipient: UUID? = nil) async throws -> Effect {
        guard let actor = activity.actor?.id else { return Self.ignore("no actor") }
        let isAboutActor = activity.object.first?.id == actor
        switch activity.types.first ?? "" {
        case "Follow": return try await follow(activity, by: actor)
        case "Accept": return answer(activity, by: actor, accepted: true)
        case "Reject": return answer(activity, by: actor, accepted: false)
        case "Undo": return undo(activity, by: actor)
        case "Delete" where isAboutActor: return forgetActor(actor)
        case "Delete": return deleteNote(activity, by: actor)
        case "Update" where isAboutActor:
            // Never trust the embedded copy: fetch the actor from its own origin.
            _ = try await remote.actor(actor, refresh: true)
            return { _ in .processed }
        case "Update": return try await updateNote(activity, by: actor)
        case "Create": return try await create(activity, by: actor, recipient: recipient)
        case "Like", "EmojiReact": return react(.like, activity, by: actor)
        case "Announce": return try await announce(activity, by: actor)
        case "Block": return block(activity, by: actor)
        case "Flag": return flag(activity, by: actor)
        case "Move": return try await move(activity, by: actor)
        case "QuoteRequest": return try await quoteRequest(activity, by: actor)
        case let type: return Self.ignore("\(type) activities are not something Scribe acts on")
        }
    }

    /// `Follow` of a local actor: accepted at once and answered with `Accept`, or left pending
    /// when the account approves followers by hand; a blocked follower gets `Reject`.
    func follow(_ activity: ASObject, by actor: String) async throws -> Effect {
        guard let target = activity.object.first?.id, let username = urls.username(ofActor: target) else {
            return Self.ignore("the Follow is not of a local actor")
        }
        guard let activityID = activity.id else { return Self.ignore("the Follow has no id") }
        guard let profile = try await localProfile(username) else { return Self.ignore("the followed account does not exist") }
        let follower = try await remote.actor(actor)
        let locked = try await actors.manuallyApprovesFollowers(profile.id)
        var withoutContext = activity
        withoutContext["@context"] = nil
        let followActivity = withoutContext.embedded
        let followed = urls.actor(profile.username)
        let answer: @Sendable (String) -> ASObject = { [urls] type in
            ASObject.activity(type, id: urls.activity(UUID()), actor: followed, object: followActivity, to: [actor])
                .document(in: ScribeVocabulary.context)
        }
        return { [tables] connection in
            if try await tables.blocks.blocks(followed, actor, on: connection) {
                // Mastodon answers a blocked account's Follow with Reject.
                try await tables.deliveries.enqueue(answer("Reject"), to: [follower.inbox], signer: profile.id, on: connection)
                return .ignored("the follower is blocked; rejected")
            }
            let recorded = try await tables.followLocalUser(
                profile.id,
                actor: followed,
                by: actor,
                locked: locked,
                activityID: activityID,
                on: connection
            )
            if recorded.state == .accepted {
                try await tables.deliveries.enqueue(answer("Accept"), to: [follower.inbox], signer: profile.id, on: connection)
            }
            return .processed
        }
    }

    /// A local user by name; nil if there is none (or it is locked).
    func localProfile(_ username: String) async throws(SocialError) -> UserProfile? {
        do {
            return try await actors.profile(username: username)
        } catch {
            if error.code == .notFound { return nil }
            throw error
        }
    }

    /// `Accept` or `Reject` of a Follow we sent: only the followed actor may answer it.
    func answer(_ activity: ASObject, by actor: String, accepted: Bool) -> Effect {
        { [tables, urls] connection in
            guard let object = activity.object.first else { return .ignored("no object") }
            // An answer to one of our quote requests (by its id, or embedded with it).
            if let requestID = object.id, object.object.map({ $0.isA("QuoteRequest") }) ?? true {
                let stamp = NoteDisplay.webURL(activity["result"]?.string ?? activity["result"]?.object?["id"]?.string)
                if !accepted || stamp != nil,
                    try await QuoteAnswers.answered(
                        requestID,
                        by: actor,
                        accepted: accepted,
                        authorization: stamp,
                        tables: tables,
                        urls: urls,
                        on: connection
                    )
                {
                    return .processed
                }
                if object.object?.isA("QuoteRequest") == true { return .ignored("no pending quote request of ours by that id, or no stamp") }
            }
            var follow: Follows.Follow?
            if let id = object.id { follow = try await tables.follows.find(activityID: id, on: connection) }
            if follow == nil, let embedded = object.object, embedded.isA("Follow"), let follower = embedded.actor?.id {
                follow = try await tables.follows.find(follower: follower, followed: actor, on: connection)
            }
            guard let follow, follow.followed == actor, urls.isLocal(follow.follower) else {
                return .ignored("no Follow of ours to \(accepted ? "accept" : "reject")")
            }
            if accepted {
                try await tables.follows.accept(follower: follow.follower, followed: follow.followed, on: connection)
            } else {
                try await tables.follows.remove(follower: follow.follower, followed: follow.followed, on: connection)
            }
            return .processed
        }
    }

    /// `Undo` of a Follow, Like, Announce or Block: only its own actor may undo it.
    func undo(_ activity: ASObject, by actor: String) -> Effect {
        { [tables] connection in
            guard let object = activity.object.first else { return .ignored("no object") }
            let embedded = object.object
            switch embedded?.types.first {
            case "Like"?, "EmojiReact"?, "Announce"?:
                let kind: Reactions.Kind = embedded?.isA("Announce") == true ? .boost : .like
                let removed = try await tables.reactions.remove(
                    kind,
                    actor: actor,
                    object: embedded?.object.first?.id,
                    activityID: object.id,
                    on: connection
                )
                if kind == .boost, let target = embedded?.object.first?.id {
                    try await tables.feeds.removeBoost(by: actor, of: target, on: connection)
                }
                return removed == nil ? .ignored("nothing to undo") : .processed
            case "Block"?:
                guard let blocked = embedded?.object.first?.id else { return .ignored("no object") }
                _ = try await tables.blocks.remove(blocker: actor, blocked: blocked, on: connection)
                return .processed
            case "Follow"?, nil:
                var follow: Follows.Follow?
                if let id = object.id { follow = try await tables.follows.find(activityID: id, on: connection) }
                if follow == nil, let followed = embedded?.object.first?.id {
                    follow = try await tables.follows.find(follower: actor, followed: followed, on: connection)
                }
                if let follow, follow.follower == actor {
                    try await tables.follows.remove(follower: actor, followed: follow.followed, on: connection)
                    return .processed
                }
                if embedded == nil, let id = object.id {
                    // An Undo naming only an activity id: a like or boost of ours.
                    for kind in [Reactions.Kind.like, .boost] {
                        if try await tables.reactions.remove(kind, actor: actor, object: nil, activityID: id, on: connection) != nil {
                            return .processed
                        }
                    }
                }
                return .ignored("nothing to undo")
            case let type?:
                return .ignored("Undo of \(type) is not something Scribe acts on")
            }
        }
    }

    /// The `Delete` of an actor: the account is gone, and everything of theirs goes with it, its
    /// keys first.
    func forgetActor(_ actor: String) -> Effect {
        { [tables, remote] connection in
            try await remote.forget(actor, on: connection)
            try await tables.follows.removeAll(of: actor, on: connection)
            try await tables.feeds.removeAll(by: actor, on: connection)
            try await tables.reactions.removeAll(by: actor, on: connection)
            try await tables.notes.deleteAll(by: actor, on: connection)
            return .processed
        }
    }
}
