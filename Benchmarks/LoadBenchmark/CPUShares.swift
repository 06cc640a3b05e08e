import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where the machine's CPU went while a case ran: the server, PostgreSQL (the postmaster and
/// its backends) and this load client, each in percent of one core. On a machine where all
/// three share two cores, this is the profile that says which part a rate is waiting on.
struct CPUShares {
    var server: Double
    var postgres: Double
    var client: Double

    /// Measures `body`.
    static func measure<Result>(
        server: ServerProcess,
        postmaster: Int32,
        _ body: () async throws -> Result
    ) async rethrows -> (Result, CPUShares) {
        let before = (server.cpuTicks, Self.ticks(ofChildrenOf: postmaster), Self.ticks(of: getpid()))
        let started = ContinuousClock.now
        let result = try await body()
        let seconds = milliseconds(ContinuousClock.now - started) / 1000
        let after = (server.cpuTicks, Self.ticks(ofChildrenOf: postmaster), Self.ticks(of: getpid()))
        func share(_ ticks: Int) -> Double { Double(ticks) / Double(ServerProcess.ticksPerSecond) / seconds * 100 }
        return (result, CPUShares(server: share(after.0 - before.0), postgres: share(after.1 - before.1), client: share(after.2 - before.2)))
    }

    var row: String {
        "|   CPU, % of one core | server \(Int(server))% | PostgreSQL \(Int(postgres))% | load client \(Int(client))% | | |"
    }

    /// User and system ticks of one process (`/proc/PID/stat`, fields 14 and 15).
    static func ticks(of pid: Int32) -> Int {
        guard let fields = stat(pid), fields.count > 12 else { return 0 }
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    /// Ticks of a process and of every process whose parent it is: PostgreSQL's backends live
    /// and die under the postmaster, and the ones that ended meanwhile are counted in its
    /// children's fields (16 and 17).
    static func ticks(ofChildrenOf parent: Int32) -> Int {
        var total = 0
        if let fields = stat(parent), fields.count > 14 {
            total += (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0) + (Int(fields[13]) ?? 0) + (Int(fields[14]) ?? 0)
        }
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let fields = stat(pid), fields.count > 12, Int32(fields[1]) == parent else { continue }
            total += (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
        }
        return total
    }

    /// The fields after the command name: state is the first, the parent's pid the second.
    private static func stat(_ pid: Int32) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }
}
