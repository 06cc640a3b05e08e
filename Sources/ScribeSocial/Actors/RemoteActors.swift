import ActivityPubKit
import Foundation
import Logging
import PostgresNIO
import ScribeStorage

/// An actor on another server, as far as delivery and display need it.
public struct RemoteActor: Sendable, Equatable {
    public var id: String
    public var host: String
    public var inbox: String
    public var sharedInbox: String?
    public var followers: String?
    public var preferredUsername: String?
}

/// Remote actors and their public keys: fetched through the guarded client (signed as the
/// instance actor) and cached in `social.remote_actors` / `social.remote_keys`.
///
/// Guarantees: a key is trusted only if its owner's own actor document lists it; an actor is
/// stored only from a document fetched from its own id (never from an embedded copy).
struct RemoteActors: Sendable {
    let client: FederationClient
    let instance: SigningIdentity
    let domainBlocks: DomainBlocks
    let pool: PostgresClient
    let logger: Logger
    /// Keys that verified, by key id, with their owners: every signed request asks for one.
    /// Ten minutes, as a key is trusted from the database anyway until it fails to verify.
    let verifiedKeys = MemoryCache<String, VerifiedKey>(timeToLive: .seconds(600), capacity: 50_000)

    struct VerifiedKey: Sendable {
        var owner: String
        var key: SignaturePublicKey
    }

    /// Refuses anything on a blocked domain before a request is made.
    func checkNotBlocked(_ id: String) async throws(SocialError) {
        if try await domainBlocks.isBlocked(id) { throw SocialError(.forbidden, "\(URL(string: id)?.host() ?? "That domain") is blocked here.") }
    }

    /// The public key a signature names, and the actor that owns it: from the cache, or fetched
    /// (always fetched when `refresh`, as after a failed verification: the key may have rotated).
    func key(_ keyID: String, refresh: Bool = false) async throws(SocialError) -> (owner: String, key: SignaturePublicKey) {
        if refresh { verifiedKeys.remove(keyID) } else if let cached = try await cachedKey(keyID) { return cached }
        try await checkNotBlocked(keyID)
        let fetched: FederationClient.RemoteKey
        do { fetched = try await client.fetchKey(keyID, signedBy: instance) } catch {
            throw SocialError(.signatureRejected, "The signing key could not be fetched (\(error.code.rawValue)).")
        }
        _ = try await actor(fetched.owner, refresh: true)
        guard let stored = try await cachedKey(keyID), stored.owner == fetched.owner else {
            throw SocialError(.signatureRejected, "The key's owner does not publish the key.")
        }
        return stored
    }

    private func cachedKey(_ keyID: String) async throws(SocialError) -> (owner: String, key: SignaturePublicKey)? {
        if let known = verifiedKeys[keyID] { return (known.owner, known.key) }
        let rows = try await run(logger) {
            try await pool.query("SELECT actor_id, public_key_pem FROM social.remote_keys WHERE key_id = \(keyID)", logger: logger).collect()
        }
        guard let row = rows.first else { return nil }
        let (owner, pem) = try decode(row, as: (String, String).self)
        guard let key = try? SignaturePublicKey(pem: pem) else { return nil }
        verifiedKeys.set(VerifiedKey(owner: owner, key: key), for: keyID)
        return (owner, key)
    }

    /// The actor whose key signed `signed`, once the signature verifies: the key comes from the
    /// cache, or is fetched; a signature that fails is checked once more with the key fetched
    /// again, since keys rotate. Inboxes and signed fetches both ask here.
    ///
    /// - Throws: `forbidden` for a key on a blocked domain; `signatureRejected` for a missing,
    ///   malformed or failing signature; any other code when the key could not be had.
    func signer(of signed: SignedRequest) async throws(SocialError) -> String {
        let verifier = HTTPSignatureVerifier()
        let candidate: HTTPSignatureVerifier.Candidate
        do { candidate = try verifier.candidate(for: signed) } catch { throw SocialError(.signatureRejected, error.reason) }
        if try await domainBlocks.isBlocked(candidate.keyID) {
            throw SocialError(.forbidden, "This server does not accept requests from that domain.")
        }
        let (owner, key) = try await self.key(candidate.keyID)
        do {
            _ = try verifier.verify(candidate, of: signed, with: key)
        } catch {
            guard error.code == .signatureInvalid else { throw SocialError(.signatureRejected, error.reason) }
            let (_, fresh) = try await self.key(candidate.keyID, refresh: true)
            do { _ = try verifier.verify(candidate, of: signed, with: fresh) } catch { throw SocialError(.signatureRejected, error.reason) }
        }
        return owner
    }

    /// The actor with this id: cached, or fetched and stored.
    func actor(_ id: String, refresh: Bool = false) async throws(SocialError) -> RemoteActor {
        if !refresh, let cached = try await cached(id) { return cached }
        try await checkNotBlocked(id)
        guard let url = URL(string: id) else { throw SocialError(.invalidInput, "The actor id is not a URL.") }
        let document: ASObject
        do { document = try await client.fetchDocument(url, signedBy: instance) } catch {
            throw Self.fetchFailure(error, of: "actor")
        }
        return try await store(document)
    }

    /// A remote object fetched from its own id (signed as the instance actor): the only copy of
    /// a third party's object we trust.
    func object(_ id: String) async throws(SocialError) -> ASObject {
        try await checkNotBlocked(id)
        guard let url = URL(string: id) else { throw SocialError(.invalidInput, "The object id is not a URL.") }
        do { return try await client.fetchDocument(url, signedBy: instance) } catch {
            throw Self.fetchFailure(error, of: "object")
        }
    }

    /// A failed fetch in the caller's terms: an id we would never fetch (not http(s), a private
    /// address, a host that does not exist) is the caller's mistake (400); anything else is the
    /// remote server's (502).
    static func fetchFailure(_ error: FetchError, of what: String) -> SocialError {
        switch error.code {
        case .unsupportedURL, .forbiddenAddress, .unresolvableHost:
            SocialError(.invalidInput, "The \(what) id is not a public http(s) URL (\(error.code.rawValue)).")
        case .unexpectedStatus where error.status == 404 || error.status == 410:
            // Its own server says it is not there: asking again later will not bring it back.
            SocialError(.notFound, "The \(what) is not on its server (\(error.status ?? 404)).")
        default:
            SocialError(.remoteFailed, "The \(what) could not be fetched (\(error.code.rawValue)).")
        }
    }

    /// Forgets an actor whose account is gone: its keys first (memory and table), then its document.
    func forget(_ id: String, on connection: PostgresConnection) async throws {
        verifiedKeys.removeAll { $1.owner == id }
        try await connection.query("DELETE FROM social.remote_actors WHERE id = \(id)", logger: logger)
    }

    /// A known actor's server, its shared inbox when it has one, read inside a transaction.
    static func cachedInbox(of id: String, on connection: PostgresConnection) async throws -> String? {
        try await connection.query(
            "SELECT coalesce(shared_inbox, inbox) FROM social.remote_actors WHERE id = \(id)",
            logger: connection.logger
        ).collect().first?.decode(String.self)
    }

    func cached(_ id: String) async throws(SocialError) -> RemoteActor? {
        let rows = try await run(logger) {
            try await pool.query(
                "SELECT id, host, inbox, shared_inbox, followers, preferred_username FROM social.remote_actors WHERE id = \(id)",
                logger: logger
            ).collect()
        }
        guard let row = rows.first else { return nil }
        let (id, host, inbox, shared, followers, username) = try decode(row, as: (String, String, String, String?, String?, String?).self)
        return RemoteActor(id: id, host: host, inbox: inbox, sharedInbox: shared, followers: followers, preferredUsername: username)
    }

    /// Stores an actor document fetched from its own id, with every key it lists as its own.
    func store(_ document: ASObject) async throws(SocialError) -> RemoteActor {
        guard document.isActor, let id = document.id, let url = URL(string: id), let host = url.host()?.lowercased(),
            let inbox = document.inbox ?? document.references("inbox").first?.id
        else {
            throw SocialError(.remoteFailed, "The document is not an actor with an inbox.")
        }
        let actor = RemoteActor(
            id: id,
            host: url.port.map { "\(host):\($0)" } ?? host,
            inbox: inbox,
            sharedInbox: document.sharedInbox ?? document["sharedInbox"]?.string,
            followers: document.followers,
            preferredUsername: document.preferredUsername.map { String($0.prefix(2048)) }
        )
        // Only keys the actor owns, on its own host: a document cannot claim another server's key id.
        let keys = document.publicKeys.filter { ($0.owner ?? id) == id && URL(string: $0.id)?.host()?.lowercased() == host }
        let json = String(decoding: (try? document.encoded()) ?? Data("{}".utf8), as: UTF8.self)
        try await transaction(on: pool, logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO social.remote_actors (id, host, inbox, shared_inbox, followers, preferred_username, document, fetched_at)
                VALUES (\(actor.id), \(actor.host), \(actor.inbox), \(actor.sharedInbox), \(actor.followers), \(actor.preferredUsername), \(json)::jsonb, now())
                ON CONFLICT (id) DO UPDATE SET host = EXCLUDED.host, inbox = EXCLUDED.inbox, shared_inbox = EXCLUDED.shared_inbox,
                    followers = EXCLUDED.followers, preferred_username = EXCLUDED.preferred_username, document = EXCLUDED.document, fetched_at = now()
                """,
                logger: logger
            )
            verifiedKeys.removeAll { $1.owner == actor.id }
            try await connection.query("DELETE FROM social.remote_keys WHERE actor_id = \(actor.id)", logger: logger)
            for key in keys {
                try await connection.query(
                    """
                    INSERT INTO social.remote_keys (key_id, actor_id, public_key_pem) VALUES (\(key.id), \(actor.id), \(key.pem))
                    ON CONFLICT (key_id) DO UPDATE SET actor_id = EXCLUDED.actor_id, public_key_pem = EXCLUDED.public_key_pem, fetched_at = now()
                    """,
                    logger: logger
                )
            }
        }
        return actor
    }
}
