import Foundation
import HTTPTypes
import Hummingbird
import ScribeContracts
import ScribeCore
import ScribeHTTP
import ScribeSocial

/// The JSON API of the social layer for a logged-in user: likes, boosts, comments, blocks,
/// follow requests, the home and public feeds, and notifications. Objects are named by their
/// ActivityPub id, local (`https://us/characters/...`) or remote.
struct SocialRoutes {
    let social: SocialModule

    struct ObjectRequest: Decodable {
        var object: String
    }

    struct CommentRequest: Decodable {
        var inReplyTo: String
        var content: String
        enum CodingKeys: String, CodingKey {
            case inReplyTo = "in_reply_to"
            case content
        }
    }

    struct PostRequest: Decodable {
        var content: String
        var contentWarning: String?
        var audience: SocialActions.Audience?
        var inReplyTo: String?
        /// The post or item it quotes; its author is asked (FEP-044f).
        var quote: String?
        enum CodingKeys: String, CodingKey {
            case content, audience, quote
            case contentWarning = "content_warning"
            case inReplyTo = "in_reply_to"
        }

        var draft: SocialActions.PostDraft {
            SocialActions.PostDraft(text: content, contentWarning: contentWarning, audience: audience ?? .public, inReplyTo: inReplyTo, quote: quote)
        }
    }

    struct AccountRequest: Decodable {
        /// `user@host` or an actor URL.
        var handle: String
    }

    /// A change of settings: what is left out stays as it was.
    struct SettingsRequest: Decodable {
        var manuallyApprovesFollowers: Bool?
        var discoverable: Bool?
        var indexable: Bool?
        /// Handles or actor URLs of the user's other accounts.
        var alsoKnownAs: [String]?
        enum CodingKeys: String, CodingKey {
            case discoverable, indexable
            case manuallyApprovesFollowers = "manually_approves_followers"
            case alsoKnownAs = "also_known_as"
        }
    }

    struct MoveRequest: Decodable {
        /// The new account: a handle or an actor URL.
        var target: String
        /// The account's password, asked again as Mastodon asks it.
        var password: String
    }

    struct CommentResponse: ResponseEncodable { var comment: SocialActions.Comment }
    struct PostResponse: ResponseEncodable { var post: SocialActions.Post }
    struct FederationResponse: ResponseEncodable { var federation: FederationHealth.Report }
    struct FeedResponse: ResponseEncodable { var entries: [Feeds.Entry] }
    struct NotificationsResponse: ResponseEncodable { var notifications: [Notifications.Notification] }
    struct RequestsResponse: ResponseEncodable { var requests: [String] }

    func add(to router: Router<ScribeRequestContext>) {
        router.get("api/v1/feeds/public", use: publicFeed)
        let api = router.group("api/v1", context: SignedInContext.self)
        api.post("likes", use: like)
        api.delete("likes", use: unlike)
        api.post("boosts", use: boost)
        api.delete("boosts", use: unboost)
        api.post("comments", use: comment)
        api.delete("comments", use: deleteComment)
        api.post("posts", use: post)
        api.put("posts", use: editPost)
        api.delete("posts", use: deletePost)
        api.delete("quote-approvals", use: revokeQuoteApproval)
        api.post("pins", use: pin)
        api.delete("pins", use: unpin)
        api.post("blocks", use: block)
        api.delete("blocks", use: unblock)
        api.get("follow-requests", use: followRequests)
        api.post("follow-requests/accept", use: acceptFollowRequest)
        api.post("follow-requests/reject", use: rejectFollowRequest)
        api.get("social/settings", use: settings)
        api.put("social/settings", use: updateSettings)
        api.post("social/move", use: move)
        api.get("feeds/home", use: homeFeed)
        api.get("social/notifications", use: notifications)
        api.get("admin/federation", use: federationHealth)
    }

    @Sendable func like(_ request: Request, context: SignedInContext) async throws -> HTTPResponse.Status {
        try await social.actions.like(try await request.decodeJSON(as: ObjectRequest.self, context: context).object, as: context.user.id)
        return .noContent
    }

    @Sendable func unlike(_ request: Request, context: SignedInContext) async throws -> HTTPResponse.Status {
        try await social.actions.unlike(try Self.query(request, "object"), as: context.user.id)
        return .noContent
    }

    @Sendable func boost(_ request: Request, context: SignedInContext) async throws -> HTTPResponse.Status {
        try await social.actions.boost(try await request.decodeJSON(as: ObjectRequest.self, context: context).object, as: context.user.id)
        return .noContent
    }

    @Sendable func pin(_ request: Request, context: SignedInContext) async throws -> HTTPResponse.Status {
        try await social.actions.pin(try await request.decodeJSON(as: ObjectRequest.self, context: context).object, as: context.user.id)
        return .noContent
    }

    @Sendable func unpin(_ request: Request, context: SignedInContext) async throws -> HTTPResponse.Status {
        try await social.actions.unpin(try Self.query(request, "object"), as: context.user.id)
        return .noContent
    }

    @Sendable func revokeQuoteApproval(_ request: Request, context: SignedInContext) async throws -> HTTPResponse.Status {
        try await social.actions.revokeQuoteApproval(quoting: try Self.query(request, "quoting"), as: context.user.id)
        return .noContent
    }

    @Sendable func unboost(_ request: Request, context: SignedInContext) async throws -> HTTPResponse.Status {
        try await social.actions.unboost(try Self.query(request, "object"), as: context.user.id)
        return .noContent
    }

    @Sendable func comment(_ request: Request, context: SignedInContext) async throws -> EditedResponse<CommentResponse> {
        let body = try await request.decodeJSON(as: CommentRequest.self, context: context)
        let comment = try await social.actions.comment(on: body.inReplyTo, text: body.content, as: context.user.id)
        return EditedResponse(status: .created, response: CommentResponse(comment: comment))
    }

    @Sendable func deleteComment(_ request: Request, context: SignedInContext) async throws -> HTTPResponse.Status {
        try await social.actions.deleteComment(try Self.query(request, "id"), as: context.user.id)
        return .noContent
    }

    @Sendable func post(_ request: Request, context: SignedInContext) async throws -> EditedResponse<PostResponse> {
        let body = try await request.decodeJSON(as: PostRequest.self, context: context)
        return EditedResponse(status: .created, response: PostResponse(post: try await social.actions.post(body.draft, as: context.user.id)))
    }

    @Sendable func editPost(_ request: Request, context: SignedInContext) async throws -> PostResponse {
        let id = try Self.query(request, "id")
        let body = try await request.decodeJSON(as: PostRequest.self, context: context)
        return PostResponse(post: try await social.actions.editPost(id, body.draft, as: context.user.id))
    }

    @Sendable func deletePost(_ request: Request, context: SignedInContext) async throws -> HTTPResponse.Status {
        try await social.actions.deletePost(try Self.query(request, "id"), as: context.user.id)
        return .noContent
    }

    @Sendable func block(_ request: Request, context: SignedInContext) async throws -> HTTPResponse.Status {
        let actor = try await social.following.resolve(try await request.decodeJSON(as: AccountRequest.self, context: context).handle)
        try await social.actions.block(actor, as: context.user.id)
        return .noContent
    }

    @Sendable func unblock(_ request: Request, context: SignedInContext) async throws -> HTTPResponse.Status {
        let actor = try await social.following.resolve(try Self.query(request, "handle"))
        try await social.actions.unblock(actor, as: context.user.id)
        return .noContent
    }

    @Sendable func followRequests(_ request: Request, context: SignedInContext) async throws -> RequestsResponse {
        RequestsResponse(requests: try await social.following.requests(for: context.user.id))
    }

    @Sendable func acceptFollowRequest(_ request: Request, context: SignedInContext) async throws -> HTTPResponse.Status {
        try await answerFollowRequest(request, context: context, accept: true)
    }

    @Sendable func rejectFollowRequest(_ request: Request, context: SignedInContext) async throws -> HTTPResponse.Status {
        try await answerFollowRequest(request, context: context, accept: false)
    }

    func answerFollowRequest(_ request: Request, context: SignedInContext, accept: Bool) async throws -> HTTPResponse.Status {
        let actor = try await social.following.resolve(try await request.decodeJSON(as: AccountRequest.self, context: context).handle)
        try await social.following.answer(request: actor, accept: accept, as: context.user.id)
        return .noContent
    }

    @Sendable func settings(_ request: Request, context: SignedInContext) async throws -> LocalActors.AccountSettings {
        try await social.actors.accountSettings(context.user.id)
    }

    @Sendable func updateSettings(_ request: Request, context: SignedInContext) async throws -> LocalActors.AccountSettings {
        let body = try await request.decodeJSON(as: SettingsRequest.self, context: context)
        let change = Following.SettingsChange(
            manuallyApprovesFollowers: body.manuallyApprovesFollowers,
            discoverable: body.discoverable,
            indexable: body.indexable,
            alsoKnownAs: body.alsoKnownAs
        )
        return try await social.following.changeSettings(change, as: context.user.id)
    }

    @Sendable func move(_ request: Request, context: SignedInContext) async throws -> LocalActors.AccountSettings {
        let body = try await request.decodeJSON(as: MoveRequest.self, context: context)
        return try await social.following.move(to: body.target, as: context.user.id, password: body.password, sessionToken: context.sessionToken)
    }

    @Sendable func homeFeed(_ request: Request, context: SignedInContext) async throws -> FeedResponse {
        FeedResponse(entries: try await social.homeFeed(for: context.user.id, before: try Self.cursor(request)))
    }

    @Sendable func publicFeed(_ request: Request, context: ScribeRequestContext) async throws -> FeedResponse {
        FeedResponse(entries: try await social.publicFeed(before: try Self.cursor(request).map { Date(timeIntervalSince1970: TimeInterval($0)) }))
    }

    @Sendable func notifications(_ request: Request, context: SignedInContext) async throws -> NotificationsResponse {
        NotificationsResponse(notifications: try await social.notificationList(for: context.user.id, before: try Self.cursor(request)))
    }

    @Sendable func federationHealth(_ request: Request, context: SignedInContext) async throws -> FederationResponse {
        guard context.user.role.moderates else {
            throw APIError(.forbidden, code: "forbidden", message: "Only moderators see federation health.")
        }
        return FederationResponse(federation: try await social.federationHealth.report())
    }

    static func query(_ request: Request, _ name: String) throws -> String {
        guard let value = request.uri.queryParameters.get(name), !value.isEmpty else {
            throw APIError(.badRequest, code: "bad_request", message: "The \(name) parameter is required.", field: name)
        }
        return value
    }

    /// The `before` cursor: an entry id from the previous page.
    static func cursor(_ request: Request) throws -> Int64? {
        try request.uri.queryParameters.get("before").map { text throws -> Int64 in
            guard let value = Int64(text) else {
                throw APIError(.badRequest, code: "bad_request", message: "before must be a number.", field: "before")
            }
            return value
        }
    }
}
extension LocalActors.AccountSettings: ResponseEncodable {}
