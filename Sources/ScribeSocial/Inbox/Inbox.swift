import ActivityPubKit
import Foundation
import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// The front door for activities: personal inboxes and the shared inbox.
///
/// An activity is stored only when its HTTP signature verifies with a key whose owner is the
/// activity's `actor`; it is stored (committed, with concurrent requests' activities: see
/// ``InboxWriter``) before the caller answers 202, then processed by
/// ``InboxProcessor``. A redelivered activity id is accepted and not stored twice.
public struct Inbox: Sendable {
    let actors: LocalActors
    let remote: RemoteActors
    let urls: ActorURLs
    let scheme: String
    /// Stores verified activities, many requests' to one commit.
    let writer: InboxWriter
    let doorbell: Doorbell
    let logger: Logger

    public enum Receipt: Sendable, Equatable {
        case stored
        case duplicate
        /// Accepted and dropped with this reason (the sender needs nothing more from us).
        case dropped(String)
    }

    /// Verifies and stores an activity sent to `recipient`'s inbox (nil: the shared inbox).
    ///
    /// - Parameter admit: asked with the sending server's host once the signature has verified
    ///   and before anything is stored; it throws (``SocialError/Code/rateLimited``) to refuse.
    ///   Asking only then means no one can spend another server's budget by naming its key.
    public func receive(
        _ request: InboundRequest,
        recipient username: String?,
        admit: @Sendable (_ senderHost: String) throws(SocialError) -> Void = { _ in }
    ) async throws(SocialError) -> Receipt {
        var recipientID: UUID?
        // The recipient's actor is what other servers fetch most: known from memory, usually.
        if let username { recipientID = try await actors.servedDocument(username: username).userID }
        guard request.body.count <= InboundRequest.maximumBodySize else {
            throw SocialError(.payloadTooLarge, "Activities are limited to 1 MB.")
        }
        guard let activity = try? ASObject.decode(request.body) else {
            throw SocialError(.badRequest, "The body is not a JSON object.")
        }
        guard let type = activity.types.first, let actorID = activity.actor?.id, let activityID = activity.id,
            URL(string: actorID)?.host() != nil
        else {
            throw SocialError(.badRequest, "An activity needs an id, a type and an actor.")
        }

        // A blocked domain gets 403 before any key is fetched, as Mastodon answers.
        if try await remote.domainBlocks.isBlocked(actorID) {
            throw SocialError(.forbidden, "This server does not accept activities from that domain.")
        }
        let owner: String
        do {
            owner = try await remote.signer(of: request.signed(scheme: scheme))
        } catch {
            // A deleted actor's key is gone with it; its Delete cannot be verified and, if we never
            // knew the actor, there is nothing of theirs to remove (Mastodon drops these too).
            let keyUnavailable = error.code != .signatureRejected && error.code != .forbidden
            if keyUnavailable, activity.isA("Delete"), activity.object.first?.id == actorID {
                return .dropped("the Delete of an actor whose key is gone")
            }
            throw error
        }
        guard owner == actorID else {
            throw SocialError(.signatureRejected, "The request is signed by \(owner), not by the activity's actor.")
        }
        try admit(URL(string: actorID)?.host()?.lowercased() ?? actorID)

        let row = InboxWriter.Row(
            activityID: activityID,
            actorID: actorID,
            type: type,
            recipient: recipientID,
            document: String(decoding: request.body, as: UTF8.self)
        )
        let inserted = try await writer.store(row)
        guard inserted else { return .duplicate }
        await doorbell.ring()
        return .stored
    }
}
