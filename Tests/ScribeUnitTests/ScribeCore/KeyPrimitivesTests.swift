import Crypto
import Foundation
import ScribeContracts
import Testing

@testable import ScribeCore

@Suite("Key primitives")
struct KeyPrimitivesTests {
    let binding = FieldBinding(table: "core.characters", row: UUID(), column: "description_ciphertext")

    @Test("a sealed field opens with the same key and binding, and a fresh nonce is used every time")
    func sealAndOpen() throws {
        let key = SymmetricKey(size: .bits256)
        let first = try FieldCipher.seal(Data("secret text".utf8), with: key, binding: binding)
        let second = try FieldCipher.seal(Data("secret text".utf8), with: key, binding: binding)
        #expect(first.nonce != second.nonce && first.ciphertext != second.ciphertext)
        #expect(first.nonce.count == 12)
        #expect(try FieldCipher.open(first, with: key, binding: binding) == Data("secret text".utf8))
    }

    @Test("a ciphertext does not open under another key, row or column, or after tampering")
    func bindingAndIntegrity() throws {
        let key = SymmetricKey(size: .bits256)
        let sealed = try FieldCipher.seal(Data("secret".utf8), with: key, binding: binding)
        var otherRow = binding
        otherRow.row = UUID()
        var otherColumn = binding
        otherColumn.column = "personality_ciphertext"
        var tampered = sealed
        tampered.ciphertext[0] ^= 1
        #expect(throws: CoreError.self) { try FieldCipher.open(sealed, with: SymmetricKey(size: .bits256), binding: binding) }
        #expect(throws: CoreError.self) { try FieldCipher.open(sealed, with: key, binding: otherRow) }
        #expect(throws: CoreError.self) { try FieldCipher.open(sealed, with: key, binding: otherColumn) }
        #expect(throws: CoreError.self) { try FieldCipher.open(tampered, with: key, binding: binding) }
        #expect(throws: CoreError.self) {
            try FieldCipher.open(SealedValue(ciphertext: Data([1, 2]), nonce: sealed.nonce), with: key, binding: binding)
        }
    }

    @Test("the KDF is deterministic per secret and salt, and the verifier differs from the KEK")
    func kdf() async throws {
        let kdf = PasswordKDF(rounds: 1 << 10)
        let salt = PasswordKDF.newSalt()
        let first = try await kdf.derive(secret: "correct horse", salt: salt)
        let again = try await kdf.derive(secret: "correct horse", salt: salt)
        let otherSalt = try await kdf.derive(secret: "correct horse", salt: PasswordKDF.newSalt())
        let otherSecret = try await kdf.derive(secret: "correct horsf", salt: salt)
        func bytes(_ key: SymmetricKey) -> Data { key.withUnsafeBytes { Data($0) } }
        #expect(bytes(first.kek) == bytes(again.kek) && first.verifier == again.verifier)
        #expect(bytes(first.kek) != bytes(otherSalt.kek))
        #expect(first.verifier != otherSecret.verifier)
        #expect(bytes(first.kek) != first.verifier)
        await #expect(throws: CoreError.self) { try await PasswordKDF(rounds: 1000).derive(secret: "x", salt: salt) }
    }

    @Test("recovery phrases are 8 groups of 4 and read back however they are typed")
    func recoveryPhrase() throws {
        let phrase = RecoveryPhrase.generate()
        #expect(phrase.description.split(separator: "-").map(\.count) == Array(repeating: 4, count: 8))
        #expect(RecoveryPhrase.generate() != phrase)
        let typed = phrase.description.lowercased().replacingOccurrences(of: "-", with: " ")
        #expect(RecoveryPhrase(typed: typed) == phrase)
        #expect(RecoveryPhrase(typed: "ilo0" + phrase.normalized.dropFirst(4))?.normalized.hasPrefix("1100") == true)
        #expect(RecoveryPhrase(typed: String(phrase.normalized.dropLast())) == nil)
        #expect(RecoveryPhrase(typed: "U" + phrase.normalized.dropFirst()) == nil)  // U is not in Crockford's alphabet
    }

    @Test("session tokens are 43 base64url characters; anything else is not a token")
    func sessionTokens() {
        let token = SessionToken.generate()
        #expect(token.value.count == 43)
        #expect(SessionToken(presented: token.value) == token)
        #expect(SessionToken(presented: token.value + "A") == nil)
        #expect(SessionToken(presented: String(token.value.dropLast()) + "+") == nil)
        #expect(token.hash.count == 32)
        let sessionA = UUID()
        let sessionB = UUID()
        let keyA = token.dekWrappingKey(sessionID: sessionA).withUnsafeBytes { Data($0) }
        #expect(keyA != token.dekWrappingKey(sessionID: sessionB).withUnsafeBytes { Data($0) })
        #expect(keyA != SessionToken.generate().dekWrappingKey(sessionID: sessionA).withUnsafeBytes { Data($0) })
    }
}
