import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ScribeContracts
import ScribeHTTP

/// Uploading images for posts (`POST /api/v2/media`, processed at once, so 200), reading and
/// describing an upload, and serving the files (`/media/<name>` and its preview).
struct MediaRoutes<Context: SessionContext>: Sendable {
    let api: MastodonAPI<Context>

    func add(to router: Router<Context>) {
        router.post("api/v2/media", use: upload)
        router.post("api/v1/media", use: upload)
        router.get("api/v1/media/:id", use: show)
        router.put("api/v1/media/:id", use: describe)
        router.get("media/:name", use: original)
        router.get("media/:name/preview", use: preview)
    }

    @Sendable func upload(_ request: Request, context: Context) async throws -> MediaAttachment {
        let user = try await api.callers.user(request, context, scope: "write:media")
        let parameters = try await Parameters.read(request, context: context, maximumBody: MediaLibrary.maximumSize + 64 * 1024)
        guard let file = parameters.files["file"] else { throw MastodonError.missing("file") }
        return attachment(try await api.media.upload(file, description: parameters["description"], for: user))
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> MediaAttachment {
        let user = try await api.callers.user(request, context, scope: "write:media")
        guard let upload = try await api.media.uploads([context.parameters.get("id") ?? ""], of: user).first else { throw MastodonError.notFound }
        return attachment(upload)
    }

    @Sendable func describe(_ request: Request, context: Context) async throws -> MediaAttachment {
        let user = try await api.callers.user(request, context, scope: "write:media")
        let parameters = try await Parameters.read(request, context: context)
        return attachment(try await api.media.describe(context.parameters.get("id") ?? "", as: parameters["description"], of: user))
    }

    @Sendable func original(_ request: Request, context: Context) async throws -> Response {
        try await file(context, preview: false)
    }

    @Sendable func preview(_ request: Request, context: Context) async throws -> Response {
        try await file(context, preview: true)
    }

    /// An image never changes under its name, so anyone may keep it for good.
    private func file(_ context: Context, preview: Bool) async throws -> Response {
        let name = (context.parameters.get("name") ?? "").split(separator: ".").first.map(String.init) ?? ""
        guard let found = try await api.media.file(name, preview: preview) else { throw MastodonError.notFound }
        return Response(
            status: .ok,
            headers: [.contentType: found.contentType, .cacheControl: "public, max-age=31536000, immutable"],
            body: .init(byteBuffer: ByteBuffer(bytes: found.bytes))
        )
    }

    func attachment(_ upload: MediaLibrary.Upload) -> MediaAttachment {
        let url = api.mediaURL(upload)
        return MediaAttachment(
            id: String(upload.id),
            type: "image",
            url: url,
            preview_url: url + "/preview",
            remote_url: nil,
            preview_remote_url: nil,
            text_url: nil,
            meta: ["original": ["width": upload.width, "height": upload.height]],
            description: upload.description,
            blurhash: nil
        )
    }
}

extension MediaAttachment: ResponseEncodable {}
