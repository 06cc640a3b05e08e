import Synchronization

/// A gate that opens once, or fails once, and stays that way: a wait before then suspends, a
/// wait after returns (or throws the failure) at once. A waiting task that is cancelled stops
/// waiting with `CancellationError`, so nothing waits on a latch past its task's life.
package final class Latch: Sendable {
    private enum State {
        case waiting([UInt64: CheckedContinuation<Void, any Error>], next: UInt64)
        case open
        case failed(any Error)
    }

    private let state = Mutex<State>(.waiting([:], next: 0))

    package init() {}

    /// Opens the latch and releases every waiter. Later calls, and a later ``fail(_:)``, change nothing.
    package func open() { settle(.open) }

    /// Fails the latch: every waiter, now and later, gets `error`. After ``open()``, changes nothing.
    package func fail(_ error: any Error) { settle(.failed(error)) }

    /// Returns once the latch is open; throws its failure, or `CancellationError` if the waiting
    /// task is cancelled first.
    package func wait() async throws {
        let id: UInt64? = try state.withLock { state in
            switch state {
            case .open: return nil
            case .failed(let error): throw error
            case .waiting(let waiters, let next):
                state = .waiting(waiters, next: next + 1)
                return next
            }
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let early: Result<Void, any Error>? = state.withLock { state in
                    switch state {
                    case .open: return .success(())
                    case .failed(let error): return .failure(error)
                    case .waiting(var waiters, let next):
                        if Task.isCancelled { return .failure(CancellationError()) }
                        waiters[id] = continuation
                        state = .waiting(waiters, next: next)
                        return nil
                    }
                }
                if let early { continuation.resume(with: early) }
            }
        } onCancel: {
            let cancelled: CheckedContinuation<Void, any Error>? = state.withLock { state in
                guard case .waiting(var waiters, let next) = state, let continuation = waiters.removeValue(forKey: id) else { return nil }
                state = .waiting(waiters, next: next)
                return continuation
            }
            cancelled?.resume(throwing: CancellationError())
        }
    }

    private func settle(_ outcome: State) {
        let waiters: [CheckedContinuation<Void, any Error>] = state.withLock { state in
            guard case .waiting(let waiters, _) = state else { return [] }
            state = outcome
            return Array(waiters.values)
        }
        for waiter in waiters {
            switch outcome {
            case .failed(let error): waiter.resume(throwing: error)
            default: waiter.resume()
            }
        }
    }
}
