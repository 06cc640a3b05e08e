/// One of `scribe`'s settings, declared once: its environment variable, its command-line flag
/// (when it has one), its default, and what it means.
///
/// ``ServerConfiguration/resolve(flags:environment:)`` reads every setting through its
/// declaration (so a default lives here and nowhere else), the command line's options take their
/// names and help from it, and tests hold the README's table and the options to ``all``.
public struct Setting: Sendable, Hashable, CustomStringConvertible {
    /// Which commands take a setting's flag.
    public enum Scope: Sendable, Hashable {
        /// Every command: they all find the same database and keys.
        case everyCommand
        /// `scribe serve` only.
        case serve
    }

    /// The environment variable, e.g. `SCRIBE_BIND`.
    public let variable: String
    /// The long flag without its dashes, e.g. `bind`; nil for a setting read only from the
    /// environment (a secret, so it never shows in a process list, or one for operators only).
    public let flag: String?
    public let scope: Scope
    /// The value used when neither the flag nor the variable is given; nil when being unset
    /// means something of its own, which ``unsetMeans`` says.
    public let defaultValue: String?
    /// What leaving it unset does, for a setting without a default value, e.g. "embedded".
    public let unsetMeans: String?
    /// Whether the flag is a switch (`--allow-private-peers`) rather than taking a value.
    public let isSwitch: Bool
    /// What it means, in the README's words (Markdown).
    public let meaning: String
    /// The one-line help of its command-line option (plain text).
    public let summary: String

    init(
        _ variable: String,
        flag: String? = nil,
        scope: Scope = .everyCommand,
        default defaultValue: String? = nil,
        unsetMeans: String? = nil,
        isSwitch: Bool = false,
        summary: String,
        meaning: String
    ) {
        self.variable = variable
        self.flag = flag
        self.scope = scope
        self.defaultValue = defaultValue
        self.unsetMeans = unsetMeans
        self.isSwitch = isSwitch
        self.summary = summary
        self.meaning = meaning
    }

    public var description: String { variable }

    /// The help text of its command-line option: the summary, the variable and the default.
    public var optionHelp: String {
        "\(summary) (\(variable); default \(defaultValue ?? unsetMeans ?? "unset"))"
    }

    /// The setting's row in the README's configuration table.
    public var readmeRow: String {
        let flagColumn =
            switch (flag, scope) {
            case (nil, _): "—"
            case (let flag?, .everyCommand): "`--\(flag)`"
            case (let flag?, .serve): "`serve --\(flag)`"
            }
        let defaultColumn = defaultValue.map { "`\($0)`" } ?? "*(\(unsetMeans ?? "unset"))*"
        return "| `\(variable)` | \(flagColumn) | \(defaultColumn) | \(meaning) |"
    }

    /// The README's configuration table, header included, one row per setting in ``all``'s order.
    public static var readmeTable: String {
        (["| variable | flag | default | meaning |", "|---|---|---|---|"] + all.map(\.readmeRow)).joined(separator: "\n")
    }
}

extension Setting {
    public static let publicURL = Setting(
        "SCRIBE_PUBLIC_URL",
        flag: "public-url",
        default: "http://localhost:8080",
        summary: "Origin of every public id",
        meaning: "The origin (scheme, host, port) every public id is built from, e.g. `https://scribe.example`."
    )
    public static let bind = Setting(
        "SCRIBE_BIND",
        flag: "bind",
        default: "127.0.0.1:8080",
        summary: "Listen address HOST:PORT",
        meaning: "Address and port to listen on."
    )
    public static let databaseURL = Setting(
        "DATABASE_URL",
        flag: "database-url",
        unsetMeans: "embedded",
        summary: "PostgreSQL URL; without it an embedded cluster runs under the data directory",
        meaning:
            "`postgres://user:password@host:port/database?sslmode=...`, or `?host=/socket/dir` for a unix socket. Without it, Scribe runs its own PostgreSQL under the data directory. See `docs/database.md`."
    )
    public static let databaseReplicaURLs = Setting(
        "SCRIBE_DATABASE_REPLICA_URLS",
        flag: "database-replica-urls",
        scope: .serve,
        unsetMeans: "none",
        summary: "Streaming replicas for reads that tolerate a second of lag, comma-separated",
        meaning:
            "PostgreSQL streaming replicas of `DATABASE_URL`, as URLs of the same form separated by commas. Marketplace search and browse read from them in turn; every write, and every read of what a user has just written, stays on the primary. See `docs/operations.md`."
    )
    public static let dataDirectory = Setting(
        "SCRIBE_DATA_DIR",
        flag: "data-dir",
        default: "./.scribe",
        summary: "Data directory",
        meaning: "Where the embedded cluster and local key files live."
    )
    public static let masterKey = Setting(
        "SCRIBE_MASTER_KEY",
        flag: "master-key",
        unsetMeans: "key file",
        summary: "Server master key, 32 bytes in base64",
        meaning:
            "Server master key: 32 random bytes in base64 (`openssl rand -base64 32`). It wraps the keys of published items. Without it the server keeps its keys in `master.key` (mode 0600) in the data directory."
    )
    public static let logLevel = Setting(
        "SCRIBE_LOG_LEVEL",
        flag: "log-level",
        default: "info",
        summary: "trace, debug, info, notice, warning, error or critical",
        meaning: "`trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical`. Logs are JSON lines on standard error."
    )
    public static let migrationsDirectory = Setting(
        "SCRIBE_MIGRATIONS_DIR",
        flag: "migrations-dir",
        unsetMeans: "found",
        summary: "Folder of SQL migrations",
        meaning: "The SQL migrations: `schemas/migrations`, found from the working directory or the executable when unset."
    )
    public static let allowPrivatePeers = Setting(
        "SCRIBE_ALLOW_PRIVATE_PEERS",
        flag: "allow-private-peers",
        default: "false",
        isSwitch: true,
        summary: "Federate with http:// peers on loopback and private addresses, for tests and local development",
        meaning:
            "Federate with `http://` peers on loopback and private addresses, for tests and local development (see `docs/federation.md`). Never in production."
    )
    public static let authorizedFetch = Setting(
        "SCRIBE_AUTHORIZED_FETCH",
        flag: "authorized-fetch",
        default: "false",
        isSwitch: true,
        summary: "Serve ActivityPub documents only to signed requests, as Mastodon's secure mode",
        meaning:
            "Serve actors, items, comments and collections as ActivityPub only to requests signed by a server's actor, as Mastodon's secure mode (`AUTHORIZED_FETCH`) does; an unsigned fetch is 401. The instance actor, WebFinger, NodeInfo and the pages stay open (see `docs/federation.md`)."
    )
    public static let instanceName = Setting(
        "SCRIBE_INSTANCE_NAME",
        default: "Scribe",
        summary: "The server's name, shown in the pages' header and titles, link previews and NodeInfo",
        meaning: "The server's name, shown in the pages' header and titles, link previews and NodeInfo (`nodeName`). At most 60 characters."
    )
    public static let instanceDescription = Setting(
        "SCRIBE_INSTANCE_DESCRIPTION",
        default: "AI-roleplay characters and lorebooks, shared over ActivityPub.",
        summary: "One sentence about the server, for its home page's preview and NodeInfo",
        meaning: "One sentence about the server, for its home page's link preview and NodeInfo (`nodeDescription`). At most 300 characters."
    )
    public static let deliveryLease = Setting(
        "SCRIBE_DELIVERY_LEASE_SECONDS",
        flag: "delivery-lease",
        default: "120",
        summary: "Seconds before a delivery whose worker died is sent again",
        meaning: "How long before a delivery whose worker died is sent again by another."
    )
    public static let inboxLease = Setting(
        "SCRIBE_INBOX_LEASE_SECONDS",
        flag: "inbox-lease",
        default: "120",
        summary: "Seconds before an inbound activity whose worker died is taken again",
        meaning:
            "How long before an inbound activity whose worker died is taken again by another. Longer than fetching what one activity needs from other servers."
    )
    public static let stripeSecretKey = Setting(
        "STRIPE_SECRET_KEY",
        summary: "Stripe API secret key",
        meaning:
            "Stripe API secret key (`sk_…`). With `STRIPE_WEBHOOK_SECRET` it turns sales on; without both, the marketplace sells nothing and says so. Environment only, so it never shows in a process list."
    )
    public static let stripeWebhookSecret = Setting(
        "STRIPE_WEBHOOK_SECRET",
        summary: "Stripe webhook signing secrets, comma-separated",
        meaning:
            "The signing secret (`whsec_…`) of the webhook endpoint `{SCRIBE_PUBLIC_URL}/api/v1/marketplace/stripe/webhook`; several, comma-separated, while rolling one."
    )
    public static let stripeAPIBase = Setting(
        "STRIPE_API_BASE",
        default: "https://api.stripe.com",
        summary: "Where Stripe's API is",
        meaning: "Where Stripe's API is; tests point it at a local endpoint."
    )
    public static let role = Setting(
        "SCRIBE_ROLE",
        flag: "role",
        scope: .serve,
        default: "all",
        summary: "Which modules this process runs: all, core, marketplace or social (see docs/operations.md)",
        meaning:
            "Which modules this process runs: `all`, or `core`, `marketplace`, `social` as separate processes on one database (`docs/operations.md`)."
    )
    public static let serviceSecret = Setting(
        "SCRIBE_SERVICE_SECRET",
        summary: "The secret service tokens are signed with",
        meaning: "At least 32 characters, the same in every process of a split deployment: signs the service tokens of Core's internal API."
    )
    public static let coreURL = Setting(
        "SCRIBE_CORE_URL",
        flag: "core-url",
        scope: .serve,
        summary: "The core process's address, for marketplace and social processes",
        meaning: "Where the core process listens, for the `marketplace` and `social` processes that call it."
    )
    public static let marketplaceURL = Setting(
        "SCRIBE_MARKETPLACE_URL",
        flag: "marketplace-url",
        scope: .serve,
        summary: "The marketplace process's address, where social forwards /api/v1/marketplace",
        meaning: "Where the marketplace process listens, for the `social` process that forwards `/api/v1/marketplace/...` to it."
    )
    public static let rateLimitAddress = Setting(
        "SCRIBE_RATE_LIMIT_ADDRESS",
        default: "1200",
        summary: "JSON API requests a minute per client address",
        meaning: "JSON API requests a minute per client address; over it, 429 with `Retry-After`. `0` turns the limit off."
    )
    public static let rateLimitAccount = Setting(
        "SCRIBE_RATE_LIMIT_ACCOUNT",
        default: "600",
        summary: "JSON API requests a minute per account",
        meaning: "JSON API requests a minute per account; over it, 429 with `Retry-After`. `0` turns the limit off."
    )
    public static let rateLimitInbox = Setting(
        "SCRIBE_RATE_LIMIT_INBOX",
        default: "6000",
        summary: "Inbox deliveries a minute per remote domain",
        meaning: "Inbox deliveries a minute per remote domain; over it, 429 with `Retry-After`. `0` turns the limit off."
    )
    public static let metricsToken = Setting(
        "SCRIBE_METRICS_TOKEN",
        summary: "Bearer token that may read /metrics besides loopback clients",
        meaning: "`/metrics` (Prometheus) answers loopback clients, and with this set also `Authorization: Bearer <token>`."
    )
    public static let shutdownSeconds = Setting(
        "SCRIBE_SHUTDOWN_SECONDS",
        default: "20",
        summary: "Seconds a stop waits for requests in flight",
        meaning:
            "On SIGTERM or SIGINT, how long to wait for requests in flight before cancelling them (a request waiting for a database that is gone would hold the stop for ever)."
    )
    public static let drainSeconds = Setting(
        "SCRIBE_DRAIN_SECONDS",
        default: "0",
        summary: "Seconds a stop keeps serving while /readyz answers 503",
        meaning:
            "On SIGTERM or SIGINT, `/readyz` answers 503 at once and the server keeps serving for this long before it stops accepting connections, so a load balancer takes it out of rotation first. Behind one, set it above the balancer's check interval times its failures before down."
    )

    /// Every setting, in the order the README lists them.
    public static let all: [Setting] = [
        publicURL, bind, databaseURL, databaseReplicaURLs, dataDirectory, masterKey, logLevel, migrationsDirectory, allowPrivatePeers,
        authorizedFetch, instanceName,
        instanceDescription, deliveryLease, inboxLease,
        stripeSecretKey, stripeWebhookSecret, stripeAPIBase, role, serviceSecret, coreURL, marketplaceURL, rateLimitAddress, rateLimitAccount,
        rateLimitInbox, metricsToken, shutdownSeconds, drainSeconds,
    ]
}
