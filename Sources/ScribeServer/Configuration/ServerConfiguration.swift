import Foundation
import Logging
import ScribeContracts
import ScribeCoreClient
import ScribeMarketplace
import ScribeSocial
import ScribeStorage

/// Everything `scribe` needs to start, resolved and checked before anything is written.
///
/// Each setting comes from a command-line flag or, failing that, its environment variable, or
/// its default; ``Setting`` declares them all, with their defaults and meanings.
public struct ServerConfiguration: Sendable {
    /// The origin every public id is built from: scheme, host and port, no path.
    public var publicURL: URL
    public var bindHost: String
    public var bindPort: Int
    /// `nil` selects the embedded cluster.
    public var database: DatabaseLocation?
    /// Streaming replicas of `database`, for reads that tolerate a second of lag.
    public var databaseReplicas: [DatabaseLocation] = []
    public var dataDirectory: String
    /// 32 bytes when configured; Core otherwise creates a key file (a later issue).
    public var masterKey: Data?
    public var logLevel: Logger.Level
    public var migrationsDirectory: String
    /// Federate with `http://` peers on loopback and private addresses (tests, local development).
    public var allowPrivatePeers: Bool
    /// Serve ActivityPub documents only to signed requests (Mastodon's secure mode).
    public var authorizedFetch = false
    /// The server's name and one sentence about it, for the pages and NodeInfo.
    public var instanceName = "Scribe"
    public var instanceDescription = ""
    /// Seconds before a delivery claimed by a worker that died is sent again.
    public var deliveryLeaseSeconds: Int
    /// Seconds before an inbound activity taken by a worker that died is taken again.
    public var inboxLeaseSeconds: Int = 120
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
    /// How long a stop keeps serving, with `/readyz` at 503, before it stops accepting: the time a
    /// load balancer needs to take the process out of rotation. Zero when no balancer polls it.
    public var drainPeriod: Duration = .zero

    /// The raw text of each setting, keyed by environment variable name.
    public typealias Values = [String: String]

    /// Resolves the configuration: `flags` win over `environment`, which wins over each setting's
    /// default; empty values count as unset.
    public static func resolve(
        flags: Values,
        environment: Values = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> ServerConfiguration {
        func value(_ setting: Setting) -> String? {
            for source in [flags, environment] {
                if let value = source[setting.variable]?.trimmingCharacters(in: .whitespaces), !value.isEmpty { return value }
            }
            return setting.defaultValue
        }
        let publicURL = try parsePublicURL(value(.publicURL)!)
        let (bindHost, bindPort) = try parseBind(value(.bind)!)
        var database: DatabaseLocation?
        if let url = value(.databaseURL) {
            do {
                database = try DatabaseLocation(url: url)
            } catch {
                throw ConfigurationError(.databaseURL, "\(error)".replacingOccurrences(of: "DATABASE_URL is invalid: ", with: ""))
            }
        }
        var databaseReplicas: [DatabaseLocation] = []
        for url in (value(.databaseReplicaURLs) ?? "").split(separator: ",") where !url.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                databaseReplicas.append(try DatabaseLocation(url: url.trimmingCharacters(in: .whitespaces)))
            } catch {
                throw ConfigurationError(.databaseReplicaURLs, "\(error)".replacingOccurrences(of: "DATABASE_URL is invalid: ", with: ""))
            }
        }
        let dataDirectory = value(.dataDirectory)!
        if let existing = try? FileManager.default.attributesOfItem(atPath: dataDirectory), existing[.type] as? FileAttributeType != .typeDirectory {
            throw ConfigurationError(.dataDirectory, "\(dataDirectory) exists and is not a directory")
        }
        var masterKey: Data?
        if let key = value(.masterKey) {
            guard let decoded = Data(base64Encoded: key), decoded.count == 32 else {
                throw ConfigurationError(.masterKey, "must be 32 random bytes in base64 (for example from: openssl rand -base64 32)")
            }
            masterKey = decoded
        }
        let levelText = value(.logLevel)!.lowercased()
        guard let logLevel = Logger.Level(rawValue: levelText) else {
            throw ConfigurationError(.logLevel, "'\(levelText)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        guard let migrationsDirectory = value(.migrationsDirectory) ?? MigrationCatalog.locateDirectory() else {
            throw ConfigurationError(
                .migrationsDirectory,
                "schemas/migrations was not found near the working directory or the executable; set it to that folder"
            )
        }
        let allowPrivatePeers = try switchValue(.allowPrivatePeers, value(.allowPrivatePeers)!)
        let stripe = try parseStripe(
            secretKey: value(.stripeSecretKey),
            webhookSecret: value(.stripeWebhookSecret),
            apiBase: value(.stripeAPIBase)!
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
            deliveryLeaseSeconds: try seconds(.deliveryLease, value(.deliveryLease)!),
            inboxLeaseSeconds: try seconds(.inboxLease, value(.inboxLease)!),
            stripe: stripe
        )
        configuration.databaseReplicas = databaseReplicas
        configuration.authorizedFetch = try switchValue(.authorizedFetch, value(.authorizedFetch)!)
        configuration.instanceName = try text(.instanceName, value(.instanceName)!, maximum: 60)
        configuration.instanceDescription = try text(.instanceDescription, value(.instanceDescription)!, maximum: 300)
        try configuration.resolveDeployment(value)
        return configuration
    }

    /// The settings of a split deployment, rate limits, metrics access and the stop.
    private mutating func resolveDeployment(_ value: (Setting) -> String?) throws(ConfigurationError) {
        let roleText = value(.role)!.lowercased()
        guard let role = ProcessRole(rawValue: roleText) else {
            throw ConfigurationError(.role, "must be all, core, marketplace or social (got '\(roleText)')")
        }
        self.role = role
        if let text = value(.serviceSecret) {
            guard let secret = ServiceSecret(text) else {
                throw ConfigurationError(.serviceSecret, "must be at least 32 characters (for example from: openssl rand -base64 32)")
            }
            serviceSecret = secret
        } else if role != .all {
            throw ConfigurationError(.serviceSecret, "must be set, the same in every process, when a process runs as \(role.rawValue)")
        }
        coreURL = try Self.parseServiceURL(.coreURL, value(.coreURL))
        if coreURL == nil, role == .marketplace || role == .social {
            throw ConfigurationError(
                .coreURL,
                "must name the core process (such as http://127.0.0.1:8081) when a process runs as \(role.rawValue)"
            )
        }
        marketplaceURL = try Self.parseServiceURL(.marketplaceURL, value(.marketplaceURL))
        func limit(_ setting: Setting) throws(ConfigurationError) -> Int {
            let text = value(setting)!
            guard let number = Int(text), (0...1_000_000).contains(number) else {
                throw ConfigurationError(setting, "must be a number of requests a minute from 0 (no limit) to 1000000 (got '\(text)')")
            }
            return number
        }
        rateLimits = RateLimitSettings(
            perAddress: try limit(.rateLimitAddress),
            perAccount: try limit(.rateLimitAccount),
            perRemoteDomain: try limit(.rateLimitInbox)
        )
        metricsToken = value(.metricsToken)
        shutdownGrace = .seconds(try Self.seconds(.shutdownSeconds, value(.shutdownSeconds)!))
        let drain = value(.drainSeconds)!
        guard let drainSeconds = Int(drain), (0...600).contains(drainSeconds) else {
            throw ConfigurationError(.drainSeconds, "must be a number of seconds from 0 to 600 (got '\(drain)')")
        }
        drainPeriod = .seconds(drainSeconds)
    }

    /// A setting that is a whole number of seconds, from 1 to an hour.
    /// A switch's value: true, 1, yes or on; false, 0, no or off.
    /// One line of text, trimmed, not empty and at most `maximum` characters.
    static func text(_ setting: Setting, _ text: String, maximum: Int) throws(ConfigurationError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= maximum, !trimmed.contains(where: \.isNewline) else {
            throw ConfigurationError(setting, "must be one line of 1 to \(maximum) characters")
        }
        return trimmed
    }

    static func switchValue(_ setting: Setting, _ text: String) throws(ConfigurationError) -> Bool {
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        case let other: throw ConfigurationError(setting, "must be true or false (got '\(other)')")
        }
    }

    static func seconds(_ setting: Setting, _ text: String) throws(ConfigurationError) -> Int {
        guard let seconds = Int(text), (1...3600).contains(seconds) else {
            throw ConfigurationError(setting, "must be a number of seconds from 1 to 3600 (got '\(text)')")
        }
        return seconds
    }

    static func parseServiceURL(_ setting: Setting, _ text: String?) throws(ConfigurationError) -> URL? {
        guard let text else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw ConfigurationError(setting, "must be an http(s) address such as http://127.0.0.1:8081 (got '\(text)')")
        }
        return url
    }

    /// Both Stripe secrets, or neither: one without the other is a mistake worth stopping for.
    static func parseStripe(secretKey: String?, webhookSecret: String?, apiBase base: String) throws(ConfigurationError) -> StripeSettings? {
        switch (secretKey, webhookSecret) {
        case (nil, nil): return nil
        case (nil, _): throw ConfigurationError(.stripeSecretKey, "must be set with STRIPE_WEBHOOK_SECRET")
        case (_, nil): throw ConfigurationError(.stripeWebhookSecret, "must be set with STRIPE_SECRET_KEY")
        case (let key?, let secrets?):
            guard let url = URL(string: base), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw ConfigurationError(.stripeAPIBase, "must be an http(s) origin (got '\(base)')")
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
            throw ConfigurationError(.publicURL, "must be \(example)")
        }
        guard components.path.isEmpty || components.path == "/", components.query == nil, components.fragment == nil,
            components.user == nil, components.password == nil
        else {
            throw ConfigurationError(
                .publicURL,
                "must be an origin without path, query or credentials, such as https://scribe.example (got '\(text)')"
            )
        }
        var origin = URLComponents()
        origin.scheme = scheme
        origin.host = host.lowercased()
        origin.port = components.port
        guard let url = origin.url else { throw ConfigurationError(.publicURL, "must be \(example)") }
        return url
    }

    static func parseBind(_ text: String) throws(ConfigurationError) -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ConfigurationError(.bind, "must be HOST:PORT with a port from 0 to 65535, such as 127.0.0.1:8080 (got '\(text)')")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ConfigurationError(.bind, "the host is missing (got '\(text)')") }
        return (host, port)
    }
}

extension ServerConfiguration {
    /// What Social is told about the server.
    var socialSettings: SocialSettings {
        SocialSettings(
            publicURL: publicURL,
            allowsPrivatePeers: allowPrivatePeers,
            authorizedFetch: authorizedFetch,
            name: instanceName,
            description: instanceDescription,
            pollInterval: DatabaseNotifications.safetyPoll,
            deliveryLease: .seconds(deliveryLeaseSeconds),
            inboxLease: .seconds(inboxLeaseSeconds)
        )
    }

    /// The marketplace composed as this configuration says.
    func marketplace(core: any CoreAPI, database: Database, logger: Logger) -> MarketplaceModule {
        MarketplaceModule(core: core, database: database, publicURL: publicURL, stripe: stripe, logger: logger)
    }
}
