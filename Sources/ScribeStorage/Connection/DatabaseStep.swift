import Logging
import PostgresNIO

/// Runs one of a module's database steps so that callers see only the module's own error type:
/// the module's errors pass through (also when thrown inside a transaction), and any other
/// failure is logged here, with its cause, and becomes `unavailable` — which says nothing about
/// the database to the caller.
public func runDatabaseStep<Result, Failure: Error>(
    logger: Logger, unavailable: @autoclosure () -> Failure, _ step: () async throws -> Result
) async throws(Failure) -> Result {
    do {
        return try await step()
    } catch let error as Failure {
        throw error
    } catch let error as PostgresTransactionError {
        if let failure = error.closureError as? Failure { throw failure }
        logger.error("database step failed", metadata: ["reason": .string(Database.reason(error))])
        throw unavailable()
    } catch {
        logger.error("database step failed", metadata: ["reason": .string(Database.reason(error))])
        throw unavailable()
    }
}
