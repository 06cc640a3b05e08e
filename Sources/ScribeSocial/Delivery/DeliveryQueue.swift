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
        var targets: (inboxes: [String], hostKeys: [String], hosts: [String]) = ([], [], [])
        for inbox in Set(inboxes).sorted() {
            guard let url = URL(string: inbox), let host = url.host()?.lowercased() else { continue }
            targets.inboxes.append(inbox)
            targets.hostKeys.append(url.port.map { "\(host):\($0)" } ?? host)
            targets.hosts.append(host)
        }
        // A thousand jobs to a statement; nothing goes to a blocked domain or its subdomains.
        for start in stride(from: 0, to: targets.inboxes.count, by: 1000) {
            let range = start..<min(start + 1000, targets.inboxes.count)
            try await connection.query(
                """
                INSERT INTO social.deliveries (inbox, host, signer, activity_id, body)
                SELECT t.inbox, t.host_key, \(signer), \(id), \(body)
                FROM unnest(\(Array(targets.inboxes[range]))::text[], \(Array(targets.hostKeys[range]))::text[], \(Array(targets.hosts[range]))::text[])
                    AS t (inbox, host_key, host)
                WHERE NOT EXISTS (SELECT 1 FROM social.domain_blocks b WHERE t.host = b.domain OR t.host LIKE '%.' || b.domain)
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
