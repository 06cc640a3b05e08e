import Foundation
import Logging
import PostgresNIO
import ScribeContracts

/// What other modules ask Core to restrict about a published item (`core.item_restrictions`):
/// hidden by a moderator, on sale, or rated for adults. The shared views of characters and
/// lorebooks read it, so every way out of Core honours it.
///
/// Guarantees: a change and its `ItemRestricted` event are one transaction; setting what is
/// already set records nothing.
struct ItemRestrictions: Sendable {
    let pool: PostgresClient
    let eventLog: EventLog
    let logger: Logger

    enum Restriction: String {
        case hidden
        case forSale = "for_sale"
    }

    func set(_ restriction: Restriction, to value: Bool, of kind: CoreEvent.SubjectKind, id: UUID) async throws(CoreError) {
        guard kind != .user else { throw CoreError(.notFound, "Users are not shared items.") }
        try await transaction(on: pool, logger: logger) { connection in
            var binds = PostgresBindings()
            binds.append(kind.rawValue)
            binds.append(id)
            binds.append(value)
            // The column is one of two fixed names; the values are bound. No row means false, so
            // only a real change returns a row.
            let changed = try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO core.item_restrictions AS r (subject_kind, item_id, \(restriction.rawValue)) SELECT $1, $2, $3 WHERE $3
                        ON CONFLICT (subject_kind, item_id) DO UPDATE SET \(restriction.rawValue) = EXCLUDED.\(restriction.rawValue), updated_at = now()
                        WHERE r.\(restriction.rawValue) IS DISTINCT FROM EXCLUDED.\(restriction.rawValue)
                        RETURNING 1
                        """,
                    binds: binds
                ),
                logger: logger
            ).collect()
            let cleared =
                value
                ? []
                : try await connection.query(
                    PostgresQuery(
                        unsafeSQL: """
                            UPDATE core.item_restrictions SET \(restriction.rawValue) = false, updated_at = now()
                            WHERE subject_kind = $1 AND item_id = $2 AND \(restriction.rawValue) RETURNING 1
                            """,
                        binds: {
                            var b = PostgresBindings()
                            b.append(kind.rawValue)
                            b.append(id)
                            return b
                        }()
                    ),
                    logger: logger
                ).collect()
            guard !changed.isEmpty || !cleared.isEmpty else { return }
            try await eventLog.append(.itemRestricted, subjectKind: kind, subjectID: id, on: connection)
        }
        logger.info(
            "item restriction set",
            metadata: ["item": .string(id.uuidString), "restriction": .string(restriction.rawValue), "value": .stringConvertible(value)]
        )
    }

    /// Rates an item by hand. A moderator's rating holds: the creator's attempt to change it
    /// returns false and changes nothing. A new rating records `ItemRestricted`, so the
    /// marketplace relists the item and Social sends an `Update` with the new content warning.
    func setContentRating(_ rating: ContentRating, byModerator: Bool, of kind: CoreEvent.SubjectKind, id: UUID) async throws(CoreError) -> Bool {
        guard kind != .user else { throw CoreError(.notFound, "Users are not shared items.") }
        let accepted = try await transaction(on: pool, logger: logger) { connection -> Bool in
            let current = try await connection.query(
                """
                SELECT content_rating, content_rating_by_moderator FROM core.item_restrictions
                WHERE subject_kind = \(kind.rawValue) AND item_id = \(id) FOR UPDATE
                """,
                logger: logger
            ).collect().first.map { try $0.decode((String?, Bool).self) }
            if let current, current.1, !byModerator { return false }
            let changed = current?.0 != rating.rawValue
            try await connection.query(
                """
                INSERT INTO core.item_restrictions AS r (subject_kind, item_id, content_rating, content_rating_by_moderator, content_rating_set_at)
                VALUES (\(kind.rawValue), \(id), \(rating.rawValue), \(byModerator), now())
                ON CONFLICT (subject_kind, item_id) DO UPDATE SET content_rating = EXCLUDED.content_rating,
                    content_rating_by_moderator = EXCLUDED.content_rating_by_moderator, updated_at = now(),
                    content_rating_set_at = CASE WHEN \(changed) THEN now() ELSE r.content_rating_set_at END
                """,
                logger: logger
            )
            if changed { try await eventLog.append(.itemRestricted, subjectKind: kind, subjectID: id, on: connection) }
            return true
        }
        if accepted {
            logger.info(
                "content rating set",
                metadata: ["item": .string(id.uuidString), "rating": .string(rating.rawValue), "by_moderator": .stringConvertible(byModerator)]
            )
        }
        return accepted
    }
}
