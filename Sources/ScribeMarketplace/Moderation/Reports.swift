import Foundation
import Logging
import PostgresNIO
import ScribeContracts

/// Reports of listings and reviews, and what moderators do about them: hide a listing (Core
/// then hides the item everywhere: search, detail, downloads, its shared pages and the
/// fediverse), remove a review, or dismiss the report; and restore a hidden item.
///
/// Guarantees: any logged-in user may report, once per subject while the report is open; only
/// moderators see the queue or act; a decision closes every open report of the same subject;
/// Core is told last inside the transaction, so its failure leaves nothing half done here.
public struct Reports: Sendable {
    let core: any CoreAPI
    let search: ListingSearch
    let pool: PostgresClient
    let logger: Logger

    public func report(listing id: UUID, reason: String, by actor: MarketplaceCaller) async throws(MarketplaceError) -> ListingReport {
        // Signing in comes first: an anonymous caller learns nothing about what exists.
        _ = try actor.signedInUserID()
        let item = try await search.listedItem(id)
        return try await file("listing", subjectID: id, itemID: id, item: item, reason: reason, by: actor)
    }

    public func report(review reviewID: UUID, reason: String, by actor: MarketplaceCaller) async throws(MarketplaceError) -> ListingReport {
        _ = try actor.signedInUserID()
        let rows = try await run(logger) {
            try await pool.query("SELECT item_id FROM marketplace.reviews WHERE id = \(reviewID) AND removed_at IS NULL", logger: logger).collect()
        }
        guard let itemID = try? rows.first?.decode(UUID.self) else { throw MarketplaceError(.notFound, "No such review.") }
        return try await file("review", subjectID: reviewID, itemID: itemID, item: try await search.listedItem(itemID), reason: reason, by: actor)
    }

    private func file(
        _ subject: String,
        subjectID: UUID,
        itemID: UUID,
        item: ListingSearch.ListedItem,
        reason: String,
        by actor: MarketplaceCaller
    ) async throws(MarketplaceError) -> ListingReport {
        let reporter = try actor.signedInUserID()
        let text = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...1000).contains(text.count) else { throw MarketplaceError(.invalidInput, "A reason has 1 to 1000 characters.") }
        let rows = try await run(logger) {
            try await pool.query(
                """
                INSERT INTO marketplace.reports (id, subject, subject_id, item_id, item_kind, item_name, reporter_id, reason)
                VALUES (\(UUID()), \(subject), \(subjectID), \(itemID), \(item.kind.rawValue), \(item.name), \(reporter), \(text))
                ON CONFLICT (subject, subject_id, reporter_id) WHERE status = 'open' DO NOTHING
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            ).collect()
        }
        guard let row = rows.first else { throw MarketplaceError(.conflict, "You have reported this already; a moderator will look at it.") }
        return try Self.report(row)
    }

    /// The reports with `status` (open ones by default), oldest first: moderators only.
    public func queue(status: String = "open", by actor: MarketplaceCaller) async throws(MarketplaceError) -> [ListingReport] {
        try requireModerator(actor)
        guard ["open", "actioned", "dismissed"].contains(status) else {
            throw MarketplaceError(.badRequest, "status is open, actioned or dismissed.")
        }
        let rows = try await run(logger) {
            try await pool.query(
                "SELECT \(unescaped: Self.columns) FROM marketplace.reports WHERE status = \(status) ORDER BY created_at, id LIMIT 200",
                logger: logger
            ).collect()
        }
        return try rows.map { row throws(MarketplaceError) in try Self.report(row) }
    }

    /// Carries out a moderator's decision on an open report.
    public func resolve(_ reportID: UUID, _ decision: ReportDecision, by actor: MarketplaceCaller) async throws(MarketplaceError) {
        let moderator = try requireModerator(actor)
        let core = self.core
        try await run(logger) {
            try await pool.withTransaction(logger: logger) { connection in
                let rows = try await connection.query(
                    "SELECT \(unescaped: Self.columns) FROM marketplace.reports WHERE id = \(reportID) AND status = 'open' FOR UPDATE",
                    logger: logger
                ).collect()
                guard let row = rows.first else { throw MarketplaceError(.notFound, "No such open report.") }
                let report = try Self.report(row)
                switch (decision, report.subject) {
                case (.dismiss, _): break
                case (.hide, "listing"):
                    try await connection.query(
                        """
                        INSERT INTO marketplace.hidden_items (item_id, item_kind, item_name, hidden_by) VALUES (\(report.itemID), \(report.itemKind),
                            \(report.itemName), \(moderator)) ON CONFLICT (item_id) DO NOTHING
                        """,
                        logger: logger
                    )
                    try await connection.query("DELETE FROM marketplace.listings WHERE item_id = \(report.itemID)", logger: logger)
                case (.removeReview, "review"):
                    try await connection.query(
                        "UPDATE marketplace.reviews SET removed_at = now() WHERE id = \(report.subjectID) AND removed_at IS NULL",
                        logger: logger
                    )
                default:
                    throw MarketplaceError(
                        .invalidInput,
                        "A \(report.subject) report is resolved with \(report.subject == "listing" ? "hide" : "remove_review") or dismiss."
                    )
                }
                try await connection.query(
                    """
                    UPDATE marketplace.reports SET status = \(decision == .dismiss ? "dismissed" : "actioned"), resolved_at = now(), resolved_by = \(moderator)
                    WHERE subject = \(report.subject) AND subject_id = \(report.subjectID) AND status = 'open'
                    """,
                    logger: logger
                )
                if decision == .hide, let kind = CoreEvent.SubjectKind(rawValue: report.itemKind) {
                    do { try await core.setHidden(of: kind, id: report.itemID, true) } catch { throw MarketplaceError.fromCore(error) }
                }
            }
        }
        logger.info("report resolved", metadata: ["report": .string(reportID.uuidString), "decision": .string(decision.rawValue)])
    }

    /// Items moderators hid, newest first: moderators only.
    public func hidden(by actor: MarketplaceCaller) async throws(MarketplaceError) -> [HiddenItem] {
        try requireModerator(actor)
        let rows = try await run(logger) {
            try await pool.query(
                "SELECT item_id, item_kind, item_name, hidden_at FROM marketplace.hidden_items ORDER BY hidden_at DESC LIMIT 200",
                logger: logger
            ).collect()
        }
        return rows.compactMap { row in
            guard let (id, kind, name, at) = try? row.decode((UUID, String, String, Date).self) else { return nil }
            return HiddenItem(itemID: id, itemKind: kind, itemName: name, hiddenAt: at)
        }
    }

    /// Shows a hidden item again; its listing returns once the listings consumer sees Core's event.
    public func restore(_ itemID: UUID, by actor: MarketplaceCaller) async throws(MarketplaceError) {
        try requireModerator(actor)
        let core = self.core
        try await run(logger) {
            try await pool.withTransaction(logger: logger) { connection in
                let rows = try await connection.query(
                    "DELETE FROM marketplace.hidden_items WHERE item_id = \(itemID) RETURNING item_kind",
                    logger: logger
                ).collect()
                guard let kindName = try rows.first?.decode(String.self), let kind = CoreEvent.SubjectKind(rawValue: kindName) else {
                    throw MarketplaceError(.notFound, "No such hidden item.")
                }
                do { try await core.setHidden(of: kind, id: itemID, false) } catch { throw MarketplaceError.fromCore(error) }
            }
        }
    }

    @discardableResult
    private func requireModerator(_ actor: MarketplaceCaller) throws(MarketplaceError) -> UUID {
        let userID = try actor.signedInUserID()
        guard actor.isModerator else { throw MarketplaceError(.forbidden, "Only moderators do this.") }
        return userID
    }

    static let columns = "id, subject, subject_id, item_id, item_kind, item_name, reason, status, created_at"

    static func report(_ row: PostgresRow) throws(MarketplaceError) -> ListingReport {
        guard
            let (id, subject, subjectID, itemID, kind, name, reason, status, created) =
                try? row.decode((UUID, String, UUID, UUID, String, String, String, String, Date).self)
        else { throw MarketplaceError(.unavailable, "A report could not be read.") }
        return ListingReport(
            id: id,
            subject: subject,
            subjectID: subjectID,
            itemID: itemID,
            itemKind: kind,
            itemName: name,
            reason: reason,
            status: status,
            createdAt: created
        )
    }
}
