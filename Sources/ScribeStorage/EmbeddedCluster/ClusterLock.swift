import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on a file in the data directory. It serialises everything that decides
/// whether to initialise, start, adopt or stop the embedded cluster, so two Scribe processes
/// starting on one data directory at the same moment cannot both run `initdb`.
/// The kernel releases it if the holder dies.
enum ClusterLock {
    /// Runs `body` while holding the lock at `path`.
    static func holding<Result>(
        _ path: String,
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Result
    ) async throws -> Result {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StorageError.clusterFailed("cannot open lock file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }  // closing the descriptor releases the lock
        // Poll rather than block a cooperative thread: the lock is held for seconds at most.
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await body()
    }
}
