import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs `server` (a Scribe application, its pools and workers) on `host:port` until `body`
/// returns, then stops it by graceful shutdown, as SIGTERM stops `scribe serve`: the workers end
/// before the pools close.
///
/// Guarantees, so that one test's trouble never becomes a hung run:
/// - `body` starts only once this server answers `GET /readyz` with 200, and a server that ends
///   before that (a port taken after all) is reported at once with its error, never mistaken for
///   whatever else answers on the port.
/// - A request still in flight 30 s after the stop began is cancelled, as ``ServerConfiguration``'s
///   shutdown grace does in production: a stop never waits forever.
func serving<Result: Sendable>(
    _ server: some Service,
    host: String,
    port: Int,
    logger: Logger,
    _ body: () async throws -> Result
) async throws -> Result {
    var configuration = ServiceGroupConfiguration(services: [server], logger: logger)
    configuration.maximumGracefulShutdownDuration = .seconds(30)
    let services = ServiceGroup(configuration: configuration)
    let ended = ServerEnd()
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            do {
                try await services.run()
                ended.record(ServerStoppedEarly())
            } catch {
                ended.record(error)
                throw error
            }
        }
        // Generous: the whole suite starts at once on two cores.
        let ready = try await eventually(timeout: .seconds(180)) {
            if let error = ended.error { throw error }
            return (try? await LoopbackHTTP.send(port: port, method: "GET", path: "/readyz", body: nil, timeout: .seconds(5), host: host))?.status
                == 200
        }
        guard ready, ended.error == nil else {
            await services.triggerGracefulShutdown()
            throw ended.error ?? POSIXError(.ETIMEDOUT)
        }
        do {
            let result = try await body()
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            return result
        } catch {
            await services.triggerGracefulShutdown()
            throw error
        }
    }
}

/// How a server task ended, if it has: read by the task waiting for it to become ready.
private final class ServerEnd: Sendable {
    private let ending = Mutex<(any Error)?>(nil)

    var error: (any Error)? { ending.withLock { $0 } }

    func record(_ error: any Error) {
        ending.withLock { $0 = $0 ?? error }
    }
}

/// A server that returned without an error before it was ready.
private struct ServerStoppedEarly: Error {}
