import ArgumentParser
import ScribeServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (the default command).")

    @OptionGroup var settings: SettingOptions
    @Option(help: "Which modules this process runs: all, core, marketplace or social (SCRIBE_ROLE; default all). See docs/operations.md.")
    var role: String?
    @Option(name: .customLong("core-url"), help: "The core process's address, for marketplace and social processes (SCRIBE_CORE_URL).")
    var coreURL: String?
    @Option(
        name: .customLong("marketplace-url"),
        help: "The marketplace process's address, where social forwards /api/v1/marketplace (SCRIBE_MARKETPLACE_URL)."
    )
    var marketplaceURL: String?

    func run() async throws {
        var flags: ServerConfiguration.Values = [:]
        flags["SCRIBE_ROLE"] = role
        flags["SCRIBE_CORE_URL"] = coreURL
        flags["SCRIBE_MARKETPLACE_URL"] = marketplaceURL
        let (configuration, logger) = try settings.prepare(extraFlags: flags)
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
