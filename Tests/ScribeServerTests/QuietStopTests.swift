import Logging
import ScribeMarketplace
import ScribeServer
import ScribeSocial
import ScribeTestSupport
import Testing

/// A stop is part of normal operation: an operator reads a warning in the log as something to
/// act on, so stopping at any moment must not produce one.
@Suite("Stopping is quiet")
struct QuietStopTests {
    @Test("the workers stopped at any moment, in the middle of a query included, log no warning or error")
    func workersStopQuietly() async throws {
        let recorder = LogRecorder()
        try await withTestModules(logger: recorder.logger("modules", level: .warning)) { application in
            let social = application.social
            let marketplace = application.marketplace
            // Each start runs the inbox, publishing, delivery and listings queries at once; the
            // stops land before, during and after them.
            for attempt in 0..<60 {
                let workers = Task {
                    await withDiscardingTaskGroup { group in
                        group.addTask { await social.runWorkers() }
                        group.addTask { await marketplace.runWorkers(pollInterval: .milliseconds(2)) }
                    }
                }
                try await Task.sleep(for: .microseconds(attempt % 20 * 500))
                workers.cancel()
                await workers.value
            }
        }
        #expect(recorder.records(atLeast: .warning).map(\.description) == [])
    }
}
