/// Why a request's HTTP signature was not accepted, in terms an inbox can answer with.
///
/// Like `CertificateError` in swift-certificates: a stable ``Code`` to match on and a reason
/// for people. Two errors are equal when their codes are.
public struct SignatureError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, to match on. A struct over a private enumeration, as swift-certificates'
    /// `ErrorCode` and postgres-nio's `PSQLError.Code` are: a new code is not a source-breaking
    /// change for code that switches over these, which must keep a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Sendable {
            case notSigned = "not_signed"
            case malformedHeader = "malformed_header"
            case unsupportedAlgorithm = "unsupported_algorithm"
            case invalidDate = "invalid_date"
            case outsideTimeWindow = "outside_time_window"
            case insufficientCoverage = "insufficient_coverage"
            case missingHeader = "missing_header"
            case digestMismatch = "digest_mismatch"
            case malformedDigest = "malformed_digest"
            case keyUnavailable = "key_unavailable"
            case signatureInvalid = "signature_invalid"
        }

        private let backing: Backing

        private init(_ backing: Backing) { self.backing = backing }

        /// The stable snake_case name, e.g. `not_signed`.
        public var rawValue: String { backing.rawValue }
        public var description: String { backing.rawValue }

        /// No `Signature` (or `Signature-Input`) header: the request is not signed.
        public static let notSigned = Code(.notSigned)
        /// The signature header could not be parsed, or a parameter is missing or repeated.
        public static let malformedHeader = Code(.malformedHeader)
        /// An algorithm we do not verify, or one the key cannot have made.
        public static let unsupportedAlgorithm = Code(.unsupportedAlgorithm)
        /// The `Date` header is not an HTTP date.
        public static let invalidDate = Code(.invalidDate)
        /// The signature is too old or from the future (beyond an hour's tolerance).
        public static let outsideTimeWindow = Code(.outsideTimeWindow)
        /// The signature does not cover what it must (`host`, `date`, the digest on POST, ...).
        public static let insufficientCoverage = Code(.insufficientCoverage)
        /// A covered header is absent from the request.
        public static let missingHeader = Code(.missingHeader)
        /// `Digest` or `Content-Digest` does not match the body.
        public static let digestMismatch = Code(.digestMismatch)
        /// `Digest` or `Content-Digest` cannot be read.
        public static let malformedDigest = Code(.malformedDigest)
        /// The key named by the signature could not be obtained.
        public static let keyUnavailable = Code(.keyUnavailable)
        /// The signature does not verify with the key.
        public static let signatureInvalid = Code(.signatureInvalid)
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
