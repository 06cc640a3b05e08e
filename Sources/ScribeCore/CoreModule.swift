import Foundation
import Logging
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// Core as the rest of the server sees it: accounts and sessions for the HTTP layer, and the
/// in-process implementation of ``CoreAPI`` for Marketplace and Social. It reaches the database
/// only through the `core` schema's pool.
public struct CoreModule: CoreAPI {
    public static let schema = ModuleSchema.core

    public let eventLog: EventLog
    public let accounts: Accounts
    public let characters: Characters
    public let lorebooks: Lorebooks
    public let chats: Chats
    public let actorKeys: ActorKeys
    let restrictions: ItemRestrictions
    /// The master keys this process wraps and opens publication keys with.
    public let masterKeys: MasterKeyring
    let pool: PostgresClient

    public init(database: Database, settings: CoreSettings = .standard, masterKeys: MasterKeyring, logger: Logger) {
        self.pool = database.pool(for: Self.schema)
        self.masterKeys = masterKeys
        self.eventLog = EventLog(pool: pool, changes: database.changes, logger: logger)
        self.accounts = Accounts(pool: pool, eventLog: eventLog, settings: settings, masterKeys: masterKeys, logger: logger)
        self.actorKeys = ActorKeys(pool: pool, masterKeys: masterKeys, logger: logger)
        self.characters = Characters(pool: pool, eventLog: eventLog, masterKeys: masterKeys, logger: logger)
        self.lorebooks = Lorebooks(pool: pool, eventLog: eventLog, masterKeys: masterKeys, logger: logger)
        self.chats = Chats(pool: pool, logger: logger)
        self.restrictions = ItemRestrictions(pool: pool, eventLog: eventLog, logger: logger)
    }

    public func events(after cursor: Int64, limit: Int) async throws(CoreAPIError) -> [CoreEvent] {
        try await eventLog.events(after: cursor, limit: limit)
    }

    public func sharedView(of kind: CoreEvent.SubjectKind, id: UUID, for viewer: Viewer) async throws(CoreAPIError) -> SharedItem {
        do { return try await published(kind, id, for: viewer).shown(to: viewer) } catch { throw Self.apiError(error) }
    }

    /// Metadata is what a listing shows: its sizes come from the whole item, but an item on sale
    /// takes its tagline from the preview, so no line of its prompt text shows.
    public func metadata(of kind: CoreEvent.SubjectKind, id: UUID, for viewer: Viewer) async throws(CoreAPIError) -> ItemMetadata {
        do {
            let published = try await published(kind, id, for: viewer)
            var metadata = ItemMetadata(published.item)
            if published.forSale { metadata.tagline = ItemMetadata(published.shown(to: .anonymous)).tagline }
            return metadata
        } catch {
            throw Self.apiError(error)
        }
    }

    func published(_ kind: CoreEvent.SubjectKind, _ id: UUID, for viewer: Viewer) async throws(CoreError) -> PublishedItem {
        switch kind {
        case .character: try await characters.published(id, for: viewer, withAvatar: false)
        case .lorebook: try await lorebooks.published(id)
        case .user: throw CoreError(.notFound, "Users are not shared items.")
        }
    }

    public func sharedFile(
        of kind: CoreEvent.SubjectKind,
        id: UUID,
        format: SharedFile.Format,
        for viewer: Viewer
    ) async throws(CoreAPIError) -> SharedFile {
        do {
            let file: ExportedFile
            switch (kind, format) {
            case (.character, .json): file = try await characters.sharedFile(id, as: .v3, for: viewer)
            case (.character, .v2): file = try await characters.sharedFile(id, as: .v2, for: viewer)
            case (.character, .png): file = try await characters.sharedFile(id, as: .png, for: viewer)
            case (.lorebook, .json): file = try await lorebooks.sharedFile(id, as: .v3, for: viewer)
            case (.lorebook, .worldInfo): file = try await lorebooks.sharedFile(id, as: .worldInfo, for: viewer)
            case (.character, .avatar):
                guard let avatar = try await characters.sharedAvatar(id, for: viewer) else {
                    throw CoreError(.notFound, "This character has no avatar.")
                }
                file = avatar
            default: throw CoreError(.invalidInput, "A \(kind.rawValue) does not download as \(format.rawValue).")
            }
            return SharedFile(bytes: file.bytes, contentType: file.contentType, fileName: file.fileName)
        } catch {
            throw Self.apiError(error)
        }
    }

    public func fork(
        of kind: CoreEvent.SubjectKind,
        id: UUID,
        sessionToken: String,
        sourceURI: String,
        entitled: Bool,
        followsOwner: Bool
    ) async throws(CoreAPIError) -> OwnedCharacter {
        do {
            let session = try await accounts.authenticate(token: sessionToken)
            switch kind {
            case .character:
                return OwnedCharacter(
                    try await characters.fork(id, sourceURI: sourceURI, entitled: entitled, followsOwner: followsOwner, for: session)
                )
            case .lorebook, .user: throw CoreError(.notFound, "Only characters can be forked so far.")
            }
        } catch {
            throw Self.apiError(error)
        }
    }

    public func confirmPassword(_ password: String, sessionToken: String) async throws(CoreAPIError) {
        do {
            try await accounts.confirmPassword(password, of: try await accounts.authenticate(token: sessionToken))
        } catch {
            throw Self.apiError(error)
        }
    }

    public func user(sessionToken: String) async throws(CoreAPIError) -> SessionUser {
        do {
            return SessionUser(try await accounts.authenticate(token: sessionToken).account)
        } catch {
            throw Self.apiError(error)
        }
    }

    public func setHidden(of kind: CoreEvent.SubjectKind, id: UUID, _ hidden: Bool) async throws(CoreAPIError) {
        do { try await restrictions.set(.hidden, to: hidden, of: kind, id: id) } catch { throw Self.apiError(error) }
    }

    public func setForSale(of kind: CoreEvent.SubjectKind, id: UUID, _ forSale: Bool) async throws(CoreAPIError) {
        do { try await restrictions.set(.forSale, to: forSale, of: kind, id: id) } catch { throw Self.apiError(error) }
    }

    public func setContentRating(
        of kind: CoreEvent.SubjectKind,
        id: UUID,
        _ rating: ContentRating,
        byModerator: Bool
    ) async throws(CoreAPIError) -> Bool {
        do { return try await restrictions.setContentRating(rating, byModerator: byModerator, of: kind, id: id) } catch { throw Self.apiError(error) }
    }

    public func profile(username: String) async throws(CoreAPIError) -> UserProfile {
        do { return try await accounts.profile(username: username) } catch { throw Self.apiError(error) }
    }

    public func profile(id: UUID) async throws(CoreAPIError) -> UserProfile {
        do { return try await accounts.profile(id: id) } catch { throw Self.apiError(error) }
    }

    public func changePublicProfile(of userID: UUID, _ change: PublicProfileChange) async throws(CoreAPIError) -> UserProfile {
        do {
            guard try await accounts.profile(id: userID).isActive else { throw CoreError(.notFound, "No such user.") }
            try await accounts.changePublicProfile(of: userID, change)
            return try await accounts.profile(id: userID)
        } catch {
            throw Self.apiError(error)
        }
    }

    public func statistics() async throws(CoreAPIError) -> InstanceStatistics {
        do {
            let rows = try await run {
                try await pool.query(
                    """
                    SELECT (SELECT count(*)::int FROM core.users WHERE account_status = 'active'),
                        (SELECT count(DISTINCT user_id)::int FROM core.sessions WHERE last_used_at > now() - interval '30 days'),
                        (SELECT count(DISTINCT user_id)::int FROM core.sessions WHERE last_used_at > now() - interval '180 days'),
                        (SELECT count(*)::int FROM core.character_publications WHERE visibility = 'public')
                            + (SELECT count(*)::int FROM core.lorebook_publications)
                    """,
                    logger: eventLog.logger
                ).collect()
            }
            guard let row = rows.first else { throw CoreError(.unavailable, "No statistics.") }
            let (users, month, halfyear, items) = try decode(row, as: (Int, Int, Int, Int).self)
            return InstanceStatistics(users: users, activeMonth: month, activeHalfyear: halfyear, publishedItems: items)
        } catch {
            throw Self.apiError(error)
        }
    }

    public func actorPublicKey(of owner: ActorKeyOwner) async throws(CoreAPIError) -> String {
        do { return try await actorKeys.publicKeyPEM(of: owner) } catch { throw Self.apiError(error) }
    }

    public func signAsActor(_ owner: ActorKeyOwner, message: Data) async throws(CoreAPIError) -> Data {
        do { return try await actorKeys.sign(message, as: owner) } catch { throw Self.apiError(error) }
    }

    /// Core's errors as the contract names them: what a caller can act on, nothing more.
    static func apiError(_ error: any Error) -> CoreAPIError {
        switch (error as? CoreError)?.code {
        case .notFound?: CoreAPIError(.notFound, (error as? CoreError)?.message ?? "Not found.")
        case .unauthenticated?, .accountLocked?, .accountPending?: CoreAPIError(.unauthenticated, "The user's session is not valid.")
        case .invalidInput?, .invalidCredentials?: CoreAPIError(.invalidArgument, (error as? CoreError)?.message ?? "Invalid argument.")
        case .forbidden?: CoreAPIError(.forbidden, (error as? CoreError)?.message ?? "Not allowed.")
        default: CoreAPIError(.unavailable, "Core cannot answer right now.")
        }
    }

    /// Re-wraps every key the current master key does not wrap — publication keys of characters
    /// and lorebooks, and actors' signing keys (`scribe keys rotate`). Returns how many.
    public func rewrapMasterKeyedKeys() async throws(CoreError) -> Int {
        try await Publication.characters.rewrapKeys(pool: pool, masterKeys: masterKeys, logger: eventLog.logger)
            + Publication.lorebooks.rewrapKeys(pool: pool, masterKeys: masterKeys, logger: eventLog.logger)
            + actorKeys.rewrapKeys()
    }

    /// How many keys (publication keys and actor keys) each master key wraps.
    public func masterKeyUsage() async throws(CoreError) -> [String: Int] {
        let characters = try await Publication.characters.masterKeyUsage(pool: pool, logger: eventLog.logger)
        let lorebooks = try await Publication.lorebooks.masterKeyUsage(pool: pool, logger: eventLog.logger)
        return try await characters.merging(lorebooks, uniquingKeysWith: +).merging(actorKeys.masterKeyUsage(), uniquingKeysWith: +)
    }

    /// Whether Core's role can reach its own tables: part of the server's readiness.
    public func checkStorage() async throws {
        try await pool.query("SELECT count(*) FROM core.events", logger: eventLog.logger)
    }
}
