import Crypto
import Foundation

/// One versioned SQL file: `schemas/migrations/<schema>/<version>_<name>.sql`.
public struct Migration: Sendable, Equatable {
    public let schema: ModuleSchema
    public let version: Int
    public let name: String
    public let sql: String

    /// SHA-256 of the file, recorded when applied: an applied file that later changes is an
    /// error, not something to re-run.
    public var checksum: String {
        SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The first line that marks a migration whose statements cannot run in a transaction, such
    /// as `CREATE INDEX CONCURRENTLY`, which builds an index without stopping writes to the table.
    public static let outsideTransactionMarker = "-- scribe: outside transaction"

    /// Whether the file starts with ``outsideTransactionMarker``: then the ``Migrator`` runs it
    /// alone, statement by statement, outside any transaction.
    public var runsOutsideTransaction: Bool {
        sql.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first?.trimmingCharacters(in: .whitespaces)
            == Self.outsideTransactionMarker
    }

    /// `core/0001_event_log`: how logs, errors and `scribe migrate` name a migration.
    public var identifier: String { Self.identifier(schema: schema.name, version: version, name: name) }

    static func identifier(schema: String, version: Int, name: String) -> String {
        "\(schema)/\(String(format: "%04d", version))_\(name)"
    }
}

/// Every migration Scribe knows, read from the `schemas/migrations` folder, in the order they
/// apply: module by module as ``ModuleSchema/all`` lists them, then by version.
public struct MigrationCatalog: Sendable {
    public let migrations: [Migration]

    public init(migrations: [Migration]) { self.migrations = migrations }

    /// Reads `<directory>/<schema>/NNNN_name.sql` for every module schema.
    public init(directory: String) throws(StorageError) {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .migrationFailed("migrations folder not found at \(directory)")
        }
        let known = Set(ModuleSchema.all.map(\.name))
        let folders = ((try? fileManager.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }
        if let stray = folders.first(where: { !known.contains($0) }) {
            throw .migrationFailed("\(directory)/\(stray) is not a module schema (\(known.sorted().joined(separator: ", ")))")
        }
        var migrations: [Migration] = []
        for schema in ModuleSchema.all {
            let folder = "\(directory)/\(schema.name)"
            let files = ((try? fileManager.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".sql") }
            var seen: Set<Int> = []
            for file in files.sorted() {
                let stem = file.dropLast(4)
                guard let separator = stem.firstIndex(of: "_"), let version = Int(stem[..<separator]), version > 0 else {
                    throw .migrationFailed("\(folder)/\(file) is not named NNNN_name.sql")
                }
                guard seen.insert(version).inserted else {
                    throw .migrationFailed("\(folder) has two migrations numbered \(version)")
                }
                guard let sql = try? String(contentsOfFile: "\(folder)/\(file)", encoding: .utf8) else {
                    throw .migrationFailed("cannot read \(folder)/\(file)")
                }
                migrations.append(Migration(schema: schema, version: version, name: String(stem[stem.index(after: separator)...]), sql: sql))
            }
        }
        self.migrations = migrations.sorted { lhs, rhs in
            let order = ModuleSchema.all
            return (order.firstIndex(of: lhs.schema)!, lhs.version) < (order.firstIndex(of: rhs.schema)!, rhs.version)
        }
    }

    /// Finds `schemas/migrations`: in the working directory, or above the running executable
    /// (`.build/debug/scribe` inside a checkout), so `scribe` works from anywhere in the tree.
    public static func locateDirectory(executablePath: String = CommandLine.arguments.first ?? "") -> String? {
        var candidates = [FileManager.default.currentDirectoryPath]
        var directory = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(directory.path)
            directory.deleteLastPathComponent()
        }
        return candidates.map { $0 + "/schemas/migrations" }.first { FileManager.default.fileExists(atPath: $0) }
    }
}
