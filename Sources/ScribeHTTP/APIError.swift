import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ScribeContracts

/// An error as the HTTP API shows it: `{ "error": { "code": ..., "message": ... } }`.
///
/// Every failure a route produces reaches the client in this shape; ``ErrorMiddleware`` maps
/// the modules' errors and the framework's onto it, in one place.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    /// A stable, machine-readable snake_case code.
    public var code: String
    /// One sentence for a person; never holds secrets or private fields.
    public var message: String
    /// The request field at fault, when there is one, so a form can show the message beside it.
    public var field: String?
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, message: String, field: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers
    }

    struct Body: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
            var field: String?
        }
        var error: Detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try ScribeJSON.encoder().encode(Body(error: .init(code: code, message: message, field: field)))
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// What a route that needs a signed-in user answers anyone else.
    public static let loginRequired = APIError(
        .unauthorized,
        code: "unauthenticated",
        message: "Log in to continue.",
        headers: [.wwwAuthenticate: "Bearer"]
    )

    /// The code a bare HTTP status stands for, e.g. `not_found` for 404. Like every code, each
    /// stands for one status only.
    public static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "bad_request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 406: "not_acceptable"
        case 409: "conflict"
        case 410: "gone"
        case 413: "payload_too_large"
        case 415: "unsupported_media_type"
        case 422: "invalid_input"
        case 429: "rate_limited"
        case 500: "internal_error"
        case 502: "bad_gateway"
        case 503: "unavailable"
        default: "http_\(status.code)"
        }
    }
}

extension APIError: UserFacingError {
    public var isUsersToFix: Bool { status.code < 500 }
}
