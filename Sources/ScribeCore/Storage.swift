import Logging
import PostgresNIO
import ScribeStorage

/// Runs a database step for Core, turning a database failure into ``CoreError`` so callers see
/// one error type. The failure's detail goes to the log, not to the caller.
func run<Result>(_ step: () async throws -> Result) async throws(CoreError) -> Result {
    do {
        return try await step()
    } catch let error as CoreError {
        throw error
    } catch let error as PostgresTransactionError {
        if let coreError = error.closureError as? CoreError { throw coreError }
        Logger(label: "scribe.core").error("database step failed", metadata: ["reason": .string(Database.reason(error))])
        throw CoreError(.unavailable, "The database could not complete the operation; try again shortly.")
    } catch {
        Logger(label: "scribe.core").error("database step failed", metadata: ["reason": .string(Database.reason(error))])
        throw CoreError(.unavailable, "The database could not complete the operation; try again shortly.")
    }
}

/// Runs `body` in a transaction on `pool`, with ``run(_:)``'s error handling.
func transaction<Result: Sendable>(
    on pool: PostgresClient, logger: Logger, _ body: nonisolated(nonsending) (PostgresConnection) async throws -> sending Result
) async throws(CoreError) -> Result {
    try await run { try await pool.withTransaction(logger: logger, body) }
}
