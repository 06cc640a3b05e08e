import Logging
import ScribeContracts
import ScribeCore
import ScribeMarketplace
import ScribeSocial
import ScribeStorage

/// Whether this process can serve: the database answers for the role of every module this
/// process runs, its schema is exactly what this build's migrations describe, and, where Core
/// runs in another process, Core's internal API answers.
struct Readiness: Sendable {
    struct Report: Encodable, Sendable {
        var status: String
        var checks: [String: String]
        var ready: Bool { status == "ready" }
    }

    let database: Database
    let migrator: Migrator
    let core: CoreModule?
    let marketplace: MarketplaceModule?
    let social: SocialModule?
    /// Core in another process, for roles without it; nil where Core runs here.
    let remoteCore: (any CoreAPI)?
    let logger: Logger

    /// Runs every check, each bounded by `timeout` so a hung database answers "not ready"
    /// promptly instead of holding the probe.
    func check(timeout: Duration = .seconds(5)) async -> Report {
        var checks: [String: String] = [:]
        checks["database"] = await bounded(timeout) {
            try await core?.checkStorage()
            try await marketplace?.checkStorage()
            try await social?.checkStorage()
            return "ok"
        }
        checks["migrations"] = await bounded(timeout) {
            switch try await migrator.status(database) {
            case .current: "current"
            case .pending(let pending): "pending: \(pending.count)"
            case .diverged: "diverged"
            }
        }
        if let remoteCore {
            checks["core"] = await bounded(timeout) {
                // The cheapest call every service may make: nothing lies after the last event.
                _ = try await remoteCore.events(after: .max, limit: 1)
                return "ok"
            }
        }
        let ready = checks["database"] == "ok" && checks["migrations"] == "current" && (remoteCore == nil || checks["core"] == "ok")
        return Report(status: ready ? "ready" : "not_ready", checks: checks)
    }

    private func bounded(_ timeout: Duration, _ check: @escaping @Sendable () async throws -> String) async -> String {
        await withTaskGroup(of: String?.self) { group in
            group.addTask {
                do { return try await check() } catch {
                    logger.warning("readiness check failed", metadata: ["reason": .string(Database.reason(error))])
                    return "unavailable"
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? "timeout"
        }
    }
}
