import ArgumentParser
import Foundation
import ScribeServer

/// `scribe backup FILE`: the database as `pg_dump --format=custom` writes it.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a dump of the database to a new file (mode 0600). Uses a running embedded cluster if `serve` has one up.",
        discussion: """
            The dump does not hold the master key: keep master.key (or SCRIBE_MASTER_KEY's value) in your secret store, \
            apart from the dumps. docs/operations.md describes backups and restores.
            """
    )

    @OptionGroup var settings: SettingOptions
    @Argument(help: "The file to write; it must not exist.")
    var file: String

    func run() async throws {
        let (configuration, logger) = try settings.prepare()
        try await reportingFailure {
            try await ServerRuntime.backup(configuration, to: file, logger: logger)
        }
        print("Wrote \(file). Keep the master key apart from it: without that key, nothing published opens again.")
    }
}

/// `scribe restore FILE`: a dump from `scribe backup` into a new, empty database.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a dump made by `scribe backup` (or pg_dump --format=custom) into an empty database, then migrate it.",
        discussion: """
            On the embedded default, give a new SCRIBE_DATA_DIR; with DATABASE_URL, a new empty database. Put the master key \
            back (master.key in the data directory, or SCRIBE_MASTER_KEY) before `scribe serve`.
            """
    )

    @OptionGroup var settings: SettingOptions
    @Argument(help: "The dump to restore.")
    var file: String

    func run() async throws {
        let (configuration, logger) = try settings.prepare()
        let restored = try await reportingFailure {
            try await ServerRuntime.restore(configuration, from: file, logger: logger)
        }
        let migrations = restored.appliedMigrations.isEmpty ? "" : " and applied " + restored.appliedMigrations.joined(separator: ", ")
        print("Restored \(file)\(migrations).")
        if let missing = restored.missingMasterKey {
            FileHandle.standardError.write(Data("scribe: before `scribe serve`: \(missing)\n".utf8))
        }
    }
}
