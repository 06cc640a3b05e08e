import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// Runs a database step for the marketplace: callers see ``MarketplaceError`` only.
func run<Result>(_ logger: Logger, _ step: () async throws -> Result) async throws(MarketplaceError) -> Result {
    try await runDatabaseStep(
        logger: logger,
        unavailable: MarketplaceError(.unavailable, "The database could not complete the operation; try again shortly."),
        rejected: MarketplaceError(.invalidInput, "The input holds a value that cannot be stored, such as a NUL character."),
        step
    )
}
