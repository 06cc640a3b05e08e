import Foundation
import HTTPTypes
import Hummingbird
import ScribeContracts
import ScribeCore
import ScribeHTTP
import ScribeSocial

/// `POST /api/v1/follows` `{"handle": "bob@remote.example"}` follows a local or remote account;
/// `DELETE /api/v1/follows?handle=...` stops following it.
struct FollowRoutes {
    let following: Following

    struct FollowRequest: Decodable {
        var handle: String
    }

    struct FollowResponse: ResponseEncodable {
        var follow: Following.Followed
    }

    func add(to router: Router<ScribeRequestContext>) {
        let group = router.group("api/v1/follows", context: SignedInContext.self)
        group.post(use: follow)
        group.delete(use: unfollow)
    }

    @Sendable func follow(_ request: Request, context: SignedInContext) async throws -> EditedResponse<FollowResponse> {
        let body = try await request.decodeJSON(as: FollowRequest.self, context: context)
        return EditedResponse(status: .created, response: FollowResponse(follow: try await following.follow(body.handle, as: context.user.id)))
    }

    @Sendable func unfollow(_ request: Request, context: SignedInContext) async throws -> HTTPResponse.Status {
        guard let handle = request.uri.queryParameters.get("handle") else {
            throw APIError(.badRequest, code: "bad_request", message: "The handle parameter is required.", field: "handle")
        }
        try await following.unfollow(handle, as: context.user.id)
        return .noContent
    }
}
