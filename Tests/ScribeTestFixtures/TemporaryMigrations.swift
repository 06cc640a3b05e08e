import Foundation

/// Writes migration files into a new temporary folder and returns its path.
public func temporaryMigrations(_ files: [(schema: String, name: String, sql: String)]) throws -> String {
    let root = NSTemporaryDirectory() + "scribe-migrations-\(UUID().uuidString)"
    for file in files {
        try FileManager.default.createDirectory(atPath: "\(root)/\(file.schema)", withIntermediateDirectories: true)
        try file.sql.write(toFile: "\(root)/\(file.schema)/\(file.name)", atomically: true, encoding: .utf8)
    }
    return root
}
