import Foundation
import PostgresNIO
import ScribeContracts
import ScribeMarketplace
import ScribeStorage
import ScribeTestSupport
import Testing

/// Records what a handler saw, across tasks.
actor Seen {
    var ids: [Int64] = []
    func add(_ id: Int64) { ids.append(id) }
}

@Suite("Consuming Core's event log from Marketplace's schema")
struct EventConsumerTests {
    static func consumer(_ application: TestModules, name: String = "listings") -> EventConsumer<CoreEvent> {
        EventConsumer(name: name, schema: .marketplace, pool: application.marketplace.pool, position: \.id, logger: TestLogger.make("consumer"))
    }

    static func fetch(_ application: TestModules) -> EventConsumer<CoreEvent>.Fetch {
        { after, limit in try await application.marketplace.core.events(after: after, limit: limit) }
    }

    /// A preparation that gathers nothing.
    static let nothing: @Sendable (CoreEvent) async throws -> Void = { _ in }

    @Test("an event is prepared with no connection held: on a pool of one connection, preparing can still query")
    func preparesWithoutAConnection() async throws {
        try await withTestModules { application in
            for _ in 0..<3 { try await recordTestEvent(in: application.core, database: application.database) }
            let logger = TestLogger.make("consumer")
            try await Database(location: application.database.location, connectionsPerModule: 1, logger: logger).withRunningPools { single in
                let pool = single.pool(for: .marketplace)
                let consumer = EventConsumer<CoreEvent>(name: "single", schema: .marketplace, pool: pool, position: \.id, logger: logger)
                let handled = try await withThrowingTaskGroup(of: Int.self) { group in
                    group.addTask {
                        try await consumer.catchUp(fetch: Self.fetch(application)) { event in
                            // Were the consumer holding the pool's one connection, this would wait for ever.
                            try await pool.query("SELECT \(event.id)", logger: logger).collect().count
                        } apply: { _, rows, _ in
                            #expect(rows == 1)
                        }
                    }
                    group.addTask {
                        // A consumer that held the connection would wait for ever; the generous limit only
                        // ends such a run. CI runs every suite at once on two cores, where 30 s was too short.
                        try await Task.sleep(for: .seconds(120))
                        throw TestTimeout(what: "catching up on a pool of one connection", output: "")
                    }
                    defer { group.cancelAll() }
                    return try await group.next() ?? 0
                }
                #expect(handled == 3)
            }
        }
    }

    @Test("events are handled once each, in order, and a second run finds nothing new")
    func handlesOnce() async throws {
        try await withTestModules { application in
            var recorded: [Int64] = []
            for _ in 0..<5 { recorded.append(try await recordTestEvent(in: application.core, database: application.database)) }
            let seen = Seen()
            let consumer = Self.consumer(application)
            #expect(
                try await consumer.catchUp(fetch: Self.fetch(application), batchSize: 2, prepare: Self.nothing) { event, _, _ in
                    await seen.add(event.id)
                } == 5
            )
            #expect(
                try await consumer.catchUp(fetch: Self.fetch(application), prepare: Self.nothing) { event, _, _ in await seen.add(event.id) } == 0
            )
            #expect(await seen.ids == recorded)
            #expect(try await consumer.cursor() == recorded.last)
        }
    }

    @Test("a failing handler leaves its event unhandled; the next run resumes there")
    func resumesAfterFailure() async throws {
        try await withTestModules { application in
            var positions: [Int64] = []
            for _ in 0..<3 { positions.append(try await recordTestEvent(in: application.core, database: application.database)) }
            let recorded = positions
            struct Boom: Error {}
            let seen = Seen()
            let consumer = Self.consumer(application)
            await #expect(throws: (any Error).self) {
                try await consumer.catchUp(fetch: Self.fetch(application), prepare: Self.nothing) { event, _, _ in
                    if event.id == recorded[1] { throw Boom() }
                    await seen.add(event.id)
                }
            }
            #expect(try await consumer.cursor() == recorded[0])
            try await consumer.catchUp(fetch: Self.fetch(application), prepare: Self.nothing) { event, _, _ in await seen.add(event.id) }
            #expect(await seen.ids == recorded)
        }
    }

    @Test("two runners of one consumer at once handle each event exactly once")
    func concurrentRunners() async throws {
        try await withTestModules { application in
            for _ in 0..<20 { try await recordTestEvent(in: application.core, database: application.database) }
            let seen = Seen()
            let consumer = Self.consumer(application)
            let handled = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await consumer.catchUp(fetch: Self.fetch(application), batchSize: 3, prepare: Self.nothing) { event, _, _ in
                            await seen.add(event.id)
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(handled == 20)
            let ids = await seen.ids
            #expect(ids.count == 20 && Set(ids).count == 20)
        }
    }

    @Test("consumers are independent: each keeps its own cursor")
    func independentConsumers() async throws {
        try await withTestModules { application in
            try await recordTestEvent(in: application.core, database: application.database)
            let first = Self.consumer(application, name: "first")
            try await first.catchUp(fetch: Self.fetch(application), prepare: Self.nothing) { _, _, _ in }
            #expect(try await Self.consumer(application, name: "second").cursor() == 0)
            #expect(try await first.cursor() > 0)
        }
    }
}
