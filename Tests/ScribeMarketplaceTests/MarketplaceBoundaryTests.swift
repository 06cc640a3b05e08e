import Foundation
import PostgresNIO
import ScribeContracts
import ScribeCore
import ScribeMarketplace
import ScribeStorage
import ScribeTestSupport
import Testing

@Suite("Marketplace stays inside its boundaries")
struct MarketplaceBoundaryTests {
    let logger = TestLogger.make("marketplace")

    @Test("its storage check passes on a migrated database")
    func storageIsReachable() async throws {
        try await withTestPools { database in
            let module = MarketplaceModule(core: CoreModule(database: database, logger: logger), database: database, logger: logger)
            try await module.checkStorage()
        }
    }

    @Test("its role cannot read Core's tables: it must go through CoreAPI")
    func cannotReadCoreTables() async throws {
        try await withTestPools { database in
            let module = MarketplaceModule(core: CoreModule(database: database, logger: logger), database: database, logger: logger)
            do {
                try await module.pool.query("SELECT id FROM core.events", logger: logger)
                Issue.record("the marketplace role read core.events")
            } catch let error as PSQLError {
                #expect(error.serverInfo?[.sqlState] == "42501")
            }
        }
    }

    @Test("it reads Core's event log through CoreAPI")
    func readsEventsThroughCoreAPI() async throws {
        try await withTestPools { database in
            let core = CoreModule(database: database, logger: logger)
            try await database.pool(for: .core).withTransaction(logger: logger) { connection in
                try await core.eventLog.append(.itemPublished, itemKind: .character, itemID: UUID(), on: connection)
            }
            let module = MarketplaceModule(core: core, database: database, logger: logger)
            #expect(try await module.core.events(after: 0, limit: 10).count == 1)
        }
    }
}
