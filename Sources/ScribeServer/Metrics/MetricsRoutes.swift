import Hummingbird
import NIOCore
import ScribeHTTP

/// `GET /metrics` in the Prometheus text format, for the operator's scraper: loopback clients
/// always, others only with `Authorization: Bearer <SCRIBE_METRICS_TOKEN>`; anyone else gets
/// 404, so the route does not advertise itself.
struct MetricsRoutes {
    let token: String?
    let sampler: MetricsSampler

    func add(to router: Router<ScribeRequestContext>) {
        router.get("metrics") { request, context -> Response in
            guard Self.mayRead(request, context, token: token) else {
                throw APIError(.notFound, code: "not_found", message: "There is nothing here.")
            }
            await sampler.sampleIfStale()
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: ScribeMetrics.exposition()))
            )
        }
    }

    static func mayRead(_ request: Request, _ context: ScribeRequestContext, token: String?) -> Bool {
        if let token, let header = request.headers[.authorization], header == "Bearer \(token)" { return true }
        guard let address = context.connectionAddress else { return false }
        return address.hasPrefix("127.") || address == "::1"
    }
}
