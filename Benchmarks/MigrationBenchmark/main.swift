// How long each migration that changes a table which grows without bound takes with a million
// rows in it, and how long it stops reads of that table (limit: 1 s). Not a test: it prints
// each figure beside its limit. docs/operations.md keeps the latest.
//
//     scripts/bench migrations [rows]
//
// For each case it makes a fresh database in a private PostgreSQL cluster (or DATABASE_URL's
// server), applies every migration before the one measured, fills the table with `rows` rows as
// they were at that point, and then applies the migration with Scribe's own Migrator while
// another connection reads the table without a pause. The longest of those reads is how long
// the migration kept readers out.

import Foundation
import Logging
import PostgresNIO
import ScribeStorage

let rows = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 1_000_000
let readLimit: Duration = .seconds(1)
let logger: Logger = {
    var logger = Logger(label: "benchmark")
    logger.logLevel = .warning
    return logger
}()

/// One migration, the table it changes, how to fill that table as it was before, and a read of it.
struct Case {
    var migration: String
    var table: String
    var fill: String
    var read: String
}

let events = """
    INSERT INTO core.events (type, subject_kind, subject_id, payload)
    SELECT CASE n % 3 WHEN 0 THEN 'ItemPublished' WHEN 1 THEN 'ItemUpdated' ELSE 'UserUpdated' END,
        CASE n % 3 WHEN 2 THEN 'user' ELSE 'character' END, md5('subject' || n % 50000)::uuid,
        jsonb_build_object('name', 'Item ' || n, 'visibility', 'public')
    FROM generate_series(1, $1) AS n
    """
let listings = """
    INSERT INTO marketplace.listings (item_id, kind, owner_id, creator, name, tagline, tags, published_at, updated_at, download_count)
    SELECT md5('item' || n)::uuid, CASE WHEN n % 7 = 0 THEN 'lorebook' ELSE 'character' END, md5('owner' || (n % 5000))::uuid,
        'creator' || (n % 5000), 'Character ' || n, 'A generated character, number ' || n || '.',
        ARRAY['tag' || n % 40, 'tag' || n % 13], now() - n * interval '7 seconds', now() - n * interval '3 seconds', n % 1000
    FROM generate_series(1, $1) AS n
    """
let inbox = """
    INSERT INTO social.inbox_activities (activity_id, actor_id, type, document, state)
    SELECT 'https://remote.example/activities/' || n, 'https://remote.example/users/u' || n % 10000, 'Like',
        jsonb_build_object('type', 'Like', 'object', 'https://us.example/characters/' || n % 1000), 'processed'
    FROM generate_series(1, $1) AS n
    """
let notifications = """
    INSERT INTO social.notifications (user_id, kind, actor_id, object_id)
    SELECT md5('user' || n % 20000)::uuid, (ARRAY['follow', 'like', 'boost', 'comment', 'mention'])[1 + n % 5],
        'https://remote.example/users/u' || n % 10000, 'https://us.example/characters/' || n % 1000
    FROM generate_series(1, $1) AS n
    """
let accountSettings = """
    INSERT INTO social.account_settings (user_id) SELECT md5('user' || n)::uuid FROM generate_series(1, $1) AS n
    """

let cases = [
    Case(
        migration: "core/0004_character_publications",
        table: "core.events",
        fill: events,
        read: "SELECT id FROM core.events ORDER BY id DESC LIMIT 1"
    ),
    Case(migration: "core/0009_item_restrictions", table: "core.events", fill: events, read: "SELECT id FROM core.events ORDER BY id DESC LIMIT 1"),
    Case(migration: "core/0013_event_notes", table: "core.events", fill: events, read: "SELECT id FROM core.events ORDER BY id DESC LIMIT 1"),
    Case(
        migration: "core/0015_event_subjects_announced",
        table: "core.events",
        fill: events,
        read: "SELECT id FROM core.events ORDER BY id DESC LIMIT 1"
    ),
    Case(
        migration: "marketplace/0005_moderation_and_sales",
        table: "marketplace.listings",
        fill: listings,
        read: "SELECT item_id FROM marketplace.listings ORDER BY published_at DESC LIMIT 1"
    ),
    Case(
        migration: "marketplace/0007_forks",
        table: "marketplace.listings",
        fill: listings,
        read: "SELECT item_id FROM marketplace.listings ORDER BY published_at DESC LIMIT 1"
    ),
    Case(
        migration: "social/0004_inbox_leases",
        table: "social.inbox_activities",
        fill: inbox,
        read: "SELECT seq FROM social.inbox_activities ORDER BY seq DESC LIMIT 1"
    ),
    Case(
        migration: "social/0006_quote_authorizations",
        table: "social.notifications",
        fill: notifications,
        read: "SELECT seq FROM social.notifications ORDER BY seq DESC LIMIT 1"
    ),
    Case(
        migration: "social/0007_profile_discovery_and_pins",
        table: "social.account_settings",
        fill: accountSettings,
        read: "SELECT user_id FROM social.account_settings LIMIT 1"
    ),
    Case(
        migration: "social/0009_account_moved_at",
        table: "social.account_settings",
        fill: accountSettings,
        read: "SELECT user_id FROM social.account_settings LIMIT 1"
    ),
]

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Reads with `sql` one after another until `stop` is set; returns the longest read.
final class Reader: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    var isStopped: Bool { lock.withLock { stopped } }
    func stop() { lock.withLock { stopped = true } }
}

func measure(_ benchmark: Case, catalog: MigrationCatalog, on server: DatabaseLocation) async throws {
    guard let index = catalog.migrations.firstIndex(where: { $0.identifier == benchmark.migration }) else {
        fatalError("no migration \(benchmark.migration)")
    }
    let name = "scribe_migration_benchmark_\(UInt32.random(in: 0...UInt32.max))"
    try await Database.createDatabase(name, on: server)
    let database = server.with(database: name)
    try await Migrator(catalog: MigrationCatalog(migrations: Array(catalog.migrations[..<index])), logger: logger).migrate(database)
    try await Database.withConnection(to: database, timeoutSeconds: 30) { connection in
        try await connection.query(PostgresQuery(unsafeSQL: benchmark.fill.replacingOccurrences(of: "$1", with: String(rows))), logger: logger)
        try await connection.query(PostgresQuery(unsafeSQL: "VACUUM ANALYZE \(benchmark.table)"), logger: logger)
    }
    let reader = Reader()
    let reads = Task { () -> (Duration, Int) in
        try await Database.withConnection(to: database, timeoutSeconds: 30) { connection in
            var longest: Duration = .zero
            var count = 0
            while !reader.isStopped {
                let start = ContinuousClock.now
                try await connection.query(PostgresQuery(unsafeSQL: benchmark.read), logger: logger)
                longest = max(longest, ContinuousClock.now - start)
                count += 1
            }
            return (longest, count)
        }
    }
    try await Task.sleep(for: .milliseconds(200))
    let start = ContinuousClock.now
    try await Migrator(catalog: MigrationCatalog(migrations: Array(catalog.migrations[...index])), logger: logger).migrate(database)
    let took = ContinuousClock.now - start
    try await Task.sleep(for: .milliseconds(200))
    reader.stop()
    let (longest, count) = try await reads.value
    let verdict = longest <= readLimit ? "met" : "NOT MET"
    print(
        benchmark.migration.padding(toLength: 40, withPad: " ", startingAt: 0),
        benchmark.table.padding(toLength: 26, withPad: " ", startingAt: 0),
        String(
            format: "migration %6.2f s   longest read %6.3f s (limit %.0f s, %@)   %d reads",
            seconds(took),
            seconds(longest),
            seconds(readLimit),
            verdict,
            count
        )
    )
    try await Database.dropDatabase(name, on: server)
}

func run(on server: DatabaseLocation) async throws {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("schemas/migrations").path
    let catalog = try MigrationCatalog(directory: directory)
    print("Migration benchmark — \(rows) rows in the table each migration changes; reads must never wait more than \(seconds(readLimit)) s")
    for benchmark in cases { try await measure(benchmark, catalog: catalog, on: server) }
}

if let url = ProcessInfo.processInfo.environment["DATABASE_URL"] {
    try await run(on: try DatabaseLocation(url: url))
} else {
    let directory = NSTemporaryDirectory() + "scribe-migration-benchmark-\(UUID().uuidString.prefix(8))"
    let cluster = EmbeddedCluster(dataDirectory: directory, logger: logger)
    try await cluster.start()
    do {
        try await run(on: cluster.location)
        try await cluster.stop()
    } catch {
        try? await cluster.stop()
        throw error
    }
    try? FileManager.default.removeItem(atPath: directory)
}
