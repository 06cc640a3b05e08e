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

    /// Runs the program and returns its combined output; throws ``Failure`` on a non-zero exit.
    @discardableResult
    func run() async throws -> String {
        var argv = [executable] + arguments
        if let account {
            argv = ["/usr/bin/setpriv", "--reuid=\(account.uid)", "--regid=\(account.gid)", "--init-groups", "--"] + argv
        }
        let outputPath = NSTemporaryDirectory() + "scribe-command-\(UUID().uuidString).log"
        defer { unlink(outputPath) }
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        environment.removeValue(forKey: "PGOPTIONS")

        let pid = try Self.spawn(argv, environment: environment.map { "\($0.key)=\($0.value)" }, outputPath: outputPath)
        let status: Int32 = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let name = (executable as NSString).lastPathComponent
        // WIFEXITED / WEXITSTATUS, which Swift does not import as macros.
        let exited = status & 0x7F == 0
        let exitStatus = exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        guard exitStatus == 0 else { throw Failure(command: name, status: exitStatus, output: output) }
        return output
    }

    private static func spawn(_ argv: [String], environment: [String], outputPath: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        closeInheritedDescriptors(&actions)

        func cStrings(_ strings: [String]) -> [UnsafeMutablePointer<CChar>?] { strings.map { strdup($0) } + [nil] }
        let cArguments = cStrings(argv)
        let cEnvironment = cStrings(environment)
        defer { (cArguments + cEnvironment).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, argv[0], &actions, nil, cArguments, cEnvironment)
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
