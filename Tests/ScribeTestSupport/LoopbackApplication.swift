import Foundation
import Hummingbird

/// Runs `router` as a server on `host:port` until `body` returns, once `GET probePath` answers
/// 200: the remote services tests stand up on loopback (fediverse peers, Stripe's API).
func withLoopbackApplication<Result: Sendable>(
    _ router: Router<BasicRequestContext>,
    host: String,
    port: Int,
    probePath: String,
    _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    let application = Application(router: router, configuration: .init(address: .hostname(host, port: port)))
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await application.runService(gracefulShutdownSignals: []) }
        guard
            try await eventually(
                timeout: .seconds(30),
                { (try? await LoopbackHTTP.send(port: port, method: "GET", path: probePath, body: nil, host: host))?.status == 200 }
            )
        else { throw POSIXError(.ETIMEDOUT) }
        do {
            let result = try await body()
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}
