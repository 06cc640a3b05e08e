/// Why a remote fetch or delivery failed, with a stable ``Code`` to match on and a reason to log.
/// The reason names the URL's host, never a header or a key.
public struct FetchError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Not an `http(s)` URL, or `http` where only `https` is allowed.
        case unsupportedURL = "unsupported_url"
        /// The host resolves to a private, loopback, link-local or otherwise non-public address.
        case forbiddenAddress = "forbidden_address"
        /// The host does not resolve.
        case unresolvableHost = "unresolvable_host"
        /// More redirects than allowed, or a redirect without a usable `Location`.
        case tooManyRedirects = "too_many_redirects"
        /// Connecting, reading or the whole exchange took too long.
        case timedOut = "timed_out"
        /// The response is larger than the cap.
        case tooLarge = "too_large"
        /// A status other than 200 (the status is in ``FetchError/status``).
        case unexpectedStatus = "unexpected_status"
        /// The response is not an ActivityPub (or, for WebFinger, JSON) document.
        case unexpectedContentType = "unexpected_content_type"
        /// The body is not a JSON object.
        case malformedDocument = "malformed_document"
        /// The document's `id` is not the URL it was fetched from (or its key is not the one asked for).
        case idMismatch = "id_mismatch"
        /// The connection failed (refused, reset, TLS).
        case connectionFailed = "connection_failed"
        /// The request could not be signed (the key service did not answer).
        case signingFailed = "signing_failed"
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
