import Foundation
import Hummingbird
import ScribeContracts
import ScribeHTTP

/// Applies ``RateLimiter`` to the JSON API (`/api/...`): per client address before anything
/// else is done for the request, and per account once the session is known. Over the limit is
/// 429 `rate_limited` with `Retry-After`. The address of a request forwarded by Scribe's own
/// social process was counted there and is not counted twice.
///
/// The inbox has its own limit, per remote domain (``InboxRoutes``); `/internal` calls come from
/// Scribe's own processes and are not limited.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = ScribeRequestContext

    enum Scope: String {
        case address, account
    }

    let limiter: RateLimiter
    let scope: Scope

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/api/") else { return try await next(request, context) }
        let decision: RateLimiter.Decision
        switch scope {
        case .address:
            guard !context.forwardedByScribe, let address = context.clientAddress else { return try await next(request, context) }
            decision = limiter.hit("address:\(address)", limit: limiter.settings.perAddress)
        case .account:
            guard let user = context.user else { return try await next(request, context) }
            decision = limiter.hit("account:\(user.id.uuidString)", limit: limiter.settings.perAccount)
        }
        if case .limited(let seconds) = decision { throw Self.refusal(scope.rawValue, retryAfter: seconds) }
        return try await next(request, context)
    }

    /// The 429 every limit answers with.
    static func refusal(_ scope: String, retryAfter seconds: Int) -> APIError {
        ScribeMetrics.rateLimited(scope)
        return APIError(
            .tooManyRequests,
            code: "rate_limited",
            message: "Too many requests; try again in \(seconds) seconds.",
            headers: [.retryAfter: String(seconds)]
        )
    }
}
