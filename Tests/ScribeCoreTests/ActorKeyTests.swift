import Crypto
import CryptoExtras
import Foundation
import PostgresNIO
import ScribeContracts
import ScribeCore
import ScribeStorage
import ScribeTestSupport
import Testing

@Suite("Actors' signing keys stay in Core")
struct ActorKeyTests {
    static func verifies(_ signature: Data, _ message: Data, pem: String) throws -> Bool {
        try _RSA.Signing.PublicKey(pemRepresentation: pem)
            .isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: message, padding: .insecurePKCS1v1_5)
    }

    @Test("registration makes an RSA-2048 key; Core signs with it and only the public key comes out")
    func registration() async throws {
        try await withTestModules { application in
            let alice = try await CharactersTests.session(application, "alice")
            let core: any CoreAPI = application.core
            let pem = try await core.actorPublicKey(of: .user(alice.account.id))
            #expect(pem.hasPrefix("-----BEGIN PUBLIC KEY-----"))
            #expect(try _RSA.Signing.PublicKey(pemRepresentation: pem).keySizeInBits == 2048)
            let message = Data("(request-target): post /inbox".utf8)
            #expect(try Self.verifies(try await core.signAsActor(.user(alice.account.id), message: message), message, pem: pem))

            // Stored sealed: the row holds no PEM or DER private key, and no key in the clear.
            let rows = try await application.database.owner.query(
                "SELECT private_key, master_key_id FROM core.actor_keys",
                logger: TestLogger.make("q")
            ).collect()
            #expect(rows.count == 1)
            let (sealed, keyID) = try rows[0].decode((Data, String).self)
            #expect(keyID == MasterKeyring.testing.current.id)
            #expect(!String(decoding: sealed, as: UTF8.self).contains("PRIVATE KEY"))
            #expect(sealed.count > 1000)
        }
    }

    @Test("the instance actor's key is made once, even when asked for at the same time; an unknown user has none")
    func instanceKey() async throws {
        try await withTestModules { application in
            let core: any CoreAPI = application.core
            let keys = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<4 { group.addTask { try await core.actorPublicKey(of: .instance) } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(keys.count == 1)
            let message = Data("GET /users/bob".utf8)
            #expect(try Self.verifies(try await core.signAsActor(.instance, message: message), message, pem: keys.first!))
            await #expect(throws: CoreAPIError(.notFound, "No such user.")) { try await core.actorPublicKey(of: .user(UUID())) }
            await #expect(throws: CoreAPIError(.notFound, "No such user.")) { try await core.signAsActor(.user(UUID()), message: message) }
        }
    }

    @Test("deleting the account retires its key: it still signs the actor's Delete, and the sweeper removes it later")
    func deletion() async throws {
        try await withTestModules { application in
            let alice = try await CharactersTests.session(application, "alice")
            let core: any CoreAPI = application.core
            let pem = try await core.actorPublicKey(of: .user(alice.account.id))
            try await application.core.accounts.delete(alice, password: AccountsTests.password)
            let message = Data("Delete".utf8)
            #expect(try Self.verifies(try await core.signAsActor(.user(alice.account.id), message: message), message, pem: pem))
            #expect(try await application.core.accounts.purgeRetiredActorKeys() == 0)
            #expect(try await application.core.accounts.purgeRetiredActorKeys(olderThan: .zero) == 1)
            await #expect(throws: CoreAPIError.self) { try await core.signAsActor(.user(alice.account.id), message: message) }
        }
    }
}
