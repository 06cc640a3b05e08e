import Foundation
import Logging
import PostgresNIO
import ScribeContracts

/// What other modules ask Core to restrict about a published item (`core.item_restrictions`):
/// hidden by a moderator, or on sale. The shared views of characters and lorebooks read it, so
/// every way out of Core honours it.
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
}
