import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ScribeContracts
import ScribeHTTP
import ScribeImages
import ScribeSocial
import ScribeStorage

/// A character's art at the sizes pages show it (`/images/characters/{id}/{version}/w{width}`),
/// made from the published avatar by ``Thumbnail``: a card in a grid transfers a few kilobytes
/// instead of the whole PNG card.
///
/// The URL names the item's version (the time it last changed, in seconds), so it changes
/// whenever the art may have; a public item's art is therefore served with `Cache-Control:
/// public, max-age=31536000, immutable` and is never asked for again. Art of an item only
/// followers see is `private` and revalidated. Every response carries an `ETag`; a matching
/// `If-None-Match` is answered 304.
///
/// Guarantees: Core decides on every request who may see the item, exactly as for the item
/// itself (404 otherwise), also when the thumbnail is cached; thumbnails are kept per process
/// (at most ``cacheCapacity``, for an hour) under the item's current version, so a changed
/// item is never answered with its old art.
public struct ItemArt<Context: SessionContext>: Sendable {
    let core: any CoreAPI
    let social: SocialModule
    let thumbnails: MemoryCache<String, Thumbnail.Image>

    static var cacheCapacity: Int { 2_000 }

    public init(core: any CoreAPI, social: SocialModule) {
        self.core = core
        self.social = social
        self.thumbnails = MemoryCache(timeToLive: .seconds(3_600), capacity: Self.cacheCapacity)
    }

    public func add(to router: Router<Context>) {
        router.get("images/characters/:id/:version/:size", use: characterArt)
    }

    @Sendable func characterArt(_ request: Request, context: Context) async throws -> Response {
        let (id, width) = try ArtAddress.parse(context.parameters)
        let viewer = try await social.viewer(context.user?.id, of: .character, id)
        let metadata = try await core.metadata(of: .character, id: id, for: viewer)
        guard metadata.hasAvatar else { throw APIError(.notFound, code: "not_found", message: "This character has no art.") }
        let version = Int(metadata.updatedAt.timeIntervalSince1970)
        let answer = ThumbnailResponse(
            subject: id.uuidString.lowercased(),
            version: version,
            width: width,
            caching: metadata.visibility == .public ? .immutable : .privateRevalidated
        )
        return try await answer.respond(to: request, missing: "This character's art cannot be shown.") {
            let key = "character/\(id)/\(version)/\(width)"
            if let cached = thumbnails[key] { return cached }
            let avatar = try await core.sharedFile(of: .character, id: id, format: .avatar, for: viewer)
            guard let made = Thumbnail.make(from: avatar.bytes, width: width) else { return nil }
            thumbnails.set(made, for: key)
            return made
        }
    }
}
