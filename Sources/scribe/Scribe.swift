import ArgumentParser
import Foundation
import Logging
import ScribeServer
import ScribeStorage

/// `scribe`: the federation server and its administration commands.
@main
struct Scribe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Scribe's federation server: marketplace and ActivityPub social layer.",
        subcommands: [Serve.self, Migrate.self],
        defaultSubcommand: Serve.self
    )
}

/// The settings every command shares. Each flag overrides its environment variable.
struct SettingOptions: ParsableArguments {
    @Option(name: .customLong("public-url"), help: "Origin of every public id (SCRIBE_PUBLIC_URL; default http://localhost:8080).")
    var publicURL: String?
    @Option(help: "Listen address HOST:PORT (SCRIBE_BIND; default 127.0.0.1:8080).")
    var bind: String?
    @Option(name: .customLong("database-url"), help: "PostgreSQL URL (DATABASE_URL); without it an embedded cluster runs under the data directory.")
    var databaseURL: String?
    @Option(name: .customLong("data-dir"), help: "Data directory (SCRIBE_DATA_DIR; default ./.scribe).")
    var dataDirectory: String?
    @Option(name: .customLong("master-key"), help: "Server master key, 32 bytes in base64 (SCRIBE_MASTER_KEY).")
    var masterKey: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (SCRIBE_LOG_LEVEL; default info).")
    var logLevel: String?
    @Option(name: .customLong("migrations-dir"), help: "Folder of SQL migrations (SCRIBE_MIGRATIONS_DIR; default schemas/migrations).")
    var migrationsDirectory: String?

    var flags: ServerConfiguration.Values {
        var values: ServerConfiguration.Values = [:]
        values["SCRIBE_PUBLIC_URL"] = publicURL
        values["SCRIBE_BIND"] = bind
        values["DATABASE_URL"] = databaseURL
        values["SCRIBE_DATA_DIR"] = dataDirectory
        values["SCRIBE_MASTER_KEY"] = masterKey
        values["SCRIBE_LOG_LEVEL"] = logLevel
        values["SCRIBE_MIGRATIONS_DIR"] = migrationsDirectory
        return values
    }

    /// Resolves the configuration and sets up logging, or ends the process with one line
    /// naming the bad setting.
    func prepare() throws -> (ServerConfiguration, Logger) {
        let configuration = try exitingOnFailure { () throws(ConfigurationError) in try ServerConfiguration.resolve(flags: flags) }
        JSONLogHandler.bootstrap(level: configuration.logLevel)
        return (configuration, Logger(label: "scribe"))
    }
}

/// Prints a failure as one line on standard error and exits non-zero. Start-up failures are
/// the operator's to fix, so they read as sentences, not stack traces or usage text.
func exitingOnFailure<Result>(_ body: () async throws -> Result) async throws -> Result {
    do {
        return try await body()
    } catch is CancellationError {
        throw ExitCode.success
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("scribe: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

func exitingOnFailure<Result>(_ body: () throws -> Result) throws -> Result {
    do {
        return try body()
    } catch {
        FileHandle.standardError.write(Data("scribe: \(error)\n".utf8))
        throw ExitCode(2)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (the default command).")

    @OptionGroup var settings: SettingOptions

    func run() async throws {
        let (configuration, logger) = try settings.prepare()
        try await exitingOnFailure {
            try await ServerRuntime.serve(configuration, logger: logger)
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations and exit. Uses a running embedded cluster if `serve` has one up."
    )

    @OptionGroup var settings: SettingOptions

    func run() async throws {
        let (configuration, logger) = try settings.prepare()
        let applied = try await exitingOnFailure {
            try await ServerRuntime.migrate(configuration, logger: logger)
        }
        print(applied.isEmpty ? "Database is up to date." : "Applied: " + applied.joined(separator: ", "))
    }
}
