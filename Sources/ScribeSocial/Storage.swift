import Logging
import PostgresNIO
import ScribeStorage

/// Runs a database step for Social, turning a database failure into ``SocialError`` so callers
/// see one error type; the failure's detail goes to the log, not to the caller.
func run<Result>(_ logger: Logger, _ step: () async throws -> Result) async throws(SocialError) -> Result {
    do {
        return try await step()
    } catch let error as SocialError {
        throw error
    } catch let error as PostgresTransactionError {
        if let socialError = error.closureError as? SocialError { throw socialError }
        logger.error("database step failed", metadata: ["reason": .string(Database.reason(error))])
        throw SocialError(.unavailable, "The database could not complete the operation; try again shortly.")
    } catch {
        logger.error("database step failed", metadata: ["reason": .string(Database.reason(error))])
        throw SocialError(.unavailable, "The database could not complete the operation; try again shortly.")
    }
}

/// Runs `body` in a transaction on `pool`, with ``run(_:_:)``'s error handling.
func transaction<Result: Sendable>(
    on pool: PostgresClient, logger: Logger, _ body: nonisolated(nonsending) (PostgresConnection) async throws -> sending Result
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
