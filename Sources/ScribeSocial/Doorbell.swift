/// Wakes this process's workers as soon as there is work, instead of at their next poll. Work
/// queued by other processes is found by polling.
actor Doorbell {
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var rung = false

    func ring() {
        rung = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }

    /// Returns when rung (at once if rung since the last wait) or after `timeout`.
    func wait(timeout: Duration) async {
        if rung {
            rung = false
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.suspend() }
            await group.next()
            group.cancelAll()
            await self.release()
        }
        rung = false
    }

    private func suspend() async {
        await withCheckedContinuation { waiters.append($0) }
    }

    /// Resumes waiters left behind when the timeout won.
    private func release() {
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}
