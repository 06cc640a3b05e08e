import Foundation
import Logging
import PostgresNIO
import ScribeContracts

/// What a creator sets on their listing besides the card: the language it is written in, and a
/// price. Kept in `marketplace.listing_settings`, apart from the listings, so a rebuild keeps them.
///
/// Guarantees: only the item's owner changes them (a moderator may correct the language); a price
/// needs Stripe configured; Core is told that the item is on sale or not as the last step of the
/// transaction that stores the price, so if Core fails no price is left behind (and if the commit
/// itself then failed, setting the price again brings both sides back in step).
public struct ListingSettings: Sendable {
    let core: any CoreAPI
    let search: ListingSearch
    let pool: PostgresClient
    let salesEnabled: Bool
    let logger: Logger

    /// Sets the language: a BCP 47 tag such as `en`, `pt-BR` or `und` (not known).
    public func setLanguage(_ id: UUID, to language: String, by actor: MarketplaceCaller) async throws(MarketplaceError) {
        let userID = try actor.signedInUserID()
        let tag = language.trimmingCharacters(in: .whitespaces)
        guard tag.wholeMatch(of: /[a-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}/) != nil else {
            throw MarketplaceError(.invalidInput, "language is a BCP 47 tag such as en, pt-BR or und.")
        }
        let item = try await search.listedItem(id)
        guard item.ownerID == userID || actor.isModerator else {
            throw MarketplaceError(.forbidden, "Only the creator or a moderator sets the language.")
        }
        try await run(logger) {
            try await pool.withTransaction(logger: logger) { connection in
                try await connection.query(
                    """
                    INSERT INTO marketplace.listing_settings (item_id, language) VALUES (\(id), \(tag))
                    ON CONFLICT (item_id) DO UPDATE SET language = EXCLUDED.language, updated_at = now()
                    """,
                    logger: logger
                )
                try await connection.query("UPDATE marketplace.listings SET language = \(tag) WHERE item_id = \(id)", logger: logger)
            }
        }
    }

    /// Puts the item on sale at `price` (smallest currency unit, 50 to 100,000,000), or takes it
    /// off sale when `price` is nil.
    public func setPrice(_ id: UUID, to price: Listing.Price?, by actor: MarketplaceCaller) async throws(MarketplaceError) {
        let userID = try actor.signedInUserID()
        guard salesEnabled else { throw MarketplaceError(.salesDisabled, "Sales are off: this server has no Stripe account configured.") }
        if let price {
            guard (50...100_000_000).contains(price.amount) else {
                throw MarketplaceError(.invalidInput, "amount is 50 to 100000000 in the currency's smallest unit.")
            }
            guard price.currency.wholeMatch(of: /[a-z]{3}/) != nil else {
                throw MarketplaceError(.invalidInput, "currency is an ISO 4217 code in lower case, such as usd.")
            }
        }
        let item = try await search.listedItem(id)
        guard item.ownerID == userID else { throw MarketplaceError(.forbidden, "Only the creator sets the price.") }
        let core = self.core
        try await run(logger) {
            try await pool.withTransaction(logger: logger) { connection in
                try await connection.query(
                    """
                    INSERT INTO marketplace.listing_settings (item_id, price_amount, currency) VALUES (\(id), \(price?.amount), \(price?.currency))
                    ON CONFLICT (item_id) DO UPDATE SET price_amount = EXCLUDED.price_amount, currency = EXCLUDED.currency, updated_at = now()
                    """,
                    logger: logger
                )
                try await connection.query(
                    "UPDATE marketplace.listings SET price_amount = \(price?.amount), currency = \(price?.currency) WHERE item_id = \(id)",
                    logger: logger
                )
                do { try await core.setForSale(of: item.kind, id: id, price != nil) } catch { throw MarketplaceError.fromCore(error) }
            }
        }
    }
}
