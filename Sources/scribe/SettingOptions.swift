import ArgumentParser
import Foundation
import Logging
import ScribeServer

/// The settings every command shares, each an option named and described by its ``Setting``.
/// Each flag overrides its environment variable.
struct SettingOptions: ParsableArguments {
    @Option(name: .customLong(Setting.publicURL.flag!), help: ArgumentHelp(Setting.publicURL.optionHelp))
    var publicURL: String?
    @Option(name: .customLong(Setting.bind.flag!), help: ArgumentHelp(Setting.bind.optionHelp))
    var bind: String?
    @Option(name: .customLong(Setting.databaseURL.flag!), help: ArgumentHelp(Setting.databaseURL.optionHelp))
    var databaseURL: String?
    @Option(name: .customLong(Setting.dataDirectory.flag!), help: ArgumentHelp(Setting.dataDirectory.optionHelp))
    var dataDirectory: String?
    @Option(name: .customLong(Setting.masterKey.flag!), help: ArgumentHelp(Setting.masterKey.optionHelp))
    var masterKey: String?
    @Option(name: .customLong(Setting.logLevel.flag!), help: ArgumentHelp(Setting.logLevel.optionHelp))
    var logLevel: String?
    @Option(name: .customLong(Setting.migrationsDirectory.flag!), help: ArgumentHelp(Setting.migrationsDirectory.optionHelp))
    var migrationsDirectory: String?
    @Flag(name: .customLong(Setting.allowPrivatePeers.flag!), help: ArgumentHelp(Setting.allowPrivatePeers.optionHelp))
    var allowPrivatePeers = false
    @Flag(name: .customLong(Setting.authorizedFetch.flag!), help: ArgumentHelp(Setting.authorizedFetch.optionHelp))
    var authorizedFetch = false
    @Option(name: .customLong(Setting.deliveryLease.flag!), help: ArgumentHelp(Setting.deliveryLease.optionHelp))
    var deliveryLease: String?
    @Option(name: .customLong(Setting.inboxLease.flag!), help: ArgumentHelp(Setting.inboxLease.optionHelp))
    var inboxLease: String?

    /// The options given, by the variable of the setting each sets.
    var flags: ServerConfiguration.Values {
        let given: [(Setting, String?)] = [
            (.publicURL, publicURL), (.bind, bind), (.databaseURL, databaseURL), (.dataDirectory, dataDirectory), (.masterKey, masterKey),
            (.logLevel, logLevel), (.migrationsDirectory, migrationsDirectory), (.allowPrivatePeers, allowPrivatePeers ? "true" : nil),
            (.authorizedFetch, authorizedFetch ? "true" : nil), (.deliveryLease, deliveryLease), (.inboxLease, inboxLease),
        ]
        return ServerConfiguration.Values(given.compactMap { setting, value in value.map { (setting.variable, $0) } }) { $1 }
    }

    /// Resolves the configuration and sets up logging, or ends the process with one line
    /// naming the bad setting (exit status 2).
    /// - Parameter extraFlags: a command's own settings, such as `serve --role`.
    func prepare(extraFlags: ServerConfiguration.Values = [:]) throws -> (ServerConfiguration, Logger) {
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.resolve(flags: flags.merging(extraFlags) { $1 })
        } catch {
            FileHandle.standardError.write(Data("scribe: \(error)\n".utf8))
            throw ExitCode(2)
        }
        JSONLogHandler.bootstrap(level: configuration.logLevel)
        return (configuration, Logger(label: "scribe"))
    }
}

/// Runs a command's work; a failure is printed as one line on standard error and exits 1.
/// Start-up and command failures are the operator's to fix, so they read as sentences, not
/// stack traces or usage text.
func reportingFailure<Result>(_ body: () async throws -> Result) async throws -> Result {
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
