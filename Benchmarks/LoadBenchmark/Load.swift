import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// What a batch of requests measured.
struct LoadResult {
    var requests: Int
    var succeeded: Int
    var seconds: Double
    /// Milliseconds, sorted.
    var latencies: [Double]
    var statuses: [Int: Int]

    var perSecond: Double { Double(succeeded) / seconds }
    func percentile(_ p: Double) -> Double {
        guard !latencies.isEmpty else { return .nan }
        return latencies[min(latencies.count - 1, max(0, Int((Double(latencies.count) * p).rounded(.up)) - 1))]
    }
}

/// Sends `requests` with `concurrency` in flight, each counted as a success when `succeeded`
/// says so of its status; the body of each answer is read and dropped.
func load(
    _ requests: [HTTPClientRequest],
    concurrency: Int,
    client: HTTPClient,
    succeeded: @escaping @Sendable (Int) -> Bool
) async -> LoadResult {
    let next = NIOLockedValueBox(0)
    let started = ContinuousClock.now
    let outcomes = await withTaskGroup(of: [(Double, Int)].self) { group in
        for _ in 0..<concurrency {
            group.addTask {
                var mine: [(Double, Int)] = []
                while true {
                    let index = next.withLockedValue { value -> Int in
                        defer { value += 1 }
                        return value
                    }
                    guard index < requests.count else { break }
                    let begin = ContinuousClock.now
                    var status = 0
                    if let response = try? await client.execute(requests[index], timeout: .seconds(60)) {
                        status = Int(response.status.code)
                        _ = try? await response.body.collect(upTo: 8 << 20)
                    }
                    mine.append((milliseconds(ContinuousClock.now - begin), status))
                }
                return mine
            }
        }
        var all: [(Double, Int)] = []
        for await part in group { all += part }
        return all
    }
    let seconds = milliseconds(ContinuousClock.now - started) / 1000
    var statuses: [Int: Int] = [:]
    for (_, status) in outcomes { statuses[status, default: 0] += 1 }
    return LoadResult(
        requests: requests.count,
        succeeded: outcomes.filter { succeeded($0.1) }.count,
        seconds: seconds,
        latencies: outcomes.map(\.0).sorted(),
        statuses: statuses
    )
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

/// The server under test: `scribe serve`, the release build next to this benchmark, as its own
/// process, so its memory is its own.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int

    init(executable: String, arguments: [String] = ["serve"], environment: [String: String], port: Int) throws {
        self.port = port
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
    }

    /// The CPU time the process has used, user and system, in clock ticks (`/proc/PID/stat`).
    var cpuTicks: Int {
        let stat = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8)) ?? ""
        // After the command name in parentheses: state is field 3, utime 14 and stime 15.
        guard let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12 else { return 0 }
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    static let ticksPerSecond = sysconf(Int32(_SC_CLK_TCK))

    /// Resident memory now, and the peak since start, in MiB (Linux `/proc`).
    var memory: (resident: Double, peak: Double) {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Double {
            let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
            return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    /// Starts the peak (`VmHWM`) afresh from the resident size now.
    func resetPeakMemory() {
        try? Data("5".utf8).write(to: URL(fileURLWithPath: "/proc/\(process.processIdentifier)/clear_refs"))
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

/// The highest resident memory (MiB) a process reaches while `body` runs: the kernel's own
/// peak (`VmHWM`), reset as `body` begins (`/proc/PID/clear_refs`), so no spike between two
/// samples is missed.
func sampling<Result>(_ server: ServerProcess, _ body: () async throws -> Result) async rethrows -> (Result, Double) {
    server.resetPeakMemory()
    let result = try await body()
    return (result, server.memory.peak)
}
