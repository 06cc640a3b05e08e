import Crypto
import Foundation

/// The Scribe processes that call Core's internal API. Each has its own scope: what
/// ``InternalCoreOperation/callers`` allows it.
public enum CallingService: String, Sendable, CaseIterable, Codable {
    case marketplace
    case social
}

/// The shared secret that Scribe's processes sign service tokens with (`SCRIBE_SERVICE_SECRET`).
/// Only its HKDF-derived key is kept, so the configured text is not held after start-up.
public struct ServiceSecret: Sendable {
    let key: SymmetricKey

    /// The secret must be at least 32 characters: long enough that guessing it is hopeless.
    public init?(_ text: String) {
        guard text.utf8.count >= 32 else { return nil }
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(text.utf8)),
            info: Data("scribe service token v1".utf8),
            outputByteCount: 32
        )
    }
}

/// A short-lived, signed statement "this call comes from `service`": what every call to
/// `/internal/core/...` carries in `Authorization: Bearer`.
///
/// Form: `v1.<service>.<expiry as Unix seconds>.<HMAC-SHA256 of the first three parts, base64url>`.
/// It names the calling service, which sets its scope, and an expiry at most
/// ``maximumLifetime`` ahead; it carries no user. Where a user acts, their own session travels
/// beside it (``InternalCoreOperation/sessionHeader``) and Core checks it as it checks any.
public struct ServiceToken: Sendable, Equatable {
    public let service: CallingService
    public let expires: Date

    /// How far ahead a token may expire; longer ones are refused, so a leaked token is useless soon.
    public static let maximumLifetime: TimeInterval = 300

    public enum Rejection: Error, Equatable {
        case malformed
        case badSignature
        case expired
    }

    /// A token for `service`, valid for `lifetime` seconds from `now`.
    public static func mint(for service: CallingService, secret: ServiceSecret, lifetime: TimeInterval = 60, now: Date = Date()) -> String {
        let claims = "v1.\(service.rawValue).\(Int64((now + min(lifetime, maximumLifetime)).timeIntervalSince1970))"
        return claims + "." + base64URL(Data(HMAC<SHA256>.authenticationCode(for: Data(claims.utf8), using: secret.key)))
    }

    /// The token `text` stands for, if `secret` signed it and it has not expired at `now`.
    public static func verify(_ text: String, secret: ServiceSecret, now: Date = Date()) throws(Rejection) -> ServiceToken {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "v1", let service = CallingService(rawValue: String(parts[1])),
            let expiry = Int64(parts[2]), let mac = data(base64URL: String(parts[3]))
        else { throw .malformed }
        let claims = parts[0...2].joined(separator: ".")
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data(claims.utf8), using: secret.key) else { throw .badSignature }
        let expires = Date(timeIntervalSince1970: TimeInterval(expiry))
        guard expires > now, expires.timeIntervalSince(now) <= maximumLifetime + 5 else { throw .expired }
        return ServiceToken(service: service, expires: expires)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func data(base64URL text: String) -> Data? {
        guard text.count <= 64, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
