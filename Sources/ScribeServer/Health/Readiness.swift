import Logging
import ScribeContracts
import ScribeCore
import ScribeMarketplace
import ScribeSocial
import ScribeStorage
import Synchronization

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
    /// Set when the process begins to stop: from then on it is not ready, whatever the checks say.
    let stopping: StopNotice
    let logger: Logger

    /// Runs every check at once, each bounded by `timeout`, so a hung database answers "not
    /// ready" within `timeout` instead of holding the probe (whose own deadline is often 10 s).
    func check(timeout: Duration = .seconds(5)) async -> Report {
        if stopping.hasBegun { return Report(status: "stopping", checks: [:]) }
        async let databaseCheck = bounded(timeout) {
            try await core?.checkStorage()
            try await marketplace?.checkStorage()
            try await social?.checkStorage()
            return "ok"
        }
        async let migrationsCheck = bounded(timeout) {
            switch try await migrator.status(database) {
            case .current: "current"
            case .pending(let pending): "pending: \(pending.count)"
            case .diverged: "diverged"
            }
        }
        async let coreCheck = remoteCoreCheck(timeout)
        var checks = ["database": await databaseCheck, "migrations": await migrationsCheck]
        checks["core"] = await coreCheck
        let ready = checks["database"] == "ok" && checks["migrations"] == "current" && (remoteCore == nil || checks["core"] == "ok")
        return Report(status: ready ? "ready" : "not_ready", checks: checks)
    }

    /// Whether Core's internal API answers, where Core runs in another process.
    private func remoteCoreCheck(_ timeout: Duration) async -> String? {
        guard let remoteCore else { return nil }
        return await bounded(timeout) {
            // The cheapest call every service may make: nothing lies after the last event.
            _ = try await remoteCore.events(after: .max, limit: 1)
            return "ok"
        }
    }

    /// The check's answer, or "timeout" once `timeout` has passed, whichever comes first. The
    /// probe never waits for the check itself: a query stuck on a dead connection may ignore
    /// cancellation, so the check runs unstructured and is only told to stop.
    private func bounded(_ timeout: Duration, _ check: @escaping @Sendable () async throws -> String) async -> String {
        let answer = FirstAnswer()
        return await withCheckedContinuation { continuation in
            answer.begin(continuation)
            let work = Task {
                do { answer.give(try await check()) } catch {
                    // Cancelled at its timeout: "timeout" has been answered already.
                    if !Database.isCancellation(error) {
                        logger.warning("readiness check failed", metadata: ["reason": .string(Database.reason(error))])
                    }
                    answer.give("unavailable")
                }
            }
            Task {
                try? await Task.sleep(for: timeout)
                answer.give("timeout")
                work.cancel()
            }
        }
    }
}

/// Resumes a continuation with the first answer given; later ones are dropped.
private final class FirstAnswer: Sendable {
    private let continuation = Mutex<CheckedContinuation<String, Never>?>(nil)

    func begin(_ continuation: CheckedContinuation<String, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func give(_ answer: String) {
        continuation.withLock { pending in
            pending?.resume(returning: answer)
            pending = nil
        }
    }
}
