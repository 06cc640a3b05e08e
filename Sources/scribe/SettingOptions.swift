import ArgumentParser
import Foundation
import Logging
import ScribeServer

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
    @Flag(
        name: .customLong("allow-private-peers"),
        help: "Federate with http:// peers on loopback and private addresses, for tests and local development (SCRIBE_ALLOW_PRIVATE_PEERS)."
    )
    var allowPrivatePeers = false
    @Option(
        name: .customLong("delivery-lease"),
        help: "Seconds before a delivery whose worker died is sent again (SCRIBE_DELIVERY_LEASE_SECONDS; default 120)."
    )
    var deliveryLease: String?

    var flags: ServerConfiguration.Values {
        var values: ServerConfiguration.Values = [:]
        values["SCRIBE_PUBLIC_URL"] = publicURL
        values["SCRIBE_BIND"] = bind
        values["DATABASE_URL"] = databaseURL
        values["SCRIBE_DATA_DIR"] = dataDirectory
        values["SCRIBE_MASTER_KEY"] = masterKey
        values["SCRIBE_LOG_LEVEL"] = logLevel
        values["SCRIBE_MIGRATIONS_DIR"] = migrationsDirectory
        if allowPrivatePeers { values["SCRIBE_ALLOW_PRIVATE_PEERS"] = "true" }
        values["SCRIBE_DELIVERY_LEASE_SECONDS"] = deliveryLease
        return values
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
