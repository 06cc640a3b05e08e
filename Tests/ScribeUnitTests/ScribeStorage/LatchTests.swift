import ScribeStorage
import Testing

/// The gate the module pools open through: every waiter is released exactly once, by the
/// opening, the failure, or its own cancellation, whichever comes first.
@Suite("Latch")
struct LatchTests {
    struct Refused: Error, Equatable {}

    @Test("waiters before the opening are released by it; a wait afterwards returns at once")
    func opens() async throws {
        let latch = Latch()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { try await latch.wait() } }
            try await Task.sleep(for: .milliseconds(20))
            latch.open()
            try await group.waitForAll()
        }
        try await latch.wait()
        latch.fail(Refused())
        try await latch.wait()
    }

    @Test("a failure reaches every waiter, before and after it, and a later opening changes nothing")
    func fails() async throws {
        let latch = Latch()
        let early = Task { try await latch.wait() }
        try await Task.sleep(for: .milliseconds(20))
        latch.fail(Refused())
        latch.open()
        await #expect(throws: Refused.self) { try await early.value }
        await #expect(throws: Refused.self) { try await latch.wait() }
    }

    @Test("a cancelled waiter stops waiting; the others still open with the latch")
    func cancellation() async throws {
        let latch = Latch()
        let cancelled = Task { try await latch.wait() }
        let patient = Task { try await latch.wait() }
        try await Task.sleep(for: .milliseconds(20))
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        latch.open()
        try await patient.value
        let alreadyCancelled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await Latch().wait()
        }
        await #expect(throws: CancellationError.self) { try await alreadyCancelled.value }
    }
}
