import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// Runs a database step for Core: callers see ``CoreError`` only.
func run<Result>(_ step: () async throws -> Result) async throws(CoreError) -> Result {
    try await runDatabaseStep(
        logger: Logger(label: "scribe.core"),
        unavailable: CoreError(.unavailable, "The database could not complete the operation; try again shortly."),
        rejected: CoreError(.invalidInput, "The input holds a value that cannot be stored, such as a NUL character."),
        step
    )
}

/// Runs `body` in a transaction on `pool`, with ``run(_:)``'s error handling.
func transaction<Result: Sendable>(
    on pool: PostgresClient,
    logger: Logger,
    _ body: nonisolated(nonsending) (PostgresConnection) async throws -> sending Result
) async throws(CoreError) -> Result {
    try await run { try await pool.withTransaction(logger: logger, body) }
}
