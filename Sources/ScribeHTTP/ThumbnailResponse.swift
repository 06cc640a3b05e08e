import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ScribeImages

/// How an image made by ``Thumbnail``, or stored at its full size, is answered: with an `ETag` naming the image's version and
/// width, `304` to a matching `If-None-Match`, and the caching its audience allows. Character
/// art, users' avatars and headers and an owner's own art all answer this way, so a browser
/// keeps each the same.
///
/// Guarantees: the source image is read and resized only when the browser does not already
/// hold this version (a 304 costs no image work); a source that cannot be made into a
/// thumbnail is 404, never a 500.
public struct ThumbnailResponse: Sendable {
    /// Who may keep the image.
    public enum Caching: Sendable {
        /// Anyone, for good: the URL changes when the image does.
        case immutable
        /// Only the viewer's browser, for good: the owner's own art at a URL that changes with it.
        case privateImmutable
        /// Only the viewer's browser, revalidated each time: who may see it can change.
        case privateRevalidated
        /// Anyone, revalidated each time: an image at a URL that stays when it changes.
        case revalidated

        var header: String {
            switch self {
            case .immutable: "public, max-age=31536000, immutable"
            case .privateImmutable: "private, max-age=31536000, immutable"
            case .privateRevalidated: "private, no-cache"
            case .revalidated: "no-cache"
            }
        }
    }

    /// The quoted entity tag: unique to the image (`subject`), its version and the width.
    public var tag: String
    public var caching: Caching

    public init(subject: String, version: Int, width: Int, caching: Caching) {
        self.tag = "\"\(subject)-\(version)-w\(width)\""
        self.caching = caching
    }

    /// An image as it is stored, at its full size: tagged with its subject and version alone.
    public init(subject: String, version: Int, caching: Caching) {
        self.tag = "\"\(subject)-\(version)\""
        self.caching = caching
    }

    /// `304` when the request already holds this version; otherwise the thumbnail `make` returns
    /// (nil: 404 with `missing` as the message).
    public func respond(
        to request: Request,
        missing: String,
        make: () async throws -> Thumbnail.Image?
    ) async throws -> Response {
        try await respond(to: request, missing: missing) { () async throws -> (bytes: Data, contentType: String)? in
            try await make().map { ($0.bytes, $0.contentType) }
        }
    }

    /// The same for an image as it is stored (`read` returns its bytes and type).
    public func respond(
        to request: Request,
        missing: String,
        read: () async throws -> (bytes: Data, contentType: String)?
    ) async throws -> Response {
        var headers: HTTPFields = [.eTag: tag, .cacheControl: caching.header]
        let held = request.headers[.ifNoneMatch]?.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == tag }
        if held == true { return Response(status: .notModified, headers: headers) }
        guard let image = try await read() else { throw APIError(.notFound, code: "not_found", message: missing) }
        headers[.contentType] = image.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: image.bytes)))
    }
}
