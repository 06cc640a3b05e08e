import ScribeContracts
import ScribeMarketplace
import ScribeTestSupport
import Testing

@Suite("Marketplace stays inside its boundaries")
struct MarketplaceBoundaryTests {
    @Test("its storage check passes on a migrated database")
    func storageIsReachable() async throws {
        try await withTestModules { try await $0.marketplace.checkStorage() }
    }

    @Test("its role cannot read Core's tables: it must go through CoreAPI")
    func cannotReadCoreTables() async throws {
        try await withTestModules { application in
            #expect(await sqlState(of: "SELECT id FROM core.events", on: application.marketplace.pool) == "42501")
        }
    }

    @Test("it reads Core's event log through CoreAPI")
    func readsEventsThroughCoreAPI() async throws {
        try await withTestModules { application in
            let position = try await recordTestEvent(in: application.core, database: application.database)
            #expect(try await application.marketplace.core.events(after: 0, limit: 10).map(\.id) == [position])
        }
    }
}
