import Foundation
import ScribeStorage
import ScribeTestFixtures
import Testing

@Suite("Reading migration files")
struct MigrationCatalogTests {
    @Test("the project's migrations load, module by module, in version order")
    func loadsProjectMigrations() throws {
        let catalog = try MigrationCatalog(directory: TestPaths.migrationsDirectory)
        let schemas = catalog.migrations.map(\.schema)
        #expect(Set(schemas) == Set(ModuleSchema.all))
        let order = ModuleSchema.all
        let keys = catalog.migrations.map { order.firstIndex(of: $0.schema)! * 100_000 + $0.version }
        #expect(keys == keys.sorted())
        #expect(catalog.migrations.first?.identifier == "core/0001_event_log")
    }

    @Test("rejects a badly named file, a duplicate version and a folder that is no module")
    func rejectsMalformedFolders() throws {
        for (folder, file) in [("core", "first.sql"), ("nonsense", "0001_x.sql")] {
            let root = try temporaryMigrations([(folder, file, "SELECT 1;")])
            #expect(throws: StorageError.self) { try MigrationCatalog(directory: root) }
        }
        let duplicated = try temporaryMigrations([("core", "0001_a.sql", "SELECT 1;"), ("core", "0001_b.sql", "SELECT 2;")])
        #expect(throws: StorageError.self) { try MigrationCatalog(directory: duplicated) }
        #expect(throws: StorageError.self) { try MigrationCatalog(directory: "/nonexistent/migrations") }
    }
}
