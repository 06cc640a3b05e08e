import ScribeStorage

/// Which of Scribe's modules a process runs (`scribe serve --role`).
///
/// - `all`: everything in one process, Marketplace and Social holding Core in-process; the
///   browser pages, which draw on every module, are served here.
/// - `core`: Core's JSON API (accounts, the library) and its internal API for the other roles.
/// - `marketplace`: the marketplace's JSON API and its event consumer, reaching Core over HTTP.
/// - `social`: ActivityPub, WebFinger, NodeInfo, the social JSON API, shared views and the
///   delivery workers, reaching Core over HTTP. It is the public entry: it forwards
///   `/api/v1/marketplace/...` to the marketplace process and Core's JSON API to the core process.
public enum ProcessRole: String, Sendable, CaseIterable {
    case all, core, marketplace, social

    var runsCore: Bool { self == .all || self == .core }
    var runsMarketplace: Bool { self == .all || self == .marketplace }
    var runsSocial: Bool { self == .all || self == .social }

    /// The schemas this role's modules use, and so the only pools its process opens; every
    /// role counts rate limits in `edge`.
    public var schemas: [ModuleSchema] {
        switch self {
        case .all: ModuleSchema.all
        case .core: [.core, .edge]
        case .marketplace: [.marketplace, .edge]
        case .social: [.social, .mastodon, .edge]
        }
    }
}

/// How many requests a minute one client may make before it gets 429 (0: no limit). Counters
/// live in PostgreSQL, so every process on the database enforces one shared budget.
public struct RateLimitSettings: Sendable, Equatable {
    /// JSON API requests per client address.
    public var perAddress: Int
    /// JSON API requests per logged-in account, whatever address they come from.
    public var perAccount: Int
    /// Inbox deliveries per remote domain (the signing key's host).
    public var perRemoteDomain: Int

    public static let standard = RateLimitSettings(perAddress: 1200, perAccount: 600, perRemoteDomain: 6000)
    public static let unlimited = RateLimitSettings(perAddress: 0, perAccount: 0, perRemoteDomain: 0)
}
