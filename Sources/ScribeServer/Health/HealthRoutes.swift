import Hummingbird

/// `GET /healthz`: the process is alive (no dependencies checked, for restart decisions).
/// `GET /readyz`: 200 when ``Readiness`` passes, 503 otherwise (for load-balancer decisions).
struct HealthRoutes {
    struct Liveness: ResponseEncodable {
        var status = "alive"
    }

    let readiness: Readiness

    func add(to router: Router<ScribeRequestContext>) {
        router.get("healthz") { _, _ in Liveness() }
        router.get("readyz") { _, _ -> EditedResponse<Readiness.Report> in
            let report = await readiness.check()
            return EditedResponse(status: report.ready ? .ok : .serviceUnavailable, response: report)
        }
    }
}

extension Readiness.Report: ResponseEncodable {}
