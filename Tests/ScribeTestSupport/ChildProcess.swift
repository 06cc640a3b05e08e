import Foundation

/// Runs a program for a test and collects what it prints, without ever blocking a thread of the
/// test pool and without depending on a pipe's end-of-file: standard output goes to a file that
/// is read as it grows, and the process is polled until it exits. (A pipe's write end can be
/// inherited by another child that the tests start at the same moment, and then its end of file
/// never comes: that hung whole test runs.)
public enum ChildProcess {
    public struct Result: Sendable {
        public var status: Int32
        public var output: Data
    }

    /// Runs `executable` with `arguments`; `onLine` sees each line of standard output as it
    /// comes. Past `timeout` the process is terminated and a ``TestTimeout`` thrown.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        timeout: Duration = .seconds(300),
        onLine: (@Sendable (String) async throws -> Void)? = nil
    ) async throws -> Result {
        let outputPath = NSTemporaryDirectory() + "scribe-child-\(UUID().uuidString).out"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        let deadline = ContinuousClock.now + timeout
        var seen = 0
        var pending = Data()
        func readNewLines() async throws {
            guard let data = FileManager.default.contents(atPath: outputPath), data.count > seen else { return }
            pending.append(data[seen...])
            seen = data.count
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending = Data(pending[pending.index(after: newline)...])
                try await onLine?(line)
            }
        }
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                throw TestTimeout(what: "\((executable as NSString).lastPathComponent) to finish", output: String(decoding: pending, as: UTF8.self))
            }
            try await readNewLines()
            try await Task.sleep(for: .milliseconds(100))
        }
        try await readNewLines()
        if !pending.isEmpty { try await onLine?(String(decoding: pending, as: UTF8.self)) }
        return Result(status: process.terminationStatus, output: FileManager.default.contents(atPath: outputPath) ?? Data())
    }
}
