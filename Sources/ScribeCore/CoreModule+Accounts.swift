import Foundation
import ScribeContracts

/// Core's account operations as the pages reach them in the process where Core runs: each is
/// the one its JSON API route calls, for the session the token names.
extension CoreModule: AccountsAPI {
    public func register(username: String, email: String, password: String, clientAddress: String?) async throws(CoreError) -> NewAccountSession {
        let created = try await accounts.register(Registration(username: username, email: email, password: password))
        return NewAccountSession(session: SignedInSession(created.session), recoveryPhrase: created.recoveryPhrase.description)
    }

    public func logIn(identifier: String, password: String, clientAddress: String?) async throws(CoreError) -> SignedInSession {
        SignedInSession(try await accounts.logIn(identifier: identifier, password: password, clientAddress: clientAddress))
    }

    public func recover(identifier: String, phrase: String, newPassword: String, clientAddress: String?) async throws(CoreError) -> SignedInSession {
        SignedInSession(try await accounts.recover(identifier: identifier, phrase: phrase, newPassword: newPassword, clientAddress: clientAddress))
    }

    public func logOut(sessionToken: String) async throws(CoreError) {
        try await accounts.logOut(try await accounts.authenticate(token: sessionToken))
    }

    public func changePassword(current: String, new: String, sessionToken: String) async throws(CoreError) {
        try await accounts.changePassword(try await accounts.authenticate(token: sessionToken), current: current, new: new)
    }

    public func setPublicProfile(displayName: String, bio: String, fields: [ProfileField]?, sessionToken: String) async throws(CoreError) {
        let session = try await accounts.authenticate(token: sessionToken)
        try await accounts.setPublicProfile(session, displayName: displayName, bio: bio, fields: fields)
    }

    public func setImage(_ kind: ProfileImage, to image: Data?, sessionToken: String) async throws(CoreError) {
        try await accounts.setImage(kind, of: try await accounts.authenticate(token: sessionToken), to: image)
    }
}

extension SignedInSession {
    init(_ grant: SessionGrant) {
        self.init(user: SessionUser(grant.account), token: grant.token.value, expiresAt: grant.expiresAt)
    }
}
