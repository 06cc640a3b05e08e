import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A program the launcher runs to completion (`initdb`, `pg_ctl`, `useradd`), with its output
/// captured so a failure can be reported with what the program itself said.
///
/// It is spawned with `posix_spawn` rather than Foundation's `Process`: `pg_ctl start` leaves a
/// server running, and that server must inherit none of our descriptors (Foundation's
/// child-exit watch among them), or we would wait for a process that has long exited.
struct ExternalCommand: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var command: String
        var status: Int32
        var output: String
        var description: String {
            let lastLines = output.split(separator: "\n").suffix(3).joined(separator: " | ")
            return "\(command) exited with status \(status)" + (lastLines.isEmpty ? "" : ": \(lastLines)")
        }
    }

    var executable: String
    var arguments: [String]
    /// When set, the program runs as this account (through util-linux `setpriv`), which is how a
    /// root process starts PostgreSQL: the server refuses to run as root.
    var account: SystemAccount?
    /// Variables set for the program beyond this process's own (`PGPASSWORD` for a client).
    var extraEnvironment: [String: String] = [:]

    /// Runs the program and returns its combined output; throws ``Failure`` on a non-zero exit.
    @discardableResult
    func run() async throws -> String {
        let outputPath = NSTemporaryDirectory() + "scribe-command-\(UUID().uuidString).log"
        defer { unlink(outputPath) }
        let pid = try Self.spawn(argv, environment: environment, output: outputPath, appending: false, ownProcessGroup: false)
        let exitStatus = await Self.waitForExit(pid)
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard exitStatus == 0 else {
            throw Failure(command: (executable as NSString).lastPathComponent, status: exitStatus, output: output)
        }
        return output
    }

    /// Runs the program to completion on the calling thread, ignoring its output and status:
    /// for places that cannot await, such as an `atexit` handler.
    func runBlocking() {
        guard let pid = try? Self.spawn(argv, environment: environment, output: "/dev/null", appending: true, ownProcessGroup: false) else {
            return
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// Starts a long-running program (the PostgreSQL server) as our child, in a process group
    /// of its own so a terminal's Ctrl-C reaches only us and we stop it in order. Its output is
    /// appended to `logPath`. The caller reaps it with ``waitForExit(_:)``.
    func launch(logPath: String) throws -> pid_t {
        try Self.spawn(argv, environment: environment, output: logPath, appending: true, ownProcessGroup: true)
    }

    /// Waits for a child to exit and returns its exit status (128 + signal if a signal ended it).
    static func waitForExit(_ pid: pid_t) async -> Int32 {
        let status: Int32 = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
        return decodeWaitStatus(status)
    }

    /// The exit status of a child that has already exited, or nil while it runs.
    static func exitStatusIfEnded(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid ? decodeWaitStatus(status) : nil
    }

    /// WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as macros.
    private static func decodeWaitStatus(_ status: Int32) -> Int32 {
        status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    private var argv: [String] {
        let command = [executable] + arguments
        guard let account else { return command }
        return ["/usr/bin/setpriv", "--reuid=\(account.uid)", "--regid=\(account.gid)", "--init-groups", "--"] + command
    }

    private var environment: [String] {
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        environment.removeValue(forKey: "PGOPTIONS")
        environment.merge(extraEnvironment) { $1 }
        return environment.map { "\($0.key)=\($0.value)" }
    }

    private static func spawn(_ argv: [String], environment: [String], output: String, appending: Bool, ownProcessGroup: Bool) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | (appending ? O_APPEND : O_TRUNC), 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        closeInheritedDescriptors(&actions)

        func cStrings(_ strings: [String]) -> [UnsafeMutablePointer<CChar>?] { strings.map { strdup($0) } + [nil] }
        let cArguments = cStrings(argv)
        let cEnvironment = cStrings(environment)
        defer { for pointer in cArguments + cEnvironment { free(pointer) } }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if ownProcessGroup {
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
        guard result == 0 else {
            throw StorageError.clusterFailed("cannot run \(argv[0]): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// Asks the child to close every descriptor from 3 up (glibc 2.34's
    /// `posix_spawn_file_actions_addclosefrom_np`, looked up at run time because Swift does not
    /// import it). Our own descriptors are opened close-on-exec; this also covers libraries'.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
    }
}
