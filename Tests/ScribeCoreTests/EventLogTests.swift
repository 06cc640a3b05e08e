import Foundation
import PostgresNIO
import ScribeContracts
import ScribeCore
import ScribeStorage
import ScribeTestSupport
import Testing

@Suite("Core's event log")
struct EventLogTests {
    let logger = TestLogger.make("events")

    @Test("events appended in a transaction are read back in order after a cursor")
    func appendsAndReadsAfterCursor() async throws {
        try await withTestPools { database in
            let core = CoreModule(database: database, masterKeys: .testing, logger: logger)
            let items = (0..<5).map { _ in UUID() }
            let positions = try await database.pool(for: .core).withTransaction(logger: logger) { connection in
                var positions: [Int64] = []
                for item in items {
                    positions.append(try await core.eventLog.append(.itemPublished, subjectKind: .character, subjectID: item, on: connection))
                }
                return positions
            }
            #expect(positions == positions.sorted())
            let all = try await core.events(after: 0, limit: 100)
            #expect(all.map(\.subjectID) == items)
            let rest = try await core.events(after: positions[1], limit: 2)
            #expect(rest.map(\.id) == Array(positions[2...3]))
        }
    }

    @Test("an event appended in a transaction that rolls back never appears")
    func rolledBackEventsVanish() async throws {
        try await withTestPools { database in
            let core = CoreModule(database: database, masterKeys: .testing, logger: logger)
            struct Abort: Error {}
            await #expect(throws: (any Error).self) {
                try await database.pool(for: .core).withTransaction(logger: logger) { connection in
                    try await core.eventLog.append(.itemDeleted, subjectKind: .lorebook, subjectID: UUID(), on: connection)
                    throw Abort()
                }
            }
            let visible = try await core.events(after: 0, limit: 10)
            #expect(visible.isEmpty)
        }
    }

    @Test("rejects a negative cursor and a limit outside 1...1000")
    func validatesArguments() async throws {
        try await withTestPools { database in
            let core: any CoreAPI = CoreModule(database: database, masterKeys: .testing, logger: logger)
            for (cursor, limit) in [(-1, 10), (0, 0), (0, 1_001)] {
                do {
                    _ = try await core.events(after: Int64(cursor), limit: limit)
                    Issue.record("accepted cursor \(cursor), limit \(limit)")
                } catch let error as CoreAPIError {
                    #expect(error.code == CoreAPIError.Code.invalidArgument)
                }
            }
        }
    }
}

@Suite("The event log's ordering")
struct EventOrderingTests {
    let logger = TestLogger.make("ordering")

    @Test("events become visible in id order: a later append waits for an earlier one's transaction, so no cursor skips an event")
    func noEventBehindTheCursor() async throws {
        try await withTestPools { database in
            let core = CoreModule(database: database, masterKeys: .testing, logger: logger)
            let (started, release) = AsyncStream<Int64>.makeStream()
            let (proceed, go) = AsyncStream<Void>.makeStream()
            // A slow transaction appends first and waits before committing.
            let slow = Task {
                try await database.pool(for: .core).withTransaction(logger: logger) { connection in
                    release.yield(try await core.eventLog.append(.itemPublished, subjectKind: .character, subjectID: UUID(), on: connection))
                    for await _ in proceed { break }
                }
            }
            var first: Int64 = 0
            for await id in started {
                first = id
                break
            }
            let later = Task {
                try await database.pool(for: .core).withTransaction(logger: logger) { connection in
                    try await core.eventLog.append(.itemPublished, subjectKind: .character, subjectID: UUID(), on: connection)
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await core.events(after: 0, limit: 10).isEmpty)  // the later append is still waiting
            go.yield()
            try await slow.value
            let second = try await later.value
            #expect(first < second)
            #expect(try await core.events(after: 0, limit: 10).map(\.id) == [first, second])
        }
    }
}
