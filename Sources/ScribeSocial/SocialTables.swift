import ActivityPubKit
import Foundation
import Logging
import PostgresNIO

/// The stores of Social's tables, one owner per table: every write to a table goes through its
/// store, and the inbox processor, the local users' actions, following and the publisher share
/// them through this one value.
struct SocialTables: Sendable {
    /// `social.follows`
    let follows: Follows
    /// `social.notes`
    let notes: Notes
    /// `social.likes`, `social.announces`
    let reactions: Reactions
    /// `social.feed_entries`
    let feeds: Feeds
    /// `social.notifications`
    let notifications: Notifications
    /// `social.blocks`
    let blocks: Blocks
    /// `social.reports`
    let reports: Reports
    /// `social.deliveries`, for what is queued; ``DeliveryWorker`` sends and settles.
    let deliveries: DeliveryQueue
    /// Reads `social.published_objects` and `social.notes` to find what an id names here.
    let targets: LocalTargets
    /// `social.quote_authorizations`: approvals our users give to others' quotes.
    let quoteAuthorizations: QuoteAuthorizations
    /// `social.quotes`: quotes our users make, and their answers.
    let quotes: Quotes
    /// `social.pins`
    let pins: Pins

    /// Queues `activity` to the server of every follower of the local actor `actor`, one copy per
    /// server (shared inboxes), signed as `signer`; nothing when nobody follows.
    func queueToFollowers(_ activity: ASObject, of actor: String, signer: UUID, on connection: PostgresConnection) async throws {
        let inboxes = try await follows.inboxes(ofFollowersOf: actor, on: connection)
        guard !inboxes.isEmpty else { return }
        try await deliveries.enqueue(activity, to: inboxes, signer: signer, on: connection)
    }

    /// Records that `follower` follows the local user `userID` (accepted at once, or a request
    /// when the user approves followers by hand) and tells the user, whether the follow comes
    /// from this server, from another, or from an account that moved.
    func followLocalUser(
        _ userID: UUID,
        actor: String,
        by follower: String,
        locked: Bool,
        activityID: String,
        on connection: PostgresConnection
    ) async throws -> Follows.Follow {
        let stored = try await follows.record(
            follower: follower,
            followed: actor,
            activityID: activityID,
            state: locked ? .pending : .accepted,
            on: connection
        )
        try await notifications.add(stored.state == .accepted ? .follow : .followRequest, for: userID, actor: follower, object: nil, on: connection)
        return stored
    }
}
