/// Why a request's HTTP signature was not accepted, in terms an inbox can answer with.
///
/// Like `CertificateError` in swift-certificates: a stable ``Code`` to match on and a reason
/// for people. Two errors are equal when their codes are.
public struct SignatureError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// No `Signature` (or `Signature-Input`) header: the request is not signed.
        case notSigned = "not_signed"
        /// The signature header could not be parsed, or a parameter is missing or repeated.
        case malformedHeader = "malformed_header"
        /// An algorithm we do not verify, or one the key cannot have made.
        case unsupportedAlgorithm = "unsupported_algorithm"
        /// The `Date` header is not an HTTP date.
        case invalidDate = "invalid_date"
        /// The signature is too old or from the future (beyond an hour's tolerance).
        case outsideTimeWindow = "outside_time_window"
        /// The signature does not cover what it must (`host`, `date`, the digest on POST, ...).
        case insufficientCoverage = "insufficient_coverage"
        /// A covered header is absent from the request.
        case missingHeader = "missing_header"
        /// `Digest` or `Content-Digest` does not match the body.
        case digestMismatch = "digest_mismatch"
        /// `Digest` or `Content-Digest` cannot be read.
        case malformedDigest = "malformed_digest"
        /// The key named by the signature could not be obtained.
        case keyUnavailable = "key_unavailable"
        /// The signature does not verify with the key.
        case signatureInvalid = "signature_invalid"
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }

    public static func == (lhs: SignatureError, rhs: SignatureError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
