import Foundation
import Logging
import PostgresNIO

/// A named consumer of Core's event log that keeps its place in its own module's schema
/// (`<schema>.event_consumers`, `<schema>.handled_events`, docs/architecture.md §3).
///
/// Handling an event has two steps. `prepare` gathers what the event needs from elsewhere (Core,
/// which may be another process over HTTP) with no database connection held; `apply` then writes
/// the effect. A slow Core therefore never holds one of the module's connections.
///
/// Guarantees:
/// - Each event is applied in one transaction on the module's own pool, together with the record
///   that it was handled and the new cursor: a crash before the commit handles it again later, a
///   crash after it never does, so delivery is at-least-once and the effect exactly once.
/// - Events are handled in log order; a restart resumes after the last committed one.
/// - Several processes may run the same consumer: the consumer's row is locked while an event is
///   handled, so they take turns instead of handling an event twice.
///
/// It is generic over the event, so it needs no contract type: give it `CoreAPI.events` as
/// `fetch` and the event's position as `position`.
public struct EventConsumer<Event: Sendable>: Sendable {
    public typealias Fetch = @Sendable (_ after: Int64, _ limit: Int) async throws -> [Event]

    public let name: String
    let schema: ModuleSchema
    let pool: PostgresClient
    let position: @Sendable (Event) -> Int64
    let logger: Logger

    public init(name: String, schema: ModuleSchema, pool: PostgresClient, position: @escaping @Sendable (Event) -> Int64, logger: Logger) {
        self.name = name
        self.schema = schema
        self.pool = pool
        self.position = position
        self.logger = logger
    }

    /// The position of the last event this consumer handled (0 before the first).
    public func cursor() async throws -> Int64 {
        let rows = try await pool.query(
            PostgresQuery(unsafeSQL: "SELECT last_event_id FROM \(schema.name).event_consumers WHERE consumer = $1", binds: binds(name)),
            logger: logger
        ).collect()
        return try rows.first?.decode(Int64.self) ?? 0
    }

    /// Handles every event after the cursor that `fetch` returns, in batches of `batchSize`, and
    /// returns how many it handled. Call it when woken (LISTEN/NOTIFY) or on a timer.
    ///
    /// - Parameters:
    ///   - prepare: what the event needs from outside this module's schema, gathered with no
    ///     connection held. It may run for an event that another runner then applies first; what
    ///     it gathered is then dropped.
    ///   - apply: the event's effect, inside the transaction that records it as handled.
    @discardableResult
    public func catchUp<Prepared: Sendable>(
        fetch: Fetch,
        batchSize: Int = 100,
        prepare: @Sendable (_ event: Event) async throws -> Prepared,
        apply: @Sendable (_ event: Event, _ prepared: Prepared, _ connection: PostgresConnection) async throws -> Void
    ) async throws -> Int {
        try await register()
        var handled = 0
        while true {
            let events = try await fetch(try await cursor(), batchSize)
            for event in events {
                let prepared = try await prepare(event)
                if try await applyOnce(event, { connection in try await apply(event, prepared, connection) }) { handled += 1 }
            }
            if events.count < batchSize { return handled }
        }
    }

    /// Applies `event` unless it already was, in one transaction with its bookkeeping. Returns
    /// whether it was applied now.
    private func applyOnce(_ event: Event, _ apply: (PostgresConnection) async throws -> Void) async throws -> Bool {
        let id = position(event)
        return try await pool.withTransaction(logger: logger) { connection in
            // Lock this consumer's row: concurrent runners of the same consumer take turns.
            try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT 1 FROM \(schema.name).event_consumers WHERE consumer = $1 FOR UPDATE", binds: binds(name)),
                logger: logger
            )
            let seen =
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: "SELECT count(*)::int FROM \(schema.name).handled_events WHERE consumer = $1 AND event_id = $2",
                        binds: binds(name, id)
                    ),
                    logger: logger
                ).collect().first?.decode(Int.self) ?? 0
            guard seen == 0 else { return false }
            try await apply(connection)
            try await connection.query(
                PostgresQuery(unsafeSQL: "INSERT INTO \(schema.name).handled_events (consumer, event_id) VALUES ($1, $2)", binds: binds(name, id)),
                logger: logger
            )
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        UPDATE \(schema.name).event_consumers SET last_event_id = greatest(last_event_id, $2), updated_at = now() WHERE consumer = $1
                        """,
                    binds: binds(name, id)
                ),
                logger: logger
            )
            return true
        }
    }

    private func register() async throws {
        try await pool.query(
            PostgresQuery(unsafeSQL: "INSERT INTO \(schema.name).event_consumers (consumer) VALUES ($1) ON CONFLICT DO NOTHING", binds: binds(name)),
            logger: logger
        )
    }

    private func binds(_ name: String, _ id: Int64? = nil) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(name)
        if let id { binds.append(id) }
        return binds
    }
}
