import Hummingbird
import Logging
import ScribeContracts
import ScribeCore
import ScribeMarketplace
import ScribeSocial
import ScribeStorage

/// The composition root: builds the modules over one ``Database`` and wires their routes into
/// one Hummingbird application. Marketplace and Social receive Core as `any CoreAPI`.
public struct ScribeApplication: Sendable {
    public let configuration: ServerConfiguration
    public let database: Database
    public let migrator: Migrator
    public let core: CoreModule
    public let marketplace: MarketplaceModule
    public let social: SocialModule
    let logger: Logger

    public init(
        configuration: ServerConfiguration, database: Database, catalog: MigrationCatalog, masterKeys: MasterKeyring,
        coreSettings: CoreSettings = .standard, logger: Logger
    ) {
        self.configuration = configuration
        self.database = database
        self.migrator = Migrator(catalog: catalog, logger: logger)
        self.logger = logger
        let core = CoreModule(database: database, settings: coreSettings, masterKeys: masterKeys, logger: logger)
        self.core = core
        self.marketplace = configuration.marketplace(core: core, database: database, logger: logger)
        self.social = SocialModule(
            core: core, database: database,
            settings: configuration.socialSettings,
            logger: logger)
    }

    public func buildRouter() -> Router<ScribeRequestContext> {
        let router = Router(context: ScribeRequestContext.self)
        let pages = Pages(publicURL: configuration.publicURL)
        for problem in pages.problems { logger.error("page template problem", metadata: ["problem": .string(problem)]) }
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: ErrorMiddleware(pages: pages))
        router.add(middleware: SessionMiddleware(accounts: core.accounts, publicURL: configuration.publicURL))
        router.add(middleware: FormTokenMiddleware(publicURL: configuration.publicURL))
        HealthRoutes(readiness: Readiness(database: database, migrator: migrator, core: core, marketplace: marketplace, social: social, logger: logger))
            .add(to: router)
        AccountRoutes(accounts: core.accounts, cookie: SessionCookie(publicURL: configuration.publicURL)).add(to: router)
        CharacterRoutes(core: core).add(to: router)
        SharedCharacterRoutes(characters: core.characters, core: core, social: social, publicURL: configuration.publicURL).add(to: router)
        LorebookRoutes(lorebooks: core.lorebooks, core: core, social: social).add(to: router)
        ChatRoutes(chats: core.chats).add(to: router)
        DiscoveryRoutes(discovery: social.discovery).add(to: router)
        let itemPages = ItemPages(pages: pages, core: core, marketplace: marketplace, social: social)
        let profilePages = ProfilePages(pages: pages, social: social, marketplace: marketplace)
        ActorRoutes(social: social, profilePages: profilePages, itemPages: itemPages).add(to: router)
        InboxRoutes(inbox: social.inbox).add(to: router)
        FollowRoutes(following: social.following).add(to: router)
        SocialRoutes(social: social).add(to: router)
        MarketplaceRoutes(marketplace: marketplace).add(to: router)
        // The pages people use in a browser.
        StaticFiles().add(to: router)
        let cookie = SessionCookie(publicURL: configuration.publicURL)
        AccountPages(pages: pages, accounts: core.accounts, cookie: cookie).add(to: router)
        MarketplacePages(pages: pages, marketplace: marketplace).add(to: router)
        itemPages.add(to: router)
        profilePages.add(to: router)
        LibraryPages(pages: pages, core: core, marketplace: marketplace).add(to: router)
        LorebookEditor(pages: pages, lorebooks: core.lorebooks).add(to: router)
        SocialPages(pages: pages, social: social).add(to: router)
        SettingsPages(pages: pages, accounts: core.accounts, social: social).add(to: router)
        ModerationPages(pages: pages, marketplace: marketplace, social: social).add(to: router)
        return router
    }

    /// Releases what the modules hold outside the database (Social's HTTP client). The server's
    /// service group does it on shutdown; code that builds an application without serving it
    /// calls this when done.
    public func shutdown() async throws {
        try await social.shutdown()
    }

    /// The HTTP application. The database pools run as its first service, and migrations run
    /// before the server binds, so the port opens only on a current schema; shutdown stops
    /// accepting, drains in-flight requests, then closes the pools.
    public func buildApplication() -> some ApplicationProtocol {
        var app = Application(
            router: buildRouter(),
            configuration: .init(address: .hostname(configuration.bindHost, port: configuration.bindPort), serverName: "Scribe"),
            services: [
                database, SessionSweeper(accounts: core.accounts, interval: .seconds(600), logger: logger), SocialWorkers(social: social),
                MarketplaceWorkers(marketplace: marketplace),
            ],
            logger: logger
        )
        app.beforeServerStarts { [migrator, database, configuration, logger] in
            try await migrator.migrate(database.location)
            if configuration.allowPrivatePeers {
                logger.warning(
                    "SCRIBE_ALLOW_PRIVATE_PEERS is on: federating with http:// peers and private, loopback and link-local addresses. Never use this in production.")
            }
        }
        return app
    }
}
