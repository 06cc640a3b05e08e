// Search and browse latency over 100,000 listings: the marketplace's performance goal (p95 of a
// filtered search under 20 ms, of a browse page under 10 ms). Not a test: it prints figures.
//
//     swift run -c release marketplace-benchmark [listings] [queries-per-case]
//
// It starts a private PostgreSQL cluster in a temporary directory (or uses DATABASE_URL),
// migrates a fresh database, fills `marketplace.listings` with a deterministic generator
// (below), and times `ListingSearch` as the server calls it. Record results in docs/benchmarks.md.

import Foundation
import Logging
import PostgresNIO
import ScribeContracts
import ScribeMarketplace
import ScribeStorage

let arguments = CommandLine.arguments.dropFirst()
let listingCount = arguments.first.flatMap(Int.init) ?? 100_000
let queriesPerCase = arguments.dropFirst().first.flatMap(Int.init) ?? 300
let logger: Logger = {
    var logger = Logger(label: "benchmark")
    logger.logLevel = .warning
    return logger
}()

/// The generator: names from two word lists and 3–5 tags from 40, each picked by an MD5 of the
/// item number (so words and tags are independent), a sixth nsfw, counts and times spread
/// deterministically (setseed), so every run builds the same data. It ends with what autovacuum
/// does to a live table, so the queries meet the steady state, not the dead rows of the load.
let generator = """
    SELECT setseed(0.42);
    INSERT INTO marketplace.listings (item_id, kind, owner_id, creator, name, tagline, tags, content_rating, published_at, updated_at,
        download_count, rating_count, rating_sum, trend, token_estimate)
    SELECT md5('item' || n)::uuid, CASE WHEN n % 7 = 0 THEN 'lorebook' ELSE 'character' END, md5('owner' || (n % 5000))::uuid,
        'creator' || (n % 5000),
        (ARRAY['Marsh','Iron','Velvet','Crimson','Silent','Golden','Hollow','Starlit','Frozen','Wild'])[1 + get_byte(decode(md5('a' || n), 'hex'), 0) % 10] || ' '
            || (ARRAY['Witch','Knight','Pilot','Oracle','Thief','Dragon','Detective','Bard','Queen','Ghost'])[1 + get_byte(decode(md5('b' || n), 'hex'), 0) % 10]
            || ' ' || n,
        'A generated character, number ' || n || '.',
        ARRAY(SELECT DISTINCT 'tag' || (get_byte(decode(md5(n || ':' || k), 'hex'), 0) % 40) FROM generate_series(1, 3 + n % 3) AS k),
        CASE WHEN n % 6 = 0 THEN 'nsfw' ELSE 'sfw' END,
        now() - (n % 100000) * interval '37 seconds', now() - (n % 50000) * interval '11 seconds',
        (random() * 1000)::int, (random() * 50)::int, 0, random() * 10, 1000
    FROM generate_series(1, $1) AS n;
    UPDATE marketplace.listings SET rating_sum = rating_count * (1 + (get_byte(decode(md5(item_id::text), 'hex'), 0) % 5));
    VACUUM ANALYZE marketplace.listings;
    """

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

func measure(_ name: String, _ search: ListingSearch, _ makeQuery: (Int) throws -> ListingQuery) async throws {
    var times: [Double] = []
    for index in 0..<(queriesPerCase + 20) {
        let query = try makeQuery(index)
        let start = ContinuousClock.now
        let page = try await search.search(query)
        let elapsed = ContinuousClock.now - start
        guard !page.listings.isEmpty else { fatalError("\(name) found nothing for \(query)") }
        if index >= 20 { times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000) }
    }
    print(
        name.padding(toLength: 52, withPad: " ", startingAt: 0),
        String(format: "p50 %6.2f ms   p95 %6.2f ms   p99 %6.2f ms", percentile(times, 0.5), percentile(times, 0.95), percentile(times, 0.99))
    )
}

func run(on location: DatabaseLocation) async throws {
    let name = "scribe_benchmark_\(UInt32.random(in: 0...UInt32.max))"
    try await Database.createDatabase(name, on: location)
    let database = location.with(database: name)
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("schemas/migrations").path
    try await Migrator(catalog: try MigrationCatalog(directory: directory), logger: logger).migrate(database)
    try await Database(location: database, connectionsPerModule: 2, logger: logger).withRunningPools { pools in
        let started = ContinuousClock.now
        for statement in SQLScript.statements(in: generator.replacingOccurrences(of: "$1", with: String(listingCount))) {
            try await pools.owner.query(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
        print("Marketplace benchmark — \(listingCount) listings generated in \(ContinuousClock.now - started), \(queriesPerCase) queries per case")
        let search = ListingSearch(pool: pools.pool(for: .marketplace), logger: logger)
        let words = ["witch", "knight", "pilot", "oracle", "dragon", "ghost", "bard", "queen"]
        try await measure("search: q + tag, relevance", search) {
            try ListingQuery.parse([("q", words[$0 % words.count]), ("tag", "tag\($0 % 40)")])
        }
        try await measure("search: q with a typo, relevance", search) { _ in try ListingQuery.parse([("q", "drgaon")]) }
        try await measure("search: tag + exclude + kind, top", search) {
            try ListingQuery.parse([("tag", "tag\($0 % 40)"), ("exclude_tag", "tag\(($0 + 7) % 40)"), ("kind", "character"), ("sort", "top")])
        }
        try await measure("browse: newest, first page", search) { _ in try ListingQuery.parse([]) }
        try await measure("browse: trending, first page", search) { _ in try ListingQuery.parse([("sort", "trending")]) }
        try await measure("browse: downloads, by creator", search) {
            try ListingQuery.parse([("creator", "creator\($0 % 5000)"), ("sort", "downloads"), ("rating", "all")])
        }
        let firstPage = try await search.search(ListingQuery.parse([("sort", "updated")]))
        try await measure("browse: updated, next page by cursor", search) { _ in
            try ListingQuery.parse([("sort", "updated"), ("cursor", firstPage.nextCursor ?? "")])
        }
    }
}

if let url = ProcessInfo.processInfo.environment["DATABASE_URL"] {
    try await run(on: try DatabaseLocation(url: url))
} else {
    let directory = NSTemporaryDirectory() + "scribe-benchmark-\(UUID().uuidString.prefix(8))"
    let cluster = EmbeddedCluster(dataDirectory: directory, logger: logger)
    try await cluster.start()
    do {
        try await Database.createDatabase(cluster.location.database, on: cluster.location)
        try await run(on: cluster.location)
        try await cluster.stop()
    } catch {
        try? await cluster.stop()
        throw error
    }
    try? FileManager.default.removeItem(atPath: directory)
}
