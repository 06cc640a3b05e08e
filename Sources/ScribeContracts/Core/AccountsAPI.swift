import Foundation

/// What the pages may ask of Core about a person's own account: signing up, in and out,
/// recovering it, and changing its password and public profile. The pages hold an
/// `any AccountsAPI`: Core itself where it runs in the same process, and Core's public JSON API
/// (`/api/v1/accounts`, `/api/v1/sessions`) over HTTP where it runs apart.
///
/// Every operation is one that JSON API offers, with the same rules and the same ``CoreError``
/// codes and fields, so a form shows the same message either way. An operation on the signed-in
/// user's account takes their session token, which is what unlocks their account in Core.
public protocol AccountsAPI: Sendable {
    /// Creates an account and its first session.
    func register(username: String, email: String, password: String, clientAddress: String?) async throws(CoreError) -> NewAccountSession

    /// A new session for the account `identifier` (a username, with or without `@`, or an email).
    func logIn(identifier: String, password: String, clientAddress: String?) async throws(CoreError) -> SignedInSession

    /// Sets a new password with the recovery phrase, and signs in.
    func recover(identifier: String, phrase: String, newPassword: String, clientAddress: String?) async throws(CoreError) -> SignedInSession

    /// Ends the session.
    func logOut(sessionToken: String) async throws(CoreError)

    func changePassword(current: String, new: String, sessionToken: String) async throws(CoreError)

    /// The name, bio and (when given) profile fields other servers show; followers' servers are
    /// told.
    func setPublicProfile(displayName: String, bio: String, fields: [ProfileField]?, sessionToken: String) async throws(CoreError)

    /// Sets the avatar or header (PNG or JPEG, at most ``ProfileImage/maximumSize``), or removes
    /// it with `nil`.
    func setImage(_ kind: ProfileImage, to image: Data?, sessionToken: String) async throws(CoreError)
}

/// A live session: whose it is, its token (never logged) and when it ends at the latest.
public struct SignedInSession: Sendable, Equatable {
    public var user: SessionUser
    public var token: String
    public var expiresAt: Date

    public init(user: SessionUser, token: String, expiresAt: Date) {
        self.user = user
        self.token = token
        self.expiresAt = expiresAt
    }
}

/// A new account's first session and its recovery phrase, which is shown this once.
public struct NewAccountSession: Sendable, Equatable {
    public var session: SignedInSession
    public var recoveryPhrase: String

    public init(session: SignedInSession, recoveryPhrase: String) {
        self.session = session
        self.recoveryPhrase = recoveryPhrase
    }
}
