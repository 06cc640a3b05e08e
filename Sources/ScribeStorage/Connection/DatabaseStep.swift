import Logging
import PostgresNIO

/// Runs one of a module's database steps so that callers see only the module's own error type:
/// the module's errors pass through (also when thrown inside a transaction); a value PostgreSQL
/// refuses to store (a data exception, SQLSTATE class 22: a NUL character, a number or date out
/// of range) becomes `rejected`, since it came from the caller's input; any other failure is
/// logged here, with its cause, and becomes `unavailable` — which says nothing about the database
/// to the caller.
public func runDatabaseStep<Result, Failure: Error>(
    logger: Logger,
    unavailable: @autoclosure () -> Failure,
    rejected: @autoclosure () -> Failure,
    _ step: () async throws -> Result
) async throws(Failure) -> Result {
    do {
        return try await step()
    } catch let error as Failure {
        throw error
    } catch {
        let cause = (error as? PostgresTransactionError).flatMap { $0.closureError ?? $0.beginError ?? $0.commitError } ?? error
        if let failure = cause as? Failure { throw failure }
        if let state = (cause as? PSQLError)?.serverInfo?[.sqlState], state.hasPrefix("22") {
            logger.notice("the database refused a value", metadata: ["reason": .string(Database.reason(cause))])
            throw rejected()
        }
        // A step called off (its request gone, the server stopping) is no database failure.
        if !Database.isCancellation(error) { logger.error("database step failed", metadata: ["reason": .string(Database.reason(error))]) }
        throw unavailable()
    }
}
