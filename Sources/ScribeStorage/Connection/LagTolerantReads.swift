import Logging
import PostgresNIO
import Synchronization

/// Reads that tolerate a second of lag (what visitors browse and search), sent to a module's
/// pools on the streaming replicas in turn, or to its primary pool when there are none.
///
/// Guarantees:
/// - a read a replica fails, or does not answer within ``deadline``, is made again on the
///   primary, so a replica that is down or far behind costs time, never an answer;
/// - a replica that failed is left alone for ``rest``, so an outage costs one late read per
///   replica, not one per request;
/// - nothing here writes: a replica is read-only, and reads of what a caller has just written
///   belong on the primary pool.
public final class LagTolerantReads: Sendable {
    let primary: PostgresClient
    let replicas: [PostgresClient]
    private let next = Atomic<Int>(0)
    /// Until when each replica is left alone after a failure.
    private let resting: Mutex<[ContinuousClock.Instant?]>
    let logger: Logger

    /// How long a replica has to answer before the read goes to the primary.
    public static let deadline = Duration.seconds(2)
    /// How long a replica that failed is left alone.
    public static let rest = Duration.seconds(30)

    init(primary: PostgresClient, replicas: [PostgresClient], logger: Logger) {
        self.primary = primary
        self.replicas = replicas
        self.resting = Mutex(Array(repeating: nil, count: replicas.count))
        self.logger = logger
    }

    /// Whether reads go to replicas at all.
    public var hasReplicas: Bool { !replicas.isEmpty }

    /// Runs `read` on the next replica that is not resting, or on the primary.
    public func read<Rows: Sendable>(_ read: @escaping @Sendable (PostgresClient) async throws -> Rows) async throws -> Rows {
        guard let index = chooseReplica() else { return try await read(primary) }
        do {
            return try await withThrowingTaskGroup(of: Rows?.self) { group in
                group.addTask { try await read(self.replicas[index]) }
                group.addTask {
                    try await Task.sleep(for: Self.deadline)
                    return nil
                }
                defer { group.cancelAll() }
                guard let rows = try await group.next() ?? nil else {
                    throw StorageError.databaseUnreachable("the replica did not answer within \(Self.deadline)")
                }
                return rows
            }
        } catch {
            if Task.isCancelled { throw error }
            let now = ContinuousClock.now
            resting.withLock { $0[index] = now + Self.rest }
            logger.warning(
                "a replica failed a read; reading from the primary, and from this replica again in 30 s",
                metadata: ["reason": .string(Database.reason(error))]
            )
            return try await read(primary)
        }
    }

    private func chooseReplica() -> Int? {
        guard !replicas.isEmpty else { return nil }
        let now = ContinuousClock.now
        let start = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return resting.withLock { resting in
            for offset in 0..<replicas.count {
                let index = (start + offset) % replicas.count
                if let until = resting[index], until > now { continue }
                resting[index] = nil
                return index
            }
            return nil
        }
    }
}
