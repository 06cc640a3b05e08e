import ArgumentParser
import ScribeCore
import ScribeServer

/// `scribe keys ...`: the server master key, which wraps the keys of published items.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Show and rotate the server master key.",
        subcommands: [List.self, Rotate.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the master keys by id, the current one first, with what each wraps.")

        @OptionGroup var settings: SettingOptions

        func run() async throws {
            let (configuration, logger) = try settings.prepare()
            let (current, ids, usage) = try await reportingFailure {
                try await ServerRuntime.withCore(configuration, logger: logger) { core in
                    (core.masterKeys.current.id, core.masterKeys.keyIDs, try await core.masterKeyUsage())
                }
            }
            for id in [current] + ids.filter({ $0 != current }) {
                print("\(id)\t\(id == current ? "current" : "older")\t\(usage[id] ?? 0) keys")
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new master key current and re-wrap every publication key under it; nothing else is re-encrypted.",
            discussion: """
                Without SCRIBE_MASTER_KEY a new key is added to master.key in the data directory. With it, that key is current: \
                put the previous key on a line of master.key, set SCRIBE_MASTER_KEY to the new key, then rotate. Older keys are \
                kept; restart running servers afterwards so they wrap new publications with the new key.
                """
        )

        @OptionGroup var settings: SettingOptions

        func run() async throws {
            let (configuration, logger) = try settings.prepare()
            let configured = configuration.masterKey
            let dataDirectory = configuration.dataDirectory
            let (current, rewrapped) = try await reportingFailure {
                try await ServerRuntime.withCore(
                    configuration,
                    logger: logger,
                    keyring: {
                        configured == nil
                            ? try MasterKeyring.addingNewKey(dataDirectory: dataDirectory)
                            : try MasterKeyring.load(configured: configured, dataDirectory: dataDirectory)
                    }
                ) { core in
                    (core.masterKeys.current.id, try await core.rewrapMasterKeyedKeys())
                }
            }
            print("Master key \(current) is current; re-wrapped \(rewrapped) keys (publication and actor keys).")
            print("Older keys stay in the key file; restart running servers so they use the new key.")
        }
    }
}
