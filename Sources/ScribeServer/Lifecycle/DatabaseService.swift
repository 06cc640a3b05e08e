import ScribeStorage
import ServiceLifecycle

/// Runs the process's database pools for the life of the server: the pending migrations first,
/// then the module pools (``Database/run(applying:)``). Services that query wait for it with
/// ``Database/waitUntilOpen()``; the HTTP port opens after it too.
struct DatabaseService: Service {
    let database: Database
    let migrator: Migrator

    func run() async throws {
        try await database.run(applying: migrator)
    }
}
