import Foundation
import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

extension MasterKeyring {
    /// The keys for a server whose database may already hold what earlier master keys sealed
    /// (publication keys, actors' signing keys). When it does, every key those name must be
    /// configured: a server restored without its master key would otherwise make a new one and
    /// start, and nothing published, and no actor's key, would open again. So start-up stops
    /// with one line that names what is missing, before anything is written (no key file is made).
    public static func load(configured: Data?, dataDirectory: String, checkedAgainst location: DatabaseLocation) async throws -> MasterKeyring {
        let inUse = try await keysInUse(at: location)
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(fileName).path
        if !inUse.isEmpty, configured == nil, !FileManager.default.fileExists(atPath: path) {
            throw MissingMasterKey(
                description:
                    "the database holds \(inUse.values.reduce(0, +)) keys sealed by master key \(inUse.keys.sorted().joined(separator: ", ")), but neither SCRIBE_MASTER_KEY is set nor \(path) exists: restore the master key file into the data directory or set SCRIBE_MASTER_KEY"
            )
        }
        let keyring = try load(configured: configured, dataDirectory: dataDirectory)
        let missing = Set(inUse.keys).subtracting(keyring.keyIDs)
        guard missing.isEmpty else {
            let count = missing.map { inUse[$0] ?? 0 }.reduce(0, +)
            throw MissingMasterKey(
                description:
                    "master key \(missing.sorted().joined(separator: ", ")) seals \(count) keys in the database but is neither SCRIBE_MASTER_KEY nor a line of \(path): add it to the key file, or set it as SCRIBE_MASTER_KEY"
            )
        }
        return keyring
    }

    /// How many keys each master key seals in the database, by key id; none on a database not
    /// yet migrated.
    static func keysInUse(at location: DatabaseLocation) async throws -> [String: Int] {
        try await Database.withConnection(to: location, timeoutSeconds: 30) { connection in
            var counts: [String: Int] = [:]
            for table in ["core.character_publications", "core.lorebook_publications", "core.actor_keys"] {
                let exists = try await connection.query("SELECT to_regclass(\(table)) IS NOT NULL", logger: Self.quiet).collect().first?
                    .decode(Bool.self)
                guard exists == true else { continue }
                let rows = try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT master_key_id, count(*)::int FROM \(table) GROUP BY master_key_id"),
                    logger: Self.quiet
                ).collect()
                for row in rows {
                    let (id, count) = try row.decode((String, Int).self)
                    counts[id, default: 0] += count
                }
            }
            return counts
        }
    }

    private static var quiet: Logger {
        var logger = Logger(label: "scribe.keys")
        logger.logLevel = .critical
        return logger
    }
}

/// A master key the database needs and the server was not given.
public struct MissingMasterKey: Error, CustomStringConvertible {
    public let description: String
}
