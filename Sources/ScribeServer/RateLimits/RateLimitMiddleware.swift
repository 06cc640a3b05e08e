import Foundation
import HTTPTypes
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
        let budget: RateLimiter.Budget?
        switch scope {
        case .address:
            guard !context.forwardedByScribe, let address = context.clientAddress else { return try await next(request, context) }
            budget = limiter.count("address:\(address)", limit: limiter.settings.perAddress)
        case .account:
            guard let user = context.user else { return try await next(request, context) }
            budget = limiter.count("account:\(user.id.uuidString)", limit: limiter.settings.perAccount)
        }
        guard let budget else { return try await next(request, context) }
        if case .limited(let seconds) = budget.decision {
            throw Self.refusal(scope.rawValue, retryAfter: seconds, headers: Self.headers(budget))
        }
        var response = try await next(request, context)
        // The account's budget (checked inside) is the one a signed-in client is told of.
        if response.headers[Self.limitHeader] == nil { response.headers.append(contentsOf: Self.headers(budget)) }
        return response
    }

    static let limitHeader = HTTPField.Name("X-RateLimit-Limit")!

    /// What is left of a budget, as Mastodon's apps read it: `X-RateLimit-Limit`, `-Remaining`
    /// and `-Reset` (ISO 8601 with microseconds, as Mastodon writes it).
    static func headers(_ budget: RateLimiter.Budget) -> HTTPFields {
        let reset = budget.resetsAt.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        return [
            limitHeader: String(budget.limit),
            HTTPField.Name("X-RateLimit-Remaining")!: String(budget.remaining),
            HTTPField.Name("X-RateLimit-Reset")!: reset,
        ]
    }

    /// The 429 every limit answers with.
    static func refusal(_ scope: String, retryAfter seconds: Int, headers: HTTPFields = [:]) -> APIError {
        ScribeMetrics.rateLimited(scope)
        var fields = headers
        fields[.retryAfter] = String(seconds)
        return APIError(
            .tooManyRequests,
            code: "rate_limited",
            message: "Too many requests; try again in \(seconds) seconds.",
            headers: fields
        )
    }
}
