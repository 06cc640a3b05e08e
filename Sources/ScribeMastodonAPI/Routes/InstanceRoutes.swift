import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ScribeContracts
import ScribeHTTP
import ScribeImages
import ScribeSocial

/// What apps ask of the server before anything else: `GET /api/v1/instance` and
/// `/api/v2/instance` (with the limits apps respect), custom emojis (none) and the servers this
/// one knows. Mastodon.py reads the version: it must be three numbers first, so Scribe reports
/// the Mastodon API version it follows and its own after it.
struct InstanceRoutes<Context: SessionContext>: Sendable {
    let api: MastodonAPI<Context>

    /// The Mastodon release whose client API this follows, and its API version (`api_versions`).
    static var mastodonVersion: String { "4.5.0" }
    static var apiVersion: Int64 { 7 }
    static var maximumCharacters: Int64 { 5000 }

    func add(to router: Router<Context>) {
        router.get("api/v1/instance", use: instanceV1)
        router.get("api/v2/instance", use: instanceV2)
        router.get("api/v1/instance/peers", use: peers)
        router.get("api/v1/instance/rules", use: { _, _ in JSONAnswer(.array([])) })
        router.get("api/v1/custom_emojis", use: { _, _ in JSONAnswer(.array([])) })
        router.get("avatars/original/missing.png", use: missingImage)
    }

    var version: String { "\(Self.mastodonVersion) (compatible; Scribe \(ScribeVersion.current))" }
    var domain: String { URL(string: api.origin)?.host() ?? "" }

    var statusLimits: JSONValue {
        .object([
            "max_characters": .integer(Self.maximumCharacters), "max_media_attachments": .integer(Int64(SocialActions.maximumMedia)),
            "characters_reserved_per_url": .integer(23),
        ])
    }

    var mediaLimits: JSONValue {
        .object([
            "supported_mime_types": .array([.string("image/png"), .string("image/jpeg")]),
            "image_size_limit": .integer(Int64(MediaLibrary.maximumSize)), "image_matrix_limit": .integer(Int64(Thumbnail.maximumPixels)),
            "video_size_limit": .integer(0), "video_frame_rate_limit": .integer(0), "video_matrix_limit": .integer(0),
            "description_limit": .integer(Int64(MediaLibrary.maximumDescription)),
        ])
    }

    var pollLimits: JSONValue {
        .object(["max_options": .integer(0), "max_characters_per_option": .integer(0), "min_expiration": .integer(0), "max_expiration": .integer(0)])
    }

    @Sendable func instanceV1(_ request: Request, context: Context) async throws -> JSONAnswer {
        let counts = try await api.social.instanceCounts()
        return JSONAnswer(
            .object([
                "uri": .string(domain), "title": .string(api.instance.name), "short_description": .string(api.instance.description),
                "description": .string(api.instance.description), "email": .string(""), "version": .string(version),
                "urls": .object([:]),
                "stats": .object([
                    "user_count": .integer(Int64(counts.users)), "status_count": .integer(Int64(counts.statuses)),
                    "domain_count": .integer(Int64(counts.domains)),
                ]),
                "thumbnail": .null, "languages": .array([.string("en")]), "registrations": .bool(true), "approval_required": .bool(false),
                "invites_enabled": .bool(false), "contact_account": .null, "rules": .array([]),
                "configuration": .object([
                    "accounts": .object(["max_featured_tags": .integer(0), "max_pinned_statuses": .integer(5)]),
                    "statuses": statusLimits, "media_attachments": mediaLimits, "polls": pollLimits,
                ]),
            ])
        )
    }

    @Sendable func instanceV2(_ request: Request, context: Context) async throws -> JSONAnswer {
        let counts = try await api.social.instanceCounts()
        let open: JSONValue = .object(["local": .string("public"), "remote": .string("public")])
        return JSONAnswer(
            .object([
                "domain": .string(domain), "title": .string(api.instance.name), "version": .string(version),
                "source_url": .string(api.origin + "/"), "description": .string(api.instance.description),
                "usage": .object(["users": .object(["active_month": .integer(Int64(counts.users))])]),
                "thumbnail": .object(["url": .string(api.origin + "/avatars/original/missing.png")]), "icon": .array([]),
                "languages": .array([.string("en")]),
                "registrations": .object([
                    "enabled": .bool(true), "approval_required": .bool(false), "reason_required": .bool(false), "message": .null,
                    "min_age": .null, "url": .string(api.origin + "/signup"),
                ]),
                "api_versions": .object(["mastodon": .integer(Self.apiVersion)]),
                "contact": .object(["email": .string(""), "account": .null]), "rules": .array([]),
                "configuration": .object([
                    "urls": .object([
                        "streaming": .null, "status": .null, "about": .string(api.origin + "/"), "privacy_policy": .null,
                        "terms_of_service": .null,
                    ]),
                    "vapid": .object(["public_key": .string("")]),
                    "accounts": .object(["max_featured_tags": .integer(0), "max_pinned_statuses": .integer(5)]),
                    "statuses": statusLimits, "media_attachments": mediaLimits, "polls": pollLimits,
                    "translation": .object(["enabled": .bool(false)]),
                    "timelines_access": .object(["live_feeds": open, "hashtag_feeds": open, "trending_link_feeds": open]),
                    "limited_federation": .bool(false),
                ]),
            ])
        )
    }

    @Sendable func peers(_ request: Request, context: Context) async throws -> JSONAnswer {
        JSONAnswer(.array(try await api.social.knownHosts().map { .string($0) }))
    }

    /// The image an account without an avatar or header shows: one transparent pixel.
    @Sendable func missingImage(_ request: Request, context: Context) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "image/png", .cacheControl: "public, max-age=86400"],
            body: .init(byteBuffer: ByteBuffer(bytes: transparentPixel))
        )
    }

}

/// One transparent pixel, as a PNG.
private let transparentPixel: [UInt8] = Array(
    Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==") ?? Data()
)

/// A JSON document built as a value (the instance's, which has many fixed keys).
struct JSONAnswer: ResponseGenerator {
    var value: JSONValue
    init(_ value: JSONValue) { self.value = value }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try context.responseEncoder.encode(value, from: request, context: context)
    }
}
