import Foundation
import Logging
import ScribeContracts
import ScribeMarketplace
import ScribeSocial
import ScribeStorage

/// Everything `scribe` needs to start, resolved and checked before anything is written.
///
/// Each setting comes from a command-line flag or, failing that, its environment variable:
///
/// | setting | default |
/// |---|---|
/// | `SCRIBE_PUBLIC_URL` | `http://localhost:8080` |
/// | `SCRIBE_BIND` | `127.0.0.1:8080` |
/// | `DATABASE_URL` | none: the embedded cluster under the data directory |
/// | `SCRIBE_DATA_DIR` | `./.scribe` |
/// | `SCRIBE_MASTER_KEY` | none: Core keeps a key file in the data directory |
/// | `SCRIBE_LOG_LEVEL` | `info` |
/// | `SCRIBE_MIGRATIONS_DIR` | `schemas/migrations` found from the working directory or the executable |
/// | `SCRIBE_ALLOW_PRIVATE_PEERS` | `false`: federate only over https with public addresses |
/// | `SCRIBE_DELIVERY_LEASE_SECONDS` | `120`: when a delivery whose worker died is sent again |
/// | `STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET` | unset: sales off. Both set: sales on (several webhook secrets comma-separated) |
/// | `STRIPE_API_BASE` | `https://api.stripe.com` |
public struct ServerConfiguration: Sendable {
    /// The origin every public id is built from: scheme, host and port, no path.
    public var publicURL: URL
    public var bindHost: String
    public var bindPort: Int
    /// `nil` selects the embedded cluster.
    public var database: DatabaseLocation?
    public var dataDirectory: String
    /// 32 bytes when configured; Core otherwise creates a key file (a later issue).
    public var masterKey: Data?
    public var logLevel: Logger.Level
    public var migrationsDirectory: String
    /// Federate with `http://` peers on loopback and private addresses (tests, local development).
    public var allowPrivatePeers: Bool
    /// Seconds before a delivery claimed by a worker that died is sent again.
    public var deliveryLeaseSeconds: Int
    /// The operator's Stripe account; nil turns sales off.
    public var stripe: StripeSettings? = nil

    /// The raw text of each setting, keyed by environment variable name.
    public typealias Values = [String: String]

    public static let settingNames = [
        "SCRIBE_PUBLIC_URL", "SCRIBE_BIND", "DATABASE_URL", "SCRIBE_DATA_DIR", "SCRIBE_MASTER_KEY",
        "SCRIBE_LOG_LEVEL", "SCRIBE_MIGRATIONS_DIR", "SCRIBE_ALLOW_PRIVATE_PEERS",
        "SCRIBE_DELIVERY_LEASE_SECONDS", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE",
    ]

    /// Resolves the configuration: `flags` win over `environment`; empty values count as unset.
    public static func resolve(flags: Values, environment: Values = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> ServerConfiguration {
        func value(_ name: String) -> String? {
            for source in [flags, environment] {
                if let value = source[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty { return value }
            }
            return nil
        }
        let publicURL = try parsePublicURL(value("SCRIBE_PUBLIC_URL") ?? "http://localhost:8080")
        let (bindHost, bindPort) = try parseBind(value("SCRIBE_BIND") ?? "127.0.0.1:8080")
        var database: DatabaseLocation?
        if let url = value("DATABASE_URL") {
            do {
                database = try DatabaseLocation(url: url)
            } catch {
                throw ConfigurationError("DATABASE_URL", "\(error)".replacingOccurrences(of: "DATABASE_URL is invalid: ", with: ""))
            }
        }
        let dataDirectory = value("SCRIBE_DATA_DIR") ?? "./.scribe"
        if let existing = try? FileManager.default.attributesOfItem(atPath: dataDirectory), existing[.type] as? FileAttributeType != .typeDirectory {
            throw ConfigurationError("SCRIBE_DATA_DIR", "\(dataDirectory) exists and is not a directory")
        }
        var masterKey: Data?
        if let key = value("SCRIBE_MASTER_KEY") {
            guard let decoded = Data(base64Encoded: key), decoded.count == 32 else {
                throw ConfigurationError("SCRIBE_MASTER_KEY", "must be 32 random bytes in base64 (for example from: openssl rand -base64 32)")
            }
            masterKey = decoded
        }
        let levelText = (value("SCRIBE_LOG_LEVEL") ?? "info").lowercased()
        guard let logLevel = Logger.Level(rawValue: levelText) else {
            throw ConfigurationError("SCRIBE_LOG_LEVEL", "'\(levelText)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        guard let migrationsDirectory = value("SCRIBE_MIGRATIONS_DIR") ?? MigrationCatalog.locateDirectory() else {
            throw ConfigurationError("SCRIBE_MIGRATIONS_DIR", "schemas/migrations was not found near the working directory or the executable; set it to that folder")
        }
        let allowPrivatePeers: Bool
        switch (value("SCRIBE_ALLOW_PRIVATE_PEERS") ?? "false").lowercased() {
        case "true", "1", "yes", "on": allowPrivatePeers = true
        case "false", "0", "no", "off": allowPrivatePeers = false
        case let other: throw ConfigurationError("SCRIBE_ALLOW_PRIVATE_PEERS", "must be true or false (got '\(other)')")
        }
        let leaseText = value("SCRIBE_DELIVERY_LEASE_SECONDS") ?? "120"
        guard let deliveryLeaseSeconds = Int(leaseText), (1...3600).contains(deliveryLeaseSeconds) else {
            throw ConfigurationError("SCRIBE_DELIVERY_LEASE_SECONDS", "must be a number of seconds from 1 to 3600 (got '\(leaseText)')")
        }
        let stripe = try parseStripe(secretKey: value("STRIPE_SECRET_KEY"), webhookSecret: value("STRIPE_WEBHOOK_SECRET"), apiBase: value("STRIPE_API_BASE"))
        return ServerConfiguration(
            publicURL: publicURL, bindHost: bindHost, bindPort: bindPort, database: database, dataDirectory: dataDirectory,
            masterKey: masterKey, logLevel: logLevel, migrationsDirectory: migrationsDirectory, allowPrivatePeers: allowPrivatePeers,
            deliveryLeaseSeconds: deliveryLeaseSeconds, stripe: stripe
        )
    }

    /// Both Stripe secrets, or neither: one without the other is a mistake worth stopping for.
    static func parseStripe(secretKey: String?, webhookSecret: String?, apiBase: String?) throws(ConfigurationError) -> StripeSettings? {
        switch (secretKey, webhookSecret) {
        case (nil, nil): return nil
        case (nil, _): throw ConfigurationError("STRIPE_SECRET_KEY", "must be set with STRIPE_WEBHOOK_SECRET")
        case (_, nil): throw ConfigurationError("STRIPE_WEBHOOK_SECRET", "must be set with STRIPE_SECRET_KEY")
        case (let key?, let secrets?):
            let base = apiBase ?? "https://api.stripe.com"
            guard let url = URL(string: base), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw ConfigurationError("STRIPE_API_BASE", "must be an http(s) origin (got '\(base)')")
            }
            let list = secrets.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return StripeSettings(secretKey: key, webhookSecrets: list, apiBase: url)
        }
    }

    static func parsePublicURL(_ text: String) throws(ConfigurationError) -> URL {
        let example = "an origin such as https://scribe.example (got '\(text)')"
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            ["http", "https"].contains(scheme), let host = components.host, !host.isEmpty
        else {
            throw ConfigurationError("SCRIBE_PUBLIC_URL", "must be \(example)")
        }
        guard components.path.isEmpty || components.path == "/", components.query == nil, components.fragment == nil,
            components.user == nil, components.password == nil
        else {
            throw ConfigurationError("SCRIBE_PUBLIC_URL", "must be an origin without path, query or credentials, such as https://scribe.example (got '\(text)')")
        }
        var origin = URLComponents()
        origin.scheme = scheme
        origin.host = host.lowercased()
        origin.port = components.port
        guard let url = origin.url else { throw ConfigurationError("SCRIBE_PUBLIC_URL", "must be \(example)") }
        return url
    }

    static func parseBind(_ text: String) throws(ConfigurationError) -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ConfigurationError("SCRIBE_BIND", "must be HOST:PORT with a port from 0 to 65535, such as 127.0.0.1:8080 (got '\(text)')")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ConfigurationError("SCRIBE_BIND", "the host is missing (got '\(text)')") }
        return (host, port)
    }
}

extension ServerConfiguration {
    /// What Social is told about the server.
    var socialSettings: SocialSettings {
        SocialSettings(publicURL: publicURL, allowsPrivatePeers: allowPrivatePeers, deliveryLease: .seconds(deliveryLeaseSeconds))
    }

    /// The marketplace composed as this configuration says.
    func marketplace(core: any CoreAPI, database: Database, logger: Logger) -> MarketplaceModule {
        MarketplaceModule(core: core, database: database, publicURL: publicURL, stripe: stripe, logger: logger)
    }
}
