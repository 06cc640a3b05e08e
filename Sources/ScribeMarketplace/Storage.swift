import Logging
import PostgresNIO
import ScribeStorage

/// Runs a database step for the marketplace, turning a database failure into
/// ``MarketplaceError``; the detail goes to the log, not to the caller.
func run<Result>(_ logger: Logger, _ step: () async throws -> Result) async throws(MarketplaceError) -> Result {
    do {
        return try await step()
    } catch let error as MarketplaceError {
        throw error
    } catch let error as PostgresTransactionError {
        if let marketplaceError = error.closureError as? MarketplaceError { throw marketplaceError }
        logger.error("database step failed", metadata: ["reason": .string(Database.reason(error))])
        throw MarketplaceError(.unavailable, "The database could not complete the operation; try again shortly.")
    } catch {
        logger.error("database step failed", metadata: ["reason": .string(Database.reason(error))])
        throw MarketplaceError(.unavailable, "The database could not complete the operation; try again shortly.")
    }
}
