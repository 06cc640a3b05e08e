import ActivityPubKit
import Foundation
import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// The social module: actors, inboxes, follows, publishing and delivery. It reaches Core only
/// through `CoreAPI` and the database only through the `social` schema's pool, whose role can
/// touch nothing else. Its one outbound HTTP client is ``FederationClient``.
public struct SocialModule: Sendable {
    public static let schema = ModuleSchema.social

    public let core: any CoreAPI
    public let pool: PostgresClient
    public let settings: SocialSettings
    public let urls: ActorURLs
    public let client: FederationClient
    public let actors: LocalActors
    public let discovery: Discovery
    public let collections: Collections
    public let inbox: Inbox
    public let following: Following
    public let actions: SocialActions
    public let remoteInteraction: RemoteInteraction
    public let feeds: Feeds
    public let notifications: Notifications
    public let domainBlocks: DomainBlocks
    public let reports: Reports
    public let federationHealth: FederationHealth
    let remote: RemoteActors
    let processor: InboxProcessor
    let delivery: DeliveryWorker
    let publisher: Publisher
    let profileLinks: ProfileLinks
    let inboxBell = Doorbell()
    let deliveryBell = Doorbell()
    /// Rung by ``wake(_:)`` when Core's log grows: one for each of its two consumers, since a
    /// ring is taken by the first wait after it.
    let publisherBell = Doorbell()
    let profileLinksBell = Doorbell()
    /// The documents other servers fetch most, as served, kept current by the database's notices.
    let documents: DocumentCache
    let logger: Logger

    public init(core: any CoreAPI, database: Database, settings: SocialSettings, logger: Logger) {
        let pool = database.pool(for: Self.schema)
        let urls = ActorURLs(publicURL: settings.publicURL)
        self.core = core
        self.pool = pool
        self.settings = settings
        self.urls = urls
        self.logger = logger
        self.client = FederationClient(
            configuration: .init(
                policy: PeerAddressPolicy(allowsPrivateAddresses: settings.allowsPrivatePeers),
                userAgent: "Scribe/\(ScribeVersion.current) (+\(urls.origin)/)"
            )
        )
        let documents = DocumentCache(changes: database.changes)
        self.documents = documents
        let actors = LocalActors(core: core, urls: urls, pool: pool, documents: documents, changes: database.changes, logger: logger)
        self.actors = actors
        let domainBlocks = DomainBlocks(pool: pool, logger: logger)
        self.domainBlocks = domainBlocks
        let reports = Reports(pool: pool, logger: logger)
        self.reports = reports
        self.federationHealth = FederationHealth(pool: pool, domainBlocks: domainBlocks, logger: logger)
        let remote = RemoteActors(client: client, instance: actors.instanceIdentity, domainBlocks: domainBlocks, pool: pool, logger: logger)
        self.remote = remote
        let tables = SocialTables(
            follows: Follows(logger: logger),
            notes: Notes(logger: logger),
            reactions: Reactions(logger: logger),
            feeds: Feeds(pool: pool, urls: urls, domain: settings.domain, logger: logger),
            notifications: Notifications(pool: pool, urls: urls, domain: settings.domain, logger: logger),
            blocks: Blocks(urls: urls, logger: logger),
            reports: reports,
            deliveries: DeliveryQueue(logger: logger),
            targets: LocalTargets(urls: urls, logger: logger),
            quoteAuthorizations: QuoteAuthorizations(urls: urls, logger: logger),
            quotes: Quotes(logger: logger),
            pins: Pins(logger: logger)
        )
        self.feeds = tables.feeds
        self.notifications = tables.notifications
        self.discovery = Discovery(actors: actors, core: core, urls: urls, settings: settings, documents: documents)
        self.collections = Collections(
            actors: actors,
            core: core,
            urls: urls,
            follows: tables.follows,
            deliveries: tables.deliveries,
            quotes: tables.quoteAuthorizations,
            pins: tables.pins,
            documents: documents,
            pool: pool,
            logger: logger
        )
        self.inbox = Inbox(
            actors: actors,
            remote: remote,
            urls: urls,
            scheme: settings.publicURL.scheme ?? "https",
            writer: InboxWriter(pool: pool, logger: logger),
            doorbell: inboxBell,
            logger: logger
        )
        let following = Following(
            actors: actors,
            remote: remote,
            client: client,
            tables: tables,
            deliveryBell: deliveryBell,
            urls: urls,
            domain: settings.domain,
            pool: pool,
            logger: logger
        )
        self.following = following
        self.processor = InboxProcessor(
            pool: pool,
            actors: actors,
            remote: remote,
            urls: urls,
            tables: tables,
            deliveryBell: deliveryBell,
            leaseSeconds: Int(settings.inboxLease.components.seconds),
            logger: logger
        )
        self.actions = SocialActions(
            actors: actors,
            remote: remote,
            following: following,
            core: core,
            urls: urls,
            tables: tables,
            deliveryBell: deliveryBell,
            pool: pool,
            logger: logger
        )
        self.remoteInteraction = RemoteInteraction(remote: remote, following: following, urls: urls)
        self.delivery = DeliveryWorker(
            pool: pool,
            client: client,
            signers: { [actors] signer in
                guard let signer else { return actors.instanceIdentity }
                return try await actors.identity(ofUser: signer)
            },
            perHostConcurrency: settings.perHostConcurrency,
            leaseSeconds: Int(settings.deliveryLease.components.seconds),
            delivered: DeliveredJobs(pool: pool, logger: logger),
            logger: logger
        )
        self.publisher = Publisher(
            core: core,
            consumer: EventConsumer(name: "social.publisher", schema: Self.schema, pool: pool, position: \.id, logger: logger),
            urls: urls,
            actors: actors,
            tables: tables,
            logger: logger
        )
        self.profileLinks = ProfileLinks(
            core: core,
            consumer: EventConsumer(name: "social.profile_links", schema: Self.schema, pool: pool, position: \.id, logger: logger),
            client: client,
            urls: urls,
            pool: pool,
            logger: logger
        )
    }

    /// The consumers of Core's event log this module runs, for their lag in `/metrics`.
    public var eventConsumers: [EventConsumer<CoreEvent>] { [publisher.consumer, profileLinks.consumer] }

    /// Whether this module's role can reach its own tables: part of the server's readiness.
    public func checkStorage() async throws {
        try await pool.query("SELECT count(*) FROM social.event_consumers", logger: logger)
    }

    /// Wakes the workers for work any process committed (``DatabaseNotifications`` calls it).
    public func wake(_ channel: DatabaseNotifications.Channel) async {
        switch channel {
        case .coreEvents:
            await publisherBell.ring()
            await profileLinksBell.ring()
        case .socialInbox: await inboxBell.ring()
        case .socialDeliveries: await deliveryBell.ring()
        // Heard by the document cache (through the database's change notices); no worker waits on it.
        case .socialDocuments: break
        }
    }

    /// Runs the inbox processor, the publisher and the delivery worker until cancelled. Each
    /// wakes when work is queued (rung by this process, or by ``wake(_:)`` for any process's),
    /// when its next job falls due (a lease running out, a retry), and at the latest after
    /// ``SocialSettings/pollInterval``.
    public func runWorkers() async {
        await withTaskGroup(of: Void.self) { group in
            // Inbox workers each take the next activity as soon as they are free, so one waiting on a
            // slow server never keeps the others from new work.
            for _ in 0..<InboxProcessor.concurrency {
                group.addTask {
                    while !Task.isCancelled {
                        if await processor.processNext() { continue }
                        await inboxBell.wait(timeout: waitTime(until: await processor.untilNextDue()))
                    }
                }
            }
            group.addTask {
                await loop(bell: publisherBell) {
                    do { return try await publisher.catchUp() } catch {
                        if !Database.isCancellation(error) { logger.warning("publishing failed", metadata: ["reason": .string("\(error)")]) }
                        return 0
                    }
                }
            }
            group.addTask {
                await loop(bell: profileLinksBell) {
                    do { return try await profileLinks.catchUp() } catch {
                        if !Database.isCancellation(error) {
                            logger.warning("verifying profile links failed", metadata: ["reason": .string("\(error)")])
                        }
                        return 0
                    }
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    await delivery.drain()
                    await deliveryBell.wait(timeout: waitTime(until: await delivery.untilNextDue()))
                }
            }
        }
    }

    private func loop(bell: Doorbell, _ work: @Sendable () async -> Int) async {
        while !Task.isCancelled {
            let done = await work()
            if done > 0 { await deliveryBell.ring() }
            await bell.wait(timeout: settings.pollInterval)
        }
    }

    /// How long a worker waits for a ring: until its next job is due, but not less than a quarter
    /// of a second (a due job another process holds must not make it spin) nor more than
    /// ``SocialSettings/pollInterval``.
    private func waitTime(until due: Duration?) -> Duration {
        guard let due else { return settings.pollInterval }
        return min(max(due, .milliseconds(250)), settings.pollInterval)
    }

    /// Processes everything queued now, in order: inbound activities, Core's events, deliveries.
    /// For tests and tools that want the effects without waiting for the workers.
    public func settle() async throws {
        await processor.drain()
        try await publisher.catchUp()
        try await profileLinks.catchUp()
        await delivery.drain()
    }

    /// Who is fetching an ActivityPub document: the actor whose key signed the request, once the
    /// signature verifies, or nil for an unsigned request. With ``SocialSettings/authorizedFetch``
    /// on, an unsigned request is refused (`signatureRejected`, 401), as Mastodon's secure mode
    /// refuses it.
    ///
    /// - Throws: in secure mode only: `signatureRejected` for no signature, one that does not
    ///   verify or one whose key cannot be fetched; `forbidden` for a blocked domain.
    /// - Parameter identify: whether the route shows the signer more than it shows anyone (an
    ///   item or note, for followers). When it does not, and secure mode is off, nothing is
    ///   verified: no key is fetched on the way to a document everyone may read.
    public func fetcher(of request: InboundRequest, identify: Bool = true) async throws(SocialError) -> String? {
        guard identify || settings.authorizedFetch else { return nil }
        let names = Set(request.headers.map { $0.0.lowercased() })
        guard names.contains("signature") || names.contains("signature-input") else {
            if settings.authorizedFetch {
                throw SocialError(.signatureRejected, "Request not signed: this server serves ActivityPub only to signed requests.")
            }
            return nil
        }
        do {
            return try await remote.signer(of: request.signed(scheme: settings.publicURL.scheme ?? "https"))
        } catch {
            // Without secure mode a signature we cannot check counts as none: the request sees
            // what everyone sees (as Mastodon answers it).
            guard settings.authorizedFetch else { return nil }
            // To the fetcher, a key we could not get is a signature we could not check.
            guard error.code == .signatureRejected || error.code == .forbidden || error.code == .unavailable else {
                throw SocialError(.signatureRejected, "Verification failed: the signing key could not be fetched.")
            }
            throw error
        }
    }

    /// The user's home feed, newest first, with every entry's HTML filled in.
    public func homeFeed(
        for userID: UUID,
        before: Int64?,
        after: Int64? = nil,
        oldestFirst: Bool = false,
        limit: Int = 20
    ) async throws(SocialError) -> [Feeds.Entry] {
        var entries = try await feeds.home(for: userID, before: before, after: after, oldestFirst: oldestFirst, limit: limit)
        for index in entries.indices where entries[index].content.isEmpty {
            guard let note = await itemNote(entries[index].object) else { continue }
            entries[index].content = note.content ?? ""
            entries[index].display = NoteDisplay(note)
        }
        try await markReactions(&entries, of: userID)
        var local = LocalAuthors(actors: actors)
        for index in entries.indices {
            entries[index].author = await local.complete(entries[index].author)
            entries[index].boostedBy = await local.complete(entries[index].boostedBy)
        }
        return entries
    }

    /// What the reader already did to each entry (like, boost), so the page offers to undo it.
    func markReactions(_ entries: inout [Feeds.Entry], of userID: UUID) async throws(SocialError) {
        let me = urls.actor(try await actors.profile(id: userID).username)
        let objects = entries.map(\.object)
        let reactions = Reactions(logger: logger)
        let (liked, boosted) = try await run(logger) {
            (
                try await reactions.objects(.like, by: me, among: objects, on: pool),
                try await reactions.objects(.boost, by: me, among: objects, on: pool)
            )
        }
        for index in entries.indices {
            entries[index].liked = liked.contains(entries[index].object)
            entries[index].boosted = boosted.contains(entries[index].object)
        }
    }

    /// A local user's own posts for her profile, newest first (``Feeds/posts(by:withFollowersOnly:limit:)``),
    /// with what `viewer` did to each; her followers-only posts only when she is the viewer.
    public func profilePosts(of userID: UUID, viewer: UUID?) async throws(SocialError) -> [Feeds.Entry] {
        var entries = try await feeds.posts(by: userID, withFollowersOnly: viewer == userID)
        if let viewer { try await markReactions(&entries, of: viewer) }
        var local = LocalAuthors(actors: actors)
        for index in entries.indices { entries[index].author = await local.complete(entries[index].author) }
        return entries
    }

    /// Public items published here, newest first, before the date `before`.
    public func publicFeed(before: Date?) async throws(SocialError) -> [Feeds.Entry] {
        var entries: [Feeds.Entry] = []
        var local = LocalAuthors(actors: actors)
        for item in try await feeds.localPublic(before: before) {
            guard let note = try? await collections.object(item.kind, item.id) else { continue }
            let actor = note.attributedTo?.id ?? ""
            entries.append(
                Feeds.Entry(
                    id: Int64(item.publishedAt.timeIntervalSince1970),
                    kind: "item",
                    actor: actor,
                    author: await local.complete(feeds.author(actor, username: nil, host: nil, name: nil, avatar: nil)),
                    object: note.id ?? "",
                    content: note.content ?? "",
                    display: NoteDisplay(note),
                    createdAt: item.publishedAt
                )
            )
        }
        return entries
    }

    /// Our `Note` of a published item, if it is visible to anyone.
    /// The user's notifications as a page shows them: each names who did it, the item it was
    /// about by its name, and the words of a comment, mention or quote.
    public func notificationList(
        for userID: UUID,
        before: Int64?,
        after: Int64? = nil,
        oldestFirst: Bool = false,
        kinds: [Notifications.Kind]? = nil,
        limit: Int = 40
    ) async throws(SocialError) -> [Notifications.Notification] {
        var list = try await notifications.list(for: userID, before: before, after: after, oldestFirst: oldestFirst, kinds: kinds, limit: limit)
        var notes: [String: ASObject?] = [:]
        var local = LocalAuthors(actors: actors)
        for index in list.indices {
            list[index].account = await local.complete(list[index].account)
            guard let object = list[index].object, let (kind, _) = urls.localObject(object), kind != "post", kind != "comment" else { continue }
            if notes[object] == nil { notes[object] = .some(await itemNote(object)) }
            guard let found = notes[object], let note = found else { continue }
            list[index].objectName = note.name
            // A character's art is named by the note's last change.
            if kind == "character", note["icon"] != nil { list[index].objectArtVersion = NoteDisplay(note).editedAt }
        }
        return list
    }

    private func itemNote(_ objectID: String) async -> ASObject? {
        guard let (kind, id) = urls.localObject(objectID), let subject = CoreEvent.SubjectKind(rawValue: kind) else { return nil }
        return try? await collections.object(subject, id)
    }

    /// Closes the outbound client; the server calls it once, when it stops.
    public func shutdown() async throws {
        try await client.shutdown()
    }
}
