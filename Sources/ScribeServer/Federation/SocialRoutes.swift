import Foundation
import HTTPTypes
import Hummingbird
import ScribeContracts
import ScribeCore
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

    struct AccountRequest: Decodable {
        /// `user@host` or an actor URL.
        var handle: String
    }

    struct SettingsRequest: Decodable {
        var manuallyApprovesFollowers: Bool
        enum CodingKeys: String, CodingKey { case manuallyApprovesFollowers = "manually_approves_followers" }
    }

    struct CommentResponse: ResponseEncodable { var comment: SocialActions.Comment }
    struct FederationResponse: ResponseEncodable { var federation: FederationHealth.Report }
    struct FeedResponse: ResponseEncodable { var entries: [Feeds.Entry] }
    struct NotificationsResponse: ResponseEncodable { var notifications: [Notifications.Notification] }
    struct RequestsResponse: ResponseEncodable { var requests: [String] }
    struct SettingsResponse: ResponseEncodable {
        var manuallyApprovesFollowers: Bool
        enum CodingKeys: String, CodingKey { case manuallyApprovesFollowers = "manually_approves_followers" }
    }

    func add(to router: Router<ScribeRequestContext>) {
        let api = router.group("api/v1")
        for (path, add, remove) in [
            ("likes", social.actions.like, social.actions.unlike), ("boosts", social.actions.boost, social.actions.unboost),
        ] as [(String, @Sendable (String, UUID) async throws(SocialError) -> Void, @Sendable (String, UUID) async throws(SocialError) -> Void)] {
            api.post(RouterPath(path)) { request, context -> HTTPResponse.Status in
                let user = try context.requireUser()
                try await add(try await request.decodeJSON(as: ObjectRequest.self, context: context).object, user.id)
                return .noContent
            }
            api.delete(RouterPath(path)) { request, context -> HTTPResponse.Status in
                let user = try context.requireUser()
                try await remove(try Self.query(request, "object"), user.id)
                return .noContent
            }
        }
        api.post("comments") { request, context in
            let user = try context.requireUser()
            let body = try await request.decodeJSON(as: CommentRequest.self, context: context)
            let comment = try await social.actions.comment(on: body.inReplyTo, text: body.content, as: user.id)
            return EditedResponse(status: .created, response: CommentResponse(comment: comment))
        }
        api.delete("comments") { request, context -> HTTPResponse.Status in
            let user = try context.requireUser()
            try await social.actions.deleteComment(try Self.query(request, "id"), as: user.id)
            return .noContent
        }
        api.post("blocks") { request, context -> HTTPResponse.Status in
            let user = try context.requireUser()
            let actor = try await social.following.resolve(try await request.decodeJSON(as: AccountRequest.self, context: context).handle)
            try await social.actions.block(actor, as: user.id)
            return .noContent
        }
        api.delete("blocks") { request, context -> HTTPResponse.Status in
            let user = try context.requireUser()
            let actor = try await social.following.resolve(try Self.query(request, "handle"))
            try await social.actions.unblock(actor, as: user.id)
            return .noContent
        }
        api.get("follow-requests") { _, context in
            RequestsResponse(requests: try await social.following.requests(for: try context.requireSession().account.id))
        }
        for (path, accept) in [("accept", true), ("reject", false)] {
            api.post(RouterPath("follow-requests/\(path)")) { request, context -> HTTPResponse.Status in
                let user = try context.requireUser()
                let actor = try await social.following.resolve(try await request.decodeJSON(as: AccountRequest.self, context: context).handle)
                try await social.following.answer(request: actor, accept: accept, as: user.id)
                return .noContent
            }
        }
        api.put("social/settings") { request, context in
            let user = try context.requireUser()
            let body = try await request.decodeJSON(as: SettingsRequest.self, context: context)
            try await social.actors.setManuallyApprovesFollowers(user.id, body.manuallyApprovesFollowers)
            return SettingsResponse(manuallyApprovesFollowers: body.manuallyApprovesFollowers)
        }
        api.get("feeds/home") { request, context in
            let user = try context.requireUser()
            return FeedResponse(entries: try await social.homeFeed(for: user.id, before: try Self.cursor(request)))
        }
        api.get("feeds/public") { request, _ in
            FeedResponse(entries: try await social.publicFeed(before: try Self.cursor(request).map { Date(timeIntervalSince1970: TimeInterval($0)) }))
        }
        api.get("admin/federation") { _, context in
            let user = try context.requireUser()
            guard user.role.moderates else {
                throw APIError(.forbidden, code: "forbidden", message: "Only moderators see federation health.")
            }
            return FederationResponse(federation: try await social.federationHealth.report())
        }
        api.get("notifications") { request, context in
            let user = try context.requireUser()
            return NotificationsResponse(notifications: try await social.notifications.list(for: user.id, before: try Self.cursor(request)))
        }
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
