import Foundation
import Logging
import PostgresNIO
import ScribeContracts

/// Buying items: a Stripe Checkout Session per attempt, and entitlements granted only by
/// Stripe's signed webhook.
///
/// Guarantees: an entitlement exists only after a verified `checkout.session.completed` (paid)
/// or `checkout.session.async_payment_succeeded` for a purchase this server started, for the
/// amount it asked; each Stripe event is handled once whatever Stripe retries or reorders, and a
/// delivery replayed with its very signature is refused; all of a webhook's effects are one
/// transaction.
public struct Purchases: Sendable {
    let search: ListingSearch
    let pool: PostgresClient
    let stripe: StripeSettings?
    let publicURL: URL
    let logger: Logger

    /// Whether the operator configured Stripe.
    public var enabled: Bool { stripe != nil }

    /// Starts buying a listed item that is for sale: a pending purchase and its Checkout Session.
    public func buy(_ id: UUID, by actor: MarketplaceCaller) async throws(MarketplaceError) -> Checkout {
        let buyer = try actor.signedInUserID()
        guard let stripe else { throw MarketplaceError(.salesDisabled, "Sales are off: this server has no Stripe account configured.") }
        let listing = try await search.listing(id)
        guard let price = listing.price else { throw MarketplaceError(.conflict, "This item is not for sale.") }
        guard try await search.listedItem(id).ownerID != buyer else { throw MarketplaceError(.conflict, "You cannot buy your own item.") }
        guard try await !isEntitled(buyer, to: id) else { throw MarketplaceError(.conflict, "You have bought this item already.") }
        let attempt = UUID()
        _ = try await run(logger) {
            try await pool.query(
                """
                INSERT INTO marketplace.purchases (id, item_id, buyer_id, price_amount, currency) VALUES (\(attempt), \(id), \(buyer), \(price.amount), \(price.currency))
                """,
                logger: logger
            )
        }
        // Stripe sends the buyer's browser back to the item's page, which tells them how their
        // purchase stands; an app follows the purchase through the API instead.
        let itemPage = listing.address(on: publicURL)
        let order = StripeCheckout.Order(
            attempt: attempt,
            itemID: id,
            buyerID: buyer,
            name: listing.name,
            price: price,
            successURL: itemPage + "?purchase=\(attempt.uuidString.lowercased())",
            cancelURL: itemPage
        )
        let session: StripeCheckout.Session
        do {
            session = try await StripeCheckout(settings: stripe, logger: logger).createSession(for: order)
        } catch {
            _ = try? await run(logger) {
                try await pool.query("UPDATE marketplace.purchases SET status = 'failed' WHERE id = \(attempt)", logger: logger)
            }
            throw error
        }
        _ = try await run(logger) {
            try await pool.query(
                "UPDATE marketplace.purchases SET checkout_session_id = \(session.id) WHERE id = \(attempt) AND checkout_session_id IS NULL",
                logger: logger
            )
        }
        logger.info("checkout started", metadata: ["purchase": .string(attempt.uuidString), "item": .string(id.uuidString)])
        return Checkout(purchaseID: attempt, checkoutURL: session.url)
    }

    /// The buyer's own purchases, newest first (or one, by id).
    public func purchases(of actor: MarketplaceCaller, id: UUID? = nil) async throws(MarketplaceError) -> [Purchase] {
        let buyer = try actor.signedInUserID()
        let rows = try await run(logger) {
            try await pool.query(
                """
                SELECT id, item_id, status, price_amount, currency, created_at, completed_at FROM marketplace.purchases
                WHERE buyer_id = \(buyer) AND (\(id)::uuid IS NULL OR id = \(id)) ORDER BY created_at DESC LIMIT 200
                """,
                logger: logger
            ).collect()
        }
        return rows.compactMap { row in
            guard let (id, item, status, amount, currency, created, completed) = try? row.decode((UUID, UUID, String, Int, String, Date, Date?).self)
            else { return nil }
            return Purchase(
                id: id,
                itemID: item,
                status: status,
                price: Listing.Price(amount: amount, currency: currency),
                createdAt: created,
                completedAt: completed
            )
        }
    }

    /// Whether the user bought the item.
    func isEntitled(_ userID: UUID, to itemID: UUID) async throws(MarketplaceError) -> Bool {
        try await run(logger) {
            try await !pool.query("SELECT 1 FROM marketplace.entitlements WHERE user_id = \(userID) AND item_id = \(itemID)", logger: logger)
                .collect().isEmpty
        }
    }

    /// The viewer Core is told about: the user, and whether they bought the item.
    func viewer(_ actor: MarketplaceCaller, of itemID: UUID) async throws(MarketplaceError) -> Viewer {
        guard let userID = actor.userID else { return .anonymous }
        return Viewer(accountID: userID, entitled: try await isEntitled(userID, to: itemID))
    }

    // MARK: Webhook

    /// What a webhook delivery did.
    public enum WebhookOutcome: String, Sendable {
        case granted, recorded, ignored, duplicate
    }

    /// Handles one webhook delivery: `payload` is the raw body exactly as received.
    public func receiveWebhook(payload: Data, signature: String?) async throws(MarketplaceError) -> WebhookOutcome {
        guard let stripe else { throw MarketplaceError(.salesDisabled, "Sales are off: this server has no Stripe account configured.") }
        let signed = try StripeSignature.verify(header: signature, payload: payload, secrets: stripe.webhookSecrets, tolerance: stripe.tolerance)
        let event = try StripeEvent(payload)
        let outcome = try await run(logger) {
            try await pool.withTransaction(logger: logger) { connection -> WebhookOutcome in
                let fresh = try await connection.query(
                    "INSERT INTO marketplace.stripe_deliveries (signature) VALUES (\(signed)) ON CONFLICT DO NOTHING RETURNING 1",
                    logger: logger
                ).collect()
                guard !fresh.isEmpty else { throw MarketplaceError(.invalidSignature, "This delivery was received before: a replay.") }
                try await connection.query("DELETE FROM marketplace.stripe_deliveries WHERE received_at < now() - interval '1 hour'", logger: logger)
                let first = try await connection.query(
                    "INSERT INTO marketplace.stripe_events (event_id, type) VALUES (\(event.id), \(event.type)) ON CONFLICT DO NOTHING RETURNING 1",
                    logger: logger
                ).collect()
                guard !first.isEmpty else { return .duplicate }
                return try await apply(event, on: connection)
            }
        }
        logger.info("Stripe event", metadata: ["event": .string(event.id), "type": .string(event.type), "outcome": .string(outcome.rawValue)])
        return outcome
    }

    private func apply(_ event: StripeEvent, on connection: PostgresConnection) async throws -> WebhookOutcome {
        guard let session = event.checkoutSession, let attempt = session.clientReference else { return .ignored }
        switch event.type {
        case "checkout.session.completed" where session.paymentStatus == "paid" || session.paymentStatus == "no_payment_required",
            "checkout.session.async_payment_succeeded":
            let rows = try await connection.query(
                """
                UPDATE marketplace.purchases SET status = 'paid', completed_at = coalesce(completed_at, now()),
                    checkout_session_id = coalesce(checkout_session_id, \(session.id))
                WHERE id = \(attempt) AND coalesce(checkout_session_id, \(session.id)) = \(session.id)
                    AND price_amount = \(session.amountTotal ?? -1) AND currency = \(session.currency ?? "")
                RETURNING item_id, buyer_id
                """,
                logger: logger
            ).collect()
            guard let (item, buyer) = try rows.first?.decode((UUID, UUID).self) else {
                logger.warning("a paid Checkout Session matches no purchase of ours", metadata: ["session": .string(session.id)])
                return .ignored
            }
            try await connection.query(
                """
                INSERT INTO marketplace.entitlements (item_id, user_id, purchase_id) VALUES (\(item), \(buyer), \(attempt))
                ON CONFLICT (item_id, user_id) DO NOTHING
                """,
                logger: logger
            )
            return .granted
        case "checkout.session.expired", "checkout.session.async_payment_failed":
            // Only a purchase still pending ends so: a later "expired" never undoes a payment.
            let status = event.type == "checkout.session.expired" ? "expired" : "failed"
            try await connection.query(
                "UPDATE marketplace.purchases SET status = \(status), completed_at = now() WHERE id = \(attempt) AND status = 'pending'",
                logger: logger
            )
            return .recorded
        default:
            return .ignored
        }
    }
}

/// The parts of a Stripe event the marketplace reads.
struct StripeEvent: Sendable {
    var id: String
    var type: String
    var checkoutSession: CheckoutSession?

    struct CheckoutSession: Sendable {
        var id: String
        var clientReference: UUID?
        var paymentStatus: String?
        var amountTotal: Int?
        var currency: String?
    }

    init(_ payload: Data) throws(MarketplaceError) {
        guard let root = try? JSONSerialization.jsonObject(with: payload) as? [String: Any], let id = root["id"] as? String,
            let type = root["type"] as? String, root["object"] as? String == "event"
        else { throw MarketplaceError(.badRequest, "The webhook body is not a Stripe event.") }
        self.id = id
        self.type = type
        if let object = (root["data"] as? [String: Any])?["object"] as? [String: Any], object["object"] as? String == "checkout.session",
            let sessionID = object["id"] as? String
        {
            checkoutSession = CheckoutSession(
                id: sessionID,
                clientReference: (object["client_reference_id"] as? String).flatMap(UUID.init(uuidString:)),
                paymentStatus: object["payment_status"] as? String,
                amountTotal: (object["amount_total"] as? NSNumber)?.intValue,
                currency: object["currency"] as? String
            )
        }
    }
}
