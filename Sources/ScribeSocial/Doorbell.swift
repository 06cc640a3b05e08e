import Foundation

/// Wakes this process's workers as soon as there is work, instead of at their next poll. Work
/// queued by other processes is found by polling.
actor Doorbell {
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    private var rung = false

    func ring() {
        rung = true
        for waiter in waiters.values { waiter.resume() }
        waiters.removeAll()
    }

    /// Returns when rung (at once if rung since the last wait), after `timeout`, or when the
    /// waiting task is cancelled. Every waiter is resumed exactly once, whichever comes first.
    func wait(timeout: Duration) async {
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
