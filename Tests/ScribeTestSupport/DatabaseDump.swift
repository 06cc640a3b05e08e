import Foundation
import ScribeStorage

/// A real `pg_dump` of a test database, as an operator (or an attacker with a backup) would have it.
public enum DatabaseDump {
    /// The plain SQL dump of `location`'s database, taken with the PostgreSQL client next to the
    /// server binaries the embedded cluster uses.
    public static func sql(of location: DatabaseLocation) async throws -> String {
        guard case .unixSocket(let socket) = location.endpoint else { throw TestTimeout(what: "a socket database to dump", output: "") }
        let candidates =
            ["/usr/bin/pg_dump"]
            + ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .sorted().reversed().map { "/usr/lib/postgresql/\($0)/bin/pg_dump" }
        guard let pgDump = candidates.first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw TestTimeout(what: "pg_dump (install postgresql-client)", output: "")
        }
        let result = try await ChildProcess.run(
            pgDump,
            ["--host", (socket as NSString).deletingLastPathComponent, "--username", location.username, "--no-password", location.database]
        )
        guard result.status == 0 else { throw TestTimeout(what: "pg_dump to succeed (status \(result.status))", output: "") }
        let data = result.output
        return String(decoding: data, as: UTF8.self)
    }
}
