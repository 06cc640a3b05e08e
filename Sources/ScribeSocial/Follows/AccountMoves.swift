import ActivityPubKit
import Foundation
import PostgresNIO
import ScribeContracts
import ScribeStorage

/// Moving an account, as Mastodon moves one: a user names their other accounts (`alsoKnownAs`)
/// so that one of them may move here, and moves out to an account that names them back, sending
/// `Move` to every server that follows them. A move is only ever believed when the new account
/// claims the old one: here when a user moves out, and in the inbox when someone moves in.
extension Following {
    /// At most this many aliases, as Mastodon allows.
    static let maximumAliases = 10
    /// An account moves at most once in this time, as on Mastodon.
    public static let moveCooldown: TimeInterval = 30 * 24 * 3600

    /// Names the user's other accounts (handles or actor URLs; an empty list removes them all),
    /// and sends the actor's `Update` so their servers see it.
    public func setAliases(_ handles: [String], as userID: UUID) async throws(SocialError) -> LocalActors.AccountSettings {
        try await changeSettings(SettingsChange(alsoKnownAs: handles), as: userID)
    }

    /// The actor ids of the accounts a user names as their others, each once.
    func aliases(_ handles: [String], of profile: UserProfile) async throws(SocialError) -> [String] {
        guard handles.count <= Self.maximumAliases else { throw SocialError(.invalidInput, "An account has at most \(Self.maximumAliases) aliases.") }
        let me = urls.actor(profile.username)
        var aliases: [String] = []
        for handle in handles {
            let actor = try await resolve(handle)
            guard actor != me else { throw SocialError(.invalidInput, "An account cannot be an alias of itself.") }
            if !aliases.contains(actor) { aliases.append(actor) }
        }
        return aliases
    }

    /// Moves the user to `handle`, which must name this account in its `alsoKnownAs` (checked on a
    /// fresh copy of its document). This server's followers follow the new account instead; every
    /// server that follows the user is sent `Move`, and the actor shows `movedTo`.
    ///
    /// As on Mastodon, a move asks for the account's password again (checked by Core for the
    /// session `sessionToken` names) and happens at most once in 30 days.
    ///
    /// - Throws: `invalidInput` for a wrong password, within 30 days of the last move, or for a
    ///   target that does not name this account.
    public func move(
        to handle: String,
        as userID: UUID,
        password: String,
        sessionToken: String
    ) async throws(SocialError) -> LocalActors.AccountSettings {
        do { try await actors.core.confirmPassword(password, sessionToken: sessionToken) } catch {
            guard error.code == .invalidArgument else { throw LocalActors.socialError(error) }
            throw SocialError(.invalidInput, "The password is wrong.")
        }
        if let last = try await actors.lastMove(of: userID), Date().timeIntervalSince(last) < Self.moveCooldown {
            let next = last.addingTimeInterval(Self.moveCooldown)
            throw SocialError(
                .invalidInput,
                "An account moves at most once in 30 days; this one may move again on \(next.formatted(date: .long, time: .omitted))."
            )
        }
        let profile = try await actors.profile(id: userID)
        let me = urls.actor(profile.username)
        let target = try await resolve(handle)
        guard target != me else { throw SocialError(.invalidInput, "An account cannot move to itself.") }
        let destination: MoveDestination
        if let username = urls.username(ofActor: target) {
            let other = try await actors.profile(username: username)
            let settings = try await actors.accountSettings(other.id)
            guard settings.alsoKnownAs.contains(me) else { throw Self.unclaimed(target) }
            destination = .local(other.id, actor: target, locked: settings.manuallyApprovesFollowers)
        } else {
            let document = try await remote.object(target)
            guard document.isActor, document.id == target else { throw SocialError(.invalidInput, "\(handle) is not an account.") }
            guard document.references("alsoKnownAs").compactMap(\.id).contains(me) else { throw Self.unclaimed(target) }
            destination = .remote(try await remote.store(document))
        }
        try await transaction(on: pool, logger: logger) { connection in
            try await actors.setMovedTo(destination.actor, of: userID, on: connection)
            var move = ASObject.activity("Move", id: urls.activity(UUID()), actor: me, object: .string(me), to: [urls.followers(profile.username)])
            move["target"] = .string(destination.actor)
            try await tables.queueToFollowers(move.document(in: ScribeVocabulary.context), of: me, signer: userID, on: connection)
            try await Self.redirectLocalFollowers(of: me, to: destination, tables: tables, urls: urls, on: connection)
        }
        try await sendActorUpdate(profile)
        return try await actors.accountSettings(userID)
    }

    /// Where an account moves: to a user of this server, or to a remote actor.
    enum MoveDestination {
        case local(UUID, actor: String, locked: Bool)
        case remote(RemoteActor)

        var actor: String {
            switch self {
            case .local(_, let actor, _): actor
            case .remote(let remote): remote.id
            }
        }
    }

    /// This server's followers of `old` follow `destination` instead: a local account at once (or
    /// as a request, when it is locked), a remote one by a `Follow` that waits for its `Accept`.
    /// Shared by a move out and an inbound `Move`, inside the transaction that records the move.
    static func redirectLocalFollowers(
        of old: String,
        to destination: MoveDestination,
        tables: SocialTables,
        urls: ActorURLs,
        on connection: PostgresConnection
    ) async throws {
        for (userID, follower) in try await tables.follows.localFollowers(of: old, prefix: urls.localActorPrefix, on: connection) {
            _ = try await tables.follows.remove(follower: follower, followed: old, on: connection)
            guard follower != destination.actor else { continue }
            let activityID = urls.activity(UUID())
            switch destination {
            case .local(let followedID, let actor, let locked):
                _ = try await tables.followLocalUser(
                    followedID,
                    actor: actor,
                    by: follower,
                    locked: locked,
                    activityID: activityID,
                    on: connection
                )
            case .remote(let actor):
                _ = try await tables.follows.record(follower: follower, followed: actor.id, activityID: activityID, state: .pending, on: connection)
                let follow = ASObject.activity("Follow", id: activityID, actor: follower, object: .string(actor.id), to: [actor.id])
                    .document(in: ScribeVocabulary.context)
                try await tables.deliveries.enqueue(follow, to: [actor.inbox], signer: userID, on: connection)
            }
        }
    }

    /// The actor's `Update`, to every server that follows it.
    func sendActorUpdate(_ profile: UserProfile) async throws(SocialError) {
        let document = try await actors.document(for: profile)
        let me = urls.actor(profile.username)
        try await transaction(on: pool, logger: logger) { connection in
            try await tables.queueToFollowers(actors.update(of: document, actor: me), of: me, signer: profile.id, on: connection)
        }
        await deliveryBell.ring()
    }

    private static func unclaimed(_ target: String) -> SocialError {
        SocialError(.invalidInput, "\(target) does not name this account as an alias: add it there first, then move.")
    }
}
