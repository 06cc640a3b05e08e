import Foundation
import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// Core's append-only event log (`core.events`): the transactional outbox of docs/architecture.md §3.
///
/// ``append(_:subjectKind:subjectID:on:)`` takes the connection of the transaction that makes the
/// change, so the event exists exactly when the change does.
public struct EventLog: Sendable {
    /// Upper bound on one read, whatever a caller asks for.
    public static let maximumPage = 1_000

    let pool: PostgresClient
    let logger: Logger
    /// Told of each append before its commit, so this process's caches stop serving the
    /// subject's old state at once rather than when the notification arrives.
    let changes: ChangeNotices?

    public init(pool: PostgresClient, changes: ChangeNotices? = nil, logger: Logger) {
        self.pool = pool
        self.changes = changes
        self.logger = logger
    }

    /// "SCRIBEEV": the advisory lock that orders appends.
    static let appendLock: Int64 = 0x5343_5249_4245_4556

    /// Records an event inside the caller's transaction and returns its position.
    ///
    /// Appending takes a transaction-scoped advisory lock first, so event-writing transactions
    /// take their ids one after another and commit in id order: an event can never become
    /// visible behind one with a higher id, and a consumer's cursor never skips an event.
    @discardableResult
    public func append(
        _ type: CoreEvent.Kind,
        subjectKind: CoreEvent.SubjectKind,
        subjectID: UUID,
        visibility: SharingVisibility? = nil,
        note: String? = nil,
        on connection: PostgresConnection
    ) async throws -> Int64 {
        changes?.post(.pending(.coreEvents, subject: ChangeNotices.subject(subjectKind.rawValue, subjectID)))
        try await connection.query("SELECT pg_advisory_xact_lock(\(Self.appendLock))", logger: logger)
        let rows = try await connection.query(
            """
            INSERT INTO core.events (type, subject_kind, subject_id, visibility, note)
            VALUES (\(type.rawValue), \(subjectKind.rawValue), \(subjectID), \(visibility?.rawValue), \(note)) RETURNING id
            """,
            logger: logger
        )
        for try await id in rows.decode(Int64.self) { return id }
        throw CoreAPIError(.unavailable, "the event log did not return the new event's position")
    }

    /// Events after `cursor`, oldest first.
    public func events(after cursor: Int64, limit: Int) async throws(CoreAPIError) -> [CoreEvent] {
        guard cursor >= 0 else { throw CoreAPIError(.invalidArgument, "the cursor must not be negative") }
        guard (1...Self.maximumPage).contains(limit) else {
            throw CoreAPIError(.invalidArgument, "the limit must be between 1 and \(Self.maximumPage)")
        }
        do {
            var events: [CoreEvent] = []
            let rows = try await pool.query(
                """
                SELECT id, type, subject_kind, subject_id, recorded_at, visibility, note FROM core.events
                WHERE id > \(cursor) ORDER BY id LIMIT \(limit)
                """,
                logger: logger
            )
            for try await (id, type, subjectKind, subjectID, recordedAt, visibility, note) in rows.decode(
                (Int64, String, String, UUID, Date, String?, String?).self
            ) {
                guard let type = CoreEvent.Kind(rawValue: type), let subjectKind = CoreEvent.SubjectKind(rawValue: subjectKind) else {
                    throw CoreAPIError(.unavailable, "event \(id) has a type this build does not know")
                }
                events.append(
                    CoreEvent(
                        id: id,
                        type: type,
                        subjectKind: subjectKind,
                        subjectID: subjectID,
                        visibility: visibility.flatMap(SharingVisibility.init(rawValue:)),
                        recordedAt: recordedAt,
                        note: note
                    )
                )
            }
            return events
        } catch let error as CoreAPIError {
            throw error
        } catch {
            if !Database.isCancellation(error) { logger.error("reading the event log failed", metadata: ["reason": .string(Database.reason(error))]) }
            throw CoreAPIError(.unavailable, "the event log cannot be read right now")
        }
    }
}
