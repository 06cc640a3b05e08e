import Foundation

/// The PostgreSQL server programs the embedded cluster needs, found on this machine.
///
/// Debian keeps them out of `PATH` under `/usr/lib/postgresql/<major>/bin`, so that folder is
/// searched after `PATH`; when a cluster already exists, the binaries of its own major version
/// are preferred so an upgrade of the system packages does not break an existing data directory.
struct PostgresBinaries: Sendable {
    var directory: String

    var initdb: String { directory + "/initdb" }
    var pgCtl: String { directory + "/pg_ctl" }
    var postgres: String { directory + "/postgres" }
    var pgBasebackup: String { directory + "/pg_basebackup" }

    /// - Parameters:
    ///   - preferred: the major version of an existing cluster (its `PG_VERSION`), if any.
    ///   - searchPath: the folders of `PATH`.
    ///   - debianRoot: where Debian installs one folder per major version.
    static func locate(
        preferringMajorVersion preferred: String?,
        searchPath: String = ProcessInfo.processInfo.environment["PATH"] ?? "",
        debianRoot: String = "/usr/lib/postgresql"
    ) throws(StorageError) -> PostgresBinaries {
        let fileManager = FileManager.default
        func hasServer(_ directory: String) -> Bool {
            ["initdb", "pg_ctl", "postgres"].allSatisfy { fileManager.isExecutableFile(atPath: directory + "/" + $0) }
        }
        let versions = ((try? fileManager.contentsOfDirectory(atPath: debianRoot)) ?? [])
            .filter { Int($0) != nil }
            .sorted { Int($0)! > Int($1)! }
        if let preferred, hasServer("\(debianRoot)/\(preferred)/bin") {
            return PostgresBinaries(directory: "\(debianRoot)/\(preferred)/bin")
        }
        let pathDirectories = searchPath.split(separator: ":").map(String.init)
        for directory in pathDirectories + versions.map({ "\(debianRoot)/\($0)/bin" }) where hasServer(directory) {
            // A folder of links to the server (`/usr/local/bin/postgres` → Debian's) stands for
            // the folder they point into, where the client programs (`pg_basebackup`) are too.
            let real = URL(fileURLWithPath: directory + "/postgres").resolvingSymlinksInPath().deletingLastPathComponent().path
            return PostgresBinaries(directory: hasServer(real) ? real : directory)
        }
        throw .postgresNotInstalled
    }
}
