import Foundation
import Hummingbird
import ScribeCore
import ScribeServer
import ScribeStorage
import ScribeTestFixtures
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A whole Scribe server under test: served over real HTTP on its own loopback address, with
/// its own database, workers running, and federation with private peers allowed.
public struct TestInstance: Sendable {
    /// The instance's modules, as its tests reach them directly.
    public let modules: TestModules
    public let publicURL: String
    /// `host:port`, as handles name the server (`alice@127.0.0.2:40123`).
    public let domain: String
    public let port: Int
}

extension TestInstance {
    /// The loopback address it listens on (`127.0.0.2`).
    public var host: String { String(domain.split(separator: ":").first ?? "") }

    /// Signs `username` up through the JSON API, as a browser or app would, and returns the
    /// session token (for `Authorization: Bearer` or the `scribe_session` cookie).
    public func signUp(_ username: String) async throws -> String {
        let reply = try await LoopbackHTTP.send(
            port: port,
            method: "POST",
            path: "/api/v1/accounts",
            headers: [("Content-Type", "application/json")],
            body: Data(#"{"username":"\#(username)","email":"\#(username)@example.org","password":"correct horse battery"}"#.utf8),
            host: host
        )
        guard reply.status == 201, let token = ((try reply.json()["session"]) as? [String: Any])?["token"] as? String else {
            throw SignUpFailed(description: "signing \(username) up answered \(reply.status): \(reply.text)")
        }
        return token
    }
}

/// A sign-up the server refused, with its answer.
public struct SignUpFailed: Error, CustomStringConvertible {
    public let description: String
}

/// Runs `body` with a Scribe instance listening on `host` (any 127.x.y.z address works on Linux,
/// so two instances have different host names) at a free port.
///
/// - Parameters:
///   - flags: settings by environment variable name, over the test defaults (rate limits off).
///   - connectionsPerModule: each module's pool; smaller than a server's by default, since a
///     parallel test run starts many instances on one PostgreSQL.
public func withTestInstance<Result: Sendable>(
    host: String,
    settings: CoreSettings = .testing,
    flags: [String: String] = [:],
    connectionsPerModule: Int = 4,
    _ body: @escaping @Sendable (TestInstance) async throws -> Result
) async throws -> Result {
    let port = try freePort(host: host)
    let publicURL = "http://\(host):\(port)"
    return try await withTestDatabase { location in
        try await withTestCoreAPI(on: location, settings: settings) { reachCore in
            let configuration = try ServerConfiguration.resolve(
                flags: [
                    "SCRIBE_BIND": "\(host):\(port)", "SCRIBE_PUBLIC_URL": publicURL, "SCRIBE_ALLOW_PRIVATE_PEERS": "true",
                    "SCRIBE_MIGRATIONS_DIR": TestPaths.migrationsDirectory,
                ].merging(TestLimits.off) { $1 }.merging(flags) { $1 },
                environment: [:]
            )
            let logger = TestLogger.make("instance-\(host)")
            let database = Database(location: location, connectionsPerModule: connectionsPerModule, logger: logger)
            let application = ScribeApplication(
                configuration: configuration,
                database: database,
                catalog: try MigrationCatalog(directory: TestPaths.migrationsDirectory),
                masterKeys: .testing,
                coreSettings: settings,
                reachCore: reachCore,
                logger: logger
            )
            // Hummingbird's test harness binds to localhost; an instance must listen on its own host.
            return try await serving(application.buildApplication(), host: host, port: port, logger: logger) {
                try await body(TestInstance(modules: TestModules(application), publicURL: publicURL, domain: "\(host):\(port)", port: port))
            }
        }
    }
}

/// Rate limits off: a test makes many requests from one address. Tests of the limits set their own.
public enum TestLimits {
    public static let off = ["SCRIBE_RATE_LIMIT_ADDRESS": "0", "SCRIBE_RATE_LIMIT_ACCOUNT": "0", "SCRIBE_RATE_LIMIT_INBOX": "0"]
}

/// Two instances on different loopback addresses, both running.
public func withTwoTestInstances<Result: Sendable>(
    _ body: @escaping @Sendable (TestInstance, TestInstance) async throws -> Result
) async throws -> Result {
    try await withTestInstance(host: "127.0.0.2") { first in
        try await withTestInstance(host: "127.0.0.3") { second in
            try await body(first, second)
        }
    }
}

/// A TCP port nothing listens on at `host` right now, and that no other caller in this test
/// process was given.
///
/// Ports come from 20000–32767, below Linux's ephemeral range (32768–60999): a port the kernel
/// picked for us there could be taken, before our server binds it, as the source port of one of
/// the hundreds of outbound connections a parallel run opens (seen here as EADDRINUSE, and as a
/// test whose readiness probe another test's server answered).
public func freePort(host: String) throws -> Int {
    for _ in 0..<TestPorts.range.count {
        let port = TestPorts.next()
        if canBind(host: host, port: port) { return port }
    }
    throw POSIXError(.EADDRINUSE)
}

/// The ports ``freePort(host:)`` hands out, in turn from a random start, so that two callers never
/// get the same one (until all 12,768 have been given out).
enum TestPorts {
    static let range = 20_000..<32_768
    private static let counter = Mutex(Int.random(in: 0..<12_768))

    static func next() -> Int {
        counter.withLock { counter in
            counter += 1
            return range.lowerBound + counter % range.count
        }
    }
}

private func canBind(host: String, port: Int) -> Bool {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    inet_pton(AF_INET, host, &address.sin_addr)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

/// Waits until `condition` holds, checking every 50 ms, for at most `timeout`; answers whether it did.
public func eventually(timeout: Duration = .seconds(20), _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// The first value `find` returns within `timeout`, polled every 50 ms; nil if none comes.
public func eventually<Value: Sendable>(timeout: Duration = .seconds(20), _ find: @Sendable () async throws -> Value?) async throws -> Value? {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let value = try await find() { return value }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await find()
}
