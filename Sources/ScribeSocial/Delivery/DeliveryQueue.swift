import ActivityPubKit
import Foundation
import Logging
import PostgresNIO

/// The outbound queue (`social.deliveries`): one job per target inbox, written in the same
/// transaction as whatever caused it, so an activity is queued exactly when its cause commits
/// and survives any crash after. Inboxes on blocked domains are left out.
struct DeliveryQueue: Sendable {
    let logger: Logger

    /// Queues `activity` for each inbox (duplicates collapse), signed as `signer` (a local
    /// user's id; nil for the instance actor).
    func enqueue(_ activity: ASObject, to inboxes: [String], signer: UUID?, on connection: PostgresConnection) async throws {
        guard let id = activity.id else { return }
        let body = try activity.encoded()
        for inbox in Set(inboxes) {
            guard let url = URL(string: inbox), let host = url.host()?.lowercased() else { continue }
            let hostKey = url.port.map { "\(host):\($0)" } ?? host
            // Nothing goes to a blocked domain or its subdomains.
            try await connection.query(
                """
                INSERT INTO social.deliveries (inbox, host, signer, activity_id, body)
                SELECT \(inbox), \(hostKey), \(signer), \(id), \(body)
                WHERE NOT EXISTS (SELECT 1 FROM social.domain_blocks b WHERE \(host) = b.domain OR \(host) LIKE '%.' || b.domain)
                ON CONFLICT (activity_id, inbox) DO NOTHING
                """,
                logger: logger
            )
        }
    }

    /// An activity we sent, as sent, with the inboxes it went to; nil when we keep no record of
    /// sending it (nobody was to receive it, or the record was swept).
    func sent(_ activityID: String, on connection: PostgresConnection) async throws -> (body: Data, inboxes: [String])? {
        let rows = try await connection.query(
            "SELECT body, inbox FROM social.deliveries WHERE activity_id = \(activityID) ORDER BY id",
            logger: logger
        ).collect()
        guard let first = rows.first else { return nil }
        return (try first.decode((Data, String).self).0, try rows.map { try $0.decode((Data, String).self).1 })
    }
}
