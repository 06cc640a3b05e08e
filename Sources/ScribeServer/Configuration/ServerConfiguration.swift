import Foundation
import Logging
import ScribeContracts
import ScribeCoreClient
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
/// | `SCRIBE_ROLE` | `all`: Core, Marketplace and Social in one process (``ProcessRole``) |
/// | `SCRIBE_SERVICE_SECRET` | unset: no internal API. Needed by every process of a split deployment (32+ characters, the same in each) |
/// | `SCRIBE_CORE_URL` | none; the Core process's address, needed by `marketplace` and `social` |
/// | `SCRIBE_MARKETPLACE_URL` | unset; where `social` forwards `/api/v1/marketplace/...` |
/// | `SCRIBE_RATE_LIMIT_ADDRESS`, `SCRIBE_RATE_LIMIT_ACCOUNT` | `1200`, `600`: JSON API requests a minute per client address and per account (0: no limit) |
/// | `SCRIBE_RATE_LIMIT_INBOX` | `6000`: inbox deliveries a minute per remote domain (0: no limit) |
/// | `SCRIBE_METRICS_TOKEN` | unset: `/metrics` answers loopback clients only; set, also bearers of this token |
/// | `SCRIBE_SHUTDOWN_SECONDS` | `20`: how long a stop waits for requests in flight before cancelling them |
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
    /// Which modules this process runs.
    public var role: ProcessRole = .all
    /// The key service tokens are signed with; nil in a single process that serves no internal API.
    public var serviceSecret: ServiceSecret? = nil
    /// Core's process, for a `marketplace` or `social` process.
    public var coreURL: URL? = nil
    /// The marketplace's process, for a `social` process that forwards marketplace requests.
    public var marketplaceURL: URL? = nil
    public var rateLimits: RateLimitSettings = .standard
    /// Who besides loopback clients may read `/metrics`.
    public var metricsToken: String? = nil
    /// How long SIGTERM waits for requests in flight to finish before cancelling them: a request
    /// waiting for a database that is gone would otherwise hold the stop for ever.
    public var shutdownGrace: Duration = .seconds(20)

    /// The raw text of each setting, keyed by environment variable name.
    public typealias Values = [String: String]

    public static let settingNames = [
        "SCRIBE_PUBLIC_URL", "SCRIBE_BIND", "DATABASE_URL", "SCRIBE_DATA_DIR", "SCRIBE_MASTER_KEY",
        "SCRIBE_LOG_LEVEL", "SCRIBE_MIGRATIONS_DIR", "SCRIBE_ALLOW_PRIVATE_PEERS",
        "SCRIBE_DELIVERY_LEASE_SECONDS", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE",
        "SCRIBE_ROLE", "SCRIBE_SERVICE_SECRET", "SCRIBE_CORE_URL", "SCRIBE_MARKETPLACE_URL",
        "SCRIBE_RATE_LIMIT_ADDRESS", "SCRIBE_RATE_LIMIT_ACCOUNT", "SCRIBE_RATE_LIMIT_INBOX", "SCRIBE_METRICS_TOKEN",
        "SCRIBE_SHUTDOWN_SECONDS",
    ]

    /// Resolves the configuration: `flags` win over `environment`; empty values count as unset.
    public static func resolve(
        flags: Values,
        environment: Values = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> ServerConfiguration {
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
            throw ConfigurationError(
                "SCRIBE_MIGRATIONS_DIR",
                "schemas/migrations was not found near the working directory or the executable; set it to that folder"
            )
        }
        let allowPrivatePeers: Bool
        switch (value("SCRIBE_ALLOW_PRIVATE_PEERS") ?? "false").lowercased() {
        case "true", "1", "yes", "on": allowPrivatePeers = true
        case "false", "0", "no", "off": allowPrivatePeers = false
        case let other: throw ConfigurationError("SCRIBE_ALLOW_PRIVATE_PEERS", "must be true or false (got '\(other)')")
        }
        let deliveryLeaseSeconds = try seconds("SCRIBE_DELIVERY_LEASE_SECONDS", value("SCRIBE_DELIVERY_LEASE_SECONDS"), default: 120)
        let stripe = try parseStripe(
            secretKey: value("STRIPE_SECRET_KEY"),
            webhookSecret: value("STRIPE_WEBHOOK_SECRET"),
            apiBase: value("STRIPE_API_BASE")
        )
        var configuration = ServerConfiguration(
            publicURL: publicURL,
            bindHost: bindHost,
            bindPort: bindPort,
            database: database,
            dataDirectory: dataDirectory,
            masterKey: masterKey,
            logLevel: logLevel,
            migrationsDirectory: migrationsDirectory,
            allowPrivatePeers: allowPrivatePeers,
            deliveryLeaseSeconds: deliveryLeaseSeconds,
            stripe: stripe
        )
        try configuration.resolveDeployment(value)
        return configuration
    }

    /// The settings of a split deployment, rate limits, metrics access and the stop.
    private mutating func resolveDeployment(_ value: (String) -> String?) throws(ConfigurationError) {
        let roleText = (value("SCRIBE_ROLE") ?? "all").lowercased()
        guard let role = ProcessRole(rawValue: roleText) else {
            throw ConfigurationError("SCRIBE_ROLE", "must be all, core, marketplace or social (got '\(roleText)')")
        }
        self.role = role
        if let text = value("SCRIBE_SERVICE_SECRET") {
            guard let secret = ServiceSecret(text) else {
                throw ConfigurationError("SCRIBE_SERVICE_SECRET", "must be at least 32 characters (for example from: openssl rand -base64 32)")
            }
            serviceSecret = secret
        } else if role != .all {
            throw ConfigurationError("SCRIBE_SERVICE_SECRET", "must be set, the same in every process, when a process runs as \(role.rawValue)")
        }
        coreURL = try Self.parseServiceURL("SCRIBE_CORE_URL", value("SCRIBE_CORE_URL"))
        if coreURL == nil, role == .marketplace || role == .social {
            throw ConfigurationError(
                "SCRIBE_CORE_URL",
                "must name the core process (such as http://127.0.0.1:8081) when a process runs as \(role.rawValue)"
            )
        }
        marketplaceURL = try Self.parseServiceURL("SCRIBE_MARKETPLACE_URL", value("SCRIBE_MARKETPLACE_URL"))
        func limit(_ name: String, _ standard: Int) throws(ConfigurationError) -> Int {
            let text = value(name) ?? String(standard)
            guard let number = Int(text), (0...1_000_000).contains(number) else {
                throw ConfigurationError(name, "must be a number of requests a minute from 0 (no limit) to 1000000 (got '\(text)')")
            }
            return number
        }
        rateLimits = RateLimitSettings(
            perAddress: try limit("SCRIBE_RATE_LIMIT_ADDRESS", RateLimitSettings.standard.perAddress),
            perAccount: try limit("SCRIBE_RATE_LIMIT_ACCOUNT", RateLimitSettings.standard.perAccount),
            perRemoteDomain: try limit("SCRIBE_RATE_LIMIT_INBOX", RateLimitSettings.standard.perRemoteDomain)
        )
        metricsToken = value("SCRIBE_METRICS_TOKEN")
        shutdownGrace = .seconds(try Self.seconds("SCRIBE_SHUTDOWN_SECONDS", value("SCRIBE_SHUTDOWN_SECONDS"), default: 20))
    }

    /// A setting that is a whole number of seconds, from 1 to an hour.
    static func seconds(_ name: String, _ text: String?, default standard: Int) throws(ConfigurationError) -> Int {
        let text = text ?? String(standard)
        guard let seconds = Int(text), (1...3600).contains(seconds) else {
            throw ConfigurationError(name, "must be a number of seconds from 1 to 3600 (got '\(text)')")
        }
        return seconds
    }

    static func parseServiceURL(_ name: String, _ text: String?) throws(ConfigurationError) -> URL? {
        guard let text else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw ConfigurationError(name, "must be an http(s) address such as http://127.0.0.1:8081 (got '\(text)')")
        }
        return url
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
            throw ConfigurationError(
                "SCRIBE_PUBLIC_URL",
                "must be an origin without path, query or credentials, such as https://scribe.example (got '\(text)')"
            )
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
