import ServiceLifecycle
import Synchronization

/// Whether this process has begun to stop. Set once, by ``DrainBeforeStop``; read by every
/// `/readyz` answer.
final class StopNotice: Sendable {
    private let begun = Atomic(false)

    var hasBegun: Bool { begun.load(ordering: .relaxed) }

    func begin() { begun.store(true, ordering: .relaxed) }
}

/// The first step of a stop. When SIGTERM or SIGINT arrives, `/readyz` answers 503 at once,
/// and the server goes on serving every request for `period` before the HTTP server stops
/// accepting. A load balancer polling `/readyz` takes the process out of rotation in that time.
/// So a rolling restart behind one sends no request to a closed port, and closes no keep-alive
/// connection under a request.
///
/// It runs as the last service of the process's group, because a group stops its services in
/// reverse order, each once the one after it has returned: this one ends its run after the
/// period, and only then does the application begin its own graceful shutdown.
struct DrainBeforeStop: Service {
    let notice: StopNotice
    let period: Duration

    func run() async throws {
        // Returns when a graceful shutdown begins; throws if the group is cancelled instead.
        try await gracefulShutdown()
        notice.begin()
        if period > .zero { try await Task.sleep(for: period) }
    }
}
