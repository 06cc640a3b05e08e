/// Why a remote fetch or delivery failed, with a stable ``Code`` to match on and a reason to log.
/// The reason names the URL's host, never a header or a key.
public struct FetchError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, to match on. A struct over a private enumeration, as swift-certificates'
    /// `ErrorCode` and postgres-nio's `PSQLError.Code` are: a new code is not a source-breaking
    /// change for code that switches over these, which must keep a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Sendable {
            case unsupportedURL = "unsupported_url"
            case forbiddenAddress = "forbidden_address"
            case unresolvableHost = "unresolvable_host"
            case tooManyRedirects = "too_many_redirects"
            case timedOut = "timed_out"
            case tooLarge = "too_large"
            case unexpectedStatus = "unexpected_status"
            case unexpectedContentType = "unexpected_content_type"
            case malformedDocument = "malformed_document"
            case idMismatch = "id_mismatch"
            case connectionFailed = "connection_failed"
            case signingFailed = "signing_failed"
        }

        private let backing: Backing

        private init(_ backing: Backing) { self.backing = backing }

        /// The stable snake_case name, e.g. `unsupported_url`.
        public var rawValue: String { backing.rawValue }
        public var description: String { backing.rawValue }

        /// Not an `http(s)` URL, or `http` where only `https` is allowed.
        public static let unsupportedURL = Code(.unsupportedURL)
        /// The host resolves to a private, loopback, link-local or otherwise non-public address.
        public static let forbiddenAddress = Code(.forbiddenAddress)
        /// The host does not resolve.
        public static let unresolvableHost = Code(.unresolvableHost)
        /// More redirects than allowed, or a redirect without a usable `Location`.
        public static let tooManyRedirects = Code(.tooManyRedirects)
        /// Connecting, reading or the whole exchange took too long.
        public static let timedOut = Code(.timedOut)
        /// The response is larger than the cap.
        public static let tooLarge = Code(.tooLarge)
        /// A status other than 200 (the status is in ``FetchError/status``).
        public static let unexpectedStatus = Code(.unexpectedStatus)
        /// The response is not an ActivityPub (or, for WebFinger, JSON) document.
        public static let unexpectedContentType = Code(.unexpectedContentType)
        /// The body is not a JSON object.
        public static let malformedDocument = Code(.malformedDocument)
        /// The document's `id` is not the URL it was fetched from (or its key is not the one asked for).
        public static let idMismatch = Code(.idMismatch)
        /// The connection failed (refused, reset, TLS).
        public static let connectionFailed = Code(.connectionFailed)
        /// The request could not be signed (the key service did not answer).
        public static let signingFailed = Code(.signingFailed)
    }

    public let code: Code
    public let reason: String
    /// The HTTP status, for ``Code/unexpectedStatus``.
    public let status: Int?

    public init(_ code: Code, _ reason: String, status: Int? = nil) {
        self.code = code
        self.reason = reason
        self.status = status
    }

    public var description: String { "\(code.rawValue): \(reason)" }

    public static func == (lhs: FetchError, rhs: FetchError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
