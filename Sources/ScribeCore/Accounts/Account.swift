import Foundation
import ScribeContracts

/// A Scribe user as the rest of the server may see them: no key material, no password data.
public struct Account: Codable, Sendable, Equatable {
    /// Roles as in the original Scribe schema; the contract's own, so what other modules are
    /// told of a user is this very value.
    public typealias Role = SessionUser.Role

    /// Account states as in the original Scribe schema. Only `active` accounts may log in.
    public enum Status: String, Codable, Sendable, CaseIterable {
        case active, locked, pending
    }

    public var id: UUID
    public var username: String
    public var email: String
    public var role: Role
    public var status: Status
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, username, email, role, status
        case createdAt = "created_at"
    }
}

/// What a person fills in to register.
public struct Registration: Sendable {
    public var username: String
    public var email: String
    public var password: String

    public init(username: String, email: String, password: String) {
        self.username = username
        self.email = email
        self.password = password
    }
}

/// A session handed to a client: the token is shown once, here, and never stored.
public struct SessionGrant: Sendable {
    public var account: Account
    public var token: SessionToken
    /// When the session ends at the latest (its absolute expiry).
    public var expiresAt: Date
}

/// The result of registering: the new account's first session and its recovery phrase, which
/// is shown this once and can then only be used, never read again.
public struct NewAccount: Sendable {
    public var session: SessionGrant
    public var recoveryPhrase: RecoveryPhrase
}

extension SessionUser {
    /// What other modules may know of the account behind a session.
    public init(_ account: Account) {
        self.init(id: account.id, username: account.username, role: account.role)
    }
}
