import Foundation
import Hummingbird
import ServiceLifecycle
import ScribeCore
import ScribeServer
import ScribeStorage

#if canImport(Glibc)
import Glibc
#endif

/// A whole Scribe server under test: served over real HTTP on its own loopback address, with
/// its own database, workers running, and federation with private peers allowed.
public struct TestInstance: Sendable {
    public let application: ScribeApplication
    public let publicURL: String
    /// `host:port`, as handles name the server (`alice@127.0.0.2:40123`).
    public let domain: String
    public let port: Int
}

/// Runs `body` with a Scribe instance listening on `host` (any 127.x.y.z address works on Linux,
/// so two instances have different host names) at a free port.
///
/// - Parameter flags: settings by environment variable name, over the test defaults (rate limits off).
public func withTestInstance<Result: Sendable>(
    host: String, settings: CoreSettings = .testing, flags: [String: String] = [:], _ body: @escaping @Sendable (TestInstance) async throws -> Result
) async throws -> Result {
    let port = try freePort(host: host)
    let publicURL = "http://\(host):\(port)"
    return try await withTestDatabase { location in
        try await withTestCoreAPI(on: location, settings: settings) { reachCore in
            let configuration = try ServerConfiguration.resolve(
                flags: [
                    "SCRIBE_BIND": "\(host):\(port)", "SCRIBE_PUBLIC_URL": publicURL, "SCRIBE_ALLOW_PRIVATE_PEERS": "true",
                    "SCRIBE_MIGRATIONS_DIR": TestPaths.migrationsDirectory,
                ].merging(TestLimits.off) { $1 }.merging(flags) { $1 }, environment: [:])
            let logger = TestLogger.make("instance-\(host)")
            let database = Database(location: location, connectionsPerModule: 4, logger: logger)
            let application = ScribeApplication(
                configuration: configuration, database: database, catalog: try MigrationCatalog(directory: TestPaths.migrationsDirectory),
                masterKeys: .testing, coreSettings: settings, reachCore: reachCore, logger: logger)
            // Hummingbird's test harness binds to localhost; an instance must listen on its own host.
            // It stops by graceful shutdown, as on SIGTERM: the workers end before the pools close.
            let services = ServiceGroup(configuration: .init(services: [application.buildApplication()], logger: logger))
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await services.run() }
                // Generous: the whole suite starts at once on two cores.
                let ready = try await eventually(timeout: .seconds(180)) {
                    (try? await LoopbackHTTP.send(port: port, method: "GET", path: "/readyz", body: nil, timeout: .seconds(5), host: host))?.status == 200
                }
                guard ready else {
                    await services.triggerGracefulShutdown()
                    throw POSIXError(.ETIMEDOUT)
                }
                do {
                    let result = try await body(TestInstance(application: application, publicURL: publicURL, domain: "\(host):\(port)", port: port))
                    await services.triggerGracefulShutdown()
                    try await group.waitForAll()
                    return result
                } catch {
                    await services.triggerGracefulShutdown()
                    throw error
                }
            }
        }
    }
}

/// Rate limits off: a test makes many requests from one address. Tests of the limits set their own.
public enum TestLimits {
    public static let off = ["SCRIBE_RATE_LIMIT_ADDRESS": "0", "SCRIBE_RATE_LIMIT_ACCOUNT": "0", "SCRIBE_RATE_LIMIT_INBOX": "0"]
}

/// Two instances on different loopback addresses, both running.
public func withTwoTestInstances<Result: Sendable>(_ body: @escaping @Sendable (TestInstance, TestInstance) async throws -> Result) async throws -> Result {
    try await withTestInstance(host: "127.0.0.2") { first in
        try await withTestInstance(host: "127.0.0.3") { second in
            try await body(first, second)
        }
    }
}

/// A TCP port nothing listens on at `host` right now.
public func freePort(host: String) throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    inet_pton(AF_INET, host, &address.sin_addr)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
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
