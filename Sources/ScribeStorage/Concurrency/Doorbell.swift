import Foundation

/// Wakes a process's workers as soon as there is work, instead of at their next poll: rung by
/// the code that queues work in this process, and by ``DatabaseNotifications`` for work any
/// process commits.
///
/// A ring wakes every task waiting at that moment; rung while nobody waits, it is kept for the
/// first wait that follows, and only that one. So each loop that must not miss a ring waits on a
/// bell of its own.
public actor Doorbell {
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    private var rung = false

    public init() {}

    public func ring() {
        rung = true
        for waiter in waiters.values { waiter.resume() }
        waiters.removeAll()
    }

    /// Returns when rung (at once if rung since the last wait), after `timeout`, or when the
    /// waiting task is cancelled. Every waiter is resumed exactly once, whichever comes first.
    public func wait(timeout: Duration) async {
        if rung {
            rung = false
            return
        }
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                guard !Task.isCancelled else { return continuation.resume() }
                waiters[id] = continuation
                Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    await self?.wake(id)
                }
            }
        } onCancel: {
            Task { [weak self] in await self?.wake(id) }
        }
        rung = false
    }

    private func wake(_ id: UUID) {
        waiters.removeValue(forKey: id)?.resume()
    }
}
