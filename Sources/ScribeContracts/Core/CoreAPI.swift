import Foundation

/// What Marketplace and Social may ask of Core. They hold an `any CoreAPI`: the composition
/// root hands them Core's in-process implementation, and a split deployment an HTTP client
/// implementing the same protocol, so neither side's code changes.
///
/// Operations are added here as the modules need them; every one must be expressible over
/// HTTP (plain DTOs in, plain DTOs out, errors as ``CoreAPIError``).
public protocol CoreAPI: Sendable {
    /// Events recorded after `cursor`, oldest first, at most `limit` of them.
    func events(after cursor: Int64, limit: Int) async throws(CoreAPIError) -> [CoreEvent]

    /// The shareable view of a published item, if `viewer` may see it. An item that does not
    /// exist, is private, or is for followers the viewer is not among is `notFound` alike.
    func sharedView(of kind: CoreEvent.SubjectKind, id: UUID, for viewer: Viewer) async throws(CoreAPIError) -> SharedItem
}

/// Why a ``CoreAPI`` call failed, in terms a caller can act on.
public struct CoreAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidArgument = "invalid_argument"
        case notFound = "not_found"
        case unavailable
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
