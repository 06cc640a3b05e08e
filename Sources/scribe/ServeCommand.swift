import ArgumentParser
import ScribeServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (the default command).")

    @OptionGroup var settings: SettingOptions
    @Option(name: .customLong(Setting.role.flag!), help: ArgumentHelp(Setting.role.optionHelp))
    var role: String?
    @Option(name: .customLong(Setting.coreURL.flag!), help: ArgumentHelp(Setting.coreURL.optionHelp))
    var coreURL: String?
    @Option(name: .customLong(Setting.marketplaceURL.flag!), help: ArgumentHelp(Setting.marketplaceURL.optionHelp))
    var marketplaceURL: String?
    @Option(name: .customLong(Setting.databaseReplicaURLs.flag!), help: ArgumentHelp(Setting.databaseReplicaURLs.optionHelp))
    var databaseReplicaURLs: String?

    func run() async throws {
        let given: [(Setting, String?)] = [
            (.role, role), (.coreURL, coreURL), (.marketplaceURL, marketplaceURL), (.databaseReplicaURLs, databaseReplicaURLs),
        ]
        let flags = ServerConfiguration.Values(given.compactMap { setting, value in value.map { (setting.variable, $0) } }) { $1 }
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
