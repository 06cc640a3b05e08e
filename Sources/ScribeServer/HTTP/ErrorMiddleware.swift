import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Logging

/// Turns whatever a route throws into an ``APIError`` response: the single place where errors
/// become HTTP. An error nobody mapped is a bug: it is logged with the request id and answered
/// with a 500 that reveals nothing about it.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try Self.apiError(for: error, logger: context.logger).response(from: request, context: context)
        }
    }

    static func apiError(for error: any Error, logger: Logger) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as HTTPError:
            return APIError(error.status, code: APIError.code(for: error.status),
                            message: error.body ?? error.status.reasonPhrase, headers: error.headers)
        case is DecodingError:
            return APIError(.badRequest, code: "invalid_json", message: "The request body is not the JSON this route expects.")
        case let error as any HTTPResponseError:
            return APIError(error.status, code: APIError.code(for: error.status), message: error.status.reasonPhrase)
        default:
            logger.error("unhandled error", metadata: ["error.type": .string(String(describing: type(of: error)))])
            return APIError(.internalServerError, code: "internal_error", message: "Something went wrong on our side; it has been logged.")
        }
    }
}
