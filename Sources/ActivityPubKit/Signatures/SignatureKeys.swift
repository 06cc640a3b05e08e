import Crypto
import CryptoExtras
import Foundation

/// A public key a signature can be verified with: RSA (Mastodon's, and most of the fediverse's)
/// or Ed25519.
public enum SignaturePublicKey: Sendable {
    case rsa(_RSA.Signing.PublicKey)
    case ed25519(Curve25519.Signing.PublicKey)

    /// Reads a PEM public key: SPKI (`BEGIN PUBLIC KEY`, as actors publish `publicKeyPem`) or
    /// PKCS#1 (`BEGIN RSA PUBLIC KEY`). RSA keys of 1024 bits or more are accepted: old servers
    /// still use them.
    public init(pem: String) throws(SignatureError) {
        if let key = try? _RSA.Signing.PublicKey(unsafePEMRepresentation: pem) {
            self = .rsa(key)
        } else if let key = try? Curve25519.Signing.PublicKey(pemRepresentation: pem) {
            self = .ed25519(key)
        } else {
            throw SignatureError(.unsupportedAlgorithm, "the key is not an RSA or Ed25519 public key in PEM")
        }
    }

    /// SPKI PEM, as `publicKeyPem` carries it.
    public var pem: String {
        switch self {
        case .rsa(let key): key.pemRepresentation
        case .ed25519(let key): key.pemRepresentation
        }
    }

    func isValid(signature: Data, for message: Data) -> Bool {
        switch self {
        case .rsa(let key):
            key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: message, padding: .insecurePKCS1v1_5)
        case .ed25519(let key):
            key.isValidSignature(signature, for: message)
        }
    }
}

/// The kind of key a signature is made with; it decides draft-cavage's `algorithm` parameter.
public enum SignatureKeyKind: Sendable {
    case rsa
    case ed25519
}

/// Something that signs messages with a private key it keeps: RSASSA-PKCS1-v1_5 SHA-256 for RSA
/// keys, Ed25519 otherwise.
public protocol MessageSigner: Sendable {
    var kind: SignatureKeyKind { get }
    func signature(for message: Data) async throws -> Data
}

/// A private key to sign requests with.
public enum SignaturePrivateKey: MessageSigner {
    case rsa(_RSA.Signing.PrivateKey)
    case ed25519(Curve25519.Signing.PrivateKey)

    /// A new RSA-2048 key, what Mastodon and Scribe give every actor.
    public static func generateRSA() throws -> SignaturePrivateKey {
        .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048))
    }

    /// Reads a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`).
    public init(pem: String) throws(SignatureError) {
        if let key = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) {
            self = .rsa(key)
        } else if let key = try? Curve25519.Signing.PrivateKey(pemRepresentation: pem) {
            self = .ed25519(key)
        } else {
            throw SignatureError(.unsupportedAlgorithm, "the key is not an RSA or Ed25519 private key in PEM")
        }
    }

    /// PKCS#8 PEM.
    public var pem: String {
        switch self {
        case .rsa(let key): key.pkcs8PEMRepresentation
        case .ed25519(let key): key.pemRepresentation
        }
    }

    public var publicKey: SignaturePublicKey {
        switch self {
        case .rsa(let key): .rsa(key.publicKey)
        case .ed25519(let key): .ed25519(key.publicKey)
        }
    }

    public var kind: SignatureKeyKind {
        switch self {
        case .rsa: .rsa
        case .ed25519: .ed25519
        }
    }

    public func signature(for message: Data) throws -> Data {
        switch self {
        case .rsa(let key): try key.signature(for: message, padding: .insecurePKCS1v1_5).rawRepresentation
        case .ed25519(let key): try key.signature(for: message)
        }
    }
}
