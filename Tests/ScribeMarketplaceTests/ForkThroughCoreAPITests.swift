import Foundation
import ScribeContracts
import ScribeCore
import ScribeMarketplace
import ScribeTestSupport
import Testing

@Suite("Marketplace forks through CoreAPI with the user's propagated session")
struct ForkThroughCoreAPITests {
    @Test("a public character forks into the user's library; a bad session or a private character does not")
    func fork() async throws {
        try await withTestModules { application in
            let accounts = application.core.accounts
            let alice = try await accounts.register(Registration(username: "alice", email: "a@example.org", password: "correct horse battery"))
            let bob = try await accounts.register(Registration(username: "bob", email: "b@example.org", password: "correct horse battery"))
            let aliceSession = try await accounts.authenticate(token: alice.session.token.value)
            let character = try await application.core.characters.create(CharacterCard(data: ["name": .string("Pip")]), for: aliceSession)
            let core = application.marketplace.core

            func code(_ token: String) async -> CoreAPIError.Code? {
                do {
                    _ = try await core.fork(of: .character, id: character.id, sessionToken: token, sourceURI: "https://scribe.example/characters/x")
                    return nil
                } catch {
                    return error.code
                }
            }
            #expect(await code(bob.session.token.value) == .notFound)  // still private
            _ = try await application.core.characters.setVisibility(character.id, to: .public, for: aliceSession)
            #expect(await code("not-a-session") == .unauthenticated)
            let forkID = try await core.fork(
                of: .character,
                id: character.id,
                sessionToken: bob.session.token.value,
                sourceURI: "https://scribe.example/characters/x"
            ).id
            let bobSession = try await accounts.authenticate(token: bob.session.token.value)
            #expect(try await application.core.characters.get(forkID, for: bobSession).card.name == "Pip")
        }
    }
}
