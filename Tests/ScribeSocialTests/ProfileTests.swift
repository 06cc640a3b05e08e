import Foundation
import PostgresNIO
import ScribeContracts
import ScribeCore
import ScribeServer
import ScribeSocial
import ScribeStorage
import ScribeTestSupport
import Testing

@Suite("Social learns about users through CoreAPI")
struct ProfileTests {
    @Test("a profile has the public facts only, by username in any case or by id; a locked account is not active")
    func profiles() async throws {
        try await withTestModules { application in
            let created = try await application.core.accounts.register(
                Registration(username: "Alice", email: "alice@example.org", password: "correct horse battery"))
            let core = application.social.core
            let byName = try await core.profile(username: "ALICE")
            #expect(byName.username == "Alice" && byName.isActive)
            #expect(try await core.profile(id: created.session.account.id) == byName)
            let json = String(decoding: try JSONEncoder().encode(byName), as: UTF8.self)
            #expect(!json.contains("example.org"))
            try await application.core.accounts.setStatus(username: "alice", status: .locked)
            #expect(try await core.profile(username: "alice").isActive == false)
            do {
                _ = try await core.profile(username: "nobody")
                Issue.record("found a user that does not exist")
            } catch let error as CoreAPIError {
                #expect(error.code == .notFound)
            }
        }
    }
}
