import ActivityPubKit
import Foundation
import HTTPTypes
import Hummingbird
import ScribeContracts
import ScribeHTTP
import ScribeSocial

/// Statuses: posting (text, a reply, a content warning, an audience), reading one and its
/// thread, deleting one's own, favourites and boosts and who gave them.
struct StatusRoutes<Context: SessionContext>: Sendable {
    let api: MastodonAPI<Context>

    func add(to router: Router<Context>) {
        router.post("api/v1/statuses", use: post)
        router.get("api/v1/statuses/:id", use: show)
        router.delete("api/v1/statuses/:id", use: delete)
        router.get("api/v1/statuses/:id/context", use: thread)
        router.post("api/v1/statuses/:id/favourite", use: favourite)
        router.post("api/v1/statuses/:id/unfavourite", use: unfavourite)
        router.post("api/v1/statuses/:id/reblog", use: reblog)
        router.post("api/v1/statuses/:id/unreblog", use: unreblog)
        router.get("api/v1/statuses/:id/favourited_by", use: favouritedBy)
        router.get("api/v1/statuses/:id/reblogged_by", use: rebloggedBy)
    }

    @Sendable func post(_ request: Request, context: Context) async throws -> Status {
        let user = try await api.callers.user(request, context, scope: "write:statuses")
        let parameters = try await Parameters.read(request, context: context)
        let text = parameters["status"] ?? ""
        let mediaIDs = parameters.list("media_ids")
        guard mediaIDs.count <= SocialActions.maximumMedia else { throw MastodonError.invalid("Too many media attachments") }
        let uploads = try await api.media.uploads(mediaIDs, of: user)
        guard uploads.allSatisfy({ $0.status == nil }) else { throw MastodonError.invalid("Media is already attached to another status") }
        guard parameters["poll[options]"] == nil, parameters.list("poll[options]").isEmpty else {
            throw MastodonError.invalid("Polls are not supported on this server")
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || !uploads.isEmpty else {
            throw MastodonError.invalid("Text can't be blank")
        }
        guard text.count <= InstanceRoutes<Context>.maximumCharacters else {
            throw MastodonError.invalid("Text character limit of \(InstanceRoutes<Context>.maximumCharacters) exceeded")
        }
        let audience: SocialActions.Audience
        switch parameters["visibility"] ?? "public" {
        case "public", "": audience = .public
        case "unlisted": audience = .unlisted
        case "private": audience = .followers
        case "direct": audience = .direct
        default: throw MastodonError.invalid("Visibility is not included in the list")
        }
        var replyTo: String?
        if let id = parameters["in_reply_to_id"], !id.isEmpty {
            let line = try await api.line(id)
            // The post answered must be one the user can see.
            _ = try await api.status(Presenter.Line(object: line.object), viewer: user)
            replyTo = line.object
        }
        var warning = parameters["spoiler_text"].flatMap { $0.isEmpty ? nil : $0 }
        if warning == nil, parameters.bool("sensitive") { warning = "Sensitive" }
        let key = request.headers[HTTPField.Name("Idempotency-Key")!].flatMap { $0.isEmpty ? nil : $0 }
        if let key, case .posted(let existing) = try await api.idempotencyKeys.claim(key, for: user) {
            return try await api.status(Presenter.Line(object: existing), viewer: user)
        }
        do {
            let posted = try await publish(text: text, warning: warning, audience: audience, replyTo: replyTo, uploads: uploads, as: user)
            if let key { try await api.idempotencyKeys.record(posted, for: key, as: user) }
            return try await api.status(Presenter.Line(object: posted), viewer: user)
        } catch {
            if let key { await api.idempotencyKeys.release(key, for: user) }
            throw error
        }
    }

    /// Posts through Social and marks the uploads as shown with the post; returns its id.
    private func publish(
        text: String,
        warning: String?,
        audience: SocialActions.Audience,
        replyTo: String?,
        uploads: [MediaLibrary.Upload],
        as user: UUID
    ) async throws -> String {
        let media = uploads.map {
            SocialActions.Media(url: api.mediaURL($0), mediaType: $0.contentType, description: $0.description, width: $0.width, height: $0.height)
        }
        let posted = try await api.social.actions.post(
            SocialActions.PostDraft(text: text, contentWarning: warning, audience: audience, inReplyTo: replyTo, media: media),
            as: user
        )
        try await api.media.attach(uploads, to: posted.id, of: user)
        return posted.id
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Status {
        let viewer = try await api.callers.reader(request, context)
        return try await api.status(try await api.line(context.parameters.get("id")), viewer: viewer)
    }

    @Sendable func delete(_ request: Request, context: Context) async throws -> Status {
        let user = try await api.callers.user(request, context, scope: "write:statuses")
        let line = try await api.line(context.parameters.get("id"))
        guard line.booster == nil else { throw MastodonError.notFound }
        var status = try await api.status(line, viewer: user)
        guard status.account.uri == (try await api.actor(of: user)) else { throw MastodonError.notFound }
        try await api.social.actions.deletePost(line.object, as: user)
        status.text = HTMLSanitizer.text(of: status.content).trimmingCharacters(in: .whitespacesAndNewlines)
        return status
    }

    @Sendable func thread(_ request: Request, context: Context) async throws -> StatusContext {
        let viewer = try await api.callers.reader(request, context)
        let line = try await api.line(context.parameters.get("id"))
        _ = try await api.status(Presenter.Line(object: line.object), viewer: viewer)
        let (above, below) = try await api.social.thread(of: line.object)
        return StatusContext(
            ancestors: try await api.presenter.statuses(above.map { Presenter.Line(object: $0) }, viewer: viewer),
            descendants: try await api.presenter.statuses(below.map { Presenter.Line(object: $0) }, viewer: viewer)
        )
    }

    @Sendable func favourite(_ request: Request, context: Context) async throws -> Status {
        try await react(request, context, scope: "write:favourites") { object, user in try await api.social.actions.like(object, as: user) }
    }

    @Sendable func unfavourite(_ request: Request, context: Context) async throws -> Status {
        try await react(request, context, scope: "write:favourites") { object, user in try await api.social.actions.unlike(object, as: user) }
    }

    @Sendable func unreblog(_ request: Request, context: Context) async throws -> Status {
        try await react(request, context, scope: "write:statuses") { object, user in try await api.social.actions.unboost(object, as: user) }
    }

    /// Boosting answers with the boost itself, whose `reblog` is the status.
    @Sendable func reblog(_ request: Request, context: Context) async throws -> Status {
        let user = try await api.callers.user(request, context, scope: "write:statuses")
        let line = try await api.line(context.parameters.get("id"))
        _ = try await api.status(Presenter.Line(object: line.object), viewer: user)
        try await api.social.actions.boost(line.object, as: user)
        let me = try await api.actor(of: user)
        return try await api.status(Presenter.Line(object: line.object, booster: me, boostedAt: Date()), viewer: user)
    }

    /// Does `action` to the status an id names (a boost's, its original) and shows it after.
    private func react(
        _ request: Request,
        _ context: Context,
        scope: String,
        _ action: (String, UUID) async throws -> Void
    ) async throws -> Status {
        let user = try await api.callers.user(request, context, scope: scope)
        let line = try await api.line(context.parameters.get("id"))
        let original = Presenter.Line(object: line.object)
        _ = try await api.status(original, viewer: user)
        try await action(line.object, user)
        return try await api.status(original, viewer: user)
    }

    @Sendable func favouritedBy(_ request: Request, context: Context) async throws -> [Account] {
        try await reactors(request, context, boosts: false)
    }

    @Sendable func rebloggedBy(_ request: Request, context: Context) async throws -> [Account] {
        try await reactors(request, context, boosts: true)
    }

    private func reactors(_ request: Request, _ context: Context, boosts: Bool) async throws -> [Account] {
        let viewer = try await api.callers.reader(request, context)
        let line = try await api.line(context.parameters.get("id"))
        _ = try await api.status(Presenter.Line(object: line.object), viewer: viewer)
        let parameters = try await Parameters.read(request, context: context)
        let actors = try await api.social.reactors(to: line.object, boosts: boosts, limit: try parameters.limit(default: 40))
        let accounts = try await api.presenter.accounts(actors)
        return actors.compactMap { accounts[$0] }
    }
}
