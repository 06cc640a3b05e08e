import Crypto
import Foundation
import PostgresNIO
import ScribeContracts
import ScribeStorage
import ScribeTestSupport
import Testing

@testable import ScribeCore

@Suite("Accounts and sessions")
struct AccountsTests {
    static let password = "correct horse battery"

    static func register(_ accounts: Accounts, _ username: String, password: String = password) async throws -> NewAccount {
        try await accounts.register(Registration(username: username, email: "\(username)@example.org", password: password))
    }

    static func dekBytes(_ session: AuthenticatedSession) -> Data { session.dek.withUnsafeBytes { Data($0) } }

    static func count(_ sql: String, _ application: TestModules) async throws -> Int {
        try await application.database.owner.query(PostgresQuery(unsafeSQL: sql), logger: TestLogger.make("count")).decode(Int.self)
            .reduce(0, +)
    }

    @Test("the first account is Administrator, later ones User, and each registration records UserCreated")
    func rolesAndEvents() async throws {
        try await withTestModules { application in
            let accounts = application.core.accounts
            let first = try await Self.register(accounts, "alice")
            let second = try await Self.register(accounts, "bob")
            #expect(first.session.account.role == .administrator)
            #expect(second.session.account.role == .user)
            let events = try await application.core.events(after: 0, limit: 10)
            #expect(events.map(\.type) == [.userCreated, .userCreated])
            #expect(events.map(\.subjectID) == [first.session.account.id, second.session.account.id])
        }
    }

    @Test("of several accounts registering at once on an empty server, exactly one becomes Administrator")
    func oneFirstAdministrator() async throws {
        try await withTestModules { application in
            let roles = try await withThrowingTaskGroup(of: Account.Role.self) { group in
                for index in 0..<6 {
                    group.addTask { try await Self.register(application.core.accounts, "user\(index)").session.account.role }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(roles.filter { $0 == .administrator }.count == 1)
        }
    }

    @Test("usernames and emails are unique regardless of case, and a refused registration writes nothing")
    func uniqueness() async throws {
        try await withTestModules { application in
            let accounts = application.core.accounts
            _ = try await Self.register(accounts, "Alice")
            for registration in [
                Registration(username: "aLiCe", email: "other@example.org", password: Self.password),
                Registration(username: "someone", email: "ALICE@example.org", password: Self.password),
            ] {
                do {
                    _ = try await accounts.register(registration)
                    Issue.record("registered a duplicate \(registration.username)")
                } catch let error as CoreError {
                    #expect([.usernameTaken, .emailTaken].contains(error.code))
                }
            }
            #expect(try await Self.count("SELECT count(*)::int FROM core.users", application) == 1)
            #expect(try await Self.count("SELECT count(*)::int FROM core.events", application) == 1)
        }
    }

    @Test(
        "usernames follow Mastodon's rule",
        arguments: [
            ("alice", true), ("Jane_Doe", true), ("a.b", true), ("a--b", true), ("x1", true), ("_", true),
            ("-a", false), ("a-", false), (".a", false), ("a b", false), ("ä", false), ("", false), (String(repeating: "a", count: 31), false),
            ("a@b", false),
        ]
    )
    func usernameRule(username: String, valid: Bool) {
        let accepted = (try? AccountRules.checkUsername(username)) != nil
        #expect(accepted == valid)
    }

    @Test("login works by username, @username or email in any case; a wrong password and an unknown user fail alike")
    func login() async throws {
        try await withTestModules { application in
            let accounts = application.core.accounts
            let created = try await Self.register(accounts, "alice")
            for identifier in ["alice", "@ALICE", "Alice@Example.org"] {
                let grant = try await accounts.logIn(identifier: identifier, password: Self.password, clientAddress: nil)
                #expect(grant.account.id == created.session.account.id)
            }
            var failures: [CoreError] = []
            for (identifier, password) in [("alice", "wrong password!"), ("nobody", Self.password)] {
                do {
                    _ = try await accounts.logIn(identifier: identifier, password: password, clientAddress: nil)
                } catch let error as CoreError {
                    failures.append(error)
                }
            }
            #expect(failures.count == 2 && failures[0] == failures[1] && failures[0].code == .invalidCredentials)
        }
    }

    @Test("failed logins are limited per account, and per client address across accounts")
    func throttling() async throws {
        var settings = CoreSettings.testing
        settings.loginFailuresPerAccount = 3
        settings.loginFailuresPerAddress = 5
        try await withTestModules(settings: settings) { application in
            let accounts = application.core.accounts
            _ = try await Self.register(accounts, "alice")
            for _ in 0..<3 { _ = try? await accounts.logIn(identifier: "alice", password: "wrong password!", clientAddress: "192.0.2.1") }
            do {
                _ = try await accounts.logIn(identifier: "alice", password: Self.password, clientAddress: "192.0.2.9")
                Issue.record("logged in past the account limit")
            } catch let error as CoreError {
                #expect(error.code == .rateLimited)
                #expect((error.retryAfterSeconds ?? 0) > 0)
            }
            // Two more failures from the same address on other names reach its limit of five.
            for name in ["carol", "dave"] { _ = try? await accounts.logIn(identifier: name, password: "x", clientAddress: "192.0.2.1") }
            _ = try await Self.register(accounts, "erin")
            await #expect(throws: CoreError.self) {
                try await accounts.logIn(identifier: "erin", password: Self.password, clientAddress: "192.0.2.1")
            }
            #expect(try await accounts.logIn(identifier: "erin", password: Self.password, clientAddress: "198.51.100.7").account.username == "erin")
        }
    }

    @Test("a session outlives the process that made it, and every session opens the same DEK")
    func sessionsSurviveRestarts() async throws {
        try await withTestModules { application in
            let created = try await Self.register(application.core.accounts, "alice")
            let grant = try await application.core.accounts.logIn(identifier: "alice", password: Self.password, clientAddress: nil)
            // A second Core over the same database stands in for a restarted server.
            let restarted = CoreModule(database: application.database, settings: .testing, masterKeys: .testing, logger: TestLogger.make("restarted"))
            let fromRegistration = try await restarted.accounts.authenticate(token: created.session.token.value)
            let fromLogin = try await restarted.accounts.authenticate(token: grant.token.value)
            #expect(fromRegistration.account.id == fromLogin.account.id)
            #expect(Self.dekBytes(fromRegistration) == Self.dekBytes(fromLogin))
        }
    }

    @Test("logging out ends the session: its token opens nothing and no copy of the DEK remains for it")
    func logout() async throws {
        try await withTestModules { application in
            let accounts = application.core.accounts
            let created = try await Self.register(accounts, "alice")
            let session = try await accounts.authenticate(token: created.session.token.value)
            try await accounts.logOut(session)
            await #expect(throws: CoreError.self) { try await accounts.authenticate(token: created.session.token.value) }
            #expect(try await Self.count("SELECT count(*)::int FROM core.sessions", application) == 0)
            await #expect(throws: CoreError.self) { try await accounts.authenticate(token: "not-a-token") }
        }
    }

    @Test("sessions end after their idle timeout and their lifetime")
    func expiry() async throws {
        try await withTestModules { application in
            let accounts = application.core.accounts
            let idle = try await Self.register(accounts, "alice").session.token
            let old = try await accounts.logIn(identifier: "alice", password: Self.password, clientAddress: nil).token
            let logger = TestLogger.make("expiry")
            try await application.database.owner.query(
                "UPDATE core.sessions SET last_used_at = now() - interval '15 days' WHERE token_hash = \(idle.hash)",
                logger: logger
            )
            try await application.database.owner.query(
                "UPDATE core.sessions SET expires_at = now() - interval '1 second' WHERE token_hash = \(old.hash)",
                logger: logger
            )
            for token in [idle, old] {
                await #expect(throws: CoreError.self) { try await accounts.authenticate(token: token.value) }
            }
            // Presented after expiry, each session was destroyed with its wrapped DEK.
            #expect(try await Self.count("SELECT count(*)::int FROM core.sessions", application) == 0)
        }
    }

    @Test("the sweep destroys expired sessions nobody presents again, and keeps live ones")
    func sweep() async throws {
        try await withTestModules { application in
            let accounts = application.core.accounts
            let live = try await Self.register(accounts, "alice").session.token
            let expired = try await accounts.logIn(identifier: "alice", password: Self.password, clientAddress: nil).token
            try await application.database.owner.query(
                "UPDATE core.sessions SET expires_at = now() - interval '1 second' WHERE token_hash = \(expired.hash)",
                logger: TestLogger.make("sweep")
            )
            #expect(try await accounts.purgeExpiredSessions() == 1)
            #expect(try await Self.count("SELECT count(*)::int FROM core.sessions", application) == 1)
            #expect(try await accounts.authenticate(token: live.value).account.username == "alice")
        }
    }

    @Test("changing the password re-wraps the same DEK, ends the other sessions and keeps this one")
    func changePassword() async throws {
        try await withTestModules { application in
            let accounts = application.core.accounts
            let created = try await Self.register(accounts, "alice")
            let other = try await accounts.logIn(identifier: "alice", password: Self.password, clientAddress: nil)
            let session = try await accounts.authenticate(token: created.session.token.value)
            await #expect(throws: CoreError.self) { try await accounts.changePassword(session, current: "wrong password!", new: "new password 123") }
            try await accounts.changePassword(session, current: Self.password, new: "new password 123")
            await #expect(throws: CoreError.self) { try await accounts.authenticate(token: other.token.value) }
            #expect(try await accounts.authenticate(token: created.session.token.value).id == session.id)
            await #expect(throws: CoreError.self) { try await accounts.logIn(identifier: "alice", password: Self.password, clientAddress: nil) }
            let relogged = try await accounts.logIn(identifier: "alice", password: "new password 123", clientAddress: nil)
            #expect(Self.dekBytes(try await accounts.authenticate(token: relogged.token.value)) == Self.dekBytes(session))
        }
    }

    @Test("the recovery phrase, however typed, sets a new password, keeps the DEK and ends every session")
    func recovery() async throws {
        try await withTestModules { application in
            let accounts = application.core.accounts
            let created = try await Self.register(accounts, "alice")
            let original = try await accounts.authenticate(token: created.session.token.value)
            await #expect(throws: CoreError.self) {
                try await accounts.recover(
                    identifier: "alice",
                    phrase: RecoveryPhrase.generate().description,
                    newPassword: "brand new pass",
                    clientAddress: nil
                )
            }
            let typed = created.recoveryPhrase.description.lowercased().replacingOccurrences(of: "-", with: " ")
            let grant = try await accounts.recover(identifier: "alice", phrase: typed, newPassword: "brand new pass", clientAddress: nil)
            await #expect(throws: CoreError.self) { try await accounts.authenticate(token: created.session.token.value) }
            #expect(Self.dekBytes(try await accounts.authenticate(token: grant.token.value)) == Self.dekBytes(original))
            #expect(try await accounts.logIn(identifier: "alice", password: "brand new pass", clientAddress: nil).account.username == "alice")
        }
    }

    @Test("deleting an account needs its password, removes it with its sessions and records UserDeleted")
    func deletion() async throws {
        try await withTestModules { application in
            let accounts = application.core.accounts
            let created = try await Self.register(accounts, "alice")
            let session = try await accounts.authenticate(token: created.session.token.value)
            await #expect(throws: CoreError.self) { try await accounts.delete(session, password: "wrong password!") }
            try await accounts.delete(session, password: Self.password)
            #expect(try await Self.count("SELECT count(*)::int FROM core.users", application) == 0)
            #expect(try await Self.count("SELECT count(*)::int FROM core.sessions", application) == 0)
            #expect(try await application.core.events(after: 0, limit: 10).map(\.type) == [.userCreated, .userDeleted])
        }
    }

    @Test("a locked account can neither log in nor use a session it already has")
    func lockedAccounts() async throws {
        try await withTestModules { application in
            let accounts = application.core.accounts
            let created = try await Self.register(accounts, "alice")
            try await application.database.owner.query("UPDATE core.users SET account_status = 'locked'", logger: TestLogger.make("lock"))
            do {
                _ = try await accounts.logIn(identifier: "alice", password: Self.password, clientAddress: nil)
                Issue.record("a locked account logged in")
            } catch let error as CoreError {
                #expect(error.code == .accountLocked)
            }
            do {
                _ = try await accounts.authenticate(token: created.session.token.value)
                Issue.record("a locked account's session worked")
            } catch let error as CoreError {
                #expect(error.code == .accountLocked)
            }
        }
    }

    @Test("logging in with weaker stored KDF parameters re-wraps under the current ones")
    func kdfUpgrade() async throws {
        var weak = CoreSettings.testing
        weak.passwordKDF = PasswordKDF(rounds: 1 << 9)
        try await withTestModules(settings: weak) { application in
            _ = try await Self.register(application.core.accounts, "alice")
            let stronger = CoreModule(database: application.database, settings: .testing, masterKeys: .testing, logger: TestLogger.make("upgrade"))
            _ = try await stronger.accounts.logIn(identifier: "alice", password: Self.password, clientAddress: nil)
            let rounds = try await application.database.owner.query(
                "SELECT (kdf_params->>'n')::int FROM core.users",
                logger: TestLogger.make("upgrade")
            ).decode(Int.self).reduce(0, +)
            #expect(rounds == 1 << 10)
            #expect(try await stronger.accounts.logIn(identifier: "alice", password: Self.password, clientAddress: nil).account.username == "alice")
        }
    }

    @Test("no password, recovery phrase, token or DEK is stored in the clear")
    func nothingInTheClear() async throws {
        try await withTestModules { application in
            let created = try await Self.register(application.core.accounts, "alice")
            let session = try await application.core.accounts.authenticate(token: created.session.token.value)
            let dump = try await application.database.owner.query(
                "SELECT string_agg(t::text, ' ') FROM (SELECT * FROM core.users) t",
                logger: TestLogger.make("dump")
            ).decode(String.self).reduce("") { $1 }
            let sessionsDump = try await application.database.owner.query(
                "SELECT string_agg(t::text, ' ') FROM (SELECT * FROM core.sessions) t",
                logger: TestLogger.make("dump")
            ).decode(String.self).reduce("") { $1 }
            let hex = Self.dekBytes(session).map { String(format: "%02x", $0) }.joined()
            for secret in [Self.password, created.recoveryPhrase.normalized, created.session.token.value, hex] {
                #expect(!dump.contains(secret) && !sessionsDump.contains(secret))
            }
        }
    }
}
