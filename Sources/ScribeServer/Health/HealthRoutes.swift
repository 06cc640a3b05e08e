import Hummingbird

/// `GET /healthz`: the process is alive (no dependencies checked, for restart decisions).
/// `GET /readyz`: 200 when ``Readiness`` passes, 503 otherwise (for load-balancer decisions).
struct HealthRoutes {
    /// `{"status":"alive"}`, written once: the answer never changes.
    static let liveness = ByteBuffer(string: #"{"status":"alive"}"#)

    let readiness: Readiness

    func add(to router: Router<ScribeRequestContext>) {
        router.get("healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: Self.liveness))
        }
        router.get("readyz") { _, _ -> EditedResponse<Readiness.Report> in
            let report = await readiness.check()
            return EditedResponse(status: report.ready ? .ok : .serviceUnavailable, response: report)
        }
    }
}

extension Readiness.Report: ResponseEncodable {}
