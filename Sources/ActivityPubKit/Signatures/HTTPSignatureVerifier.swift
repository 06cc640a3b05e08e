import Crypto
import Foundation

/// Verifies HTTP signatures in both forms the fediverse uses, draft-cavage (`Signature`) and
/// RFC 9421 (`Signature-Input` + `Signature`), in Mastodon's order: find the key → required
/// parameters → time window → required coverage → body digest → the signature itself.
///
/// Verification is two steps so the caller can fetch the key in between:
/// ```swift
/// let candidate = try verifier.candidate(for: request)       // which key, which scheme
/// let key = try await keys.fetch(candidate.keyID)            // the caller's cache or fetch
/// let verified = try verifier.verify(candidate, of: request, with: key)
/// ```
/// Every failure is a ``SignatureError`` whose code an inbox can answer with (401 for most).
public struct HTTPSignatureVerifier: Sendable {
    public enum Scheme: String, Sendable {
        case draftCavage = "draft-cavage"
        case rfc9421
    }

    /// A parsed signature: which key it names and in which scheme, not yet verified.
    public struct Candidate: Sendable {
        public let keyID: String
        public let scheme: Scheme
        let draft: DraftCavageSignature.Parsed?
        let rfc9421: RFC9421Signature.Parsed?
    }

    /// A signature that verified: the key that made it and the scheme.
    public struct Verified: Sendable, Equatable {
        public let keyID: String
        public let scheme: Scheme
    }

    /// How far a signature's time may be from now, either way: an hour, as Mastodon allows.
    public var tolerance: TimeInterval = 3600
    private let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    /// Parses the request's signature and says which key it names.
    public func candidate(for request: SignedRequest) throws(SignatureError) -> Candidate {
        if let input = request.header("signature-input") {
            guard let signature = request.header("signature") else { throw SignatureError(.malformedHeader, "Signature-Input without Signature") }
            let parsed = try RFC9421Signature.parse(input: input, signature: signature)
            return Candidate(keyID: parsed.keyID, scheme: .rfc9421, draft: nil, rfc9421: parsed)
        }
        guard let header = request.header("signature") else { throw SignatureError(.notSigned, "Request not signed") }
        let parsed = try DraftCavageSignature.parse(header)
        return Candidate(keyID: parsed.keyID, scheme: .draftCavage, draft: parsed, rfc9421: nil)
    }

    /// Checks the candidate against the request with the key its `keyID` names.
    public func verify(_ candidate: Candidate, of request: SignedRequest, with key: SignaturePublicKey) throws(SignatureError) -> Verified {
        if let parsed = candidate.draft { try verifyDraft(parsed, request: request, key: key) }
        if let parsed = candidate.rfc9421 { try verifyRFC9421(parsed, request: request, key: key) }
        return Verified(keyID: candidate.keyID, scheme: candidate.scheme)
    }

    /// Both steps, with `key` looking the key up; nil from it means the key cannot be had.
    public func verify(_ request: SignedRequest, key: (String) async throws -> SignaturePublicKey?) async throws(SignatureError) -> Verified {
        let candidate = try candidate(for: request)
        guard let publicKey = try? await key(candidate.keyID) else {
            throw SignatureError(.keyUnavailable, "Unable to fetch key JSON at \(candidate.keyID)")
        }
        return try verify(candidate, of: request, with: publicKey)
    }

    // MARK: draft-cavage

    private func verifyDraft(_ parsed: DraftCavageSignature.Parsed, request: SignedRequest, key: SignaturePublicKey) throws(SignatureError) {
        try checkAlgorithm(parsed.algorithm, key: key, names: ["rsa-sha256": .rsa, "hs2019": nil, "ed25519": .ed25519])
        let created: Date
        if let seconds = parsed.created {
            created = Date(timeIntervalSince1970: TimeInterval(seconds))
        } else {
            guard let header = request.header("date") else {
                throw SignatureError(.insufficientCoverage, "the request has no Date and the signature no created time")
            }
            guard let date = HTTPDate.date(from: header) else {
                throw SignatureError(.invalidDate, "Invalid Date header: not RFC 2616 compliant date: \"\(header)\"")
            }
            created = date
        }
        try checkTime(created: created, expires: parsed.expires.map { Date(timeIntervalSince1970: TimeInterval($0)) })
        let covered = Set(parsed.headers)
        guard covered.contains("date") || covered.contains("(created)") else {
            throw SignatureError(.insufficientCoverage, "the signature must cover date or (created)")
        }
        guard covered.contains("(request-target)") || covered.contains("digest") else {
            throw SignatureError(.insufficientCoverage, "the signature must cover (request-target) or digest")
        }
        if request.method.uppercased() == "GET", !covered.contains("host") {
            throw SignatureError(.insufficientCoverage, "the signature must cover host on GET")
        }
        if request.isPost, !covered.contains("digest") {
            throw SignatureError(.insufficientCoverage, "Mastodon requires the Digest header to be signed when doing a POST request")
        }
        if let digest = request.header("digest") { try checkDigest(digest, body: request.body ?? Data()) }
        var targets = [request.path]
        // Some signers leave the query out of (request-target); Mastodon retries without it.
        if let mark = request.path.firstIndex(of: "?") { targets.append(String(request.path[..<mark])) }
        for target in targets
        where key.isValid(signature: parsed.signature, for: Data(try DraftCavageSignature.signingString(parsed, request: request, path: target).utf8))
        {
            return
        }
        throw SignatureError(.signatureInvalid, "the signature does not verify with key \(parsed.keyID)")
    }

    private func checkDigest(_ header: String, body: Data) throws(SignatureError) {
        let computed = Data(SHA256.hash(data: body)).base64EncodedString()
        let pairs = header.split(separator: ",").map(\.trimmingOptionalWhitespace)
        guard let pair = pairs.first(where: { $0.lowercased().hasPrefix("sha-256=") }) else {
            throw SignatureError(.malformedDigest, "the Digest header has no SHA-256 value")
        }
        let given = String(pair.dropFirst("sha-256=".count))
        guard given == computed else {
            throw SignatureError(.digestMismatch, "Invalid Digest value. Computed SHA-256 digest: \(computed); given: \(given)")
        }
    }

    // MARK: RFC 9421

    private func verifyRFC9421(_ parsed: RFC9421Signature.Parsed, request: SignedRequest, key: SignaturePublicKey) throws(SignatureError) {
        try checkAlgorithm(parsed.algorithm, key: key, names: ["rsa-v1_5-sha256": .rsa, "ed25519": .ed25519])
        guard let created = parsed.created else { throw SignatureError(.malformedHeader, "Signature-Input has no created parameter") }
        try checkTime(
            created: Date(timeIntervalSince1970: TimeInterval(created)),
            expires: parsed.expires.map { Date(timeIntervalSince1970: TimeInterval($0)) }
        )
        let covered = Set(parsed.components)
        guard covered.contains("@method"), covered.contains("@target-uri") else {
            throw SignatureError(.insufficientCoverage, "the signature must cover @method and @target-uri")
        }
        if request.isPost, !covered.contains("content-digest") {
            throw SignatureError(.insufficientCoverage, "Mastodon requires the Content-Digest header to be signed when doing a POST request")
        }
        if let header = request.header("content-digest") {
            let computed = Data(SHA256.hash(data: request.body ?? Data()))
            guard let given = try RFC9421Signature.sha256(inContentDigest: header) else {
                throw SignatureError(.malformedDigest, "Content-Digest has no sha-256 value")
            }
            guard given == computed else {
                throw SignatureError(
                    .digestMismatch,
                    "Invalid Digest value. Computed SHA-256 digest: \(computed.base64EncodedString()); given: \(given.base64EncodedString())"
                )
            }
        }
        guard key.isValid(signature: parsed.signature, for: Data(try RFC9421Signature.base(parsed, request: request).utf8)) else {
            throw SignatureError(.signatureInvalid, "the signature does not verify with key \(parsed.keyID)")
        }
    }

    // MARK: Shared checks

    private enum KeyKind { case rsa, ed25519 }

    /// An algorithm named by the signature must be one we verify and match the key; `hs2019` or
    /// none means "whatever the key is".
    private func checkAlgorithm(_ name: String?, key: SignaturePublicKey, names: [String: KeyKind?]) throws(SignatureError) {
        guard let name else { return }
        guard let expected = names[name] else { throw SignatureError(.unsupportedAlgorithm, "the algorithm \(name) is not supported") }
        switch (expected, key) {
        case (nil, _), (.rsa?, .rsa), (.ed25519?, .ed25519): return
        default: throw SignatureError(.unsupportedAlgorithm, "the algorithm \(name) does not match the key")
        }
    }

    /// Mastodon's window: expires defaults to created + 5 minutes, at most created + 12 hours;
    /// refused when created is more than the tolerance ahead, or expiry more than it behind.
    private func checkTime(created: Date, expires: Date?) throws(SignatureError) {
        let expiry = min(expires ?? created.addingTimeInterval(300), created.addingTimeInterval(12 * 3600))
        let now = now()
        guard created <= now.addingTimeInterval(tolerance), now <= expiry.addingTimeInterval(tolerance) else {
            throw SignatureError(.outsideTimeWindow, "Signed request date outside acceptable time window")
        }
    }
}

/// Signs outgoing requests.
public enum HTTPSignatureSigner {
    /// Signs `request` in `scheme` with a key held here, setting every header the signature covers.
    public static func sign(
        _ request: inout SignedRequest,
        scheme: HTTPSignatureVerifier.Scheme = .draftCavage,
        keyID: String,
        key: SignaturePrivateKey,
        at date: Date = Date()
    ) throws {
        let pending = try prepare(&request, scheme: scheme, keyID: keyID, keyKind: key.kind, at: date)
        pending.apply(&request, try key.signature(for: pending.message))
    }

    /// Signs `request` with a key held elsewhere (a key service, or another module that keeps
    /// private keys to itself): only the signing string is handed to `signer`.
    public static func sign(
        _ request: inout SignedRequest,
        scheme: HTTPSignatureVerifier.Scheme = .draftCavage,
        keyID: String,
        signer: any MessageSigner,
        at date: Date = Date()
    ) async throws {
        let pending = try prepare(&request, scheme: scheme, keyID: keyID, keyKind: signer.kind, at: date)
        pending.apply(&request, try await signer.signature(for: pending.message))
    }

    static func prepare(
        _ request: inout SignedRequest,
        scheme: HTTPSignatureVerifier.Scheme,
        keyID: String,
        keyKind: SignatureKeyKind,
        at date: Date
    ) throws -> PendingSignature {
        switch scheme {
        case .draftCavage: try DraftCavageSignature.prepare(&request, keyID: keyID, keyKind: keyKind, date: date)
        case .rfc9421: try RFC9421Signature.prepare(&request, keyID: keyID, created: date)
        }
    }
}

/// A request with every covered header set, waiting for its signature.
struct PendingSignature {
    /// What the key signs: the signing string or signature base.
    let message: Data
    /// Sets the signature headers from the signature of ``message``.
    let apply: (inout SignedRequest, Data) -> Void
}
