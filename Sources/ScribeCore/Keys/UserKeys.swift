import Crypto
import Foundation
import ScribeContracts

/// A user's DEK as stored: wrapped twice, under the password KEK and under the recovery KEK,
/// each with the KDF parameters and salt that re-derive its KEK.
struct UserKeys: Sendable {
    struct Wrap: Sendable {
        var kdf: PasswordKDF
        var salt: Data
        var sealed: SealedValue
    }

    var password: Wrap
    var recovery: Wrap

    static func passwordBinding(_ userID: UUID) -> FieldBinding { FieldBinding(table: "core.users", row: userID, column: "encrypted_dek") }
    static func recoveryBinding(_ userID: UUID) -> FieldBinding {
        FieldBinding(table: "core.users", row: userID, column: "encrypted_dek_by_recovery")
    }

    /// Wraps `dek` under a KEK derived from `secret` with fresh salt; returns the wrap and the
    /// derivation's verifier.
    static func wrap(_ dek: SymmetricKey, secret: String, kdf: PasswordKDF, binding: FieldBinding) async throws(CoreError) -> (Wrap, verifier: Data) {
        let salt = PasswordKDF.newSalt()
        let derived = try await kdf.derive(secret: secret, salt: salt)
        return (Wrap(kdf: kdf, salt: salt, sealed: try FieldCipher.wrap(dek, with: derived.kek, binding: binding)), derived.verifier)
    }

    /// Re-derives the KEK from `secret` and unwraps the DEK; `nil` if the secret is wrong.
    static func unwrap(_ wrap: Wrap, secret: String, binding: FieldBinding, verifier expected: Data?) async throws(CoreError) -> SymmetricKey? {
        let derived = try await wrap.kdf.derive(secret: secret, salt: wrap.salt)
        if let expected, !constantTimeEquals(derived.verifier, expected) { return nil }
        return try? FieldCipher.unwrap(wrap.sealed, with: derived.kek, binding: binding)
    }
}
