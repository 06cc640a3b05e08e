import Logging
import ScribeCore
import ServiceLifecycle

/// Deletes expired sessions every `interval`, so an expired session's wrapped DEK does not
/// outlive it even if its token is never presented again. Several processes may sweep at once:
/// the deletion is idempotent. It stops at the server's graceful shutdown.
struct SessionSweeper: Service {
    let accounts: Accounts
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            // Wait first: at start-up the migrations may not have run yet.
            while (try? await Task.sleep(for: interval)) != nil {
                do {
                    let purged = try await accounts.purgeExpiredSessions()
                    if purged > 0 { logger.info("expired sessions deleted", metadata: ["count": .stringConvertible(purged)]) }
                    let retired = try await accounts.purgeRetiredActorKeys()
                    if retired > 0 { logger.info("retired actor keys deleted", metadata: ["count": .stringConvertible(retired)]) }
                } catch {
                    logger.warning("sweeping expired sessions failed", metadata: ["reason": .string("\(error)")])
                }
            }
        }
    }
}
