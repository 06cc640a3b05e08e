import Logging
import PostgresNIO
import ScribeStorage

/// Runs a database step for Social: callers see ``SocialError`` only.
func run<Result>(_ logger: Logger, _ step: () async throws -> Result) async throws(SocialError) -> Result {
    try await runDatabaseStep(
        logger: logger,
        unavailable: SocialError(.unavailable, "The database could not complete the operation; try again shortly."),
        rejected: SocialError(.invalidInput, "The input holds a value that cannot be stored, such as a NUL character."),
        step
    )
}

/// Runs `body` in a transaction on `pool`, with ``run(_:_:)``'s error handling.
func transaction<Result: Sendable>(
    on pool: PostgresClient,
    logger: Logger,
    _ body: nonisolated(nonsending) (PostgresConnection) async throws -> sending Result
) async throws(SocialError) -> Result {
    try await run(logger) { try await pool.withTransaction(logger: logger, body) }
}

/// Decodes a row, a mismatch being a bug in our own schema.
func decode<each Column: PostgresDecodable>(_ row: PostgresRow, as type: (repeat each Column).Type) throws(SocialError) -> (repeat each Column) {
    do {
        return try row.decode(type)
    } catch {
        throw SocialError(.unavailable, "a stored row could not be read")
    }
}
