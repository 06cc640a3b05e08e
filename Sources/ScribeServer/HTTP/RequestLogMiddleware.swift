import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Gives every request an id, returns it as `X-Request-Id`, and logs one line per request
/// with method, path, status and duration. A well-formed incoming `X-Request-Id` (from a proxy)
/// is kept so one id follows the request through the stack. The query string is not logged:
/// it may carry tokens.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    static var headerName: HTTPField.Name { HTTPField.Name("X-Request-Id")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let incoming = request.headers[Self.headerName], Self.isAcceptable(incoming) {
            context.logger[metadataKey: "hb.request.id"] = .string(incoming)
        }
        let started = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[Self.headerName] = context.id
        let elapsed = ContinuousClock.now - started
        context.logger.info(
            "request",
            metadata: [
                "http.method": .string(request.method.rawValue),
                "http.path": .string(request.uri.path),
                "http.status": .stringConvertible(response.status.code),
                "duration_ms": .string(Self.milliseconds(elapsed)),
            ]
        )
        return response
    }

    /// `12.34`: milliseconds to two places, by integer arithmetic (`String(format:)` costs a
    /// measurable share of a trivial request).
    static func milliseconds(_ duration: Duration) -> String {
        let hundredths = duration.components.seconds * 100_000 + duration.components.attoseconds / 10_000_000_000_000
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    static func isAcceptable(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F
                    || byte == 0x2E
            }
    }
}
