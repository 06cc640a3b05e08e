import Crypto
import Foundation
import Logging
import PostgresNIO
import ScribeContracts

/// Registration, login, logout, password change, recovery and deletion of accounts.
///
/// Guarantees:
/// - The DEK is generated here, wrapped under the password KEK and the recovery KEK, and never
///   stored unwrapped; a session carries its own wrapped copy (``SessionStore``).
/// - A wrong identifier and a wrong password fail the same way, after the same work.
/// - Failed logins and recoveries are limited per account and per client address.
/// - The first account becomes `Administrator`, even when two register at once.
/// - Every account gets its actor's RSA-2048 signing key, sealed under the master key, at registration.
/// - Every change is one transaction, with its event in the same transaction.
public struct Accounts: Sendable {
    let pool: PostgresClient
    let eventLog: EventLog
    let sessions: SessionStore
    let throttle: LoginThrottle
    let settings: CoreSettings
    let masterKeys: MasterKeyring
    let logger: Logger

    init(pool: PostgresClient, eventLog: EventLog, settings: CoreSettings, masterKeys: MasterKeyring, logger: Logger) {
        self.pool = pool
        self.masterKeys = masterKeys
        self.eventLog = eventLog
        self.sessions = SessionStore(pool: pool, settings: settings, logger: logger)
        self.throttle = LoginThrottle(pool: pool, settings: settings, logger: logger)
        self.settings = settings
        self.logger = logger
    }

    // MARK: - Registration

    public func register(_ registration: Registration) async throws(CoreError) -> NewAccount {
        try AccountRules.checkUsername(registration.username)
        try AccountRules.checkEmail(registration.email)
        try AccountRules.checkPassword(registration.password)
        let id = UUID()
        let dek = SymmetricKey(size: .bits256)
        let (passwordWrap, verifier) = try await UserKeys.wrap(
            dek,
            secret: registration.password,
            kdf: settings.passwordKDF,
            binding: UserKeys.passwordBinding(id)
        )
        let phrase = RecoveryPhrase.generate()
        let (recoveryWrap, _) = try await UserKeys.wrap(
            dek,
            secret: phrase.normalized,
            kdf: settings.passwordKDF,
            binding: UserKeys.recoveryBinding(id)
        )
        let actorKey = try ActorKeys.generate(for: .user(id), masterKeys: masterKeys)

        let session = try await transaction { connection in
            // Serialise registrations so exactly one can find the table empty.
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.registrationLock))", logger: logger)
            let isFirst = try await connection.query("SELECT NOT EXISTS (SELECT 1 FROM core.users)", logger: logger)
                .decode(Bool.self).reduce(false) { $0 || $1 }
            let role: Account.Role = isFirst ? .administrator : .user
            // A unique violation can surface while the RETURNING row is read, so both are inside.
            let row: PostgresRow
            do {
                let rows = try await connection.query(
                    """
                    INSERT INTO core.users AS u (id, username, email, role, password_verifier, kdf_params, kek_salt, encrypted_dek, dek_nonce,
                        recovery_kdf_params, recovery_kek_salt, encrypted_dek_by_recovery, recovery_dek_nonce)
                    VALUES (\(id), \(registration.username), \(registration.email), \(role.rawValue)::core.user_role, \(verifier),
                        \(try Self.json(passwordWrap.kdf))::jsonb, \(Self.encodeSalt(passwordWrap.salt)), \(passwordWrap.sealed.ciphertext),
                        \(passwordWrap.sealed.nonce), \(try Self.json(recoveryWrap.kdf))::jsonb, \(Self.encodeSalt(recoveryWrap.salt)),
                        \(recoveryWrap.sealed.ciphertext), \(recoveryWrap.sealed.nonce))
                    RETURNING \(unescaped: AccountRow.columns)
                    """,
                    logger: logger
                ).collect()
                guard let first = rows.first else { throw CoreError(.corrupted, "the new account was not returned") }
                row = first
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                switch error.serverInfo?[.constraintName] {
                case "users_username_unique": throw CoreError(.usernameTaken, "That username is taken.", field: "username")
                default: throw CoreError(.emailTaken, "An account with that email exists.", field: "email")
                }
            }
            let account = try AccountRow.account(from: row)
            try await ActorKeys.store(actorKey, for: .user(account.id), on: connection, logger: logger)
            try await eventLog.append(.userCreated, subjectKind: .user, subjectID: account.id, on: connection)
            return try await sessions.create(for: account, dek: dek, on: connection)
        }
        logger.info("account registered", metadata: ["account": .string(session.account.username), "role": .string(session.account.role.rawValue)])
        return NewAccount(session: session, recoveryPhrase: phrase)
    }

    // MARK: - Sessions

    /// Logs in with a username or email and the password. `clientAddress` feeds the per-address
    /// limit on failures.
    public func logIn(identifier: String, password: String, clientAddress: String?) async throws(CoreError) -> SessionGrant {
        let subject = LoginThrottle.Subject(account: Self.normalizedIdentifier(identifier), address: clientAddress)
        try await throttle.check(subject)
        guard let stored = try await storedKeys(identifier: subject.account) else {
            // Spend the same work as for a real account, so timing does not reveal which exist.
            _ = try await settings.passwordKDF.derive(secret: password, salt: PasswordKDF.newSalt())
            try await throttle.recordFailure(subject)
            throw Self.wrongCredentials
        }
        guard
            let dek = try await UserKeys.unwrap(
                stored.keys.password,
                secret: password,
                binding: UserKeys.passwordBinding(stored.account.id),
                verifier: stored.verifier
            )
        else {
            try await throttle.recordFailure(subject)
            throw Self.wrongCredentials
        }
        try Self.checkMayLogIn(stored.account)
        try await throttle.reset(account: subject.account)
        let upgrade =
            stored.keys.password.kdf.memoryCost < settings.passwordKDF.memoryCost
            ? try await UserKeys.wrap(dek, secret: password, kdf: settings.passwordKDF, binding: UserKeys.passwordBinding(stored.account.id))
            : nil
        return try await transaction { connection in
            if let (wrap, verifier) = upgrade { try await storePasswordWrap(wrap, verifier: verifier, for: stored.account.id, on: connection) }
            return try await sessions.create(for: stored.account, dek: dek, on: connection)
        }
    }

    /// The session a token belongs to, if it is live.
    public func authenticate(token: String) async throws(CoreError) -> AuthenticatedSession {
        guard let token = SessionToken(presented: token) else {
            throw CoreError(.unauthenticated, "Log in to continue; this session has ended or expired.")
        }
        return try await sessions.authenticate(token)
    }

    public func logOut(_ session: AuthenticatedSession) async throws(CoreError) {
        try await sessions.end(session.id)
    }

    /// Destroys every expired session (see ``SessionStore/purgeExpired()``); returns how many.
    @discardableResult
    public func purgeExpiredSessions() async throws(CoreError) -> Int {
        try await sessions.purgeExpired()
    }

    /// Deletes the signing keys of accounts deleted more than `age` ago.
    public func purgeRetiredActorKeys(olderThan age: Duration = .seconds(7 * 86400)) async throws(CoreError) -> Int {
        let seconds = Double(age.components.seconds)
        return try await run {
            try await pool.query(
                "DELETE FROM core.actor_keys WHERE retired_at < now() - make_interval(secs => \(seconds)) RETURNING 1",
                logger: logger
            ).collect().count
        }
    }

    // MARK: - Passwords

    /// Re-wraps the DEK under a new password (nothing is re-encrypted) and ends the account's
    /// other sessions; this one stays logged in.
    public func changePassword(_ session: AuthenticatedSession, current: String, new: String) async throws(CoreError) {
        try AccountRules.checkPassword(new, field: "new_password")
        try await confirmPassword(current, of: session, field: "current_password")
        let (wrap, verifier) = try await UserKeys.wrap(
            session.dek,
            secret: new,
            kdf: settings.passwordKDF,
            binding: UserKeys.passwordBinding(session.account.id)
        )
        try await transaction { connection in
            try await storePasswordWrap(wrap, verifier: verifier, for: session.account.id, on: connection)
            try await sessions.endAll(of: session.account.id, keeping: session.id, on: connection)
        }
    }

    /// Sets a new password with the recovery phrase, ends every session, and logs in afresh.
    public func recover(
        identifier: String,
        phrase typedPhrase: String,
        newPassword: String,
        clientAddress: String?
    ) async throws(CoreError) -> SessionGrant {
        try AccountRules.checkPassword(newPassword, field: "new_password")
        let subject = LoginThrottle.Subject(account: Self.normalizedIdentifier(identifier), address: clientAddress)
        try await throttle.check(subject)
        let phrase = RecoveryPhrase(typed: typedPhrase)
        guard let phrase, let stored = try await storedKeys(identifier: subject.account),
            let dek = try await UserKeys.unwrap(
                stored.keys.recovery,
                secret: phrase.normalized,
                binding: UserKeys.recoveryBinding(stored.account.id),
                verifier: nil
            )
        else {
            try await throttle.recordFailure(subject)
            throw CoreError(.invalidCredentials, "That recovery phrase does not match the account.")
        }
        try Self.checkMayLogIn(stored.account)
        try await throttle.reset(account: subject.account)
        let (wrap, verifier) = try await UserKeys.wrap(
            dek,
            secret: newPassword,
            kdf: settings.passwordKDF,
            binding: UserKeys.passwordBinding(stored.account.id)
        )
        return try await transaction { connection in
            try await storePasswordWrap(wrap, verifier: verifier, for: stored.account.id, on: connection)
            try await sessions.endAll(of: stored.account.id, on: connection)
            return try await sessions.create(for: stored.account, dek: dek, on: connection)
        }
    }

    // MARK: - Deletion

    /// Deletes the account and, by cascade, its sessions and everything it owns; the keys go with
    /// the row, so nothing of it can be decrypted afterwards. Its actor's signing key is retired,
    /// not deleted, so the actor's Delete can still be signed (``ActorKeys``).
    /// Checks that `password` is the account's, as an action that cannot be undone asks (deleting
    /// the account, moving it away), without changing anything.
    ///
    /// - Throws: `invalidCredentials` naming `field` when it is not.
    public func confirmPassword(_ password: String, of session: AuthenticatedSession, field: String = "password") async throws(CoreError) {
        guard let stored = try await storedKeys(identifier: session.account.username),
            try await UserKeys.unwrap(
                stored.keys.password,
                secret: password,
                binding: UserKeys.passwordBinding(stored.account.id),
                verifier: stored.verifier
            ) != nil
        else { throw CoreError(.invalidCredentials, field == "password" ? "The password is wrong." : "The current password is wrong.", field: field) }
    }

    public func delete(_ session: AuthenticatedSession, password: String) async throws(CoreError) {
        try await confirmPassword(password, of: session)
        try await transaction { connection in
            try await connection.query("DELETE FROM core.users WHERE id = \(session.account.id)", logger: logger)
            try await connection.query("UPDATE core.actor_keys SET retired_at = now() WHERE user_id = \(session.account.id)", logger: logger)
            try await eventLog.append(.userDeleted, subjectKind: .user, subjectID: session.account.id, on: connection)
        }
        logger.info("account deleted", metadata: ["account": .string(session.account.username)])
    }

    // MARK: - Pieces

    /// "ADMIN" as a 64-bit advisory lock key for registrations.
    static let registrationLock: Int64 = 0x5343_5249_4245_5247

    static let wrongCredentials = CoreError(.invalidCredentials, "The username, email or password is wrong.")

    /// `@Jane` and `jane` are the same identifier.
    static func normalizedIdentifier(_ identifier: String) -> String {
        var trimmed = identifier.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("@") { trimmed.removeFirst() }
        return trimmed.lowercased()
    }

    static func checkMayLogIn(_ account: Account) throws(CoreError) {
        switch account.status {
        case .active: return
        case .locked: throw CoreError(.accountLocked, "This account is locked.")
        case .pending: throw CoreError(.accountPending, "This account awaits approval.")
        }
    }

    struct StoredKeys {
        var account: Account
        var verifier: Data
        var keys: UserKeys
    }

    private func storedKeys(identifier: String) async throws(CoreError) -> StoredKeys? {
        let rows = try await run {
            try await pool.query(
                """
                SELECT u.password_verifier, u.kdf_params::text, u.kek_salt, u.encrypted_dek, u.dek_nonce, u.recovery_kdf_params::text,
                    u.recovery_kek_salt, u.encrypted_dek_by_recovery, u.recovery_dek_nonce, \(unescaped: AccountRow.columns)
                FROM core.users u WHERE lower(u.username) = \(identifier) OR lower(u.email) = \(identifier)
                """,
                logger: logger
            ).collect()
        }
        guard let row = rows.first else { return nil }
        let (verifier, kdf, salt, sealed, nonce, recoveryKDF, recoverySalt, recoverySealed, recoveryNonce) =
            try decode(row, as: (Data, String, String, Data, Data, String, String, Data, Data).self)
        guard let passwordKDF = Self.kdf(kdf), let recoveryParameters = Self.kdf(recoveryKDF),
            let passwordSalt = Self.decodeSalt(salt), let recoverySaltBytes = Self.decodeSalt(recoverySalt)
        else { throw CoreError(.corrupted, "an account's key parameters could not be read") }
        return StoredKeys(
            account: try AccountRow.account(from: row),
            verifier: verifier,
            keys: UserKeys(
                password: .init(kdf: passwordKDF, salt: passwordSalt, sealed: SealedValue(ciphertext: sealed, nonce: nonce)),
                recovery: .init(
                    kdf: recoveryParameters,
                    salt: recoverySaltBytes,
                    sealed: SealedValue(ciphertext: recoverySealed, nonce: recoveryNonce)
                )
            )
        )
    }

    private func storePasswordWrap(_ wrap: UserKeys.Wrap, verifier: Data, for userID: UUID, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE core.users SET password_verifier = \(verifier), kdf_params = \(try Self.json(wrap.kdf))::jsonb,
                kek_salt = \(Self.encodeSalt(wrap.salt)), encrypted_dek = \(wrap.sealed.ciphertext), dek_nonce = \(wrap.sealed.nonce),
                updated_at = now()
            WHERE id = \(userID)
            """,
            logger: logger
        )
    }

    private func transaction<Result: Sendable>(
        _ body: nonisolated(nonsending) (PostgresConnection) async throws -> sending Result
    ) async throws(CoreError) -> Result {
        try await ScribeCore.transaction(on: pool, logger: logger, body)
    }

    // Salts are stored as base64url without padding, as in the original Scribe schema.
    static func encodeSalt(_ salt: Data) -> String {
        salt.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeSalt(_ salt: String) -> Data? {
        var base64 = salt.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }

    static func json(_ kdf: PasswordKDF) throws -> String { String(decoding: try JSONEncoder().encode(kdf), as: UTF8.self) }
    static func kdf(_ json: String) -> PasswordKDF? { try? JSONDecoder().decode(PasswordKDF.self, from: Data(json.utf8)) }
}
