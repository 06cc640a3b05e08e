import Foundation
import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// Keeps `marketplace.listings` equal to Core's public items, from Core's event log.
///
/// Guarantees: only what Core shows anyone (public items, their public metadata) is stored;
/// each event is handled once, in one transaction with the consumer's cursor, so a restart at
/// any point resumes where it stopped; handling reads the item's *current* state, so replaying
/// the whole log (``rebuild()``) yields the same table.
public struct Listings: Sendable {
    let core: any CoreAPI
    let pool: PostgresClient
    let consumer: EventConsumer<CoreEvent>
    let logger: Logger

    static let consumerName = "marketplace.listings"

    /// Handles every event recorded since the last run; returns how many.
    @discardableResult
    public func catchUp() async throws -> Int {
        try await consumer.catchUp(
            fetch: { [core] after, limit in try await core.events(after: after, limit: limit) },
            prepare: { event in try await currentMetadata(of: event) },
            apply: { event, metadata, connection in try await apply(event, metadata: metadata, on: connection) }
        )
    }

    /// Empties the listings and replays Core's log from the start.
    @discardableResult
    public func rebuild() async throws -> Int {
        try await pool.withTransaction(logger: logger) { connection in
            try await connection.query("DELETE FROM marketplace.listings", logger: logger)
            try await connection.query("DELETE FROM marketplace.event_consumers WHERE consumer = \(Self.consumerName)", logger: logger)
        }
        return try await catchUp()
    }

    /// What anyone may see of the event's item now, from Core (nil when nobody may, or when the
    /// event is about an account).
    func currentMetadata(of event: CoreEvent) async throws -> ItemMetadata? {
        guard event.subjectKind != .user else { return nil }
        do {
            return try await core.metadata(of: event.subjectKind, id: event.subjectID, for: .anonymous)
        } catch {
            guard error.code == .notFound else { throw error }
            return nil
        }
    }

    /// Makes the listing match `metadata`, the item as Core showed it when the event was prepared.
    func apply(_ event: CoreEvent, metadata: ItemMetadata?, on connection: PostgresConnection) async throws {
        guard event.subjectKind != .user else {
            if event.type == .userDeleted {
                try await connection.query("DELETE FROM marketplace.listings WHERE owner_id = \(event.subjectID)", logger: logger)
            }
            return
        }
        guard let metadata, metadata.visibility == .public else {
            try await connection.query("DELETE FROM marketplace.listings WHERE item_id = \(event.subjectID)", logger: logger)
            return
        }
        let existing = try await connection.query(
            "SELECT version FROM marketplace.listings WHERE item_id = \(metadata.id) FOR UPDATE",
            logger: logger
        ).collect().first.map { try $0.decode(Int.self) }
        let version = existing.map { $0 + (event.type == .itemUpdated ? 1 : 0) } ?? 1
        let rating = metadata.contentRating.rawValue
        let settings = try await connection.query(
            "SELECT language, price_amount, currency FROM marketplace.listing_settings WHERE item_id = \(metadata.id)",
            logger: logger
        ).collect().first.map { try $0.decode((String?, Int?, String?).self) }
        try await connection.query(
            """
            INSERT INTO marketplace.listings (item_id, kind, owner_id, creator, name, tagline, tags, content_rating, language, has_avatar, spec, spec_version,
                token_estimate, entry_count, version, published_at, updated_at, price_amount, currency)
            VALUES (\(metadata.id), \(metadata.kind.rawValue), \(metadata.ownerID), \(metadata.ownerUsername), \(metadata.name), \(metadata.tagline ?? ""),
                \(Self.normalized(metadata.tags)), \(rating), \(settings?.0 ?? "und"), \(metadata.hasAvatar), \(metadata.spec), \(metadata.specVersion),
                \(metadata.tokenEstimate), \(metadata.entryCount), \(version), \(metadata.publishedAt), \(metadata.updatedAt), \(settings?.1), \(settings?.2))
            ON CONFLICT (item_id) DO UPDATE SET creator = EXCLUDED.creator, name = EXCLUDED.name, tagline = EXCLUDED.tagline, tags = EXCLUDED.tags,
                content_rating = EXCLUDED.content_rating, language = EXCLUDED.language, has_avatar = EXCLUDED.has_avatar, spec = EXCLUDED.spec,
                spec_version = EXCLUDED.spec_version, token_estimate = EXCLUDED.token_estimate, entry_count = EXCLUDED.entry_count,
                version = EXCLUDED.version, published_at = EXCLUDED.published_at, updated_at = EXCLUDED.updated_at,
                price_amount = EXCLUDED.price_amount, currency = EXCLUDED.currency
            """,
            logger: logger
        )
        if existing == nil {
            // A listing made (or remade, after a rebuild) takes its counters from what people did.
            try await connection.query("SELECT marketplace.recount(\(metadata.id))", logger: logger)
        }
        if existing == nil || version != existing {
            // The owner's own note on the change when they wrote one.
            let line = version == 1 ? "Published." : event.note ?? metadata.characterVersion.map { "Updated to \($0)." } ?? "Updated."
            try await connection.query(
                """
                INSERT INTO marketplace.listing_versions (item_id, version, changelog, created_at) VALUES (\(metadata.id), \(version), \(line), \(event.recordedAt))
                ON CONFLICT (item_id, version) DO NOTHING
                """,
                logger: logger
            )
        }
    }

    /// Tags as listings keep them: trimmed, lower case, unique, in order, at most 32 of 64 characters.
    static func normalized(_ tags: [String]) -> [String] {
        var seen = Set<String>()
        return tags.map { $0.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }
            .filter { !$0.isEmpty && $0.count <= 64 && seen.insert($0).inserted }
            .prefix(32).map { $0 }
    }
}
