import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ScribeContracts
import ScribeCore
import ScribeHTTP
import ScribeMarketplace
import ScribeMastodonAPI
import ScribeSocial
import ScribeWeb

/// Turns whatever a route throws into an ``APIError`` response: the single place where errors
/// become HTTP. An error nobody mapped is a bug: it is logged with the request id and answered
/// with a 500 that reveals nothing about it. A browser asking for a page gets the same status
/// and message as an HTML page (and is sent to log in when that is what it lacks).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = ScribeRequestContext

    var pages: Pages?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = Self.apiError(for: error, logger: context.logger)
            if let pages, Self.wantsPage(request) {
                if apiError.status == .unauthorized {
                    // A page asked for by GET is where the user goes back to once signed in.
                    let login = request.method == .get ? AccountPages<Context>.loginPath(returningTo: request.uri.description) : "/login"
                    return Pages.redirect(login, notice: apiError.message)
                }
                return pages.render(
                    "error",
                    title: apiError.status.reasonPhrase,
                    page: ErrorPage(status: apiError.status.code, message: apiError.message),
                    request: request,
                    context: context,
                    status: apiError.status
                )
            }
            if MastodonError.isClientAPI(request.uri.path) {
                // Mastodon's apps read Mastodon's shape: `{"error": …}`, and OAuth's code beside it.
                let body = (error as? MastodonError)?.body ?? ["error": apiError.message]
                var response = try context.responseEncoder.encode(body, from: request, context: context)
                response.status = apiError.status
                for field in apiError.headers { response.headers.append(field) }
                return response
            }
            return try apiError.response(from: request, context: context)
        }
    }

    struct ErrorPage {
        var status: Int
        var message: String
    }

    /// A browser navigating (it takes HTML), not an API or federation client.
    static func wantsPage(_ request: Request) -> Bool {
        let path = request.uri.path
        guard !path.hasPrefix("/api/"), !path.hasPrefix("/.well-known/"), !path.hasPrefix("/nodeinfo") else { return false }
        return (request.headers[.accept] ?? "").contains("text/html")
    }

    static func apiError(for error: any Error, logger: Logger) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as HTTPError:
            return APIError(
                error.status,
                code: APIError.code(for: error.status),
                message: error.body ?? error.status.reasonPhrase,
                headers: error.headers
            )
        case let error as CoreError:
            return apiError(for: error, logger: logger)
        case let error as CoreAPIError:
            return apiError(for: error)
        case let error as SocialError:
            return apiError(for: error)
        case let error as MarketplaceError:
            return apiError(for: error)
        case let error as DecodingError:
            return apiError(for: error)
        case let error as MastodonError:
            return APIError(error.status, code: error.oauthCode ?? APIError.code(for: error.status), message: error.message)
        case let error as any HTTPResponseError:
            return APIError(error.status, code: APIError.code(for: error.status), message: error.status.reasonPhrase)
        default:
            logger.error("unhandled error", metadata: ["error.type": .string(String(describing: type(of: error)))])
            return APIError(.internalServerError, code: "internal_error", message: "Something went wrong on our side; it has been logged.")
        }
    }

    static func apiError(for error: CoreError, logger: Logger) -> APIError {
        let status: HTTPResponse.Status
        var headers: HTTPFields = [:]
        switch error.code {
        case .invalidInput: status = .unprocessableContent
        case .usernameTaken, .emailTaken: status = .conflict
        case .invalidCredentials: status = .unauthorized
        case .unauthenticated:
            status = .unauthorized
            headers[.wwwAuthenticate] = "Bearer"
        case .accountLocked, .accountPending, .forbidden: status = .forbidden
        case .notFound: status = .notFound
        case .rateLimited:
            status = .tooManyRequests
            headers[.retryAfter] = String(error.retryAfterSeconds ?? 60)
        case .unavailable:
            status = .serviceUnavailable
            headers[.retryAfter] = "5"
        case .corrupted:
            logger.error("stored data failed a consistency check", metadata: ["reason": .string(error.message)])
            return APIError(.internalServerError, code: "internal_error", message: "Something went wrong on our side; it has been logged.")
        }
        return APIError(status, code: error.code.rawValue, message: error.message, field: error.field, headers: headers)
    }

    static func apiError(for error: CoreAPIError) -> APIError {
        let status = status(for: error.code)
        switch error.code {
        case .notFound: return APIError(status, code: "not_found", message: error.message)
        case .invalidArgument: return APIError(status, code: "invalid_input", message: error.message)
        case .forbidden: return APIError(status, code: "forbidden", message: error.message)
        case .unauthenticated: return APIError(status, code: "unauthenticated", message: "Log in to continue.", headers: [.wwwAuthenticate: "Bearer"])
        case .unavailable: return APIError(status, code: "unavailable", message: error.message, headers: [.retryAfter: "5"])
        }
    }

    /// The status of each `CoreAPIError`, for the public API and Core's internal API alike (which
    /// keeps the contract's own codes in its bodies, so its client can rebuild the error).
    static func status(for code: CoreAPIError.Code) -> HTTPResponse.Status {
        switch code {
        case .invalidArgument: .unprocessableContent
        case .notFound: .notFound
        case .forbidden: .forbidden
        case .unauthenticated: .unauthorized
        case .unavailable: .serviceUnavailable
        }
    }

    static func apiError(for error: SocialError) -> APIError {
        let status: HTTPResponse.Status =
            switch error.code {
            case .badRequest: .badRequest
            case .invalidInput: .unprocessableContent
            case .signatureRejected: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .gone: .gone
            case .unsupportedMediaType: .unsupportedMediaType
            case .payloadTooLarge: .contentTooLarge
            case .remoteFailed: .badGateway
            case .unavailable: .serviceUnavailable
            case .rateLimited: .tooManyRequests
            }
        let retryAfter = error.code == .rateLimited ? error.retryAfterSeconds ?? 60 : error.code == .unavailable ? 5 : nil
        return APIError(status, code: error.code.rawValue, message: error.message, headers: retryAfter.map { [.retryAfter: String($0)] } ?? [:])
    }

    static func apiError(for error: MarketplaceError) -> APIError {
        let status: HTTPResponse.Status =
            switch error.code {
            case .badRequest: .badRequest
            case .invalidInput: .unprocessableContent
            case .unauthenticated: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .conflict, .salesDisabled: .conflict
            case .paymentRequired: HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required")
            case .invalidSignature: .badRequest
            case .paymentProviderFailed: .badGateway
            case .unavailable: .serviceUnavailable
            }
        return APIError(status, code: error.code.rawValue, message: error.message, headers: error.code == .unavailable ? [.retryAfter: "5"] : [:])
    }

    /// Names the field at fault, in the API's snake_case, without echoing the submitted value.
    static func apiError(for error: DecodingError) -> APIError {
        func path(_ context: DecodingError.Context, _ key: (any CodingKey)? = nil) -> String {
            (context.codingPath + (key.map { [$0] } ?? [])).map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context, key)
            return APIError(.unprocessableContent, code: "invalid_input", message: "The field \(field) is required.", field: field)
        case .valueNotFound(_, let context) where context.codingPath.isEmpty, .typeMismatch(_, let context) where context.codingPath.isEmpty:
            return APIError(.badRequest, code: "invalid_json", message: "The request body must be a JSON object.")
        case .valueNotFound(_, let context), .typeMismatch(_, let context):
            let field = path(context)
            return APIError(.unprocessableContent, code: "invalid_input", message: "The field \(field) has the wrong type.", field: field)
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            let field = path(context)
            return APIError(.unprocessableContent, code: "invalid_input", message: "The field \(field) is not valid.", field: field)
        default:
            return APIError(.badRequest, code: "invalid_json", message: "The request body is not valid JSON.")
        }
    }
}
