import ArgumentParser
import ScribeContracts

/// `scribe`: the federation server and its administration commands.
@main
struct Scribe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Scribe's federation server: marketplace and ActivityPub social layer.",
        version: ScribeVersion.current,
        subcommands: [
            Serve.self, Migrate.self, BackupCommand.self, RestoreCommand.self, UserCommand.self, ImportCommand.self, ExportCommand.self,
            KeysCommand.self, FederationCommand.self,
            MarketplaceCommand.self, ServiceTokenCommand.self,
        ],
        defaultSubcommand: Serve.self
    )
}
