import Foundation
import Logging
import PostgresNIO
import ScribeContracts

/// What an operator does to accounts from the shell (`scribe user ...`): the same rules as the
/// API, without a session, because the operator's access to the machine is the authority.
extension Accounts {
    /// Creates an account with a chosen role; otherwise exactly like registration.
    public func create(_ registration: Registration, role: Account.Role) async throws(CoreError) -> NewAccount {
        let created = try await register(registration)
        guard created.session.account.role != role else { return created }
        var account = try await setRole(username: registration.username, role: role)
        account.role = role
        return NewAccount(
            session: SessionGrant(account: account, token: created.session.token, expiresAt: created.session.expiresAt),
            recoveryPhrase: created.recoveryPhrase
        )
    }

    /// The public facts about an account, for Social.
    public func profile(username: String) async throws(CoreError) -> UserProfile {
        try await profile(where: "lower(u.username) = $1", Self.normalizedIdentifier(username))
    }

    public func profile(id: UUID) async throws(CoreError) -> UserProfile {
        try await profile(where: "u.id = $1", id)
    }

    private func profile(where condition: String, _ value: some PostgresEncodable & Sendable) async throws(CoreError) -> UserProfile {
        var binds = PostgresBindings()
        do { try binds.append(value) } catch { throw CoreError.invalid("user", "That is not a user reference.") }
        let statement = PostgresQuery(
            unsafeSQL: """
                SELECT \(AccountRow.columns), coalesce(p.display_name, ''), coalesce(p.bio, ''), p.avatar_content_type,
                    p.header_content_type, coalesce(p.fields, '[]')::text, coalesce(extract(epoch FROM p.updated_at)::bigint, 0)
                FROM core.users u LEFT JOIN core.public_profiles p ON p.user_id = u.id WHERE \(condition)
                """,
            binds: binds
        )
        let rows = try await run { try await pool.query(statement, logger: logger).collect() }
        guard let row = rows.first else { throw CoreError(.notFound, "There is no such user.") }
        let account = try AccountRow.account(from: row)
        let cells = row.makeRandomAccess()
        // `try?` would flatten a NULL image type into a failure: decode them together.
        let displayName: String
        let bio: String
        let avatarType: String?
        let headerType: String?
        let fields: [ProfileField]
        let imageVersion: Int64
        do {
            displayName = try cells[cells.count - 6].decode(String.self)
            bio = try cells[cells.count - 5].decode(String.self)
            avatarType = try cells[cells.count - 4].decode(String?.self)
            headerType = try cells[cells.count - 3].decode(String?.self)
            fields = try JSONDecoder().decode([ProfileField].self, from: Data(try cells[cells.count - 2].decode(String.self).utf8))
            imageVersion = try cells[cells.count - 1].decode(Int64.self)
        } catch {
            throw CoreError(.corrupted, "a public profile could not be read")
        }
        return UserProfile(
            id: account.id,
            username: account.username,
            createdAt: account.createdAt,
            isActive: account.status == .active,
            displayName: displayName,
            bio: bio,
            avatarContentType: avatarType,
            headerContentType: headerType,
            fields: fields,
            imageVersion: Int(imageVersion)
        )
    }

    /// Every account, oldest first.
    public func list() async throws(CoreError) -> [Account] {
        let rows = try await run {
            try await pool.query("SELECT \(unescaped: AccountRow.columns) FROM core.users u ORDER BY u.created_at, u.username", logger: logger)
                .collect()
        }
        return try rows.map { row throws(CoreError) in try AccountRow.account(from: row) }
    }

    @discardableResult
    public func setRole(username: String, role: Account.Role) async throws(CoreError) -> Account {
        let name = Self.normalizedIdentifier(username)
        return try await update(username: username, endingSessions: false) {
            """
            UPDATE core.users u SET role = \(role.rawValue)::core.user_role, updated_at = now()
            WHERE lower(u.username) = \(name) RETURNING \(unescaped: AccountRow.columns)
            """
        }
    }

    /// Locking ends the account's sessions at once; unlocking lets it log in again.
    @discardableResult
    public func setStatus(username: String, status: Account.Status) async throws(CoreError) -> Account {
        let name = Self.normalizedIdentifier(username)
        return try await update(username: username, endingSessions: status != .active) {
            """
            UPDATE core.users u SET account_status = \(status.rawValue)::core.account_status, updated_at = now()
            WHERE lower(u.username) = \(name) RETURNING \(unescaped: AccountRow.columns)
            """
        }
    }

    /// Runs one account update, records `UserUpdated`, and optionally ends the account's
    /// sessions, in one transaction.
    private func update(
        username: String,
        endingSessions: Bool,
        _ statement: @Sendable () -> PostgresQuery
    ) async throws(CoreError) -> Account {
        try await run {
            try await pool.withTransaction(logger: logger) { connection in
                guard let row = try await connection.query(statement(), logger: logger).collect().first else {
                    throw CoreError(.notFound, "There is no account named \(username).")
                }
                let account = try AccountRow.account(from: row)
                try await eventLog.append(.userUpdated, subjectKind: .user, subjectID: account.id, on: connection)
                if endingSessions { try await sessions.endAll(of: account.id, on: connection) }
                return account
            }
        }
    }
}
