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
///   shutdown grace does in production.
/// - The test goes on at most 60 s after that even if the server has still not returned: the
///   whole suite once hung here, every thread idle, after Hummingbird logged "Waiting on child
///   channel: CancellationError()" (two runs in seven, under full load). The server is then left
///   to end on its own and the fact is written to standard error; what the test checked stands.
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
    // Unstructured, so that waiting for it can be given up (a task group always waits).
    let running = Task {
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
        // What kept it from being ready, read before the stop (which ends it too).
        let failure = ended.error ?? POSIXError(.ETIMEDOUT)
        await services.triggerGracefulShutdown()
        await stop(running, port: port)
        throw failure
    }
    let result: Result
    do {
        result = try await body()
    } catch {
        await services.triggerGracefulShutdown()
        await stop(running, port: port)
        throw error
    }
    await services.triggerGracefulShutdown()
    if let failure = await stop(running, port: port) { throw failure }
    return result
}

/// Waits for a stopping server to return, at most 90 s (its 30 s grace and 60 s more).
/// - Returns: the error it ended with, if any; nil also when it did not end in time.
@discardableResult
private func stop(_ running: Task<Void, any Error>, port: Int) async -> (any Error)? {
    let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, any Error>?, Never>) in
        let race = FirstAnswer(continuation)
        Task { race.answer(await running.result) }
        Task {
            try? await Task.sleep(for: .seconds(90))
            race.answer(nil)
        }
    }
    switch outcome {
    case .success: return nil
    case .failure(let error): return error
    case nil:
        FileHandle.standardError.write(
            Data("scribe tests: the server on port \(port) had not stopped 90 s after its stop began; left to end on its own\n".utf8)
        )
        return nil
    }
}

/// Resumes a continuation with the first answer it is given; later ones are dropped.
private final class FirstAnswer<Value: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Value, Never>?>

    init(_ continuation: CheckedContinuation<Value, Never>) { self.continuation = Mutex(continuation) }

    func answer(_ value: Value) {
        continuation.withLock { pending in
            pending?.resume(returning: value)
            pending = nil
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
