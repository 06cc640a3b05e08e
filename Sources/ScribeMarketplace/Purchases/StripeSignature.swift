import Crypto
import Foundation
import ScribeContracts

/// Checks a `Stripe-Signature` header as Stripe documents it: `t=<unix time>` and one or more
/// `v1=<hex HMAC-SHA256 of "{t}.{raw body}">`, any of which may match any configured secret;
/// every other scheme (such as test mode's `v0`) is ignored, so it cannot be used to downgrade.
///
/// Guarantees: only the raw body is signed over (never a re-encoding); comparisons take the same
/// time whatever the bytes; a timestamp further than `tolerance` from now is refused.
enum StripeSignature {
    /// Returns the matching signature (lower-case hex), by which a replayed delivery is known.
    @discardableResult
    static func verify(
        header: String?,
        payload: Data,
        secrets: [String],
        tolerance: TimeInterval,
        now: Date = Date()
    ) throws(MarketplaceError) -> String {
        guard let header, !header.isEmpty else { throw MarketplaceError(.invalidSignature, "The Stripe-Signature header is missing.") }
        var timestamp: Int?
        var signatures: [Data] = []
        for element in header.split(separator: ",") {
            let parts = element.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "t": timestamp = Int(parts[1])
            case "v1": if let bytes = Data(hex: parts[1]) { signatures.append(bytes) }
            default: continue
            }
        }
        guard let timestamp else { throw MarketplaceError(.invalidSignature, "The Stripe-Signature header has no timestamp.") }
        guard !signatures.isEmpty else { throw MarketplaceError(.invalidSignature, "The Stripe-Signature header has no v1 signature.") }
        guard abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else {
            throw MarketplaceError(.invalidSignature, "The signature's timestamp is outside the tolerance.")
        }
        let signed = Data("\(timestamp).".utf8) + payload
        for secret in secrets {
            let key = SymmetricKey(data: Data(secret.utf8))
            // `isValidAuthenticationCode` compares in constant time.
            if let match = signatures.first(where: { HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: signed, using: key) }) {
                return match.map { String(format: "%02x", $0) }.joined()
            }
        }
        throw MarketplaceError(.invalidSignature, "No signature matches the webhook secret.")
    }
}

extension Data {
    /// Bytes from an even-length hexadecimal string, or nil.
    init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self.init(bytes)
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
