import Foundation
import Logging
import PostgresNIO

/// Likes and boosts (`social.likes`, `social.announces`), by anyone of anything.
struct Reactions: Sendable {
    enum Kind: String, Sendable {
        case like, boost

        var table: String { self == .like ? "social.likes" : "social.announces" }
    }

    let logger: Logger

    /// Records a reaction; false when it was already there.
    func add(_ kind: Kind, actor: String, object: String, activityID: String, on connection: PostgresConnection) async throws -> Bool {
        var binds = PostgresBindings()
        binds.append(actor)
        binds.append(object)
        binds.append(activityID)
        return try await !connection.query(
            PostgresQuery(
                unsafeSQL: "INSERT INTO \(kind.table) (actor_id, object_id, activity_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1",
                binds: binds
            ),
            logger: logger
        ).collect().isEmpty
    }

    /// Removes a reaction, found by its activity id or by actor and object; answers the activity
    /// id it had, or nil if there was none.
    func remove(_ kind: Kind, actor: String, object: String?, activityID: String?, on connection: PostgresConnection) async throws -> String? {
        var binds = PostgresBindings()
        binds.append(actor)
        binds.append(object)
        binds.append(activityID)
        return try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    DELETE FROM \(kind.table) WHERE actor_id = $1 AND (object_id = $2 OR activity_id = $3) RETURNING activity_id
                    """,
                binds: binds
            ),
            logger: logger
        ).collect().first?.decode(String.self)
    }

    /// Removes every like and boost by `actor` (the account is gone).
    func removeAll(by actor: String, on connection: PostgresConnection) async throws {
        for kind in [Kind.like, .boost] {
            var binds = PostgresBindings()
            binds.append(actor)
            try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(kind.table) WHERE actor_id = $1", binds: binds), logger: logger)
        }
    }

    func count(_ kind: Kind, of object: String, on pool: PostgresClient) async throws -> Int {
        var binds = PostgresBindings()
        binds.append(object)
        return try await pool.query(
            PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(kind.table) WHERE object_id = $1", binds: binds),
            logger: logger
        )
        .collect().first?.decode(Int.self) ?? 0
    }

    /// Which of `objects` `actor` has reacted to so.
    func objects(_ kind: Kind, by actor: String, among objects: [String], on pool: PostgresClient) async throws -> Set<String> {
        guard !objects.isEmpty else { return [] }
        var binds = PostgresBindings()
        binds.append(actor)
        binds.append(objects)
        return try await Set(
            pool.query(
                PostgresQuery(unsafeSQL: "SELECT object_id FROM \(kind.table) WHERE actor_id = $1 AND object_id = ANY($2)", binds: binds),
                logger: logger
            ).collect().map { try $0.decode(String.self) }
        )
    }

    /// Whether `actor` has reacted to `object` so.
    func exists(_ kind: Kind, by actor: String, of object: String, on pool: PostgresClient) async throws -> Bool {
        try await objects(kind, by: actor, among: [object], on: pool).contains(object)
    }

    /// Who reacted, newest first.
    func actors(_ kind: Kind, of object: String, limit: Int, offset: Int, on pool: PostgresClient) async throws -> [String] {
        var binds = PostgresBindings()
        binds.append(object)
        binds.append(limit)
        binds.append(offset)
        return try await pool.query(
            PostgresQuery(
                unsafeSQL: "SELECT actor_id FROM \(kind.table) WHERE object_id = $1 ORDER BY created_at DESC, actor_id LIMIT $2 OFFSET $3",
                binds: binds
            ),
            logger: logger
        ).collect().map { try $0.decode(String.self) }
    }
}
