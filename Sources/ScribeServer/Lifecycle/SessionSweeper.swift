import Logging
import ScribeCore
import ScribeStorage
import ServiceLifecycle

/// Deletes expired sessions every `interval`, so an expired session's wrapped DEK does not
/// outlive it even if its token is never presented again. Several processes may sweep at once:
/// the deletion is idempotent. It stops at the server's graceful shutdown.
struct SessionSweeper: Service {
    let accounts: Accounts
    let database: Database
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            guard (try? await database.waitUntilOpen()) != nil else { return }
            while (try? await Task.sleep(for: interval)) != nil {
                do {
                    let purged = try await accounts.purgeExpiredSessions()
                    if purged > 0 { logger.info("expired sessions deleted", metadata: ["count": .stringConvertible(purged)]) }
                    let retired = try await accounts.purgeRetiredActorKeys()
                    if retired > 0 { logger.info("retired actor keys deleted", metadata: ["count": .stringConvertible(retired)]) }
                } catch {
                    if Database.isCancellation(error) { return }
                    logger.warning("sweeping expired sessions failed", metadata: ["reason": .string("\(error)")])
                }
            }
        }
    }
}
