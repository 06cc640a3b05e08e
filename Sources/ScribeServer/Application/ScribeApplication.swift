import AsyncHTTPClient
import Hummingbird
import Logging
import ScribeContracts
import ScribeCore
import ScribeCoreClient
import ScribeHTTP
import ScribeMarketplace
import ScribeMarketplaceClient
import ScribeMastodonAPI
import ScribeSocial
import ScribeStorage
import ScribeWeb
import ServiceLifecycle

/// The composition root: builds the modules this process's ``ProcessRole`` runs over one
/// ``Database`` and wires their routes into one Hummingbird application. Marketplace and Social
/// receive Core as `any CoreAPI`: Core itself in one process, an ``HTTPCoreClient`` apart.
public struct ScribeApplication: Sendable {
    public let configuration: ServerConfiguration
    public let database: Database
    public let migrator: Migrator
    /// Core in this process (roles `all` and `core`).
    public let coreModule: CoreModule?
    /// The marketplace in this process (roles `all` and `marketplace`).
    public let marketplaceModule: MarketplaceModule?
    /// Social in this process (roles `all` and `social`).
    public let socialModule: SocialModule?
    /// Core as Marketplace and Social reach it.
    public let coreAPI: any CoreAPI
    /// The client for Scribe's own services (Core's internal API, forwarding); nil when this
    /// process calls none. Never used for remote servers: Social has the guarded client for those.
    let serviceClient: HTTPClient?
    /// Rate-limit counts, shared with other processes through the database.
    let rateLimiter: RateLimiter
    /// Set as a stop begins (``DrainBeforeStop``): `/readyz` then answers 503.
    let stopping = StopNotice()
    let logger: Logger

    /// - Parameters:
    ///   - masterKeys: needed where Core runs; other roles never hold them.
    ///   - reachCore: Core as each calling service should reach it; by default Core in this
    ///     process, or, in roles without Core, an ``HTTPCoreClient`` to `SCRIBE_CORE_URL`.
    public init(
        configuration: ServerConfiguration,
        database: Database,
        catalog: MigrationCatalog,
        masterKeys: MasterKeyring?,
        coreSettings: CoreSettings = .standard,
        reachCore: (@Sendable (CallingService) -> any CoreAPI)? = nil,
        logger: Logger
    ) {
        self.configuration = configuration
        self.database = database
        self.migrator = Migrator(catalog: catalog, logger: logger)
        self.logger = logger
        self.rateLimiter = RateLimiter(database: database, settings: configuration.rateLimits, logger: logger)
        let role = configuration.role
        let core = role.runsCore ? masterKeys.map { CoreModule(database: database, settings: coreSettings, masterKeys: $0, logger: logger) } : nil
        self.coreModule = core
        let needsServices = (core == nil && reachCore == nil) || (role == .social && configuration.marketplaceURL != nil)
        let serviceClient = needsServices ? HTTPClient(eventLoopGroupProvider: .singleton) : nil
        self.serviceClient = serviceClient
        func reach(_ service: CallingService) -> any CoreAPI {
            if let reachCore { return reachCore(service) }
            if let core { return core }
            // ServerConfiguration guarantees the address and the secret for roles without Core.
            return HTTPCoreClient(
                baseURL: configuration.coreURL!,
                service: service,
                secret: configuration.serviceSecret!,
                client: serviceClient!,
                logger: logger
            )
        }
        self.coreAPI = reach(role == .marketplace ? .marketplace : .social)
        self.marketplaceModule = role.runsMarketplace ? configuration.marketplace(core: reach(.marketplace), database: database, logger: logger) : nil
        self.socialModule =
            role.runsSocial ? SocialModule(core: reach(.social), database: database, settings: configuration.socialSettings, logger: logger) : nil
    }

    public func buildRouter() -> Router<ScribeRequestContext> {
        // HEAD is answered wherever GET is, as GET would answer it without the body (link checkers and
        // some fediverse software send HEAD first).
        let router = Router(context: ScribeRequestContext.self, options: .autoGenerateHeadEndpoints)
        let role = configuration.role
        let pages = Pages(
            publicURL: configuration.publicURL,
            siteName: configuration.instanceName,
            siteDescription: configuration.instanceDescription
        )
        let pagesMarketplace = self.pagesMarketplace
        let servesPages = pagesMarketplace != nil
        if servesPages { for problem in pages.problems { logger.error("page template problem", metadata: ["problem": .string(problem)]) } }
        ScribeMetrics.bootstrap()
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: MetricsMiddleware<ScribeRequestContext>())
        // Outside the error middleware, so a browser app can read an error's body too.
        if socialModule != nil { router.add(middleware: ClientCORSMiddleware<ScribeRequestContext>()) }
        router.add(middleware: ErrorMiddleware(pages: pages))
        router.add(middleware: ForwardedRequestMiddleware(secret: configuration.serviceSecret))
        router.add(middleware: RateLimitMiddleware(limiter: rateLimiter, scope: .address))
        if role == .social, let serviceClient {
            router.add(
                middleware: ServiceProxyMiddleware(
                    client: serviceClient,
                    secret: configuration.serviceSecret,
                    marketplace: configuration.marketplaceURL,
                    core: configuration.coreURL,
                    logger: logger
                )
            )
        }
        let authority: SessionMiddleware.Authority = coreModule.map { .accounts($0.accounts) } ?? .coreAPI(coreAPI)
        router.add(middleware: SessionMiddleware(authority: authority, publicURL: configuration.publicURL))
        if servesPages { router.add(middleware: FormTokenMiddleware<ScribeRequestContext>(publicURL: configuration.publicURL)) }
        router.add(middleware: RateLimitMiddleware(limiter: rateLimiter, scope: .account))
        let readiness = Readiness(
            database: database,
            migrator: migrator,
            core: coreModule,
            marketplace: marketplaceModule,
            social: socialModule,
            remoteCore: coreModule == nil ? coreAPI : nil,
            stopping: stopping,
            logger: logger
        )
        HealthRoutes(readiness: readiness).add(to: router)
        let sampler = MetricsSampler(
            database: database,
            core: coreAPI,
            social: socialModule,
            marketplace: marketplaceModule,
            minimumInterval: .seconds(5),
            logger: logger
        )
        MetricsRoutes(token: configuration.metricsToken, sampler: sampler).add(to: router)
        if let core = coreModule {
            AccountRoutes(accounts: core.accounts, cookie: SessionCookie(publicURL: configuration.publicURL)).add(to: router)
            CharacterRoutes(core: core).add(to: router)
            LorebookRoutes(lorebooks: core.lorebooks).add(to: router)
            ChatRoutes(chats: core.chats).add(to: router)
            if let secret = configuration.serviceSecret { InternalCoreRoutes(core: core, secret: secret).add(to: router) }
        }
        if let social = socialModule {
            SharedItemRoutes(core: coreAPI, social: social, publicURL: configuration.publicURL).add(to: router)
            DiscoveryRoutes(discovery: social.discovery).add(to: router)
            InboxRoutes(inbox: social.inbox, limiter: rateLimiter).add(to: router)
            FollowRoutes(following: social.following).add(to: router)
            SocialRoutes(social: social).add(to: router)
        }
        if let marketplace = marketplaceModule {
            MarketplaceRoutes(marketplace: marketplace).add(to: router)
        }
        guard let social = socialModule, let marketplace = pagesMarketplace else {
            if let social = socialModule { ActorRoutes(social: social, profilePages: nil, itemPages: nil).add(to: router) }
            return router
        }
        // The pages people use in a browser reach Core and the marketplace through their contracts, so
        // they are served wherever Social runs and the marketplace can be reached: here, or over HTTP.
        let core = pagesCore
        let itemPages = ItemPages<ScribeRequestContext>(pages: pages, core: coreAPI, marketplace: marketplace, social: social)
        let profilePages = ProfilePages<ScribeRequestContext>(pages: pages, social: social, marketplace: marketplace)
        ActorRoutes(social: social, profilePages: profilePages, itemPages: itemPages).add(to: router)
        StaticFiles().add(to: router)
        ItemArt<ScribeRequestContext>(core: coreAPI, social: social).add(to: router)
        MarketplacePages<ScribeRequestContext>(pages: pages, marketplace: marketplace).add(to: router)
        itemPages.add(to: router)
        profilePages.add(to: router)
        SocialPages<ScribeRequestContext>(pages: pages, social: social, marketplace: marketplace).add(to: router)
        InteractionPages<ScribeRequestContext>(pages: pages, social: social, library: core?.library).add(to: router)
        // Mastodon's apps sign in on a page of ours, so the client API is served with the pages.
        MastodonAPI<ScribeRequestContext>(
            social: social,
            core: coreAPI,
            database: database,
            pages: pages,
            instance: .init(name: configuration.instanceName, description: configuration.instanceDescription),
            logger: logger
        ).add(to: router)
        ModerationPages<ScribeRequestContext>(pages: pages, marketplace: marketplace, social: social).add(to: router)
        if let (accounts, library) = core {
            let cookie = SessionCookie(publicURL: configuration.publicURL)
            AccountPages<ScribeRequestContext>(pages: pages, accounts: accounts, cookie: cookie).add(to: router)
            SettingsPages<ScribeRequestContext>(pages: pages, accounts: accounts, core: coreAPI, social: social).add(to: router)
            LibraryPages<ScribeRequestContext>(pages: pages, library: library, marketplace: marketplace).add(to: router)
            LorebookEditor<ScribeRequestContext>(pages: pages, library: library).add(to: router)
        }
        return router
    }

    /// People's own accounts and libraries as the pages reach them: Core in this process, or
    /// Core's public JSON API over HTTP.
    var pagesCore: (accounts: any AccountsAPI, library: any LibraryAPI)? {
        if let coreModule { return (coreModule, coreModule) }
        guard let url = configuration.coreURL, let secret = configuration.serviceSecret, let client = serviceClient else { return nil }
        return (
            HTTPAccountsClient(baseURL: url, secret: secret, client: client, logger: logger),
            HTTPLibraryClient(baseURL: url, secret: secret, client: client, logger: logger)
        )
    }

    /// The marketplace as the pages reach it: in this process, or, in a social process that knows
    /// the marketplace's address, over HTTP. Nil where no pages are served.
    var pagesMarketplace: (any MarketplaceAPI)? {
        guard socialModule != nil else { return nil }
        if let marketplaceModule { return marketplaceModule }
        guard let url = configuration.marketplaceURL, let secret = configuration.serviceSecret, let serviceClient else { return nil }
        return HTTPMarketplaceClient(baseURL: url, secret: secret, client: serviceClient, logger: logger)
    }

    /// Releases what the modules hold outside the database (HTTP clients). The server's service
    /// group does it on shutdown; code that builds an application without serving it calls this
    /// when done.
    public func shutdown() async throws {
        try await socialModule?.shutdown()
        // The server's own service may have closed it already.
        try? await serviceClient?.shutdown()
    }

    /// What wakes this process's workers when any process commits work for them: Core's events
    /// wake Social's and the marketplace's consumers, Social's queues its workers. Social's
    /// document cache hears the same channels, and the actor settings one, through the
    /// database's ``ChangeNotices``.
    var workNotifications: [DatabaseNotifications.Channel: @Sendable () async -> Void] {
        var wake: [DatabaseNotifications.Channel: @Sendable () async -> Void] = [:]
        let social = socialModule
        let marketplace = marketplaceModule
        if social != nil || marketplace != nil {
            wake[.coreEvents] = {
                await social?.wake(.coreEvents)
                await marketplace?.wake()
            }
        }
        if let social {
            wake[.socialInbox] = { await social.wake(.socialInbox) }
            wake[.socialDeliveries] = { await social.wake(.socialDeliveries) }
            wake[.socialDocuments] = { await social.wake(.socialDocuments) }
        }
        return wake
    }

    /// The HTTP application. The database runs as its first service: it applies pending
    /// migrations, then opens the module pools; the workers and the port wait for that, so the
    /// port opens only on a current schema and no connection is tried for a role that does not
    /// exist yet. Shutdown stops accepting, drains in-flight requests, then closes the pools.
    public func buildApplication() -> some ApplicationProtocol {
        var services: [any Service] = [DatabaseService(database: database, migrator: migrator), rateLimiter]
        if let core = coreModule {
            services.append(SessionSweeper(accounts: core.accounts, database: database, interval: .seconds(600), logger: logger))
        }
        if let social = socialModule { services.append(SocialWorkers(social: social, database: database)) }
        if let marketplace = marketplaceModule { services.append(MarketplaceWorkers(marketplace: marketplace, database: database)) }
        if let serviceClient { services.append(ServiceClientService(client: serviceClient)) }
        // A process with workers listens for their work (Core alone has none).
        let wake = workNotifications
        if !wake.isEmpty { services.append(DatabaseNotifications(database: database, wake: wake, logger: logger)) }
        var app = Application(
            router: buildRouter(),
            configuration: .init(address: .hostname(configuration.bindHost, port: configuration.bindPort), serverName: "Scribe"),
            services: services,
            logger: logger
        )
        app.beforeServerStarts { [database, configuration, logger] in
            try await database.waitUntilOpen()
            logger.info("serving", metadata: ["role": .string(configuration.role.rawValue)])
            if configuration.allowPrivatePeers {
                logger.warning(
                    "\(Setting.allowPrivatePeers.variable) is on: federating with http:// peers and private, loopback and link-local addresses. Never use this in production."
                )
            }
        }
        return app
    }
}
