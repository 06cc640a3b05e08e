import Crypto
import CryptoExtras
import Foundation
import Logging
import NIOCore
import PostgresNIO
import ScribeContracts
import ScribeStorage
import Synchronization

/// Actors' RSA-2048 signing keys, sealed under the server master key (`core.actor_keys`).
///
/// Guarantees: a private key is unsealed only inside ``sign(_:as:)`` and never returned; each
/// sealed key is bound (AES-GCM associated data) to its row, so a sealed key copied onto another
/// actor's row does not open; creating a key twice at once keeps one.
public struct ActorKeys: Sendable {
    let pool: PostgresClient
    let masterKeys: MasterKeyring
    let logger: Logger
    /// Keys unsealed in the last minute, by row: a post to ten thousand followers signs ten
    /// thousand times, and unsealing and importing the key each time cost more than the
    /// signature (`scripts/bench`, fan-out). They stay in this process's memory, as they did
    /// while signing; nothing else can reach them.
    let unsealed = MemoryCache<UUID, UnsealedKey>(timeToLive: .seconds(60), capacity: 1000)

    static let instanceID = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    /// A new key, sealed for `owner`, ready to store.
    struct Sealed: Sendable {
        var publicKeyPEM: String
        var masterKeyID: String
        var privateKey: SealedValue
    }

    static func rowID(_ owner: ActorKeyOwner) -> UUID {
        switch owner {
        case .instance: instanceID
        case .user(let id): id
        }
    }

    static func binding(_ id: UUID) -> FieldBinding { FieldBinding(table: "core.actor_keys", row: id, column: "private_key") }

    /// Generates an RSA-2048 key for `owner` and seals it under the current master key.
    static func generate(for owner: ActorKeyOwner, masterKeys: MasterKeyring) throws(CoreError) -> Sealed {
        let key: _RSA.Signing.PrivateKey
        do { key = try _RSA.Signing.PrivateKey(keySize: .bits2048) } catch { throw CoreError(.unavailable, "An actor key could not be generated.") }
        return Sealed(
            publicKeyPEM: key.publicKey.pemRepresentation,
            masterKeyID: masterKeys.current.id,
            privateKey: try FieldCipher.seal(key.derRepresentation, with: masterKeys.current.key, binding: binding(rowID(owner)))
        )
    }

    /// Stores a key made by ``generate(for:masterKeys:)`` inside the caller's transaction; a key
    /// already there is kept.
    static func store(_ sealed: Sealed, for owner: ActorKeyOwner, on connection: PostgresConnection, logger: Logger) async throws {
        let id = rowID(owner)
        let userID: UUID? = if case .user(let user) = owner { user } else { nil }
        try await connection.query(
            """
            INSERT INTO core.actor_keys (id, user_id, public_key_pem, master_key_id, private_key, private_key_nonce)
            VALUES (\(id), \(userID), \(sealed.publicKeyPEM), \(sealed.masterKeyID), \(sealed.privateKey.ciphertext), \(sealed.privateKey.nonce))
            ON CONFLICT (id) DO NOTHING
            """,
            logger: logger
        )
    }

    public func publicKeyPEM(of owner: ActorKeyOwner) async throws(CoreError) -> String {
        try await row(owner).publicKeyPEM
    }

    /// Signs `message` (RSASSA-PKCS1-v1_5, SHA-256) with the actor's key.
    public func sign(_ message: Data, as owner: ActorKeyOwner) async throws(CoreError) -> Data {
        let key = try await privateKey(owner)
        do {
            return try key.signature(for: message, padding: .insecurePKCS1v1_5).rawRepresentation
        } catch {
            throw CoreError(.corrupted, "An actor key could not be used.")
        }
    }

    /// The stored row is read every time, so a retired or removed key is never used; only
    /// unsealing and importing it are saved, while its sealed bytes are unchanged.
    private func privateKey(_ owner: ActorKeyOwner) async throws(CoreError) -> _RSA.Signing.PrivateKey {
        let id = Self.rowID(owner)
        let stored = try await row(owner)
        if let kept = unsealed[id], kept.sealed == stored.privateKey.ciphertext { return kept.key }
        let der = try FieldCipher.open(stored.privateKey, with: masterKeys.key(id: stored.masterKeyID), binding: Self.binding(id))
        let key: _RSA.Signing.PrivateKey
        do { key = try _RSA.Signing.PrivateKey(derRepresentation: der) } catch { throw CoreError(.corrupted, "An actor key could not be read.") }
        unsealed.set(UnsealedKey(key: key, sealed: stored.privateKey.ciphertext), for: id)
        return key
    }

    /// The stored key, created first when the actor has none yet (the instance actor, and
    /// accounts registered before actors had keys). A user that does not exist is `notFound`.
    private func row(_ owner: ActorKeyOwner) async throws(CoreError) -> Sealed {
        if let stored = try await find(owner) { return stored }
        if case .user(let id) = owner {
            let exists = try await run { try await pool.query("SELECT 1 FROM core.users WHERE id = \(id)", logger: logger).collect() }
            guard !exists.isEmpty else { throw CoreError(.notFound, "No such user.") }
        }
        let sealed = try Self.generate(for: owner, masterKeys: masterKeys)
        try await transaction(on: pool, logger: logger) { connection in
            try await Self.store(sealed, for: owner, on: connection, logger: logger)
        }
        guard let stored = try await find(owner) else { throw CoreError(.notFound, "No such user.") }
        return stored
    }

    private func find(_ owner: ActorKeyOwner) async throws(CoreError) -> Sealed? {
        let id = Self.rowID(owner)
        let rows = try await run {
            try await pool.query(
                "SELECT public_key_pem, master_key_id, private_key, private_key_nonce FROM core.actor_keys WHERE id = \(id)",
                logger: logger
            ).collect()
        }
        guard let row = rows.first else { return nil }
        let (pem, keyID, sealed, nonce) = try decode(row, as: (String, String, Data, Data).self)
        return Sealed(publicKeyPEM: pem, masterKeyID: keyID, privateKey: SealedValue(ciphertext: sealed, nonce: nonce))
    }

    /// Re-seals every actor key the current master key does not wrap (`scribe keys rotate`), a
    /// locked batch per transaction. Returns how many.
    func rewrapKeys() async throws(CoreError) -> Int {
        var total = 0
        while true {
            let done: Int = try await transaction(on: pool, logger: logger) { connection in
                let rows = try await connection.query(
                    """
                    SELECT id, master_key_id, private_key, private_key_nonce FROM core.actor_keys
                    WHERE master_key_id <> \(masterKeys.current.id) LIMIT 100 FOR UPDATE SKIP LOCKED
                    """,
                    logger: logger
                ).collect()
                for row in rows {
                    let (id, keyID, sealed, nonce) = try decode(row, as: (UUID, String, Data, Data).self)
                    let der = try FieldCipher.open(
                        SealedValue(ciphertext: sealed, nonce: nonce),
                        with: masterKeys.key(id: keyID),
                        binding: Self.binding(id)
                    )
                    let resealed = try FieldCipher.seal(der, with: masterKeys.current.key, binding: Self.binding(id))
                    try await connection.query(
                        """
                        UPDATE core.actor_keys SET master_key_id = \(masterKeys.current.id), private_key = \(resealed.ciphertext),
                            private_key_nonce = \(resealed.nonce) WHERE id = \(id)
                        """,
                        logger: logger
                    )
                }
                return rows.count
            }
            total += done
            if done == 0 { return total }
        }
    }

    /// How many actor keys each master key wraps.
    func masterKeyUsage() async throws(CoreError) -> [String: Int] {
        let rows = try await run {
            try await pool.query("SELECT master_key_id, count(*)::int FROM core.actor_keys GROUP BY master_key_id", logger: logger).collect()
        }
        var usage: [String: Int] = [:]
        for row in rows {
            let (id, count) = try decode(row, as: (String, Int).self)
            usage[id] = count
        }
        return usage
    }
}

/// An actor's unsealed key with the sealed bytes it came from: see ``ActorKeys/unsealed``. It is
/// used only while the stored row still holds exactly those bytes.
struct UnsealedKey: Sendable {
    var key: _RSA.Signing.PrivateKey
    var sealed: Data
}
