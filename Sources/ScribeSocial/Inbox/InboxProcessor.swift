import ActivityPubKit
import Foundation
import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// Processes stored inbound activities, one transaction each: the activity's effects, the
/// deliveries they cause and the activity's new state commit together, so each is applied once
/// however often the worker is interrupted. Workers in several processes share the queue
/// (`FOR UPDATE SKIP LOCKED`).
struct InboxProcessor: Sendable {
    let pool: PostgresClient
    let actors: LocalActors
    let remote: RemoteActors
    let urls: ActorURLs
    let follows: Follows
    let deliveries: DeliveryQueue
    let deliveryBell: Doorbell
    let notes: Notes
    let reactions: Reactions
    let notifications: Notifications
    let feeds: Feeds
    let targets: LocalTargets
    let logger: Logger

    /// An activity gets this many tries before it is set aside as ignored.
    static let maximumAttempts = 5

    enum Outcome: Equatable {
        case processed
        case ignored(String)
    }

    /// Activities processed at once, so one that waits on a slow server does not hold up the rest.
    static let concurrency = 4

    /// Processes pending activities until none is left; returns how many.
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

    /// Why processing one activity failed; the transaction rolled back, the activity stays queued.
    struct Failure: Error {
        let seq: Int64
        let reason: String
    }

    /// Processes the oldest pending activity no other worker holds. Only each actor's oldest
    /// pending activity is eligible, so one actor's activities (a Follow, then its Undo) are
    /// applied in the order they arrived while different actors' proceed side by side.
    /// False when there is nothing to take.
    func processNext() async -> Bool {
        do {
            let processed = try await pool.withTransaction(logger: logger) { connection -> Bool in
                let rows = try await connection.query(
                    """
                    SELECT a.seq, a.document::text FROM social.inbox_activities a
                    WHERE a.state = 'pending' AND NOT EXISTS (
                        SELECT 1 FROM social.inbox_activities e WHERE e.actor_id = a.actor_id AND e.state = 'pending' AND e.seq < a.seq)
                    ORDER BY a.seq LIMIT 1 FOR UPDATE SKIP LOCKED
                    """,
                    logger: logger
                ).collect()
                guard let row = rows.first else { return false }
                let (seq, json) = try row.decode((Int64, String).self)
                let outcome: Outcome
                do {
                    outcome = try await handle(try ASObject.decode(Data(json.utf8)), on: connection)
                } catch {
                    throw Failure(seq: seq, reason: String(describing: error))
                }
                let (state, reason): (String, String?) =
                    switch outcome {
                    case .processed: ("processed", nil)
                    case .ignored(let reason): ("ignored", reason)
                    }
                try await connection.query(
                    "UPDATE social.inbox_activities SET state = \(state), reason = \(reason), processed_at = now(), attempts = attempts + 1 WHERE seq = \(seq)",
                    logger: logger
                )
                if case .ignored(let reason) = outcome {
                    logger.info("activity ignored", metadata: ["seq": .stringConvertible(seq), "reason": .string(reason)])
                }
                return true
            }
            if processed { await deliveryBell.ring() }
            return processed
        } catch {
            // Stopping mid-activity: its transaction rolled back, and it is taken again next time,
            // without counting an attempt against it.
            if Database.isCancellation(error) { return false }
            guard let failure = (error as? PostgresTransactionError)?.closureError as? Failure else {
                logger.warning("reading the inbox failed", metadata: ["reason": .string(Database.reason(error))])
                return false
            }
            logger.warning("processing an activity failed", metadata: ["seq": .stringConvertible(failure.seq), "reason": .string(failure.reason)])
            _ = try? await pool.query(
                """
                UPDATE social.inbox_activities SET attempts = attempts + 1, reason = \(failure.reason),
                    state = CASE WHEN attempts + 1 >= \(Self.maximumAttempts) THEN 'ignored' ELSE 'pending' END,
                    processed_at = CASE WHEN attempts + 1 >= \(Self.maximumAttempts) THEN now() END
                WHERE seq = \(failure.seq)
                """,
                logger: logger
            )
            return true
        }
    }

    func handle(_ activity: ASObject, on connection: PostgresConnection) async throws -> Outcome {
        guard let actor = activity.actor?.id else { return .ignored("no actor") }
        let isAboutActor = activity.object.first?.id == actor
        switch activity.types.first ?? "" {
        case "Follow": return try await follow(activity, by: actor, on: connection)
        case "Accept": return try await answer(activity, by: actor, accepted: true, on: connection)
        case "Reject": return try await answer(activity, by: actor, accepted: false, on: connection)
        case "Undo": return try await undo(activity, by: actor, on: connection)
        case "Delete" where isAboutActor:
            // The account is gone: everything of theirs goes with it, its keys first.
            remote.verifiedKeys.removeAll { $1.owner == actor }
            try await follows.removeAll(of: actor, on: connection)
            for statement: PostgresQuery in [
                "DELETE FROM social.feed_entries WHERE actor_id = \(actor)",
                "DELETE FROM social.likes WHERE actor_id = \(actor)",
                "DELETE FROM social.announces WHERE actor_id = \(actor)",
                "UPDATE social.notes SET deleted_at = now(), content = '' WHERE actor_id = \(actor) AND deleted_at IS NULL",
                "DELETE FROM social.feed_entries WHERE object_id IN (SELECT id FROM social.notes WHERE actor_id = \(actor))",
                "DELETE FROM social.remote_actors WHERE id = \(actor)",
            ] {
                try await connection.query(statement, logger: logger)
            }
            return .processed
        case "Delete": return try await deleteNote(activity, by: actor, on: connection)
        case "Update" where isAboutActor:
            // Never trust the embedded copy: fetch the actor from its own origin.
            _ = try await remote.actor(actor, refresh: true)
            return .processed
        case "Update": return try await updateNote(activity, by: actor, on: connection)
        case "Create": return try await create(activity, by: actor, on: connection)
        case "Like", "EmojiReact": return try await react(.like, activity, by: actor, on: connection)
        case "Announce": return try await announce(activity, by: actor, on: connection)
        case "Block": return try await block(activity, by: actor, on: connection)
        case "Flag": return try await flag(activity, by: actor, on: connection)
        case "Move": return try await move(activity, by: actor, on: connection)
        case let type:
            return .ignored("\(type) activities are not something Scribe acts on")
        }
    }

    /// `Follow` of a local actor: accepted at once and answered with `Accept`, or left pending
    /// when the account approves followers by hand.
    func follow(_ activity: ASObject, by actor: String, on connection: PostgresConnection) async throws -> Outcome {
        guard let target = activity.object.first?.id, let username = urls.username(ofActor: target) else {
            return .ignored("the Follow is not of a local actor")
        }
        guard let activityID = activity.id else { return .ignored("the Follow has no id") }
        guard let profile = try await localProfile(username) else { return .ignored("the followed account does not exist") }
        let follower = try await remote.actor(actor)
        if try await isBlocked(actor, by: urls.actor(profile.username), on: connection) {
            // Mastodon answers a blocked account's Follow with Reject.
            var followActivity = activity
            followActivity["@context"] = nil
            let reject = ASObject.activity(
                "Reject",
                id: urls.activity(UUID()),
                actor: urls.actor(profile.username),
                object: followActivity.embedded,
                to: [actor]
            ).document(in: ScribeVocabulary.context)
            try await deliveries.enqueue(reject, to: [follower.inbox], signer: profile.id, on: connection)
            return .ignored("the follower is blocked; rejected")
        }
        let locked = try await actors.manuallyApprovesFollowers(profile.id)
        let recorded = try await follows.record(
            follower: actor,
            followed: urls.actor(profile.username),
            activityID: activityID,
            state: locked ? .pending : .accepted,
            on: connection
        )
        try await notifications.add(
            recorded.state == .accepted ? .follow : .followRequest,
            for: profile.id,
            actor: actor,
            object: nil,
            on: connection
        )
        if recorded.state == .accepted {
            var followActivity = activity
            followActivity["@context"] = nil
            let accept = ASObject.activity(
                "Accept",
                id: urls.activity(UUID()),
                actor: urls.actor(profile.username),
                object: followActivity.embedded,
                to: [actor]
            ).document(in: ScribeVocabulary.context)
            try await deliveries.enqueue(accept, to: [follower.inbox], signer: profile.id, on: connection)
        }
        return .processed
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
    func answer(_ activity: ASObject, by actor: String, accepted: Bool, on connection: PostgresConnection) async throws -> Outcome {
        guard let object = activity.object.first else { return .ignored("no object") }
        var follow: Follows.Follow?
        if let id = object.id { follow = try await follows.find(activityID: id, on: connection) }
        if follow == nil, let embedded = object.object, embedded.isA("Follow"), let follower = embedded.actor?.id {
            follow = try await follows.find(follower: follower, followed: actor, on: connection)
        }
        guard let follow, follow.followed == actor, urls.isLocal(follow.follower) else {
            return .ignored("no Follow of ours to \(accepted ? "accept" : "reject")")
        }
        if accepted {
            try await follows.accept(follower: follow.follower, followed: follow.followed, on: connection)
        } else {
            try await follows.remove(follower: follow.follower, followed: follow.followed, on: connection)
        }
        return .processed
    }

    /// `Undo` of a Follow, Like, Announce or Block: only its own actor may undo it.
    func undo(_ activity: ASObject, by actor: String, on connection: PostgresConnection) async throws -> Outcome {
        guard let object = activity.object.first else { return .ignored("no object") }
        let embedded = object.object
        switch embedded?.types.first {
        case "Like"?, "EmojiReact"?, "Announce"?:
            let kind: Reactions.Kind = embedded?.isA("Announce") == true ? .boost : .like
            let removed = try await reactions.remove(kind, actor: actor, object: embedded?.object.first?.id, activityID: object.id, on: connection)
            if kind == .boost, let target = embedded?.object.first?.id {
                try await connection.query(
                    "DELETE FROM social.feed_entries WHERE kind = 'boost' AND actor_id = \(actor) AND object_id = \(target)",
                    logger: logger
                )
            }
            return removed == nil ? .ignored("nothing to undo") : .processed
        case "Block"?:
            guard let blocked = embedded?.object.first?.id else { return .ignored("no object") }
            try await connection.query("DELETE FROM social.blocks WHERE blocker = \(actor) AND blocked = \(blocked)", logger: logger)
            return .processed
        case "Follow"?, nil:
            var follow: Follows.Follow?
            if let id = object.id { follow = try await follows.find(activityID: id, on: connection) }
            if follow == nil, let followed = embedded?.object.first?.id {
                follow = try await follows.find(follower: actor, followed: followed, on: connection)
            }
            if let follow, follow.follower == actor {
                try await follows.remove(follower: actor, followed: follow.followed, on: connection)
                return .processed
            }
            if embedded == nil, let id = object.id {
                // An Undo naming only an activity id: a like or boost of ours.
                for kind in [Reactions.Kind.like, .boost] {
                    if try await reactions.remove(kind, actor: actor, object: nil, activityID: id, on: connection) != nil { return .processed }
                }
            }
            return .ignored("nothing to undo")
        case let type?:
            return .ignored("Undo of \(type) is not something Scribe acts on")
        }
    }
}
