import HTTPTypes
import Hummingbird

/// Lets apps that run in a browser (Elk, Phanpy, Mastodon's own web client on another origin)
/// call the client API, as Mastodon lets them: any origin may read its answers and send its
/// requests, because they carry a bearer token, never a cookie. The consent page is not
/// included: it is ours, signed in by cookie.
public struct ClientCORSMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard MastodonError.isClientAPI(path), path != "/oauth/authorize", request.headers[.origin] != nil else {
            return try await next(request, context)
        }
        if request.method == .options {
            var response = Response(status: .noContent)
            response.headers[.accessControlAllowOrigin] = "*"
            response.headers[.accessControlAllowMethods] = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
            response.headers[.accessControlAllowHeaders] =
                request.headers[.accessControlRequestHeaders] ?? "Authorization, Content-Type, Idempotency-Key"
            response.headers[.accessControlMaxAge] = "86400"
            return response
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = "*"
        response.headers[.accessControlExposeHeaders] = "Link, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, X-Request-Id"
        return response
    }
}
