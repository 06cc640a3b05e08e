import Crypto
import CryptoExtras
import Foundation
import NIOPosix
import ScribeContracts

/// The memory-hard key derivation behind passwords and recovery phrases: scrypt, with its
/// parameters stored beside each user's wrapped DEK so they can be raised later (a login with
/// weaker stored parameters re-wraps under the current ones).
///
/// One derivation gives 64 bytes: the first 32 are the key-encryption key (KEK) that wraps the
/// DEK, the SHA-256 of the last 32 is the verifier stored to check the password. Logging in
/// therefore costs one memory-hard computation, and the stored verifier reveals nothing about
/// the KEK.
public struct PasswordKDF: Codable, Sendable, Equatable {
    public var algorithm: String
    /// scrypt's N (cost), a power of two.
    public var rounds: Int
    /// scrypt's r.
    public var blockSize: Int
    /// scrypt's p.
    public var parallelism: Int

    public init(rounds: Int, blockSize: Int = 8, parallelism: Int = 1) {
        self.algorithm = "scrypt"
        self.rounds = rounds
        self.blockSize = blockSize
        self.parallelism = parallelism
    }

    /// N = 2^17, r = 8, p = 1: 128 MiB and a few hundred milliseconds per derivation, the
    /// interactive-login setting recommended for scrypt.
    public static let standard = PasswordKDF(rounds: 1 << 17)

    /// Memory in bytes one derivation needs: how parameters are compared when raising them.
    public var memoryCost: Int { 128 * rounds * blockSize * parallelism }

    enum CodingKeys: String, CodingKey {
        case algorithm
        case rounds = "n"
        case blockSize = "r"
        case parallelism = "p"
    }

    public struct Derived: Sendable {
        public let kek: SymmetricKey
        public let verifier: Data
    }

    /// Derives the KEK and verifier off the cooperative thread pool (scrypt blocks for a while).
    public func derive(secret: String, salt: Data) async throws(CoreError) -> Derived {
        guard algorithm == "scrypt", rounds > 1, rounds & (rounds - 1) == 0 else {
            throw CoreError(.corrupted, "unsupported key derivation parameters")
        }
        let parameters = self
        do {
            return try await NIOThreadPool.singleton.runIfActive {
                let output = try KDF.Scrypt.deriveKey(
                    from: Data(secret.utf8),
                    salt: salt,
                    outputByteCount: 64,
                    rounds: parameters.rounds,
                    blockSize: parameters.blockSize,
                    parallelism: parameters.parallelism
                )
                return output.withUnsafeBytes { bytes in
                    Derived(kek: SymmetricKey(data: bytes.prefix(32)), verifier: Data(SHA256.hash(data: bytes.suffix(32))))
                }
            }
        } catch {
            throw CoreError(.corrupted, "key derivation failed")
        }
    }

    /// 16 random bytes.
    public static func newSalt() -> Data { randomBytes(16) }
}

/// Cryptographically secure random bytes.
func randomBytes(_ count: Int) -> Data {
    SymmetricKey(size: .init(bitCount: count * 8)).withUnsafeBytes { Data($0) }
}

/// Compares two byte strings in time that depends only on their length.
func constantTimeEquals(_ lhs: Data, _ rhs: Data) -> Bool {
    guard lhs.count == rhs.count else { return false }
    return zip(lhs, rhs).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
}
