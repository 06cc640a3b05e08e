import Foundation

/// What Marketplace and Social may ask of Core. They hold an `any CoreAPI`: the composition
/// root hands them Core's in-process implementation, and a split deployment an HTTP client
/// implementing the same protocol, so neither side's code changes.
///
/// Operations are added here as the modules need them; every one must be expressible over
/// HTTP (plain DTOs in, plain DTOs out, errors as ``CoreAPIError``).
public protocol CoreAPI: Sendable {
    /// Events recorded after `cursor`, oldest first, at most `limit` of them.
    func events(after cursor: Int64, limit: Int) async throws(CoreAPIError) -> [CoreEvent]

    /// The shareable view of a published item, if `viewer` may see it. An item that does not
    /// exist, is private, or is for followers the viewer is not among is `notFound` alike.
    func sharedView(of kind: CoreEvent.SubjectKind, id: UUID, for viewer: Viewer) async throws(CoreAPIError) -> SharedItem

    /// The public metadata of a published item that `viewer` may see (what a listing stores),
    /// under the same rule as ``sharedView(of:id:for:)``.
    func metadata(of kind: CoreEvent.SubjectKind, id: UUID, for viewer: Viewer) async throws(CoreAPIError) -> ItemMetadata

    /// The item as a file in `format`, if `viewer` may see all of it (`forbidden` for a preview).
    func sharedFile(of kind: CoreEvent.SubjectKind, id: UUID, format: SharedFile.Format, for viewer: Viewer) async throws(CoreAPIError) -> SharedFile

    /// Copies an item the session's user may see into their library, private and encrypted under
    /// their key, and returns the copy. The caller propagates the user's session token, which is
    /// what unlocks their library; `sourceURI` is the original's public address; `entitled`
    /// vouches that the user bought it, if it is for sale, and `followsOwner` that they are an
    /// approved follower of its owner (for a followers-only item).
    func fork(
        of kind: CoreEvent.SubjectKind,
        id: UUID,
        sessionToken: String,
        sourceURI: String,
        entitled: Bool,
        followsOwner: Bool
    ) async throws(CoreAPIError) -> OwnedCharacter

    /// The user a session token belongs to, if the session is live (`unauthenticated` if not).
    /// Processes other than Core find out who is calling this way.
    func user(sessionToken: String) async throws(CoreAPIError) -> SessionUser

    /// Checks that `password` is the password of the session's user, for an action that asks for
    /// it again (moving the account away). Changes nothing.
    ///
    /// - Throws: `invalidArgument` when it is not the password; `unauthenticated` for a dead
    ///   session.
    func confirmPassword(_ password: String, sessionToken: String) async throws(CoreAPIError)

    /// Hides a published item from everyone (a moderator's decision) or shows it again. Each
    /// change records `ItemRestricted`; the restriction outlives unpublishing.
    func setHidden(of kind: CoreEvent.SubjectKind, id: UUID, _ hidden: Bool) async throws(CoreAPIError)

    /// Puts an item on sale, after which viewers who neither own nor bought it (``Viewer/entitled``)
    /// see a preview, or takes it off. Each change records `ItemRestricted`.
    func setForSale(of kind: CoreEvent.SubjectKind, id: UUID, _ forSale: Bool) async throws(CoreAPIError)

    /// Rates an item for adults or not by hand, for its creator or a moderator (the caller
    /// checks which). A moderator's rating holds: a creator's change of it returns false and
    /// changes nothing. A new rating records `ItemRestricted`.
    func setContentRating(of kind: CoreEvent.SubjectKind, id: UUID, _ rating: ContentRating, byModerator: Bool) async throws(CoreAPIError) -> Bool

    /// The public facts about a user, by username (case-insensitive) or by id.
    func profile(username: String) async throws(CoreAPIError) -> UserProfile
    func profile(id: UUID) async throws(CoreAPIError) -> UserProfile
    /// Changes a user's public profile for her, all of `change` or nothing, and returns it as it
    /// now is: what an app she signed in to through OAuth may do (it holds no session).
    func changePublicProfile(of userID: UUID, _ change: PublicProfileChange) async throws(CoreAPIError) -> UserProfile

    /// How many use this server and how much is published, for NodeInfo.
    func statistics() async throws(CoreAPIError) -> InstanceStatistics

    /// The SPKI PEM public key of an actor (created on first use for accounts that predate keys).
    func actorPublicKey(of owner: ActorKeyOwner) async throws(CoreAPIError) -> String

    /// An RSASSA-PKCS1-v1_5 SHA-256 signature of `message` with the actor's private key. The key
    /// never leaves Core: Social sends what it must sign (an HTTP signature's signing string).
    func signAsActor(_ owner: ActorKeyOwner, message: Data) async throws(CoreAPIError) -> Data
}

/// Why a ``CoreAPI`` call failed, in terms a caller can act on.
public struct CoreAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable, CaseIterable {
        case invalidArgument = "invalid_argument"
        case notFound = "not_found"
        /// The viewer may see the item but not this: an item for sale they have not bought.
        case forbidden
        /// The propagated session is missing, expired or ended.
        case unauthenticated
        case unavailable
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

extension CoreAPI {
    /// A fork by a user who has not bought the item (any free item, or their own).
    public func fork(of kind: CoreEvent.SubjectKind, id: UUID, sessionToken: String, sourceURI: String) async throws(CoreAPIError) -> OwnedCharacter {
        try await fork(of: kind, id: id, sessionToken: sessionToken, sourceURI: sourceURI, entitled: false, followsOwner: false)
    }
}
