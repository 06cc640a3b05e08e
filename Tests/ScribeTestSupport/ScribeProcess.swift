import Foundation
import ScribeStorage
import ScribeTestFixtures

#if canImport(Glibc)
import Glibc
#endif

/// The real `scribe` executable, run as a child process with a given environment, for the
/// tests that are about the process itself: start-up, configuration errors, signals.
public final class ScribeProcess: @unchecked Sendable {
    public let process = Process()
    public let port: Int
    private let outputPath: String
    private let errorPath: String

    /// Starts `scribe <arguments>` with only the given environment (plus `PATH`), listening on
    /// a free loopback port unless `SCRIBE_BIND` is given.
    public init(
        arguments: [String] = ["serve"],
        environment: [String: String],
        workingDirectory: String? = nil,
        standardInput: String? = nil
    ) throws {
        var environment = environment
        let port = try environment["SCRIBE_BIND"].flatMap { Int($0.split(separator: ":").last ?? "") } ?? FreePort.find()
        environment["SCRIBE_BIND"] = environment["SCRIBE_BIND"] ?? "127.0.0.1:\(port)"
        environment["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        environment["SCRIBE_MIGRATIONS_DIR"] = environment["SCRIBE_MIGRATIONS_DIR"] ?? TestPaths.migrationsDirectory
        self.port = port
        let stem = NSTemporaryDirectory() + "scribe-process-\(UUID().uuidString)"
        outputPath = stem + ".out"
        errorPath = stem + ".err"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: TestPaths.scribeExecutable)
        process.arguments = arguments
        process.environment = environment
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        if let standardInput {
            let input = Pipe()
            process.standardInput = input
            try process.run()
            try input.fileHandleForWriting.write(contentsOf: Data(standardInput.utf8))
            try input.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: outputPath)
        try? FileManager.default.removeItem(atPath: errorPath)
    }

    public var standardOutput: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    public var standardError: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// Waits for the process to exit and returns its status.
    public func waitForExit(timeout: Duration = .seconds(60)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { throw TestTimeout(what: "scribe to exit", output: standardError) }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }

    /// Polls `GET /readyz` until it answers 200; fails if the process exits first.
    public func waitUntilReady(timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw TestTimeout(what: "readiness (scribe exited with \(process.terminationStatus))", output: standardError)
            }
            if (try? await LoopbackHTTP.get(port: port, path: "/readyz", timeout: .seconds(5)).status) == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestTimeout(what: "readiness", output: standardError)
    }

    public func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }
}

public struct TestTimeout: Error, CustomStringConvertible {
    public var what: String
    public var output: String

    public init(what: String, output: String) {
        self.what = what
        self.output = output
    }
    public var description: String { "timed out waiting for \(what); stderr:\n\(output)" }
}

/// A loopback TCP port nobody listens on right now.
public enum FreePort {
    public static func find() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw TestTimeout(what: "a free port", output: String(cString: strerror(errno))) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

extension DatabaseLocation {
    /// The `DATABASE_URL` with which a `scribe` process reaches this test database over the
    /// test cluster's socket (nil for a TCP location, which the test cluster never gives).
    public var processURL: String? {
        guard case .unixSocket(let socketPath) = endpoint else { return nil }
        return "postgres://\(username)@/\(database)?host=\((socketPath as NSString).deletingLastPathComponent)"
    }
}
