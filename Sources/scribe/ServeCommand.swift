import ArgumentParser
import ScribeServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (the default command).")

    @OptionGroup var settings: SettingOptions

    func run() async throws {
        let (configuration, logger) = try settings.prepare()
        try await reportingFailure {
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
        let applied = try await reportingFailure {
            try await ServerRuntime.migrate(configuration, logger: logger)
        }
        print(applied.isEmpty ? "Database is up to date." : "Applied: " + applied.joined(separator: ", "))
    }
}
