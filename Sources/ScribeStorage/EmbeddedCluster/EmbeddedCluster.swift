import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A private PostgreSQL cluster kept under Scribe's data directory: the default when no
/// `DATABASE_URL` is configured, and what the test suite runs against.
///
/// Guarantees:
/// - It listens on a unix socket only (no TCP), in a directory only its account can enter.
/// - `initdb` runs once; later starts reuse the cluster. An interrupted `initdb` leaves nothing
///   half-made behind, because it writes to a scratch folder that is renamed when complete.
/// - A process that finds the cluster already running (an admin command next to `serve`, a
///   second server) uses it as a *guest* and never stops it. The process that started it, or
///   adopted it from a process that died, is the *owner* and stops it in ``stop()``.
/// - Run as root, the cluster belongs to the unprivileged `scribe` system account.
///
/// Layout under the data directory:
/// ```
/// postgres/          the cluster (PGDATA)
/// postgres.sock/     its socket directory (or a short path under /tmp if this one is too long)
/// postgres.log       the server log
/// postgres.lock      serialises start and stop between processes
/// postgres.owner     pid of the process that will stop the cluster
/// ```
public actor EmbeddedCluster {
    /// The role `initdb` creates; it owns the database and runs migrations.
    public static let superuser = "scribe"
    /// The database Scribe uses inside the cluster.
    public static let databaseName = "scribe"

    public let dataDirectory: String
    private let logger: Logger
    private var account: SystemAccount?
    private var binaries: PostgresBinaries?
    public private(set) var isOwner = false
    private var isRunning = false
    /// The postmaster, when this process started it (rather than finding it running).
    private var serverPID: pid_t?

    /// Written into a new cluster's configuration; an existing cluster keeps what it was created with.
    let maxConnections: Int
    let extraSettings: [String]
    /// The running cluster this one is made a streaming replica of, if any.
    let primary: EmbeddedCluster?

    /// - Parameter extraSettings: lines added to `postgresql.conf` when the cluster is made, such
    ///   as the benchmark's `shared_preload_libraries = 'pg_stat_statements'`.
    public init(dataDirectory: String, maxConnections: Int = 300, extraSettings: [String] = [], logger: Logger) {
        self.dataDirectory = URL(fileURLWithPath: dataDirectory).standardizedFileURL.path
        self.maxConnections = maxConnections
        self.extraSettings = extraSettings
        self.primary = nil
        self.logger = logger
    }

    /// A read-only streaming replica of `primary` (a running embedded cluster of the same
    /// account), made with `pg_basebackup` the first time it starts: what tests and benchmarks
    /// use to try reads from replicas.
    public init(dataDirectory: String, replicaOf primary: EmbeddedCluster, logger: Logger) {
        self.dataDirectory = URL(fileURLWithPath: dataDirectory).standardizedFileURL.path
        self.maxConnections = 300
        self.extraSettings = []
        self.primary = primary
        self.logger = logger
    }

    var clusterDirectory: String { dataDirectory + "/postgres" }
    private var lockPath: String { dataDirectory + "/postgres.lock" }
    private var ownerPath: String { dataDirectory + "/postgres.owner" }
    private var logPath: String { dataDirectory + "/postgres.log" }

    /// The directory holding the server's socket. Unix socket paths are limited to 107 bytes, so
    /// a deep data directory falls back to a short, stable path derived from it.
    public nonisolated var socketDirectory: String {
        let preferred = dataDirectory + "/postgres.sock"
        if (preferred + "/.s.PGSQL.5432").utf8.count < 100 { return preferred }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in dataDirectory.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return "/tmp/scribe-\(String(hash, radix: 36)).sock"
    }

    /// How to reach the running cluster as its superuser.
    public nonisolated var location: DatabaseLocation {
        DatabaseLocation(
            endpoint: .unixSocket(path: socketDirectory + "/.s.PGSQL.5432"),
            username: Self.superuser,
            password: nil,
            database: Self.databaseName
        )
    }

    /// Makes sure the cluster exists and runs. Returns once it accepts connections.
    public func start() async throws {
        guard !isRunning else { return }
        let existingVersion = try? String(contentsOfFile: clusterDirectory + "/PG_VERSION", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let binaries = try PostgresBinaries.locate(preferringMajorVersion: existingVersion)
        self.binaries = binaries
        let account = try await SystemAccount.forCluster()
        self.account = account
        // The cluster's account must be able to pass through (not list) the data directory.
        try createDirectory(dataDirectory, mode: account == nil ? 0o700 : 0o711)
        if account != nil { chmod(dataDirectory, 0o711) }

        try await ClusterLock.holding(lockPath) {
            if !FileManager.default.fileExists(atPath: clusterDirectory + "/PG_VERSION") {
                if let primary {
                    try await copy(primary, binaries: binaries, account: account)
                } else {
                    try await initialise(binaries: binaries, account: account)
                }
            }
            if try await serverIsRunning(binaries: binaries, account: account) {
                if let owner = recordedOwner(), owner != getpid(), kill(owner, 0) == 0 {
                    logger.info("using the embedded PostgreSQL already started by process \(owner)")
                    isOwner = false
                } else {
                    logger.info("adopting the embedded PostgreSQL left running by a stopped process")
                    try recordOwner()
                }
            } else {
                try await launch(binaries: binaries, account: account)
                try recordOwner()
            }
        }
        isRunning = true
    }

    /// Stops the cluster if this process owns it; a guest leaves it running for its owner.
    public func stop() async throws {
        guard isRunning, isOwner, let binaries else { return }
        try await ClusterLock.holding(lockPath) {
            logger.info("stopping the embedded PostgreSQL")
            // Smart first: the pools have just closed their connections, and their sessions end a
            // few milliseconds later; a fast stop in between would end them with a FATAL line in
            // the cluster's log. A session still open after a few seconds is ended the fast way.
            do {
                try await ExternalCommand(
                    executable: binaries.pgCtl,
                    arguments: ["stop", "-D", clusterDirectory, "-m", "smart", "-w", "-t", "5"],
                    account: account
                ).run()
            } catch {
                try await ExternalCommand(
                    executable: binaries.pgCtl,
                    arguments: ["stop", "-D", clusterDirectory, "-m", "fast", "-w", "-t", "60"],
                    account: account
                ).run()
            }
            try? FileManager.default.removeItem(atPath: ownerPath)
        }
        // A server this process started is its child: reap it so no zombie is left behind.
        if let serverPID {
            _ = await ExternalCommand.waitForExit(serverPID)
            self.serverPID = nil
        }
        isRunning = false
        isOwner = false
    }

    /// Stops the cluster from a context that cannot await (an `atexit` handler in tests).
    public nonisolated static func stopSynchronously(dataDirectory: String) {
        let cluster = URL(fileURLWithPath: dataDirectory).standardizedFileURL.path + "/postgres"
        guard let version = try? String(contentsOfFile: cluster + "/PG_VERSION", encoding: .utf8),
            let binaries = try? PostgresBinaries.locate(preferringMajorVersion: version.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return }
        let account = SystemAccount.isRoot ? SystemAccount.named(SystemAccount.clusterAccountName) : nil
        ExternalCommand(executable: binaries.pgCtl, arguments: ["stop", "-D", cluster, "-m", "fast", "-w"], account: account)
            .runBlocking()
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: dataDirectory).standardizedFileURL.path + "/postgres.owner")
    }

    // MARK: - Steps

    private func initialise(binaries: PostgresBinaries, account: SystemAccount?) async throws {
        let scratch = dataDirectory + "/postgres.initdb"
        try? FileManager.default.removeItem(atPath: scratch)
        try createDirectory(scratch, mode: 0o700)
        try account?.own(scratch)
        logger.info("initialising the embedded PostgreSQL cluster", metadata: ["directory": .string(clusterDirectory)])
        do {
            try await ExternalCommand(
                executable: binaries.initdb,
                arguments: ["-D", scratch, "-U", Self.superuser, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-instructions"],
                account: account
            ).run()
        } catch {
            try? FileManager.default.removeItem(atPath: scratch)
            throw StorageError.clusterFailed("initdb failed: \(error)")
        }
        let settings = """

            # Added by Scribe: private, socket-only cluster.
            listen_addresses = ''
            unix_socket_permissions = 0700
            max_connections = \(maxConnections)
            shared_buffers = 128MB
            fsync = on
            log_min_messages = warning
            # Each line names the session's program: Scribe's pools call themselves scribe-<role>.
            log_line_prefix = '%m [%p] %q%a '
            \(extraSettings.joined(separator: "\n"))

            """
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + "/postgresql.conf"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(settings.utf8))
        try handle.close()
        try FileManager.default.moveItem(atPath: scratch, toPath: clusterDirectory)
    }

    /// Copies a running primary with `pg_basebackup`, streaming the WAL written meanwhile, and
    /// marks the copy a standby that follows it (`-R`: `standby.signal` and `primary_conninfo`).
    /// Like `initdb`, it writes to a scratch folder renamed when complete.
    private func copy(_ primary: EmbeddedCluster, binaries: PostgresBinaries, account: SystemAccount?) async throws {
        let scratch = dataDirectory + "/postgres.basebackup"
        try? FileManager.default.removeItem(atPath: scratch)
        try createDirectory(scratch, mode: 0o700)
        try account?.own(scratch)
        logger.info("copying the primary into a streaming replica", metadata: ["directory": .string(clusterDirectory)])
        do {
            try await ExternalCommand(
                executable: binaries.pgBasebackup,
                arguments: ["-D", scratch, "-h", primary.socketDirectory, "-U", Self.superuser, "-X", "stream", "-R", "--checkpoint=fast"],
                account: account
            ).run()
        } catch {
            try? FileManager.default.removeItem(atPath: scratch)
            throw StorageError.clusterFailed("pg_basebackup failed: \(error)")
        }
        try FileManager.default.moveItem(atPath: scratch, toPath: clusterDirectory)
    }

    private func serverIsRunning(binaries: PostgresBinaries, account: SystemAccount?) async throws -> Bool {
        do {
            try await ExternalCommand(executable: binaries.pgCtl, arguments: ["status", "-D", clusterDirectory], account: account).run()
            return FileManager.default.fileExists(atPath: socketDirectory + "/.s.PGSQL.5432")
        } catch let failure as ExternalCommand.Failure where failure.status == 3 {
            return false  // pg_ctl's "no server running"
        }
    }

    /// Starts `postgres` as this process's child, so this process reaps it when it stops, and
    /// returns once it accepts connections.
    private func launch(binaries: PostgresBinaries, account: SystemAccount?) async throws {
        let socketDirectory = self.socketDirectory
        try createDirectory(socketDirectory, mode: 0o700)
        try account?.own(socketDirectory)
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        try account?.own(logPath)
        logger.info("starting the embedded PostgreSQL", metadata: ["socket": .string(socketDirectory)])
        let pid = try ExternalCommand(
            executable: binaries.postgres,
            arguments: ["-D", clusterDirectory, "-h", "", "-k", socketDirectory],
            account: account
        ).launch(logPath: logPath)
        let probe = location.with(database: "postgres")
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            if let status = ExternalCommand.exitStatusIfEnded(pid) {
                throw StorageError.clusterFailed("postgres exited with status \(status) while starting: \(logTail())")
            }
            // Connect only once the server says it is ready: a connection while it is still
            // starting is refused with a FATAL line in its log, which reads as trouble.
            if isAcceptingConnections(pid), (try? await Database.checkReachable(probe)) != nil { break }
            guard ContinuousClock.now < deadline else {
                kill(pid, SIGQUIT)
                _ = await ExternalCommand.waitForExit(pid)
                throw StorageError.clusterFailed("postgres did not accept connections within 60 seconds: \(logTail())")
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        serverPID = pid
    }

    /// Whether the postmaster `pid` reports itself ready in `postmaster.pid`, whose eighth line
    /// is its status (`starting`, `ready`, `stopping`) since PostgreSQL 10, as `pg_ctl start -w`
    /// reads it.
    private func isAcceptingConnections(_ pid: pid_t) -> Bool {
        guard let contents = try? String(contentsOfFile: clusterDirectory + "/postmaster.pid", encoding: .utf8) else { return false }
        let lines = contents.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        return lines.count >= 8 && lines[0] == String(pid) && lines[7] == "ready"
    }

    private func logTail() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8))?.split(separator: "\n").suffix(2).joined(separator: " | ") ?? ""
    }

    private func recordedOwner() -> pid_t? {
        (try? String(contentsOfFile: ownerPath, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    private func recordOwner() throws {
        try String(getpid()).write(toFile: ownerPath, atomically: true, encoding: .utf8)
        isOwner = true
    }

    private func createDirectory(_ path: String, mode: Int) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
        } catch {
            throw StorageError.clusterFailed("cannot create \(path): \(error.localizedDescription)")
        }
    }
}
