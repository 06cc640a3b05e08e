import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The unprivileged operating-system account that owns and runs the embedded cluster when
/// Scribe itself runs as root. PostgreSQL refuses to run as root, and a dedicated account keeps
/// other local users (including a system PostgreSQL's `postgres`) away from Scribe's socket.
struct SystemAccount: Sendable, Equatable {
    static let clusterAccountName = "scribe"

    var name: String
    var uid: UInt32
    var gid: UInt32

    static var isRoot: Bool { geteuid() == 0 }

    static func named(_ name: String) -> SystemAccount? {
        guard let entry = getpwnam(name) else { return nil }
        return SystemAccount(name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }

    /// The account the cluster runs as: none (the current user) unless we are root, in which
    /// case the `scribe` system account, created on first use.
    static func forCluster() async throws -> SystemAccount? {
        guard isRoot else { return nil }
        if let existing = named(clusterAccountName) { return existing }
        do {
            try await ExternalCommand(
                executable: "/usr/sbin/useradd",
                arguments: [
                    "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                    "--shell", "/usr/sbin/nologin", "--comment", "Scribe embedded PostgreSQL", clusterAccountName,
                ]
            ).run()
        } catch {
            // Another process may have created it at the same moment.
            if let existing = named(clusterAccountName) { return existing }
            throw StorageError.clusterFailed("could not create the system account '\(clusterAccountName)' to run PostgreSQL: \(error)")
        }
        guard let created = named(clusterAccountName) else {
            throw StorageError.clusterFailed("system account '\(clusterAccountName)' is missing after useradd")
        }
        return created
    }

    /// Gives the account ownership of a directory the cluster writes to.
    func own(_ path: String) throws {
        guard chown(path, uid, gid) == 0 else {
            throw StorageError.clusterFailed("cannot hand \(path) to the '\(name)' account: \(String(cString: strerror(errno)))")
        }
    }
}
