import Foundation
import ScribeContracts
import ScribeTestSupport
import Testing

@testable import ScribeCore

@Suite("Account administration")
struct AccountAdministrationTests {
    @Test("an operator can create an account with a chosen role, list accounts and change roles, each change recorded")
    func rolesAndListing() async throws {
        try await withTestModules { application in
            let accounts = application.core.accounts
            _ = try await AccountsTests.register(accounts, "alice")
            let moderator = try await accounts.create(
                Registration(username: "bob", email: "bob@example.org", password: AccountsTests.password),
                role: .moderator
            )
            #expect(moderator.session.account.role == .moderator)
            try await accounts.setRole(username: "@ALICE", role: .user)
            #expect(try await accounts.list().map { "\($0.username) \($0.role.rawValue)" } == ["alice User", "bob Moderator"])
            let types = try await application.core.events(after: 0, limit: 10).map(\.type)
            #expect(types == [.userCreated, .userCreated, .userUpdated, .userUpdated])
        }
    }

    @Test("locking ends the account's sessions and stops logins; unlocking allows logins again")
    func lockAndUnlock() async throws {
        try await withTestModules { application in
            let accounts = application.core.accounts
            let created = try await AccountsTests.register(accounts, "alice")
            #expect(try await accounts.setStatus(username: "alice", status: .locked).status == .locked)
            try await accounts.setStatus(username: "alice", status: .active)
            await #expect(throws: CoreError.self) { try await accounts.authenticate(token: created.session.token.value) }
            #expect(try await accounts.logIn(identifier: "alice", password: AccountsTests.password, clientAddress: nil).account.status == .active)
        }
    }

    @Test("changing an account that does not exist is a not-found error that records nothing")
    func unknownAccount() async throws {
        try await withTestModules { application in
            do {
                try await application.core.accounts.setRole(username: "nobody", role: .administrator)
                Issue.record("changed an account that does not exist")
            } catch let error as CoreError {
                #expect(error.code == .notFound)
            }
            #expect(try await application.core.events(after: 0, limit: 10).isEmpty)
        }
    }
}
