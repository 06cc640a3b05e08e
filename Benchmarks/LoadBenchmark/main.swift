// The federation path under load, each figure beside its limit on the same machine. Not a test:
// it prints figures (docs/benchmarks.md keeps them).
//
//     scripts/bench                      (builds `scribe` and this in release, then runs all cases)
//     .build/release/scribe-bench [idle] [inbox] [reads] [pages] [fanout]     (none of them: the trivial route only)
//
// It starts a private PostgreSQL cluster in a temporary directory, `scribe serve` (the release
// build beside this program) on loopback, and remote servers in this process (PeerFarm). Sizes:
// SCRIBE_BENCH_ACTIVITIES (20000), SCRIBE_BENCH_ACTORS (1000), SCRIBE_BENCH_FOLLOWERS (10000),
// SCRIBE_BENCH_HOSTS (1000), SCRIBE_BENCH_CONCURRENCY (64), SCRIBE_BENCH_READS (20000),
// SCRIBE_BENCH_INBOX_LIMIT (1000000: the server's per-domain rate limit; 0 turns counting off),
// SCRIBE_BENCH_LOG_LEVEL (info, the server's default), SCRIBE_BENCH_IDLE_SECONDS (60). The trivial route is measured beside a bare
// Hummingbird 2 route (`bench-bare-route`) served on the same machine in the same run.

import ActivityPubKit
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix
import PostgresNIO
import ScribeStorage

let environment = ProcessInfo.processInfo.environment
func setting(_ name: String, _ fallback: Int) -> Int { environment[name].flatMap(Int.init) ?? fallback }
let activityCount = setting("SCRIBE_BENCH_ACTIVITIES", 20_000)
let actorCount = setting("SCRIBE_BENCH_ACTORS", 1_000)
let followerCount = setting("SCRIBE_BENCH_FOLLOWERS", 10_000)
let hostCount = setting("SCRIBE_BENCH_HOSTS", 1_000)
let concurrency = setting("SCRIBE_BENCH_CONCURRENCY", 64)
let readCount = setting("SCRIBE_BENCH_READS", 20_000)
let cases = Set(CommandLine.arguments.dropFirst()).isEmpty ? ["idle", "inbox", "reads", "pages", "fanout"] : Set(CommandLine.arguments.dropFirst())
let logger: Logger = {
    var logger = Logger(label: "scribe-bench")
    logger.logLevel = .warning
    return logger
}()
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

func row(_ name: String, _ result: LoadResult, limit: String) {
    print(
        "| \(name) | \(Int(result.perSecond.rounded())) /s | \(String(format: "%.1f", result.percentile(0.5))) ms | "
            + "\(String(format: "%.1f", result.percentile(0.99))) ms | \(result.succeeded)/\(result.requests) | \(limit) |"
    )
}

/// RSA-2048 signatures per second on one core: the delivery path's physical limit.
func rawSigningRate(_ key: SignaturePrivateKey) throws -> Double {
    let message = Data(repeating: 7, count: 300)
    var count = 0
    let started = ContinuousClock.now
    while ContinuousClock.now - started < .seconds(2) {
        _ = try key.signature(for: message)
        count += 1
    }
    return Double(count) / (milliseconds(ContinuousClock.now - started) / 1000)
}

/// A signed POST of `activity` to `inbox`, as `actor` of the farm would send it.
func signedPost(_ activity: ASObject, to inbox: String, keyID: String, key: SignaturePrivateKey) throws -> HTTPClientRequest {
    let body = try activity.encoded()
    let url = URL(string: inbox)!
    var signed = SignedRequest(
        method: "POST",
        path: url.path(),
        authority: "\(url.host()!):\(url.port!)",
        scheme: "http",
        headers: [("Content-Type", ActivityPubMediaType.activityJSON)],
        body: body
    )
    try HTTPSignatureSigner.sign(&signed, keyID: keyID, key: key)
    var request = HTTPClientRequest(url: inbox)
    request.method = .POST
    for (name, value) in signed.headers { request.headers.add(name: name, value: value) }
    request.body = .bytes(ByteBuffer(bytes: body))
    return request
}

func get(_ url: String, accept: String) -> HTTPClientRequest {
    var request = HTTPClientRequest(url: url)
    request.headers.add(name: "Accept", value: accept)
    return request
}

func json(_ response: HTTPClientResponse) async throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(buffer: try await response.body.collect(upTo: 8 << 20))) as? [String: Any] ?? [:]
}

func send(_ client: HTTPClient, _ method: HTTPMethod, _ url: String, token: String? = nil, body: [String: Any]) async throws -> [String: Any] {
    var request = HTTPClientRequest(url: url)
    request.method = method
    request.headers.add(name: "Content-Type", value: "application/json")
    if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
    request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
    return try await json(try await client.execute(request, timeout: .seconds(120)))
}

func count(_ database: DatabaseLocation, _ sql: String) async throws -> Int {
    try await Database.withConnection(to: database) { connection in
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(Int.self).reduce(0, +)
    }
}

/// Starts counting statements afresh (pg_stat_statements, made on first use).
func resetStatements(_ database: DatabaseLocation) async throws {
    try await Database.withConnection(to: database) { connection in
        try await connection.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", logger: logger)
        try await connection.query("SELECT pg_stat_statements_reset()", logger: logger)
    }
}

/// The statements a case cost PostgreSQL, most time first, per unit of its work: the profile
/// beside a rate that misses its goal (pg_stat_statements, reset before the case).
func printStatements(_ database: DatabaseLocation, per units: Int, of unit: String) async throws {
    guard units > 0 else { return }
    try await Database.withConnection(to: database) { connection in
        let rows = try await connection.query(
            """
            SELECT calls::int, total_exec_time::float8, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM pg_stat_statements
            WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC LIMIT 8
            """,
            logger: logger
        )
        var statements = 0
        for try await (calls, milliseconds, query) in rows.decode((Int, Double, String).self) {
            statements += calls
            let per = String(format: "%.2f", Double(calls) / Double(units))
            let mean = String(format: "%.2f", milliseconds / Double(max(calls, 1)))
            print("|   SQL \(per) per \(unit), \(mean) ms each | `\(query.replacingOccurrences(of: "|", with: "/"))` | | | | |")
        }
        let all = try await connection.query(
            "SELECT sum(calls)::int FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'",
            logger: logger
        )
        for try await total in all.decode(Int?.self) {
            print("|   SQL statements in all | \(String(format: "%.1f", Double(total ?? 0) / Double(units))) per \(unit) | | | | |")
        }
    }
}

func run() async throws {
    let directory = NSTemporaryDirectory() + "scribe-bench-\(UUID().uuidString.prefix(8))"
    // pg_stat_statements, for the statements a case costs PostgreSQL.
    let cluster = EmbeddedCluster(
        dataDirectory: directory,
        maxConnections: 200,
        extraSettings: ["shared_preload_libraries = 'pg_stat_statements'"],
        logger: logger
    )
    try await cluster.start()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    do {
        try await Database.createDatabase(cluster.location.database, on: cluster.location)
        try await measure(database: cluster.location, directory: directory)
    } catch {
        try? await cluster.stop()
        throw error
    }
    try await cluster.stop()
}

func measure(database: DatabaseLocation, directory: String) async throws {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency)
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    do {
        try await measure(database: database, directory: directory, client: client)
    } catch {
        try? await client.shutdown()
        throw error
    }
    try await client.shutdown()
}

func measure(database: DatabaseLocation, directory: String, client: HTTPClient) async throws {

    let key = try SignaturePrivateKey.generateRSA()
    let pem = key.publicKey.pem
    let farm = try await PeerFarm.start(count: max(hostCount, 1)) { port, name in
        let id = "http://127.0.0.1:\(port)/users/\(name)"
        var actor: ASObject = [
            "id": .string(id), "type": "Person", "preferredUsername": .string(name), "inbox": .string(id + "/inbox"),
            "followers": .string(id + "/followers"),
        ]
        actor["publicKey"] = ASObject.publicKey(actor: id, pem: pem).embedded
        return (try? actor.document(in: .mastodon).encoded()) ?? Data()
    }

    let port = try freePort()
    let origin = "http://127.0.0.1:\(port)"
    guard case .unixSocket(let socket) = database.endpoint else { fatalError("the benchmark's cluster listens on a socket") }
    let serverURL = "postgres://\(database.username)@/\(database.database)?host=\((socket as NSString).deletingLastPathComponent)"
    // The postmaster, whose backends' CPU is PostgreSQL's share.
    let postmaster =
        Int32((try? String(contentsOfFile: directory + "/postgres/postmaster.pid", encoding: .utf8))?.split(separator: "\n").first ?? "") ?? 0
    let server = try ServerProcess(
        executable: URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("scribe").path,
        environment: [
            "DATABASE_URL": serverURL, "SCRIBE_DATA_DIR": directory + "/scribe", "SCRIBE_BIND": "127.0.0.1:\(port)", "SCRIBE_PUBLIC_URL": origin,
            // The server's default logging (a line per request) unless SCRIBE_BENCH_LOG_LEVEL names another.
            "SCRIBE_ALLOW_PRIVATE_PEERS": "true", "SCRIBE_LOG_LEVEL": environment["SCRIBE_BENCH_LOG_LEVEL"] ?? "info",
            "SCRIBE_MIGRATIONS_DIR": packageRoot + "/schemas/migrations",
            "PATH": environment["PATH"] ?? "/usr/bin:/bin",
            // Every request is still counted for rate limits, but the benchmark's actors share one
            // host, so the per-domain budget is set above what it sends.
            "SCRIBE_RATE_LIMIT_INBOX": environment["SCRIBE_BENCH_INBOX_LIMIT"] ?? "1000000",
            "SCRIBE_RATE_LIMIT_ADDRESS": "1000000", "SCRIBE_RATE_LIMIT_ACCOUNT": "1000000",
        ],
        port: port
    )
    defer { server.stop() }
    for _ in 0..<600 {
        if let response = try? await client.execute(get(origin + "/readyz", accept: "application/json"), timeout: .seconds(2)), response.status == .ok
        {
            break
        }
        try await Task.sleep(for: .milliseconds(200))
    }

    let registered = try await send(
        client,
        .POST,
        origin + "/api/v1/accounts",
        body: ["username": "alice", "email": "alice@example.org", "password": "correct horse battery"]
    )
    guard let token = (registered["session"] as? [String: Any])?["token"] as? String else { fatalError("could not register: \(registered)") }
    func publish(_ name: String) async throws -> String {
        let created = try await send(
            client,
            .POST,
            origin + "/api/v1/characters",
            token: token,
            body: ["card": ["name": name, "description": "A benchmark character."]]
        )
        let id = ((created["character"] as? [String: Any])?["id"] as? String ?? "").lowercased()
        _ = try await send(client, .PUT, origin + "/api/v1/characters/\(id)/visibility", token: token, body: ["sharing_visibility": "public"])
        return id
    }
    let character = try await publish("Lantern Keeper")
    let object = origin + "/characters/" + character
    try await Task.sleep(for: .seconds(2))  // Social publishes it (a Like of an unpublished object is ignored)

    let cores = ProcessInfo.processInfo.activeProcessorCount
    let signing = try rawSigningRate(key)
    print(
        "scribe-bench — \(cores) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB; idle server resident \(String(format: "%.0f", server.memory.resident)) MiB"
    )
    print("raw RSA-2048 sign on one core: \(Int(signing)) /s; on all \(cores): \(Int(signing) * cores) /s\n")
    print("| case | rate | p50 | p99 | succeeded | limit beside it |")
    print("|---|---:|---:|---:|---:|---|")

    // The framework alone, in its own process on this machine, then Scribe's trivial route with its
    // middleware (request log, metrics, errors, rate limits, sessions).
    let barePort = try freePort()
    let bare = try ServerProcess(
        executable: URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("bench-bare-route").path,
        arguments: [String(barePort)],
        environment: [:],
        port: barePort
    )
    for _ in 0..<100 {
        if (try? await client.execute(get("http://127.0.0.1:\(barePort)/healthz", accept: "application/json"), timeout: .seconds(1)))?.status == .ok {
            break
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    let trivialCount = max(readCount, 20_000)
    let bareRate = await load(
        (0..<trivialCount).map { _ in get("http://127.0.0.1:\(barePort)/healthz", accept: "application/json") },
        concurrency: concurrency,
        client: client
    ) { $0 == 200 }
    bare.stop()
    row("GET /healthz, a bare Hummingbird 2 route", bareRate, limit: "—")
    let setUpPeak = server.memory.peak
    let (trivial, trivialPeak) = await sampling(server) {
        await load(
            (0..<trivialCount).map { _ in get(origin + "/healthz", accept: "application/json") },
            concurrency: concurrency,
            client: client
        ) {
            $0 == 200
        }
    }
    let share = trivial.perSecond / max(bareRate.perSecond, 1)
    row(
        "GET /healthz (trivial route), log level \(environment["SCRIBE_BENCH_LOG_LEVEL"] ?? "info")",
        trivial,
        limit: "\(Int((share * 100).rounded()))% of the bare route (goal ≥ 75%); peak \(String(format: "%.0f", trivialPeak)) MiB"
    )
    print(
        "|   server resident, peak while setting up (1,000 remote actors, a published character) | \(String(format: "%.0f", setUpPeak)) MiB | | | | |"
    )

    if cases.contains("idle") {
        // Nothing to do: what the server costs anyway, in CPU (its /proc ticks) and in statements
        // it sends PostgreSQL (pg_stat_statements, reset as the minute begins; the benchmark's
        // own statements about the statistics are left out).
        let seconds = setting("SCRIBE_BENCH_IDLE_SECONDS", 60)
        try await Task.sleep(for: .seconds(5))  // what publishing left to do is done
        try await resetStatements(database)
        let ticksBefore = server.cpuTicks
        try await Task.sleep(for: .seconds(seconds))
        let ticks = server.cpuTicks - ticksBefore
        let statements = try await count(
            database,
            "SELECT coalesce(sum(calls), 0)::int FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'"
        )
        let share = Double(ticks) / Double(ServerProcess.ticksPerSecond) / Double(seconds) * 100
        print(
            "| idle for \(seconds) s | \(String(format: "%.2f", share))% of a core | | | \(statements) statements | goal < 0.5% of a core and no statement |"
        )
        if statements > 0 { try await printStatements(database, per: statements, of: "statement") }
    }

    if cases.contains("inbox") {
        let actorPort = farm.ports[0]
        func actorID(_ index: Int) -> String { "http://127.0.0.1:\(actorPort)/users/a\(index)" }
        let inbox = origin + "/users/alice/inbox"
        // Warm-up: one Like per actor, so every key is fetched and cached before the clock runs.
        let warm = try (0..<actorCount).map { index in
            try signedPost(
                ASObject.activity("Like", id: actorID(index) + "/warm", actor: actorID(index), object: .string(object)).document(in: .mastodon),
                to: inbox,
                keyID: actorID(index) + "#main-key",
                key: key
            )
        }
        let warmed = await load(warm, concurrency: 16, client: client) { $0 == 202 }
        guard warmed.succeeded == actorCount else { fatalError("warm-up: \(warmed.statuses)") }
        // Signed ahead of time: the client shares the machine, and its signing is not the server's work.
        let activities = try (0..<activityCount).map { index -> HTTPClientRequest in
            let actor = actorID(index % actorCount)
            let activity: ASObject
            if index % 2 == 0 {
                activity = ASObject.activity("Like", id: actor + "/likes/\(index)", actor: actor, object: .string(object))
            } else {
                let note: ASObject = [
                    "id": .string(actor + "/notes/\(index)"), "type": "Note", "attributedTo": .string(actor), "inReplyTo": .string(object),
                    "content": .string("<p>Reply \(index)</p>"), "to": ["https://www.w3.org/ns/activitystreams#Public"],
                ]
                activity = ASObject.activity("Create", id: actor + "/notes/\(index)/activity", actor: actor, object: note.embedded)
            }
            return try signedPost(activity.document(in: .mastodon), to: inbox, keyID: actor + "#main-key", key: key)
        }
        let before = try await count(database, "SELECT count(*) FROM social.inbox_activities")
        try await resetStatements(database)
        let began = ContinuousClock.now
        let ((result, peak), cpu) = await CPUShares.measure(server: server, postmaster: postmaster) {
            await sampling(server) { await load(activities, concurrency: concurrency, client: client) { $0 == 202 } }
        }
        let stored = try await count(database, "SELECT count(*) FROM social.inbox_activities") - before
        // Processing goes on after the last 202; the next cases start once it is done.
        var pending = 0
        for _ in 0..<1_200 {
            pending = try await count(database, "SELECT count(*) FROM social.inbox_activities WHERE state = 'pending'")
            if pending == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let processingSeconds = milliseconds(ContinuousClock.now - began) / 1000
        row("POST inbox, signed Like/Create, \(actorCount) actors", result, limit: "goal 5,000 /s; trivial route \(Int(trivial.perSecond)) /s")
        print(
            "|   stored before their 202 | \(stored) rows | | | \(result.succeeded) accepted | every accepted one stored: \(stored >= result.succeeded) |"
        )
        print(
            "|   processed, from the first POST to the last one done | \(Int(Double(stored) / processingSeconds)) /s | | | \(stored - pending)/\(stored) in \(String(format: "%.1f", processingSeconds)) s | |"
        )
        print("|   server resident, peak | \(String(format: "%.0f", peak)) MiB | | | | |")
        print(cpu.row)
        try await printStatements(database, per: result.succeeded, of: "accepted activity")
    }

    if cases.contains("reads") {
        let outbox = try await json(
            try await client.execute(get(origin + "/users/alice/outbox", accept: "application/activity+json"), timeout: .seconds(30))
        )
        let firstPage = outbox["first"] as? String ?? origin + "/users/alice/outbox"
        let authority = "127.0.0.1:\(port)"
        for (name, url, accept) in [
            ("GET actor", origin + "/users/alice", "application/activity+json"),
            ("GET WebFinger", origin + "/.well-known/webfinger?resource=acct:alice@\(authority)", "application/jrd+json"),
            ("GET object (Note)", object, "application/activity+json"),
            ("GET outbox page", firstPage, "application/activity+json"),
        ] {
            let ((result, peak), cpu) = await CPUShares.measure(server: server, postmaster: postmaster) {
                await sampling(server) {
                    await load((0..<readCount).map { _ in get(url, accept: accept) }, concurrency: concurrency, client: client) { $0 == 200 }
                }
            }
            row(name, result, limit: "trivial route \(Int(trivial.perSecond)) /s; peak \(String(format: "%.0f", peak)) MiB")
            print(cpu.row)
        }
    }

    if cases.contains("pages") {
        // What a visitor's browser asks for: the character's page and the marketplace's home.
        for (name, url) in [("GET item page (HTML)", object), ("GET marketplace home (HTML)", origin + "/")] {
            try await resetStatements(database)
            let ((result, peak), cpu) = await CPUShares.measure(server: server, postmaster: postmaster) {
                await sampling(server) {
                    await load((0..<readCount).map { _ in get(url, accept: "text/html") }, concurrency: concurrency, client: client) { $0 == 200 }
                }
            }
            let share = result.perSecond / max(trivial.perSecond, 1)
            row(
                name,
                result,
                limit:
                    "\(String(format: "%.2f", share))× the trivial route \(Int(trivial.perSecond)) /s (goal ≥ 0.50×); peak \(String(format: "%.0f", peak)) MiB"
            )
            print(cpu.row)
            if share < 0.5 { try await printStatements(database, per: result.succeeded, of: "page") }
        }
    }

    if cases.contains("fanout") {
        // Followers straight into Social's tables: `followerCount` actors over `hostCount` hosts,
        // each with an inbox of its own (no shared inbox: one delivery per follower).
        let alice = origin + "/users/alice"
        let perHost = max(1, followerCount / hostCount)
        try await Database.withConnection(to: database) { connection in
            var index = 0
            for hostPort in farm.ports.prefix(hostCount) {
                for _ in 0..<perHost where index < followerCount {
                    let id = "http://127.0.0.1:\(hostPort)/users/f\(index)"
                    try await connection.query(
                        """
                        INSERT INTO social.remote_actors (id, host, inbox, followers, preferred_username, document)
                        VALUES (\(id), \("127.0.0.1:\(hostPort)"), \(id + "/inbox"), \(id + "/followers"), \("f\(index)"), '{}'::jsonb);
                        """,
                        logger: logger
                    )
                    try await connection.query(
                        "INSERT INTO social.follows (follower, followed, state, activity_id, accepted_at) VALUES (\(id), \(alice), 'accepted', \(id + "/follow"), now())",
                        logger: logger
                    )
                    index += 1
                }
            }
        }
        let before = farm.deliveries
        try await resetStatements(database)
        let started = ContinuousClock.now
        let ((_, peak), cpu) = try await CPUShares.measure(server: server, postmaster: postmaster) {
            try await sampling(server) {
                _ = try await publish("Fan-out")
                while farm.deliveries - before < followerCount, ContinuousClock.now - started < .seconds(600) {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
        }
        let seconds = milliseconds(ContinuousClock.now - started) / 1000
        let delivered = farm.deliveries - before
        let rate = Double(delivered) / seconds
        let limit = signing * Double(cores)
        print(
            "| fan-out: 1 post to \(followerCount) followers on \(hostCount) hosts | \(Int(rate)) deliveries/s | | | \(delivered)/\(followerCount) in "
                + "\(String(format: "%.1f", seconds)) s | signing limit \(Int(limit)) /s (\(String(format: "%.0f", rate / limit * 100))%); peak \(String(format: "%.0f", peak)) MiB |"
        )
        print(cpu.row)
        try await printStatements(database, per: delivered, of: "delivery")
    }
    print(
        "\nserver resident at the end \(String(format: "%.0f", server.memory.resident)) MiB (each case's peak is in its row; goal ≤ 150 MiB)"
    )
    await farm.stop()
}

/// A TCP port on 127.0.0.1 nothing listens on now.
func freePort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

try await run()
