import Crypto
import Foundation

/// The secret a client holds for one session: 32 random bytes, base64url without padding. The
/// server keeps only its SHA-256, and the key that unwraps the session's copy of the DEK is
/// derived from the token itself, so the database alone can neither impersonate the session nor
/// decrypt anything.
public struct SessionToken: Sendable, Equatable {
    public let value: String

    public static func generate() -> SessionToken {
        SessionToken(
            value: randomBytes(32).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        )
    }

    /// Accepts what a client sent if it has the shape of a token (43 base64url characters).
    public init?(presented: String) {
        guard presented.utf8.count == 43,
            presented.utf8.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F
            })
        else { return nil }
        value = presented
    }

    private init(value: String) { self.value = value }

    /// What the database stores to find the session.
    var hash: Data { Data(SHA256.hash(data: Data(value.utf8))) }

    /// The key that wraps this session's copy of the user's DEK.
    func dekWrappingKey(sessionID: UUID) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(value.utf8)),
            salt: Data(sessionID.uuidString.lowercased().utf8),
            info: Data("scribe session dek v1".utf8),
            outputByteCount: 32
        )
    }
}
